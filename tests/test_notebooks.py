"""Every lesson notebook: committed without outputs, and runs top to bottom in smoke mode."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def test_there_are_lessons():
    assert NOTEBOOKS, "no notebooks/NN_topic.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; clear them before committing (make clean-notebooks)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_lesson_structure(path):
    """Opens with what you will learn and CPU time; ends with a summary and exercises; verifies."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source.lower()
    assert nb.cells[0].cell_type == "markdown" and "learn" in first and "cpu" in first, (
        f"{path.name}: the first cell must say what you will learn and the time on a CPU"
    )
    text = "\n".join(c.source for c in nb.cells).lower()
    assert "summary" in text and "exercise" in text, f"{path.name}: needs a summary and exercises"
    if path.stem not in ("00_start_here",):
        assert "verify(" in text, f"{path.name}: every derivation must be followed by a verify check"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_runs_in_smoke_mode(path, tmp_path):
    """Runs the lesson in smoke mode; a passing run is kept in _build/executed/smoke/ (keyed by a hash of
    its code cells, gantutor/, results/ and constraints.txt) for the website (site/build.py) to reuse."""
    import notebook_client as nc

    nb = nbformat.read(path, as_version=4)
    key = nc.cache_key(nb, "smoke")
    start = time.perf_counter()
    nc.execute(nb, path.parent, "smoke", runs_dir=str(tmp_path))  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - start
    streams = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "stream"]
    outputs = "".join(o.get("text", "") for o in streams)
    errors = "".join(o.get("text", "") for o in streams if o.get("name") == "stderr")
    errors += "".join(
        "\n".join(o.get("traceback", [])) for c in nb.cells if c.cell_type == "code" for o in c.outputs
        if o.get("output_type") == "error"
    )
    assert "Traceback" not in errors and "Error" not in errors, f"{path.name}: a traceback was printed (e.g. while drawing a figure):\n{errors[-2000:]}"
    if path.stem != "00_start_here":
        assert "✔" in outputs, f"{path.name}: no verify check printed a ✔ line"
    if os.environ.get("GANTUTOR_KEEP_EXECUTED", "1") != "0":
        nc.save_executed(nb, path.stem, key, "smoke")
    print(f"{path.name}: {elapsed:.1f} s in smoke mode")


def test_executed_copies_are_keyed_by_code_not_prose(tmp_path):
    """A markdown edit keeps the key (the site executes nothing); a code edit or another mode changes it."""
    import notebook_client as nc

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A"), nbformat.v4.new_code_cell("x = 1")])
    key = nc.cache_key(nb, "smoke")
    nb.cells[0].source = "# A, rewritten"
    assert nc.cache_key(nb, "smoke") == key
    assert nc.cache_key(nb, "cpu") != key
    nb.cells[1].source = "x = 2"
    assert nc.cache_key(nb, "smoke") != key
    first = nc.save_executed(nb, "99_demo", "0" * 16, "smoke", folder=tmp_path)
    second = nc.save_executed(nb, "99_demo", "1" * 16, "smoke", folder=tmp_path)
    assert second.exists() and not first.exists()  # one copy per lesson and mode
    with pytest.raises(ValueError, match="mode must be one of"):
        nc.cache_key(nb, "gpu")


def test_notebook_client_polls_in_short_steps_and_keeps_the_deadline(monkeypatch):
    """The runner's shell wait: a reply that a long poll would miss arrives at the next short poll; the
    cell's deadline still raises Empty."""
    import asyncio
    from queue import Empty
    from types import SimpleNamespace

    import notebook_client as nc

    monkeypatch.setattr(nc, "POLL_S", 0.01)
    asked = []

    async def get_msg(timeout=None):  # a socket whose reply is only seen at the third look
        asked.append(timeout)
        await asyncio.sleep(timeout)
        if len(asked) < 3:
            raise Empty
        return {"ok": True}

    assert asyncio.run(nc._chunked(get_msg)(timeout=5.0)) == {"ok": True}
    assert len(asked) == 3 and max(asked) <= 0.01

    # the deadline, on a simulated clock (no wall-clock assertion): a silent socket is asked in polls of
    # at most POLL_S until the cell's 0.05 s have passed, then Empty is raised
    clock = [100.0]
    monkeypatch.setattr(nc, "time", SimpleNamespace(monotonic=lambda: clock[0]))  # the runner's clock only
    polls = []

    async def silent(timeout=None):
        polls.append(timeout)
        clock[0] += timeout
        raise Empty

    with pytest.raises(Empty):
        asyncio.run(nc._chunked(silent)(timeout=0.05))
    assert max(polls) <= 0.01 + 1e-12 and sum(polls) == pytest.approx(0.05) and len(polls) >= 5
