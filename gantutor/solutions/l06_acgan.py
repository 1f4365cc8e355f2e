"""Lesson 06 (ACGAN) exercises and their hidden reference solutions."""

import math

import torch
import torch.nn.functional as F

from gantutor.checks import exercise

# a fixed toy classifier head: logits = W h, with K = 3 classes and 4 features
_W = torch.tensor([[0.5, -1.0, 0.2, 0.0], [0.1, 0.3, -0.4, 1.0], [-0.6, 0.2, 0.9, -0.3]], dtype=torch.float64)
_H = torch.tensor([2.0, -1.0, 0.5, 3.0], dtype=torch.float64)
_Y = 2


def _grad_norm(scale: float) -> float:
    W = _W.clone().requires_grad_(True)
    F.cross_entropy((W @ (scale * _H)).unsqueeze(0), torch.tensor([_Y])).backward()
    return float(W.grad.norm())


@exercise(
    "06.grad-norm",
    "The classifier head has logits W·h with W = _W and features h = _H (see gantutor.solutions.l06_acgan), "
    "label y = 2. Return the Frobenius norm of ∂CE/∂W, once for h and once for 10·h, as a tuple (g1, g10).",
    check=lambda ans: len(ans) == 2 and all(math.isclose(float(a), b, rel_tol=1e-4) for a, b in zip(ans, (_grad_norm(1.0), _grad_norm(10.0)))),
    hint="∂CE/∂W = (softmax(W h) − e_y) hᵀ, so its norm is ‖softmax(W h) − e_y‖·‖h‖; use autograd or the formula.",
    explanation="The norm is ‖p − e_y‖·‖h‖: it grows with the feature norm (unless the classifier is already confidently right), "
    "which is the gradient explosion the ReACGAN paper diagnoses.",
)
def grad_norms():
    return _grad_norm(1.0), _grad_norm(10.0)


_LOGITS = torch.tensor([[2.0, 0.5, -1.0], [0.0, 0.0, 3.0], [1.0, 1.0, 1.0]], dtype=torch.float64)
_LABELS = torch.tensor([0, 1, 2])


@exercise(
    "06.acgan-g-aux",
    "A batch of 3 fakes gets classifier logits _LOGITS (rows) for conditioned labels _LABELS = [0, 1, 2] "
    "(see gantutor.solutions.l06_acgan). Return the generator's auxiliary ACGAN loss: the mean cross-entropy.",
    check=lambda ans: math.isclose(float(ans), float(F.cross_entropy(_LOGITS, _LABELS)), rel_tol=1e-6),
    hint="CE_i = logsumexp(logits_i) − logits_i[y_i]; average the three.",
)
def acgan_g_aux():
    return float((torch.logsumexp(_LOGITS, 1) - _LOGITS[torch.arange(3), _LABELS]).mean())
