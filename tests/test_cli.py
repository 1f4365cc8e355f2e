"""The command line: train (smoke) → sample → .npz, resume rules, and a 2-process gloo DDP run."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gantutor.__main__ import main

REPO = Path(__file__).resolve().parent.parent


def test_train_sample_npz(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--recipe", "reacgan-fmnist", "--preset", "smoke", "--out", str(run), "--no-progress"]) == 0
    assert (run / "ckpt.pt").exists() and (run / "recipe.json").exists()
    assert main(["train", "--recipe", "reacgan-fmnist", "--preset", "smoke", "--out", str(run)]) == 2  # no silent overwrite
    assert "pass --resume" in capsys.readouterr().err
    assert main(["train", "--recipe", "reacgan-fmnist", "--preset", "smoke", "--out", str(run), "--resume", "--steps", "4", "--no-progress"]) == 0
    assert torch.load(run / "ckpt.pt", weights_only=False)["step"] == 4
    out = tmp_path / "s.npz"
    assert main(["sample", "--run", str(run), "--n", "23", "--out", str(out)]) == 0
    with np.load(out) as f:
        assert f["arr_0"].shape == (23, 28, 28, 1) and f["arr_0"].dtype == np.uint8
        assert f["arr_1"].dtype == np.int64 and f["arr_1"].tolist() == [k % 10 for k in range(23)]


def test_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        main(["train", "--recipe", "wgan-mnist", "--out", str(tmp_path)])
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        main(["sample", "--run", str(tmp_path), "--n", "4", "--out", str(tmp_path / "x.npz")])


@pytest.mark.skipif(shutil.which("torchrun") is None and not (Path(sys.executable).parent / "torchrun").exists(), reason="torchrun missing")
def test_two_process_gloo_ddp_smoke(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "GANTUTOR_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "gantutor",
           "train", "--recipe", "acgan-fmnist", "--preset", "smoke", "--out", str(tmp_path / "ddp"), "--no-progress"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "× 2" in proc.stdout
    state = torch.load(tmp_path / "ddp" / "ckpt.pt", weights_only=False)
    assert state["world"] == 2 and state["step"] == 3
    assert all(torch.isfinite(t).all() for t in state["G"].values() if t.is_floating_point())
