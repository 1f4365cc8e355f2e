"""Lesson 07 (ReACGAN) exercises and their hidden reference solutions."""

import math

import torch

from gantutor.checks import exercise
from gantutor.losses import d2d_ce

# three samples in 2-D: two of class 0, one of class 1; proxies of their classes
EMB = torch.tensor([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]], dtype=torch.float64)
PROXY = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
LABELS = torch.tensor([0, 0, 1])


@exercise(
    "07.d2d-by-hand",
    "With m_p = 0.98, m_n = 0.02, τ = 0.5 compute D2D-CE (Eq. 6, batch mean) for EMB, PROXY, LABELS of "
    "gantutor.solutions.l07_reacgan by hand (cosines are simple: all vectors have norm 1). Answer with a float; "
    "accepted within a relative 1e-6.",
    check=lambda ans: math.isclose(float(ans), float(d2d_ce(EMB, PROXY, LABELS)), rel_tol=1e-6),
    hint="Sample 0: positive cos 1 ≥ m_p → exponent 0; its only negative is sample 2 (cos 0.6) → exponent (0.6−0.02)/0.5. "
    "Sample 2 has two negatives (cos 0.6 and 0.96).",
)
def d2d_by_hand():
    def term(pos_cos, neg_cos):
        pos = math.exp(min(pos_cos - 0.98, 0) / 0.5)
        neg = sum(math.exp(max(c - 0.02, 0) / 0.5) for c in neg_cos)
        return -math.log(pos / (pos + neg))

    return (term(1.0, [0.6]) + term(0.8, [0.96]) + term(0.8, [0.6, 0.96])) / 3


@exercise(
    "07.no-negatives",
    "What is D2D-CE of a batch in which every sample has the same label (so no sample has a negative)? Answer with a "
    "number; accepted only when it equals the exact value.",
    check=lambda ans: float(ans) == 0.0,
    hint="With no negatives the denominator equals the numerator.",
    explanation="−log(e^a / e^a) = 0 whatever the positive term is, so such a batch gives D no class signal at all.",
)
def no_negatives():
    return 0.0


def _check_d2d_grad(ans) -> bool:
    from gantutor.losses import d2d_ce_cosine_grads

    if not isinstance(ans, (tuple, list)) or len(ans) != 2 or any(a is None for a in ans):
        raise AssertionError("answer with a tuple (d_pos, d_neg): d_pos of length 3, d_neg a 3×3 matrix")
    d_pos, d_neg = (torch.as_tensor(a, dtype=torch.float64) for a in ans)
    if d_pos.shape != (3,) or d_neg.shape != (3, 3):
        raise AssertionError(f"d_pos must have 3 entries and d_neg be 3×3; got shapes {tuple(d_pos.shape)} and {tuple(d_neg.shape)}")
    ref_pos, ref_neg = d2d_ce_cosine_grads(EMB, PROXY, LABELS)
    err = max(float((d_pos - ref_pos).abs().max()), float((d_neg - ref_neg).abs().max()))
    if not err <= 1e-9:
        raise AssertionError(f"an entry differs from the reference by {err:.3g} (need <= 1e-9)")
    return True


@exercise(
    "07.d2d-grad",
    "Derive D2D-CE's gradient with respect to its cosines for EMB, PROXY, LABELS (m_p = 0.98, m_n = 0.02, τ = 0.5, "
    "L = batch mean of L_i). Treat c_i = f_i·v_{y_i} and s_ij = f_i·f_j (as it appears in sample i's term L_i) as "
    "independent variables. Answer with a tuple (d_pos, d_neg): d_pos[i] = ∂L/∂c_i (3 numbers) and d_neg[i][j] = "
    "∂L/∂s_ij (a 3×3 matrix, 0 where j is not a negative of i). Accepted when every entry is within 1e-9 of the "
    "reference (gantutor.losses.d2d_ce_cosine_grads).",
    check=_check_d2d_grad,
    hint="With a_i = [c_i − m_p]_−/τ, b_ij = [s_ij − m_n]_+/τ and Z_i = e^{a_i} + Σ_j e^{b_ij}: L_i = −a_i + log Z_i, so "
    "∂L_i/∂a_i = −(1 − e^{a_i}/Z_i) and ∂L_i/∂b_ij = e^{b_ij}/Z_i; then the clamps' derivatives (1/τ or 0) and the 1/N of the mean.",
    explanation="∂L/∂s_ij = e^{b_ij}/(N τ Z_i) past the margin: proportional to exp(s_ij/τ), the softmax weighting that mines "
    "hard negatives; sample 0's positive (cos 1 ≥ m_p) gets exactly 0 — the margin's easy-sample suppression.",
)
def d2d_grad():
    # derivation, term by term: sample i's loss is L_i = −a_i + log Z_i (see the hint); the batch mean divides by N = 3
    m_p, m_n, tau, n = 0.98, 0.02, 0.5, 3
    cos_pos = [1.0, 0.8, 0.8]                     # f_i·v_{y_i}: all vectors have norm 1
    s = [[1.0, 0.8, 0.6], [0.8, 1.0, 0.96], [0.6, 0.96, 1.0]]
    negatives = {0: [2], 1: [2], 2: [0, 1]}       # other-class samples
    d_pos, d_neg = [0.0] * 3, [[0.0] * 3 for _ in range(3)]
    for i in range(3):
        a = min(cos_pos[i] - m_p, 0.0) / tau
        b = {j: max(s[i][j] - m_n, 0.0) / tau for j in negatives[i]}
        Z = math.exp(a) + sum(math.exp(x) for x in b.values())
        if cos_pos[i] < m_p:                      # past the margin the clamp's derivative is 0
            d_pos[i] = -(1 - math.exp(a) / Z) / (n * tau)
        for j, x in b.items():
            if s[i][j] > m_n:
                d_neg[i][j] = math.exp(x) / Z / (n * tau)
    return d_pos, d_neg
