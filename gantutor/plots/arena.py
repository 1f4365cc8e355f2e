"""Figures of lesson 05: the arena's mode counts, snapshot grids, histories and the LSGAN-ring claim's trajectories."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch


def config_label(loss: str, reg: str) -> str:
    """A configuration's short label for axes and legends, e.g. ("nonsaturating", "sn") → "NS + SN"."""
    name = {"nonsaturating": "NS", "saturating": "SAT", "lsgan": "LSGAN", "hinge": "hinge"}.get(loss, loss)
    return name if reg == "none" else f"{name} + {reg.upper() if reg != 'gp' else 'R1'}"


def plot_arena_modes(table, n_modes: dict[str, int] | None = None):
    """Lesson 05: modes covered per configuration, one panel per data set (mean ± sd over seeds, dots = seeds).

    ``table`` is :func:`gantutor.toy.arena`'s table (columns data, loss, regularizer, seed, modes).
    Panel titles stay short (the data set and its mode count) and the shared explanation goes
    in one figure title, so nothing overlaps on a projector. Returns the figure.
    """
    need = {"data", "loss", "regularizer", "seed", "modes"}
    if not need <= set(getattr(table, "columns", ())):
        raise ValueError(f"table must be an arena table with columns {sorted(need)}")
    datas = list(dict.fromkeys(table["data"]))
    configs = list(dict.fromkeys(zip(table["loss"], table["regularizer"])))
    fig, axes = plt.subplots(1, len(datas), figsize=(6.5 * len(datas), 0.6 * len(configs) + 2.2), squeeze=False,
                             layout="constrained")
    rng = np.random.default_rng(0)  # jitter of the seed dots only
    for ax, data in zip(axes[0], datas):
        t = table[table["data"] == data]
        for row, (loss, reg) in enumerate(configs):
            m = t[(t["loss"] == loss) & (t["regularizer"] == reg)]["modes"].to_numpy(dtype=float)
            if m.size == 0:
                continue
            ax.scatter(m, row + rng.uniform(-0.15, 0.15, m.size), s=22, color="0.55", alpha=0.6, zorder=2)
            sd = m.std(ddof=1) if m.size > 1 else 0.0
            ax.errorbar(m.mean(), row, xerr=sd, fmt="o", color="tab:blue", ms=9, capsize=6, lw=2.5, zorder=3)
        k = (n_modes or {}).get(data)
        if k is None:
            digits = "".join(ch for ch in str(data) if ch.isdigit())
            k = int(digits) if digits else None
        if k:
            ax.axvline(k, ls="--", c="k", lw=1)
        ax.set_yticks(range(len(configs)), [config_label(*c) for c in configs] if ax is axes[0][0] else [])
        ax.set_ylim(len(configs) - 0.5, -0.5)
        ax.set(xlabel="modes covered", title=f"{data}" + (f" (K = {k})" if k else ""))
    fig.suptitle("Modes covered per configuration: mean ± sd over seeds (grey dots = seeds)", fontsize="medium")
    return fig


def plot_snapshot_grid(rows: dict, mixture, seed: int = 0, kind: str = "kde", data_column: bool = True):
    """Lesson 05: the generator's samples at several training steps, one row per configuration.

    ``rows`` maps a row label to ``{step: samples}`` with samples (B, n, 2) or (n, 2); row
    ``seed`` of a batched array is shown. ``kind`` "kde" (filled kernel density, like the
    LSGAN paper's figure; falls back to points when the samples are too concentrated for a
    KDE) or "scatter". Each panel is titled on two short lines (step, modes covered) so that
    neighbouring titles never overlap; the last column shows the data. Returns the figure.
    """
    from gantutor.toy import mode_coverage

    if kind not in ("kde", "scatter"):
        raise ValueError(f"kind must be 'kde' or 'scatter', got {kind!r}")
    if not rows:
        raise ValueError("rows is empty: give {label: {step: samples}}")
    steps = sorted({s for snaps in rows.values() for s in snaps})
    ncols = len(steps) + int(data_column)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(2.9 * ncols, 3.2 * len(rows)), squeeze=False,
                             layout="constrained")
    lim = float(mixture.centers.abs().max()) * 1.5 + 6 * mixture.std

    def draw(ax, x, cmap, color):
        x = np.asarray(x, dtype=float)
        ok = kind == "kde" and len(x) > 2 and np.all(x.std(0) > 1e-6)
        if ok:
            try:
                sns.kdeplot(x=x[:, 0], y=x[:, 1], fill=True, levels=8, thresh=0.05, cmap=cmap, ax=ax, bw_adjust=0.6,
                            warn_singular=False)
            except (ValueError, np.linalg.LinAlgError):
                ok = False
        if not ok:
            ax.scatter(x[:, 0], x[:, 1], s=3, alpha=0.3, color=color)
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xticks=[], yticks=[], aspect="equal")

    for r, (label, snaps) in enumerate(rows.items()):
        for c, step in enumerate(steps):
            ax = axes[r][c]
            if step not in snaps:
                ax.set_axis_off()
                continue
            x = np.asarray(snaps[step])
            x = x[seed] if x.ndim == 3 else x
            draw(ax, x, "Greens", "tab:green")
            cov = mode_coverage(torch.as_tensor(x, dtype=torch.float32), mixture)
            ax.set_title(f"step {step:,}\n{cov['modes']} modes", fontsize="small")
        axes[r][0].set_ylabel(label)
        if data_column:
            x = mixture.sample(1000, torch.Generator().manual_seed(1)).numpy()
            draw(axes[r][-1], x, "Blues", "tab:blue")
            axes[r][-1].set_title(f"data\n{mixture.n_modes} modes", fontsize="small")
    return fig


def plot_modes_history(history):
    """Lesson 05: modes covered during training, one panel per data set, one line per configuration (mean ± sd)."""
    need = {"data", "loss", "regularizer", "seed", "step", "modes"}
    if not need <= set(getattr(history, "columns", ())):
        raise ValueError(f"history must be an arena history with columns {sorted(need)}")
    datas = list(dict.fromkeys(history["data"]))
    fig, axes = plt.subplots(1, len(datas), figsize=(6.5 * len(datas), 5), squeeze=False, layout="constrained")
    h = history.assign(config=[config_label(l, r) for l, r in zip(history["loss"], history["regularizer"])])
    for ax, data in zip(axes[0], datas):
        sns.lineplot(data=h[h["data"] == data], x="step", y="modes", hue="config", errorbar="sd", ax=ax,
                     legend=ax is axes[0][-1], marker="o")
        ax.set_title(str(data))
    if axes[0][-1].get_legend() is not None:
        sns.move_legend(axes[0][-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize="small", title=None)
    fig.suptitle("Modes covered during training (mean ± sd over seeds)", fontsize="medium")
    return fig


def plot_claim_trajectories(result: dict, metrics: Sequence[str] = ("modes", "high_quality"), configs=None):
    """Lesson 05: a reproduce result's per-snapshot metrics: one thin line per seed, the mean thick.

    Reads the records' ``<metric>_<step>`` keys (e.g. ``modes_5000``) of
    :func:`gantutor.reproduce.run_claim`'s result; one panel per metric. Returns the figure.
    """
    per_seed = result.get("per_seed") if isinstance(result, dict) else None
    if not per_seed:
        raise ValueError("result must be a reproduce result with per_seed records")
    configs = list(configs or dict.fromkeys(r["config"] for r in per_seed))
    fig, axes = plt.subplots(1, len(metrics), figsize=(6.5 * len(metrics), 4.8), squeeze=False, layout="constrained")
    colors = dict(zip(configs, sns.color_palette("deep", len(configs))))
    for ax, metric in zip(axes[0], metrics):
        prefix = f"{metric}_"
        for config in configs:
            recs = [r for r in per_seed if r["config"] == config]
            steps = sorted(int(k[len(prefix):]) for k in recs[0] if k.startswith(prefix) and k[len(prefix):].isdigit())
            if not steps:
                raise ValueError(f"the records have no {prefix}<step> keys")
            values = np.array([[float(r[f"{prefix}{s}"]) for s in steps] for r in recs])
            for v in values:
                ax.plot(steps, v, color=colors[config], lw=1, alpha=0.45)
            ax.plot(steps, values.mean(0), color=colors[config], lw=3.5, marker="o", label=f"{config} (mean of {len(recs)})")
        ax.set(xlabel="iteration", ylabel=metric.replace("_", " "), title=metric.replace("_", " "))
        ax.legend(fontsize="small")
    fig.suptitle(f"{result.get('claim', '')}: every seed (thin) and the mean (thick)", fontsize="medium")
    return fig
