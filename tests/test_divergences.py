"""LSGAN theory by quadrature: D*, the extended G objective and the Pearson χ² identity."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, optimize, stats

from gantutor import divergences as dv
from gantutor.losses import get_loss

X = dv.grid()
P_D = dv.gaussian(X, 0.0, 1.0)
GENERATORS = [(0.0, 1.0), (1.0, 1.0), (2.0, 0.7), (-1.0, 1.3), (0.5, 0.5), (3.0, 1.0)]


def two_c(p_g, a, b, c):
    return 2 * dv.lsgan_g_objective(P_D, p_g, X, a, b, c)


@pytest.mark.parametrize("mu, sigma", GENERATORS)
@pytest.mark.parametrize("abc", [(-1, 1, 0), (0, 2, 1), (-3, -1, -2), (1, -1, 0)])
def test_identity_holds_when_b_minus_c_is_1_and_b_minus_a_is_2(mu, sigma, abc):
    p_g = dv.gaussian(X, mu, sigma)
    chi2 = dv.pearson_chi2(P_D + p_g, 2 * p_g, X)
    assert abs(two_c(p_g, *abc) - chi2) < 1e-6
    # (1, −1, 0) is the mirror coding b − c = −1, b − a = −2: exact too, as the coefficients say
    assert dv.lsgan_chi2_coefficients(*abc) == (1.0, 0.0)


def test_identity_against_independent_adaptive_quadrature():
    """Not just the same grid twice: scipy's adaptive quad on the closed-form densities."""
    a, b, c = -1.0, 1.0, 0.0
    pd = lambda t: stats.norm.pdf(t)
    pg = lambda t: stats.norm.pdf(t, 2.0, 0.7)

    def c_integrand(t):
        dstar = (b * pd(t) + a * pg(t)) / (pd(t) + pg(t))
        return (pd(t) + pg(t)) * (dstar - c) ** 2  # = 2 × ½(p_d + p_g)(D* − c)²

    def chi2_integrand(t):
        return (2 * pg(t) - (pd(t) + pg(t))) ** 2 / (pd(t) + pg(t))

    kw = dict(points=[0.0, 2.0], limit=200, epsabs=1e-12, epsrel=1e-12)
    lhs = integrate.quad(c_integrand, -14, 14, **kw)[0]
    rhs = integrate.quad(chi2_integrand, -14, 14, **kw)[0]
    p_g = dv.gaussian(X, 2.0, 0.7)
    assert abs(lhs - rhs) < 1e-6
    assert abs(lhs - two_c(p_g, a, b, c)) < 1e-6
    assert abs(rhs - dv.pearson_chi2(P_D + p_g, 2 * p_g, X)) < 1e-6


@pytest.mark.parametrize("abc", [(0, 1, 1), (-1, 1, 1), (0, 1, 0.5), (-1, 1, 0.5), (0.3, 1.7, -2)])
def test_identity_fails_without_the_conditions(abc):
    p_g = dv.gaussian(X, 1.0, 1.0)
    chi2 = dv.pearson_chi2(P_D + p_g, 2 * p_g, X)
    assert not dv.identity_conditions_hold(*abc)
    assert abs(two_c(p_g, *abc) - chi2) > 1e-2
    # ...but 2C(G) is still an affine function of the same χ² (so G's optimum stays p_g = p_d)
    scale, offset = dv.lsgan_chi2_coefficients(*abc)
    assert abs(two_c(p_g, *abc) - (scale * chi2 + offset)) < 1e-6


def test_every_coding_is_minimised_at_p_g_equal_p_d():
    for abc in [(-1, 1, 0), (0, 1, 1), (-1, 1, 1)]:
        mus = np.linspace(-2, 2, 41)
        values = [two_c(dv.gaussian(X, m, 1.0), *abc) for m in mus]
        assert mus[int(np.argmin(values))] == pytest.approx(0.0)
    # at p_g = p_d: D* = (a+b)/2 everywhere and 2C(G) = 2((a+b)/2 − c)²
    assert two_c(P_D, 0, 1, 1) == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize("a, b", [(-1, 1), (0, 1), (2, -3)])
def test_d_star_is_the_pointwise_minimiser(a, b):
    rng = np.random.default_rng(0)
    p_d, p_g = rng.uniform(0.01, 2.0, 50), rng.uniform(0.01, 2.0, 50)
    dstar = dv.lsgan_optimal_discriminator(p_d, p_g, a, b)
    for i in range(50):
        f = lambda d: 0.5 * p_d[i] * (d - b) ** 2 + 0.5 * p_g[i] * (d - a) ** 2
        assert optimize.minimize_scalar(f).x == pytest.approx(dstar[i], abs=1e-6)
    # and as a function on the grid: any perturbation raises D's objective
    p_g = dv.gaussian(X, 1.5, 0.8)
    dstar = dv.lsgan_optimal_discriminator(P_D, p_g, a, b)
    best = dv.lsgan_d_objective(dstar, P_D, p_g, X, a, b)
    for _ in range(5):
        bump = rng.normal() * np.exp(-((X - rng.uniform(-3, 3)) ** 2))
        assert dv.lsgan_d_objective(dstar + 0.1 * bump, P_D, p_g, X, a, b) > best


def test_d_star_where_both_densities_vanish_is_the_midpoint():
    dstar = dv.lsgan_optimal_discriminator([0.0, 1.0, 0.0], [0.0, 0.0, 2.0], a=0, b=1)
    np.testing.assert_allclose(dstar, [0.5, 1.0, 0.0])


def test_theory_matches_the_library_loss_by_monte_carlo():
    """get_loss('lsgan').d_loss at D* on samples ≈ the quadrature value of D's objective."""
    a, b = -1.0, 1.0
    rng = np.random.default_rng(1)
    real, fake = rng.normal(0, 1, 400_000), rng.normal(1.5, 0.8, 400_000)

    def dstar(t):
        return dv.lsgan_optimal_discriminator(stats.norm.pdf(t), stats.norm.pdf(t, 1.5, 0.8), a, b)

    mc = get_loss("lsgan", a=a, b=b, c=0).d_loss(torch.from_numpy(dstar(real)), torch.from_numpy(dstar(fake))).item()
    p_g = dv.gaussian(X, 1.5, 0.8)
    exact = dv.lsgan_d_objective(dv.lsgan_optimal_discriminator(P_D, p_g, a, b), P_D, p_g, X, a, b)
    assert abs(mc - exact) < 5e-3


@pytest.mark.parametrize("mu_p, s_p, mu_q, s_q", [(0, 1, 0, 1), (0, 1, 1, 1), (0, 1, 2, 0.7), (1, 2, -1, 1.5), (0, 1, 0.5, 1.2)])
def test_chi2_closed_form_for_two_gaussians(mu_p, s_p, mu_q, s_q):
    x = dv.grid(-30, 30, 60001)
    quad = dv.pearson_chi2(dv.gaussian(x, mu_p, s_p), dv.gaussian(x, mu_q, s_q), x)
    assert quad == pytest.approx(dv.chi2_gaussians(mu_p, s_p, mu_q, s_q), abs=1e-6)


def test_chi2_unit_gaussians_is_exp_shift_squared_minus_one():
    assert dv.chi2_gaussians(0, 1, 1.3, 1) == pytest.approx(math.exp(1.3**2) - 1)


def test_chi2_infinite_cases():
    assert dv.chi2_gaussians(0, 1, 0, math.sqrt(2)) == math.inf
    assert dv.chi2_gaussians(0, 1, 0, 3) == math.inf
    x = np.linspace(0, 1, 5)
    assert dv.pearson_chi2([0, 1, 1, 1, 0], [0, 1, 1, 1, 1], x) == math.inf
    assert dv.pearson_chi2([1, 1, 1, 1, 0], [1, 1, 1, 1, 0], x) == 0.0


def test_coefficients_and_conditions():
    assert dv.lsgan_chi2_coefficients(-1, 1, 0) == (1.0, 0.0)
    assert dv.lsgan_chi2_coefficients(0, 1, 1) == (0.25, 0.5)
    assert dv.identity_conditions_hold(-1, 1, 0) and dv.identity_conditions_hold(0, 2, 1)
    assert not dv.identity_conditions_hold(0, 1, 1)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: dv.lsgan_optimal_discriminator([1.0], [1.0], a=1, b=1), "must differ"),
        (lambda: dv.lsgan_optimal_discriminator([1.0], [1.0], a=float("nan")), "finite"),
        (lambda: dv.lsgan_optimal_discriminator([1.0, 2.0], [1.0], 0, 1), "shape"),
        (lambda: dv.lsgan_optimal_discriminator([-1.0], [1.0], 0, 1), "non-negative"),
        (lambda: dv.lsgan_g_objective(P_D, P_D, X, 0, 1, "c"), "finite"),
        (lambda: dv.lsgan_g_objective(P_D, P_D, X[::-1]), "increasing"),
        (lambda: dv.lsgan_g_objective(P_D, P_D[:-1], X), "shape"),
        (lambda: dv.lsgan_d_objective(np.nan, P_D, P_D, X), "finite"),
        (lambda: dv.pearson_chi2(P_D, P_D, X.reshape(1, -1)), "1-D grid"),
        (lambda: dv.pearson_chi2(P_D, np.full_like(P_D, np.inf), X), "finite"),
        (lambda: dv.gaussian(X, 0, 0), "sigma"),
        (lambda: dv.chi2_gaussians(0, -1, 0, 1), "> 0"),
        (lambda: dv.grid(1, 0), "lo < hi"),
        (lambda: dv.grid(0, 1, 2), "n must be"),
        (lambda: dv.lsgan_chi2_coefficients(True, 1, 0), "finite number"),
        (lambda: dv.integrate_density([1.0, 2.0], X), "shape"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- figure and widget (headless)


def test_identity_widget_from_code_presets_and_speed():

    from gantutor.widgets import LSGANCodingWidget

    w = LSGANCodingWidget(shifts=np.linspace(-2, 2, 21))
    assert w.result["valid"] and w.result["conditions_hold"] and w.result["max_gap"] < 1e-6
    r = w.set_codes(0, 1, 1)
    assert r["codes"] == (0, 1, 1) and not r["conditions_hold"] and r["max_gap"] > 0.1
    np.testing.assert_allclose(r["two_c"], 0.25 * r["chi2"] + 0.5, atol=1e-6)
    assert r["argmin_shift"] == 0.0 and "identity fails" in w.status.value
    np.testing.assert_allclose(w.lines[0].get_ydata(), r["two_c"])  # the plot shows what was computed
    w.buttons[0].click()  # the χ² preset
    assert w.result["codes"] == (-1, 1, 0) and w.result["max_gap"] < 1e-6
    w.sliders["a"].value = 1.0  # a = b: a message, not a crash
    assert not w.result["valid"] and "differ" in w.status.value
    with pytest.raises(ValueError, match="sigma_g"):
        LSGANCodingWidget(sigma_g=0)


def test_gradient_field_and_identity_plots_check_shapes():
    import matplotlib.pyplot as plt

    from gantutor.plots import plot_gradient_field, plot_lsgan_identity

    pts = np.random.default_rng(0).normal(size=(20, 2))
    ax = plot_gradient_field(pts, 0.1 * pts, real=pts, normal=(1.0, 0.5), levels=(0.0, 1.0), title="t")
    assert ax.get_title() == "t"
    with pytest.raises(ValueError, match="shape"):
        plot_gradient_field(pts, pts[:, :1])
    axes, lines = plot_lsgan_identity(np.arange(3.0), np.ones(3), np.zeros(3), coding=(-1, 1, 0))
    assert len(axes) == 2 and len(lines) == 3
    with pytest.raises(ValueError, match="one length"):
        plot_lsgan_identity(np.arange(3.0), np.ones(2), np.zeros(3))
    plt.close("all")


def test_plot_decision_boundary_draws_the_levels_and_checks_shapes():
    import matplotlib.pyplot as plt

    from gantutor.plots import plot_decision_boundary

    rng = np.random.default_rng(0)
    real, fake = rng.normal([0, 1.5], 0.3, (50, 2)), rng.normal([0, -1.5], 0.3, (50, 2))
    probes = np.array([[2.5, 4.0], [2.0, 4.5]])
    score = lambda pts: pts[:, 1]  # noqa: E731 — boundary y = 0, target y = 1
    ax = plot_decision_boundary(score, real, fake, probes=probes, probe_grads=np.array([[0.0, 1.0], [0.0, 2.0]]),
                                boundary=0.0, target=1.0, arrow_scale=0.5)
    # the boundary contour is the line y = 0 and the target contour y = 1
    segs = [seg for coll in ax.collections if hasattr(coll, "get_paths") for seg in coll.get_paths()]
    ys = [np.round(p.vertices[:, 1].mean(), 6) for p in segs if len(p.vertices) and np.ptp(p.vertices[:, 1]) < 1e-9]
    assert 0.0 in ys and 1.0 in ys
    quiver = [c for c in ax.collections if type(c).__name__ == "Quiver"]
    assert len(quiver) == 1 and np.allclose(quiver[0].V, [-0.5, -1.0])  # −grad × scale
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        plot_decision_boundary(score, real[:, :1], fake)
    with pytest.raises(ValueError, match="probes' shape"):
        plot_decision_boundary(score, real, fake, probes=probes, probe_grads=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="extent"):
        plot_decision_boundary(score, real, fake, extent=(1, 0, 0, 1))


def test_min_d_objective_is_the_objective_at_d_star_and_one_at_p_g_equal_p_d():
    from gantutor import divergences as dv

    x = dv.grid(-12, 12, 8001)
    p_d = dv.gaussian(x, 0.0, 1.0)
    for (mu, s), (a, b) in [((1.0, 1.0), (0.0, 1.0)), ((2.0, 0.7), (-1.0, 1.0)), ((-0.5, 1.5), (0.3, 2.0))]:
        p_g = dv.gaussian(x, mu, s)
        at_star = dv.lsgan_d_objective(dv.lsgan_optimal_discriminator(p_d, p_g, a, b), p_d, p_g, x, a, b)
        assert dv.lsgan_min_d_objective(p_d, p_g, x, a, b) == pytest.approx(at_star, abs=1e-10)
    # p_g = p_d, codes −1/1: every D has loss 1 + ∫ p D² ≥ 1, with equality at D ≡ 0
    assert dv.lsgan_min_d_objective(p_d, p_d, x, -1, 1) == pytest.approx(1.0, abs=1e-10)
    D = 0.3 * np.sin(x)
    assert dv.lsgan_d_objective(D, p_d, p_d, x, -1, 1) == pytest.approx(1 + dv.integrate_density(p_d * D**2, x), abs=1e-10)
    with pytest.raises(ValueError, match="differ"):
        dv.lsgan_min_d_objective(p_d, p_d, x, 1, 1)
