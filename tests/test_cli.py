"""The command line: train (smoke) → sample → exactly the file asked for, resume rules, safe
checkpoints, help without torch, and a 2-process gloo DDP run that splits the global batch."""

import argparse
import builtins
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gantutor import checkpoint
from gantutor.__main__ import PRESET_NAMES, RECIPE_NAMES, _parser, main

REPO = Path(__file__).resolve().parent.parent
SMOKE = ["--recipe", "reacgan-fmnist", "--preset", "smoke"]


def test_train_sample_npz(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *SMOKE, "--out", str(run), "--no-progress"]) == 0
    assert (run / "ckpt.pt").exists() and (run / "recipe.json").exists()
    assert main(["train", *SMOKE, "--out", str(run)]) == 2  # no silent overwrite
    assert "pass --resume" in capsys.readouterr().err
    assert main(["train", *SMOKE, "--out", str(run), "--resume", "--steps", "4", "--no-progress"]) == 0
    assert checkpoint.load(run / "ckpt.pt")["step"] == 4
    for name in ("s.npz", "samples"):  # exactly the path given: no ".npz" appended to a bare name
        out = tmp_path / name
        assert main(["sample", "--run", str(run), "--n", "23", "--out", str(out)]) == 0
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted({"s.npz", name})
        with np.load(out) as f:
            assert f["arr_0"].shape == (23, 28, 28, 1) and f["arr_0"].dtype == np.uint8
            assert f["arr_1"].dtype == np.int64 and f["arr_1"].tolist() == [k % 10 for k in range(23)]


def test_resume_checks_recipe_preset_and_settings(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *SMOKE, "--out", str(run), "--no-progress"]) == 0
    capsys.readouterr()
    cases = [
        (["--recipe", "acgan-fmnist", "--preset", "smoke"], "run of --recipe reacgan-fmnist --preset smoke, not of --recipe acgan-fmnist"),
        (["--recipe", "reacgan-fmnist", "--preset", "cpu"], "run of --recipe reacgan-fmnist --preset smoke, not of --recipe reacgan-fmnist --preset cpu"),
        ([*SMOKE, "--seed", "1"], "seed 0 → 1"),
        ([*SMOKE, "--steps", "2"], "steps 3 → 2"),
    ]
    for args, message in cases:
        assert main(["train", *args, "--out", str(run), "--resume", "--no-progress"]) == 2, args
        assert message in capsys.readouterr().err, args
    assert checkpoint.load(run / "ckpt.pt")["step"] == 3  # nothing was trained by the refused commands
    assert main(["train", *SMOKE, "--out", str(run), "--resume", "--steps", "5", "--no-progress"]) == 0  # extending is fine
    assert checkpoint.load(run / "ckpt.pt")["step"] == 5
    spec = json.loads((run / "recipe.json").read_text())
    spec["g_width"] += 1  # the preset changed since the run started
    (run / "recipe.json").write_text(json.dumps(spec))
    assert main(["train", *SMOKE, "--out", str(run), "--resume", "--steps", "6"]) == 2
    assert "differs in: g_width" in capsys.readouterr().err


def test_sample_refuses_a_checkpoint_that_carries_code(tmp_path, capsys):
    run, marker = tmp_path / "run", tmp_path / "pwned"
    assert main(["train", *SMOKE, "--out", str(run), "--no-progress"]) == 0

    class Evil:
        def __reduce__(self):
            return (exec, (f"import builtins; builtins.GANTUTOR_PWNED = True; open({str(marker)!r}, 'w').close()",))

    state = checkpoint.load(run / "ckpt.pt")
    state["G_ema"] = Evil()
    torch.save(state, run / "ckpt.pt")
    capsys.readouterr()
    assert main(["sample", "--run", str(run), "--n", "4", "--out", str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert "refusing to load" in err and "Nothing in it was run" in err
    assert main(["train", *SMOKE, "--out", str(run), "--resume", "--steps", "5"]) == 2
    assert "refusing to load" in capsys.readouterr().err
    assert not marker.exists() and not hasattr(builtins, "GANTUTOR_PWNED") and not (tmp_path / "x.npz").exists()


def test_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--recipe", "wgan-mnist", "--out", str(tmp_path)])
    assert exit_.value.code == 2 and "unknown recipe 'wgan-mnist': allowed are acgan-cifar10" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sample", "--run", str(tmp_path), "--n", "0", "--out", "x.npz"])
    assert "must be a positive integer" in capsys.readouterr().err
    assert main(["sample", "--run", str(tmp_path), "--n", "4", "--out", str(tmp_path / "x.npz")]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_bare_call_prints_the_help(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m gantutor") and "train" in out and "sample" in out and "examples:" in out


def test_every_command_and_argument_has_help_and_an_example():
    parser = _parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(sub.choices) == {"train", "sample", "reproduce"}
    for name, command in sub.choices.items():
        assert command.description, name
        assert f"python -m gantutor {name}" in command.epilog, name
        for action in command._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
        assert f"python -m gantutor {name}" in parser.epilog


def test_names_in_the_help_are_the_recipes():
    from gantutor.recipes import PRESETS, RECIPES

    assert RECIPE_NAMES == tuple(RECIPES) and PRESET_NAMES == tuple(PRESETS)


def test_help_and_version_do_not_import_torch():
    code = (
        "import sys\nfrom gantutor.__main__ import main\n"
        "for argv in (['--help'], ['--version'], ['train', '--help'], ['sample', '--help'], ['reproduce', '--help'], []):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "print('TORCH', 'torch' in sys.modules, 'numpy' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GANTUTOR_THREADS"}  # set, it pins torch's threads at import
    proc = subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    from gantutor import __version__

    assert f"gantutor {__version__}\n" in proc.stdout
    assert proc.stdout.strip().endswith("TORCH False False"), proc.stdout[-300:]


needs_torchrun = pytest.mark.skipif(shutil.which("torchrun") is None and not (Path(sys.executable).parent / "torchrun").exists(),
                                    reason="torchrun missing")
# two gloo processes on the CPU; PYTHONFAULTHANDLER: a rank that aborts prints where it was
TORCHRUN_2 = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
TORCHRUN_ENV = {"PYTHONPATH": str(REPO), "GANTUTOR_DEVICE": "cpu", "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"}


@needs_torchrun
def test_two_process_gloo_ddp_splits_the_global_batch(tmp_path, capsys):
    cmd = [*TORCHRUN_2, "-m", "gantutor", "train", "--recipe", "acgan-fmnist", "--preset", "smoke", "--out", str(tmp_path / "ddp"), "--no-progress"]
    proc = subprocess.run(cmd, env={**os.environ, **TORCHRUN_ENV}, capture_output=True, text=True, timeout=300)
    # the whole stderr on failure: a rank's own message comes before torchrun's long summary
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-12000:]
    assert "× 2 (batch 16 = 2 × 8)" in proc.stdout  # the smoke preset's batch 16 is global
    assert "done: step 3" in proc.stdout  # rank 0 leaves through os._exit: its output was flushed first
    state = checkpoint.load(tmp_path / "ddp" / "ckpt.pt")
    assert state["world"] == 2 and state["step"] == 3 and state["cfg"]["batch_size"] == 8
    assert all(torch.isfinite(t).all() for t in state["G"].values() if t.is_floating_point())
    # the same run resumed by one process is refused: it would shard the data differently
    assert main(["train", "--recipe", "acgan-fmnist", "--preset", "smoke", "--out", str(tmp_path / "ddp"), "--resume", "--steps", "4"]) == 2
    assert "world size (processes) 2 → 1" in capsys.readouterr().err


_FAIL_ON_RANK_1 = """
import os
import gantutor.__main__ as cli
from gantutor.train import Trainer

update, calls = Trainer._g_update, [0]

def failing_update(self):
    calls[0] += 1
    if os.environ["RANK"] == "1" and calls[0] == 2:
        raise RuntimeError("injected failure on rank 1")
    return update(self)

Trainer._g_update = failing_update
cli.entry()
"""


@needs_torchrun
def test_a_failure_on_one_rank_ends_the_two_process_run(tmp_path):
    # rank 1 raises in its second step while rank 0 is inside the step's collectives; the run must
    # end with rank 1's error, not wait in a teardown barrier for the group's 30-minute timeout
    # (the subprocess timeout below only guards against that hang)
    script = tmp_path / "fail_on_rank_1.py"
    script.write_text(_FAIL_ON_RANK_1)
    cmd = [*TORCHRUN_2, str(script), "train", "--recipe", "acgan-fmnist", "--preset", "smoke", "--steps", "4",
           "--out", str(tmp_path / "ddp"), "--no-progress"]
    try:
        proc = subprocess.run(cmd, env={**os.environ, **TORCHRUN_ENV}, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"the run hung after rank 1 failed: {(err.stderr or b'')[-3000:]!r}")
    assert proc.returncode != 0
    assert "injected failure on rank 1" in proc.stderr and "done: step" not in proc.stdout


def _rank_pid(agent: int, rank: int) -> int | None:
    """The pid of torchrun's worker ``rank`` under the agent process ``agent`` (Linux /proc), or None."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            environ = (stat.parent / "environ").read_bytes().split(b"\0")
        except OSError:  # the process has gone meanwhile
            continue
        if int(fields[1]) == agent and f"RANK={rank}".encode() in environ:
            return int(stat.parent.name)
    return None


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the ranks' pids through /proc")
@needs_torchrun
def test_ctrl_c_on_one_rank_stops_both_after_the_same_step(tmp_path):
    # SIGINT to rank 1 only: without agreeing, rank 1 would leave the loop alone and rank 0 would wait
    # in the next step's collectives (the subprocess timeouts below only guard against that hang)
    import signal
    import time

    run = tmp_path / "ddp"
    cmd = [*TORCHRUN_2, "-m", "gantutor", "train", "--recipe", "acgan-fmnist", "--preset", "smoke", "--steps", "100000",
           "--out", str(run), "--no-progress"]
    with open(tmp_path / "out.txt", "w") as out, open(tmp_path / "err.txt", "w") as err:
        proc = subprocess.Popen(cmd, env={**os.environ, **TORCHRUN_ENV}, stdout=out, stderr=err)
        try:
            # the smoke preset checkpoints every 2 steps: once rank 0 wrote one, rank 1 is inside fit too
            deadline = time.monotonic() + 240
            while not (run / "ckpt.pt").exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            rank1 = _rank_pid(proc.pid, 1)
            assert rank1 is not None and proc.poll() is None, (tmp_path / "err.txt").read_text()[-3000:]
            os.kill(rank1, signal.SIGINT)
            proc.wait(timeout=240)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("the run hung after Ctrl-C on rank 1: " + (tmp_path / "err.txt").read_text()[-3000:])
        finally:
            if proc.poll() is None:
                proc.kill()
    stdout, stderr = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
    assert proc.returncode == 0, stdout[-2000:] + stderr[-12000:]
    stops = re.findall(r"interrupted at generator step (\d+)", stdout)
    assert len(stops) == 2 and stops[0] == stops[1], stdout[-2000:]  # both ranks, the same step
    state = checkpoint.load(run / "ckpt.pt")
    assert state["step"] == int(stops[0]) < 100000 and state["world"] == 2


def test_the_script_and_python_m_exit_through_entry(monkeypatch):
    import tomllib

    import gantutor.__main__ as cli

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["gantutor"] == "gantutor.__main__:entry"
    # outside torchrun, entry is sys.exit(main()): the status reaches the shell and interpreter shutdown runs
    monkeypatch.setattr(cli, "main", lambda: 3)
    with pytest.raises(SystemExit) as exit_:
        cli.entry()
    assert exit_.value.code == 3 and cli._joined_process_group is False


def test_speed_switches_reach_the_trainer_and_resume_checks_them(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *SMOKE, "--out", str(run), "--no-progress", "--channels-last"]) == 0
    assert checkpoint.load(run / "ckpt.pt")["cfg"]["channels_last"] is True
    # resuming without the switch would change the rounding mid-run: refused, naming the setting
    assert main(["train", *SMOKE, "--out", str(run), "--resume", "--steps", "4", "--no-progress"]) == 2
    assert "channels_last" in capsys.readouterr().err
    assert main(["train", *SMOKE, "--out", str(run), "--resume", "--steps", "4", "--no-progress",
                 "--channels-last"]) == 0
    assert checkpoint.load(run / "ckpt.pt")["step"] == 4


def test_a_preset_switch_is_turned_off_from_the_command_line(tmp_path):
    """The cpu preset turns channels_last on and amp_cpu to 'auto'; --no-… switches turn them off, absent keeps them."""
    from gantutor.recipes import get_recipe

    cfg = get_recipe("acgan-cifar10", "cpu").config()
    assert cfg.channels_last is True and cfg.amp_cpu == "auto"
    run = tmp_path / "run"
    assert main(["train", *SMOKE, "--out", str(run), "--no-progress", "--no-channels-last", "--no-amp-cpu"]) == 0
    cfg = checkpoint.load(run / "ckpt.pt")["cfg"]
    assert cfg["channels_last"] is False and cfg["amp_cpu"] is False
