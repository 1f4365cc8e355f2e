"""One-dimensional densities and quadrature: the proofs of lesson 01, checked by numbers.

Goodfellow et al. (2014) prove two facts about the value function
V(D, G) = ∫ p_data log D + p_g log(1 − D) dx:

* for a fixed G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x));
* plugging it in gives C(G) = −log 4 + 2·JSD(p_data ‖ p_g), minimal at p_g = p_data.

Here every quantity is a NumPy array on a fine grid ``x`` and every integral is
Simpson's rule (``scipy.integrate.simpson``), so a lesson can check each step of the
proof to many digits. :func:`criterion_gradient` is the derivative of C with respect to
p_g itself (the object of the paper's Proposition 2), and :func:`parzen_log_likelihood`
is the Parzen-window evaluation the paper used for its Table 1 (in any dimension). :class:`Density` is a Gaussian mixture that can be evaluated,
sampled and handed to a training loop.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
from scipy.integrate import simpson

__all__ = [
    "Density",
    "gaussian",
    "mixture",
    "grid",
    "integrate",
    "optimal_discriminator",
    "value_function",
    "virtual_criterion",
    "kl",
    "jsd",
    "kl_gaussians",
    "criterion_gradient",
    "parzen_log_likelihood",
    "parzen_bandwidth",
]

LOG4 = math.log(4.0)


class Density:
    """A 1-D Gaussian mixture  p(x) = Σ_k w_k N(x; μ_k, σ_k²)  (one component = a Gaussian).

    ``pdf(x)`` evaluates it on an array, ``sample(n, rng)`` draws from it; ``mean``,
    ``std`` and ``support(width)`` help to choose plotting and quadrature ranges.
    """

    def __init__(self, means: Sequence[float] | float, stds: Sequence[float] | float, weights: Sequence[float] | None = None):
        means = np.atleast_1d(np.asarray(means, dtype=np.float64))
        stds = np.atleast_1d(np.asarray(stds, dtype=np.float64))
        if means.ndim != 1 or stds.ndim != 1:
            raise ValueError("means and stds must be numbers or 1-D sequences")
        if stds.size == 1 and means.size > 1:
            stds = np.full_like(means, stds[0])
        if means.size != stds.size:
            raise ValueError(f"means and stds must have the same length, got {means.size} and {stds.size}")
        if means.size == 0:
            raise ValueError("a density needs at least one component")
        if not (np.all(np.isfinite(means)) and np.all(np.isfinite(stds))):
            raise ValueError("means and stds must be finite")
        if np.any(stds <= 0):
            raise ValueError(f"standard deviations must be > 0, got {stds.tolist()}")
        if weights is None:
            weights = np.full(means.size, 1.0 / means.size)
        weights = np.atleast_1d(np.asarray(weights, dtype=np.float64))
        if weights.shape != means.shape:
            raise ValueError(f"weights must have one entry per component ({means.size}), got {weights.size}")
        if np.any(~np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError(f"weights must be finite, >= 0 and not all zero, got {weights.tolist()}")
        self.means, self.stds, self.weights = means, stds, weights / weights.sum()

    def pdf(self, x) -> np.ndarray:
        """p(x) on an array (any shape)."""
        x = np.asarray(x, dtype=np.float64)
        z = (x[..., None] - self.means) / self.stds
        comps = np.exp(-0.5 * z**2) / (self.stds * math.sqrt(2 * math.pi))
        return comps @ self.weights

    __call__ = pdf

    def sample(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """``n`` independent draws (float64)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative int, got {n!r}")
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        k = rng.choice(self.means.size, size=n, p=self.weights)
        return self.means[k] + self.stds[k] * rng.standard_normal(n)

    @property
    def mean(self) -> float:
        return float(self.weights @ self.means)

    @property
    def std(self) -> float:
        second = self.weights @ (self.stds**2 + self.means**2)
        return float(math.sqrt(second - self.mean**2))

    def support(self, width: float = 8.0) -> tuple[float, float]:
        """An interval holding all but a negligible part of the mass: every component ± width·σ."""
        return float(np.min(self.means - width * self.stds)), float(np.max(self.means + width * self.stds))

    def __repr__(self) -> str:
        if self.means.size == 1:
            return f"gaussian(mean={self.means[0]:g}, std={self.stds[0]:g})"
        return f"mixture(means={self.means.tolist()}, stds={self.stds.tolist()}, weights={np.round(self.weights, 4).tolist()})"


def gaussian(mean: float = 0.0, std: float = 1.0) -> Density:
    """N(mean, std²) as a :class:`Density`."""
    return Density([mean], [std])


def mixture(means: Sequence[float], stds: Sequence[float] | float, weights: Sequence[float] | None = None) -> Density:
    """A Gaussian mixture (weights default to equal) as a :class:`Density`."""
    return Density(means, stds, weights)


def grid(*densities: Density, n: int = 4001, width: float = 8.0, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """An evenly spaced grid covering every density's support (or [lo, hi]); n odd suits Simpson's rule."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 3:
        raise ValueError(f"grid needs n >= 3 points, got {n!r}")
    if lo is None or hi is None:
        if not densities:
            raise ValueError("give densities to cover, or both lo and hi")
        spans = [d.support(width) for d in densities]
        lo = min(s[0] for s in spans) if lo is None else lo
        hi = max(s[1] for s in spans) if hi is None else hi
    if not hi > lo:
        raise ValueError(f"grid needs lo < hi, got lo={lo}, hi={hi}")
    return np.linspace(lo, hi, n)


def _check_grid(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 3:
        raise ValueError(f"x must be a 1-D grid of at least 3 points, got shape {x.shape}")
    if not np.all(np.isfinite(x)) or not np.all(np.diff(x) > 0):
        raise ValueError("x must be finite and strictly increasing")
    return x


def _on_grid(p, x: np.ndarray, name: str, *, density: bool = True) -> np.ndarray:
    """Evaluate a Density/callable on x, or check an array of values that matches x."""
    if isinstance(p, Density) or callable(p):
        p = p(x)
    p = np.asarray(p, dtype=np.float64)
    if p.shape != x.shape:
        raise ValueError(f"{name} must have the grid's shape {x.shape}, got {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} contains inf or NaN")
    if density and np.any(p < 0):
        raise ValueError(f"{name} is a density and must be >= 0 everywhere (min {p.min():.3g})")
    return p


def integrate(f, x) -> float:
    """∫ f dx over the grid x by Simpson's rule (f: array of values on x, or a callable)."""
    x = _check_grid(x)
    return float(simpson(_on_grid(f, x, "f", density=False), x=x))


def _pair(p_data, p_g, x=None) -> tuple[np.ndarray, np.ndarray]:
    if x is not None:
        x = _check_grid(x)
        return _on_grid(p_data, x, "p_data"), _on_grid(p_g, x, "p_g")
    if isinstance(p_data, Density) or isinstance(p_g, Density):
        raise ValueError("pass the grid x when giving Density objects")
    a, b = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"p_data and p_g must have the same shape, got {a.shape} and {b.shape}")
    for name, p in (("p_data", a), ("p_g", b)):
        if not np.all(np.isfinite(p)) or np.any(p < 0):
            raise ValueError(f"{name} must be finite and >= 0")
    return a, b


def optimal_discriminator(p_data, p_g, x=None) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g); 1/2 where both vanish (any value is optimal there).

    Give arrays of density values, or Density objects together with the grid ``x``.
    """
    a, b = _pair(p_data, p_g, x)
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, a / np.where(total > 0, total, 1.0), 0.5)


def _xlogy(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """p·log y with the measure-theory convention 0·log 0 = 0 (and p·log 0 = −inf for p > 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = p * np.log(y)
    return np.where(p == 0, 0.0, out)


def value_function(D, p_data, p_g, x, *, logits: bool = False) -> float:
    """V(D, G) = ∫ p_data log D + p_g log(1 − D) dx by quadrature.

    ``D``: values in [0, 1] on x (or a callable); with ``logits=True`` raw scores s,
    D = sigmoid(s), and the logs are taken stably as −softplus(∓s).
    """
    x = _check_grid(x)
    a, b = _on_grid(p_data, x, "p_data"), _on_grid(p_g, x, "p_g")
    if logits:
        s = _on_grid(D, x, "D (logits)", density=False)
        log_d, log_1md = -np.logaddexp(0.0, -s), -np.logaddexp(0.0, s)
        return float(simpson(a * log_d + b * log_1md, x=x))
    d = _on_grid(D, x, "D", density=False)
    if np.any(d < 0) or np.any(d > 1):
        raise ValueError(f"D must take values in [0, 1] (got range [{d.min():.3g}, {d.max():.3g}])")
    integrand = _xlogy(a, d) + _xlogy(b, 1.0 - d)
    if np.any(np.isinf(integrand)):
        return -math.inf  # D says 0 where data has mass (or 1 where p_g has): infinitely bad
    return float(simpson(integrand, x=x))


def _xlog_ratio(a: np.ndarray, total: np.ndarray) -> np.ndarray:
    """a·log(a / total) with 0·log 0 = 0, computed as a·(log a − log total): no underflow of the ratio."""
    safe_a, safe_t = np.where(a > 0, a, 1.0), np.where(total > 0, total, 1.0)
    return np.where(a > 0, a * (np.log(safe_a) - np.log(safe_t)), 0.0)


def virtual_criterion(p_data, p_g, x) -> float:
    """C(G) = max_D V(D, G) = V(D*, G) = ∫ p_data log(p_data/(p_data+p_g)) + p_g log(p_g/(p_data+p_g)).

    Written with log differences so that tails where one density underflows stay exact
    (plugging the rounded array D* into :func:`value_function` can hit log(1 − 1) there).
    """
    x = _check_grid(x)
    a, b = _on_grid(p_data, x, "p_data"), _on_grid(p_g, x, "p_g")
    return float(simpson(_xlog_ratio(a, a + b) + _xlog_ratio(b, a + b), x=x))


def kl(p, q, x) -> float:
    """KL(p ‖ q) = ∫ p log(p / q) dx by quadrature; +inf if p has mass where q has none."""
    x = _check_grid(x)
    a, b = _on_grid(p, x, "p"), _on_grid(q, x, "q")
    if np.any((a > 0) & (b == 0)):
        return math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        integrand = np.where(a > 0, a * (np.log(np.where(a > 0, a, 1.0)) - np.log(np.where(b > 0, b, 1.0))), 0.0)
    return float(simpson(integrand, x=x))


def jsd(p, q, x) -> float:
    """Jensen–Shannon divergence ½KL(p ‖ m) + ½KL(q ‖ m), m = (p + q)/2, in nats (0 ≤ JSD ≤ log 2).

    Computed as ½∫ p log(2p/(p+q)) + q log(2q/(p+q)), which never divides by an m that
    underflowed to zero in a far tail.
    """
    x = _check_grid(x)
    a, b = _on_grid(p, x, "p"), _on_grid(q, x, "q")
    total = 0.5 * a + 0.5 * b
    m = np.where(total > 0, total, np.maximum(a, b))  # ½·tiny can round to 0; m ≥ max(p,q)/2 > 0 there
    return float(0.5 * simpson(_xlog_ratio(a, m) + _xlog_ratio(b, m), x=x))


def kl_gaussians(mean_p: float, std_p: float, mean_q: float, std_q: float) -> float:
    """Closed form KL(N(μ_p, σ_p²) ‖ N(μ_q, σ_q²)) = log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½."""
    if std_p <= 0 or std_q <= 0:
        raise ValueError(f"standard deviations must be > 0, got {std_p}, {std_q}")
    return math.log(std_q / std_p) + (std_p**2 + (mean_p - mean_q) ** 2) / (2 * std_q**2) - 0.5



def criterion_gradient(p_data, p_g, x=None) -> np.ndarray:
    """The functional derivative of C(G) with respect to p_g: δC/δp_g(x) = log(1 − D*(x)) = log(p_g/(p_data + p_g)).

    Why: C(p_g) = sup_D V(D, p_g) and V is linear in p_g, so the derivative of the supremum is the
    derivative of V at the maximiser D* (the argument of Proposition 2 in Goodfellow et al. 2014); the
    terms from D* moving cancel because D* is a stationary point. A descent step on p_g along this
    function (keeping ∫p_g = 1) is the update Proposition 2 assumes. Where p_g = 0 the value is −inf.
    """
    a, b = _pair(p_data, p_g, x)
    with np.errstate(divide="ignore"):
        return np.where(b > 0, np.log(np.where(b > 0, b, 1.0)) - np.log(np.where(b > 0, a + b, 1.0)), -math.inf)


def _points(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must be an (n,) or (n, d) array of points with n >= 1, got shape {np.shape(values)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains inf or NaN")
    return arr


def parzen_log_likelihood(samples, test, sigma: float, *, per_point: bool = False):
    """Mean log-likelihood of ``test`` under a Gaussian Parzen window on ``samples``.

    p̂(x) = (1/n) Σ_i N(x; s_i, σ² I): the estimate Goodfellow et al. (2014, Table 1) fitted to samples of G
    to score test data. ``samples`` (n, d) and ``test`` (m, d) (or 1-D arrays for d = 1); with
    ``per_point=True`` the m values log p̂(x_j) are returned instead of their mean (for standard errors).
    Computed with a log-sum-exp, so far-away test points give large negative numbers, not −inf.
    """
    from scipy.special import logsumexp

    s, t = _points(samples, "samples"), _points(test, "test")
    if s.shape[1] != t.shape[1]:
        raise ValueError(f"samples and test must have the same dimension, got {s.shape[1]} and {t.shape[1]}")
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.floating, np.integer)) or not sigma > 0 or not math.isfinite(sigma):
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    d = s.shape[1]
    sq = np.maximum((t**2).sum(1)[:, None] + (s**2).sum(1)[None, :] - 2.0 * t @ s.T, 0.0)
    values = logsumexp(-sq / (2.0 * sigma**2), axis=1) - math.log(len(s)) - 0.5 * d * math.log(2 * math.pi * sigma**2)
    return values if per_point else float(values.mean())


def parzen_bandwidth(samples, validation, sigmas) -> float:
    """The σ among ``sigmas`` that maximises the Parzen log-likelihood of ``validation`` (the paper's cross-validation)."""
    sigmas = np.atleast_1d(np.asarray(sigmas, dtype=np.float64))
    if sigmas.ndim != 1 or sigmas.size == 0 or not np.all(sigmas > 0) or not np.all(np.isfinite(sigmas)):
        raise ValueError("sigmas must be a non-empty 1-D list of positive finite bandwidths")
    scores = [parzen_log_likelihood(samples, validation, float(sg)) for sg in sigmas]
    return float(sigmas[int(np.argmax(scores))])
