"""The course style (projector-readable), sample grids, training curves and log axes: used by every lesson."""

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
