"""Checkpoints the trainer can trust: plain contents, atomic writes, safe loads, resume checks.

Why each piece exists:

* **Plain contents.** A checkpoint holds tensors and plain values only (dict, list,
  tuple, str, int, float, bool, None; RNG states are byte tensors). :func:`save` refuses
  anything else, so every checkpoint it writes loads with ``weights_only=True``.
* **Safe loads.** ``torch.load(..., weights_only=False)`` unpickles arbitrary Python
  objects, and unpickling can run code: opening someone else's run folder would run
  whatever its author hid in it. :func:`load` uses ``weights_only=True`` and turns the
  refusal into :class:`UnsafeCheckpoint`, with nothing from the file run.
* **Atomic writes.** The state goes to ``ckpt.pt.tmp`` first and replaces ``ckpt.pt`` in
  one ``os.replace``: a crash or Ctrl-C mid-write keeps the previous checkpoint.
* **Resume checks.** Continuing a run under other settings either fails deep inside
  ``load_state_dict`` or, worse, silently mixes two runs. :func:`check_resume` compares
  the saved :class:`~gantutor.train.TrainConfig` and world size with the new ones and
  names every difference; only the fields in :data:`MAY_CHANGE_ON_RESUME` may change, and
  ``steps`` may only grow.
* **Ctrl-C.** :class:`StopOnSigint` turns Ctrl-C into a flag the loop checks after each
  step, so the checkpoint written on the way out is a whole step, never half of one.
"""

from __future__ import annotations

import os
import pickle
import re
import signal
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "CKPT_NAME", "MAY_CHANGE_ON_RESUME", "UnsafeCheckpoint", "ResumeMismatch",
    "save", "load", "check_plain", "check_resume", "rng_states", "set_rng_states",
    "callback_states", "load_callback_states", "StopOnSigint",
]

CKPT_NAME = "ckpt.pt"
# TrainConfig fields that may differ between a run and its resumption: bookkeeping, not
# the training itself ("steps" may only grow; checked separately).
MAY_CHANGE_ON_RESUME = ("steps", "log_every", "sample_every", "ckpt_every", "out_dir", "resume", "amp")
_PLAIN = (str, int, float, bool, type(None))  # exact types: a subclass (e.g. a namedtuple) would not load
_MAPPINGS = (dict, OrderedDict)  # state_dict() returns an OrderedDict
_SEQUENCES = (list, tuple, torch.Size)


class UnsafeCheckpoint(ValueError):
    """The file holds a pickled Python object, not only tensors and plain values."""


class ResumeMismatch(ValueError):
    """A checkpoint was written by a run with other settings than the one resuming it."""


def check_plain(obj: Any, where: str = "state") -> None:
    """Raise ``TypeError`` naming the first entry of ``obj`` that is not a tensor or plain value."""
    if isinstance(obj, torch.Tensor) or type(obj) in _PLAIN:
        return
    if type(obj) in _MAPPINGS:
        for key, value in obj.items():
            if type(key) not in (str, int):
                raise TypeError(f"checkpoint key {key!r} in {where} is a {type(key).__name__}: keys must be str or int")
            check_plain(value, f"{where}[{key!r}]")
        return
    if type(obj) in _SEQUENCES:
        for i, value in enumerate(obj):
            check_plain(value, f"{where}[{i}]")
        return
    raise TypeError(
        f"{where} is a {type(obj).__module__}.{type(obj).__qualname__}: a checkpoint holds only tensors and plain values "
        "(dict, list, tuple, str, int, float, bool, None); convert it (e.g. torch.as_tensor, float, dict)"
    )


def save(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``state`` to ``path`` atomically (a crash mid-write keeps the previous file)."""
    check_plain(state)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load(path: str | os.PathLike, map_location: torch.device | str | None = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``: tensors and plain values, never code.

    A file that carries a pickled object (code could run while unpickling it) is refused
    with :class:`UnsafeCheckpoint`; the refusal happens before anything in it runs.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(err))
        what = f"a pickled Python object ({found.group(1)})" if found else "a pickled Python object"
        raise UnsafeCheckpoint(
            f"refusing to load {path}: it holds {what}, not only tensors and plain values, and unpickling it "
            "could run code. Nothing in it was run. gantutor never writes such checkpoints; if you wrote this "
            "file yourself and trust it, open it with torch.load(path, weights_only=False) and save its tensors again."
        ) from None


def _comparable(value: Any) -> Any:
    """Tuples and lists compare equal (a config round-trips through JSON as lists)."""
    if isinstance(value, (list, tuple)):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    return value


def check_resume(saved: dict[str, Any], current: dict[str, Any], path: str | os.PathLike) -> None:
    """Raise :class:`ResumeMismatch` naming every setting in which ``current`` differs from ``saved``.

    Both are ``{"cfg": asdict(TrainConfig), "world": processes}``. ``steps`` may grow (to
    train a finished run further); other fields of :data:`MAY_CHANGE_ON_RESUME` are free.
    """
    diffs = []
    if saved["world"] != current["world"]:
        diffs.append(f"world size (processes) {saved['world']} → {current['world']}")
    old, new = saved["cfg"], current["cfg"]
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        if key == "steps" and isinstance(a, int) and isinstance(b, int) and b < a:
            diffs.append(f"steps {a} → {b} (a resumed run may extend its steps, not shorten them: ask for {a} or more)")
        elif key not in MAY_CHANGE_ON_RESUME and _comparable(a) != _comparable(b):
            diffs.append(f"{key} {a!r} → {b!r}")
    if diffs:
        raise ResumeMismatch(
            f"cannot resume {path}: it was written by a run with other settings ({'; '.join(diffs)}). "
            "Resume with the settings it was started with (only steps may grow), or choose another output folder."
        )


def rng_states() -> dict[str, Any]:
    """The global RNG states (CPU, and every CUDA device if any), as tensors."""
    return {"rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def set_rng_states(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_states` saved (CUDA states only where CUDA exists)."""
    torch.set_rng_state(state["rng_cpu"])
    if state.get("rng_cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["rng_cuda"])


def callback_states(callbacks) -> list:
    """``state_dict()`` of each callback that has one (e.g. SR-GAN's running maxima γ), else None."""
    return [cb.state_dict() if hasattr(cb, "state_dict") else None for cb in callbacks]


def load_callback_states(callbacks, saved: list) -> None:
    """Give each callback its saved state back; the callbacks must be the ones the run had."""
    if any(s is not None for s in saved) and len(saved) != len(callbacks):
        raise ValueError(f"the checkpoint has state for {len(saved)} callback(s) but this Trainer has {len(callbacks)}")
    for cb, cb_state in zip(callbacks, saved):
        if cb_state is not None and hasattr(cb, "load_state_dict"):
            cb.load_state_dict(cb_state)


class StopOnSigint:
    """``with StopOnSigint() as stop:`` — Ctrl-C sets ``stop.requested`` instead of raising.

    The loop checks the flag after each whole step, so what it saves on the way out is
    consistent. Outside the main thread (where Python delivers no signals) it does nothing.
    """

    def __init__(self):
        self.requested = False
        self._installed, self._previous = False, None

    def _handler(self, signum, frame) -> None:
        self.requested = True

    def __enter__(self) -> "StopOnSigint":
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handler)
                self._installed = True
            except ValueError:  # e.g. an embedded interpreter that owns signals
                pass
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:  # the previous handler may be None (set outside Python): restore it all the same
            signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.SIG_DFL)
            self._installed = False
