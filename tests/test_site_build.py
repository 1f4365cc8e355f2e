"""The website's helpers without building it: slide rules, the Colab cell, ipywidgets support lines."""

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
        ("markdown", "subslide"), ("markdown", "subslide"), ("code", "subslide"), ("markdown", "fragment"),
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
    stray = lm._colab_cell("06_demo", lm.DEFAULT_REPO, "old")
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


def test_deck_splits_long_text_between_paragraphs():
    sys.path.insert(0, str(ROOT / "site"))
    import build

    text = "## Title\n\nfirst paragraph " + "a" * 300 + "\n\n$$\nx = 1\n\ny = 2\n$$\n\n" + "b" * 400 + "\n- one\n- two"
    pieces = build.split_markdown(text, 350)
    assert "\n\n".join(pieces) == text.replace("\n\n\n", "\n\n")
    assert len(pieces) > 1 and all(p.count("$$") % 2 == 0 for p in pieces)  # the math block stays whole
    nb = small_lesson()
    nb.cells[7].source = "Long derivation.\n\n" + "\n\n".join("$$ a = b $$ " + "c" * 200 for _ in range(8))
    deck = build.deck_notebook(nb, "99_demo")
    assert not any(c.metadata.get("gantutor", {}).get("role") == "colab-install" for c in deck.cells)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in deck.cells if "c" * 200 in c.source]
    assert len(kinds) > 1 and set(kinds) == {"subslide"}


def test_deck_splits_a_long_list_between_its_items():
    sys.path.insert(0, str(ROOT / "site"))
    import build

    items = [f"* item {i}: " + "x" * 120 + f"\n  continued {i}" for i in range(8)]
    text = "**What you will learn**\n\n" + "\n".join(items)
    pieces = build.split_markdown(text, 400)
    assert len(pieces) > 2 and all(len(p) <= 400 + 150 for p in pieces)
    head = "**What you will learn**\n\n"
    assert pieces[0].startswith(head)
    joined = "\n".join([pieces[0][len(head):], *pieces[1:]])
    assert joined == "\n".join(items)  # every item whole, in order, with its continuation line
    assert build.split_markdown("- short\n- list", 400) == ["- short\n- list"]
