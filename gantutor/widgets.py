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


# --------------------------------------------------------------------------- lesson 05: the GAN playground


class Playground:
    """A GAN-Lab-style playground for 2-D GANs: pick data, loss, regularizer, learning
    rates, n_dis, width and batch size; play, pause or step; watch five live panels.

    Panels: real (grey) and fake (orange) samples over the discriminator's score
    heat-map with arrows showing where the generator's loss pushes each fake sample;
    the generator's warped latent grid; the two losses; modes covered over time.
    Works headless (``Playground(loss="lsgan").step(200).metrics``); in Jupyter,
    ``Playground().widget()`` (or just displaying it) adds the controls. Frames are
    rendered to PNG with matplotlib's Agg canvas and the artists are updated in place,
    so one redraw takes a fraction of a second and needs no interactive backend.
    """

    DEFAULTS = dict(data="ring", loss="nonsaturating", regularizer="none", lr_g=1e-3, lr_d=1e-3, n_dis=1,
                    width=64, batch_size=128, seed=0, steps_per_frame=20, eval_every=20, n_eval=500)
    _REBUILD = ("data", "loss", "regularizer", "width", "seed")

    def __init__(self, **settings):
        unknown = set(settings) - set(self.DEFAULTS)
        if unknown:
            raise ValueError(f"unknown Playground settings {sorted(unknown)}; allowed are {sorted(self.DEFAULTS)}")
        self.settings = {**self.DEFAULTS, **settings}
        self._fig = None
        self._ui = None
        self._build()

    # ---------------------------------------------------------------- model and metrics
    def _build(self) -> None:
        from gantutor.toy import ToyGAN

        s = self.settings
        self.gan = ToyGAN(s["data"], s["loss"], s["regularizer"], seeds=[s["seed"]], width=s["width"],
                          batch_size=s["batch_size"], lr_g=s["lr_g"], lr_d=s["lr_d"], n_dis=s["n_dis"])
        self.history = {"step": [], "d_loss": [], "g_loss": [], "eval_step": [], "modes": []}
        self._last = {"modes": 0, "high_quality": 0.0, "reverse_kl": float("inf")}
        self._evaluate()
        if self._fig is not None:
            self._init_artists()

    def set(self, **changes) -> "Playground":
        """Change settings; data, loss, regularizer, width or seed restart training, the rest apply live."""
        unknown = set(changes) - set(self.DEFAULTS)
        if unknown:
            raise ValueError(f"unknown Playground settings {sorted(unknown)}; allowed are {sorted(self.DEFAULTS)}")
        old = dict(self.settings)
        self.settings.update(changes)
        if any(k in changes for k in self._REBUILD):
            try:
                self._build()
            except ValueError:
                self.settings = old  # a bad name leaves the running model untouched
                raise
        else:
            self.gan.set_lr(self.settings["lr_g"], self.settings["lr_d"])
            self.gan.n_dis, self.gan.batch_size = int(self.settings["n_dis"]), int(self.settings["batch_size"])
        return self

    def reset(self) -> "Playground":
        """Start training again from fresh networks with the current settings."""
        self._build()
        return self

    def _evaluate(self) -> None:
        from gantutor.toy import mode_coverage

        cov = mode_coverage(self.gan.sample(self.settings["n_eval"])[0], self.gan.mixture)
        self._last = cov
        self.history["eval_step"].append(self.gan.steps)
        self.history["modes"].append(cov["modes"])

    def step(self, n: int = 1) -> "Playground":
        """Train ``n`` iterations (each: n_dis D updates, one G update); returns self."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a non-negative int, got {n!r}")
        for _ in range(n):
            out = self.gan.step(1)
            self.history["step"].append(self.gan.steps)
            self.history["d_loss"].append(out["d_loss"])
            self.history["g_loss"].append(out["g_loss"])
            if self.gan.steps % self.settings["eval_every"] == 0:
                self._evaluate()
        return self

    @property
    def metrics(self) -> dict:
        """Current step, last losses, and the latest mode coverage (modes, high_quality, reverse_kl)."""
        h = self.history
        return {"step": self.gan.steps, "d_loss": h["d_loss"][-1] if h["d_loss"] else float("nan"),
                "g_loss": h["g_loss"][-1] if h["g_loss"] else float("nan"), "n_modes": self.gan.mixture.n_modes,
                **self._last}

    # ---------------------------------------------------------------- drawing
    def _frame_data(self):
        gan, lim = self.gan, self._lim
        xs = torch.linspace(-lim, lim, 80)
        yy, xx = torch.meshgrid(xs, xs, indexing="ij")
        heat = gan.scores(torch.stack([xx.flatten(), yy.flatten()], 1))[0].reshape(80, 80)
        fake = gan.G(self._z[None])[0].detach()
        fake.requires_grad_(True)
        # where G's loss pushes each fake sample: −∇_x g_loss(D(x))
        (grad,) = torch.autograd.grad(gan.loss.g_loss(gan.D(fake[None]).squeeze(-1)), fake)
        with torch.no_grad():
            warped = gan.G(self._grid_z[None])[0].reshape(self._grid_shape)
        return heat.numpy(), fake.detach().numpy(), (-grad).numpy(), warped.numpy()

    def _init_artists(self) -> None:
        fig, axes = self._fig, self._axes
        for ax in axes:
            ax.clear()
        mixture = self.gan.mixture
        self._lim = float(mixture.centers.abs().max()) * 1.35 + 0.5
        g = torch.Generator().manual_seed(0)
        self._z = torch.randn(300, self.gan.z_dim, generator=g)
        line = torch.linspace(-2.5, 2.5, 25)
        ticks = torch.linspace(-2.5, 2.5, 11)
        rows = torch.stack(torch.meshgrid(ticks, line, indexing="ij"), -1)  # lines of constant z1
        cols = rows.flip(-1)                                                # lines of constant z2
        self._grid_shape = (22, 25, 2)
        self._grid_z = torch.cat([rows, cols]).reshape(-1, 2)
        heat, fake, push, warped = self._frame_data()
        real = mixture.sample(500, g).numpy()
        ax = axes[0]
        lim = self._lim
        self._im = ax.imshow(heat, origin="lower", extent=(-lim, lim, -lim, lim), cmap="RdBu_r", alpha=0.75)
        ax.scatter(real[:, 0], real[:, 1], s=6, c="0.25", label="real")
        self._fake = ax.scatter(fake[:, 0], fake[:, 1], s=8, c="tab:orange", label="fake")
        self._quiver = ax.quiver(fake[:, 0], fake[:, 1], push[:, 0], push[:, 1], color="k", angles="xy",
                                 scale_units="xy", scale=1.0, width=0.004, alpha=0.6)
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), title="D score, samples, G's push", xticks=[], yticks=[])
        ax.set_aspect("equal")
        ax = axes[1]
        from matplotlib.collections import LineCollection

        ax.scatter(real[:, 0], real[:, 1], s=4, c="0.6")
        self._warp = LineCollection(list(warped), colors=["tab:blue"] * 11 + ["tab:green"] * 11, linewidths=1)
        ax.add_collection(self._warp)
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), title="G's warped latent grid", xticks=[], yticks=[])
        ax.set_aspect("equal")
        ax = axes[2]
        (self._dline,) = ax.plot([], [], label="D loss")
        (self._gline,) = ax.plot([], [], label="G loss")
        ax.set(title="losses", xlabel="step")
        ax.legend(fontsize=9, loc="upper right")
        ax = axes[3]
        (self._mline,) = ax.plot([], [], "o-", ms=3, color="tab:purple")
        ax.set(ylim=(-0.3, mixture.n_modes + 0.3), title=f"modes covered (of {mixture.n_modes})", xlabel="step")
        self._update_artists(heat, fake, push, warped)

    def _update_artists(self, heat, fake, push, warped) -> None:
        self._im.set_data(heat)
        bound = float(np.abs(heat).max()) or 1.0
        self._im.set_clim(-bound, bound)
        self._fake.set_offsets(fake)
        norm = np.linalg.norm(push, axis=1).max()
        scale = 0.12 * self._lim / norm if norm > 0 else 0.0  # longest arrow = 12% of the window
        self._quiver.set_offsets(fake)
        self._quiver.set_UVC(push[:, 0] * scale, push[:, 1] * scale)
        self._warp.set_segments(list(warped))
        h = self.history
        for line, key in ((self._dline, "d_loss"), (self._gline, "g_loss")):
            line.set_data(h["step"], h[key])
        self._mline.set_data(h["eval_step"], h["modes"])
        for ax in self._axes[2:]:
            ax.relim()
            ax.autoscale_view(scaley=ax is self._axes[2])
        m = self.metrics
        self._fig.suptitle(f"step {m['step']}  ·  {self.settings['loss']} / {self.settings['regularizer']}  ·  "
                           f"modes {m['modes']}/{m['n_modes']}  ·  high quality {m['high_quality']:.0%}", fontsize=13)

    def figure(self):
        """The matplotlib Figure with the four panels, redrawn for the current state."""
        if self._fig is None:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            self._fig = Figure(figsize=(16, 4.3), dpi=72)
            FigureCanvasAgg(self._fig)
            self._axes = self._fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1.1, 1.1]})
            self._init_artists()
        else:
            self._update_artists(*self._frame_data())
        return self._fig

    def render(self) -> bytes:
        """Redraw and return the frame as PNG bytes (what the widget shows)."""
        import io

        buf = io.BytesIO()
        self.figure().savefig(buf, format="png", pil_kwargs={"compress_level": 1})  # fast encode
        return buf.getvalue()

    # ---------------------------------------------------------------- controls
    def widget(self):
        """The controls and the live view as one ipywidgets box (built once)."""
        if self._ui is not None:
            return self._ui
        from gantutor.losses import LOSSES
        from gantutor.toy import DATASETS, REGULARIZERS

        s = self.settings
        style = {"description_width": "80px"}
        lay = widgets.Layout(width="230px")
        ctl = {
            "data": widgets.Dropdown(options=list(DATASETS), value=s["data"], description="data", style=style, layout=lay),
            "loss": widgets.Dropdown(options=list(LOSSES), value=s["loss"], description="loss", style=style, layout=lay),
            "regularizer": widgets.Dropdown(options=list(REGULARIZERS), value=s["regularizer"], description="regularizer",
                                            style=style, layout=lay),
            "lr_g": widgets.FloatLogSlider(value=s["lr_g"], base=10, min=-5, max=-1, description="lr G", style=style,
                                           layout=lay, readout_format=".0e"),
            "lr_d": widgets.FloatLogSlider(value=s["lr_d"], base=10, min=-5, max=-1, description="lr D", style=style,
                                           layout=lay, readout_format=".0e"),
            "n_dis": widgets.IntSlider(value=s["n_dis"], min=1, max=10, description="n_dis", style=style, layout=lay),
            "width": widgets.Dropdown(options=[16, 32, 64, 128, 256], value=s["width"], description="hidden width",
                                      style=style, layout=lay),
            "batch_size": widgets.Dropdown(options=[32, 64, 128, 256, 512], value=s["batch_size"], description="batch",
                                           style=style, layout=lay),
            "steps_per_frame": widgets.IntSlider(value=s["steps_per_frame"], min=1, max=200, description="speed (steps/frame)",
                                                 style={"description_width": "130px"}, layout=widgets.Layout(width="300px")),
        }
        self._image = widgets.Image(value=self.render(), format="png")
        play = widgets.Play(value=0, min=0, max=10**9, interval=150, description="play")
        step_btn = widgets.Button(description="step", icon="step-forward", layout=widgets.Layout(width="90px"))
        reset_btn = widgets.Button(description="reset", icon="refresh", layout=widgets.Layout(width="90px"))

        def frame(*_):
            self.step(int(self.settings["steps_per_frame"]))
            self._image.value = self.render()

        def changed(change, key):
            value = change["new"]
            self.set(**{key: value})
            if key != "steps_per_frame":
                self._image.value = self.render()

        for key, w in ctl.items():
            w.observe(lambda ch, key=key: changed(ch, key), names="value")
        play.observe(frame, names="value")  # the Play widget ticks in the browser; each tick is one frame
        step_btn.on_click(frame)
        reset_btn.on_click(lambda _: (self.reset(), setattr(self._image, "value", self.render())))
        buttons = widgets.HBox([play, step_btn, reset_btn, ctl["steps_per_frame"]])
        left = widgets.VBox([ctl[k] for k in ("data", "loss", "regularizer", "lr_g", "lr_d", "n_dis", "width", "batch_size")])
        self._ui = widgets.VBox([buttons, widgets.HBox([left, self._image])])
        self._controls = {**ctl, "play": play, "step": step_btn, "reset": reset_btn}
        return self._ui

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())
# --------------------------------------------------------------------------- lesson 01: D*, V and JSD


class OptimalDiscriminatorExplorer:
    """Lesson 01: move p_g with sliders and watch D*, C(G) = V(D*, G) and JSD(p_data ‖ p_g).

    p_g = w·N(μ − s/2, σ²) + (1 − w)·N(μ + s/2, σ²): ``mean`` μ, ``spread`` σ, ``split`` s
    (0 gives a single Gaussian) and ``weight`` w. The left panel shows p_data, p_g and
    D* = p_data/(p_data + p_g); the right panel shows C(G) against p_g's mean (the other
    sliders fixed) with the current p_g marked, above the floor −log 4.
    One figure is built once; :meth:`update` only changes line data.

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
        self.sliders = {
            "mean": widgets.FloatSlider(value=mean, min=mean_range[0], max=mean_range[1], step=0.05, description="mean μ"),
            "spread": widgets.FloatSlider(value=spread, min=0.2, max=3.0, step=0.05, description="spread σ"),
            "split": widgets.FloatSlider(value=split, min=0.0, max=6.0, step=0.1, description="split s"),
            "weight": widgets.FloatSlider(value=weight, min=0.0, max=1.0, step=0.05, description="weight w"),
        }
        for s in self.sliders.values():
            s.style.description_width = "initial"
            s.observe(self._on_slider, names="value")
        self._silent = False
        self.fig, (self.ax, self.ax_c) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 2]})
        plt.close(self.fig)  # displayed through self.output only
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
        self.output = widgets.Output()
        self.controls = widgets.VBox(list(self.sliders.values()))
        self.widget = widgets.VBox([widgets.HBox([self.controls]), self.output])
        self._shown = False
        self.values: dict[str, float] = {}
        self.update()

    def _on_slider(self, change) -> None:
        if not self._silent:
            self.update()

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
        self.ax.set_title(f"V(D*, G) = {c:+.3f}   JSD = {j:.3f}   (−log 4 + 2·JSD = {-np.log(4) + 2 * j:+.3f})",
                          fontsize="medium")
        self.values = {**v, "V(D*,G)": c, "JSD": j}
        self._refresh()
        return self.values

    def _refresh(self) -> None:
        if self._shown:
            from IPython.display import clear_output, display

            with self.output:
                clear_output(wait=True)
                display(self.fig)
        else:
            self.fig.canvas.draw_idle()

    def show(self):
        """Display the sliders and the figure (in a notebook)."""
        from IPython.display import display

        self._shown = True
        self._refresh()
        display(self.widget)
        return self

    def _ipython_display_(self):
        self.show()
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
