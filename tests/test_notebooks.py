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
    from notebook_client import RobustNotebookClient

    nb = nbformat.read(path, as_version=4)
    env_before = dict(os.environ)
    # figures render with the inline backend (as in JupyterLab), so a broken figure fails too
    os.environ.pop("MPLBACKEND", None)
    os.environ.update(GANTUTOR_SMOKE="1", GANTUTOR_DEVICE="cpu", OMP_NUM_THREADS="1", GANTUTOR_THREADS="1", GANTUTOR_RUNS=str(tmp_path))
    try:
        start = time.perf_counter()
        client = RobustNotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
        client.execute()  # raises CellExecutionError on the first failing cell
        elapsed = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(env_before)
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
    print(f"{path.name}: {elapsed:.1f} s in smoke mode")


def test_notebook_client_polls_in_short_steps_and_keeps_the_deadline(monkeypatch):
    """The runner's shell wait: a reply that a long poll would miss arrives at the next short poll; the
    cell's deadline still raises Empty."""
    import asyncio
    from queue import Empty

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

    async def silent(timeout=None):
        await asyncio.sleep(timeout)
        raise Empty

    start = time.perf_counter()
    with pytest.raises(Empty):
        asyncio.run(nc._chunked(silent)(timeout=0.05))
    assert 0.05 <= time.perf_counter() - start < 1.0
