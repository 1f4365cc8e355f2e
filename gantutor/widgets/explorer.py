"""Lesson 01's explorer: move p_g with sliders and watch D*, C(G) = V(D*, G) and JSD."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from gantutor.widgets._common import (CONTROL_DESCRIPTION, control_layout, figure_png, figure_view, freeze_layout,
                                      wrapping_row)


class OptimalDiscriminatorExplorer:
    """Lesson 01: move p_g with sliders and watch D*, C(G) = V(D*, G) and JSD(p_data ‖ p_g).

    p_g = w·N(μ − s/2, σ²) + (1 − w)·N(μ + s/2, σ²): ``mean`` μ, ``spread`` σ, ``split`` s
    (0 gives a single Gaussian) and ``weight`` w. The left panel shows p_data, p_g and
    D* = p_data/(p_data + p_g); the right panel shows C(G) against p_g's mean (the other
    sliders fixed) with the current p_g marked, above the floor −log 4.
    One figure is built once; :meth:`update` only changes line data and replaces the
    image shown by :attr:`widget`. Display it with ``explorer.show()`` or as a cell's last
    value (either shows it once).

    >>> w = OptimalDiscriminatorExplorer(); w.update(mean=1.0, spread=0.6); w.values
    """

    def __init__(self, p_data=None, mean: float = 0.0, spread: float = 1.0, split: float = 0.0, weight: float = 0.5,
                 x=None, mean_range=(-4.0, 4.0)):
        from gantutor import densities as dn

        self._dn = dn
        self.p_data = p_data if p_data is not None else dn.mixture([-2.0, 2.0], [0.5, 0.5])
        if not isinstance(self.p_data, dn.Density):
            raise ValueError(f"p_data must be a gantutor.densities.Density, got {type(self.p_data).__name__}")
        self.x = np.linspace(-8, 8, 1601) if x is None else np.asarray(x, dtype=np.float64)
        self.pd = self.p_data(self.x)
        self.sweep = np.linspace(*mean_range, 81)
        self._silent = False
        self._laid_out = False
        self._build_figure(mean_range)
        self._build_controls(mean, spread, split, weight, mean_range)
        self.values: dict[str, float] = {}
        self.update()

    # ---------------------------------------------------------------- figure
    def _build_figure(self, mean_range) -> None:
        self.fig, (self.ax, self.ax_c) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 2]})
        plt.close(self.fig)  # shown through the Image widget only
        ax = self.ax
        ax.fill_between(self.x, self.pd, color="0.2", alpha=0.25, lw=0)
        ax.plot(self.x, self.pd, color="0.15", lw=2.5, label=r"$p_{data}$")
        (self.line_pg,) = ax.plot([], [], color="tab:green", lw=2.5, label=r"$p_g$")
        (self.line_d,) = ax.plot([], [], color="tab:red", lw=2.5, ls="--", label=r"$D^*(x)$")
        ax.axhline(0.5, color="0.5", lw=1, ls=":")
        ax.set(xlim=(self.x[0], self.x[-1]), ylim=(0, 1.05), xlabel="x")
        ax.legend(loc="upper right", fontsize="small")
        self.ax_c.axhline(-np.log(4), color="0.4", ls=":", lw=1.5, label=r"$-\log 4$")
        (self.line_c,) = self.ax_c.plot([], [], color="tab:purple", lw=2.5, label="C(G) vs μ")
        (self.dot_c,) = self.ax_c.plot([], [], "o", color="tab:red", ms=12)
        self.ax_c.set(xlim=mean_range, xlabel="mean μ of $p_g$", ylabel="C(G)", ylim=(-np.log(4) - 0.05, 0.05))
        self.ax_c.legend(loc="lower right", fontsize="small")

    # ---------------------------------------------------------------- controls
    def _build_controls(self, mean, spread, split, weight, mean_range) -> None:
        common = dict(style=CONTROL_DESCRIPTION, continuous_update=True)
        self.sliders = {
            "mean": widgets.FloatSlider(value=mean, min=mean_range[0], max=mean_range[1], step=0.05,
                                        description="mean μ", layout=control_layout("280px"), **common),
            "spread": widgets.FloatSlider(value=spread, min=0.2, max=3.0, step=0.05, description="spread σ",
                                          layout=control_layout("280px"), **common),
            "split": widgets.FloatSlider(value=split, min=0.0, max=6.0, step=0.1, description="split s",
                                         layout=control_layout("280px"), **common),
            "weight": widgets.FloatSlider(value=weight, min=0.0, max=1.0, step=0.05, description="weight w",
                                          layout=control_layout("280px"), **common),
        }
        for s in self.sliders.values():
            s.observe(self._on_slider, names="value")
        self.image = figure_view(b"")
        self.controls = wrapping_row(self.sliders.values())
        self.widget = widgets.VBox([self.controls, self.image], layout=widgets.Layout(width="100%"))
        self.widget.add_class("gantutor-explorer")

    def _on_slider(self, change) -> None:
        if not self._silent:
            self.update()

    # ---------------------------------------------------------------- state → numbers → figure
    def _p_g(self, mean, spread, split, weight):
        return self._dn.mixture([mean - split / 2, mean + split / 2], [spread, spread], [weight + 1e-12, 1 - weight + 1e-12])

    def _c_of_means(self, spread, split, weight) -> np.ndarray:
        # C(G) for every μ of the sweep at once: p_g on a (means × grid) array
        dn, x = self._dn, self.x
        half = split / 2
        z = lambda c: np.exp(-0.5 * ((x[None, :] - c[:, None]) / spread) ** 2) / (spread * np.sqrt(2 * np.pi))  # noqa: E731
        w = min(max(weight, 1e-12), 1 - 1e-12)
        pg = w * z(self.sweep - half) + (1 - w) * z(self.sweep + half)
        return np.array([dn.virtual_criterion(self.pd, row, x) for row in pg])

    def update(self, **params) -> dict[str, float]:
        """Set any of mean / spread / split / weight (or read the sliders) and redraw; returns the numbers shown."""
        unknown = set(params) - set(self.sliders)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}: allowed are {', '.join(self.sliders)}")
        for key, value in params.items():
            slider = self.sliders[key]
            if not slider.min <= value <= slider.max:
                raise ValueError(f"{key} must lie in [{slider.min}, {slider.max}], got {value}")
        self._silent = True  # move the sliders without one redraw per slider
        try:
            for key, value in params.items():
                self.sliders[key].value = value
        finally:
            self._silent = False
        v = {k: float(s.value) for k, s in self.sliders.items()}
        dn, x = self._dn, self.x
        pg = self._p_g(v["mean"], v["spread"], v["split"], v["weight"])(x)
        d_star = dn.optimal_discriminator(self.pd, pg)
        c = dn.virtual_criterion(self.pd, pg, x)
        j = dn.jsd(self.pd, pg, x)
        self.line_pg.set_data(x, pg)
        self.line_d.set_data(x, d_star)
        self.ax.set_ylim(0, max(1.05, 1.05 * pg.max()))
        self.line_c.set_data(self.sweep, self._c_of_means(v["spread"], v["split"], v["weight"]))
        self.dot_c.set_data([v["mean"]], [c])
        # over both panels: as the left panel's title it was wider than the panel and got cut off
        self.fig.suptitle(f"V(D*, G) = {c:+.3f}   JSD = {j:.3f}   (−log 4 + 2·JSD = {-np.log(4) + 2 * j:+.3f})",
                          fontsize="large")
        self.values = {**v, "V(D*,G)": c, "JSD": j}
        if not self._laid_out:
            freeze_layout(self.fig)
            self._laid_out = True
        self.image.value = figure_png(self.fig)
        return self.values

    # ---------------------------------------------------------------- display
    def show(self) -> None:
        """Display the sliders and the figure (in a notebook), once.

        Returns None on purpose: returning the explorer made a cell ending in
        ``explorer.show()`` display it a second time.
        """
        from IPython.display import display

        display(self.widget)

    def _ipython_display_(self):
        self.show()
