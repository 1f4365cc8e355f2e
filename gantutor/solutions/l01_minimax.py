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
    explanation="The KL part alone would give 1; −2·JSD pulls against it, so the non-saturating G moves more slowly "
    "than the reverse KL alone would ask.",
)
def ns_gradient():
    return _kl_minus_2jsd_slope()
