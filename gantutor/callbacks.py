"""Hooks into the trainer's loop: :class:`Callback` and :class:`PeriodicEval`.

A callback sees the trainer after every discriminator update and after every generator
update. It is how lessons add something to a run without copying the loop: SR-GAN's
spectral compensation (:mod:`gantutor.spectral`), a spectrum monitor, a metric every
few hundred steps. A callback that keeps state across steps gives it ``state_dict()`` /
``load_state_dict(state)`` (tensors and plain values only) and the trainer's checkpoint
carries it, so a resumed run continues the callback too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # only for the annotations: callbacks must not import the trainer
    from .train import Trainer

__all__ = ["Callback", "PeriodicEval"]


class Callback:
    """Hooks into the loop; subclass and override what you need (all no-ops by default)."""

    def on_d_step(self, trainer: "Trainer", step: int, d_iter: int, logs: dict[str, float]) -> None:
        """After each discriminator update (``step`` = generator steps done so far)."""

    def on_step_end(self, trainer: "Trainer", step: int, logs: dict[str, float]) -> None:
        """After each generator update (``step`` counts it)."""


class PeriodicEval(Callback):
    """Every ``every`` generator steps, record ``fn(trainer) -> dict[str, float]`` (e.g. a metric).

    The numbers go to ``trainer.history`` as ``eval_step`` and ``eval_<name>`` lists, so they
    are checkpointed and plotted like the losses::

        Trainer(G, D, data, cfg, callbacks=[PeriodicEval(500, lambda t: {"acc": my_metric(t.sample(1000))})])
    """

    def __init__(self, every: int, fn: Callable[["Trainer"], dict[str, float]]):
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        if not callable(fn):
            raise TypeError("fn must be callable: fn(trainer) -> dict of numbers")
        self.every, self.fn = every, fn

    def on_step_end(self, trainer, step, logs):
        if step % self.every == 0 and trainer.rank == 0:
            values = self.fn(trainer)
            trainer.history.setdefault("eval_step", []).append(float(step))
            for key, value in values.items():
                trainer.history.setdefault(f"eval_{key}", []).append(float(value))
