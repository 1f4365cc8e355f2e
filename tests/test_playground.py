"""Lesson 05: the playground, driven headless (no browser) under every loss."""

import math
import time

import numpy as np
import pytest

from gantutor.widgets import Playground


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


def test_playground_widget_builds_and_steps_without_a_browser():
    pg = Playground(width=16, batch_size=32, steps_per_frame=3)
    ui = pg.widget()
    assert ui is pg.widget()
    pg._controls["step"].click()  # one frame = steps_per_frame iterations
    assert pg.gan.steps == 3
    pg._controls["play"].value = 1  # what a tick of the Play widget does
    assert pg.gan.steps == 6
    pg._controls["loss"].value = "hinge"
    assert pg.gan.steps == 0 and pg.settings["loss"] == "hinge"
    start = time.perf_counter()
    pg.render()
    print(f"one redraw: {time.perf_counter() - start:.3f} s")
