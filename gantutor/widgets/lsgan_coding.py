"""Lesson 02's coding widget: LSGAN's codes a, b, c and the identity 2C(G) = χ²(p_d + p_g ‖ 2p_g)."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from gantutor.widgets._common import (CONTROL_DESCRIPTION, control_layout, figure_png, figure_view, freeze_layout,
                                      wrapping_row)


class LSGANCodingWidget:
    """Lesson 02: sliders for LSGAN's codes a, b, c and the identity 2C(G) = χ²(p_d + p_g ‖ 2p_g).

    p_d = N(0, 1) and p_g = N(μ, sigma_g²) for a range of shifts μ; the left panel shows
    2C(G) for the chosen coding, the right one the Pearson χ² (both by quadrature).
    Buttons set the paper's two practical codings. Drive it from code with
    :meth:`set_codes` (what the tests do); :attr:`result` holds the last computation.

    a = b is a degenerate coding: D's targets for real and fake coincide, so D* ≡ a and
    2C(G) = 2(a − c)² for every p_g (flat: G gets no signal). The widget draws that flat
    line and says so in the figure and the text, instead of failing.
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
        # figure: the library's static plot, whose lines are then updated in place
        self.fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
        plt.close(self.fig)  # shown through the Image widget only
        self.axes, self.lines = plot_lsgan_identity(self.shifts, self.chi2, self.chi2, coding=(a, b, c), axes=axes)
        self._left_title = self.axes[0].get_title()
        self._note = self.axes[0].text(0.5, 0.4, "", transform=self.axes[0].transAxes, ha="center", va="center",
                                       fontsize="small", color="#b00", wrap=True,
                                       bbox=dict(boxstyle="round", facecolor="white", edgecolor="#b00"))
        # controls
        slider = dict(min=-3.0, max=3.0, step=0.1, continuous_update=False, readout_format=".1f",
                      style=CONTROL_DESCRIPTION)
        self.sliders = {k: widgets.FloatSlider(value=float(v), description=k, layout=control_layout("240px"), **slider)
                        for k, v in zip("abc", (a, b, c))}
        self.buttons = []
        for name, codes in self.PRESETS.items():
            button = widgets.Button(description=name, layout=widgets.Layout(width="auto", min_width="220px"))
            button.on_click(lambda _, codes=codes: self.set_codes(*codes))
            self.buttons.append(button)
        self.status = widgets.HTML()
        self.image = figure_view(b"")
        self.result: dict = {}
        self._hold = False
        self._laid_out = None
        for s in self.sliders.values():
            s.observe(self.update, names="value")
        self.widget = widgets.VBox([wrapping_row(self.sliders.values()), wrapping_row(self.buttons), self.status,
                                    self.image], layout=widgets.Layout(width="100%"))
        self.widget.add_class("gantutor-lsgan-coding")
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

    def _compute(self, a: float, b: float, c: float) -> dict:
        if a == b:  # degenerate: D* ≡ a, so 2C(G) = ½·2·∫(p_d + p_g)(a − c)² = 2(a − c)², whatever p_g is
            flat = np.full_like(self.chi2, 2.0 * (a - c) ** 2)
            return {"codes": (a, b, c), "valid": False, "two_c": flat, "chi2": self.chi2}
        dv = self._dv
        two_c = np.array([2 * dv.lsgan_g_objective(self.p_d, p, self.x, a, b, c) for p in self.p_gs])
        scale, offset = dv.lsgan_chi2_coefficients(a, b, c)
        return {"codes": (a, b, c), "valid": True, "two_c": two_c, "chi2": self.chi2,
                "max_gap": float(np.max(np.abs(two_c - self.chi2))), "scale": scale, "offset": offset,
                "conditions_hold": dv.identity_conditions_hold(a, b, c),
                "argmin_shift": float(self.shifts[int(np.argmin(two_c))])}

    def update(self, *_) -> dict:
        """Recompute 2C(G) for the sliders' coding and redraw; returns :attr:`result`."""
        if self._hold:
            return self.result
        a, b, c = (self.sliders[k].value for k in "abc")
        r = self.result = self._compute(a, b, c)
        left = self.axes[0]
        line_c = self.lines[0]
        line_c.set_ydata(r["two_c"])
        line_c.set_label(f"2C(G), (a, b, c) = ({a:g}, {b:g}, {c:g})")
        left.legend(fontsize="small", loc="upper center")
        top = max(float(np.max(r["two_c"])), float(np.max(self.chi2)))
        low = min(float(np.min(r["two_c"])), 0.0)
        left.set_ylim(low - 0.05 * (top - low + 1e-9), top + 0.45 * (top - low + 1e-9))  # room for the legend
        if r["valid"]:
            verdict = "identity holds" if r["max_gap"] < 1e-6 else "identity fails"
            left.set_title(self._left_title)
            self._note.set_text("")
            self.status.value = (
                f"b − c = {b - c:g}, b − a = {b - a:g} → <b>{verdict}</b> (max |2C − χ²| = {r['max_gap']:.2g}); "
                f"for every coding 2C(G) = {r['scale']:.3g}·χ² + {r['offset']:.3g}, minimised at μ = {r['argmin_shift']:g}"
            )
        else:
            left.set_title(f"a = b = {a:g}: degenerate coding")
            self._note.set_text(f"a = b: D's targets for fake and real coincide,\nso D* ≡ {a:g} and "
                                f"2C(G) = 2(a − c)² = {2 * (a - c) ** 2:g} for every $p_g$.\n"
                                "The curve is flat: G gets no signal.")
            self.status.value = ("<b style='color:#b00'>a must differ from b: with a = b the discriminator's targets "
                                 "for fakes and reals coincide, D cannot tell them apart and 2C(G) is the constant "
                                 f"2(a − c)² = {2 * (a - c) ** 2:g} (flat line in the figure).</b>")
        layout_key = (len(f"{low:.1f}"), len(f"{top:.1f}"))  # wider tick labels need a new layout
        if self._laid_out != layout_key:
            freeze_layout(self.fig)
            self._laid_out = layout_key
        self.image.value = figure_png(self.fig)
        return self.result

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
