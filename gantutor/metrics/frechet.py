"""Fréchet distance between Gaussian fits of two feature sets (FID's formula), exact for singular covariances."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .classifier import Classifier, classifier_features


def gaussian_stats(features: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased) covariance of N×d features, in float64."""
    if isinstance(features, torch.Tensor):
        features = features.detach().cpu().double().numpy()
    f = np.asarray(features, np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"features must be N×d with N ≥ 2, got shape {f.shape}")
    return f.mean(0), np.atleast_2d(np.cov(f, rowvar=False))


def _psd_sqrt(sigma: np.ndarray, name: str) -> np.ndarray:
    """Symmetric PSD square root by eigendecomposition (exact for singular matrices too)."""
    if not np.allclose(sigma, sigma.T, rtol=1e-6, atol=1e-9 * max(1.0, np.abs(sigma).max())):
        raise ValueError(f"{name} must be a symmetric covariance matrix")
    # numpy's LAPACK, not scipy's: scipy's eigh was 100× slower here on a busy 2-core machine
    vals, vecs = np.linalg.eigh((sigma + sigma.T) / 2)
    if vals.min() < -1e-6 * max(1.0, vals.max()):
        raise ValueError(f"{name} is not positive semi-definite (eigenvalue {vals.min():.3g})")
    return (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T


def frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any) -> float:
    """Fréchet (2-Wasserstein) distance² between N(mu1, sigma1) and N(mu2, sigma2):

    ‖mu1 − mu2‖² + tr(sigma1) + tr(sigma2) − 2 tr((sigma1 sigma2)^½).

    sigma1·sigma2 is not symmetric, and ``sqrtm`` of it is fragile when the covariances are
    singular (more features than samples, dead ReLUs): tiny complex parts, NaNs, the usual
    "add eps·I" patch. Instead we use that sigma1·sigma2 has the same eigenvalues as the
    symmetric PSD matrix M = sigma1^½ sigma2 sigma1^½, so tr((sigma1 sigma2)^½) = Σ √λ(M):
    two symmetric eigendecompositions, real and exact, singular or not.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(
            "need mu1, mu2 of shape (d,) and sigma1, sigma2 of shape (d, d);"
            f" got {mu1.shape}, {s1.shape}, {mu2.shape}, {s2.shape}"
        )
    for value, name in ((mu1, "mu1"), (mu2, "mu2"), (s1, "sigma1"), (s2, "sigma2")):
        if not np.isfinite(value).all():
            raise ValueError(f"{name} contains NaN or inf")
    root1 = _psd_sqrt(s1, "sigma1")
    _psd_sqrt(s2, "sigma2")  # only validates
    m = root1 @ s2 @ root1
    eigenvalues = np.linalg.eigvalsh((m + m.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0, None)).sum()
    diff = mu1 - mu2
    value = diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt
    return float(max(value, 0.0))  # round-off can push an exact 0 slightly negative


def classifier_fid(fake: Any, real: Any, classifier: Classifier, *, batch_size: int = 500) -> float:
    """Fréchet distance between ``fake`` and ``real`` in the classifier's feature space.

    Like FID, it is biased by the sample size: compare numbers computed with the same N.
    """
    f_fake = classifier_features(fake, classifier, batch_size=batch_size)
    f_real = classifier_features(real, classifier, batch_size=batch_size)
    return frechet_distance(*gaussian_stats(f_real), *gaussian_stats(f_fake))
