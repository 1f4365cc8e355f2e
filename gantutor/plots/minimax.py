"""Figures of lesson 01: the game on the line, snapshots of Algorithm 1, the sweep of k."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_game(x, p_data, p_g, d, ax=None, title: str | None = None, d_star=None, legend: bool = True):
    """One panel in the style of Goodfellow et al. (2014), Fig. 1: p_data, p_g and D(x) on one axis.

    Densities and D share the y-axis (both live in [0, ~1]); ``d_star`` adds the optimal
    discriminator as a thin dotted line to compare against.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    ax.fill_between(x, p_data, color="0.2", alpha=0.25, lw=0)
    ax.plot(x, p_data, color="0.15", lw=2.5, label=r"$p_{data}$")
    ax.plot(x, p_g, color="tab:green", lw=2.5, label=r"$p_g$")
    ax.plot(x, d, color="tab:blue", lw=2.5, ls="--", label=r"$D(x)$")
    if d_star is not None:
        ax.plot(x, d_star, color="tab:red", lw=2, ls=":", label=r"$D^*(x)$")
    ax.axhline(0.5, color="0.5", lw=1, ls=":")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("x")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_snapshots(run, d_star: bool = True, ncols: int | None = None):
    """A row of :func:`plot_game` panels, one per snapshot of a :class:`gantutor.minimax.GANRun`.

    With ``d_star`` each panel also shows p_data/(p_data + p_g) for that snapshot's p_g,
    the discriminator the current D is chasing.
    """
    snaps = run.snapshots
    if not snaps:
        raise ValueError("the run has no snapshots (train with n_snapshots >= 1)")
    ncols = ncols or len(snaps)
    nrows = int(np.ceil(len(snaps) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.8 * nrows), squeeze=False, sharey=True)
    for i, (ax, snap) in enumerate(zip(axes.flat, snaps)):
        total = run.p_data + snap.p_g
        star = np.divide(run.p_data, total, out=np.full_like(total, 0.5), where=total > 0) if d_star else None
        plot_game(run.x, run.p_data, snap.p_g, snap.d, ax=ax, title=f"step {snap.step}", d_star=star, legend=i == 0)
    for ax in list(axes.flat)[len(snaps):]:
        ax.set_axis_off()
    fig.suptitle(f"{run.loss} loss: p_data (black), p_g (green), D (blue dashed)", fontsize="medium")
    return fig


def plot_k_sweep(sweep, axes=None):
    """Lesson 01: Algorithm 1's k (D steps per G step) — D's distance from D* over training, and G's progress.

    ``sweep`` maps k to a list of per-seed records with ``steps`` and ``gaps`` (the gap
    ∫ m|D − D*| at each snapshot, from :func:`gantutor.minimax.discriminator_gap`) and
    ``jsd_end`` (JSD(p_data ‖ p_g) at the last snapshot). Thin lines/dots are seeds, thick
    lines and bars their mean.
    """
    if not isinstance(sweep, dict) or not sweep or not all(sweep.values()):
        raise ValueError("sweep must map each k to a non-empty list of per-seed records")
    for k, recs in sweep.items():
        for r in recs:
            missing = {"steps", "gaps", "jsd_end"} - set(r)
            if missing:
                raise ValueError(f"record for k={k} lacks {sorted(missing)}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(14, 4.8), gridspec_kw={"width_ratios": [1.6, 1]})
    left, right = axes
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (k, recs) in enumerate(sweep.items()):
        color = colors[i % len(colors)]
        for r in recs:
            left.plot(r["steps"], r["gaps"], color=color, lw=1, alpha=0.4)
        left.plot(recs[0]["steps"], np.mean([r["gaps"] for r in recs], axis=0), color=color, lw=3, marker="o", label=f"k = {k}")
        jsd = [r["jsd_end"] for r in recs]
        right.scatter(np.full(len(jsd), i), jsd, color=color, alpha=0.6, s=40)
        right.plot([i - 0.25, i + 0.25], [np.mean(jsd)] * 2, color=color, lw=3)
    left.set(xlabel="generator step", ylabel=r"$\int m\,|D - D^*_G|\,dx$", title="how far D is from D* of the current p_g")
    left.legend(fontsize="small")
    right.set_xticks(range(len(sweep)), [f"k = {k}" for k in sweep])
    right.set(ylabel=r"JSD($p_{data}\,\|\,p_g$) at the end", title="G's progress (same G steps)")
    right.set_ylim(bottom=0)
    return axes
