"""gantutor.spectral: power iteration, singular values, SR-GAN compensation, the monitor."""

import math

import pytest
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gantutor.spectral import (
    SpectralRegularizer,
    SpectrumMonitor,
    _as_matrix,
    compensate,
    power_iteration,
    singular_values,
)

# (layer factory, input shape): wide (d_out < d_in·k·k) and tall (d_out > d_in·k·k) matrices
LAYERS = {
    "linear-wide": (lambda: nn.Linear(48, 10), (4, 48)),
    "linear-tall": (lambda: nn.Linear(10, 48), (4, 10)),
    "linear-square": (lambda: nn.Linear(20, 20), (4, 20)),
    "conv-tall": (lambda: nn.Conv2d(2, 40, 3, padding=1), (2, 2, 6, 6)),  # 40 × 18
    "conv-wide": (lambda: nn.Conv2d(16, 8, 4, 2, 1), (2, 16, 8, 8)),  # 8 × 256
    "conv-odd": (lambda: nn.Conv2d(3, 7, 3), (2, 3, 7, 7)),  # 7 × 27, odd rank
    "convT": (lambda: nn.ConvTranspose2d(6, 12, 4, 2, 1), (2, 6, 4, 4)),  # 12 × 96 (torch SN dim=1)
}


def _sn_layer(key, seed=0):
    torch.manual_seed(seed)
    make, shape = LAYERS[key]
    return nn.Sequential(spectral_norm(make())), torch.randn(shape)


def _effective_svals(model):
    layer = model[0]
    dim = 1 if isinstance(layer, nn.ConvTranspose2d) else 0
    return torch.linalg.svdvals(_as_matrix(layer.weight.detach(), dim).double())


def _shrink_tail(model, factor=0.2, seed=1):
    """Multiply the lower half of the stored weight's singular values by ``factor`` (and scramble a bit)."""
    layer = model[0]
    sn = layer.parametrizations.weight[0]
    orig = layer.parametrizations.weight.original
    with torch.no_grad():
        mat = _as_matrix(orig, sn.dim)
        U, S, Vh = torch.linalg.svd(mat, full_matrices=False)
        r = S.numel()
        S = S.clone()
        S[r // 2 :] *= factor
        new = (U * S) @ Vh
        from gantutor.spectral import _from_matrix

        orig.copy_(_from_matrix(new, orig.shape, sn.dim))


# ----------------------------------------------------------------- power iteration


@pytest.mark.parametrize("shape", [(30, 10), (10, 30), (16, 16), (8, 3, 3, 3)])
def test_power_iteration_converges_to_the_largest_singular_value(shape):
    torch.manual_seed(0)
    W = torch.randn(shape, dtype=torch.float64)
    s = torch.linalg.svdvals(W.reshape(shape[0], -1))
    sigma, u, v = power_iteration(W, n_iter=200)
    assert sigma.item() == pytest.approx(s[0].item(), rel=1e-8)
    Wm = W.reshape(shape[0], -1)
    assert torch.allclose(Wm @ v, sigma * u, atol=1e-6)  # (u, v) is the top singular pair
    assert u.norm().item() == pytest.approx(1.0) and v.norm().item() == pytest.approx(1.0)


def test_power_iteration_estimate_is_a_lower_bound_that_rises():
    torch.manual_seed(1)
    W = torch.randn(40, 25, dtype=torch.float64)
    s1 = torch.linalg.svdvals(W)[0].item()
    estimates, u = [], None
    for _ in range(400):
        sigma, u, _ = power_iteration(W, 1, u=u)  # warm start, as spectral norm does between steps
        estimates.append(sigma.item())
    assert all(e <= s1 + 1e-10 for e in estimates)
    assert all(b >= a - 1e-10 for a, b in zip(estimates, estimates[1:]))
    assert estimates[0] < s1 - 1e-3 and estimates[-1] == pytest.approx(s1, rel=1e-6)


@pytest.mark.parametrize("key", ["linear-wide", "conv-wide", "convT"])
def test_power_iteration_matches_torch_spectral_norm(key):
    model, x = _sn_layer(key)
    layer = model[0]
    sn = layer.parametrizations.weight[0]
    orig = layer.parametrizations.weight.original.detach()
    u_before = sn._u.clone()
    model.train()
    w_eff = layer.weight.detach()  # runs torch's one power-iteration step
    sigma, u, v = power_iteration(_as_matrix(orig, sn.dim), 1, u=u_before)
    assert torch.allclose(sn._u, u, atol=1e-6) and torch.allclose(sn._v, v, atol=1e-6)
    assert torch.allclose(w_eff, orig / sigma, atol=1e-6)


def test_power_iteration_errors():
    with pytest.raises(ValueError, match="n_iter"):
        power_iteration(torch.randn(3, 3), 0)
    with pytest.raises(ValueError, match="2 dimensions"):
        power_iteration(torch.randn(3), 1)
    with pytest.raises(ValueError, match="shape"):
        power_iteration(torch.randn(3, 4), 1, u=torch.randn(4))


# ----------------------------------------------------------------- singular_values


def test_singular_values_of_plain_layers_and_names():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 5), nn.ConvTranspose2d(4, 6, 2))
    sv = singular_values(net)
    assert list(sv) == ["0", "3", "4"]
    assert torch.allclose(sv["0"], torch.linalg.svdvals(net[0].weight.detach().reshape(8, 27)))
    assert torch.allclose(sv["3"], torch.linalg.svdvals(net[3].weight.detach()))
    # ConvTranspose2d weight is (d_in, d_out, k, k): the matrix is d_out × d_in·k·k
    assert torch.allclose(sv["4"], torch.linalg.svdvals(net[4].weight.detach().transpose(0, 1).reshape(6, 16)))
    for s in sv.values():
        assert torch.all(s[:-1] >= s[1:])
    assert list(singular_values(nn.Linear(3, 2))) == ["Linear"]


def test_singular_values_read_the_effective_weight_without_side_effects():
    model, _ = _sn_layer("conv-wide")
    model.train()
    sn = model[0].parametrizations.weight[0]
    u, v = sn._u.clone(), sn._v.clone()
    sv = singular_values(model)["0"]
    assert torch.equal(sn._u, u) and torch.equal(sn._v, v)  # no extra power-iteration step
    orig = model[0].parametrizations.weight.original.detach()
    expected = torch.linalg.svdvals(orig.reshape(8, -1)) / torch.dot(u, orig.reshape(8, -1) @ v)
    assert torch.allclose(sv, expected, atol=1e-6)
    assert sv[0].item() == pytest.approx(1.0, abs=1e-2)  # SN: σ_1 of the effective weight ≈ 1


def test_singular_values_errors():
    with pytest.raises(ValueError, match="no Linear/Conv"):
        singular_values(nn.Sequential(nn.ReLU()))
    with pytest.raises(TypeError):
        singular_values(torch.randn(3, 3))


# ----------------------------------------------------------------- compensate (the lead's function)


@pytest.mark.parametrize("mode", ["static", "dynamic"])
def test_compensate_batched_equals_one_by_one(mode):
    torch.manual_seed(0)
    W = torch.randn(3, 6, 9, dtype=torch.float64)
    gamma0 = torch.rand(3, 6, dtype=torch.float64) if mode == "dynamic" else None
    new, gamma = compensate(W, mode, 0.5, gamma0)
    for b in range(3):
        one, g = compensate(W[b], mode, 0.5, None if gamma0 is None else gamma0[b])
        assert torch.allclose(new[b], one, atol=1e-10)
        if mode == "dynamic":
            assert torch.allclose(gamma[b], g)
    s = torch.linalg.svdvals(new)
    s0 = torch.linalg.svdvals(W)
    assert torch.allclose(s[:, 0], s0[:, 0])  # σ_1 is unchanged
    if mode == "static":
        assert torch.allclose(s[:, :3], s0[:, :1].expand(3, 3)) and torch.allclose(s[:, 3:], s0[:, 3:])
    else:
        target = torch.maximum(gamma0, s0 / s0[:, :1]).sort(dim=1, descending=True).values
        assert torch.allclose(s / s[:, :1], target)  # svdvals come sorted; γ need not be


def test_compensate_conv_and_errors():
    torch.manual_seed(0)
    W = torch.randn(6, 2, 3, 3)
    new, _ = compensate(W, "static", ratio=1.0)
    assert new.shape == W.shape
    s = torch.linalg.svdvals(new.reshape(6, 18))
    assert torch.allclose(s / s[0], torch.ones(6), atol=1e-5)
    unchanged, _ = compensate(W, "static", ratio=0.0)
    assert torch.equal(unchanged, W)  # ΔW = 0 exactly
    with pytest.raises(ValueError, match="mode"):
        compensate(W, "both")
    with pytest.raises(ValueError, match="ratio"):
        compensate(W, "static", ratio=1.5)
    with pytest.raises(ValueError, match="dimensions"):
        compensate(torch.randn(5), "static")
    with pytest.raises(ValueError, match="gamma"):
        compensate(torch.randn(4, 6), "dynamic", gamma=torch.ones(3))


# ----------------------------------------------------------------- SpectralRegularizer


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("ratio", [0.5, 0.25])
@pytest.mark.parametrize("key", list(LAYERS))
def test_static_gives_exactly_the_stated_spectrum(key, ratio, train):
    model, x = _sn_layer(key)
    model.train(train)
    before = singular_values(model)["0"].double()
    sr = SpectralRegularizer(model, "static", every=1, ratio=ratio)
    assert sr.step()
    for _ in range(2):  # the spectrum holds before and after forward passes (train: power-iteration steps)
        s = _effective_svals(model)
        r = s.numel()
        k = math.floor(ratio * r)
        assert k >= 1
        assert torch.allclose(s[:k] / s[0], torch.ones(k, dtype=s.dtype), atol=1e-4)
        assert s[0].item() == pytest.approx(1.0, abs=1e-4)  # σ_1(effective) = 1, not just the ratios
        # the rest of the spectrum is untouched (relative to σ_1)
        assert torch.allclose(s[k:] / s[0], before[k:] / before[0], atol=1e-4)
        with torch.no_grad():
            model(x)


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("key", list(LAYERS))
def test_dynamic_restores_a_shrunk_spectrum(key, train):
    model, x = _sn_layer(key)
    model.train(train)
    sr = SpectralRegularizer(model, "dynamic", every=1)
    recorded = singular_values(model)["0"].double()
    recorded = recorded / recorded[0]
    sr.step()  # records γ = the current spectrum (and changes nothing)
    assert torch.allclose(sr.gamma["0"].double(), recorded, atol=1e-5)
    assert torch.allclose(_effective_svals(model) / _effective_svals(model)[0], recorded, atol=1e-4)
    _shrink_tail(model, factor=0.2)
    with torch.no_grad():
        model(x)
    shrunk = _effective_svals(model)
    assert (shrunk[-1] / shrunk[0]).item() < 0.5 * recorded[-1].item()  # the tail really dropped
    sr.step()
    for _ in range(2):
        s = _effective_svals(model)
        assert torch.allclose(s / s[0], recorded, atol=1e-4)  # back to the running maxima γ
        assert s[0].item() == pytest.approx(1.0, abs=1e-4)
        with torch.no_grad():
            model(x)


def test_dynamic_gamma_is_a_running_maximum():
    model, _ = _sn_layer("linear-wide")
    sr = SpectralRegularizer(model, "dynamic", every=1)
    sr.step()
    g0 = sr.gamma["0"].clone()
    with torch.no_grad():  # raise the tail above γ: the new values become the maxima
        orig = model[0].parametrizations.weight.original
        U, S, Vh = torch.linalg.svd(orig, full_matrices=False)
        S = torch.full_like(S, S[0].item())
        orig.copy_((U * S) @ Vh)
    sr.step()
    assert torch.all(sr.gamma["0"] >= g0 - 1e-6)
    assert torch.allclose(sr.gamma["0"], torch.ones(10), atol=1e-5)


def test_every_counts_calls():
    model, _ = _sn_layer("linear-wide")
    sr = SpectralRegularizer(model, "static", every=5)
    done = [sr.step() for _ in range(11)]
    assert [i for i, d in enumerate(done) if d] == [0, 5, 10]
    assert sr.applied == 3


def test_regularizer_errors():
    with pytest.raises(ValueError, match="no spectrally-normalized layer"):
        SpectralRegularizer(nn.Sequential(nn.Linear(3, 3)), "static")
    model, _ = _sn_layer("linear-wide")
    with pytest.raises(ValueError, match="mode"):
        SpectralRegularizer(model, "adaptive")
    with pytest.raises(ValueError, match="every"):
        SpectralRegularizer(model, "static", every=0)
    with pytest.raises(ValueError, match="ratio"):
        SpectralRegularizer(model, "static", ratio=-0.1)
    old = nn.Sequential(torch.nn.utils.spectral_norm(nn.Linear(4, 4)))
    with pytest.raises(ValueError, match="parametrizations.spectral_norm"):
        SpectralRegularizer(old, "static")


def test_regularizer_state_roundtrip():
    model, _ = _sn_layer("conv-wide")
    sr = SpectralRegularizer(model, "dynamic", every=2)
    sr.step()
    sr.step()
    other = SpectralRegularizer(model, "dynamic", every=2)
    other.load_state_dict(sr.state_dict())
    assert other.calls == 2 and torch.equal(other.gamma["0"], sr.gamma["0"])


# ----------------------------------------------------------------- monitor and training


def test_monitor_records_without_touching_the_model():
    model, x = _sn_layer("conv-wide")
    model.train()
    mon = SpectrumMonitor(model, every=2)
    sn = model[0].parametrizations.weight[0]
    u = sn._u.clone()
    mon.record(0)
    mon.record(2)
    assert torch.equal(sn._u, u)
    assert mon.matrix("0").shape == (2, 8) and mon.steps == [0, 2]
    assert torch.allclose(mon.matrix("0")[:, 0], torch.ones(2))
    assert mon.tail("0").shape == (2,)
    with pytest.raises(ValueError, match="unknown layer"):
        mon.matrix("nope")
    with pytest.raises(ValueError, match="every"):
        SpectrumMonitor(model, every=0)


@pytest.mark.parametrize("mode", ["static", "dynamic"])
def test_training_with_sr_runs_and_stays_finite(mode):
    from gantutor.data import ImageSet
    from gantutor.models import DCDiscriminator, DCGenerator
    from gantutor.train import TrainConfig, Trainer

    torch.manual_seed(0)
    data = ImageSet(torch.randint(0, 256, (32, 1, 28, 28), dtype=torch.uint8), torch.zeros(32, dtype=torch.int64), ("x",))
    G, D = DCGenerator(z_dim=8, width=8), DCDiscriminator(width=8, spectral_norm=True)
    sr = SpectralRegularizer(D, mode, every=2)
    mon = SpectrumMonitor(D, every=1)
    cfg = TrainConfig(steps=5, n_dis=2, batch_size=8, loss="hinge", log_every=1)
    history = Trainer(G, D, data, cfg, device="cpu", callbacks=[sr, mon]).fit(progress=False)
    assert sr.calls == 5 and sr.applied == 3  # once per generator step, after D's last update
    assert all(math.isfinite(v) for key in ("d_loss", "g_loss") for v in history[key])
    assert all(torch.isfinite(p).all() for p in D.parameters())
    assert len(mon.steps) == 5
    for name in sr.layers:
        s = mon.matrix(name)
        assert torch.isfinite(s).all()


def test_sr_state_travels_with_the_trainer_checkpoint(tmp_path):
    """A resumed run keeps SR's counters and running maxima γ (dynamic mode)."""
    from gantutor.data import synthetic_images
    from gantutor.models import DCDiscriminator, DCGenerator
    from gantutor.spectral import SpectralRegularizer
    from gantutor.train import TrainConfig, Trainer

    data = synthetic_images("fmnist", n=64)
    cfg = TrainConfig(steps=4, batch_size=16, log_every=1, out_dir=str(tmp_path), ckpt_every=2)
    torch.manual_seed(0)
    G, D = DCGenerator(z_dim=8, width=8), DCDiscriminator(width=8, spectral_norm=True)
    sr = SpectralRegularizer(D, mode="dynamic", every=1)
    first = Trainer(G, D, data, cfg, device="cpu", callbacks=[sr])
    first.fit(progress=False)
    assert sr.applied > 0
    torch.manual_seed(1)
    G2, D2 = DCGenerator(z_dim=8, width=8), DCDiscriminator(width=8, spectral_norm=True)
    sr2 = SpectralRegularizer(D2, mode="dynamic", every=1)
    Trainer(G2, D2, data, cfg, device="cpu", callbacks=[sr2])  # loads the checkpoint
    assert (sr2.calls, sr2.applied) == (sr.calls, sr.applied)
    assert sr2.gamma.keys() == sr.gamma.keys()
    for k in sr.gamma:
        torch.testing.assert_close(sr2.gamma[k], sr.gamma[k], rtol=0, atol=0)


# ----------------------------------------------------------------- power-iteration rates (lesson 03)


def test_power_iteration_rates_sigma_twice_the_direction_exponent():
    """1 − σ̂/σ₁ falls like ρ^{4k}, the direction error like ρ^{2k} (ρ = σ₂/σ₁)."""
    import numpy as np

    rho = 0.7
    g = torch.Generator().manual_seed(0)
    U, _ = torch.linalg.qr(torch.randn(30, 30, generator=g, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(50, 30, generator=g, dtype=torch.float64))
    S = torch.cat([torch.tensor([1.0, rho]), 0.3 * torch.linspace(1, 0.1, 28)]).double()
    W = (U * S) @ V.T
    ks = np.arange(2, 16)
    e_sigma, e_dir = [], []
    for k in ks:
        sigma, _, v = power_iteration(W, int(k), u=torch.ones(30, dtype=torch.float64))
        assert sigma <= S[0] + 1e-15  # from below
        e_sigma.append(1 - sigma.item())
        e_dir.append((v - (v @ V[:, 0]) * V[:, 0]).norm().item())
    keep = np.array(e_sigma) > 1e-13
    slope_sigma = np.polyfit(ks[keep], np.log(np.array(e_sigma)[keep]), 1)[0]
    slope_dir = np.polyfit(ks, np.log(e_dir), 1)[0]
    assert slope_sigma == pytest.approx(4 * math.log(rho), abs=0.02)
    assert slope_dir == pytest.approx(2 * math.log(rho), abs=0.02)


# ----------------------------------------------------------------- the claims' measurements (lessons 03–04)


def test_lipschitz_probe_bounds():
    from gantutor.reproduce.spectral import lipschitz_probe

    torch.manual_seed(0)
    lin = nn.Sequential(nn.Linear(5, 1))  # f(x) = w·x: ‖∇f‖ = ‖w‖ = σ₁ everywhere, the bounds meet
    out = lipschitz_probe(lin, torch.randn(10, 5))
    assert out["grad_max"] == pytest.approx(out["prod_sigma"], rel=1e-6)
    net = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    probe = lipschitz_probe(net, {"a": torch.randn(200, 2), "b": 3 * torch.randn(200, 2)})
    assert probe["grad_max"] == max(probe["grad_max_a"], probe["grad_max_b"])
    assert probe["grad_max"] <= probe["prod_sigma"] + 1e-6
    sn_net = nn.Sequential(spectral_norm(nn.Linear(2, 16)), nn.LeakyReLU(0.2), spectral_norm(nn.Linear(16, 1)))
    sn_net.train()
    for _ in range(50):  # power-iteration rounds (train-mode forward passes)
        sn_net(torch.randn(4, 2))
    sn_probe = lipschitz_probe(sn_net, torch.randn(100, 2))
    assert sn_probe["prod_sigma"] == pytest.approx(1.0, abs=1e-4) and sn_probe["grad_max"] <= 1 + 1e-4
    assert sn_net.training  # the probe restores the mode
    with pytest.raises(TypeError, match="Module"):
        lipschitz_probe(torch.randn(3, 3), torch.randn(3, 3))
    with pytest.raises(ValueError, match="points"):
        lipschitz_probe(net, torch.randn(5))


def test_class_coverage_on_its_own_reference():
    from gantutor.reproduce.spectral import class_coverage

    torch.manual_seed(0)
    ref = torch.rand(40, 1, 4, 4) * 2 - 1
    labels = torch.arange(40) % 10
    ref_x = ref.flatten(1)
    out = class_coverage(ref, ref_x, labels, real_div=torch.pdist(ref_x).mean().item())
    assert out["classes ≥ 2 %"] == 10 and out["KL(classes ‖ uniform)"] == pytest.approx(0.0, abs=1e-6)
    assert out["distance to nearest real"] == pytest.approx(0.0, abs=1e-3)  # cdist via matmul: ~1e-4 round-off
    assert out["pairwise distance / real"] == pytest.approx(1.0, rel=1e-6)
    one_class = class_coverage(ref[:1].expand(8, -1, -1, -1), ref_x, labels, 1.0)  # collapse: one class, KL = log 10
    assert one_class["classes ≥ 2 %"] == 1 and one_class["KL(classes ‖ uniform)"] == pytest.approx(math.log(10), rel=1e-5)
    with pytest.raises(ValueError, match="pixels"):
        class_coverage(torch.rand(4, 1, 3, 3), ref_x, labels, 1.0)


def _lip_records(sn_grad, sn_prod, free_grad):
    return [{"seed": s, "config": "sn", "grad_max": g, "prod_sigma": p} for s, (g, p) in enumerate(zip(sn_grad, sn_prod))] + \
           [{"seed": s, "config": "none", "grad_max": g, "prod_sigma": 10.0} for s, g in enumerate(free_grad)]


@pytest.mark.parametrize("sn_grad,sn_prod,free_grad,verdict", [
    ([0.2, 0.25, 0.3], [1.01, 1.02, 1.015], [2.0, 2.5, 3.0], "reproduced"),
    ([1.5, 1.6, 1.7], [1.8, 1.9, 2.0], [2.0, 2.5, 3.0], "not reproduced"),
    ([0.2, 0.25, 0.3], [1.01, 1.02, 1.015], [0.5, 0.6, 0.7], "inconclusive"),  # the probe never saw a violation
])
def test_sn_lipschitz_rule(sn_grad, sn_prod, free_grad, verdict):
    from gantutor.reproduce import get_claim, summarize

    recs = _lip_records(sn_grad, sn_prod, free_grad)
    assert get_claim("sn-lipschitz").decide(summarize(recs), recs) == verdict


def _sr_records(sn_end, dyn_end, sn_kl, dyn_kl, start=0.6):
    recs = []
    for s in range(len(sn_end)):
        recs.append({"seed": s, "config": "sn", "tail_start": start, "tail_end": sn_end[s], "kl_uniform": sn_kl[s]})
        recs.append({"seed": s, "config": "sr-dynamic", "tail_start": start, "tail_end": dyn_end[s], "kl_uniform": dyn_kl[s]})
    return recs


@pytest.mark.parametrize("sn_end,dyn_end,sn_kl,dyn_kl,verdict", [
    ([0.1, 0.12, 0.15], [0.55, 0.6, 0.58], [0.8, 0.9, 0.7], [0.2, 0.25, 0.3], "reproduced"),
    ([0.1, 0.12, 0.15], [0.55, 0.6, 0.58], [0.2, 0.25, 0.3], [0.8, 0.9, 0.7], "not reproduced"),  # SR worse
    ([0.1, 0.12, 0.15], [0.55, 0.6, 0.58], [0.2, 0.9, 0.5], [0.3, 0.8, 0.4], "inconclusive"),
    ([0.7, 0.8, 0.75], [0.8, 0.85, 0.9], [0.8, 0.9, 0.7], [0.2, 0.25, 0.3], "not reproduced"),  # no collapse
])
def test_sr_collapse_rule(sn_end, dyn_end, sn_kl, dyn_kl, verdict):
    from gantutor.reproduce import get_claim, summarize

    recs = _sr_records(sn_end, dyn_end, sn_kl, dyn_kl)
    assert get_claim("sr-spectral-collapse").decide(summarize(recs), recs) == verdict


@pytest.mark.parametrize("name,configs,keys", [
    ("sn-lipschitz", {"sn", "none"}, {"grad_max", "prod_sigma", "sigma_lag"}),
    ("sr-spectral-collapse", {"sn", "sr-static", "sr-dynamic"}, {"tail_start", "tail_end", "kl_uniform", "classes_2pct"}),
])
def test_claim_smoke_run(name, configs, keys):
    from gantutor.reproduce import VERDICTS, run_claim

    result = run_claim(name, 2, progress=False)
    assert result["smoke"] and result["verdict"] in VERDICTS and result["seeds"] == [0, 1]
    assert {r["config"] for r in result["per_seed"]} == configs
    assert len(result["per_seed"]) == 2 * len(configs)
    for rec in result["per_seed"]:
        assert keys <= rec.keys() and all(math.isfinite(rec[k]) for k in keys)


def test_plot_helpers():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from gantutor.plots import log_ticks, plot_convergence

    k = np.arange(1, 41)
    ax = plot_convergence(k, {"a": 0.5 ** (4 * k), "b": 0.5 ** (2 * k)}, {"a": 0.5 ** (4 * k)}, title="t")
    ax.figure.canvas.draw()
    labelled = [t for t in ax.get_yticklabels() if t.get_text()]
    assert 2 <= len(labelled) <= 8  # not one label per decade over 1e-48…1
    with pytest.raises(ValueError, match="reference"):
        plot_convergence(k, {"a": k}, {"c": k})
    with pytest.raises(ValueError, match="rounds"):
        plot_convergence(k, {"a": k[:3]})
    with pytest.raises(ValueError, match="axis"):
        log_ticks(ax, "z")
    plt.close("all")


def test_compensation_with_nothing_to_lift_is_sn():
    """SN is SR's special case ΔW = 0: no value lifted (⌊ratio·r⌋ ≤ 1) or dynamic γ without history leave W as it is."""
    W = torch.randn(8, 12, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    for ratio in (0.0, 0.1, 0.2):  # ⌊ratio·8⌋ = 0, 0, 1: only σ₁ itself, which is never moved
        assert torch.allclose(compensate(W, "static", ratio)[0], W, atol=1e-10)
    new, gamma = compensate(W, "dynamic", 0.5)
    assert torch.allclose(new, W, atol=1e-10)
    s = torch.linalg.svdvals(W)
    assert torch.allclose(gamma.double(), s / s[0], atol=1e-10)


def test_compensation_keeps_sigma_one_and_full_ratio_flattens():
    """σ₁(W + ΔW) = σ₁(W) for every ratio; ratio 1 lifts every value to σ₁ (Corollary 1's supremum after SN)."""
    W = torch.randn(6, 20, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    s = torch.linalg.svdvals(W)
    for ratio in (0.25, 0.5, 1.0):
        s_new = torch.linalg.svdvals(compensate(W, "static", ratio)[0])
        assert s_new[0].item() == pytest.approx(s[0].item(), rel=1e-10)
        assert (s_new <= s[0] * (1 + 1e-10)).all()
    flat = torch.linalg.svdvals(compensate(W, "static", 1.0)[0])
    assert torch.allclose(flat / flat[0], torch.ones_like(flat), atol=1e-10)
