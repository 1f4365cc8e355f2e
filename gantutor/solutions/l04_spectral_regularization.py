"""Lesson 04 exercises: static and dynamic compensation by hand, and the expected SVD overhead."""

from __future__ import annotations

import torch

from gantutor.checks import exercise


def _close(ans, ref, tol=1e-6) -> bool:
    a = torch.as_tensor(ans, dtype=torch.float64).flatten()
    b = torch.as_tensor(ref, dtype=torch.float64).flatten()
    assert a.shape == b.shape, f"expected {b.numel()} numbers, got {a.numel()}"
    return bool(torch.allclose(a, b, rtol=0.0, atol=tol))


@exercise(
    "04.static",
    "Singular values (4, 3, 2, 1, 0.5, 0.25), ratio 0.5: the values after static compensation?",
    check=lambda ans: _close(ans, [4, 4, 4, 1, 0.5, 0.25]),
    hint="r = 6, so the first ⌊0.5·6⌋ = 3 values become σ_1; the others stay.",
)
def static_values():
    s = torch.tensor([4.0, 3.0, 2.0, 1.0, 0.5, 0.25])
    k = int(0.5 * len(s))
    return torch.cat([s[:1].expand(k), s[k:]]).tolist()


@exercise(
    "04.dynamic",
    "Normalized spectra (1,.8,.5,.2), (1,.6,.6,.1), (1,.5,.3,.05) at three compensations, σ_1 = 2 at the third: "
    "the singular values after dynamic compensation at the third?",
    check=lambda ans: _close(ans, [2.0, 1.6, 1.2, 0.4]),
    hint="γ_k is the running maximum of σ_k/σ_1 over the three records; then σ_k := γ_k·σ_1.",
)
def dynamic_values():
    history = torch.tensor([[1, 0.8, 0.5, 0.2], [1, 0.6, 0.6, 0.1], [1, 0.5, 0.3, 0.05]])
    gamma = history.max(0).values
    return (gamma * 2.0).tolist()


@exercise(
    "04.overhead",
    "A compensation costs 40 ms, a training step 100 ms, every = 5: the expected fractional overhead?",
    check=lambda ans: abs(float(ans) - 0.08) < 1e-6,
    hint="Per step you pay the compensation's cost divided by `every`; divide by the step time.",
)
def overhead():
    return 40 / 5 / 100


def exercise_sr_pair() -> tuple[torch.Tensor, torch.Tensor]:
    """The fixed pair (W, C) of exercise 04.sr-gradient: two 6×10 float64 matrices."""
    g = torch.Generator().manual_seed(14)
    return torch.randn(6, 10, generator=g, dtype=torch.float64), torch.randn(6, 10, generator=g, dtype=torch.float64)


_SR_I = 3  # static compensation of the first i singular values (σ_2..σ_i lifted to σ_1)


def _sr_gradient_autograd() -> torch.Tensor:
    """The checker's reference: autograd through W^SR with the base point's singular vectors held fixed."""
    W0, C = exercise_sr_pair()
    U, _, Vh = torch.linalg.svd(W0, full_matrices=False)
    W = W0.clone().requires_grad_(True)
    sig = [U[:, k] @ W @ Vh[k] for k in range(_SR_I)]
    dW = sum((sig[0] - sig[k]) * torch.outer(U[:, k], Vh[k]) for k in range(1, _SR_I))
    return torch.autograd.grad((C * (W + dW) / sig[0]).sum(), W)[0]


def _matches_sr_gradient(ans) -> bool:
    a = torch.as_tensor(ans, dtype=torch.float64)
    assert a.shape == (6, 10), f"expected a 6×10 matrix (the shape of W), got shape {tuple(a.shape)}"
    err = (a - _sr_gradient_autograd()).abs().max().item()
    assert err <= 1e-8, f"largest entrywise difference from the reference gradient is {err:.2e} (allowed: 1e-8)"
    return True


@exercise(
    "04.sr-gradient",
    "For W, C = exercise_sr_pair(), static compensation of the first i = 3 singular values and L = ⟨C, W^SR⟩, compute "
    "∂L/∂W with the singular vectors held fixed (a 6×10 matrix, entrywise within 1e-8 of the reference).",
    check=_matches_sr_gradient,
    hint="W^SR = (W + Σ_{k=2..i} (σ₁ − σ_k) u_kv_kᵀ)/σ₁ with ∂σ_k/∂W = u_kv_kᵀ. Differentiate the numerator and the "
         "1/σ₁ separately, then sum against G = C; compare the result with SN's Eq. 12 plus the terms that ΔW adds.",
    explanation="The two terms beyond SN's Eq. 12 are −⟨C, ΔW/σ₁⟩u₁v₁ᵀ/σ₁ and Σ_k (u_kᵀCv_k)(u₁v₁ᵀ − u_kv_kᵀ)/σ₁.",
)
def sr_gradient():
    """Derivation. ΔW = Σ_{k=2}^{i} (σ₁ − σ_k) u_kv_kᵀ with u_k, v_k fixed and ∂σ_k/∂W_ab = [u_kv_kᵀ]_ab, so
    ∂(W + ΔW)/∂W_ab = E_ab + Σ_k [u₁v₁ᵀ − u_kv_kᵀ]_ab u_kv_kᵀ, and with the quotient rule for 1/σ₁
    ∂W^SR/∂W_ab = (1/σ₁)(E_ab − [u₁v₁ᵀ]_ab W^SR + Σ_k [u₁v₁ᵀ − u_kv_kᵀ]_ab u_kv_kᵀ)   (Liu et al.'s gradient analysis).
    Summing against G = ∂L/∂W^SR = C: ∂L/∂W = (C − ⟨C, W^SR⟩u₁v₁ᵀ + Σ_k (u_kᵀCv_k)(u₁v₁ᵀ − u_kv_kᵀ))/σ₁."""
    W, C = exercise_sr_pair()
    U, S, Vh = torch.linalg.svd(W, full_matrices=False)
    P = [torch.outer(U[:, k], Vh[k]) for k in range(_SR_I)]
    W_sr = (W + sum((S[0] - S[k]) * P[k] for k in range(1, _SR_I))) / S[0]
    grad = C - (C * W_sr).sum() * P[0]
    for k in range(1, _SR_I):
        grad = grad + (U[:, k] @ C @ Vh[k]) * (P[0] - P[k])
    return grad / S[0]
