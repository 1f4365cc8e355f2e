"""Lesson 05: the playground, driven headless (no browser) under every loss."""

import math

import numpy as np
import pytest

from gantutor.widgets import Playground, PlaygroundFigure


@pytest.mark.parametrize("loss", ["nonsaturating", "saturating", "lsgan", "hinge"])
def test_playground_steps_headless(loss):
    pg = Playground(loss=loss, width=16, batch_size=32, eval_every=2, n_eval=200)
    before = pg.gan.sample(20).clone()
    pg.step(4)
    m = pg.metrics
    assert m["step"] == 4 and np.isfinite(m["d_loss"]) and np.isfinite(m["g_loss"])
    assert 0 <= m["modes"] <= 8 and 0.0 <= m["high_quality"] <= 1.0 and m["n_modes"] == 8
    assert m["reverse_kl"] >= 0 or math.isinf(m["reverse_kl"])
    assert pg.history["eval_step"] == [0, 2, 4] and len(pg.history["d_loss"]) == 4
    assert not np.allclose(before.numpy(), pg.gan.sample(20).numpy())  # training moved G
    png = pg.render()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_playground_settings_live_and_rebuild():
    pg = Playground(width=16, batch_size=32, regularizer="sn", data="grid")
    pg.step(2)
    pg.set(lr_g=3e-4, n_dis=2)  # live: training continues
    assert pg.gan.steps == 2 and pg.gan.n_dis == 2 and pg.gan.opt_g.param_groups[0]["lr"] == 3e-4
    pg.render()
    pg.set(data="spiral", regularizer="gp")  # rebuild: fresh networks, redraw works with the new data
    assert pg.gan.steps == 0 and pg.metrics["n_modes"] == 12
    pg.step(2).render()
    with pytest.raises(ValueError, match="allowed"):
        Playground(learning_rate=1)
    with pytest.raises(ValueError, match="allowed"):
        pg.set(loss="wgan")
    for bad in (dict(n_dis=0), dict(batch_size=2.5), dict(steps_per_frame=True)):
        with pytest.raises(ValueError, match="positive int"):
            pg.set(**bad)
    with pytest.raises(ValueError):
        pg.set(lr_d=-1.0)
    assert pg.settings["lr_d"] == 1e-3 and pg.gan.n_dis == 2  # a rejected change leaves the settings as they were


def test_figure_is_a_function_of_the_frame_alone():
    """Reusing artists must not leak the previous picture: same frame → same PNG bytes."""
    pg = Playground(width=16, batch_size=32, eval_every=3)
    first = pg.frame()
    assert pg.frame().title == first.title and np.array_equal(pg.frame().fake, first.fake)  # reading changes nothing
    assert pg.gan.steps == 0
    pg.step(6)
    later = pg.frame()
    assert not np.allclose(first.fake, later.fake) and later.steps.tolist() == list(range(1, 7))
    fresh, reused = PlaygroundFigure(), PlaygroundFigure()
    reused.png(first)
    assert fresh.png(later) == reused.png(later)
    assert fresh.png(first) != fresh.png(later)
    pg.set(data="spiral")  # new data: new window and mode count, the artists are rebuilt
    assert reused.png(pg.frame()) == PlaygroundFigure().png(pg.frame())


def test_playground_widget_builds_steps_and_redraws_fast():
    pg = Playground(width=16, batch_size=32, steps_per_frame=3)
    ui = pg.widget()
    assert ui is pg.widget()
    image = pg._image
    shown = image.value
    pg._controls["step"].click()  # one frame = steps_per_frame iterations
    assert pg.gan.steps == 3 and image.value != shown
    pg._controls["play"].value = 1  # what a tick of the Play widget does
    assert pg.gan.steps == 6
    shown = image.value
    pg._controls["loss"].value = "hinge"  # rebuild + redraw, as a dropdown change in the browser
    assert pg.gan.steps == 0 and pg.settings["loss"] == "hinge"
    assert image.value != shown and image.value == pg.render()  # the widget shows the new state
    pg.step(1).render()


def test_playground_controls_never_shrink_to_nothing():
    """The layout the browser test measures: wrapping rows, a minimum width on every control."""
    pg = Playground(width=16, batch_size=32)
    pg.widget()
    for name, w in pg._controls.items():
        assert w.layout.min_width and int(w.layout.min_width.rstrip("px")) >= 90, name
    settings_row = pg._ui.children[1]
    assert settings_row.layout.flex_flow == "row wrap"
    assert pg._image.layout.max_width == "100%"
