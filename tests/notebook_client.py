"""A notebook runner for the tests and the Run-All benchmark: nbclient, with a shell poll that cannot miss a reply.

After a widget cell of lessons 06–07, plain ``nbclient`` often waited on an idle kernel whose
reply had already been sent, until the cell's whole timeout had passed (measured: 3 of 4
smoke notebook runs, 149.9 s with a 150-s timeout; see CONTRIBUTING.md). ``nbclient`` waits for each cell's reply
with a single ``await shell_channel.get_msg(timeout=<the whole cell timeout>)``, i.e. one
asyncio poll of a ZeroMQ socket; ZeroMQ signals readiness edge-triggered, and a missed edge
means the poll sleeps until the timeout (the same symptom and fix are discussed in
jupyter/nbclient#312 and #311). Here every wait is cut into polls of at most one second, so
a missed edge costs at most a second: each new poll asks the socket again. Timeouts are
unchanged: the original deadline still raises ``Empty`` and nbclient's timeout handling runs.

JupyterLab itself (the course's real front end) talks to kernels through jupyter_server's
callback-based streams, not this code path.
"""

from __future__ import annotations

import time
from queue import Empty

from nbclient import NotebookClient

POLL_S = 1.0


def _chunked(get_msg):
    async def get_msg_chunked(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_S if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=min(POLL_S, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    return get_msg_chunked


class RobustNotebookClient(NotebookClient):
    """``NotebookClient`` whose shell-channel waits are polls of at most :data:`POLL_S` seconds."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        kc.shell_channel.get_msg = _chunked(kc.shell_channel.get_msg)
        return kc


# ------------------------------------------------------------------ executed copies, keyed by what can change an output
#
# The test suite (smoke mode) and the website (site/build.py, smoke or cpu mode) run a lesson through
# the same runner and keep the executed notebook under _build/executed/<mode>/<stem>-<key>.ipynb.
# The key hashes everything that can change an output: the notebook's code cells (not its
# markdown: a prose edit executes nothing), every file of gantutor/ and results/, constraints.txt and
# the mode. The site takes a lesson's prose from the current notebook and its outputs from the copy.

import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "executed"
MODES = ("smoke", "cpu")


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return mode


def _tree_digest(h, root: Path, name: str) -> None:
    folder = root / name
    if not folder.exists():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")


def code_sources(nb) -> list[str]:
    """The notebook's code cells (their source only), in order."""
    return [c.source for c in nb.cells if c.cell_type == "code"]


def cache_key(nb, mode: str, root: Path = ROOT) -> str:
    """16 hex digits of SHA-256 over the code cells, gantutor/, results/, constraints.txt and the mode."""
    _check_mode(mode)
    h = hashlib.sha256()
    h.update(json.dumps(code_sources(nb)).encode())
    _tree_digest(h, Path(root), "gantutor")
    _tree_digest(h, Path(root), "results")
    constraints = Path(root) / "constraints.txt"
    h.update(constraints.read_bytes() if constraints.exists() else b"")
    h.update(mode.encode())
    return h.hexdigest()[:16]


def executed_path(stem: str, key: str, mode: str, folder: Path | None = None) -> Path:
    return (folder or EXECUTED) / _check_mode(mode) / f"{stem}-{key}.ipynb"


def find_executed(path: Path, mode: str, folder: Path | None = None):
    """(executed copy, key): the copy is None when this notebook, code and mode have not run yet."""
    import nbformat

    key = cache_key(nbformat.read(path, as_version=4), mode)
    out = executed_path(Path(path).stem, key, mode, folder)
    return (out if out.exists() else None), key


def save_executed(nb, stem: str, key: str, mode: str, folder: Path | None = None) -> Path:
    """Write an executed notebook atomically; older copies of the same lesson and mode are removed."""
    import nbformat

    out = executed_path(stem, key, mode, folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{stem}-", suffix=".ipynb")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.replace(tmp, out)
    for old in out.parent.glob(f"{stem}-*.ipynb"):
        if old != out:
            old.unlink(missing_ok=True)
    return out


def run_env(mode: str, runs_dir: str | None) -> dict:
    """Environment variables a lesson runs under: smoke (tests, CI site) or cpu (the full site)."""
    env = {"GANTUTOR_DEVICE": "cpu", "OMP_NUM_THREADS": "1", "GANTUTOR_THREADS": "1"}
    if _check_mode(mode) == "smoke":
        env["GANTUTOR_SMOKE"] = "1"
    if runs_dir:
        env["GANTUTOR_RUNS"] = str(runs_dir)
    return env


def execute(nb, cwd: Path, mode: str, runs_dir: str | None = None, timeout: int = 900):
    """Run ``nb`` in place with :class:`RobustNotebookClient` in ``mode`` (environment of :func:`run_env`).

    Figures use the inline backend (MPLBACKEND is dropped) as in JupyterLab; the widget state is
    stored in the notebook's metadata (nbclient's default), which the website renders.
    """
    env_before = dict(os.environ)
    os.environ.pop("MPLBACKEND", None)
    if mode == "cpu":
        os.environ.pop("GANTUTOR_SMOKE", None)
    os.environ.update(run_env(mode, runs_dir))
    try:
        client = RobustNotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                                      resources={"metadata": {"path": str(cwd)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    return nb
