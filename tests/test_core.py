"""Device choice, smoke sizing, verify and the exercise mechanism."""

import pytest
import torch

from gantutor import checks, device


def test_default_device_is_cpu_here(monkeypatch):
    monkeypatch.delenv("GANTUTOR_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else ("mps" if device._mps_available() else "cpu")
    assert device.get_device().type == expected


def test_device_override_from_env_and_argument(monkeypatch):
    monkeypatch.setenv("GANTUTOR_DEVICE", "cpu")
    assert device.get_device() == torch.device("cpu")
    assert device.get_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu", "CUDA", "tpu", "cuda:x", " cpu2"])
def test_bad_device_names(bad, monkeypatch):
    monkeypatch.delenv("GANTUTOR_DEVICE", raising=False)
    with pytest.raises(ValueError, match="allowed are"):
        device.get_device(bad)
    monkeypatch.setenv("GANTUTOR_DEVICE", bad)  # a bad name in the environment is an error too
    with pytest.raises(ValueError, match="allowed are"):
        device.get_device()


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_device_variable_means_automatic_choice(blank, monkeypatch):
    monkeypatch.delenv("GANTUTOR_DEVICE", raising=False)
    automatic = device.get_device()
    monkeypatch.setenv("GANTUTOR_DEVICE", blank)
    assert device.get_device() == automatic
    monkeypatch.setenv("GANTUTOR_DEVICE", "cpu")  # and the variable is really read: a set value wins
    assert device.get_device() == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_missing_cuda_is_an_error_not_a_fallback():
    with pytest.raises(ValueError, match="not available"):
        device.get_device("cuda")


def test_seed_everything_is_reproducible():
    device.seed_everything(3)
    a = torch.randn(4)
    g = device.seed_everything(3)
    assert torch.equal(a, torch.randn(4))
    assert torch.equal(torch.randn(2, generator=g), torch.randn(2, generator=torch.Generator().manual_seed(3)))
    with pytest.raises(ValueError):
        device.seed_everything(-1)


def test_smoke_sizing(monkeypatch):
    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    assert device.is_smoke() and device.run_mode() == "smoke"
    assert device.sized(2000) == 20
    assert device.sized(50) == 1
    assert device.sized(64, smoke=8) == 8
    assert device.sized(0.5) == 0.5
    monkeypatch.setenv("GANTUTOR_SMOKE", "0")
    monkeypatch.setenv("GANTUTOR_DEVICE", "cpu")
    assert not device.is_smoke() and device.run_mode() == "cpu"
    assert device.sized(2000, gpu=20000, smoke=3) == 2000
    assert device.run_mode(torch.device("cuda")) == "gpu"
    assert device.sized(2000, gpu=20000, device=torch.device("cuda")) == 20000
    assert device.sized(2000, device=torch.device("cuda")) == 2000


def test_environment_report(capsys):
    info = device.environment_report()
    assert info["torch"] == torch.__version__ and "device" in info
    assert "torchvision" in capsys.readouterr().out


def test_verify_passes_and_prints(capsys):
    err = checks.verify("two ways to write one", torch.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-9], tol=1e-6)
    assert err < 1e-6
    out = capsys.readouterr().out
    assert out.startswith("✔ two ways to write one") and "max |lhs − rhs|" in out


def test_verify_result_is_a_float_a_notebook_does_not_echo(capsys):
    from IPython.core.formatters import DisplayFormatter

    err = checks.verify("quarter", 0.25, 0.25 + 3e-9, tol=1e-6, quiet=True)
    assert isinstance(err, float) and err == pytest.approx(3e-9, rel=1e-3)
    assert repr(err) == repr(float(err)) and f"{err:.1e}" == "3.0e-09"
    assert type(err + 1.0) is float and type(2 * err) is float  # arithmetic gives plain floats
    # IPython's display formatter (what makes a cell's Out[]) produces nothing for verify's result…
    formatter = DisplayFormatter()
    assert formatter.format(err) == ({}, {})
    # …but still shows the same number when it is a plain float
    assert formatter.format(float(err))[0]["text/plain"] == repr(float(err))
    assert capsys.readouterr().out == ""  # quiet=True prints nothing


def test_verify_fails_naming_the_claim():
    with pytest.raises(AssertionError, match="my claim"):
        checks.verify("my claim", 1.0, 1.1, tol=1e-3)
    with pytest.raises(AssertionError, match="NaN"):
        checks.verify("nan claim", float("nan"), 1.0)
    with pytest.raises(AssertionError, match="shapes"):
        checks.verify("shape claim", [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        checks.verify("", 1.0, 1.0)
    with pytest.raises(ValueError):
        checks.verify("negative tol", 1.0, 1.0, tol=-1)


def test_verify_equal_infinities():
    checks.verify("both +inf", float("inf"), float("inf"), quiet=True)
    with pytest.raises(AssertionError):
        checks.verify("opposite infinities", float("inf"), float("-inf"), quiet=True)


def test_every_reference_solution_passes_its_checker():
    exercises = checks.all_exercises()
    for key, ex in exercises.items():
        assert ex.check(ex.solution()), f"reference solution of {key} fails its own checker"


def test_checks_imports_nothing_of_gantutor():
    """checks.py is the bottom layer: no static import of gantutor.solutions (or of any gantutor module)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(checks))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            imported += [base] + [f"{base}.{a.name}" for a in node.names]
    bad = [name for name in imported if name.startswith((".", "gantutor"))]
    assert not bad, f"gantutor/checks.py imports {bad}: load solution modules by name when a key is looked up"


def test_importing_checks_loads_no_solution_module_and_a_key_loads_only_its_lesson():
    """In a fresh interpreter: `import gantutor.checks` imports no solution module; checking an answer
    of lesson 00 imports gantutor.solutions.l00_* and nothing of other lessons."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import math, sys\n"
        "import gantutor.checks as c\n"
        "before = sorted(m for m in sys.modules if m.startswith('gantutor.solutions'))\n"
        "assert before == [], before\n"
        "assert c.check_answer('00.log4', -math.log(4))\n"
        "after = sorted(m for m in sys.modules if m.startswith('gantutor.solutions.'))\n"
        "assert after == ['gantutor.solutions.l00_start_here'], after\n"
        "assert c.hint('00.log4') and c.show_solution('00.log4') == -math.log(4)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GANTUTOR_THREADS"}
    env["PYTHONPATH"] = str(Path(checks.__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_every_lesson_module_registers_only_its_own_keys():
    """A key NN.name lives in gantutor/solutions/lNN_*.py (that is how check_answer finds it by name)."""
    exercises = checks.all_exercises()
    for key, ex in exercises.items():
        if key.startswith("test."):
            continue
        module = ex.solution.__module__.rsplit(".", 1)[-1]
        assert module.startswith(f"l{key[:2]}_"), f"exercise {key!r} is registered in {module}, not in l{key[:2]}_*"


def test_check_answer_reports_and_unknown_keys(capsys):
    ex = checks.Exercise("test.double", "double 2", lambda a: a == 4, lambda: 4, hint="2 + 2")
    checks.register(ex)
    assert checks.check_answer("test.double", 4)
    assert not checks.check_answer("test.double", 5)
    assert not checks.check_answer("test.double", object())
    out = capsys.readouterr().out
    assert "✔ test.double" in out and "✘ test.double" in out and "Hint: 2 + 2" in out
    with pytest.raises(KeyError, match="known exercises"):
        checks.check_answer("nope", 1)
    assert checks.show_solution("test.double") == 4


def test_check_answer_on_a_blank_exercise_says_no_answer_yet(capsys):
    from gantutor.checks import check_answer

    assert check_answer("00.log4", None) is False
    out = capsys.readouterr().out
    assert "no answer yet" in out and "TypeError" not in out
