"""Figures of lesson 02: gradient fields, decision boundaries (the LSGAN paper's Figure 1 redrawn), the χ² identity."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


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
