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

__all__ = ["GANLoss", "Saturating", "NonSaturating", "LSGAN", "Hinge", "get_loss", "LOSSES", "d2d_ce", "d2d_ce_cosine_grads", "normalized_ce", "cosine_logits", "AUX_LOSSES", "check_aux_loss"]


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


class _GatherWithGrad(torch.autograd.Function):
    """All-gather along dim 0 whose backward sends every process its slice of the summed gradient.

    Process k's loss L_k depends on the embeddings of every process, so the gradient of
    process k's own embeddings is Σ_j ∂L_j/∂e_k: the backward all-reduces (sums) the
    gradient of the gathered tensor and keeps this process's rows. An all-reduce works on
    every backend (gloo has no reduce-scatter). DDP then averages parameter gradients over
    the K processes, which gives exactly the gradient of (1/K) Σ_j L_j = the loss of one
    process on the whole batch.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, group) -> torch.Tensor:
        import torch.distributed as dist

        ctx.group, ctx.rank, ctx.n = group, dist.get_rank(group), x.shape[0]
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size(group))]
        dist.all_gather(parts, x.contiguous(), group=group)
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        import torch.distributed as dist

        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM, group=ctx.group)
        return grad[ctx.rank * ctx.n : (ctx.rank + 1) * ctx.n], None


def _distributed_world(group=None) -> int:
    import torch.distributed as dist

    return dist.get_world_size(group) if dist.is_available() and dist.is_initialized() else 1


def _gather_negatives(f: torch.Tensor, labels: torch.Tensor, group) -> tuple[torch.Tensor, torch.Tensor]:
    """Every process's normalised embeddings (with gradient) and labels, in rank order."""
    import torch.distributed as dist

    world = dist.get_world_size(group)
    sizes = [torch.zeros(1, dtype=torch.int64, device=f.device) for _ in range(world)]
    dist.all_gather(sizes, torch.tensor([f.shape[0]], dtype=torch.int64, device=f.device), group=group)
    sizes = [int(s) for s in sizes]
    if len(set(sizes)) != 1:
        raise ValueError(f"d2d_ce across processes needs the same batch size on every process, got {sizes}")
    all_labels = [torch.empty_like(labels) for _ in range(world)]
    dist.all_gather(all_labels, labels.contiguous(), group=group)
    return _GatherWithGrad.apply(f, group), torch.cat(all_labels)


def d2d_ce(
    embeddings: torch.Tensor,
    proxies: torch.Tensor,
    labels: torch.Tensor,
    *,
    m_p: float | None = 0.98,
    m_n: float | None = 0.02,
    tau: float = 0.5,
    gather: bool | None = None,
    group=None,
) -> torch.Tensor:
    """ReACGAN's Data-to-Data Cross-Entropy (Kang et al., 2021, Eq. 6), averaged over the batch.

    ``embeddings`` (N×d) are the projected features P(F(x_i)), ``proxies`` (N×d) the class
    proxy w_{y_i} of each sample's label; both are L2-normalised here (f_i, v_{y_i}). For
    sample i with negatives N(i) = {j : y_j != y_i}::

        loss_i = −log( e^{[f_i·v_{y_i} − m_p]_−/τ} / (e^{[f_i·v_{y_i} − m_p]_−/τ} + Σ_{j∈N(i)} e^{[f_i·f_j − m_n]_+/τ}) )

    computed as ``−pos_i + logsumexp(pos_i, neg_ij for j in N(i))`` (stable for small τ).
    A positive already closer than ``m_p`` and a negative already further than ``m_n``
    get zero gradient; a sample with no negative in the batch has loss exactly 0.

    **No margins** (the paper's Eq. 5, the ablation step before Eq. 6): ``m_p=None`` and
    ``m_n=None`` drop the clamps, so the logits are f_i·v_{y_i}/τ and f_i·f_j/τ — a positive
    is never "close enough" and a negative never "far enough". Note that m_p = 1, m_n = −1
    also switch the clamps off (cosines lie in [−1, 1]) but shift the positive by −1 and every
    negative by +1, i.e. weight the negatives by e^{2/τ}: that is not Eq. 5.

    **Several processes.** When ``torch.distributed`` is initialised with more than one
    process (``gather=None``, the default, decides so; ``gather=False`` keeps it local), the
    negatives come from every process's batch: the normalised embeddings and labels are
    all-gathered (with gradient), each local sample is contrasted with the whole global
    batch, and the local mean is returned. With equal batch sizes the mean of the K local
    losses equals one process's loss on the concatenated batch, and after DDP's gradient
    averaging the parameter gradients are the same too (tests/test_d2d.py checks both with
    two gloo processes). Every process must call it (it is a collective).
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
    if isinstance(tau, bool) or not (isinstance(tau, (int, float)) and tau > 0 and math.isfinite(tau)):
        raise ValueError(f"d2d_ce: tau must be a positive number, got {tau!r}")
    for name, m in (("m_p", m_p), ("m_n", m_n)):
        if m is not None and (isinstance(m, bool) or not (isinstance(m, (int, float)) and -1.0 <= m <= 1.0)):
            raise ValueError(f"d2d_ce: {name} must be a cosine margin in [-1, 1] or None (no margin), got {m!r}")
    if (m_p is None) != (m_n is None):
        raise ValueError(f"d2d_ce: give both margins or neither (None, None = Eq. 5 without margins), got m_p={m_p!r}, m_n={m_n!r}")
    if gather not in (None, True, False):
        raise ValueError(f"d2d_ce: gather must be None (automatic), True or False, got {gather!r}")
    world = _distributed_world(group)
    if gather is True and world == 1:
        raise ValueError("d2d_ce: gather=True needs an initialised torch.distributed process group with more than one process")
    dtype = torch.promote_types(embeddings.dtype, torch.float32)  # half precision is upcast
    f = F.normalize(embeddings.to(dtype), dim=1)
    v = F.normalize(proxies.to(dtype), dim=1)
    if world > 1 and gather is not False:
        f_all, labels_all = _gather_negatives(f, labels, group)
    else:
        f_all, labels_all = f, labels
    pos = (f * v).sum(1)  # f_i·v_{y_i}
    sim = f @ f_all.T  # f_i·f_j over the (global) batch
    if m_p is not None:
        pos = (pos - m_p).clamp(max=0.0)  # [f_i·v_{y_i} − m_p]_−
        sim = (sim - m_n).clamp(min=0.0)  # [f_i·f_j − m_n]_+
    pos, neg = pos / tau, sim / tau
    negative = labels_all.unsqueeze(0) != labels.unsqueeze(1)  # j ∈ N(i): different label (never j = i)
    neg = neg.masked_fill(~negative, float("-inf"))
    logits = torch.cat([pos.unsqueeze(1), neg], dim=1)
    return (torch.logsumexp(logits, dim=1) - pos).mean()


def d2d_ce_cosine_grads(
    embeddings: torch.Tensor,
    proxies: torch.Tensor,
    labels: torch.Tensor,
    *,
    m_p: float | None = 0.98,
    m_n: float | None = 0.02,
    tau: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """D2D-CE's gradient with respect to its cosines, in closed form (one process, no gather).

    Why: the two properties the ReACGAN paper names are read off this gradient. With
    c_i = f_i·v_{y_i}, s_ij = f_i·f_j, a_i = [c_i − m_p]_−/τ, b_ij = [s_ij − m_n]_+/τ,
    Z_i = e^{a_i} + Σ_{j∈N(i)} e^{b_ij} and L = (1/N) Σ_i (−a_i + log Z_i)::

        ∂L/∂c_i  = −(1/(Nτ)) · (1 − e^{a_i}/Z_i) · 1[c_i < m_p]
        ∂L/∂s_ij =  (1/(Nτ)) · e^{b_ij}/Z_i     · 1[s_ij > m_n]   (j ∈ N(i); s_ij as it enters L_i)

    * **hard-negative mining** comes from the softmax weight e^{b_ij}/Z_i: among sample i's
      negatives past the margin, the gradient is proportional to exp(s_ij/τ);
    * **easy-sample suppression** comes from the margins: the indicators are exactly 0 for a
      positive closer than m_p and a negative further than m_n.

    Returns ``(d_pos, d_neg)``: d_pos[i] = ∂L/∂c_i (N,) and d_neg[i, j] = ∂L/∂s_ij (N×N, zero
    for j ∉ N(i)). ``m_p=m_n=None`` is Eq. 5 (no clamps, both indicators 1). Same input checks
    as :func:`d2d_ce`; tests/test_d2d.py checks both against autograd.
    """
    if (m_p is None) != (m_n is None):
        raise ValueError(f"d2d_ce_cosine_grads: give both margins or neither, got m_p={m_p!r}, m_n={m_n!r}")
    d2d_ce(embeddings, proxies, labels, m_p=m_p, m_n=m_n, tau=tau, gather=False)  # the same input checks
    dtype = torch.promote_types(embeddings.dtype, torch.float32)
    f = F.normalize(embeddings.to(dtype), dim=1)
    v = F.normalize(proxies.to(dtype), dim=1)
    c, sim = (f * v).sum(1), f @ f.T
    negative = labels.unsqueeze(0) != labels.unsqueeze(1)
    if m_p is None:
        a, b = c / tau, sim / tau
        pos_on, neg_on = torch.ones_like(c, dtype=torch.bool), negative
    else:
        a, b = (c - m_p).clamp(max=0.0) / tau, (sim - m_n).clamp(min=0.0) / tau
        pos_on, neg_on = c < m_p, negative & (sim > m_n)
    # softmax over (positive, negatives) computed with a row shift, stable for small τ
    logits = torch.cat([a.unsqueeze(1), b.masked_fill(~negative, float("-inf"))], dim=1)
    weights = torch.softmax(logits, dim=1)  # [e^{a_i}, e^{b_ij}] / Z_i
    n = len(c)
    d_pos = -(1.0 - weights[:, 0]) / (n * tau) * pos_on
    d_neg = weights[:, 1:] / (n * tau) * neg_on
    return d_pos, d_neg


def normalized_ce(embeddings: torch.Tensor, class_proxies: torch.Tensor, labels: torch.Tensor, *, tau: float = 0.5) -> torch.Tensor:
    """Cross-entropy on the unit sphere (ReACGAN paper, Eq. 4): the first step of its ablation.

    ``embeddings`` (N×d) and ``class_proxies`` (K×d, one row per class) are L2-normalised
    (f_i, v_k) and the logits are the cosines over a temperature, f_i·v_k / τ::

        loss_i = −log( e^{f_i·v_{y_i}/τ} / Σ_k e^{f_i·v_k/τ} )

    ACGAN's classifier with its input features and weight rows projected onto the unit
    hypersphere; unlike D2D-CE the denominator has the class proxies, not other samples.
    """
    for name, t in (("embeddings", embeddings), ("class_proxies", class_proxies)):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point() or t.dim() != 2 or 0 in t.shape:
            raise ValueError(f"normalized_ce: {name} must be a non-empty floating-point (rows, d) tensor, got {getattr(t, 'shape', type(t).__name__)}")
    if embeddings.shape[1] != class_proxies.shape[1]:
        raise ValueError(f"normalized_ce: embeddings have d={embeddings.shape[1]} but class_proxies d={class_proxies.shape[1]}")
    if not isinstance(labels, torch.Tensor) or labels.dtype != torch.int64 or labels.shape != (embeddings.shape[0],):
        raise ValueError(f"normalized_ce: labels must be an int64 tensor of shape ({embeddings.shape[0]},)")
    if isinstance(tau, bool) or not (isinstance(tau, (int, float)) and tau > 0 and math.isfinite(tau)):
        raise ValueError(f"normalized_ce: tau must be a positive number, got {tau!r}")
    return F.cross_entropy(cosine_logits(embeddings, class_proxies, tau), labels)


def cosine_logits(embeddings: torch.Tensor, class_proxies: torch.Tensor, tau: float) -> torch.Tensor:
    """f_i·v_k / τ for L2-normalised rows (float32 at least): the logits of :func:`normalized_ce`."""
    dtype = torch.promote_types(embeddings.dtype, torch.float32)
    return F.normalize(embeddings.to(dtype), dim=1) @ F.normalize(class_proxies.to(dtype), dim=1).T / tau


# The ReACGAN paper's ablation, one name per step: ACGAN → unit sphere (Eq. 4) → D2D-CE
# without margins (Eq. 5) → D2D-CE (Eq. 6). Each name fixes the discriminator head the
# trainer sees and the D2D-CE margins it passes (None, None = no clamps).
AUX_LOSSES: dict[str, dict] = {
    "ce": dict(head="acgan", margins=None),
    "ce-normalized": dict(head="ce-normalized", margins=None),
    "d2d-ce-nomargin": dict(head="reacgan", margins=(None, None)),
    "d2d-ce": dict(head="reacgan", margins="recipe"),  # the recipe's m_p, m_n (0.98, 0.02)
}


def check_aux_loss(name: str) -> dict:
    """The settings behind an auxiliary-loss name of :data:`AUX_LOSSES` (a clear error otherwise)."""
    if not isinstance(name, str) or name not in AUX_LOSSES:
        raise ValueError(f"unknown aux_loss {name!r}: allowed are {', '.join(repr(k) for k in AUX_LOSSES)}")
    return AUX_LOSSES[name]
