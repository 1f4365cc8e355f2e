"""Numerical checks for derivations, and checkable exercises.

``verify`` is how the course keeps its promises: every derivation in a notebook is
followed by a line such as ``✔ D* equals p_data/(p_data+p_g) (max |lhs − rhs| = 3.1e-09)``.
Exercises are registered by the solution modules themselves (``gantutor/solutions/lNN_topic.py``
decorates each reference solution with :func:`exercise`) and checked with :func:`check_answer`;
:func:`show_solution` reveals the hidden reference solution.

Layering: this module sits at the bottom of the package (every lesson imports it, and so
does every solution module), so it imports nothing of ``gantutor``. When a key such as
``"03.rounds"`` is looked up and not yet registered, the lesson's solution module is
imported *by name* (``gantutor.solutions.l03_*``, found in the ``solutions`` folder next to
this file); :func:`all_exercises` imports every one of them the same way.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["verify", "Difference", "Exercise", "register", "exercise", "check_answer", "show_solution", "hint", "all_exercises",
           "SOLUTIONS_PACKAGE"]


def _as_array(value: Any, name: str) -> np.ndarray:
    try:  # torch tensors (on any device, with or without grad) and everything NumPy takes
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"verify: {name} must be a number, array or tensor, got {type(value).__name__}") from err


class Difference(float):
    """The max |lhs − rhs| that :func:`verify` measured: a float in every way (arithmetic,
    comparisons, formatting, ``repr``), except that IPython shows nothing for it.

    Why: a notebook cell whose last line is ``verify(...)`` already printed its ``✔``
    line with the difference; echoing the same number again as ``Out[n]: 3.1e-09`` is noise.
    Arithmetic on it returns plain floats, so only verify's own result is silent.
    """

    __slots__ = ()

    def _ipython_display_(self) -> None:  # IPython calls this instead of showing an Out[] value
        return None


def verify(claim: str, lhs: Any, rhs: Any, tol: float = 1e-6, *, quiet: bool = False) -> Difference:
    """Check numerically that ``lhs`` equals ``rhs`` to within ``tol`` (max absolute difference).

    Prints ``✔ <claim> (max |lhs − rhs| = …)`` and returns the difference as a
    :class:`Difference` (a float that a notebook does not echo as ``Out[]``); raises
    ``AssertionError`` naming the claim if the two differ by more than ``tol``, have
    shapes that do not broadcast, or contain NaN.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError("verify: claim must be a non-empty sentence saying what is checked")
    if not (isinstance(tol, (int, float)) and tol >= 0 and math.isfinite(tol)):
        raise ValueError(f"verify: tol must be a finite number >= 0, got {tol!r}")
    a, b = _as_array(lhs, "lhs"), _as_array(rhs, "rhs")
    try:
        a, b = np.broadcast_arrays(a, b)
    except ValueError as err:
        raise AssertionError(f"✘ {claim}: shapes {a.shape} and {b.shape} do not match") from err
    if a.size == 0:
        raise AssertionError(f"✘ {claim}: nothing to compare (empty arrays)")
    if np.isnan(a).any() or np.isnan(b).any():
        raise AssertionError(f"✘ {claim}: NaN in {'lhs' if np.isnan(a).any() else 'rhs'}")
    both_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    with np.errstate(invalid="ignore"):  # inf − inf is handled by both_inf
        diff = np.where(both_inf, 0.0, np.abs(a - b))
    err = float(np.max(diff))
    if not err <= tol:
        raise AssertionError(f"✘ {claim}: max |lhs − rhs| = {err:.3g} exceeds tol = {tol:.3g}")
    if not quiet:
        print(f"✔ {claim} (max |lhs − rhs| = {err:.2g}, tol {tol:.0e})")
    return Difference(err)


# --------------------------------------------------------------------------- exercises


@dataclass
class Exercise:
    """One exercise: ``check`` returns True for a correct answer; ``solution`` computes the reference.

    ``check`` may also raise ``AssertionError`` with a message that helps the learner.
    """

    key: str
    prompt: str
    check: Callable[[Any], bool]
    solution: Callable[[], Any]
    hint: str = ""
    explanation: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


_REGISTRY: dict[str, Exercise] = {}


def register(ex: Exercise) -> Exercise:
    """Add an exercise to the course registry (keys are unique, e.g. ``"01.jsd-minimum"``)."""
    if ex.key in _REGISTRY and _REGISTRY[ex.key] is not ex:
        raise ValueError(f"exercise key {ex.key!r} is already registered")
    _REGISTRY[ex.key] = ex
    return ex


def exercise(key: str, prompt: str, check: Callable[[Any], bool], *, hint: str = "", explanation: str = ""):
    """Decorator form: the decorated function is the hidden reference solution."""

    def wrap(solution: Callable[[], Any]) -> Callable[[], Any]:
        register(Exercise(key, prompt, check, solution, hint=hint, explanation=explanation))
        return solution

    return wrap


# The solution modules are found by name, never imported statically: a base module must not
# depend on the top of the package (tests/test_core.py checks it).
SOLUTIONS_PACKAGE = "gantutor.solutions"
_SOLUTIONS_DIR = Path(__file__).resolve().with_name("solutions")


def _solution_modules(lesson: str | None = None) -> list[str]:
    """Names of the solution modules (``lNN_topic``), all of them or those of lesson ``NN``."""
    names = sorted(m.name for m in pkgutil.iter_modules([str(_SOLUTIONS_DIR)]) if re.fullmatch(r"l\d\d_\w+", m.name))
    return [n for n in names if lesson is None or n.startswith(f"l{lesson}_")]


def _load(lesson: str | None = None) -> None:
    for name in _solution_modules(lesson):
        importlib.import_module(f"{SOLUTIONS_PACKAGE}.{name}")  # registers its exercises via @exercise


def all_exercises() -> dict[str, Exercise]:
    """Every exercise of the course, keyed by name (imports every ``gantutor.solutions`` module by name)."""
    _load()
    return dict(_REGISTRY)


def _get(key: str) -> Exercise:
    if not isinstance(key, str):
        raise TypeError(f"exercise key must be a string such as '00.log4', got {type(key).__name__}")
    if key not in _REGISTRY:
        lesson = re.match(r"(\d\d)\.", key)
        if lesson:  # load only that lesson's solutions: a notebook needs no other lesson's imports
            _load(lesson.group(1))
    if key not in _REGISTRY:
        known = all_exercises()
        raise KeyError(f"no exercise {key!r}; known exercises: {', '.join(sorted(known))}")
    return _REGISTRY[key]


def check_answer(key: str, answer: Any) -> bool:
    """Check a learner's answer; prints ✔ or ✘ (with the hint) and returns whether it passed."""
    ex = _get(key)
    if answer is None:  # the exercise cell as shipped: nothing to check yet
        print(f"✘ {key}: no answer yet (replace None with yours)." + (f" Hint: {ex.hint}" if ex.hint else ""))
        return False
    try:
        ok = bool(ex.check(answer))
        message = ""
    except AssertionError as err:
        ok, message = False, str(err)
    except Exception as err:  # a malformed answer should teach, not crash the notebook
        ok, message = False, f"{type(err).__name__}: {err}"
    if ok:
        print(f"✔ {key}: correct." + (f" {ex.explanation}" if ex.explanation else ""))
    else:
        print(f"✘ {key}: not yet." + (f" {message}" if message else "") + (f" Hint: {ex.hint}" if ex.hint else ""))
    return ok


def hint(key: str) -> str:
    """The exercise's hint, printed."""
    text = _get(key).hint or "(no hint for this one)"
    print(text)
    return text


def show_solution(key: str, run: bool = True) -> Any:
    """Reveal the reference solution: print its source and (by default) return its answer."""
    ex = _get(key)
    print(inspect.getsource(ex.solution))
    return ex.solution() if run else None
