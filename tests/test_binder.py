"""Binder's requirements follow constraints.txt's torch pins (CPU wheels from pytorch.org's CPU index); the course is
installed by postBuild, so that requirements.txt names no local path and repo2docker can install it (and keep that
layer) before it copies the repository."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / ".binder"


def _pins(path):
    return dict(line.split("==") for line in path.read_text().splitlines() if "==" in line and not line.startswith("#"))


def test_binder_torch_pins_match_constraints():
    binder, constraints = _pins(BINDER / "requirements.txt"), _pins(ROOT / "constraints.txt")
    for name in ("torch", "torchvision"):
        assert binder[name] == constraints[name], f".binder/requirements.txt pins {name}=={binder[name]}, constraints.txt {constraints[name]}"
    text = (BINDER / "requirements.txt").read_text()
    assert "--index-url https://download.pytorch.org/whl/cpu" in text


def test_binder_requirements_name_no_local_path_and_postbuild_installs_the_course():
    lines = [ln.split("#", 1)[0].strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()]
    # what repo2docker counts as local (-e ., -r/-c files, file://, ./paths) would make it copy the repository first
    local = [ln for ln in lines if ln.startswith(("-e", "-r", "-c", ".", "--requirement", "--constraint"))
             or "file://" in ln]
    assert not local, f".binder/requirements.txt names local paths: {local}"
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK) and post.read_text().startswith("#!/usr/bin/env bash")
    assert 'pip install --no-cache-dir -e ".[lab]"' in post.read_text()
    assert (BINDER / "runtime.txt").read_text().strip() == "python-" + next(
        line.split()[2] for line in (ROOT / "constraints.txt").read_text().splitlines() if line.startswith("# python "))
