"""Densities and quadrature: the identities of Goodfellow et al. (2014) to many digits."""

import math

import numpy as np
import pytest

from gantutor import densities as dn

P_DATA = dn.mixture([-1.5, 1.0], [0.5, 0.8], [0.4, 0.6])
P_GS = [dn.gaussian(0, 1), dn.gaussian(3, 0.4), dn.mixture([-1.5, 1.0], [0.5, 0.8], [0.7, 0.3]), dn.gaussian(-6, 2.0)]


def test_density_integrates_to_one_and_has_right_moments():
    x = dn.grid(P_DATA, n=4001)
    assert dn.integrate(P_DATA, x) == pytest.approx(1.0, abs=1e-10)
    assert dn.integrate(lambda t: t * P_DATA(t), x) == pytest.approx(P_DATA.mean, abs=1e-9)
    var = dn.integrate(lambda t: (t - P_DATA.mean) ** 2 * P_DATA(t), x)
    assert math.sqrt(var) == pytest.approx(P_DATA.std, abs=1e-9)


def test_samples_follow_the_density():
    s = P_DATA.sample(200_000, rng=0)
    assert s.mean() == pytest.approx(P_DATA.mean, abs=0.01)
    assert s.std() == pytest.approx(P_DATA.std, abs=0.01)
    from scipy.stats import norm

    expected = 0.4 * norm.cdf(-0.3, -1.5, 0.5) + 0.6 * norm.cdf(-0.3, 1.0, 0.8)
    assert np.mean(s < -0.3) == pytest.approx(expected, abs=0.005)


def test_kl_matches_gaussian_closed_form():
    for (m1, s1, m2, s2) in [(0, 1, 0, 1), (0, 1, 1, 1), (0.5, 0.3, -1, 2), (2, 2, 0, 0.7)]:
        p, q = dn.gaussian(m1, s1), dn.gaussian(m2, s2)
        x = dn.grid(p, q, n=8001, width=12)
        assert dn.kl(p, q, x) == pytest.approx(dn.kl_gaussians(m1, s1, m2, s2), abs=1e-8)


def test_jsd_bounds_and_symmetry():
    x = dn.grid(P_DATA, *P_GS, n=8001)
    assert dn.jsd(P_DATA, P_DATA, x) == pytest.approx(0.0, abs=1e-12)
    for q in P_GS:
        j = dn.jsd(P_DATA, q, x)
        assert 0 < j <= math.log(2) + 1e-12
        assert j == pytest.approx(dn.jsd(q, P_DATA, x), abs=1e-12)
    far = dn.gaussian(60, 0.5)
    x_far = dn.grid(P_DATA, far, n=40001)
    assert dn.jsd(P_DATA, far, x_far) == pytest.approx(math.log(2), abs=1e-6)  # disjoint supports


def test_jsd_against_monte_carlo():
    """An independent estimate: JSD = ½E_p[log(p/m)] + ½E_q[log(q/m)] by sampling."""
    q = P_GS[0]
    x = dn.grid(P_DATA, q, n=8001)
    m = lambda t: 0.5 * (P_DATA(t) + q(t))  # noqa: E731
    a, b = P_DATA.sample(400_000, rng=1), q.sample(400_000, rng=2)
    mc = 0.5 * np.mean(np.log(P_DATA(a) / m(a))) + 0.5 * np.mean(np.log(q(b) / m(b)))
    assert dn.jsd(P_DATA, q, x) == pytest.approx(mc, abs=3e-3)


@pytest.mark.parametrize("p_g", P_GS, ids=repr)
def test_virtual_criterion_is_minus_log4_plus_2jsd(p_g):
    x = dn.grid(P_DATA, p_g, n=8001)
    c = dn.virtual_criterion(P_DATA, p_g, x)
    assert c == pytest.approx(-math.log(4) + 2 * dn.jsd(P_DATA, p_g, x), abs=1e-9)
    assert c > -math.log(4)
    # the same number through the generic V(D, G) with D* given by its logit log p_data − log p_g
    # (as an array D* rounds to exactly 1 where p_g/p_data < 1e-16, and log(1 − 1) = −inf)
    x6 = dn.grid(P_DATA, p_g, n=8001, width=6)
    logit = np.log(P_DATA(x6)) - np.log(p_g(x6))
    v = dn.value_function(logit, P_DATA, p_g, x6, logits=True)
    assert v == pytest.approx(dn.virtual_criterion(P_DATA, p_g, x6), abs=1e-9)
    assert v == pytest.approx(c, abs=1e-6)


def test_optimal_discriminator_beats_every_other_d():
    p_g = P_GS[0]
    x = dn.grid(P_DATA, p_g, n=4001)
    d_star = dn.optimal_discriminator(P_DATA, p_g, x)
    best = dn.value_function(d_star, P_DATA, p_g, x)
    rng = np.random.default_rng(0)
    for _ in range(20):
        other = np.clip(d_star + 0.1 * rng.standard_normal(x.size), 1e-6, 1 - 1e-6)
        assert dn.value_function(other, P_DATA, p_g, x) < best
    assert dn.value_function(np.full_like(x, 0.5), P_DATA, p_g, x) == pytest.approx(-math.log(4), abs=1e-9)


def test_minimum_of_c_is_at_p_data():
    p_data = dn.gaussian(1.0, 0.7)
    x = dn.grid(p_data, lo=-12, hi=14, n=6001)
    means = np.linspace(-2, 4, 61)
    cs = [dn.virtual_criterion(p_data, dn.gaussian(m, 0.7), x) for m in means]
    assert means[int(np.argmin(cs))] == pytest.approx(1.0)
    assert min(cs) == pytest.approx(-math.log(4), abs=1e-9)


def test_zero_over_zero_and_edge_values():
    d = dn.optimal_discriminator(np.array([0.0, 1.0, 0.0, 2.0]), np.array([0.0, 0.0, 3.0, 2.0]))
    np.testing.assert_allclose(d, [0.5, 1.0, 0.0, 0.5])
    x = np.linspace(0, 1, 5)
    assert dn.value_function(np.zeros(5), np.ones(5), np.zeros(5), x) == -math.inf
    assert dn.kl(np.ones(5), np.array([1, 1, 0, 1, 1.0]), x) == math.inf
    assert dn.kl(np.array([1, 1, 0, 1, 1.0]), np.ones(5), x) < math.inf


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: dn.gaussian(0, 0), "> 0"),
        (lambda: dn.mixture([0, 1], [1, 1, 1]), "same length"),
        (lambda: dn.mixture([0, 1], 1, [1, -1]), ">= 0"),
        (lambda: dn.integrate(np.ones(3), np.array([0, 2, 1.0])), "increasing"),
        (lambda: dn.integrate(np.ones(4), np.linspace(0, 1, 5)), "shape"),
        (lambda: dn.kl(-np.ones(5), np.ones(5), np.linspace(0, 1, 5)), ">= 0"),
        (lambda: dn.value_function(np.full(5, 1.5), np.ones(5), np.ones(5), np.linspace(0, 1, 5)), r"\[0, 1\]"),
        (lambda: dn.optimal_discriminator(dn.gaussian(), dn.gaussian()), "grid x"),
        (lambda: dn.grid(n=100), "lo and hi"),
        (lambda: dn.gaussian().sample(-1), "non-negative"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_criterion_gradient_is_the_derivative_of_c_along_any_mass_preserving_direction():
    """δC/δp_g = log(1 − D*): d/dε C(p_g + ε h) at ε = 0 equals ∫ h log(1 − D*) for ∫h = 0 (Proposition 2's step)."""
    x = dn.grid(lo=-10, hi=10, n=4001)
    p_g = dn.gaussian(0.5, 1.2)(x)
    h = dn.gaussian(-1.0, 0.7)(x) - dn.gaussian(2.0, 0.9)(x)  # integrates to 0: p_g + εh keeps mass 1
    eps = 1e-5
    fd = (dn.virtual_criterion(P_DATA(x), p_g + eps * h, x) - dn.virtual_criterion(P_DATA(x), p_g - eps * h, x)) / (2 * eps)
    grad = dn.criterion_gradient(P_DATA(x), p_g)
    assert np.allclose(grad, np.log(1 - dn.optimal_discriminator(P_DATA(x), p_g)), atol=1e-9)
    assert fd == pytest.approx(dn.integrate(h * grad, x), abs=1e-7)
    assert np.isneginf(dn.criterion_gradient(np.ones(3), np.array([0.0, 1.0, 1.0]))[0])


def test_parzen_matches_a_direct_sum_and_picks_a_sensible_bandwidth():
    rng = np.random.default_rng(0)
    samples, test = rng.normal(size=(50, 3)), rng.normal(size=(7, 3))
    sigma = 0.8
    direct = [math.log(np.mean([np.exp(-np.sum((t - s) ** 2) / (2 * sigma**2)) / (2 * math.pi * sigma**2) ** 1.5 for s in samples]))
              for t in test]
    assert dn.parzen_log_likelihood(samples, test, sigma) == pytest.approx(np.mean(direct), abs=1e-10)
    assert np.allclose(dn.parzen_log_likelihood(samples, test, sigma, per_point=True), direct, atol=1e-10)
    # 1-D arrays are points in one dimension; many samples of N(0,1) give nearly its true log-likelihood
    big, valid, test1 = rng.normal(size=20_000), rng.normal(size=2000), rng.normal(size=2000)
    s = dn.parzen_bandwidth(big, valid, np.geomspace(0.02, 2, 30))
    assert 0.05 < s < 0.5
    true_ll = np.mean(-0.5 * np.log(2 * np.pi) - 0.5 * test1**2)
    assert dn.parzen_log_likelihood(big, test1, s) == pytest.approx(true_ll, abs=0.03)
    with pytest.raises(ValueError, match="sigma"):
        dn.parzen_log_likelihood(samples, test, 0.0)
    with pytest.raises(ValueError, match="dimension"):
        dn.parzen_log_likelihood(samples, test[:, :2], 1.0)
    with pytest.raises(ValueError, match="sigmas"):
        dn.parzen_bandwidth(samples, test, [])
