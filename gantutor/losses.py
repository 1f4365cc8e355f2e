"""GAN losses, each a small object behind a name.

Every loss works on the discriminator's **raw scores** (logits; no sigmoid applied)
and returns batch means:

* ``d_loss(real_scores, fake_scores)`` — what the discriminator minimises;
* ``g_loss(fake_scores)`` — what the generator minimises.

For the two losses of Goodfellow et al. (2014), D(x) = sigmoid(score) and we use
log sigmoid(s) = −softplus(−s) and log(1 − sigmoid(s)) = −softplus(s), which never
overflow, even at scores of ±100.

>>> loss = get_loss("nonsaturating")
>>> loss.d_loss(real_scores, fake_scores), loss.g_loss(fake_scores)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["GANLoss", "Saturating", "NonSaturating", "LSGAN", "Hinge", "get_loss", "LOSSES", "d2d_ce"]


def _scores(x: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of raw discriminator scores, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.numel() == 0:
        raise ValueError(f"{name} is empty: a loss needs at least one score")
    return x


class GANLoss:
    """Base class: a pair of objectives on raw discriminator scores."""

    name = "base"

    def d_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return self._d(_scores(real_scores, "real_scores"), _scores(fake_scores, "fake_scores"))

    def g_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return self._g(_scores(fake_scores, "fake_scores"))

    def _d(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def _g(self, fake: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _MinimaxD(GANLoss):
    """D maximises E[log D(x)] + E[log(1 − D(G(z)))], i.e. minimises the binary cross-entropy."""

    def _d(self, real, fake):
        # −log sigmoid(r) = softplus(−r);  −log(1 − sigmoid(f)) = softplus(f)
        return F.softplus(-real).mean() + F.softplus(fake).mean()


class Saturating(_MinimaxD):
    """The original minimax generator: G minimises E[log(1 − D(G(z)))].

    Its gradient vanishes exactly when G is worst (D(G(z)) ≈ 0), which is why it stalls.
    """

    name = "saturating"

    def _g(self, fake):
        return -F.softplus(fake).mean()  # log(1 − sigmoid(f)) = −softplus(f)


class NonSaturating(_MinimaxD):
    """The practical generator: G maximises E[log D(G(z))], i.e. minimises E[softplus(−f)]."""

    name = "nonsaturating"

    def _g(self, fake):
        return F.softplus(-fake).mean()


@dataclass(repr=True)
class LSGAN(GANLoss):
    """Least squares GAN with the a-b-c coding (Mao et al., 2017).

    D minimises ½E_data[(D(x) − b)²] + ½E_z[(D(G(z)) − a)²] and G minimises
    ½E_z[(D(G(z)) − c)²]. The defaults a=−1, b=1, c=0 satisfy b − c = 1 and b − a = 2,
    the conditions under which G minimises the Pearson χ² divergence.
    """

    a: float = -1.0
    b: float = 1.0
    c: float = 0.0
    name = "lsgan"

    def __post_init__(self):
        for key in ("a", "b", "c"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"lsgan parameter {key} must be a finite number, got {value!r}")
        if self.a == self.b:
            raise ValueError(f"lsgan needs a != b (the fake and real codes), got a = b = {self.a}")

    def _d(self, real, fake):
        return 0.5 * (real - self.b).pow(2).mean() + 0.5 * (fake - self.a).pow(2).mean()

    def _g(self, fake):
        return 0.5 * (fake - self.c).pow(2).mean()


class Hinge(GANLoss):
    """Hinge loss (Lim & Ye 2017; used by SN-GAN and BigGAN).

    D minimises E[relu(1 − D(x))] + E[relu(1 + D(G(z)))]; G minimises −E[D(G(z))].
    """

    name = "hinge"

    def _d(self, real, fake):
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()

    def _g(self, fake):
        return -fake.mean()


LOSSES: dict[str, type[GANLoss]] = {
    "saturating": Saturating,
    "nonsaturating": NonSaturating,
    "lsgan": LSGAN,
    "hinge": Hinge,
}


def get_loss(name: str, **params) -> GANLoss:
    """A loss by name: ``"saturating"``, ``"nonsaturating"``, ``"lsgan"`` (a, b, c) or ``"hinge"``."""
    if not isinstance(name, str) or name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}: allowed are {', '.join(repr(k) for k in LOSSES)}")
    cls = LOSSES[name]
    if cls is LSGAN:
        unknown = set(params) - {"a", "b", "c"}
        if unknown:
            raise ValueError(f"lsgan takes parameters a, b, c; got unknown {sorted(unknown)}")
        return LSGAN(**params)
    if params:
        raise ValueError(f"loss {name!r} takes no parameters; got {sorted(params)}")
    return cls()


def d2d_ce(
    embeddings: torch.Tensor,
    proxies: torch.Tensor,
    labels: torch.Tensor,
    *,
    m_p: float = 0.98,
    m_n: float = 0.02,
    tau: float = 0.5,
) -> torch.Tensor:
    """ReACGAN's Data-to-Data Cross-Entropy (Kang et al., 2021, Eq. 6), averaged over the batch.

    ``embeddings`` (N×d) are the projected features P(F(x_i)), ``proxies`` (N×d) the class
    proxy w_{y_i} of each sample's label; both are L2-normalised here (f_i, v_{y_i}). For
    sample i with negatives N(i) = {j : y_j != y_i}::

        loss_i = −log( e^{[f_i·v_{y_i} − m_p]_−/τ} / (e^{[f_i·v_{y_i} − m_p]_−/τ} + Σ_{j∈N(i)} e^{[f_i·f_j − m_n]_+/τ}) )

    computed as ``−pos_i + logsumexp(pos_i, neg_ij for j in N(i))`` (stable for small τ).
    A positive already closer than ``m_p`` and a negative already further than ``m_n``
    get zero gradient; a sample with no negative in the batch has loss exactly 0.
    """
    for name, t in (("embeddings", embeddings), ("proxies", proxies)):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise TypeError(f"d2d_ce: {name} must be a floating-point tensor, got {getattr(t, 'dtype', type(t).__name__)}")
        if t.dim() != 2 or t.shape[0] == 0 or t.shape[1] == 0:
            raise ValueError(f"d2d_ce: {name} must have shape (N, d) with N, d >= 1, got {tuple(t.shape)}")
    if proxies.shape != embeddings.shape:
        raise ValueError(f"d2d_ce: proxies {tuple(proxies.shape)} must match embeddings {tuple(embeddings.shape)} (one proxy per sample)")
    if not isinstance(labels, torch.Tensor) or labels.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise TypeError(f"d2d_ce: labels must be an integer tensor, got {getattr(labels, 'dtype', type(labels).__name__)}")
    if labels.shape != (embeddings.shape[0],):
        raise ValueError(f"d2d_ce: labels must have shape ({embeddings.shape[0]},), got {tuple(labels.shape)}")
    if not (isinstance(tau, (int, float)) and tau > 0 and math.isfinite(tau)):
        raise ValueError(f"d2d_ce: tau must be a positive number, got {tau!r}")
    for name, m in (("m_p", m_p), ("m_n", m_n)):
        if not (isinstance(m, (int, float)) and -1.0 <= m <= 1.0):
            raise ValueError(f"d2d_ce: {name} must be a cosine margin in [-1, 1], got {m!r}")
    dtype = torch.promote_types(embeddings.dtype, torch.float32)  # half precision is upcast
    f = F.normalize(embeddings.to(dtype), dim=1)
    v = F.normalize(proxies.to(dtype), dim=1)
    pos = ((f * v).sum(1) - m_p).clamp(max=0.0) / tau  # [f_i·v_{y_i} − m_p]_− / τ
    neg = ((f @ f.T) - m_n).clamp(min=0.0) / tau  # [f_i·f_j − m_n]_+ / τ
    negative = labels.unsqueeze(0) != labels.unsqueeze(1)  # j ∈ N(i): different label (never j = i)
    neg = neg.masked_fill(~negative, float("-inf"))
    logits = torch.cat([pos.unsqueeze(1), neg], dim=1)
    return (torch.logsumexp(logits, dim=1) - pos).mean()
