"""Browser tests: a headless JupyterLab server and Chromium driven by Playwright.

Run with ``make test-browser`` (or ``pytest -m browser tests/browser``). Everything
here is skipped unless the ``browser`` marker was asked for, so ``pytest`` over tests/
never starts a server or a browser.

The server: ``python -m jupyterlab`` on a free loopback port, no token, its own
temporary settings, workspace, runtime and config folders, and a temporary copy of
notebooks/ as its root (JupyterLab autosaves; the committed notebooks must stay free of
outputs). Kernels inherit GANTUTOR_SMOKE=1, GANTUTOR_THREADS=1 and PYTHONPATH=<this
checkout>, so they import the gantutor being tested.

The browser: Debian's ``/usr/bin/chromium`` when present (``GANTUTOR_CHROMIUM``
overrides the path), else Playwright's own Chromium (``playwright install chromium``,
once, where the download is reachable).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "browser-screenshots"
SYSTEM_CHROMIUM = "/usr/bin/chromium"

# JupyterLab settings for a quiet, deterministic test session (written into the temporary settings dir)
LAB_SETTINGS = {
    # no "news" / update toasts over the notebook, no extension-manager calls to PyPI
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
    # every cell stays in the DOM, so every output can be checked and photographed
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # nothing is written back while the browser works on the copy
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in Chromium (make test-browser)")


def _browser_selected(config) -> bool:
    expr = (config.option.markexpr or "").replace(" ", "")
    return "browser" in expr and "notbrowser" not in expr


def pytest_runtest_setup(item):
    if item.get_closest_marker("browser") and not _browser_selected(item.config):
        pytest.skip("browser test: run `make test-browser` (pytest -m browser tests/browser)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A running JupyterLab: yields its base URL (``http://127.0.0.1:PORT``) and root folder."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    source = Path(os.environ.get("GANTUTOR_BROWSER_NOTEBOOKS") or ROOT / "notebooks")  # see test_lessons.py
    shutil.copytree(source, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = tmp / "settings"
    for rel, values in LAB_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # kernels draw with the inline backend, as for a learner
    env.update(
        GANTUTOR_SMOKE="1", GANTUTOR_THREADS="1", OMP_NUM_THREADS="1", GANTUTOR_DEVICE="cpu",
        GANTUTOR_RUNS=str(tmp / "runs"), PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"),
    )
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"JupyterLab did not start; its log:\n{(tmp / 'server.log').read_text()[-3000:]}")
        time.sleep(0.3)
    yield {"url": base, "root": root, "log": tmp / "server.log"}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium (Debian's where installed, else Playwright's own)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[browser]' (make test-browser)")
    path = os.environ.get("GANTUTOR_CHROMIUM") or (SYSTEM_CHROMIUM if Path(SYSTEM_CHROMIUM).exists() else None)
    args = ["--no-sandbox"] if hasattr(os, "getuid") and os.getuid() == 0 else []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=args, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots():
    """The ignored folder where each lesson's pictures go for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
