"""The course's figures: one readable style, sample grids, and training curves.

Figures are meant to be read on a projector at the back of a lecture hall, so the
style uses large fonts and thick lines. Lessons add their own figure helpers here,
each a short function named for what it draws.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from torchvision.utils import make_grid


def use_course_style(scale: float = 1.25) -> None:
    """Seaborn's 'talk' context (large fonts, thick lines) with a white grid."""
    sns.set_theme(context="talk", style="whitegrid", font_scale=scale / 1.25)
    plt.rcParams.update({"figure.dpi": 90, "figure.autolayout": True, "axes.titleweight": "bold"})


def show_images(images: torch.Tensor, nrow: int = 8, title: str | None = None, ax=None, value_range=(-1.0, 1.0)):
    """Show a batch of images (N×C×H×W, in [−1, 1] by default) as one grid via torchvision's make_grid."""
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or images.shape[1] not in (1, 3):
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"images must be a tensor of shape (N, 1 or 3, H, W), got {shape}")
    images = images.detach().float().cpu()
    if images.dtype == torch.uint8 or images.max() > 1.5:
        value_range = (0.0, 255.0)
    grid = make_grid(images, nrow=nrow, normalize=True, value_range=value_range, pad_value=1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(min(12, 1.2 * nrow), min(12, 1.2 * np.ceil(len(images) / nrow))))
    ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_curves(history: dict[str, Sequence[float]], ax=None, title: str | None = None, xlabel: str = "step", smooth: int = 1):
    """Plot named curves (e.g. ``{"D loss": [...], "G loss": [...]}``), optionally smoothed by a moving mean."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    for name, values in history.items():
        y = np.asarray(values, dtype=float)
        if smooth > 1 and len(y) >= smooth:
            y = np.convolve(y, np.ones(smooth) / smooth, mode="valid")
        ax.plot(np.arange(len(y)) + (smooth - 1 if smooth > 1 else 0), y, label=name)
    ax.set_xlabel(xlabel)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_spectra(spectra, layers=None, normalize: bool = True, axes=None, title: str | None = None):
    """Singular-value spectra side by side: one panel per layer, one curve per run.

    ``spectra`` maps a run's label (e.g. "SN", "weight norm") to the output of
    :func:`gantutor.spectral.singular_values` (``{layer: values, largest first}``).
    With ``normalize`` the curves are σ_i/σ_1 against i (lesson 03's Section 3 figure).
    """
    if not isinstance(spectra, dict) or not spectra:
        raise ValueError("spectra must be a non-empty dict {run label: {layer name: singular values}}")
    first = next(iter(spectra.values()))
    layers = list(first) if layers is None else list(layers)
    missing = [(run, l) for run, sv in spectra.items() for l in layers if l not in sv]
    if missing:
        raise ValueError(f"layers missing from some runs: {missing[:3]}; available: {list(first)}")
    if axes is None:
        _, axes = plt.subplots(1, len(layers), figsize=(5.5 * len(layers), 4.5), squeeze=False)
        axes = axes[0]
    for ax, layer in zip(axes, layers):
        for run, sv in spectra.items():
            s = torch.as_tensor(sv[layer], dtype=torch.float64).cpu()
            y = s / s[0] if normalize else s
            ax.plot(np.arange(1, len(y) + 1), y.numpy(), label=run, lw=2.5)
        ax.set_xlabel("index i")
        ax.set_ylabel(r"$\sigma_i/\sigma_1$" if normalize else r"$\sigma_i$")
        if normalize:
            ax.set_ylim(0, 1.05)
        ax.set_title(f"layer {layer} (r = {len(first[layer])})", fontsize="medium")
    axes[0].legend(fontsize="small")
    if title:
        plt.suptitle(title)
    return axes


def plot_spectrum_heatmap(steps, matrix, ax=None, title: str | None = None, vmin: float = 0.0, vmax: float = 1.0):
    """Heat-map of σ_i/σ_1 (rows: index i, columns: training step) — spectral collapse shows as the
    lower rows going dark. ``matrix`` is (records × r), e.g. ``SpectrumMonitor.matrix(layer)``."""
    m = torch.as_tensor(matrix, dtype=torch.float64).cpu().numpy()
    steps = np.asarray(steps)
    if m.ndim != 2 or m.shape[0] != len(steps):
        raise ValueError(f"matrix must be (len(steps) × r) = ({len(steps)} × r), got {m.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    mesh = ax.imshow(m.T, aspect="auto", origin="upper", cmap="magma", vmin=vmin, vmax=vmax,
                     extent=(steps[0], steps[-1] if len(steps) > 1 else steps[0] + 1, m.shape[1] + 0.5, 0.5))
    ax.set_xlabel("generator step")
    ax.set_ylabel("index i")
    ax.grid(False)
    plt.colorbar(mesh, ax=ax, label=r"$\sigma_i/\sigma_1$")
    if title:
        ax.set_title(title, fontsize="medium")
    return ax
def log_ticks(ax, axis: str = "y", numticks: int = 6):
    """At most ``numticks`` labelled decades on a log axis, no minor labels (lessons 03–04).

    Matplotlib's default labels every decade; over 1e-16…1 that is 17 crowded labels in the
    course's large font. Returns ``ax``.
    """
    from matplotlib.ticker import LogLocator, NullFormatter

    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    if not isinstance(numticks, int) or isinstance(numticks, bool) or numticks < 2:
        raise ValueError(f"numticks must be an int >= 2, got {numticks!r}")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(LogLocator(base=10, numticks=numticks))
    target.set_minor_formatter(NullFormatter())
    return ax


def plot_convergence(k, measured: dict, reference: dict | None = None, ax=None, title: str | None = None,
                     xlabel: str = "rounds k", ylabel: str = "error", floor: float = 1e-17):
    """Errors against the iteration count on a log axis, each with an optional reference rate.

    ``measured`` maps a label to errors (one per entry of ``k``); ``reference`` maps the same
    labels to the predicted curve (drawn dotted in the same colour), e.g. lesson 03's σ̂ error
    against (σ₂/σ₁)^{4k} and the direction error against (σ₂/σ₁)^{2k}. Values below ``floor``
    (float64 round-off) are clipped so the log axis stays readable.
    """
    if not isinstance(measured, dict) or not measured:
        raise ValueError("measured must be a non-empty dict {label: errors}")
    reference = reference or {}
    unknown = [key for key in reference if key not in measured]
    if unknown:
        raise ValueError(f"reference labels {unknown} are not in measured ({list(measured)})")
    k = np.asarray(k, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.8))
    for j, (label, values) in enumerate(measured.items()):
        y = np.asarray(values, dtype=float)
        if y.shape != k.shape:
            raise ValueError(f"{label!r}: {y.shape[0] if y.ndim else 0} errors for {len(k)} rounds")
        color = f"C{j}"
        ax.semilogy(k, np.maximum(y, floor), color=color, lw=3, label=label)
        if label in reference:
            ax.semilogy(k, np.maximum(np.asarray(reference[label], dtype=float), floor), color=color, ls=":", lw=2.5)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    log_ticks(ax)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title, fontsize="medium")
    return ax


# --------------------------------------------------------------------------- lesson 01: the minimax game


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


class LiveCurves:
    """Training curves that redraw in place while a run goes on (one figure, lines updated).

    ``live = LiveCurves({"losses": ["d_loss", "g_loss"], "D": ["D(x) real", "D(G(z))"]})``
    makes one panel per group; ``live.update(history)`` (e.g. from a training callback)
    sets the lines' data and refreshes the displayed figure. Outside a notebook it
    only redraws the canvas, so it also runs headless in tests.
    """

    def __init__(self, groups: dict[str, Sequence[str]], title: str | None = None, smooth: int = 1, figsize=(12, 4)):
        if not groups or not all(groups.values()):
            raise ValueError("groups must map panel titles to non-empty lists of history keys")
        self.groups, self.smooth = {k: list(v) for k, v in groups.items()}, max(1, int(smooth))
        self.fig, axes = plt.subplots(1, len(groups), figsize=figsize, squeeze=False)
        self.axes = dict(zip(groups, axes[0]))
        self.lines = {}
        for panel, keys in self.groups.items():
            ax = self.axes[panel]
            for key in keys:
                (self.lines[key],) = ax.plot([], [], label=key)
            ax.set_title(panel)
            ax.set_xlabel("step")
            ax.legend(loc="upper right", fontsize="small")
        if title:
            self.fig.suptitle(title, fontsize="medium")
        plt.close(self.fig)  # shown through the display handle only, never twice
        self._handle = None

    def show(self):
        from IPython.display import display

        self._handle = display(self.fig, display_id=True)
        return self

    def update(self, history) -> None:
        """Redraw from a history dict, or from anything with a ``.history`` dict (a training run)."""
        history = getattr(history, "history", history)
        for panel, keys in self.groups.items():
            for key in keys:
                if key not in history:
                    raise ValueError(f"history has no {key!r}; it has {sorted(history)}")
                y = np.asarray(history[key], dtype=float)
                if self.smooth > 1 and len(y) >= self.smooth:
                    y = np.convolve(y, np.ones(self.smooth) / self.smooth, mode="valid")
                self.lines[key].set_data(np.arange(len(y)) + (len(history[key]) - len(y)), y)
            self.axes[panel].relim()
            self.axes[panel].autoscale_view()
        if self._handle is not None:
            self._handle.update(self.fig)
        else:
            self.fig.canvas.draw_idle()
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


def plot_gradient_field(points, grads, real=None, normal=(1.0, 0.0), offset: float = 0.0, levels=(0.0,), ax=None, title: str | None = None, scale: float | None = None):
    """Lesson 02: arrows of −∇_x (generator loss) at fake points, for a linear score s(x) = normal·x + offset.

    ``points`` and ``grads`` are (N, 2); arrows are drawn at true relative length
    (pass the same ``scale`` to compare panels) and coloured by the gradient's norm.
    Dashed lines mark the score levels in ``levels`` (e.g. the boundary s = 0).
    """
    points, grads = np.asarray(points, dtype=float), np.asarray(grads, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or grads.shape != points.shape:
        raise ValueError(f"points and grads must both have shape (N, 2), got {points.shape} and {grads.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5.5))
    if real is not None:
        real = np.asarray(real, dtype=float)
        ax.scatter(real[:, 0], real[:, 1], s=8, alpha=0.35, color="tab:blue", label="real data")
    norm = np.linalg.norm(grads, axis=1)
    arrows = ax.quiver(points[:, 0], points[:, 1], -grads[:, 0], -grads[:, 1], norm, cmap="viridis",
                       angles="xy", scale_units="xy", scale=scale, width=0.006)
    w = np.asarray(normal, dtype=float)
    x_lo, x_hi = points[:, 0].min(), points[:, 0].max()
    y_lo, y_hi = points[:, 1].min(), points[:, 1].max()
    for level in levels:  # the line w·x + offset = level
        if abs(w[1]) > 1e-12:
            xs = np.array([x_lo, x_hi])
            ax.plot(xs, (level - offset - w[0] * xs) / w[1], "k--", lw=2)
        else:
            x0 = (level - offset) / w[0]
            ax.plot([x0, x0], [y_lo, y_hi], "k--", lw=2, label=f"score = {level:g}")
    ax.set_xlim(x_lo - 0.5, x_hi + 0.5)
    ax.set_ylim(y_lo - 0.5, y_hi + 0.5)
    ax.set_aspect("equal")
    plt.colorbar(arrows, ax=ax, label="|∇ G loss|", shrink=0.8)
    if title:
        ax.set_title(title)
    return ax


def plot_decision_boundary(score, real, fake, probes=None, probe_grads=None, boundary: float = 0.0,
                           target: float | None = None, arrow_scale: float = 1.0, extent=(-4.0, 5.0, -4.0, 6.0),
                           ax=None, title: str | None = None):
    """Lesson 02, in the style of Mao et al. (2017) Fig. 1: a 2-D discriminator's decision boundary and the samples.

    ``score`` maps an (N, 2) NumPy array to N raw scores. The solid line is the decision
    boundary ``score = boundary``; a dashed line marks ``score = target`` (the level the
    generator aims at) when given. Real points are blue dots, the fakes D was trained on
    orange crosses, ``probes`` (fakes of interest) magenta stars, with arrows
    −``probe_grads`` × ``arrow_scale`` (the direction G's loss moves them; pass the same
    scale to compare panels). The background shows the score, clipped to its 2–98 % range.
    """
    real, fake = np.asarray(real, dtype=float), np.asarray(fake, dtype=float)
    for name, pts in (("real", real), ("fake", fake)):
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ValueError(f"{name} must have shape (N, 2), got {pts.shape}")
    if probes is not None:
        probes = np.asarray(probes, dtype=float)
        if probes.ndim != 2 or probes.shape[1] != 2:
            raise ValueError(f"probes must have shape (N, 2), got {probes.shape}")
        if probe_grads is not None and np.asarray(probe_grads).shape != probes.shape:
            raise ValueError(f"probe_grads must have the probes' shape {probes.shape}, got {np.asarray(probe_grads).shape}")
    if len(extent) != 4 or not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise ValueError(f"extent must be (x_lo, x_hi, y_lo, y_hi) with lo < hi, got {extent}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    gx, gy = np.meshgrid(np.linspace(extent[0], extent[1], 181), np.linspace(extent[2], extent[3], 201))
    z = np.asarray(score(np.stack([gx.ravel(), gy.ravel()], axis=1)), dtype=float).reshape(gx.shape)
    lo, hi = np.percentile(z, [2, 98])
    ax.contourf(gx, gy, np.clip(z, lo, hi), levels=20, cmap="coolwarm", alpha=0.35)
    ax.contour(gx, gy, z, levels=[boundary], colors="k", linewidths=2.5)
    handles = [plt.Line2D([], [], color="k", lw=2.5, label=f"decision boundary (score = {boundary:g})")]
    if target is not None:
        ax.contour(gx, gy, z, levels=[target], colors="k", linewidths=2, linestyles="--")
        handles.append(plt.Line2D([], [], color="k", lw=2, ls="--", label=f"G's target (score = {target:g})"))
    handles.append(ax.scatter(real[:, 0], real[:, 1], s=14, color="tab:blue", alpha=0.6, label="real"))
    handles.append(ax.scatter(fake[:, 0], fake[:, 1], s=18, marker="x", color="tab:orange", alpha=0.7, label="fakes D trained on"))
    if probes is not None:
        handles.append(ax.scatter(probes[:, 0], probes[:, 1], s=160, marker="*", color="magenta", edgecolor="k",
                                  zorder=5, label="fakes on the real side, far from the data"))
        if probe_grads is not None:
            g = -np.asarray(probe_grads, dtype=float) * arrow_scale
            ax.quiver(probes[:, 0], probes[:, 1], g[:, 0], g[:, 1], angles="xy", scale_units="xy", scale=1,
                      color="magenta", width=0.006, zorder=6)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.legend(handles=handles, fontsize="x-small", loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def plot_lsgan_identity(shifts, two_c, chi2, coding=None, axes=None, xlabel: str = "mean of $p_g$ ($p_d$ = N(0, 1))"):
    """Lesson 02: the two sides of 2C(G) = χ²_Pearson(p_d + p_g ‖ 2p_g) over a family of p_g, side by side.

    Left: 2C(G) for the coding (a, b, c) with χ² dashed for comparison; right: χ².
    Returns the two axes and the three line objects (for widgets that redraw in place).
    """
    shifts, two_c, chi2 = (np.asarray(v, dtype=float) for v in (shifts, two_c, chi2))
    if not (shifts.shape == two_c.shape == chi2.shape and shifts.ndim == 1):
        raise ValueError(f"shifts, two_c and chi2 must be 1-D of one length, got {shifts.shape}, {two_c.shape}, {chi2.shape}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
    left, right = axes
    label = "2C(G)" if coding is None else "2C(G), (a, b, c) = ({:g}, {:g}, {:g})".format(*coding)
    line_c, = left.plot(shifts, two_c, color="tab:red", label=label)
    line_ref, = left.plot(shifts, chi2, "k--", lw=1.5, label="χ² (right panel)")
    line_chi, = right.plot(shifts, chi2, color="tab:blue", label="χ²_Pearson(p_d + p_g ‖ 2p_g)")
    left.set_title("left side: 2C(G)")
    right.set_title("right side: Pearson χ²")
    for ax in axes:
        ax.set_xlabel(xlabel)
        ax.legend(fontsize="small", loc="upper center")
    return axes, (line_c, line_ref, line_chi)


# --------------------------------------------------------------------------- lesson 05: the mode-collapse arena


def _short_config(loss: str, reg: str) -> str:
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
        ax.set_yticks(range(len(configs)), [_short_config(*c) for c in configs] if ax is axes[0][0] else [])
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
    h = history.assign(config=[_short_config(l, r) for l, r in zip(history["loss"], history["regularizer"])])
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
