"""Where the course runs and for how long: device choice, seeding, run-length sizing.

Every lesson starts with ``device = get_device()`` and sizes its runs with
:func:`sized`, so one switch (``GANTUTOR_SMOKE=1``) shrinks every run for the tests
and a GPU gets the full-scale numbers without any notebook hard-coding three sets.
"""

from __future__ import annotations

import os
import platform
import random
import re
import sys
from typing import Any

import numpy as np
import torch

__all__ = ["get_device", "seed_everything", "is_smoke", "run_mode", "sized", "apply_threads", "keeps_global_rng", "environment_report"]

_DEVICE_PATTERN = re.compile(r"^(cpu|mps|cuda(:\d+)?)$")
_TRUE = {"1", "true", "yes", "on"}


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def get_device(override: str | torch.device | None = None) -> torch.device:
    """The best available device: CUDA, then Apple MPS, then CPU.

    ``override`` (or the environment variable ``GANTUTOR_DEVICE``) forces one of
    ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``; asking for one that this machine
    lacks is an error rather than a silent fallback, so a lecture never runs on the
    wrong device unnoticed.
    """
    choice = override if override is not None else os.environ.get("GANTUTOR_DEVICE", "").strip()
    if isinstance(choice, torch.device):
        choice = str(choice)
    if choice:
        if not isinstance(choice, str) or not _DEVICE_PATTERN.match(choice):
            raise ValueError(
                f"unknown device {choice!r}: allowed are 'cpu', 'cuda', 'cuda:N' or 'mps'"
            )
        if choice.startswith("cuda"):
            if not torch.cuda.is_available():
                raise ValueError(f"device {choice!r} requested but CUDA is not available here")
            index = int(choice.split(":")[1]) if ":" in choice else 0
            if index >= torch.cuda.device_count():
                raise ValueError(
                    f"device {choice!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist"
                )
        if choice == "mps" and not _mps_available():
            raise ValueError("device 'mps' requested but Apple MPS is not available here")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices) and return a CPU ``torch.Generator``.

    The returned generator lets a lesson draw its own reproducible noise without
    depending on how many random numbers other cells consumed.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)


def keeps_global_rng(fn):
    """Decorator: ``fn`` may seed and draw from torch's global RNG (e.g. to initialise a model
    from its ``seed`` argument), but the caller's global state is restored afterwards.

    Library functions take a seed or a generator and leave the lesson's own random stream
    alone, so a notebook cell's numbers never depend on which library calls ran before it.
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with torch.random.fork_rng(devices=range(torch.cuda.device_count()) if torch.cuda.is_available() else []):
            return fn(*args, **kwargs)

    return wrapper


def is_smoke() -> bool:
    """True when ``GANTUTOR_SMOKE`` is set to 1/true/yes/on: every run shrinks to a few steps."""
    return os.environ.get("GANTUTOR_SMOKE", "").strip().lower() in _TRUE


def run_mode(device: torch.device | str | None = None) -> str:
    """``"smoke"`` under ``GANTUTOR_SMOKE=1``, else ``"gpu"`` on CUDA and ``"cpu"`` otherwise.

    Apple MPS counts as ``"cpu"`` sizing: it is faster than a laptop CPU but far from
    a data-centre GPU, and the CPU sizes are the ones promised to finish in minutes.
    """
    if is_smoke():
        return "smoke"
    dev = get_device(device) if device is None or isinstance(device, str) else device
    return "gpu" if dev.type == "cuda" else "cpu"


def sized(cpu: Any, *, gpu: Any = None, smoke: Any = None, device: torch.device | str | None = None) -> Any:
    """The value of a run-length knob (steps, samples, width...) for the current mode.

    Give the CPU value; the GPU value defaults to it, and the smoke value defaults to
    ``max(1, cpu // 100)`` for integers (a few steps) and to the CPU value otherwise.
    Pass ``smoke=`` explicitly where a tiny value would break the lesson (a batch size).
    """
    mode = run_mode(device)
    if mode == "gpu":
        return cpu if gpu is None else gpu
    if mode == "smoke":
        if smoke is not None:
            return smoke
        if isinstance(cpu, int) and not isinstance(cpu, bool):
            return max(1, cpu // 100)
        return cpu
    return cpu


def apply_threads() -> int:
    """Apply ``GANTUTOR_THREADS`` (a positive integer) to torch; returns the thread count in use.

    The course leaves torch's default alone (all cores: right on a learner's laptop). A
    test suite running several notebooks side by side, or a lecturer sharing a machine,
    sets ``GANTUTOR_THREADS=1``. ``import gantutor`` calls this once.
    """
    value = os.environ.get("GANTUTOR_THREADS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"GANTUTOR_THREADS must be a positive integer, got {value!r}")
        torch.set_num_threads(int(value))
    return torch.get_num_threads()


def environment_report(print_it: bool = True) -> dict[str, Any]:
    """Versions, device and threads: the first thing to paste into a bug report."""
    import matplotlib
    import torchvision

    device = get_device()
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
        "device": str(device),
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "cpu threads (torch)": torch.get_num_threads(),
        "cpu cores (os)": os.cpu_count(),
        "run mode": run_mode(device),
    }
    if print_it:
        width = max(len(k) for k in info)
        for key, value in info.items():
            print(f"{key:<{width}}  {value}")
    return info
