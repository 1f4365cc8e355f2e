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
