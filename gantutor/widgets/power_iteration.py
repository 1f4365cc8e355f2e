"""Lesson 03's power-iteration explorer: rounds and the gap σ₂/σ₁ on sliders, errors on a log axis.

Why a class and not ``ipywidgets.interact`` over a plotting function: the interact version
rebuilt the test matrix (two QR factorizations), re-ran the power iteration from scratch for
every k = 1…rounds (rounds·(rounds+1)/2 rounds in all) and built, laid out (tight, twice:
``figure.autolayout`` and the inline backend's tight bounding box) and encoded a new figure on
every slider step. Measured with ``benchmarks/bench_widget_redraw.py``: about 0.4 s per step
on an idle core, and a mouse drag sends several steps, each queued behind the last, so the
figure in the browser changed only seconds after the drag. Here the matrix factors are made
once, one run of ``max_rounds`` rounds per gap gives every k (the error after k rounds of a
fresh run *is* the k-th iterate of one run from the same start) and is cached, and one figure
built and laid out once only gets new line data.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from gantutor.plots.style import log_ticks
from gantutor.widgets._common import (CONTROL_DESCRIPTION, control_layout, figure_png, figure_view, freeze_layout,
                                      wrapping_row)

LABEL_SIGMA, LABEL_DIR = "1 − σ̂/σ₁", "direction"


class PowerIterationExplorer:
    """Lesson 03: how fast power iteration converges, against the gap σ₂/σ₁.

    The test matrix M = U diag(S) Vᵀ (32 × 64) has σ₁ = 1, σ₂ = ``gap`` and the rest below
    ``gap``; U, V are fixed random orthogonal bases (seeds 3 and 4). For k = 1…``rounds`` the
    figure shows the σ̂ error 1 − σ̂/σ₁ and the direction error ‖v − (v·v₁)v₁‖ (the sine of the
    angle to the top right singular vector v₁) after k rounds started from u = (1,…,1), with
    the predicted rates gap^{4(k−1)} and gap^{2(k−1)} dotted. One round is torch's
    spectral_norm step (u = Wv/‖·‖, v = Wᵀu/‖·‖), the same as
    :func:`gantutor.spectral.power_iteration`.

    ``check``: optionally the learner's power iteration ``f(W, n_iter, u) -> (σ, u, v)``; its
    σ̂ after 1, ``rounds`` and ``max_rounds`` rounds must match this widget's curve (so the
    figure shows the learner's algorithm), else ValueError.

    >>> w = PowerIterationExplorer(); w.update(rounds=40, gap=0.8)["1 − σ̂/σ₁"]
    """

    def __init__(self, rounds: int = 20, gap: float = 0.9, max_rounds: int = 60, check=None):
        if not isinstance(max_rounds, int) or isinstance(max_rounds, bool) or not 2 <= max_rounds <= 500:
            raise ValueError(f"max_rounds must be an int in [2, 500], got {max_rounds!r}")
        self.max_rounds = max_rounds
        self._U, _ = torch.linalg.qr(torch.randn(32, 32, generator=torch.Generator().manual_seed(3), dtype=torch.float64))
        self._V, _ = torch.linalg.qr(torch.randn(64, 32, generator=torch.Generator().manual_seed(4), dtype=torch.float64))
        self._cache: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        self._silent = False
        self._laid_out = False
        self._build_figure()
        self._build_controls(rounds, gap)
        self.values: dict[str, float] = {}
        if check is not None:
            self._check_against(check)
        self.update()

    # ---------------------------------------------------------------- numbers
    def matrix(self, gap: float) -> torch.Tensor:
        """The 32 × 64 test matrix with σ₁ = 1 and σ₂ = ``gap``."""
        S = torch.cat([torch.tensor([1.0, gap]), gap * torch.linspace(0.9, 0.05, 30)]).double()
        return (self._U * S) @ self._V.T

    def errors(self, gap: float) -> tuple[np.ndarray, np.ndarray]:
        """(σ̂ errors, direction errors) after k = 1…max_rounds rounds, from one cached run per gap."""
        key = round(float(gap), 12)
        if key not in self._cache:
            M, v1 = self.matrix(gap), self._V[:, 0]
            u = torch.ones(32, dtype=torch.float64)
            u = u / u.norm()
            v = M.T @ u
            v = v / v.norm()
            e_s, e_d = np.empty(self.max_rounds), np.empty(self.max_rounds)
            for k in range(self.max_rounds):
                u = M @ v
                u = u / u.norm()
                v = M.T @ u
                v = v / v.norm()
                e_s[k] = 1 - (u @ M @ v).item()
                e_d[k] = (v - (v @ v1) * v1).norm().item()
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = (e_s, e_d)
        return self._cache[key]

    def _check_against(self, power_iteration) -> None:
        gap = float(self.sliders["gap"].value)
        e_s, _ = self.errors(gap)
        M = self.matrix(gap)
        for k in sorted({1, int(self.sliders["rounds"].value), self.max_rounds}):
            est = power_iteration(M, k, torch.ones(32, dtype=torch.float64))[0]
            theirs = 1 - float(est)
            if abs(theirs - e_s[k - 1]) > 1e-9 * max(1.0, abs(e_s[k - 1])) + 1e-12:
                raise ValueError(f"check: after {k} rounds the given power iteration has 1 − σ̂/σ₁ = {theirs:.3e}, "
                                 f"the widget {e_s[k - 1]:.3e}; the widget draws torch's spectral_norm rounds "
                                 "(u = Wv/‖Wv‖, v = Wᵀu/‖Wᵀu‖, σ̂ = uᵀWv, starting from v = Wᵀu₀/‖Wᵀu₀‖)")

    # ---------------------------------------------------------------- figure and controls
    def _build_figure(self) -> None:
        self.fig, self.ax = plt.subplots(figsize=(8, 4))
        plt.close(self.fig)  # shown through the Image widget only
        ax = self.ax
        self.lines = {}
        for j, label in enumerate((LABEL_SIGMA, LABEL_DIR)):
            (self.lines[label],) = ax.semilogy([1, 2], [1, 1], color=f"C{j}", lw=3, label=label)
            (self.lines[label + " rate"],) = ax.semilogy([1, 2], [1, 1], color=f"C{j}", ls=":", lw=2.5)
        ax.set(xlabel="rounds k", ylabel="error")
        log_ticks(ax)
        ax.legend(fontsize="small", loc="lower left")

    def _build_controls(self, rounds: int, gap: float) -> None:
        common = dict(style=CONTROL_DESCRIPTION, continuous_update=True)
        self.sliders = {
            "rounds": widgets.IntSlider(value=1, min=1, max=self.max_rounds, description="rounds",
                                        layout=control_layout("280px"), **common),
            "gap": widgets.FloatSlider(value=0.5, min=0.1, max=0.995, step=0.005, description="gap σ₂/σ₁",
                                       readout_format=".3f", layout=control_layout("280px"), **common),
        }
        self._set(rounds=rounds, gap=gap)
        for s in self.sliders.values():
            s.observe(self._on_slider, names="value")
        self.image = figure_view(b"")
        self.widget = widgets.VBox([wrapping_row(self.sliders.values()), self.image], layout=widgets.Layout(width="100%"))
        self.widget.add_class("gantutor-explorer")

    def _set(self, **params) -> None:
        unknown = set(params) - {"rounds", "gap"}
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}: allowed are rounds, gap")
        if "rounds" in params:
            r = params["rounds"]
            if not isinstance(r, (int, np.integer)) or isinstance(r, bool) or not 1 <= r <= self.max_rounds:
                raise ValueError(f"rounds must be an int in [1, {self.max_rounds}], got {r!r}")
        if "gap" in params:
            g = params["gap"]
            if not isinstance(g, (int, float)) or isinstance(g, bool) or not 0.1 <= g <= 0.995:
                raise ValueError(f"gap must be a number in [0.1, 0.995], got {g!r}")
        self._silent = True
        try:
            for key, value in params.items():
                self.sliders[key].value = value
        finally:
            self._silent = False

    def _on_slider(self, change) -> None:
        if not self._silent:
            self.update()

    def update(self, **params) -> dict[str, float]:
        """Set ``rounds`` and/or ``gap`` (or read the sliders) and redraw; returns the numbers shown."""
        self._set(**params)
        rounds, gap = int(self.sliders["rounds"].value), float(self.sliders["gap"].value)
        e_s, e_d = (e[:rounds] for e in self.errors(gap))
        k = np.arange(1, rounds + 1)
        floor = 1e-17  # float64 round-off: clipped so the log axis stays readable (as plot_convergence)
        for label, e, power in ((LABEL_SIGMA, e_s, 4), (LABEL_DIR, e_d, 2)):
            self.lines[label].set_data(k, np.maximum(e, floor))
            self.lines[label + " rate"].set_data(k, np.maximum(e[0] * gap ** (power * (k - 1)), floor))
        lo = max(floor, min(e_s.min(), e_d.min()))
        hi = max(e_s.max(), e_d.max(), 1e-16)
        self.ax.set_xlim(0.5, rounds + 0.5)
        self.ax.set_ylim(lo / 3, hi * 3)
        self.ax.set_title(f"after {rounds} rounds: 1 − σ̂/σ₁ = {e_s[-1]:.1e}", fontsize="medium")
        self.values = {"rounds": rounds, "gap": gap, LABEL_SIGMA: float(e_s[-1]), LABEL_DIR: float(e_d[-1])}
        if not self._laid_out:
            freeze_layout(self.fig)
            self._laid_out = True
        self.image.value = figure_png(self.fig)
        return self.values

    # ---------------------------------------------------------------- display
    def show(self) -> None:
        """Display the sliders and the figure (in a notebook), once; returns None so a cell shows it once."""
        from IPython.display import display

        display(self.widget)

    def _ipython_display_(self):
        self.show()
