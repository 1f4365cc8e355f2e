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
