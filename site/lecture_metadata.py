"""Give every lesson its slide metadata and its Colab install cell, by fixed rules (idempotent).

    python site/lecture_metadata.py                       # all notebooks/NN_*.ipynb, in place
    python site/lecture_metadata.py --check               # exit 1 if a notebook would change (CI)
    python site/lecture_metadata.py --ref v0.2.0 FILE...  # the tag/commit the Colab cell installs
    python site/lecture_metadata.py --repo URL            # the repository it installs from (default: repo_url())

Slide rules (``cell.metadata.slideshow.slide_type``), made for a 45-minute lecture on a
1280×720 projector (``make slides`` turns them into reveal.js decks):

* the title cell and every markdown cell that opens a ``##`` section → ``slide``;
  a ``###`` heading → ``subslide``;
* a long markdown cell (more than ``LONG_MD_CHARS`` characters or ``LONG_MD_LINES`` lines, e.g. a
  derivation) → ``subslide`` of its own; a short one after a figure → ``fragment``; others ``-``;
* the imports/setup cell, the Colab install cell and exercise answer cells (``check_answer``,
  ``hint``, ``show_solution``) → ``skip``;
* a cell of checks only (every line ``verify(...)``) → ``notes`` (the ✔ lines for the speaker);
* a code cell that draws (``plt.show``, ``show_images``, a ``plot_*`` helper, a widget) → ``subslide``:
  one figure per slide;
* any other code cell → ``-`` (it follows the slide before it);
* a slide is never a heading alone: the cell after a markdown cell that is only a heading continues its
  slide (``-`` where the rules above said ``subslide``), and a heading-only cell with nothing shown before
  the next ``slide`` (e.g. "## Setup" over the skipped imports) → ``skip``.

A cell whose ``metadata.gantutor.slide_manual`` is true keeps the slide type it has: that is how
a lecturer overrides a rule for one cell.

The Colab cell (``metadata.gantutor.role == "colab-install"``, id ``colab-install``) is the first
code cell, right after the opening markdown cell. On Colab only (``google.colab`` imported; or
``GANTUTOR_COLAB=1`` for tests) it pip-installs gantutor from the repository (``repo_url()``: pyproject.toml's
``[project.urls] Repository``, the setting the website's links use too) at ``--ref`` without
touching Colab's own torch / ipywidgets, installs what else is missing, says what ipywidgets 7
cannot show, and in lessons 06–07 asks for a GPU runtime. Elsewhere it does nothing.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LONG_MD_CHARS = 900
LONG_MD_LINES = 16
FIGURE_CODE = re.compile(r"plt\.show\(|show_images\(|\bplot_\w+\(|interact\(|Explorer\(|CodingWidget\(|Playground\(|"
                         r"\.show\(\)|display\(|LiveCurves\(")
EXERCISE_CODE = re.compile(r"\b(check_answer|hint|show_solution)\(")
GPU_LESSONS = ("06_", "07_")
COLAB_ROLE = "colab-install"


def repo_url() -> str:
    """The repository the course is published from: ``GANTUTOR_REPO_URL`` when set (one build, e.g. a fork),
    else pyproject.toml's ``[project.urls] Repository`` (the committed setting; CONTRIBUTING.md, "Publishing")."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    url = os.environ.get("GANTUTOR_REPO_URL") or data["project"]["urls"]["Repository"]
    return url.strip().removesuffix(".git").rstrip("/")


def default_ref() -> str:
    """v<version> from pyproject.toml: the tag a release of this version carries."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return "v" + data["project"]["version"]


def colab_cell_source(repo: str, ref: str, gpu: bool) -> str:
    gpu_lines = (
        "    import torch\n"
        "    if not torch.cuda.is_available():\n"
        "        print(\"This lesson trains image GANs: choose Runtime → Change runtime type → GPU, then run all again.\")\n"
    ) if gpu else ""
    return (
        "# Google Colab only: install gantutor (this course's package) at the version of this notebook.\n"
        "# Anywhere else this cell does nothing. GANTUTOR_COLAB=1 forces it; GANTUTOR_PIP_SPEC and\n"
        "# GANTUTOR_PIP_ARGS change what pip installs (e.g. a local wheel and --no-index in tests).\n"
        "import os, sys\n"
        "if \"google.colab\" in sys.modules or os.environ.get(\"GANTUTOR_COLAB\") == \"1\":\n"
        "    import importlib.metadata as md, re, subprocess\n"
        f"    spec = os.environ.get(\"GANTUTOR_PIP_SPEC\", \"gantutor @ git+{repo}@{ref}\")\n"
        "    pip = [sys.executable, \"-m\", \"pip\", \"install\", \"-q\", *os.environ.get(\"GANTUTOR_PIP_ARGS\", \"\").split()]\n"
        "    subprocess.run(pip + [\"--no-deps\", spec], check=True)  # keeps Colab's torch and ipywidgets\n"
        "    missing = []\n"
        "    for req in md.requires(\"gantutor\") or []:\n"
        "        if \"extra ==\" in req:\n"
        "            continue\n"
        "        name = re.split(r\"[<>=!~; \\[]\", req, maxsplit=1)[0]\n"
        "        try:\n"
        "            md.version(name)\n"
        "        except md.PackageNotFoundError:\n"
        "            missing.append(req.split(\";\")[0])\n"
        "    if missing:\n"
        "        subprocess.run(pip + missing, check=True)\n"
        "    from gantutor.widgets.compat import widget_support\n"
        "    print(widget_support())\n"
        + gpu_lines
    )


def _colab_cell(stem: str, repo: str, ref: str):
    cell = nbformat.v4.new_code_cell(colab_cell_source(repo, ref, stem.startswith(GPU_LESSONS)))
    cell.id = "colab-install"
    cell.metadata = {"gantutor": {"role": COLAB_ROLE}, "slideshow": {"slide_type": "skip"}}
    return cell


def _code_lines(source: str) -> list[str]:
    return [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def _heading_level(source: str) -> int | None:
    m = re.match(r"\s*(#{1,6})\s", source)
    return len(m.group(1)) if m else None


def _checks_only(source: str) -> bool:
    """Every statement is a ``verify(...)`` call."""
    try:
        body = ast.parse(source).body
    except SyntaxError:  # IPython magics and the like
        return False
    return bool(body) and all(isinstance(st, ast.Expr) and isinstance(st.value, ast.Call)
                              and getattr(st.value.func, "id", None) == "verify" for st in body)


def slide_type(cell, index: int, first_code: bool, after_figure: bool) -> str:
    """The rule above for one cell (``index`` in the notebook; ``first_code``: the first code cell)."""
    src = cell.source
    if cell.cell_type == "markdown":
        level = _heading_level(src)
        if index == 0 or level in (1, 2):
            return "slide"
        if level == 3:
            return "subslide"
        if len(src) > LONG_MD_CHARS or src.count("\n") + 1 > LONG_MD_LINES:
            return "subslide"
        return "fragment" if after_figure else "-"
    if cell.cell_type != "code":
        return "skip"
    lines = _code_lines(src)
    if cell.get("metadata", {}).get("gantutor", {}).get("role") == COLAB_ROLE:
        return "skip"
    if not lines:
        return "skip"
    if first_code or all(re.match(r"(import|from)\s", ln) for ln in lines):
        return "skip"
    if EXERCISE_CODE.search(src):
        return "skip"
    if _checks_only(src):
        return "notes"
    if FIGURE_CODE.search(src):
        return "subslide"
    return "-"


def apply(nb, stem: str, repo: str | None = None, ref: str | None = None) -> bool:
    """Set the Colab cell and every cell's slide type in ``nb``; True when something changed."""
    repo = (repo or repo_url()).rstrip("/")
    ref = ref or default_ref()
    before = nbformat.writes(nb)
    colab = [i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("gantutor", {}).get("role") == COLAB_ROLE]
    wanted = _colab_cell(stem, repo, ref)
    first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    if colab:
        cell = nb.cells[colab[0]]
        cell.source = wanted.source
        cell.metadata.setdefault("gantutor", {})["role"] = COLAB_ROLE
        for extra in reversed(colab[1:]):  # one Colab cell only
            del nb.cells[extra]
    else:
        nb.cells.insert(first_md + 1, wanted)
    first_code_seen = False
    after_figure = False
    for i, cell in enumerate(nb.cells):
        meta = cell.setdefault("metadata", {})
        is_first_code = False
        if cell.cell_type == "code" and meta.get("gantutor", {}).get("role") != COLAB_ROLE:
            is_first_code, first_code_seen = not first_code_seen, True
        kind = slide_type(cell, i, is_first_code, after_figure)
        if not meta.get("gantutor", {}).get("slide_manual"):
            meta.setdefault("slideshow", {})["slide_type"] = kind
        after_figure = cell.cell_type == "code" and kind == "subslide" or (after_figure and cell.cell_type == "markdown"
                                                                           and kind == "fragment")
    _no_heading_alone(nb.cells)
    return nbformat.writes(nb) != before


def heading_only(cell) -> bool:
    """A markdown cell that is one heading line and nothing else."""
    src = cell.source.strip() if cell.cell_type == "markdown" else ""
    return _heading_level(src) is not None and "\n" not in src


def _no_heading_alone(cells) -> None:
    """The last rule of the module docstring, over the slide types set by ``slide_type``."""
    def kind(c):
        return c.metadata.get("slideshow", {}).get("slide_type", "-")

    def manual(c):
        return c.metadata.get("gantutor", {}).get("slide_manual")

    title = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), None)
    for i in reversed(range(len(cells))):  # from the end: a skipped heading is no longer "the next slide"
        cell = cells[i]
        if not heading_only(cell) or kind(cell) not in ("slide", "subslide") or manual(cell):
            continue
        nxt = next((c for c in cells[i + 1:] if kind(c) not in ("skip", "notes")), None)
        if nxt is not None and kind(nxt) == "subslide" and not manual(nxt):
            nxt.metadata["slideshow"]["slide_type"] = "-"
        elif (nxt is None or kind(nxt) == "slide") and i != title:  # the lesson's title is never skipped
            cell.metadata["slideshow"]["slide_type"] = "skip"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--ref", default=None, help="tag or commit the Colab cell installs (default: v<version>)")
    ap.add_argument("--repo", default=None, help="repository URL (default: GANTUTOR_REPO_URL, else pyproject.toml's "
                    "[project.urls] Repository)")
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook would change")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    changed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if apply(nb, path.stem, args.repo, args.ref):
            changed.append(path)
            if not args.check:
                nbformat.write(nb, path)
    verb = "would change" if args.check else "changed"
    print(f"{verb} {len(changed)} of {len(paths)} notebooks" + (": " + ", ".join(p.name for p in changed) if changed else ""))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
