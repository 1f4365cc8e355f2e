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
    "gantutor.solutions.l07_reacgan by hand (cosines are simple: all vectors have norm 1).",
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
    "What is D2D-CE of a batch in which every sample has the same label (so no sample has a negative)?",
    check=lambda ans: float(ans) == 0.0,
    hint="With no negatives the denominator equals the numerator.",
    explanation="−log(e^a / e^a) = 0 whatever the positive term is, so such a batch gives D no class signal at all.",
)
def no_negatives():
    return 0.0
