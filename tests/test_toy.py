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


# --------------------------------------------------------------------------- the LSGAN authors' protocol


def test_lsgan_ring_is_the_authors_mixture():
    """sample_mog: linspace(0, 2π, 9) at (sin θ, cos θ), r = 1, σ = 0.01 → 8 modes, the top one weighted 2/9."""
    m = toy.get_mixture("lsgan_ring")
    assert m.n_modes == 8 and m.std == 0.01 and m.name == "lsgan_ring8"
    theta = np.linspace(0, 2 * np.pi, 9)
    nine = np.stack([np.sin(theta), np.cos(theta)], 1)
    # every one of the authors' 9 components is one of our 8 centers, and the top one appears twice
    d = np.linalg.norm(nine[:, None] - m.centers.numpy()[None], axis=-1)
    assert (d.min(1) < 1e-6).all()
    assert np.bincount(d.argmin(1), minlength=8).tolist() == [2, 1, 1, 1, 1, 1, 1, 1]
    assert torch.allclose(m.probs, torch.tensor([2.0] + [1.0] * 7) / 9)
    assert np.allclose(np.linalg.norm(nine[0] - nine[1]), 2 * math.sin(math.pi / 8))  # ≈ 0.765 = 76.5σ
    x = m.sample(90_000, torch.Generator().manual_seed(0))
    counts = torch.bincount(torch.cdist(x, m.centers).argmin(1), minlength=8).float() / len(x)
    assert abs(counts[0].item() - 2 / 9) < 0.005 and (counts[1:] - 1 / 9).abs().max() < 0.005
    # exact samples: every mode, and reverse KL ≈ 0 against the mixture's own weights (not against uniform)
    cov = toy.mode_coverage(x[:2500], m)
    assert cov["modes"] == 8 and cov["reverse_kl"] < 0.01
    uniform = toy.Mixture(m.centers, m.std)
    assert toy.mode_coverage(x[:2500], uniform)["reverse_kl"] > 0.03  # ≈ KL(w || uniform) = 0.044


def test_mixture_weights_are_checked():
    with pytest.raises(ValueError, match="weights"):
        toy.Mixture(torch.zeros(3, 2), 0.1, weights=torch.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="weights"):
        toy.Mixture(torch.zeros(3, 2), 0.1, weights=torch.ones(2))


def test_orthogonal_init_and_tanh():
    mlp = toy.BatchedMLP([256, 128, 128, 2], seeds=[0, 1], init="orthogonal", gain=1.4, activation="tanh")
    for w, b in zip(mlp.weights, mlp.biases):
        assert torch.equal(b, torch.zeros_like(b))  # slim's zero biases
        for wb in w.detach():  # gain·(orthonormal rows or columns, whichever fit)
            small = wb @ wb.T if wb.shape[0] <= wb.shape[1] else wb.T @ wb
            assert torch.allclose(small, 1.4**2 * torch.eye(small.shape[0]), atol=1e-4)
    x = torch.randn(2, 5, 256)
    h = x
    for i, (w, b) in enumerate(zip(mlp.weights, mlp.biases)):
        h = h @ w.transpose(1, 2) + b
        if i < 2:
            h = torch.tanh(h)
    assert torch.allclose(mlp(x), h, atol=1e-5)
    lone = toy.BatchedMLP([256, 128, 128, 2], seeds=[1], init="orthogonal", gain=1.4, activation="tanh")
    assert torch.allclose(mlp(x)[1], lone(x[1:])[0], atol=1e-6)  # seed 1 in a batch = seed 1 alone
    with pytest.raises(ValueError, match="allowed"):
        toy.BatchedMLP([2, 4, 1], seeds=[0], activation="gelu")
    with pytest.raises(ValueError, match="allowed"):
        toy.BatchedMLP([2, 4, 1], seeds=[0], init="xavier")


def _authors_like(**kw):
    base = dict(data="lsgan_ring", width=16, z_dim=8, batch_size=32, lr_g=1e-3, lr_d=1e-4, activation="tanh",
                init="orthogonal", init_gain=1.4, update="simultaneous")
    return {**base, **kw}


@pytest.mark.parametrize("loss,params", [("lsgan", {"a": 0.0, "b": 1.0, "c": 1.0}), ("nonsaturating", None)])
def test_simultaneous_batched_equals_alone(loss, params):
    both = toy.ToyGAN(seeds=[3, 7], **_authors_like(loss=loss, loss_params=params))
    lone = toy.ToyGAN(seeds=[7], **_authors_like(loss=loss, loss_params=params))
    both.step(6)
    lone.step(6)
    for a, b in zip(list(both.G.parameters()) + list(both.D.parameters()),
                    list(lone.G.parameters()) + list(lone.D.parameters())):
        assert torch.allclose(a[1], b[0], atol=1e-6)


def test_simultaneous_step_uses_one_forward_for_both_gradients():
    """One simultaneous step = plain Adam steps on both nets with gradients of the two losses at the OLD weights."""
    gan = toy.ToyGAN(seeds=[0], **_authors_like(loss="lsgan", loss_params={"a": 0.0, "b": 1.0, "c": 1.0}, eps_d=1e-6))
    G0 = [p.detach().clone() for p in gan.G.parameters()]
    D0 = [p.detach().clone() for p in gan.D.parameters()]
    # redraw this step's batch with copies of the generators
    gens = [torch.Generator().manual_seed(3) for _ in range(1)]
    real = gan.mixture.sample(32, gens[0])[None]
    z = torch.randn(32, 8, generator=gens[0])[None]

    def forward(weights, biases, x):
        for i, (w, b) in enumerate(zip(weights, biases)):
            x = torch.baddbmm(b, x, w.transpose(1, 2))
            if i < len(weights) - 1:
                x = torch.tanh(x)
        return x

    g_params = [p.clone().requires_grad_() for p in G0]
    d_params = [p.clone().requires_grad_() for p in D0]
    ng = len(g_params) // 2
    nd = len(d_params) // 2
    fake = forward(g_params[:ng], g_params[ng:], z)
    s_real = forward(d_params[:nd], d_params[nd:], real).squeeze(-1)
    s_fake = forward(d_params[:nd], d_params[nd:], fake).squeeze(-1)
    d_loss = 0.5 * s_real.sub(1).pow(2).mean() + 0.5 * s_fake.pow(2).mean()
    g_loss = 0.5 * s_fake.sub(1).pow(2).mean()
    gd = torch.autograd.grad(d_loss, d_params, retain_graph=True)
    gg = torch.autograd.grad(g_loss, g_params)
    out = gan.step(1)
    assert out["d_loss"] == pytest.approx(d_loss.item(), rel=1e-5) and out["g_loss"] == pytest.approx(g_loss.item(), rel=1e-5)
    # Adam's first step moves each weight by lr·g/(|g| + eps) (bias-corrected m/√v = sign(g))
    for p0, p1, g, lr, eps in [(a, b, c, 1e-3, 1e-8) for a, b, c in zip(G0, gan.G.parameters(), gg)] + \
                              [(a, b, c, 1e-4, 1e-6) for a, b, c in zip(D0, gan.D.parameters(), gd)]:
        expected = p0 - lr * g / (g.abs() + eps)
        assert torch.allclose(p1.detach(), expected, atol=1e-7)


def test_simultaneous_needs_one_d_step():
    with pytest.raises(ValueError, match="n_dis"):
        toy.ToyGAN(update="simultaneous", n_dis=2)
    with pytest.raises(ValueError, match="allowed"):
        toy.ToyGAN(update="leapfrog")
    with pytest.raises(ValueError, match="loss_params|lsgan"):
        toy.ToyGAN(loss="lsgan", loss_params={"d": 1})


@pytest.mark.parametrize("reg", ["sn", "gp"])
def test_simultaneous_with_regularizers_is_finite_and_exact(reg):
    both = toy.ToyGAN(seeds=[0, 1], regularizer=reg, **_authors_like(loss="hinge"))
    lone = toy.ToyGAN(seeds=[1], regularizer=reg, **_authors_like(loss="hinge"))
    both.step(3)
    lone.step(3)
    assert torch.allclose(both.sample(40)[1], lone.sample(40)[0], atol=1e-5)


def test_lsgan_ring_claim_smoke(monkeypatch, tmp_path):
    """The claim's smoke run: seconds, both configurations, every snapshot's metrics, the JSON fields."""
    import json

    from gantutor import reproduce as R

    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    result = R.run_claim("lsgan-ring", 2, tmp_path / "r.json", progress=False)
    on_disk = json.loads((tmp_path / "r.json").read_text())
    for key in ("claim", "paper", "metric", "seeds", "per_seed", "summary", "verdict", "command", "commit", "wall_s",
                "device", "smoke", "protocol", "rule"):
        assert key in on_disk
    assert on_disk["smoke"] is True and on_disk["seeds"] == [0, 1] and result["verdict"] in R.VERDICTS
    assert {(r["seed"], r["config"]) for r in on_disk["per_seed"]} == {(s, c) for s in (0, 1) for c in ("lsgan", "regular")}
    for r in on_disk["per_seed"]:
        assert 0 <= r["modes"] <= 8 and 0 <= r["high_quality"] <= 1
        assert r["modes"] == r["modes_20"] and "modes_10" in r and "high_quality_10" in r and "reverse_kl_10" in r
    assert set(on_disk["summary"]) == {"lsgan", "regular"}
    for key in ("data", "generator", "discriminator", "init", "updates", "optimizer", "lsgan loss", "regular loss"):
        assert on_disk["protocol"][key]["source"]


def test_lsgan_ring_claim_resumes_exactly(tmp_path):
    """A run killed after a snapshot and restarted from its cache gives the uninterrupted run's numbers."""
    from gantutor.reproduce import lsgan_ring as L

    size = {"iterations": 6, "every": 3, "batch": 16, "n_eval": 200}
    straight = L.train_config("regular", [0, 1], size)
    L.train_config("regular", [0, 1], {**size, "iterations": 3}, cache=tmp_path)  # "killed" after the first snapshot
    (path,) = tmp_path.glob("*.pt")
    state = torch.load(path, weights_only=False)
    assert state["steps"] == 3
    state["records"][0]["modes_3"] = -1  # a mark: the resumed run must take its first snapshot from the cache
    torch.save(state, path)
    resumed = L.train_config("regular", [0, 1], size, cache=tmp_path)
    assert resumed[0]["modes_3"] == -1
    resumed[0]["modes_3"] = straight[0]["modes_3"]
    assert resumed == straight  # the state (weights, Adam, random streams) continued exactly
