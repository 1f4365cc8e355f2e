"""The 1-D minimax game: D converges to D*, the saturating loss starves G when D wins."""

import numpy as np
import pytest
import torch

from gantutor import densities as dn
from gantutor import minimax as mm

P_DATA, P_G = dn.gaussian(0, 1), dn.gaussian(1.5, 0.8)
X = np.linspace(-3, 4, 201)


def _mass_region(p, q, x, frac=0.05):
    mix = 0.5 * (p(x) + q(x))
    return mix >= frac * mix.max()


def test_trained_discriminator_approaches_the_optimal_one():
    """Tolerance: max |D − D*| ≤ 0.03 where (p_data + p_g)/2 is at least 5 % of its peak."""
    d_star = dn.optimal_discriminator(P_DATA, P_G, X)
    mask = _mass_region(P_DATA, P_G, X)
    untrained = mm.discriminator_on_grid(mm.Discriminator1D(), X)
    assert np.abs(untrained - d_star)[mask].max() > 0.2  # the check below is not satisfied by chance
    D, losses = mm.train_discriminator(P_DATA, P_G, steps=400, batch_size=512, progress=False)
    err = np.abs(mm.discriminator_on_grid(D, X) - d_star)[mask]
    assert err.max() < 0.03, f"max |D − D*| = {err.max():.3f}"
    # its loss reaches the optimum −V(D*, G) = log 4 − 2 JSD (up to sampling noise)
    x = dn.grid(P_DATA, P_G)
    assert np.mean(losses[-50:]) == pytest.approx(-dn.virtual_criterion(P_DATA, P_G, x), abs=0.02)


def test_g_loss_slope_is_d_for_saturating_and_one_minus_d_for_nonsaturating():
    d = np.array([1e-6, 1e-3, 0.1, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(mm.g_loss_slope(d, "saturating"), d, rtol=1e-9)
    np.testing.assert_allclose(mm.g_loss_slope(d, "nonsaturating"), 1 - d, rtol=1e-6)


def test_saturating_gradient_vanishes_when_d_wins():
    p_data = dn.gaussian(3, 0.5)
    run = mm.train_gan(p_data, steps=1, d_pretrain=300, n_snapshots=1, progress=False)
    g = torch.Generator().manual_seed(0)
    sat = mm.generator_gradients(run.G, run.D, "saturating", n=500, generator=g)
    ns = mm.generator_gradients(run.G, run.D, "nonsaturating", n=500, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(sat["d_fake"], ns["d_fake"])
    assert sat["d_fake"].mean() < 0.02  # D wins: it rejects G's samples
    assert sat["grad_params"] < 0.05 * ns["grad_params"]
    assert np.median(sat["grad_x"]) < 0.05 * np.median(ns["grad_x"])


def test_train_gan_records_history_and_snapshots():
    p_data = dn.mixture([-2, 2], [0.5, 0.5])
    seen = []
    run = mm.train_gan(p_data, steps=40, k=2, n_snapshots=3, kde_samples=200, callback=lambda r: seen.append(len(r.history["d_loss"])),
                       callback_every=20, progress=False)
    assert set(run.history) == {"d_loss", "g_loss", "D(x) real", "D(G(z))", "mean G(z)", "std G(z)"}
    assert all(len(v) == 40 for v in run.history.values()) and seen == [20, 40]
    assert [s.step for s in run.snapshots] == [0, 20, 40]
    for s in run.snapshots:
        assert s.p_g.shape == s.d.shape == run.x.shape and np.all((s.d > 0) & (s.d < 1))
        assert dn.integrate(s.p_g, np.linspace(run.x[0] - 20, run.x[-1] + 20, run.x.size)) > 0  # a density, not garbage
    # the same seed gives the same game
    again = mm.train_gan(p_data, steps=40, k=2, n_snapshots=3, kde_samples=200, progress=False)
    assert again.history["g_loss"] == run.history["g_loss"]


def test_generator_density_is_a_density_even_when_collapsed():
    x = np.linspace(-5, 5, 1001)
    rng = np.random.default_rng(0)
    p = mm.generator_density(rng.normal(1, 0.5, 5000), x)
    assert dn.integrate(p, x) == pytest.approx(1, abs=0.01)
    assert dn.jsd(p, dn.gaussian(1, 0.5)(x), x) < 0.01
    collapsed = mm.generator_density(np.full(100, 2.0), x)
    assert dn.integrate(collapsed, x) == pytest.approx(1, abs=0.01) and x[np.argmax(collapsed)] == pytest.approx(2, abs=0.02)
    assert np.all(mm.generator_density(np.array([np.nan, np.inf]), x) == 0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mm.train_gan(P_DATA, loss="wasserstein", steps=1), "allowed are"),
        (lambda: mm.train_gan(P_DATA, optimizer="rmsprop", steps=1), "allowed are"),
        (lambda: mm.train_gan(P_DATA, steps=0), "steps"),
        (lambda: mm.train_gan(P_DATA, k=1.5, steps=1), "k must"),
        (lambda: mm.train_gan(np.zeros(3), steps=1), "Density"),
        (lambda: mm.train_gan(P_DATA, lr_d=-1, steps=1), "> 0"),
        (lambda: mm.train_discriminator(P_DATA, "gaussian"), "Density"),
        (lambda: mm.g_loss_slope([0.0, 0.5], "saturating"), "between 0 and 1"),
        (lambda: mm.g_loss_slope([0.5], "hinge2"), "allowed are"),
        (lambda: mm.Generator1D(noise_dim=0), "noise_dim"),
        (lambda: mm.Generator1D(noise_dim=2)(torch.zeros(3, 4)), r"\(N, 2\)"),
        (lambda: mm.Discriminator1D()(torch.zeros(3, 2)), r"\(N,\) or \(N, 1\)"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_lesson01_widget_updates_fast_and_shows_the_right_numbers():
    import math

    from gantutor.widgets import OptimalDiscriminatorExplorer

    w = OptimalDiscriminatorExplorer()
    w.fig.canvas.draw()
    values = w.update(mean=0.0, spread=0.5, split=4.0, weight=0.5)  # p_g = p_data exactly
    w.fig.canvas.draw()
    assert values["JSD"] == pytest.approx(0, abs=1e-9) and values["V(D*,G)"] == pytest.approx(-math.log(4), abs=1e-9)
    np.testing.assert_allclose(w.line_d.get_ydata(), 0.5, atol=1e-9)  # D* = 1/2 everywhere
    w.sliders["mean"].value = 1.5  # a slider move redraws through the observer
    p_g = dn.mixture([-0.5, 3.5], [0.5, 0.5])
    assert w.values["JSD"] == pytest.approx(dn.jsd(w.p_data, p_g, w.x), abs=1e-6)
    assert w.values["V(D*,G)"] == pytest.approx(-math.log(4) + 2 * w.values["JSD"], abs=1e-9)
    with pytest.raises(ValueError, match="allowed are"):
        w.update(sigma=1.0)
    with pytest.raises(ValueError, match="must lie in"):
        w.update(spread=0.0)


def test_live_curves_update_in_place():
    from gantutor.plots import LiveCurves

    live = LiveCurves({"losses": ["d_loss", "g_loss"]}, smooth=2)
    live.update({"d_loss": [1.0, 0.5, 0.25], "g_loss": [2.0, 2.0, 2.0]})
    np.testing.assert_allclose(live.lines["d_loss"].get_ydata(), [0.75, 0.375])
    with pytest.raises(ValueError, match="no 'x'"):
        LiveCurves({"p": ["x"]}).update({"d_loss": [1.0]})


def test_first_arrival_finds_the_first_step_within_reach():
    assert mm.first_arrival([0.0, 1.0, 2.6, 3.2, 2.0], 3.0, 0.5) == 3  # 1-based: the third step
    assert mm.first_arrival([0.0, np.nan, 1.0], 3.0, 0.5) is None  # never (a NaN never counts)
    assert mm.first_arrival([3.0], 3.0, 0.5) == 1
    with pytest.raises(ValueError, match="within must be > 0"):
        mm.first_arrival([1.0], 3.0, 0.0)
    with pytest.raises(ValueError, match="non-empty"):
        mm.first_arrival([], 3.0, 0.5)


def test_discriminator_gap_is_zero_at_dstar_and_grows_away_from_it():
    x = np.linspace(-8, 9, 2001)
    p, q = P_DATA(x), P_G(x)
    d_star = dn.optimal_discriminator(p, q, x)
    assert mm.discriminator_gap(x, p, q, d_star) == pytest.approx(0, abs=1e-12)
    # D = 1/2 everywhere: the gap is ∫ m |1/2 − D*| (by quadrature, written out here)
    m = 0.5 * (p + q)
    assert mm.discriminator_gap(x, p, q, np.full_like(x, 0.5)) == pytest.approx(dn.integrate(m * np.abs(0.5 - d_star), x), rel=1e-9)
    assert mm.discriminator_gap(x, p, q, np.clip(d_star + 0.1, 0, 1)) > mm.discriminator_gap(x, p, q, np.clip(d_star + 0.05, 0, 1)) > 0
    with pytest.raises(ValueError, match="sigmoid"):
        mm.discriminator_gap(x, p, q, d_star + 2)
    with pytest.raises(ValueError, match="grid's shape"):
        mm.discriminator_gap(x, p, q[:-1], d_star)


def test_ns_vs_saturating_claim_smoke_run(monkeypatch, tmp_path):
    """The claim runs in seconds in smoke mode and writes every field the lessons read."""

    from gantutor.reproduce import get_claim, load_result, run_claim, summary_frame, verdict_line

    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    result = run_claim("ns-vs-saturating", 2, tmp_path / "ns-vs-saturating.json", progress=False)
    assert result["smoke"] and result["seeds"] == [0, 1]
    loaded = load_result("ns-vs-saturating", tmp_path)
    assert loaded["verdict"] == result["verdict"] in ("reproduced", "not reproduced", "inconclusive")
    configs = {r["config"] for r in loaded["per_seed"]}
    assert configs == {"nonsaturating", "saturating", "ratio nonsaturating/saturating"}
    for r in loaded["per_seed"]:
        keys = {"grad_ratio", "log10_grad_ratio"} if r["config"].startswith("ratio") else {
            "d_fake", "grad_norm", "median_grad_x", "steps_sgd", "reached_sgd", "steps_adam", "reached_adam"}
        assert keys <= set(r), r
    assert "grad_norm" in summary_frame(loaded).columns and "ns-vs-saturating" in verdict_line(loaded)
    assert get_claim("ns-vs-saturating").default_seeds >= 3


def test_ns_vs_saturating_rule():
    """The rule on hand-made records: each of its three verdicts is reachable."""
    from gantutor.reproduce import get_claim

    decide = get_claim("ns-vs-saturating").decide

    def records(log_ratios, steps_ns, steps_sat, reached=1.0):
        out = []
        for seed, (lr, a, b) in enumerate(zip(log_ratios, steps_ns, steps_sat)):
            out += [{"seed": seed, "config": "nonsaturating", "steps_sgd": a, "reached_sgd": reached},
                    {"seed": seed, "config": "saturating", "steps_sgd": b, "reached_sgd": reached},
                    {"seed": seed, "config": "ratio nonsaturating/saturating", "log10_grad_ratio": lr}]
        return out

    assert decide({}, records([2.9, 3.1, 3.0], [12, 11, 13], [570, 830, 500])) == "reproduced"
    assert decide({}, records([-0.1, -0.2, -0.15], [12, 11, 13], [570, 830, 500])) == "not reproduced"
    assert decide({}, records([2.9, 3.1, 3.0], [600, 700, 650], [12, 11, 13])) == "not reproduced"
    # stronger, but shown below 10× (the margin of "much stronger"): not reproduced
    assert decide({}, records([0.5, 0.6, 0.55], [12, 11, 13], [570, 830, 500])) == "not reproduced"
    assert decide({}, records([0.2, 2.5, 1.3], [12, 11, 13], [570, 830, 500])) == "inconclusive"  # too wide to say
    assert decide({}, records([2.9, 3.1, 3.0], [30, 30, 30], [30, 30, 30], reached=0.0)) == "inconclusive"


def test_plot_k_sweep_draws_means_and_checks_records():
    import matplotlib.pyplot as plt

    from gantutor.plots import plot_k_sweep

    sweep = {1: [{"steps": [10, 20], "gaps": [0.3, 0.1], "jsd_end": 0.2}, {"steps": [10, 20], "gaps": [0.1, 0.1], "jsd_end": 0.1}],
             5: [{"steps": [10, 20], "gaps": [0.05, 0.05], "jsd_end": 0.3}]}
    left, right = plot_k_sweep(sweep)
    means = [line for line in left.get_lines() if line.get_label() == "k = 1"]
    assert len(means) == 1 and np.allclose(means[0].get_ydata(), [0.2, 0.1])
    plt.close(left.figure)
    with pytest.raises(ValueError, match="lacks"):
        plot_k_sweep({1: [{"steps": [1], "gaps": [0.1]}]})
    with pytest.raises(ValueError, match="non-empty"):
        plot_k_sweep({1: []})
