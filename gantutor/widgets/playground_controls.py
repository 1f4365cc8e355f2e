"""Lesson 05's playground, the controls: ipywidgets bound to a :class:`Playground`.

Layout (measured in Chromium by tests/browser): the buttons and the eight settings sit
ABOVE the figure in rows that wrap, each control with a minimum width, and the figure
scales down to the cell's width. At 1280×800 with JupyterLab's file browser open the
cell is ≈ 850 px wide: the settings wrap onto three rows instead of shrinking to nothing
(what a fixed-width figure beside a controls column did).
"""

from __future__ import annotations

import ipywidgets as widgets

from gantutor.widgets._common import CONTROL_DESCRIPTION, control_layout, figure_view, wrapping_row

SETTINGS = ("data", "loss", "regularizer", "lr_g", "lr_d", "n_dis", "width", "batch_size")


def _settings_controls(s: dict) -> dict:
    from gantutor.losses import LOSSES
    from gantutor.toy import DATASETS, REGULARIZERS

    common = dict(style=CONTROL_DESCRIPTION)
    slider = lambda: dict(common, layout=control_layout("260px"))  # noqa: E731  (room for the readout)
    drop = lambda: dict(common, layout=control_layout())  # noqa: E731
    return {
        "data": widgets.Dropdown(options=list(DATASETS), value=s["data"], description="data", **drop()),
        "loss": widgets.Dropdown(options=list(LOSSES), value=s["loss"], description="loss", **drop()),
        "regularizer": widgets.Dropdown(options=list(REGULARIZERS), value=s["regularizer"], description="regularizer",
                                        **drop()),
        "lr_g": widgets.FloatLogSlider(value=s["lr_g"], base=10, min=-5, max=-1, description="lr G",
                                       readout_format=".0e", **slider()),
        "lr_d": widgets.FloatLogSlider(value=s["lr_d"], base=10, min=-5, max=-1, description="lr D",
                                       readout_format=".0e", **slider()),
        "n_dis": widgets.IntSlider(value=s["n_dis"], min=1, max=10, description="n_dis", **slider()),
        "width": widgets.Dropdown(options=[16, 32, 64, 128, 256], value=s["width"], description="hidden width",
                                  **drop()),
        "batch_size": widgets.Dropdown(options=[32, 64, 128, 256, 512], value=s["batch_size"], description="batch",
                                       **drop()),
    }


def build_controls(pg):
    """The playground's widget: ``(ui, controls by name, the Image showing the figure)``.

    Every control writes through :meth:`Playground.set` (or steps / resets it) and then
    replaces the image, so what the browser shows is always ``pg.render()``.
    """
    s = pg.settings
    ctl = _settings_controls(s)
    ctl["steps_per_frame"] = widgets.IntSlider(value=s["steps_per_frame"], min=1, max=200,
                                               description="speed (steps/frame)",
                                               style={"description_width": "140px"}, layout=control_layout("320px"))
    image = figure_view(pg.render())
    play = widgets.Play(value=0, min=0, max=10**9, interval=150, description="play",
                        layout=widgets.Layout(min_width="150px"))
    button = lambda name, icon: widgets.Button(description=name, icon=icon,  # noqa: E731
                                               layout=widgets.Layout(width="90px", min_width="90px"))
    step_btn, reset_btn = button("step", "step-forward"), button("reset", "refresh")

    def redraw():
        image.value = pg.render()

    def frame(*_):
        pg.step(int(pg.settings["steps_per_frame"]))
        redraw()

    def changed(change, key):
        pg.set(**{key: change["new"]})
        if key != "steps_per_frame":
            redraw()

    for key, w in ctl.items():
        w.observe(lambda ch, key=key: changed(ch, key), names="value")
    play.observe(frame, names="value")  # the Play widget ticks in the browser; each tick is one frame
    step_btn.on_click(frame)
    reset_btn.on_click(lambda _: (pg.reset(), redraw()))
    buttons = wrapping_row([play, step_btn, reset_btn, ctl["steps_per_frame"]])
    settings = wrapping_row([ctl[k] for k in SETTINGS])
    ui = widgets.VBox([buttons, settings, image], layout=widgets.Layout(width="100%"))
    ui.add_class("gantutor-playground")
    return ui, {**ctl, "play": play, "step": step_btn, "reset": reset_btn}, image
