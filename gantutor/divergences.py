"""LSGAN theory on 1-D densities, by quadrature (lesson 02).

Mao et al. (2017) code fakes as ``a``, reals as ``b`` and let G aim at ``c``:

* D minimises ½E_data[(D(x) − b)²] + ½E_g[(D(x) − a)²], so pointwise
  D*(x) = (b·p_d + a·p_g) / (p_d + p_g);
* G minimises the *extended* objective ½E_data[(D(x) − c)²] + ½E_g[(D(x) − c)²]
  (the first term does not depend on G, so G's optimum is unchanged); at D = D* this
  is C(G) = ½∫ (p_d + p_g)(D* − c)² dx;
* with b − c = 1 and b − a = 2, 2C(G) = χ²_Pearson(p_d + p_g ‖ 2p_g).

Everything here works on densities sampled on one increasing grid ``x`` and integrates
with Simpson's rule (``scipy.integrate.simpson``); a fine grid over ±12 standard
deviations makes the quadrature error far below the course's 1e-6 tolerance.

A convention to know: the paper writes χ²_Pearson(P ‖ Q) = ∫ (Q − P)² / P dx,
dividing by the *first* argument (as in Table 1 of Nowozin et al.'s f-GAN). Many
textbooks divide by the second and call this one Neyman's χ². :func:`pearson_chi2`
follows the paper, so the identity reads exactly as printed there.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .densities import _check_grid as _grid  # the same quadrature grids as lesson 01
from .densities import integrate

__all__ = [
    "grid",
    "gaussian",
    "integrate_density",
    "lsgan_optimal_discriminator",
    "lsgan_d_objective",
    "lsgan_min_d_objective",
    "lsgan_g_objective",
    "pearson_chi2",
    "chi2_gaussians",
    "lsgan_chi2_coefficients",
    "identity_conditions_hold",
]


# --------------------------------------------------------------------------- inputs


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _codes(a, b, c=None) -> tuple[float, ...]:
    a, b = _number(a, "a"), _number(b, "b")
    if a == b:
        raise ValueError(f"the fake code a and the real code b must differ, got a = b = {a}")
    return (a, b) if c is None else (a, b, _number(c, "c"))


def _density(p, name: str, shape=None) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of density values, got shape {p.shape}")
    if shape is not None and p.shape != shape:
        raise ValueError(f"{name} must have the grid's shape {shape}, got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must be finite and non-negative (a density sampled on the grid)")
    return p


# --------------------------------------------------------------------------- grids and densities


def grid(lo: float = -12.0, hi: float = 12.0, n: int = 20001) -> np.ndarray:
    """An evenly spaced quadrature grid (odd ``n`` suits Simpson's rule)."""
    lo, hi = _number(lo, "lo"), _number(hi, "hi")
    if not lo < hi:
        raise ValueError(f"need lo < hi, got lo={lo}, hi={hi}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 3:
        raise ValueError(f"n must be an int >= 3, got {n!r}")
    return np.linspace(lo, hi, int(n))


def gaussian(x, mu: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    """The N(mu, sigma²) density on ``x`` (scipy.stats.norm)."""
    mu, sigma = _number(mu, "mu"), _number(sigma, "sigma")
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    return stats.norm.pdf(np.asarray(x, dtype=np.float64), loc=mu, scale=sigma)


def integrate_density(values, x) -> float:
    """∫ values dx on the grid ``x`` by Simpson's rule (:func:`gantutor.densities.integrate`)."""
    return integrate(np.asarray(values, dtype=np.float64), x)


# --------------------------------------------------------------------------- LSGAN


def lsgan_optimal_discriminator(p_d, p_g, a: float = -1.0, b: float = 1.0) -> np.ndarray:
    """D*(x) = (b·p_d + a·p_g) / (p_d + p_g), the pointwise minimiser of D's least-squares loss.

    Where p_d = p_g = 0 every value is optimal (the loss does not see those points);
    we return the midpoint (a + b)/2 there.
    """
    a, b = _codes(a, b)
    p_d = _density(p_d, "p_d")
    p_g = _density(p_g, "p_g", p_d.shape)
    total = p_d + p_g
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, (b * p_d + a * p_g) / safe, 0.5 * (a + b))


def lsgan_d_objective(D, p_d, p_g, x, a: float = -1.0, b: float = 1.0) -> float:
    """½∫ p_d (D − b)² dx + ½∫ p_g (D − a)² dx: what the discriminator minimises."""
    a, b = _codes(a, b)
    x = _grid(x)
    p_d = _density(p_d, "p_d", x.shape)
    p_g = _density(p_g, "p_g", x.shape)
    D = np.broadcast_to(np.asarray(D, dtype=np.float64), x.shape)
    if not np.all(np.isfinite(D)):
        raise ValueError("D must be finite on the grid")
    return 0.5 * integrate_density(p_d * (D - b) ** 2, x) + 0.5 * integrate_density(p_g * (D - a) ** 2, x)


def lsgan_min_d_objective(p_d, p_g, x, a: float = -1.0, b: float = 1.0) -> float:
    """The smallest value of D's loss, ½∫ p_d (D − b)² + p_g (D − a)² dx, over all D: (b − a)²/2 · ∫ p_d p_g/(p_d + p_g) dx.

    Why: at D* = (b p_d + a p_g)/(p_d + p_g), D* − b = (a − b) p_g/(p_d + p_g) and D* − a = (b − a) p_d/(p_d + p_g),
    so the integrand is ½(b − a)² p_d p_g (p_g + p_d)/(p_d + p_g)² = ½(b − a)² p_d p_g/(p_d + p_g). At p_g = p_d it is
    (b − a)²/4 (= 1 for the codes −1/1): no D gets below that when it cannot tell the two apart.
    """
    a, b = _codes(a, b)
    x = _grid(x)
    p_d = _density(p_d, "p_d", x.shape)
    p_g = _density(p_g, "p_g", x.shape)
    total = p_d + p_g
    return 0.5 * (b - a) ** 2 * integrate_density(np.where(total > 0, p_d * p_g / np.where(total > 0, total, 1.0), 0.0), x)


def lsgan_g_objective(p_d, p_g, x, a: float = -1.0, b: float = 1.0, c: float = 0.0, D=None) -> float:
    """The extended generator objective ½∫ (p_d + p_g)(D − c)² dx, at D = D* unless ``D`` is given.

    At D = D* this is C(G) of the paper; the p_d half does not depend on G, so adding
    it changes the value but not G's optimum.
    """
    a, b, c = _codes(a, b, c)
    x = _grid(x)
    p_d = _density(p_d, "p_d", x.shape)
    p_g = _density(p_g, "p_g", x.shape)
    if D is None:
        D = lsgan_optimal_discriminator(p_d, p_g, a, b)
    D = np.broadcast_to(np.asarray(D, dtype=np.float64), x.shape)
    if not np.all(np.isfinite(D)):
        raise ValueError("D must be finite on the grid")
    return 0.5 * integrate_density((p_d + p_g) * (D - c) ** 2, x)


def pearson_chi2(p, q, x) -> float:
    """χ²_Pearson(p ‖ q) = ∫ (q − p)² / p dx, the paper's convention (divides by the first argument).

    ``p`` and ``q`` may be unnormalised (the identity compares p_d + p_g with 2p_g,
    both of mass 2). Returns ``inf`` if q > 0 somewhere p = 0.
    """
    x = _grid(x)
    p = _density(p, "p", x.shape)
    q = _density(q, "q", x.shape)
    if np.any((p == 0) & (q > 0)):
        return math.inf
    safe = np.where(p > 0, p, 1.0)
    return integrate_density(np.where(p > 0, (q - p) ** 2 / safe, 0.0), x)


def chi2_gaussians(mu_p: float, sigma_p: float, mu_q: float, sigma_q: float) -> float:
    """Closed form of :func:`pearson_chi2` for p = N(mu_p, sigma_p²), q = N(mu_q, sigma_q²).

    ∫ q²/p dx − 1 = sigma_p² / (sigma_q·√(2sigma_p² − sigma_q²)) · exp((mu_q − mu_p)² / (2sigma_p² − sigma_q²)) − 1,
    finite only when sigma_q² < 2·sigma_p² (otherwise q's tails outweigh p's: ``inf``).
    """
    mu_p, sigma_p, mu_q, sigma_q = (_number(v, n) for v, n in ((mu_p, "mu_p"), (sigma_p, "sigma_p"), (mu_q, "mu_q"), (sigma_q, "sigma_q")))
    if sigma_p <= 0 or sigma_q <= 0:
        raise ValueError(f"standard deviations must be > 0, got sigma_p={sigma_p}, sigma_q={sigma_q}")
    spread = 2 * sigma_p**2 - sigma_q**2
    if spread <= 0:
        return math.inf
    return sigma_p**2 / (sigma_q * math.sqrt(spread)) * math.exp((mu_q - mu_p) ** 2 / spread) - 1.0


def lsgan_chi2_coefficients(a: float, b: float, c: float) -> tuple[float, float]:
    """``(scale, offset)`` with 2C(G) = scale · χ²_Pearson(p_d + p_g ‖ 2p_g) + offset, for ANY coding.

    Writing D* − c = ((b − c)(p_d + p_g) − (b − a)p_g)/(p_d + p_g) and expanding gives
    scale = (b − a)²/4 and offset = 2(a − c)(b − c) + (b − a)²/2 (for normalised p_d, p_g).
    So every coding with a ≠ b makes G minimise the same divergence up to an affine map,
    and the identity is exact (scale 1, offset 0) iff b − a = ±2 and b − c = ±1 (same sign).
    """
    a, b, c = _codes(a, b, c)
    return (b - a) ** 2 / 4.0, 2.0 * (a - c) * (b - c) + (b - a) ** 2 / 2.0


def identity_conditions_hold(a: float, b: float, c: float, tol: float = 1e-12) -> bool:
    """The paper's sufficient conditions b − c = 1 and b − a = 2."""
    a, b, c = _codes(a, b, c)
    return abs((b - c) - 1.0) <= tol and abs((b - a) - 2.0) <= tol
