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


# a batch of four feature vectors (rows) for the same head, and their labels
_HB = torch.tensor([[2.0, -1.0, 0.5, 3.0], [0.0, 1.5, -2.0, 0.5], [-1.0, 0.2, 1.0, -0.4], [4.0, 1.0, 0.0, -2.0]], dtype=torch.float64)
_YB = torch.tensor([2, 0, 1, 2])


def _batch_grad_autograd() -> torch.Tensor:
    W = _W.clone().requires_grad_(True)
    F.cross_entropy(_HB @ W.T, _YB).backward()
    return W.grad.detach()


def _check_batch_grad(ans) -> bool:
    if ans is None:
        raise AssertionError("answer with a 3×4 tensor or array: ∂L/∂W of the mean cross-entropy")
    got = torch.as_tensor(ans, dtype=torch.float64)
    if got.shape != _W.shape:
        raise AssertionError(f"∂L/∂W has the shape of W, {tuple(_W.shape)}; got {tuple(got.shape)}")
    err = float((got - _batch_grad_autograd()).abs().max())
    if not err <= 1e-8:
        raise AssertionError(f"largest entry differs from autograd's gradient by {err:.3g} (need <= 1e-8)")
    return True


@exercise(
    "06.batch-head-gradient",
    "For the head W = _W (logits W·h, no bias), a batch of four feature vectors _HB (rows) and labels _YB "
    "(gantutor.solutions.l06_acgan), derive ∂L/∂W of the mean cross-entropy L by hand and compute it with tensor "
    "operations, without autograd. Answer with a 3×4 array or tensor; accepted when every entry is within 1e-8 of "
    "autograd's gradient.",
    check=_check_batch_grad,
    hint="Per sample ∂CE_i/∂(W h_i) = p_i − e_{y_i} (softmax minus one-hot), and ∂(W h_i)/∂W contributes h_iᵀ; "
    "average the N rank-one matrices (p_i − e_{y_i}) h_iᵀ.",
    explanation="∂L/∂W = (1/N) Σ_i (p_i − e_{y_i}) h_iᵀ = (1/N)(P − Y)ᵀ H. Each term has norm ‖p_i − e_{y_i}‖·‖h_i‖; "
    "the mean of the terms is at most the mean of those products (the bound of §3), and equals it only if all the "
    "terms point the same way.",
)
def batch_head_gradient():
    # derivation: CE_i = logsumexp(z_i) − z_i[y_i] with z_i = W h_i, so ∂CE_i/∂z_i = softmax(z_i) − e_{y_i};
    # z_i[k] = Σ_f W[k, f] h_i[f] gives ∂z_i[k]/∂W[k, f] = h_i[f]; the batch mean averages the outer products
    P = torch.softmax(_HB @ _W.T, dim=1)
    Y = F.one_hot(_YB, _W.shape[0]).double()
    return (P - Y).T @ _HB / len(_HB)
