"""Lesson 05: mixtures, mode_coverage on hand-made samples, batched SN vs torch's, the arena."""

import math

import numpy as np
import pytest
import torch
from torch.nn.utils.parametrizations import spectral_norm

from gantutor import toy


# --------------------------------------------------------------------------- mixtures


def test_ring_centers_and_statistics():
    m = toy.ring()
    assert m.centers.shape == (8, 2) and m.std == 0.02 and m.n_modes == 8
    assert torch.allclose(m.centers.norm(dim=1), torch.full((8,), 2.0), atol=1e-6)
    # neighbours are 2·r·sin(π/8) apart: the 8 modes are evenly spaced
    gaps = (m.centers - m.centers.roll(1, 0)).norm(dim=1)
    assert torch.allclose(gaps, torch.full((8,), 4 * math.sin(math.pi / 8)), atol=1e-5)
    x = m.sample(40_000, generator=torch.Generator().manual_seed(0))
    assert x.shape == (40_000, 2)
    assert x.mean(0).abs().max() < 0.03  # the ring is centred at 0
    # E‖x‖² = r² + 2σ² and each point's offset from its center has std σ per axis
    assert abs(x.pow(2).sum(1).mean().item() - (4 + 2 * 0.02**2)) < 0.01
    nearest = torch.cdist(x, m.centers).argmin(1)
    offsets = x - m.centers[nearest]
    assert abs(offsets.std().item() - 0.02) < 0.001
    counts = torch.bincount(nearest, minlength=8).float() / len(x)
    assert (counts - 1 / 8).abs().max() < 0.01  # equal weights


def test_grid_centers_and_statistics():
    m = toy.grid()
    assert m.centers.shape == (25, 2) and m.std == 0.05
    assert sorted(set(m.centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    x = m.sample(50_000, generator=torch.Generator().manual_seed(1))
    # per axis: a uniform choice of {−4,−2,0,2,4} (variance 8) plus N(0, σ²)
    assert torch.allclose(x.var(0), torch.full((2,), 8 + 0.05**2), atol=0.2)
    offsets = x - m.centers[torch.cdist(x, m.centers).argmin(1)]
    assert abs(offsets.std().item() - 0.05) < 0.002


def test_sample_is_reproducible_with_a_generator():
    m = toy.ring()
    a = m.sample(10, generator=torch.Generator().manual_seed(3))
    b = m.sample(10, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="n_modes"):
        toy.ring(0)
    with pytest.raises(ValueError, match="std"):
        toy.grid(std=-1)
    with pytest.raises(ValueError, match="allowed"):
        toy.get_mixture("moons")
    with pytest.raises(ValueError, match="shape"):
        toy.mode_coverage(torch.zeros(5, 3), toy.ring())
    with pytest.raises(ValueError, match="allowed"):
        toy.ToyGAN(regularizer="dropout")
    with pytest.raises(ValueError, match="allowed"):
        toy.ToyGAN(loss="wasserstein")


# --------------------------------------------------------------------------- mode_coverage


def test_exact_samples_cover_all_modes():
    m = toy.ring()
    cov = toy.mode_coverage(m.sample(2500, torch.Generator().manual_seed(0)), m)
    assert cov["modes"] == 8
    assert cov["high_quality"] > 0.98  # P(‖N(0,σ²I₂)‖ < 3σ) = 1 − e^{−4.5} ≈ 0.989
    assert 0 <= cov["reverse_kl"] < 0.01


def test_coverage_on_a_subset_of_modes():
    m = toy.ring()
    # 3 modes with 10, 10 and 20 points exactly on their centers
    x = torch.cat([m.centers[0].repeat(10, 1), m.centers[3].repeat(10, 1), m.centers[5].repeat(20, 1)])
    cov = toy.mode_coverage(x, m)
    q = np.array([0.25, 0.25, 0.5])
    assert cov["modes"] == 3 and cov["high_quality"] == 1.0
    assert cov["reverse_kl"] == pytest.approx(float((q * np.log(q * 8)).sum()), abs=1e-6)
    one = toy.mode_coverage(m.centers[2].repeat(7, 1), m)
    assert one["modes"] == 1 and one["reverse_kl"] == pytest.approx(math.log(8), abs=1e-6)


def test_outliers_count_against_quality_but_not_modes():
    m = toy.ring()
    good = m.centers.repeat(5, 1)  # 40 samples, 5 on each center
    # points between modes, at the origin, and just beyond 3σ of a center
    outliers = torch.cat([torch.zeros(5, 2), 1.5 * m.centers[:5], m.centers[:5] + torch.tensor([0.061, 0.0])])
    cov = toy.mode_coverage(torch.cat([good, outliers]), m)
    assert cov["modes"] == 8
    assert cov["high_quality"] == pytest.approx(40 / 55)
    assert cov["reverse_kl"] == pytest.approx(0.0, abs=1e-6)
    inside = toy.mode_coverage(m.centers[:1] + torch.tensor([[0.059, 0.0]]), m)
    assert inside["high_quality"] == 1.0  # 2.95σ is still high quality


def test_no_high_quality_sample_gives_infinite_reverse_kl():
    m = toy.ring()
    empty = toy.mode_coverage(torch.zeros(0, 2), m)
    assert empty["modes"] == 0 and math.isinf(empty["reverse_kl"])
    far = toy.mode_coverage(torch.full((100, 2), 10.0), m)
    assert far["modes"] == 0 and far["high_quality"] == 0.0 and math.isinf(far["reverse_kl"])


def test_batched_coverage_matches_single():
    m = toy.grid()
    g = torch.Generator().manual_seed(2)
    xs = torch.stack([m.sample(300, g), m.sample(300, g) * 1.02])  # the second one partly off the modes
    batched = toy.mode_coverage(xs, m)
    for i in range(2):
        single = toy.mode_coverage(xs[i], m)
        assert batched["modes"][i] == single["modes"]
        assert batched["high_quality"][i] == pytest.approx(single["high_quality"])
        assert batched["reverse_kl"][i] == pytest.approx(single["reverse_kl"], abs=1e-6)


# --------------------------------------------------------------------------- batched networks


@pytest.mark.parametrize("shape", [(7, 5), (1, 16), (16, 2)])
def test_batched_spectral_norm_equals_torch(shape):
    """Three seeds' power iterations, step by step, equal three torch spectral_norm layers."""
    torch.manual_seed(0)
    layers = [spectral_norm(torch.nn.Linear(shape[1], shape[0])) for _ in range(3)]
    w = torch.stack([l.parametrizations.weight.original.detach().clone() for l in layers])
    u = torch.stack([l.parametrizations.weight[0]._u.clone() for l in layers])
    v = torch.stack([l.parametrizations.weight[0]._v.clone() for l in layers])
    for _ in range(4):  # each training-mode access runs one power-iteration step
        ours, sigma = toy.batched_spectral_norm(w, u, v)
        theirs = torch.stack([l.weight.detach() for l in layers])
        assert torch.allclose(ours, theirs, atol=1e-6)
    exact = torch.linalg.matrix_norm(w, ord=2)
    assert torch.allclose(sigma, exact, rtol=1e-3)


def test_batched_mlp_seed_equals_lone_network():
    both = toy.BatchedMLP([2, 8, 8, 1], seeds=[4, 9], norm="sn")
    lone = toy.BatchedMLP([2, 8, 8, 1], seeds=[9], norm="sn")
    x = torch.randn(2, 5, 2)
    assert torch.allclose(both(x)[1], lone(x[1:])[0], atol=1e-6)


def test_sr_lifts_the_spectrum_but_keeps_sigma_one():
    mlp = toy.BatchedMLP([2, 16, 16, 1], seeds=[0, 1], norm="sr", sr_ratio=0.5)
    for _ in range(30):  # converge the power iteration
        ws = mlp.effective_weights(update=True)
    s = torch.linalg.svdvals(ws[1].detach())
    assert torch.allclose(s[:, :8], torch.ones(2, 8), atol=1e-3)  # top half lifted to σ₁ = 1
    assert torch.allclose(s[:, 0], torch.ones(2), atol=1e-3)


def test_batched_training_equals_looped_training():
    kwargs = dict(data="ring", loss="lsgan", regularizer="sn", width=16, batch_size=32)
    both = toy.ToyGAN(seeds=[0, 1], **kwargs)
    lone = toy.ToyGAN(seeds=[1], **kwargs)
    both.step(5)
    lone.step(5)
    assert torch.allclose(both.sample(50)[1], lone.sample(50)[0], atol=1e-5)


@pytest.mark.parametrize("loss", ["nonsaturating", "saturating", "lsgan", "hinge"])
@pytest.mark.parametrize("reg", ["none", "gp"])
def test_training_steps_are_finite(loss, reg):
    gan = toy.ToyGAN("grid", loss, reg, seeds=2, width=16, batch_size=32, n_dis=2)
    out = gan.step(3)
    assert np.isfinite(out["d_loss"]) and np.isfinite(out["g_loss"]) and gan.steps == 3
    assert torch.isfinite(gan.sample(10)).all()


# --------------------------------------------------------------------------- arena


def test_arena_smoke_run_returns_the_table():
    res = toy.arena(["ring", "grid"], configs=[("nonsaturating", "none"), ("hinge", "sr")], seeds=3, steps=4,
                    width=16, batch_size=32, n_eval=200, n_snapshot=50, progress=False)
    t = res.table
    for col in ("loss", "regularizer", "seed", "modes", "high_quality", "reverse_kl", "seconds"):
        assert col in t.columns
    assert len(t) == 2 * 2 * 3
    assert set(t.regularizer) == {"none", "sr"} and set(t.seed) == {0, 1, 2}
    assert t.modes.between(0, 25).all() and t.high_quality.between(0, 1).all() and (t.seconds > 0).all()
    snaps = res.snapshots[("ring8", "hinge", "sr")]
    assert all(a.shape == (3, 50, 2) for a in snaps.values()) and max(snaps) == 4
    assert set(res.history.step) == set(snaps)


def test_arena_rejects_bad_configs():
    with pytest.raises(ValueError, match="allowed"):
        toy.arena(configs=[("nonsaturating", "weight_decay")], steps=1, progress=False)
