"""Run-All times: every place that shows one agrees with benchmarks/results/run_all_times.json.

The places are the README's lesson table, lesson 00's map and each lesson's first cell, all
between ``<!-- times:KEY -->…<!-- /times -->`` markers that ``python -m gantutor.times`` fills.
Every lesson is checked (none is skipped): a lesson without its markers fails with the command
that inserts them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gantutor import times

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIX = "run `python -m gantutor.times` (it inserts missing markers and rewrites the times from the file)"


@pytest.fixture(scope="module")
def data():
    return times.load()


def test_every_lesson_has_a_measured_time_with_its_source(data):
    assert sorted(data["lessons"]) == sorted(p.name[:2] for p in NOTEBOOKS), (
        "benchmarks/results/run_all_times.json must hold one entry per notebooks/NN_*.ipynb"
    )
    for key, entry in data["lessons"].items():
        assert entry.get("notebook") in (None, *[p.name for p in NOTEBOOKS if p.name[:2] == key]), entry


@pytest.mark.parametrize("path", [ROOT / "README.md", *NOTEBOOKS], ids=["README", *[p.stem for p in NOTEBOOKS]])
def test_every_place_agrees_with_the_file(path, data):
    assert not times.sync_file(path, data, write=False), f"{path.name}: its times differ from the times file; {FIX}"


def _markers(text: str) -> list[str]:
    return [m.group("key") for m in times.MARKER.finditer(text)]


def test_readme_table_and_lesson_00_map_show_every_lesson(data):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    map_cells = "\n".join(c.source for c in nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4).cells
                          if c.cell_type == "markdown")
    for where, text in (("README.md", readme), ("lesson 00's map", map_cells)):
        rows = [line for line in text.splitlines() if line.lstrip().startswith("|")]
        for key in data["lessons"]:
            assert any(f"<!-- times:{key} -->" in line for line in rows), f"{where}: no table row shows times:{key}"
    assert "classifier" in _markers(readme), "README.md: the classifier's training time needs its marker"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_first_cell_shows_its_own_time(path):
    first = times.first_markdown(nbformat.read(path, as_version=4)).source
    keys = [k for k in _markers(first) if not k.startswith("classifier")]
    assert keys == [path.name[:2]], f"{path.name}: the first cell must show times:{path.name[:2]} once (found {keys}); {FIX}"


# --------------------------------------------------------------------------- the generator itself

FIRST_CELLS = {  # the first cells' time paragraphs as lessons had them before markers
    "01": ("**Time:** Run-All measured at 92 s of CPU time, 3 min wall (`benchmarks/run_all_times.py`: normal mode, fresh "
           "kernel, one thread, two lessons side by side); on an idle core expect roughly the CPU time. The\n"
           "k sweep of §2 is most of it.\n**Prerequisites:** lesson 00.", "; on an idle core expect"),
    "06": ("**Time on a CPU:** one ACGAN run of the `cpu` preset on CIFAR-10 (sized for about 10 minutes), then "
           "seconds: the finished run is kept. The first time only, the classifier is trained and cached "
           "(about half an hour on one thread). Smoke mode: seconds.\n\n**Prerequisites:** lesson 02.",
           ": the finished run is kept."),
    "07": ("**Time on a CPU:** two `cpu`-preset runs on CIFAR-10 (ACGAN and ReACGAN, sized for about 10 minutes each). "
           "Finished runs are kept.", ". Finished runs are kept."),
    "00": ("**Time:** under a minute on a CPU (nothing here trains). **Prerequisites:** none.", ". **Prerequisites:**"),
}


@pytest.mark.parametrize("key", sorted(FIRST_CELLS))
def test_markers_are_inserted_in_place_of_the_time_clause(key, data):
    before, kept = FIRST_CELLS[key]
    after, found = times.sync_text(times.insert_first_cell_markers(before, key), data)
    assert found[0] == key and f"<!-- times:{key} -->{times.sentence(key, data)}<!-- /times -->{kept}" in after
    assert "sized for about" not in after and "under a minute" not in after and "92 s of CPU time, 3 min wall (`benchmarks/run_all_times.py`: normal mode, fresh kernel, one thread, two lessons side by side)" not in after
    assert "half an hour" not in after and ("classifier:cifar10" in found) == (key == "06")
    again, _ = times.sync_text(times.insert_first_cell_markers(after, key), data)
    assert again == after, "running the generator twice must change nothing"


def test_a_code_cell_before_the_title_does_not_move_the_first_cell(tmp_path, data):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys  # e.g. a Colab setup cell"),
                                         nbformat.v4.new_markdown_cell("# 01 · x\n\n**Time:** about a minute. More."),
                                         nbformat.v4.new_markdown_cell("**Time:** not the first cell.")])
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    assert times.sync_notebook(path, data) and not times.sync_notebook(path, data)
    cells = nbformat.read(path, as_version=4).cells
    assert cells[1].source == f"# 01 · x\n\n**Time:** <!-- times:01 -->{times.sentence('01', data)}<!-- /times -->. More."
    assert cells[2].source == "**Time:** not the first cell."


def test_a_first_cell_without_a_time_label_is_an_error_naming_it():
    with pytest.raises(ValueError, match="99_x.ipynb.*Time"):
        times.insert_first_cell_markers("# 99\n\nNo time here.", "99", where="99_x.ipynb")


def test_table_rows_get_the_short_form_and_prose_the_sentence(data):
    text = "| 01 | x | <!-- times:01 -->old<!-- /times --> |\nIt takes <!-- times:01 -->old<!-- /times -->."
    new, keys = times.sync_text(text, data)
    assert keys == ["01", "01"]
    assert f"| <!-- times:01 -->{times.short('01', data)}<!-- /times --> |" in new
    assert f"It takes <!-- times:01 -->{times.sentence('01', data)}<!-- /times -->." in new
    with pytest.raises(KeyError, match="no lesson '42'"):
        times.sync_text("<!-- times:42 --><!-- /times -->", data)


def test_the_forms_follow_the_file(tmp_path):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"protocol": {"jobs": 1, "threads": 1, "machine": "a laptop"},
                             "lessons": {"01": {"cpu_s": 206, "source": "a test"},
                                         "06": {"cpu_s": 20, "training_cpu_s": 500, "training": "one run",
                                                "source": "a test"}}}))
    d = times.load(f)
    assert times.short("01", d) == "3.4 min CPU"
    assert times.sentence("01", d).startswith("Run-All measured at 206 s (3.4 min) of CPU time (")
    assert "one lesson at a time on a laptop" in times.sentence("01", d)
    assert times.short("06", d) == "first Run-All: one run (8.3 min CPU), then 20 s CPU with the run kept in `runs/`"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"lessons": {"01": {"cpu_s": -1, "source": "x"}}}))
    with pytest.raises(ValueError, match="cpu_s must be a positive number"):
        times.load(bad)


def test_check_mode_writes_nothing_and_fails_on_drift(tmp_path, data):
    readme = tmp_path / "README.md"
    readme.write_text("| 01 | x | <!-- times:01 -->1 h<!-- /times --> |\n")
    assert times.main(["--check", str(readme)]) == 1
    assert "1 h" in readme.read_text()
    assert times.main([str(readme)]) == 0 and times.main(["--check", str(readme)]) == 0
    assert times.short("01", data) in readme.read_text()


def test_times_module_imports_no_torch():
    env = {k: v for k, v in os.environ.items() if k != "GANTUTOR_THREADS"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    code = "import sys, gantutor.times; assert 'torch' not in sys.modules, 'gantutor.times imported torch'"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
