"""Lesson 05's playground, the figure: a :class:`Frame` (plain numbers read from the
playground's state) and :class:`PlaygroundFigure`, which draws a Frame.

The split makes the picture a function of the numbers alone: :func:`frame_of` reads a
playground without changing it (no training step, no random number taken from a shared
stream), and ``PlaygroundFigure.draw(frame)`` shows exactly that frame — it reuses its
matplotlib artists between calls for speed, but two figures given the same frame produce
the same PNG bytes whatever they drew before (tests/test_playground.py checks this).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gantutor.widgets._common import figure_png

GRID_LINES = 11    # latent grid: lines of constant z1 and of constant z2
N_FAKE = 300       # fake samples (and arrows) drawn
N_REAL = 500       # real samples drawn
HEAT = 80          # D-score heat map resolution


@dataclass(frozen=True)
class Frame:
    """Everything one playground picture shows, as NumPy arrays and numbers."""

    lim: float                 # the square window [-lim, lim]²
    heat: np.ndarray           # (HEAT, HEAT) D's raw score on the window
    real: np.ndarray           # (N_REAL, 2) real samples (fixed seed)
    fake: np.ndarray           # (N_FAKE, 2) G's samples from a fixed z
    push: np.ndarray           # (N_FAKE, 2) −∇_x G's loss at each fake sample
    warped: np.ndarray         # (2·GRID_LINES, 25, 2) the latent grid's lines mapped through G
    steps: np.ndarray          # training steps with a logged loss
    d_loss: np.ndarray
    g_loss: np.ndarray
    eval_steps: np.ndarray     # steps where modes were counted
    modes: np.ndarray
    n_modes: int
    title: str


def frame_of(gan, history: dict, metrics: dict, settings: dict) -> Frame:
    """Read a :class:`~gantutor.toy.ToyGAN` (and the playground's history) into a Frame; changes nothing."""
    mixture = gan.mixture
    lim = float(mixture.centers.abs().max()) * 1.35 + 0.5
    g = torch.Generator().manual_seed(0)
    z = torch.randn(N_FAKE, gan.z_dim, generator=g)
    real = mixture.sample(N_REAL, g)
    line, ticks = torch.linspace(-2.5, 2.5, 25), torch.linspace(-2.5, 2.5, GRID_LINES)
    rows = torch.stack(torch.meshgrid(ticks, line, indexing="ij"), -1)  # lines of constant z1
    grid_z = torch.cat([rows, rows.flip(-1)]).reshape(-1, 2)              # … and of constant z2
    xs = torch.linspace(-lim, lim, HEAT)
    yy, xx = torch.meshgrid(xs, xs, indexing="ij")
    heat = gan.scores(torch.stack([xx.flatten(), yy.flatten()], 1))[0].reshape(HEAT, HEAT)
    with torch.no_grad():
        fake = gan.G(z[None])[0]
        warped = gan.G(grid_z[None])[0].reshape(2 * GRID_LINES, 25, 2)
    fake.requires_grad_(True)
    # where G's loss pushes each fake sample: −∇_x g_loss(D(x)); only x gets a gradient, D's weights none
    (grad,) = torch.autograd.grad(gan.loss.g_loss(gan.D(fake[None]).squeeze(-1)), fake)
    title = (f"step {metrics['step']}  ·  {settings['loss']} / {settings['regularizer']}  ·  "
             f"modes {metrics['modes']}/{metrics['n_modes']}  ·  high quality {metrics['high_quality']:.0%}")
    arr = lambda key: np.asarray(history[key], dtype=float)  # noqa: E731
    return Frame(lim=lim, heat=heat.numpy(), real=real.numpy(), fake=fake.detach().numpy(), push=(-grad).numpy(),
                 warped=warped.numpy(), steps=arr("step"), d_loss=arr("d_loss"), g_loss=arr("g_loss"),
                 eval_steps=arr("eval_step"), modes=arr("modes"), n_modes=int(mixture.n_modes), title=title)


class PlaygroundFigure:
    """Four panels (D score with samples and G's push, warped latent grid, losses, modes) drawn from a Frame."""

    def __init__(self, figsize=(13, 3.9), dpi: float = 90):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        # fixed margins, not the course style's tight layout: a layout pass per frame would cost
        # time and make the picture depend on the frame drawn before
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="none")
        FigureCanvasAgg(self.fig)
        self.axes = self.fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1.1, 1.1]})
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.12, top=0.82, wspace=0.2)
        self._layout = None  # (lim, n_modes) the artists were made for

    def _init_artists(self, f: Frame) -> None:
        from matplotlib.collections import LineCollection

        for ax in self.axes:
            ax.clear()
        lim, win = f.lim, (-f.lim, f.lim)
        ax = self.axes[0]
        self._im = ax.imshow(f.heat, origin="lower", extent=(*win, *win), cmap="RdBu_r", alpha=0.75)
        self._real0 = ax.scatter(f.real[:, 0], f.real[:, 1], s=6, c="0.25", label="real")
        self._fake = ax.scatter(f.fake[:, 0], f.fake[:, 1], s=8, c="tab:orange", label="fake")
        self._quiver = ax.quiver(f.fake[:, 0], f.fake[:, 1], f.push[:, 0], f.push[:, 1], color="k", angles="xy",
                                 scale_units="xy", scale=1.0, width=0.004, alpha=0.6)
        ax.set(xlim=win, ylim=win, title="D score, samples, G's push", xticks=[], yticks=[])
        ax.set_aspect("equal")
        ax = self.axes[1]
        self._real1 = ax.scatter(f.real[:, 0], f.real[:, 1], s=4, c="0.6")
        colors = ["tab:blue"] * GRID_LINES + ["tab:green"] * GRID_LINES
        self._warp = ax.add_collection(LineCollection(list(f.warped), colors=colors, linewidths=1))
        ax.set(xlim=win, ylim=win, title="G's warped latent grid", xticks=[], yticks=[])
        ax.set_aspect("equal")
        ax = self.axes[2]
        (self._dline,) = ax.plot([], [], label="D loss")
        (self._gline,) = ax.plot([], [], label="G loss")
        ax.set(title="losses", xlabel="step")
        ax.legend(fontsize=9, loc="upper right")
        ax = self.axes[3]
        (self._mline,) = ax.plot([], [], "o-", ms=3, color="tab:purple")
        ax.set(ylim=(-0.3, f.n_modes + 0.3), title=f"modes covered (of {f.n_modes})", xlabel="step")
        for ax in self.axes:  # sizes of their own: the same picture with or without the course style
            ax.title.set_fontsize(13)
            ax.xaxis.label.set_fontsize(11)
            ax.tick_params(labelsize=10)
        self._layout = (lim, f.n_modes)

    def draw(self, f: Frame):
        """Show frame ``f``; returns the matplotlib Figure."""
        if self._layout != (f.lim, f.n_modes):
            self._init_artists(f)
        self._im.set_data(f.heat)
        bound = float(np.abs(f.heat).max()) or 1.0
        self._im.set_clim(-bound, bound)
        self._real0.set_offsets(f.real)
        self._real1.set_offsets(f.real)
        self._fake.set_offsets(f.fake)
        norm = float(np.linalg.norm(f.push, axis=1).max())
        scale = 0.12 * f.lim / norm if norm > 0 else 0.0  # longest arrow = 12% of the window
        self._quiver.set_offsets(f.fake)
        self._quiver.set_UVC(f.push[:, 0] * scale, f.push[:, 1] * scale)
        self._warp.set_segments(list(f.warped))
        self._dline.set_data(f.steps, f.d_loss)
        self._gline.set_data(f.steps, f.g_loss)
        self._mline.set_data(f.eval_steps, f.modes)
        last = max([1.0] + [float(a.max()) for a in (f.steps, f.eval_steps) if a.size])
        for ax in self.axes[2:]:  # one step axis for both panels, from 0 to the last step
            ax.set_xlim(0, last)
        loss_ax = self.axes[2]
        if f.steps.size:
            loss_ax.relim()
            loss_ax.autoscale_view(scalex=False)
        else:
            loss_ax.set_ylim(0, 1, auto=True)  # nothing trained yet; autoscaling stays on for later frames
        self.fig.suptitle(f.title, fontsize=14)
        return self.fig

    def png(self, f: Frame) -> bytes:
        """Draw ``f`` and return it as PNG bytes (what the widget shows)."""
        return figure_png(self.draw(f))
