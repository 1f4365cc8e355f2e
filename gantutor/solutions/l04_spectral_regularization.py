"""Lesson 04 exercises: static and dynamic compensation by hand, and the expected SVD overhead."""

from __future__ import annotations

import torch

from gantutor.checks import exercise


def _close(ans, ref, tol=1e-6) -> bool:
    a = torch.as_tensor(ans, dtype=torch.float64).flatten()
    b = torch.as_tensor(ref, dtype=torch.float64).flatten()
    assert a.shape == b.shape, f"expected {b.numel()} numbers, got {a.numel()}"
    return bool(torch.allclose(a, b, atol=tol))


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
