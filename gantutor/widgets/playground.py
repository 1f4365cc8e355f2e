"""Lesson 05's GAN playground, the state: settings, the model, the history and ``step()``.

Everything here runs without a browser (the tests and the lesson's static cell drive it
from code). The picture is drawn by :mod:`gantutor.widgets.playground_figure` from a
:class:`~gantutor.widgets.playground_figure.Frame`; the controls live in
:mod:`gantutor.widgets.playground_controls`.
"""

from __future__ import annotations

from gantutor.widgets._common import figure_png
from gantutor.widgets.playground_figure import Frame, PlaygroundFigure, frame_of


class Playground:
    """A GAN-Lab-style playground for 2-D GANs: pick data, loss, regularizer, learning
    rates, n_dis, width and batch size; play, pause or step; watch four live panels.

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
        self._check(settings)
        self.settings = {**self.DEFAULTS, **settings}
        self._view: PlaygroundFigure | None = None
        self._ui = None
        self._build()

    def _check(self, settings: dict) -> None:
        unknown = set(settings) - set(self.DEFAULTS)
        if unknown:
            raise ValueError(f"unknown Playground settings {sorted(unknown)}; allowed are {sorted(self.DEFAULTS)}")
        for key in ("n_dis", "batch_size", "steps_per_frame", "eval_every", "n_eval"):
            value = settings.get(key, 1)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Playground setting {key} must be a positive int, got {value!r}")

    # ---------------------------------------------------------------- model, training, metrics
    def _build(self) -> None:
        from gantutor.toy import ToyGAN

        s = self.settings
        self.gan = ToyGAN(s["data"], s["loss"], s["regularizer"], seeds=[s["seed"]], width=s["width"],
                          batch_size=s["batch_size"], lr_g=s["lr_g"], lr_d=s["lr_d"], n_dis=s["n_dis"])
        self.history = {"step": [], "d_loss": [], "g_loss": [], "eval_step": [], "modes": []}
        self._last = {"modes": 0, "high_quality": 0.0, "reverse_kl": float("inf")}
        self._evaluate()

    def set(self, **changes) -> "Playground":
        """Change settings; data, loss, regularizer, width or seed restart training, the rest apply live."""
        self._check(changes)
        old = dict(self.settings)
        self.settings.update(changes)
        if any(k in changes for k in self._REBUILD):
            try:
                self._build()
            except ValueError:
                self.settings = old  # a bad name leaves the running model untouched
                raise
        else:
            try:
                self.gan.set_lr(self.settings["lr_g"], self.settings["lr_d"])
            except ValueError:
                self.settings = old
                raise
            self.gan.n_dis, self.gan.batch_size = int(self.settings["n_dis"]), int(self.settings["batch_size"])
        return self

    def reset(self) -> "Playground":
        """Start training again from fresh networks with the current settings."""
        self._build()
        return self

    def _evaluate(self) -> None:
        from gantutor.toy import mode_coverage

        self._last = mode_coverage(self.gan.sample(self.settings["n_eval"])[0], self.gan.mixture)
        self.history["eval_step"].append(self.gan.steps)
        self.history["modes"].append(self._last["modes"])

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

    # ---------------------------------------------------------------- picture and controls
    def frame(self) -> Frame:
        """The numbers the picture shows now (reads the model, changes nothing)."""
        return frame_of(self.gan, self.history, self.metrics, self.settings)

    def figure(self):
        """The matplotlib Figure with the four panels, redrawn for the current state."""
        if self._view is None:
            self._view = PlaygroundFigure()
        return self._view.draw(self.frame())

    def render(self) -> bytes:
        """Redraw and return the frame as PNG bytes (what the widget shows)."""
        return figure_png(self.figure())

    def widget(self):
        """The controls and the live view as one ipywidgets box (built once)."""
        if self._ui is None:
            from gantutor.widgets.playground_controls import build_controls

            self._ui, self._controls, self._image = build_controls(self)
        return self._ui

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())
