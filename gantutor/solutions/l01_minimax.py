"""Lesson 01 (the minimax game): reference solutions of the exercises."""

import math

import numpy as np

from gantutor import densities as dn
from gantutor.checks import exercise


def _dstar_at_zero() -> float:
    p, q = dn.gaussian(0, 1), dn.gaussian(1, 1)
    return float(p(0.0) / (p(0.0) + q(0.0)))


@exercise(
    "01.dstar-point",
    "p_data = N(0, 1) and p_g = N(1, 1). What is the optimal discriminator's output D*(0) at x = 0?",
    check=lambda ans: abs(float(ans) - _dstar_at_zero()) < 1e-3,
    hint="D*(x) = p_data(x) / (p_data(x) + p_g(x)); the normalising constants cancel, leaving a sigmoid.",
    explanation="D*(0) = 1/(1 + e^(−1/2)) ≈ 0.622: more data than fakes at 0, but not by much.",
)
def dstar_point():
    # the 1/√(2π) cancel: D*(0) = e^0 / (e^0 + e^(−1/2)) = sigmoid(1/2)
    return 1.0 / (1.0 + math.exp(-0.5))


@exercise(
    "01.disjoint",
    "p_data and p_g have disjoint supports (no overlap at all). What is C(G) = max_D V(D, G)?",
    check=lambda ans: abs(float(ans)) < 1e-6,
    hint="What is JSD(p ‖ q) when p and q never overlap? Then use C(G) = −log 4 + 2·JSD.",
    explanation="JSD = log 2, so C(G) = −log 4 + 2 log 2 = 0: D is perfect (1 on data, 0 on fakes) and V = 0.",
)
def disjoint():
    p, q = dn.gaussian(0, 0.5), dn.gaussian(50, 0.5)
    return dn.virtual_criterion(p, q, dn.grid(p, q, n=20001))  # = −log 4 + 2 log 2 = 0 up to quadrature error


@exercise(
    "01.slope-ratio",
    "A fake sample has D(G(z)) = 0.01. How many times larger is the non-saturating generator's "
    "gradient (w.r.t. D's raw score) than the saturating one's?",
    check=lambda ans: abs(float(ans) - 99.0) < 0.5,
    hint="The slopes are D(G(z)) for the saturating loss and 1 − D(G(z)) for the non-saturating one.",
    explanation="(1 − 0.01)/0.01 = 99: the worse G is, the more the two losses differ.",
)
def slope_ratio():
    from gantutor.minimax import g_loss_slope

    return float(g_loss_slope([0.01], "nonsaturating")[0] / g_loss_slope([0.01], "saturating")[0])


def _best_mean(mus: np.ndarray) -> float:
    p = dn.mixture([-2, 2], [0.5, 0.5], [0.7, 0.3])
    x = dn.grid(p, lo=-10, hi=10, n=2001)
    return float(mus[np.argmin([dn.jsd(p, dn.gaussian(m, 0.5), x) for m in mus])])


@exercise(
    "01.jsd-mode",
    "p_data = mixture([-2, 2], [0.5, 0.5], weights [0.7, 0.3]). Among Gaussians p_g = N(μ, 0.5²), which "
    "mean μ minimises JSD(p_data ‖ p_g)? Use gantutor.densities (grid, jsd) and a sweep of μ in [−4, 4].",
    check=lambda ans: abs(float(ans) - _best_mean(np.linspace(-4, 4, 161))) < 0.1,
    hint="dn.jsd(p_data, dn.gaussian(mu, 0.5), x) for mu in np.linspace(-4, 4, 161); take the argmin.",
    explanation="μ = −2: a narrow p_g that cannot cover both modes sits on the heavier one rather than between them.",
)
def jsd_mode():
    return _best_mean(np.linspace(-4, 4, 161))


def _kl_minus_2jsd_slope(theta0: float = 1.0, h: float = 1e-3) -> float:
    x = dn.grid(lo=-14, hi=15, n=8001)
    p = dn.gaussian(0, 1)(x)

    def f(theta: float) -> float:
        q = dn.gaussian(theta, 1)(x)
        return dn.kl(q, p, x) - 2 * dn.jsd(p, q, x)

    return (f(theta0 + h) - f(theta0 - h)) / (2 * h)


@exercise(
    "01.ns-gradient",
    "p_data = N(0, 1) and p_gθ = N(θ, 1). Compute d/dθ [KL(p_gθ ‖ p_data) − 2·JSD(p_data ‖ p_gθ)] at θ0 = 1: "
    "the expected gradient of the non-saturating loss at D = D* (Arjovsky & Bottou 2017, Thm 2.5). Tolerance 1e-3.",
    check=lambda ans: abs(float(ans) - _kl_minus_2jsd_slope()) < 1e-3,
    hint="KL(N(θ,1) ‖ N(0,1)) = θ²/2, so its slope is θ; the JSD part needs quadrature: dn.jsd on a grid, then a "
    "central difference (f(1 + h) − f(1 − h)) / 2h with h = 1e-3.",
    explanation="The KL part alone gives θ0 = 1; the −2·JSD part is negative here (the JSD grows with θ > 0), so the sum is "
    "smaller than 1. That part has the wrong sign (Arjovsky & Bottou): on its own it would move θ away from 0, raising the JSD.",
)
def ns_gradient():
    return _kl_minus_2jsd_slope()


@exercise(
    "01.functional-gradient",
    "Derivation (Proposition 2's step): differentiate C(p_g) = ∫ p_data log(p_data/(p_data + p_g)) + p_g log(p_g/(p_data + p_g)) dx "
    "with respect to the value p_g(x), and evaluate δC/δp_g at a point where p_data(x) = 0.3 and p_g(x) = 0.1. "
    "Accepted: a number within 1e-6 of the exact value.",
    check=lambda ans: abs(float(ans) - math.log(0.1 / 0.4)) < 1e-6,
    hint="Differentiate the integrand at one x: you get −p_data/(p_data + p_g) + log(p_g/(p_data + p_g)) + 1 − p_g/(p_data + p_g). "
    "Two of the terms cancel against the 1.",
    explanation="δC/δp_g = log(p_g/(p_data + p_g)) = log(1 − D*) = log(0.1/0.4) ≈ −1.386. The terms that come from D* moving "
    "with p_g cancel (D* is a maximiser), which is why the gradient of the supremum is the gradient at D* — the heart of "
    "Proposition 2's proof. A step along −δC/δp_g moves mass towards the points where p_g is small compared with p_data.",
)
def functional_gradient():
    # δ/δp_g [p_d log(p_d/(p_d+p_g)) + p_g log(p_g/(p_d+p_g))] = −p_d/(p_d+p_g) + log(p_g/(p_d+p_g)) + 1 − p_g/(p_d+p_g)
    #                                                          = log(p_g/(p_d+p_g))   (the three other terms sum to 0)
    return float(dn.criterion_gradient(np.array([0.3]), np.array([0.1]))[0])


def _hinge_minimum() -> float:
    from scipy.stats import norm

    # 2·∫ min(p_d, p_g) for N(0,1) and N(1,1): the densities cross at x = 1/2, so ∫ min = 2·(1 − Φ(1/2))
    return 4.0 * (1.0 - norm.cdf(0.5))


@exercise(
    "01.hinge-optimum",
    "Derivation: D minimises the hinge loss L_D = E_p_data[max(0, 1 − s(x))] + E_p_g[max(0, 1 + s(x))] over raw scores s(x). "
    "Find the optimal s*(x) pointwise and the smallest L_D, then evaluate it for p_data = N(0, 1), p_g = N(1, 1). "
    "Accepted: a number within 1e-3 of the exact value.",
    check=lambda ans: abs(float(ans) - _hinge_minimum()) < 1e-3,
    hint="At one x minimise f(s) = p_d·max(0, 1 − s) + p_g·max(0, 1 + s): it is piecewise linear in s, so its minimum is at a kink, "
    "s = −1 or s = +1. Compare f(1) = 2p_g with f(−1) = 2p_d.",
    explanation="s*(x) = +1 where p_data > p_g and −1 where p_data < p_g (any value in [−1, 1] where they are equal), so the "
    "smallest loss is 2∫ min(p_data, p_g) dx = 2(1 − TV(p_data, p_g)) with TV the total variation distance. For N(0,1) and "
    "N(1,1) the densities cross at 1/2, ∫ min = 2(1 − Φ(1/2)), and L_D* = 4(1 − Φ(1/2)) ≈ 1.234. Unlike D* of the "
    "cross-entropy, the hinge D* only says which density is larger — it saturates at ±1.",
)
def hinge_optimum():
    x = dn.grid(lo=-12, hi=13, n=20001)
    p, q = dn.gaussian(0, 1)(x), dn.gaussian(1, 1)(x)
    s_star = np.sign(p - q)                                     # the pointwise minimiser (a kink of a piecewise-linear f)
    return dn.integrate(p * np.maximum(0, 1 - s_star) + q * np.maximum(0, 1 + s_star), x)
