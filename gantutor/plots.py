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
        ax.set_ylabel("σ_i / σ_1" if normalize else "σ_i")
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
    plt.colorbar(mesh, ax=ax, label="σ_i / σ_1")
    if title:
        ax.set_title(title, fontsize="medium")
    return ax
