"""Lesson 03's power-iteration explorer: the numbers it draws, its caching, its input checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gantutor.spectral import power_iteration
from gantutor.widgets import PowerIterationExplorer


def _fresh_run_errors(w, gap, rounds):
    """What the lesson's first version drew: a fresh power iteration of k rounds for every k."""
    M, v1 = w.matrix(gap), w._V[:, 0]
    e_s, e_d = [], []
    for k in range(1, rounds + 1):
        est, _, v = power_iteration(M, k, u=torch.ones(32, dtype=torch.float64))
        e_s.append(1 - est.item())
        e_d.append((v - (v @ v1) * v1).norm().item())
    return np.array(e_s), np.array(e_d)


def test_one_cached_run_equals_a_fresh_run_per_round_count():
    w = PowerIterationExplorer(rounds=12, gap=0.8)
    e_s, e_d = w.errors(0.8)
    ref_s, ref_d = _fresh_run_errors(w, 0.8, 12)
    np.testing.assert_allclose(e_s[:12], ref_s, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(e_d[:12], ref_d, rtol=1e-9, atol=1e-15)
    assert torch.linalg.svdvals(w.matrix(0.8))[:2].tolist() == pytest.approx([1.0, 0.8])


def test_slider_moves_redraw_from_the_cache():
    w = PowerIterationExplorer(rounds=20, gap=0.9, check=power_iteration)
    png = w.image.value
    w.sliders["rounds"].value = 40  # like a learner's drag: the observer redraws
    assert w.values["rounds"] == 40 and w.image.value != png
    assert len(w._cache) == 1  # a rounds move reuses the run of this gap
    out = w.update(gap=0.5)
    assert out["gap"] == 0.5 and len(w._cache) == 2
    # a smaller gap converges faster: the σ̂ error after 40 rounds is far smaller
    assert out["1 − σ̂/σ₁"] < 1e-12 < w.update(gap=0.99)["1 − σ̂/σ₁"]


def test_a_wrong_learner_iteration_is_named():
    def one_round_short(W, n, u):
        return power_iteration(W, max(1, n - 1), u=u)

    with pytest.raises(ValueError, match="after"):
        PowerIterationExplorer(check=one_round_short)


@pytest.mark.parametrize("kwargs, match", [({"rounds": 0}, "rounds must"), ({"gap": 1.0}, "gap must"),
                                           ({"speed": 1}, "allowed are")])
def test_bad_arguments_raise(kwargs, match):
    w = PowerIterationExplorer()
    with pytest.raises(ValueError, match=match):
        w.update(**kwargs)
