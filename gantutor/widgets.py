"""Interactive controls for the lessons (ipywidgets + matplotlib).

Each widget exists after the learner has seen the static version of its figure, and
responds in well under a second so it can be dragged live in a lecture. Everything
here can also be created and driven from code, which is how the tests use it.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch


class LSGANCodingWidget:
    """Lesson 02: sliders for LSGAN's codes a, b, c and the identity 2C(G) = χ²(p_d + p_g ‖ 2p_g).

    p_d = N(0, 1) and p_g = N(μ, sigma_g²) for a range of shifts μ; the left panel shows
    2C(G) for the chosen coding, the right one the Pearson χ² (both by quadrature).
    Buttons set the paper's two practical codings. Drive it from code with
    :meth:`set_codes` (what the tests do); :attr:`result` holds the last computation.
    """

    PRESETS = {"−1 / 1 / 0  (χ² coding)": (-1.0, 1.0, 0.0), "0 / 1 / 1": (0.0, 1.0, 1.0)}

    def __init__(self, a: float = -1.0, b: float = 1.0, c: float = 0.0, shifts=None, sigma_g: float = 1.0, n_grid: int = 4001):
        from gantutor import divergences as dv
        from gantutor.plots import plot_lsgan_identity

        if not (isinstance(sigma_g, (int, float)) and sigma_g > 0):
            raise ValueError(f"sigma_g must be a positive number, got {sigma_g!r}")
        self._dv = dv
        self.shifts = np.linspace(-3.0, 3.0, 61) if shifts is None else np.asarray(shifts, dtype=float)
        if self.shifts.ndim != 1 or self.shifts.size < 2:
            raise ValueError("shifts must be a 1-D array of at least two means for p_g")
        self.x = dv.grid(-12.0, 12.0, n_grid)
        self.p_d = dv.gaussian(self.x, 0.0, 1.0)
        self.p_gs = [dv.gaussian(self.x, m, sigma_g) for m in self.shifts]
        # χ² does not depend on the coding: compute it once
        self.chi2 = np.array([dv.pearson_chi2(self.p_d + p, 2 * p, self.x) for p in self.p_gs])
        slider = dict(min=-3.0, max=3.0, step=0.1, continuous_update=False, readout_format=".1f")
        self.sliders = {k: widgets.FloatSlider(value=float(v), description=k, **slider) for k, v in zip("abc", (a, b, c))}
        self.buttons = []
        for name, codes in self.PRESETS.items():
            button = widgets.Button(description=name, layout=widgets.Layout(width="220px"))
            button.on_click(lambda _, codes=codes: self.set_codes(*codes))
            self.buttons.append(button)
        self.status = widgets.HTML()
        self.out = widgets.Output()
        self.fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
        plt.close(self.fig)  # shown through self.out only
        self.axes, self.lines = plot_lsgan_identity(self.shifts, self.chi2, self.chi2, coding=(a, b, c), axes=axes)
        self.result: dict = {}
        self._hold = False
        for s in self.sliders.values():
            s.observe(self.update, names="value")
        self.widget = widgets.VBox([widgets.HBox(list(self.sliders.values())), widgets.HBox(self.buttons), self.status, self.out])
        self.update()

    def set_codes(self, a: float, b: float, c: float) -> dict:
        """Move the three sliders at once (one redraw) and return :attr:`result`."""
        self._hold = True
        try:
            for key, value in zip("abc", (a, b, c)):
                self.sliders[key].value = float(value)
        finally:
            self._hold = False
        return self.update()

    def update(self, *_) -> dict:
        """Recompute 2C(G) for the sliders' coding and redraw; returns :attr:`result`."""
        if self._hold:
            return self.result
        a, b, c = (self.sliders[k].value for k in "abc")
        if a == b:
            self.result = {"codes": (a, b, c), "valid": False}
            self.status.value = "<b style='color:#b00'>a must differ from b: D could not tell fakes from reals.</b>"
            return self.result
        dv = self._dv
        two_c = np.array([2 * dv.lsgan_g_objective(self.p_d, p, self.x, a, b, c) for p in self.p_gs])
        scale, offset = dv.lsgan_chi2_coefficients(a, b, c)
        gap = float(np.max(np.abs(two_c - self.chi2)))
        holds = dv.identity_conditions_hold(a, b, c)
        self.result = {"codes": (a, b, c), "valid": True, "two_c": two_c, "chi2": self.chi2, "max_gap": gap,
                       "scale": scale, "offset": offset, "conditions_hold": holds,
                       "argmin_shift": float(self.shifts[int(np.argmin(two_c))])}
        line_c, _, _ = self.lines
        line_c.set_ydata(two_c)
        line_c.set_label(f"2C(G), (a, b, c) = ({a:g}, {b:g}, {c:g})")
        left = self.axes[0]
        left.legend(fontsize="small", loc="upper center")
        top = max(float(np.max(two_c)), float(np.max(self.chi2)))
        low = min(float(np.min(two_c)), 0.0)
        left.set_ylim(low - 0.05 * (top - low + 1e-9), top + 0.1 * (top - low + 1e-9))
        verdict = "identity holds" if gap < 1e-6 else "identity fails"
        self.status.value = (
            f"b − c = {b - c:g}, b − a = {b - a:g} → <b>{verdict}</b> (max |2C − χ²| = {gap:.2g}); "
            f"for every coding 2C(G) = {scale:.3g}·χ² + {offset:.3g}, minimised at μ = {self.result['argmin_shift']:g}"
        )
        with self.out:
            from IPython.display import clear_output, display

            clear_output(wait=True)
            display(self.fig)
        return self.result

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
