"""The website's helpers without building it: slide rules, the deck layout, lesson titles, the repository URL,
the Colab cell, ipywidgets support lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "site"))

import lecture_metadata as lm  # noqa: E402
import deck  # noqa: E402

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def small_lesson():
    return nbformat.v4.new_notebook(cells=[
        md("# 99 · Demo\n\nWhat you will learn; CPU time: 1 s."),
        code("import torch\nfrom gantutor.checks import verify"),
        md("## 1. A section"),
        md("A short remark."),
        code("x = torch.ones(3)"),
        code('verify("ones", x, torch.ones(3))\nverify("sum", x.sum(), 3.0)'),
        md("### A derivation"),
        md("Long derivation.\n" + "\n".join(f"$$ a_{i} = b_{i} $$" for i in range(30))),
        code("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"),
        md("What the figure shows."),
        code('answer = None  # your code\ncheck_answer("99.demo", answer)'),
    ])


def test_slide_rules_on_a_small_lesson():
    nb = small_lesson()
    assert lm.apply(nb, "99_demo", ref="v9.9.9")
    kinds = [(c.cell_type, c.metadata["slideshow"]["slide_type"]) for c in nb.cells]
    assert kinds == [
        ("markdown", "slide"), ("code", "skip"),  # title; the Colab cell right after it
        ("code", "skip"), ("markdown", "slide"), ("markdown", "-"), ("code", "-"), ("code", "notes"),
        # a heading alone never makes a slide: the long derivation under "### A derivation" continues its slide
        ("markdown", "subslide"), ("markdown", "-"), ("code", "subslide"), ("markdown", "fragment"),
        ("code", "skip"),
    ]
    assert nb.cells[1].metadata["gantutor"]["role"] == "colab-install" and nb.cells[1].id == "colab-install"
    assert "@v9.9.9" in nb.cells[1].source and "GPU" not in nb.cells[1].source


def test_idempotent_keeps_manual_overrides_and_one_colab_cell():
    nb = small_lesson()
    lm.apply(nb, "06_demo", ref="abc123")
    assert "Change runtime type → GPU" in nb.cells[1].source  # lessons 06–07 ask for a GPU
    assert not lm.apply(nb, "06_demo", ref="abc123")  # a second run changes nothing
    nb.cells[5].metadata["slideshow"]["slide_type"] = "slide"
    nb.cells[5].metadata["gantutor"] = {"slide_manual": True}
    stray = lm._colab_cell("06_demo", lm.repo_url(), "old")
    stray.id = "stray-copy"
    nb.cells.insert(3, stray)  # a stray second copy
    lm.apply(nb, "06_demo", ref="def456")
    assert sum(c.metadata.get("gantutor", {}).get("role") == "colab-install" for c in nb.cells) == 1
    assert "@def456" in nb.cells[1].source
    assert nb.cells[5].metadata["slideshow"]["slide_type"] == "slide"


def test_colab_cell_does_nothing_off_colab(tmp_path):
    nb = small_lesson()
    lm.apply(nb, "99_demo", ref="v0")
    env = {k: v for k, v in os.environ.items() if k != "GANTUTOR_COLAB"}
    out = subprocess.run([sys.executable, "-c", nb.cells[1].source], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout == "" and out.stderr == ""


@pytest.mark.slow
def test_colab_cell_installs_from_a_local_wheel_when_forced(tmp_path):
    """Detection forced on (GANTUTOR_COLAB=1), no network: pip gets a wheel of this checkout from a local folder."""
    wheels = tmp_path / "wheels"
    # the wheel: with this interpreter's setuptools when it can build wheels, else in pip's isolated build
    # env (which fetches setuptools from the index); the install below is offline either way
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)]
    if subprocess.run(build + ["--no-build-isolation"], capture_output=True, timeout=300).returncode != 0:
        subprocess.run(build, check=True, timeout=300)
    venv = tmp_path / "colab"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    # the venv sees this interpreter's packages (as Colab has torch & co.) but not this checkout's gantutor
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")}
    env.update(GANTUTOR_COLAB="1", GANTUTOR_PIP_SPEC="gantutor", GANTUTOR_PIP_ARGS=f"--no-index --find-links {wheels} --force-reinstall",
               PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    nb = small_lesson()
    lm.apply(nb, "06_demo", ref="v0")
    site_pkgs = [p for p in sys.path if p.endswith("site-packages")]  # this interpreter's packages, without gantutor's checkout
    (Path(next((venv / "lib").glob("python3*"))) / "site-packages" / "zz_base.pth").write_text("\n".join(site_pkgs) + "\n")
    out = subprocess.run([str(py), "-c", nb.cells[1].source], env=env, capture_output=True, text=True, timeout=600,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "every lesson widget works" in out.stdout and "Change runtime type → GPU" in out.stdout, out.stdout
    where = subprocess.run([str(py), "-c", "import gantutor; print(gantutor.__file__)"], env=env, capture_output=True,
                           text=True, cwd=tmp_path, check=True).stdout
    assert str(venv) in where, where


def test_widget_support_lines():
    from gantutor.widgets.compat import ipywidgets_version, widget_support

    assert "works" in widget_support((8, 1, 5))
    assert "7.8.5" in widget_support((7, 8, 5)) and "work" in widget_support((7, 8, 5))
    assert "older than 7.7" in widget_support((7, 6, 0))
    assert ipywidgets_version()[0] in (7, 8)
    with pytest.raises(ValueError, match="tuple of ints"):
        widget_support("7.8")


def test_no_slide_is_a_heading_alone():
    nb = nbformat.v4.new_notebook(cells=[
        md("# 99 · Demo"), md("## Setup"), code("import torch"), md("## 1 · Section"),
        code("import matplotlib.pyplot as plt\nplt.plot([1])\nplt.show()"), md("## Summary"),
    ])
    lm.apply(nb, "99_demo", ref="v0")
    kinds = [(c.source.split("\n")[0][:14], c.metadata["slideshow"]["slide_type"]) for c in nb.cells]
    assert kinds == [("# 99 · Demo", "slide"), ("# Google Colab", "skip"), ("## Setup", "skip"), ("import torch", "skip"),
                     ("## 1 · Section", "slide"), ("import matplot", "-"), ("## Summary", "skip")]


def test_markdown_is_cut_between_paragraphs_never_inside_math():
    text = "## Title\n\nfirst paragraph " + "a" * 300 + "\n\n$$\nx = 1\n\ny = 2\n$$\n\n" + "b" * 400
    pieces = deck.split_markdown(text, 350)
    assert "\n\n".join(pieces) == text
    assert len(pieces) > 1 and all(p.count("$$") % 2 == 0 for p in pieces)  # the math block stays whole
    # a heading never ends a piece: it goes with what it heads
    pieces = deck.split_markdown("x" * 300 + "\n\n## Next\n\n" + "y" * 300, 330)
    assert pieces == ["x" * 300, "## Next\n\n" + "y" * 300]
    # a paragraph taller than a slide is cut between sentences, never inside $...$
    para = " ".join(f"Sentence {i} says $a_{{{i}}} = b. C$ here." for i in range(40))
    pieces = deck.split_markdown(para, 200)
    assert len(pieces) > 3 and " ".join(pieces) == para and all(p.count("$") % 2 == 0 for p in pieces)


def test_a_long_list_is_cut_between_its_items_with_its_lead_in():
    items = [f"* item {i}: " + "x" * 120 + f"\n  continued {i}" for i in range(8)]
    for head in ("**What you will learn**\n\n", "**What you will learn**\n"):  # the lessons write it without a blank line
        text = head + "\n".join(items)
        pieces = deck.split_markdown(text, 400)
        assert len(pieces) > 2 and all(len(p) <= 400 + 150 for p in pieces)
        assert pieces[0].startswith(head) and pieces[0][len(head):].startswith("* item 0")
        joined = "\n".join([pieces[0][len(head):], *pieces[1:]])
        assert joined == "\n".join(items)  # every item whole, in order, with its continuation line
    assert deck.split_markdown("- short\n- list", 400) == ["- short\n- list"]


def test_a_boxed_cell_keeps_its_box_and_a_table_its_header():
    box = '<div style="border-left: 6px solid">\n\n' + "\n\n".join("p" * 200 for _ in range(5)) + "\n</div>"
    pieces = deck.split_markdown(box, 500)
    assert len(pieces) > 1 and all(p.startswith("<div style") and p.endswith("</div>") for p in pieces)
    table = "| a | b |\n|---|---|\n" + "\n".join(f"| {i} | {'w ' * 30} |" for i in range(30))
    pieces = deck.split_markdown(table, deck.BUDGET, deck.md_height)
    assert len(pieces) > 1 and all(p.startswith("| a | b |\n|---|---|\n") for p in pieces)
    assert [row for p in pieces for row in p.split("\n")[2:]] == table.split("\n")[2:]  # every row once, in order


def _png(width, height):
    import base64
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + chunk).decode()


def _deck_of(cells, widgets=None):
    import build

    nb = nbformat.v4.new_notebook(cells=cells)
    if widgets:
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": widgets, "version_major": 2}}
    return build.deck_notebook(nb, "99_demo")


def _slides(nb):
    """The deck's slides and sub-slides as lists of the cells they show."""
    slides = []
    for c in nb.cells:
        kind = c.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide") or not slides:
            slides.append([])
        slides[-1].append(c)
    return slides


def test_deck_layout_keeps_every_slide_within_the_stage():
    out = nbformat.v4.new_output
    figure = out("display_data", data={"image/png": _png(1200, 900), "text/plain": "<Figure>"})
    table = out("display_data", data={"text/html": "<table><thead><tr><th>k</th><th>v</th></tr></thead><tbody>"
                                      + "".join(f"<tr><th>{i}</th><td>{'word ' * 12}</td></tr>" for i in range(60))
                                      + "</tbody></table>", "text/plain": "table"})
    bar = out("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "bar", "version_major": 2}})
    widgets = {"bar": {"model_name": "HBoxModel", "state": {"layout": "IPY_MODEL_lay", "children": []}},
               "lay": {"model_name": "LayoutModel", "state": {"visibility": "hidden"}}}
    cells = [
        md("# 99 · Demo\n\n**What you will learn**\n" + "\n".join(f"- point {i}: " + "t " * 60 for i in range(12))),
        code("import torch"),
        md("## 1 · A long computation"),
        code("\n".join(f"x{i} = {i}  # a line of code" for i in range(70)),
             outputs=[out("stream", name="stdout", text="".join(f"line {i}\n" for i in range(80)))]),
        code("fig = 1\n" * 20 + "plt.show()", outputs=[figure]),
        code("progress()", outputs=[bar, out("stream", name="stderr", text="train: 50%\rtrain: 100%\n")]),
        md("### A table"),
        code("display(df)", outputs=[table]),
        md("## 2 · Heading over a long paragraph"),
        md(" ".join(f"Sentence {i} is about $\\frac{{a}}{{b}}$ and more words here." for i in range(60))),
    ]
    nb = _deck_of(cells, widgets)
    slides = _slides(nb)
    for cells_ in slides:
        height = sum(deck.cell_height(c) for c in cells_)
        assert height <= deck.BUDGET, [c.source[:40] for c in cells_]
        assert not (len(cells_) == 1 and deck.heading_only(cells_[0])), cells_[0].source
    shown = [c for s in slides for c in s]
    # the drawing cell shows its figure without its code; the long cell its code, then its printed lines
    figure_cells = [c for c in shown if any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    assert figure_cells and all(deck.HIDE_TAG in c.metadata.get("tags", []) for c in figure_cells)
    code_text = "\n".join(c.source for c in shown if c.source.startswith("x") and deck.HIDE_TAG not in c.metadata.get("tags", []))
    assert code_text.split("\n") == [f"x{i} = {i}  # a line of code" for i in range(70)]
    printed = "".join(o["text"] for c in shown for o in c.get("outputs", []) if o.get("name") == "stdout")
    assert printed == "".join(f"line {i}\n" for i in range(80))
    # the hidden progress bar is left out; the carriage-return progress shows its last state
    assert not any(deck.is_widget(o) for c in shown for o in c.get("outputs", []))
    assert any(o.get("text") == "train: 100%\n" for c in shown for o in c.get("outputs", []))
    # the table is cut between rows, each piece with its header
    pieces = [o["data"]["text/html"] for c in shown for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert len(pieces) > 1 and all("<thead><tr><th>k</th>" in p for p in pieces)
    assert sum(p.count("<tr>") - 1 for p in pieces) == 60
    # every cell id stays unique (nbformat validates them)
    ids = [c.get("id") for c in nb.cells]
    assert len(ids) == len(set(ids))


def test_lesson_titles_follow_one_form(tmp_path, monkeypatch):
    """Every lesson's first heading reads "NN · Topic": it is the page title, the sidebar entry and the first slide;
    the site build refuses a lesson whose title does not."""
    import build

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        title = first.source.split("\n")[0]
        assert title.startswith(f"# {path.stem[:2]} · ") and len(title) > 7, f"{path.name}: {title!r}"
        assert build.lesson_title(path.stem) == title[2:]
    nb = nbformat.read(ROOT / "notebooks" / "02_lsgan.ipynb", as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("# 02 · ", "# Lesson 02 — ", 1)
    nbformat.write(nb, tmp_path / "02_lsgan.ipynb")
    monkeypatch.setattr(build, "NOTEBOOKS", tmp_path)
    with pytest.raises(SystemExit, match="NN · Topic"):
        build.lesson_title("02_lsgan")


def test_the_repository_url_is_one_setting(monkeypatch):
    """pyproject.toml's [project.urls] Repository: the site's links and the lessons' Colab cells; the env var overrides."""
    import tomllib

    import build

    setting = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    monkeypatch.delenv("GANTUTOR_REPO_URL", raising=False)
    assert lm.repo_url() == build.repo_info()["url"] == setting
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        colab = next(c for c in nbformat.read(path, as_version=4).cells
                     if c.get("metadata", {}).get("gantutor", {}).get("role") == lm.COLAB_ROLE)
        assert f"git+{setting}@" in colab.source, path.name
    monkeypatch.setenv("GANTUTOR_REPO_URL", "https://github.com/someone/fork.git")
    info = build.repo_info()
    assert info["url"] == "https://github.com/someone/fork" and info["github"] == "someone/fork"
    links = build.launch_links("01_minimax", info)
    assert links["colab"].startswith("https://colab.research.google.com/github/someone/fork/blob/")
    assert links["binder"].startswith("https://mybinder.org/v2/gh/someone/fork/")
    nb = small_lesson()
    lm.apply(nb, "99_demo", ref="v0")
    assert "git+https://github.com/someone/fork@v0" in nb.cells[1].source
    monkeypatch.setenv("GANTUTOR_REPO_URL", "/home/me/gantutor")  # a path is no address to link to
    with pytest.raises(SystemExit, match="https://host/owner/repo"):
        build.repo_info()


def test_notebooks_carry_the_current_slide_metadata(monkeypatch):
    """make lecture-metadata has been run after the last change to the rules or the lessons' structure."""
    monkeypatch.delenv("GANTUTOR_REPO_URL", raising=False)
    assert lm.main(["--check"]) == 0


def test_a_long_computed_reading_is_cut_between_sentences():
    # a lesson's reading printed with display(Markdown(...)): one paragraph far taller than a slide
    text = " ".join(f"Sentence {i} of the reading says what the run shows about the heads." for i in range(60))
    out = nbformat.v4.new_output("display_data", data={"text/markdown": text, "text/plain": "<Markdown>"})
    assert deck.output_height(out) > deck.BUDGET
    groups = deck._group_outputs([out], deck.BUDGET)
    assert len(groups) > 1 and all(sum(deck.output_height(o) for o in g) <= deck.BUDGET for g in groups)
    parts = [o["data"]["text/markdown"] for g in groups for o in g]
    assert " ".join(parts).split() == text.split()  # nothing lost, cut only between words of whole sentences
    assert all(p.rstrip().endswith(".") for p in parts)
