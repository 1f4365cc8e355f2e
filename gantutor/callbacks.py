"""Hooks into the trainer's loop: :class:`Callback` and :class:`PeriodicEval`.

A callback sees the trainer after every discriminator update and after every generator
update. It is how lessons add something to a run without copying the loop: SR-GAN's
spectral compensation (:mod:`gantutor.spectral`), a spectrum monitor, a metric every
few hundred steps. A callback that keeps state across steps gives it ``state_dict()`` /
``load_state_dict(state)`` (tensors and plain values only) and the trainer's checkpoint
carries it, so a resumed run continues the callback too.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Protocol

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Callback", "PeriodicEval", "HeadDiagnostics", "head_gradient_factors", "TrainerView"]


class TrainerView(Protocol):
    """What a callback may use of the trainer it is attached to (:class:`gantutor.train.Trainer` is one).

    Written as a protocol so that this module needs nothing from ``train.py``: the trainer
    imports its callbacks, never the other way round.
    """

    G: nn.Module
    D: nn.Module
    cfg: Any
    rank: int
    device: torch.device
    dtype: torch.dtype
    history: dict[str, list[float]]

    def sample(self, n: int, ema: bool = True, generator: torch.Generator | None = None, *,
               labels: torch.Tensor | None = None, z: torch.Tensor | None = None, batch: int = 500) -> torch.Tensor: ...


class Callback:
    """Hooks into the loop; subclass and override what you need (all no-ops by default)."""

    def on_d_step(self, trainer: TrainerView, step: int, d_iter: int, logs: dict[str, float]) -> None:
        """After each discriminator update (``step`` = generator steps done so far)."""

    def on_step_end(self, trainer: TrainerView, step: int, logs: dict[str, float]) -> None:
        """After each generator update (``step`` counts it)."""


class PeriodicEval(Callback):
    """Every ``every`` generator steps, record ``fn(trainer) -> dict[str, float]`` (e.g. a metric).

    The numbers go to ``trainer.history`` as ``eval_step`` and ``eval_<name>`` lists, so they
    are checkpointed and plotted like the losses::

        Trainer(G, D, data, cfg, callbacks=[PeriodicEval(500, lambda t: {"acc": my_metric(t.sample(1000))})])
    """

    def __init__(self, every: int, fn: Callable[[TrainerView], dict[str, float]]):
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        if not callable(fn):
            raise TypeError("fn must be callable: fn(trainer) -> dict of numbers")
        self.every, self.fn = every, fn

    def on_step_end(self, trainer, step, logs):
        if step % self.every == 0 and trainer.rank == 0:
            values = self.fn(trainer)
            trainer.history.setdefault("eval_step", []).append(float(step))
            for key, value in values.items():
                trainer.history.setdefault(f"eval_{key}", []).append(float(value))


# --------------------------------------------------------------------------- head-gradient diagnostics


def _head_linear(D: nn.Module) -> nn.Linear:
    """The linear layer of D's conditional head whose weight the diagnostics watch (W for ACGAN, P for ReACGAN)."""
    head = getattr(D, "aux_head", None)
    if isinstance(head, nn.Linear):
        return head
    if head is not None and isinstance(getattr(head, "P", None), nn.Linear):
        return head.P
    raise ValueError("D has no conditional head: head_gradient_factors needs a conditional D "
                     "(gantutor.models.CondDCDiscriminator or ResNetDiscriminator)")


def _sn_parts(lin: nn.Linear):
    """(raw weight, u, v) of a spectrally normalised layer, or (weight, None, None) without spectral norm."""
    from torch.nn.utils import parametrize

    if parametrize.is_parametrized(lin, "weight"):
        plist = lin.parametrizations.weight
        sn = plist[0]
        if not hasattr(sn, "_u"):
            raise ValueError(f"the weight's parametrization is {type(sn).__name__}, not torch's spectral norm")
        return plist.original, sn._u.detach(), sn._v.detach()
    return lin.weight, None, None


def head_gradient_factors(D: nn.Module, x: torch.Tensor, y: torch.Tensor, d2d: dict | None = None) -> dict[str, float]:
    """The conditional head's gradient on one batch, split into what it is made of.

    For ACGAN's linear classifier W (logits ``W h``) and the mean cross-entropy over the batch,
    ``∂CE/∂W = (1/N) Σ_i (p_i − e_{y_i}) h_iᵀ``: the two factors are the classifier's error
    ``‖p − e_y‖`` and D's feature norm ``‖h‖`` (both averaged over the batch, returned
    separately as ``err_norm`` and ``feat_norm``).

    With spectral norm the layer's *effective* weight is ``W = W_raw / σ`` (σ = uᵀ W_raw v,
    u and v the power-iteration vectors, constants for the gradient). The gradient an
    optimiser sees is the one on ``W_raw``; the one the formula above describes is on ``W``.
    They are related exactly by (differentiate ``W_raw/σ(W_raw)`` with ``∂σ/∂W_raw = u vᵀ``)

        σ · ∂L/∂W_raw = ∂L/∂W − ⟨∂L/∂W, W⟩ u vᵀ,

    so the raw gradient carries a 1/σ factor (and loses its component along u vᵀ). Both
    norms are returned: ``grad_eff`` (on W) and ``grad_raw`` (on W_raw), with ``sigma``.
    Without spectral norm σ = 1 and the two are equal.

    For a ReACGAN head the watched layer is the projection P and the loss is D2D-CE
    (``d2d``: its m_p, m_n, tau) or, for the "ce-normalized" head, the cosine cross-entropy;
    ``err_norm`` is ``‖p − e_y‖`` where there are class probabilities (not for D2D-CE: NaN).

    D is put in eval mode for the measurement (spectral norm's u, v are not updated, no
    ``.grad`` is written) and put back as it was: calling this does not change training.
    """
    from .losses import d2d_ce

    if x.dim() != 4 or len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x must be a non-empty (N, C, H, W) batch with N labels, got {tuple(x.shape)} and {tuple(y.shape)}")
    lin = _head_linear(D)
    raw, u, v = _sn_parts(lin)
    was_training = D.training
    D.eval()
    try:
        with torch.enable_grad():
            with torch.no_grad():
                out = D(x, y)
                h = out.features.float()
                W_eff = lin.weight.detach().float()
            name = getattr(D, "head_name", "acgan")

            def loss_of(weight):
                z = F.linear(h, weight, None if lin.bias is None else lin.bias.detach().float())
                if name == "acgan":
                    return F.cross_entropy(z, y), z
                if name == "ce-normalized":
                    from .losses import cosine_logits

                    logits = cosine_logits(z, D.aux_head.proxies.weight.detach().float(), D.tau)
                    return F.cross_entropy(logits, y), logits
                return d2d_ce(z, out.proxy.detach().float(), y, **(d2d or {})), None

            leaf = W_eff.clone().requires_grad_(True)
            loss, logits = loss_of(leaf)
            (g_eff,) = torch.autograd.grad(loss, leaf)
            raw_leaf = raw.detach().float().clone().requires_grad_(True)
            if u is not None:
                sigma = torch.dot(u.float(), raw_leaf @ v.float())
                loss_raw, _ = loss_of(raw_leaf / sigma)
            else:
                sigma = torch.ones(())
                loss_raw, _ = loss_of(raw_leaf)
            (g_raw,) = torch.autograd.grad(loss_raw, raw_leaf)
        err = float("nan")
        if logits is not None:
            p = torch.softmax(logits.detach(), 1)
            err = float((p - F.one_hot(y, p.shape[1]).float()).norm(dim=1).mean())
        return {"grad_eff": float(g_eff.norm()), "grad_raw": float(g_raw.norm()), "sigma": float(sigma.detach()),
                "err_norm": err, "feat_norm": float(h.norm(dim=1).mean()), "aux_loss": float(loss.detach())}
    finally:
        D.train(was_training)


class HeadDiagnostics(Callback):
    """Every ``every`` generator steps, :func:`head_gradient_factors` on a fixed probe batch of real images.

    Writes ``diag_step`` and ``diag_<name>`` lists (grad_eff, grad_raw, sigma, err_norm,
    feat_norm, aux_loss) into ``trainer.history``, so they are checkpointed and plotted like
    the losses. The probe batch stays the same all run, so changes come from D, not the data.
    """

    def __init__(self, every: int, x: torch.Tensor, y: torch.Tensor):
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or not isinstance(y, torch.Tensor) or len(x) != len(y):
            raise ValueError("x must be an (N, C, H, W) float tensor of real images in [-1, 1] and y their N labels")
        self.every, self.x, self.y = every, x, y.long()

    def on_step_end(self, trainer, step, logs):
        if step % self.every or trainer.rank != 0:
            return
        values = head_gradient_factors(trainer.D, self.x.to(trainer.device, trainer.dtype), self.y.to(trainer.device),
                                       d2d=trainer.cfg.d2d)
        trainer.history.setdefault("diag_step", []).append(float(step))
        for key, value in values.items():
            trainer.history.setdefault(f"diag_{key}", []).append(value if math.isfinite(value) else float("nan"))
