"""Spectral normalization and spectral regularization (SN-GAN, SR-GAN).

Lesson 03 and 04 live here: singular values of every layer, power iteration, and the
SR-GAN compensation that lifts a collapsed spectrum back up.
"""

from __future__ import annotations

import math

import torch

__all__ = ["compensate"]


def compensate(weight: torch.Tensor, mode: str, ratio: float = 0.5, gamma: torch.Tensor | None = None):
    """SR-GAN's spectrum compensation of a weight, through its SVD (Liu et al., 2019).

    ``weight`` is a Linear weight ``(m, n)``, a batch of them ``(B, m, n)`` (the arena's
    stacked seeds), or a Conv2d weight ``(d_out, d_in, k, k)``, taken as the matrix
    ``d_out × d_in·k·k`` as in the paper. With
    σ_1 ≥ … ≥ σ_r its singular values:

    * ``"static"``: σ_k := σ_1 for k ≤ ⌊ratio·r⌋, the rest unchanged;
    * ``"dynamic"``: γ_k := max(γ_k, σ_k/σ_1) (running maximum over training), σ_k := γ_k·σ_1.

    Returns ``(W + ΔW, gamma)`` with the same shape as ``weight``; σ_1 is unchanged, so a
    spectral-norm parametrization then divides by the same σ_1: W_SR = (W + ΔW)/σ(W).
    """
    if mode not in ("static", "dynamic"):
        raise ValueError(f"mode must be 'static' or 'dynamic', got {mode!r}")
    if not (isinstance(ratio, (int, float)) and 0.0 <= ratio <= 1.0):
        raise ValueError(f"ratio must be a number in [0, 1], got {ratio!r}")
    if weight.dim() < 2:
        raise ValueError(f"weight must have at least 2 dimensions, got shape {tuple(weight.shape)}")
    # a conv weight (d_out, d_in, k, k) is the matrix (d_out, d_in·k·k); 2-D and 3-D are (batches of) matrices
    matrix = weight.reshape(weight.shape[0], -1) if weight.dim() == 4 else weight
    U, S, Vh = torch.linalg.svd(matrix, full_matrices=False)
    s1 = S[..., :1].clamp_min(torch.finfo(S.dtype).tiny)
    if mode == "static":
        k = math.floor(ratio * S.shape[-1])
        S_new = S.clone()
        S_new[..., :k] = s1
    else:
        now = S / s1
        gamma = now if gamma is None else torch.maximum(gamma.to(now), now)
        S_new = gamma * s1
    new = (U * S_new.unsqueeze(-2)) @ Vh
    return new.reshape(weight.shape), gamma
