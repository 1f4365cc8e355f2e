"""Lesson 03 exercises: the Lipschitz bound, power-iteration rounds, the paper's setting D."""

from __future__ import annotations

import torch
from torch import nn

from gantutor.checks import exercise
from gantutor.device import keeps_global_rng


@keeps_global_rng
def exercise_net() -> nn.Sequential:
    """The fixed network of exercise 03.lipschitz-bound."""
    torch.manual_seed(3)
    return nn.Sequential(nn.Linear(8, 32), nn.LeakyReLU(0.2), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))


def exercise_matrix() -> torch.Tensor:
    """The fixed matrix of exercise 03.rounds (σ₂/σ₁ = 0.8)."""
    g = torch.Generator().manual_seed(5)
    U, _ = torch.linalg.qr(torch.randn(20, 20, generator=g, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(40, 20, generator=g, dtype=torch.float64))
    S = torch.cat([torch.tensor([2.0, 1.6]), torch.linspace(1.5, 0.1, 18)]).double()
    return (U * S) @ V.T


def _bound() -> float:
    from gantutor.spectral import singular_values

    return float(torch.prod(torch.stack([s[0] for s in singular_values(exercise_net()).values()])))


@exercise(
    "03.lipschitz-bound",
    "Compute Π_l σ₁(W_l) for exercise_net() (a float).",
    check=lambda ans: abs(float(ans) - _bound()) < 1e-4 * max(1.0, _bound()),
    hint="gantutor.spectral.singular_values(net) gives each layer's values, largest first; multiply the first ones.",
)
def lipschitz_bound() -> float:
    from gantutor.spectral import singular_values

    tops = [s[0] for s in singular_values(exercise_net()).values()]
    return float(torch.prod(torch.stack(tops)))


def _rounds() -> int:
    from gantutor.spectral import power_iteration

    W = exercise_matrix()
    s1 = torch.linalg.svdvals(W)[0]
    for k in range(1, 500):
        sigma, _, _ = power_iteration(W, k, u=torch.ones(W.shape[0], dtype=W.dtype))
        if 1 - sigma / s1 < 1e-6:
            return k
    raise RuntimeError("power iteration did not converge")


@exercise(
    "03.rounds",
    "How many power-iteration rounds from u = ones until 1 − σ̂/σ₁ < 1e-6 for exercise_matrix()?",
    check=lambda ans: int(ans) == _rounds(),
    hint="Loop k = 1, 2, … and stop at the first k with 1 − σ̂/σ₁ < 1e-6. The estimate's error falls like "
         "(σ₂/σ₁)^{4k} = 0.8^{4k} ≈ 0.41^k once σ₂ dominates (the direction's error like (σ₂/σ₁)^{2k}); here σ₃/σ₁ = 0.75 "
         "is close to σ₂/σ₁, so count rather than predict.",
)
def rounds() -> int:
    return _rounds()


def _is_setting_d(cfg) -> bool:
    from gantutor.train import TrainConfig

    assert isinstance(cfg, TrainConfig), f"expected a TrainConfig, got {type(cfg).__name__}"
    assert cfg.loss == "hinge", f"SN-GAN uses the hinge loss here, got {cfg.loss!r}"
    assert cfg.lr_g == cfg.lr_d == 1e-3, f"setting D has α = 1e-3 for both, got lr_g={cfg.lr_g}, lr_d={cfg.lr_d}"
    assert tuple(cfg.betas) == (0.5, 0.9), f"setting D has (β₁, β₂) = (0.5, 0.9), got {cfg.betas}"
    assert cfg.n_dis == 5, f"setting D has n_dis = 5, got {cfg.n_dis}"
    return True


@exercise(
    "03.setting",
    "Return a TrainConfig for the paper's setting D with the hinge loss.",
    check=_is_setting_d,
    hint="TrainConfig(loss='hinge', lr_g=..., lr_d=..., betas=(β₁, β₂), n_dis=...)",
)
def setting_d():
    from gantutor.train import TrainConfig

    return TrainConfig(steps=300, loss="hinge", lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.9), n_dis=5)


def exercise_sn_pair() -> tuple[torch.Tensor, torch.Tensor]:
    """The fixed pair (W, C) of exercise 03.sn-gradient: two 6×4 float64 matrices."""
    g = torch.Generator().manual_seed(12)
    return torch.randn(6, 4, generator=g, dtype=torch.float64), torch.randn(6, 4, generator=g, dtype=torch.float64)


def _sn_gradient_autograd() -> torch.Tensor:
    """∂⟨C, W/σ₁(W)⟩/∂W by autograd through the exact σ₁ (the checker's reference)."""
    W, C = exercise_sn_pair()
    W = W.clone().requires_grad_(True)
    loss = (C * W / torch.linalg.svdvals(W)[0]).sum()
    return torch.autograd.grad(loss, W)[0]


def _matches_sn_gradient(ans) -> bool:
    a = torch.as_tensor(ans, dtype=torch.float64)
    assert a.shape == (6, 4), f"expected a 6×4 matrix (the shape of W), got shape {tuple(a.shape)}"
    err = (a - _sn_gradient_autograd()).abs().max().item()
    assert err <= 1e-8, f"largest entrywise difference from the exact gradient is {err:.2e} (allowed: 1e-8)"
    return True


@exercise(
    "03.sn-gradient",
    "For W, C = exercise_sn_pair() and L(W) = ⟨C, W/σ₁(W)⟩, compute ∂L/∂W from your own formula (a 6×4 matrix, "
    "entrywise within 1e-8 of the exact gradient).",
    check=_matches_sn_gradient,
    hint="Here G = ∂L/∂W̄ is C itself. W enters W̄ = W/σ₁(W) twice, in the numerator and through σ₁; use "
         "∂σ₁/∂W = u₁v₁ᵀ (u₁, v₁: first columns of U and V from torch.linalg.svd(W)) and collect the terms.",
    explanation="This is SN-GAN's Eq. 12 with Ê[δhᵀ] replaced by C: the correction term only changes the u₁v₁ᵀ part.",
)
def sn_gradient() -> torch.Tensor:
    """Derivation. Let W̄ = W/σ with σ = σ₁(W) = u₁ᵀWv₁, so ∂σ/∂W_ij = (u₁v₁ᵀ)_ij (simple top singular value).
    L = Σ_kl C_kl W_kl/σ, hence ∂L/∂W_ij = C_ij/σ − Σ_kl C_kl W_kl/σ² · (u₁v₁ᵀ)_ij
    = (C − ⟨C, W̄⟩ u₁v₁ᵀ)_ij / σ."""
    W, C = exercise_sn_pair()
    U, S, Vh = torch.linalg.svd(W, full_matrices=False)
    W_bar = W / S[0]
    return (C - (C * W_bar).sum() * torch.outer(U[:, 0], Vh[0])) / S[0]
