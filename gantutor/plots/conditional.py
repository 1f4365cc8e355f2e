"""Lessons 06–07 (conditional GANs): quality and diversity over a run, and diversity class by class.

:func:`plot_training_scores` draws what a run recorded while it trained — the offline scores of
:class:`gantutor.callbacks.PeriodicEval` (with :func:`gantutor.reproduce.capstone.quality_probe`)
and the within-class pixel spread of :class:`gantutor.metrics.SpreadMonitor` — against the
generator step, with CPU-seconds on a second axis when the run's ``timing.json`` is given.
:func:`plot_class_diversity` draws, for each class, how varied the generated samples are
relative to real images of that class, in pixels and in the classifier's features.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..metrics.diversity import COPY_SPREAD

__all__ = ["plot_training_scores", "plot_class_diversity", "cpu_seconds_per_step"]

# (history key, its step key, panel title, value of real images or None)
_PANELS = (
    ("eval_accuracy_ratio", "eval_step", "accuracy ratio (fake / real)", 1.0),
    ("eval_frechet_distance", "eval_step", "Fréchet distance (classifier)", None),
    ("eval_within_class_diversity", "eval_step", "within-class diversity, features (fake / real)", 1.0),
    ("spread_ratio", "spread_step", "within-class pixel spread (fake / real)", 1.0),
)


def _figure_legend(fig, axes) -> None:
    """One legend for the whole figure, above the panels (a legend inside a panel hides its data)."""
    seen: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    if seen:
        fig.legend(list(seen.values()), list(seen), loc="outside upper center", ncol=min(len(seen), 5), fontsize=13,
                   frameon=False)


def cpu_seconds_per_step(timing: Mapping[str, Any] | None) -> float | None:
    """CPU-seconds per generator step of a run (``timing.json``: its total ``cpu_s`` over ``steps``), or None.

    The total covers the whole training, callbacks included, so the rate is an average: mapping
    a step to CPU-seconds with it is a linear approximation.
    """
    if not timing or not timing.get("steps") or not timing.get("cpu_s"):
        return None
    return float(timing["cpu_s"]) / float(timing["steps"])


def plot_training_scores(histories: Mapping[str, Mapping[str, Sequence[float]]], timings: Mapping[str, Any] | None = None, *,
                         final_spread: Mapping[str, tuple[float, float]] | None = None, frechet_floor: float | None = None,
                         threshold: float = COPY_SPREAD):
    """Quality and diversity against training step, one line per run (``{label: trainer.history}``); returns the figure.

    Four panels: the accuracy ratio, the Fréchet distance and the feature within-class diversity
    that ``PeriodicEval`` recorded (``eval_*``), and ``SpreadMonitor``'s pixel spread as a fraction
    of real (``spread_ratio``), with the copy line ``threshold``. A run without a ``spread_ratio``
    history (trained before the monitor) may give ``final_spread[label] = (step, ratio)``, the
    spread of its final generator measured afterwards: drawn as one star. A panel no run
    recorded says so. ``timings`` (``{label: timing.json}``) adds a CPU-seconds axis on top,
    linear in the step (:func:`cpu_seconds_per_step`); with several runs only when their rates
    agree within 10 % (their mean is used, and the axis label says so).
    """
    if not histories:
        raise ValueError("histories must name at least one run's history")
    final_spread = final_spread or {}
    fig, axes = plt.subplots(2, 2, figsize=(15, 10), sharex=True, layout="constrained")
    for (key, xkey, title, real), ax in zip(_PANELS, axes.flat):
        drawn = False
        for i, (label, h) in enumerate(histories.items()):
            if h.get(key):
                ax.plot(h[xkey], h[key], marker="o", ms=6, lw=2.5, color=f"C{i}", label=label)
                drawn = True
            elif key == "spread_ratio" and label in final_spread:
                step, value = final_spread[label]
                ax.plot([step], [value], marker="*", ms=20, ls="none", color=f"C{i}", label=f"{label}: final G only")
                drawn = True
        if not drawn:
            ax.text(0.5, 0.5, "not recorded by this run", transform=ax.transAxes, ha="center", va="center", fontsize=14)
        if real is not None:
            ax.axhline(real, ls="--", c="grey", lw=1.5, label="real images")
            ax.set_ylim(0, None)
        if key == "spread_ratio":
            ax.axhline(threshold, ls=":", c="C3", lw=2.5, label=f"copy line {threshold:g}")
        if key == "eval_frechet_distance" and frechet_floor is not None and drawn:
            ax.axhline(frechet_floor, ls="-.", c="grey", lw=1.5, label="floor (real vs real)")
        ax.set_title(title, fontsize=15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    last = max([max(h.get(k) or [0]) for h in histories.values() for k in ("eval_step", "spread_step")]
               + [step for step, _ in final_spread.values()] + [1])
    axes[0, 0].set_xlim(0, 1.03 * last)  # from the start of training (the axes share x)
    for ax in axes[1]:
        ax.set_xlabel("generator step")
    _figure_legend(fig, axes.flat)
    rates = {label: cpu_seconds_per_step((timings or {}).get(label)) for label in histories}
    known = [r for r in rates.values() if r]
    if known and len(known) == len(rates) and max(known) <= 1.1 * min(known):
        rate = float(np.mean(known))
        for ax in axes[0]:
            top = ax.secondary_xaxis("top", functions=(lambda s, r=rate: s * r, lambda c, r=rate: c / r))
            top.set_xlabel(f"CPU-seconds (linear: {rate:.3g} s per step" + (", mean of the runs)" if len(known) > 1 else ")"),
                           fontsize=13)
    return fig


def plot_class_diversity(runs: Mapping[str, Mapping[str, Mapping[int, float]]], class_names: Sequence[str], *,
                         threshold: float = COPY_SPREAD):
    """Per-class diversity as a fraction of real, bars per run; returns the figure.

    ``runs`` is ``{label: {"pixel": {class: ratio}, "feature": {class: ratio}}}`` — the
    ``per_class`` of :func:`gantutor.metrics.relative_spread` and of
    :func:`gantutor.metrics.within_class_diversity`. Left: pixel spread with the copy line
    ``threshold``; right: classifier-feature diversity; 1 = as varied as real images.
    """
    if not runs:
        raise ValueError("runs must hold at least one run's per-class ratios")
    k, n = len(class_names), len(runs)
    width = 0.8 / n
    fig, axes = plt.subplots(1, 2, figsize=(16, 6.3), layout="constrained")
    for i, (label, d) in enumerate(runs.items()):
        for ax, what in zip(axes, ("pixel", "feature")):
            values = [d.get(what, {}).get(c, np.nan) for c in range(k)]
            ax.bar(np.arange(k) + (i - (n - 1) / 2) * width, values, width, color=f"C{i}", label=label)
    for ax, title in zip(axes, ("pixel spread / real", "classifier-feature diversity / real")):
        ax.axhline(1.0, ls="--", c="grey", lw=1.5, label="real images")
        ax.set_xticks(range(k), class_names, rotation=40, fontsize=12)
        ax.set_title(title, fontsize=15)
        ax.set_ylim(0, None)
    axes[0].axhline(threshold, ls=":", c="C3", lw=2.5, label=f"copy line {threshold:g}")
    _figure_legend(fig, axes)
    return fig
