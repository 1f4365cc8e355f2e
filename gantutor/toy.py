"""Lesson 05: 2-D Gaussian mixtures, mode-coverage metrics, and the mode-collapse arena.

The 8-Gaussian ring (LSGAN §4.4; VEEGAN; PacGAN) is the smallest experiment where a
GAN visibly drops modes. Everything here is built to run many seeds at once: the
generator and discriminator are MLPs whose weights carry a leading *seed* dimension
``B``, so one ``torch.bmm`` trains ten independent GANs in the time a Python loop
trains two or three. One Adam optimizer over stacked weights is exactly B independent
Adams (Adam is element-wise), and each seed's loss is its own batch mean, so the seeds
never see each other.

* :func:`ring`, :func:`grid` (and :func:`spiral`, :func:`two_rings` for the playground)
  return a :class:`Mixture`; :func:`lsgan_ring` is the LSGAN authors' own ring (radius 1,
  σ = 0.01, the top mode with double weight), used by the claim ``lsgan-ring``.
* :func:`mode_coverage` — modes covered, fraction of high-quality samples, reverse KL.
* :class:`ToyGAN` — B seeds of one (loss, regularizer) configuration, trained together;
  its defaults are the arena's, its options (tanh, orthogonal init, loss parameters,
  simultaneous updates, per-net Adam settings) express the LSGAN authors' protocol.
* :func:`arena` — every configuration × seeds → a pandas table plus snapshots.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Iterable, NamedTuple, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from gantutor.losses import LOSSES, get_loss
from gantutor.spectral import compensate

__all__ = [
    "Mixture", "ring", "grid", "spiral", "two_rings", "lsgan_ring", "DATASETS", "get_mixture",
    "mode_coverage", "batched_spectral_norm", "BatchedMLP", "ToyGAN", "REGULARIZERS",
    "arena", "ArenaResult", "ACTIVATIONS", "INITS", "UPDATES",
]

REGULARIZERS = ("none", "sn", "sr", "gp")
ACTIVATIONS = ("relu", "tanh")
INITS = ("default", "orthogonal")
UPDATES = ("alternating", "simultaneous")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Mixture:
    """A mixture of isotropic 2-D Gaussians: ``centers`` (K×2), one ``std`` and mixing ``weights``.

    ``weights`` (K,) are the mixing probabilities; ``None`` means equal weights (every
    mixture of the arena). They are normalized to sum to 1. The LSGAN authors' ring
    (:func:`lsgan_ring`) needs them: its top mode has twice the weight of the others.
    """

    centers: torch.Tensor
    std: float
    name: str = "mixture"
    weights: torch.Tensor | None = None

    def __post_init__(self):
        c = self.centers
        if not isinstance(c, torch.Tensor) or c.dim() != 2 or c.shape[1] != 2 or c.shape[0] < 1:
            raise ValueError(f"centers must be a (K, 2) tensor with K >= 1, got {getattr(c, 'shape', type(c))}")
        if not (isinstance(self.std, (int, float)) and self.std > 0):
            raise ValueError(f"std must be a positive number, got {self.std!r}")
        if self.weights is not None:
            w = torch.as_tensor(self.weights, dtype=torch.float64)
            if w.shape != (c.shape[0],) or not torch.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
                raise ValueError(f"weights must be {c.shape[0]} non-negative finite numbers with a positive sum "
                                 f"(one per center), got {self.weights!r}")
            object.__setattr__(self, "weights", (w / w.sum()).float())

    @property
    def n_modes(self) -> int:
        return self.centers.shape[0]

    @property
    def probs(self) -> torch.Tensor:
        """The mixing probabilities (K,): ``weights``, or 1/K each."""
        if self.weights is None:
            return torch.full((self.n_modes,), 1.0 / self.n_modes)
        return self.weights

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` points (n×2): a center drawn with the mixing probabilities plus N(0, std²·I) noise."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"n must be a non-negative int, got {n!r}")
        if self.weights is None:
            idx = torch.randint(self.n_modes, (n,), generator=generator)
        elif n == 0:
            idx = torch.zeros(0, dtype=torch.long)
        else:
            idx = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        return self.centers[idx] + self.std * torch.randn(n, 2, generator=generator)


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or not math.isfinite(value):
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def ring(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> Mixture:
    """``n_modes`` Gaussians evenly spaced on a circle (the 8-Gaussian ring of VEEGAN/PacGAN)."""
    if not isinstance(n_modes, int) or n_modes < 1:
        raise ValueError(f"n_modes must be a positive int, got {n_modes!r}")
    _positive("radius", radius)
    _positive("std", std)
    angle = 2 * math.pi * torch.arange(n_modes, dtype=torch.float32) / n_modes
    return Mixture(radius * torch.stack([angle.cos(), angle.sin()], 1), float(std), f"ring{n_modes}")


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """``side × side`` Gaussians on a square lattice centred at 0 (the 25-Gaussian grid)."""
    if not isinstance(side, int) or side < 1:
        raise ValueError(f"side must be a positive int, got {side!r}")
    _positive("spacing", spacing)
    _positive("std", std)
    axis = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    xx, yy = torch.meshgrid(axis, axis, indexing="ij")
    return Mixture(torch.stack([xx.flatten(), yy.flatten()], 1), float(std), f"grid{side * side}")


def spiral(n_modes: int = 12, turns: float = 1.5, radius: float = 3.0, std: float = 0.05) -> Mixture:
    """Gaussians along an Archimedean spiral: neighbouring modes at different radii."""
    if not isinstance(n_modes, int) or n_modes < 2:
        raise ValueError(f"n_modes must be an int >= 2, got {n_modes!r}")
    t = torch.linspace(0.15, 1.0, n_modes)
    angle = 2 * math.pi * turns * t
    return Mixture(radius * t[:, None] * torch.stack([angle.cos(), angle.sin()], 1), float(std), f"spiral{n_modes}")


def two_rings(inner: int = 4, outer: int = 8, radii=(1.0, 2.5), std: float = 0.03) -> Mixture:
    """Two concentric rings of Gaussians: G must fold its latent space to reach both."""
    a = ring(inner, radii[0], std).centers
    b = ring(outer, radii[1], std).centers
    return Mixture(torch.cat([a, b]), float(std), f"two_rings{inner + outer}")


def lsgan_ring(radius: float = 1.0, std: float = 0.01) -> Mixture:
    """The LSGAN authors' mixture of Gaussians (Mao et al. 2017; ``sample_mog`` in xudonmao/LSGAN).

    Their code draws one of 9 components uniformly, at angles ``linspace(0, 2π, 9)`` and
    position (r·sin θ, r·cos θ); θ = 0 and θ = 2π are the same point, the top one. So the
    data has **8 distinct modes**, and the top mode (0, r) carries weight 2/9, the others 1/9
    each. We represent it as 8 centers with those weights (same distribution, and
    :func:`mode_coverage` then counts 8 modes, not 9 of which two coincide). Default radius
    1.0 and std 0.01 are the authors': neighbours are 2·r·sin(π/8) ≈ 0.765 apart, ≈ 77σ.
    """
    _positive("radius", radius)
    _positive("std", std)
    theta = 2 * math.pi * torch.arange(8, dtype=torch.float64) / 8
    centers = (radius * torch.stack([theta.sin(), theta.cos()], 1)).float()
    weights = torch.tensor([2.0] + [1.0] * 7) / 9
    return Mixture(centers, float(std), "lsgan_ring8", weights)


DATASETS = {"ring": ring, "grid": grid, "spiral": spiral, "two_rings": two_rings, "lsgan_ring": lsgan_ring}


def get_mixture(data: str | Mixture) -> Mixture:
    """A :class:`Mixture` itself, or one of :data:`DATASETS` by name with its defaults."""
    if isinstance(data, Mixture):
        return data
    if not isinstance(data, str) or data not in DATASETS:
        raise ValueError(f"unknown data {data!r}: allowed are a Mixture or one of {', '.join(map(repr, DATASETS))}")
    return DATASETS[data]()


# --------------------------------------------------------------------------- metric


def _coverage_tensors(samples: torch.Tensor, mixture: Mixture, threshold: float = 3.0):
    """Batched core of :func:`mode_coverage`: samples (B, N, 2) → modes, high_quality, reverse_kl, each (B,)."""
    centers = mixture.centers.to(samples)
    B, N, _ = samples.shape
    K = mixture.n_modes
    if N == 0:
        return torch.zeros(B, dtype=torch.long), torch.zeros(B), torch.full((B,), math.inf)
    dist = torch.cdist(samples, centers.expand(B, K, 2))  # (B, N, K)
    nearest_d, nearest = dist.min(-1)
    good = nearest_d < threshold * mixture.std
    counts = torch.zeros(B, K, dtype=samples.dtype).scatter_add_(1, nearest, good.to(samples.dtype))
    n_good = counts.sum(1)
    q = counts / n_good.clamp_min(1)[:, None]
    # reverse KL(q || w) = Σ q_k log(q_k / w_k) with w the mixing weights (uniform: Σ q_k log(q_k K)); 0·log 0 = 0
    w = mixture.probs.to(samples)[None]
    terms = torch.where(q > 0, q * torch.log(q.clamp_min(1e-30) / w), torch.zeros_like(q))
    rkl = torch.where(n_good > 0, terms.sum(1), torch.full_like(n_good, math.inf))
    return (counts > 0).sum(1), good.to(samples.dtype).mean(1), rkl


def mode_coverage(samples: torch.Tensor, mixture: Mixture, threshold: float = 3.0) -> dict:
    """How many modes a set of samples covers, and how well (the VEEGAN/PacGAN protocol).

    A sample is *high-quality* if it lies within ``threshold``·std (3·std) of its nearest
    center. Returns ``modes`` (centers with ≥ 1 high-quality sample), ``high_quality``
    (the fraction of samples that are) and ``reverse_kl`` = Σ_k q_k log(q_k/w_k), where q_k
    is the fraction of high-quality samples nearest center k and w_k the mixture's weight
    of mode k (1/K for the equal-weight mixtures: Σ_k q_k log(q_k·K)); it is 0 when the modes
    are hit in the data's proportions, +inf when no sample is high-quality. Those papers
    use 2,500 samples.
    ``samples`` is (N, 2) → numbers, or (B, N, 2) → NumPy arrays of length B.
    """
    if not isinstance(mixture, Mixture):
        raise ValueError(f"mixture must be a gantutor.toy.Mixture, got {type(mixture).__name__}")
    if not isinstance(samples, torch.Tensor):
        samples = torch.as_tensor(np.asarray(samples), dtype=torch.float32)
    if samples.dim() not in (2, 3) or samples.shape[-1] != 2:
        raise ValueError(f"samples must have shape (N, 2) or (B, N, 2), got {tuple(samples.shape)}")
    _positive("threshold", threshold)
    single = samples.dim() == 2
    s = samples.detach().float().cpu()
    modes, hq, rkl = _coverage_tensors(s[None] if single else s, mixture, threshold)
    if single:
        return {"modes": int(modes[0]), "high_quality": float(hq[0]), "reverse_kl": float(rkl[0])}
    return {"modes": modes.numpy(), "high_quality": hq.numpy(), "reverse_kl": rkl.numpy()}


# --------------------------------------------------------------------------- batched networks


def batched_spectral_norm(weight: torch.Tensor, u: torch.Tensor, v: torch.Tensor, n_power_iterations: int = 1,
                          eps: float = 1e-12, update: bool = True):
    """W/σ(W) for a stack of matrices ``weight`` (B, m, n), σ estimated by power iteration.

    The same algorithm as torch's ``spectral_norm`` parametrization, one matrix per seed:
    ``u`` (B, m) and ``v`` (B, n) persist across calls and are refined in place
    (u ← normalize(W v), v ← normalize(Wᵀ u)) when ``update``; σ = uᵀ W v is then
    differentiated through W only. Returns ``(W/σ, σ)`` with σ of shape (B,).
    """
    if weight.dim() != 3 or u.shape != weight.shape[:2] or v.shape != (weight.shape[0], weight.shape[2]):
        raise ValueError(f"need weight (B, m, n), u (B, m), v (B, n); got {tuple(weight.shape)}, {tuple(u.shape)}, {tuple(v.shape)}")
    if update:
        with torch.no_grad():
            for _ in range(n_power_iterations):
                u.copy_(F.normalize(torch.bmm(weight, v.unsqueeze(-1)).squeeze(-1), dim=1, eps=eps))
                v.copy_(F.normalize(torch.bmm(weight.transpose(1, 2), u.unsqueeze(-1)).squeeze(-1), dim=1, eps=eps))
    u_, v_ = u.clone(), v.clone()
    sigma = torch.einsum("bm,bmn,bn->b", u_, weight, v_)
    return weight / sigma[:, None, None], sigma


class BatchedMLP(torch.nn.Module):
    """B independent MLPs with stacked weights: x (B, N, in) → (B, N, out) by ``torch.baddbmm``.

    Seed b's weights are drawn from its own generator, so seed b here equals a lone network
    built with seed b. ``init="default"`` is nn.Linear's default (uniform ±1/√fan_in for
    weights and biases); ``init="orthogonal"`` draws each weight matrix orthogonal (orthonormal
    rows or columns, whichever fit) times ``gain`` with ``torch.nn.init.orthogonal_`` and sets
    the biases to 0 — TF-slim's ``fully_connected`` under ``tf.orthogonal_initializer(gain)``,
    the LSGAN authors' mixture-of-Gaussians setting. ``activation`` ("relu" or "tanh") acts
    between layers; the output layer is linear.
    ``norm`` = "sn" or "sr" divides every weight by its spectral norm (batched power
    iteration); "sr" first adds SR-GAN's compensation ΔW (Liu et al., 2019), recomputed by
    an SVD every ``sr_every`` updates (the SVD is the arena's most expensive step; the
    spectrum moves slowly, so ΔW from a few steps ago still lifts it — a simplification).
    """

    def __init__(self, sizes: Sequence[int], seeds: Sequence[int], norm: str = "none", sr_ratio: float = 0.5, salt: int = 0,
                 sr_every: int = 5, activation: str = "relu", init: str = "default", gain: float = 1.0):
        super().__init__()
        if norm not in ("none", "sn", "sr"):
            raise ValueError(f"norm must be 'none', 'sn' or 'sr', got {norm!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}: allowed are {', '.join(map(repr, ACTIVATIONS))}")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}: allowed are {', '.join(map(repr, INITS))}")
        _positive("gain", gain)
        self.sizes, self.norm, self.sr_ratio, self.sr_every = list(sizes), norm, sr_ratio, sr_every
        self.activation, self.init, self.gain = activation, init, float(gain)
        self._act = torch.relu if activation == "relu" else torch.tanh
        self._updates, self._delta = 0, {}
        gens = [torch.Generator().manual_seed(int(s) * 1000 + salt) for s in seeds]
        self.weights, self.biases = torch.nn.ParameterList(), torch.nn.ParameterList()
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if init == "default":
                bound = 1 / math.sqrt(fan_in)
                w = torch.stack([(torch.rand(fan_out, fan_in, generator=g) * 2 - 1) * bound for g in gens])
                b = torch.stack([(torch.rand(1, fan_out, generator=g) * 2 - 1) * bound for g in gens])
            else:
                w = torch.stack([torch.nn.init.orthogonal_(torch.empty(fan_out, fan_in), gain=self.gain, generator=g)
                                 for g in gens])
                b = torch.zeros(len(gens), 1, fan_out)
            self.weights.append(torch.nn.Parameter(w))
            self.biases.append(torch.nn.Parameter(b))
            if norm != "none":  # power-iteration vectors, warmed up with 15 steps like torch's
                u = F.normalize(torch.stack([torch.randn(fan_out, generator=g) for g in gens]), dim=1)
                v = F.normalize(torch.stack([torch.randn(fan_in, generator=g) for g in gens]), dim=1)
                batched_spectral_norm(w.detach(), u, v, n_power_iterations=15)
                self.register_buffer(f"u{i}", u)
                self.register_buffer(f"v{i}", v)

    def effective_weights(self, update: bool = False) -> list[torch.Tensor]:
        """The weights the forward pass uses (normalized for "sn"/"sr")."""
        if self.norm == "none":
            return list(self.weights)
        out = []
        refresh = self.norm == "sr" and (not self._delta or (update and self._updates % self.sr_every == 0))
        for i, w in enumerate(self.weights):
            w_sn, sigma = batched_spectral_norm(w, getattr(self, f"u{i}"), getattr(self, f"v{i}"), update=update)
            if self.norm == "sr" and min(w.shape[1:]) > 1:  # a rank-1 layer has nothing to lift
                if refresh:
                    with torch.no_grad():  # ΔW is a constant shift: no gradient through the SVD
                        self._delta[i] = compensate(w.detach(), "static", self.sr_ratio)[0] - w.detach()
                # W_SR = (W + ΔW)/σ(W), σ from the same power iteration as SN
                w_sn = w_sn + self._delta[i] / sigma[:, None, None]
            out.append(w_sn)
        self._updates += int(update)
        return out

    def forward(self, x: torch.Tensor, update: bool = False) -> torch.Tensor:
        ws = self.effective_weights(update)
        for i, (w, b) in enumerate(zip(ws, self.biases)):
            x = torch.baddbmm(b, x, w.transpose(1, 2))
            if i < len(ws) - 1:
                x = self._act(x)
        return x


# --------------------------------------------------------------------------- training


class ToyGAN:
    """B seeds of one GAN configuration on a 2-D mixture, trained as one batched model.

    G: z (``z_dim``-D standard normal) → 2-D point; D: point → raw score; both are MLPs with
    two hidden layers of ``width`` units (LSGAN §4.4's three fully-connected layers).
    ``regularizer``: "none", "sn" (spectral norm on D, Miyato et al. 2018), "sr" (SR-GAN
    static compensation + SN, Liu et al. 2019) or "gp" (the R1 penalty
    γ/2·E_data‖∇D(x)‖² of Mescheder et al. 2018, which suits every loss here).

    The defaults are the course's arena (ReLU, nn.Linear init, 2-D z, alternating updates).
    The other options express the LSGAN authors' mixture-of-Gaussians protocol:

    * ``activation`` "relu" | "tanh"; ``init`` "default" | "orthogonal" (with ``init_gain``,
      biases 0) — see :class:`BatchedMLP`;
    * ``loss_params``: the loss's parameters, e.g. ``{"a": 0, "b": 1, "c": 1}`` for LSGAN's
      0-1-1 coding (:func:`gantutor.losses.get_loss`);
    * ``update`` "alternating": ``n_dis`` D steps, each on fresh samples, then one G step
      against the updated D; "simultaneous": one forward pass of real and fake samples
      gives both losses, both gradients are taken from it, then D and G step together
      (what one ``sess.run([g_train_op, d_train_op])`` does; needs ``n_dis`` = 1);
    * per-net Adam settings ``lr_g``/``lr_d``, ``eps_g``/``eps_d`` and shared ``betas``.

    Seed b uses only its own random streams, so training B seeds together gives the same
    numbers as training each alone (up to float rounding).
    """

    def __init__(self, data: str | Mixture = "ring", loss: str = "nonsaturating", regularizer: str = "none",
                 seeds: int | Sequence[int] = 1, width: int = 128, z_dim: int = 2, batch_size: int = 256,
                 lr_g: float = 1e-3, lr_d: float = 1e-3, n_dis: int = 1, gp_weight: float = 0.1,
                 sr_ratio: float = 0.5, sr_every: int = 5, betas=(0.5, 0.999), *, activation: str = "relu",
                 init: str = "default", init_gain: float = 1.0, loss_params: dict | None = None,
                 update: str = "alternating", eps_g: float = 1e-8, eps_d: float = 1e-8):
        self.mixture = get_mixture(data)
        self.loss_name = loss
        if loss_params is not None and not isinstance(loss_params, dict):
            raise ValueError(f"loss_params must be a dict of the loss's parameters or None, got {loss_params!r}")
        self.loss = get_loss(loss, **(loss_params or {}))  # a bad name raises a ValueError listing the allowed ones
        if regularizer not in REGULARIZERS:
            raise ValueError(f"unknown regularizer {regularizer!r}: allowed are {', '.join(map(repr, REGULARIZERS))}")
        if update not in UPDATES:
            raise ValueError(f"unknown update {update!r}: allowed are {', '.join(map(repr, UPDATES))}")
        seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
        if not seeds:
            raise ValueError("seeds must name at least one seed")
        for name, value in (("width", width), ("z_dim", z_dim), ("batch_size", batch_size), ("n_dis", n_dis)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if update == "simultaneous" and n_dis != 1:
            raise ValueError(f"update='simultaneous' takes one D and one G step per iteration: n_dis must be 1, got {n_dis}")
        for name, value in (("lr_g", lr_g), ("lr_d", lr_d), ("eps_g", eps_g), ("eps_d", eps_d)):
            _positive(name, value)
        self.regularizer, self.seeds, self.z_dim, self.update = regularizer, seeds, z_dim, update
        self.batch_size, self.n_dis, self.gp_weight = batch_size, n_dis, gp_weight
        norm = regularizer if regularizer in ("sn", "sr") else "none"
        net = dict(activation=activation, init=init, gain=init_gain)
        self.G = BatchedMLP([z_dim, width, width, 2], seeds, salt=1, **net)
        self.D = BatchedMLP([2, width, width, 1], seeds, norm=norm, sr_ratio=sr_ratio, sr_every=sr_every, salt=2, **net)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr_g, betas=betas, eps=eps_g)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr_d, betas=betas, eps=eps_d)
        self.gens = [torch.Generator().manual_seed(int(s) * 1000 + 3) for s in seeds]
        self.steps = 0

    @property
    def B(self) -> int:
        return len(self.seeds)

    def set_lr(self, lr_g: float | None = None, lr_d: float | None = None) -> None:
        """Change learning rates without restarting (the playground's sliders)."""
        for opt, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            if lr is not None:
                _positive("lr", lr)
                for group in opt.param_groups:
                    group["lr"] = lr

    def _real(self, n):
        return torch.stack([self.mixture.sample(n, g) for g in self.gens])

    def _z(self, n):
        return torch.stack([torch.randn(n, self.z_dim, generator=g) for g in self.gens])

    def d_step(self) -> torch.Tensor:
        n = self.batch_size
        real = self._real(n)
        with torch.no_grad():
            fake = self.G(self._z(n))
        x = torch.cat([real, fake], 1)
        if self.regularizer == "gp":
            x.requires_grad_(True)
        scores = self.D(x, update=True).squeeze(-1)  # (B, 2n); one power-iteration step per D update
        # every loss is a mean of per-sample terms, so B × (mean over all seeds) = Σ_b (seed b's
        # own batch mean): each seed gets exactly the gradient it would get alone
        mean = self.loss.d_loss(scores[:, :n], scores[:, n:])
        total = mean * self.B
        if self.regularizer == "gp":
            (grad,) = torch.autograd.grad(scores[:, :n].sum(), x, create_graph=True)
            total = total + 0.5 * self.gp_weight * grad[:, :n].pow(2).sum(-1).mean(1).sum()
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        self.opt_d.step()
        return mean.detach()

    def g_step(self) -> torch.Tensor:
        scores = self.D(self.G(self._z(self.batch_size))).squeeze(-1)
        mean = self.loss.g_loss(scores)
        self.opt_g.zero_grad(set_to_none=True)
        (mean * self.B).backward(inputs=list(self.G.parameters()))
        self.opt_g.step()
        return mean.detach()

    def simultaneous_step(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One simultaneous iteration: both losses from one forward pass, both nets step together.

        D's gradient is taken w.r.t. D's weights only and G's w.r.t. G's only, both before
        either optimizer steps, so neither sees the other's update of this iteration.
        """
        n = self.batch_size
        real = self._real(n)
        if self.regularizer == "gp":
            real.requires_grad_(True)
        fake = self.G(self._z(n))
        scores = self.D(torch.cat([real, fake], 1), update=True).squeeze(-1)
        d_mean = self.loss.d_loss(scores[:, :n], scores[:, n:])
        g_mean = self.loss.g_loss(scores[:, n:])
        d_total = d_mean * self.B  # Σ_b of each seed's own batch mean, as in d_step
        if self.regularizer == "gp":
            (grad,) = torch.autograd.grad(scores[:, :n].sum(), real, create_graph=True)
            d_total = d_total + 0.5 * self.gp_weight * grad.pow(2).sum(-1).mean(1).sum()
        d_params, g_params = list(self.D.parameters()), list(self.G.parameters())
        d_grads = torch.autograd.grad(d_total, d_params, retain_graph=True)
        g_grads = torch.autograd.grad(g_mean * self.B, g_params)
        for params, grads in ((d_params, d_grads), (g_params, g_grads)):
            for p, gr in zip(params, grads):
                p.grad = gr
        self.opt_d.step()
        self.opt_g.step()
        return d_mean.detach(), g_mean.detach()

    def step(self, n: int = 1) -> dict:
        """``n`` training iterations; last losses (mean over seeds).

        Alternating: ``n_dis`` D updates, then one G update. Simultaneous: see
        :meth:`simultaneous_step`.
        """
        if self.update == "simultaneous" and self.n_dis != 1:
            raise ValueError(f"update='simultaneous' needs n_dis = 1, got {self.n_dis}")
        for _ in range(n):
            if self.update == "simultaneous":
                d, g = self.simultaneous_step()
            else:
                for _ in range(self.n_dis):
                    d = self.d_step()
                g = self.g_step()
            self.steps += 1
        return {"d_loss": float(d), "g_loss": float(g)} if n else {}

    @torch.no_grad()
    def sample(self, n: int = 2500, seed: int = 12345) -> torch.Tensor:
        """G's samples, (B, n, 2), from a fixed evaluation noise (same z for every seed)."""
        z = torch.randn(n, self.z_dim, generator=torch.Generator().manual_seed(seed))
        return self.G(z.expand(self.B, n, self.z_dim).contiguous())

    @torch.no_grad()
    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """D's raw score at points x (N, 2) for every seed → (B, N); power iteration not advanced."""
        return self.D(x.expand(self.B, *x.shape).contiguous()).squeeze(-1)

    def coverage(self, n: int = 2500) -> dict:
        """:func:`mode_coverage` of ``n`` samples per seed (arrays of length B)."""
        return mode_coverage(self.sample(n), self.mixture)


# --------------------------------------------------------------------------- arena


class ArenaResult(NamedTuple):
    """``table``: one row per (data, loss, regularizer, seed); ``snapshots``: {(data, loss, reg): {step: (B, n, 2) array}};
    ``history``: modes covered per seed at every snapshot step."""

    table: pd.DataFrame
    snapshots: dict
    history: pd.DataFrame


def _configs(losses, regularizers, configs):
    if configs is None:
        configs = [(l, r) for l in losses for r in regularizers]
    out = []
    for loss, reg in configs:
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}: allowed are {', '.join(map(repr, LOSSES))}")
        if reg not in REGULARIZERS:
            raise ValueError(f"unknown regularizer {reg!r}: allowed are {', '.join(map(repr, REGULARIZERS))}")
        out.append((loss, reg))
    return out


def arena(data: str | Mixture | Iterable = "ring", losses: Sequence[str] = ("nonsaturating", "saturating", "lsgan", "hinge"),
          regularizers: Sequence[str] = ("none", "sn", "sr", "gp"), seeds: int | Sequence[int] = 10, steps: int = 2000,
          configs: Sequence[tuple[str, str]] | None = None, n_eval: int = 2500, snapshot_steps: Sequence[int] | None = None,
          n_snapshot: int = 1000, progress: bool = True, batched: bool = True, **settings) -> ArenaResult:
    """Train every (loss, regularizer) configuration for every seed and measure mode coverage.

    ``data`` is a mixture, a name, or a list of them (e.g. ``["ring", "grid"]``).
    ``configs`` overrides the full ``losses × regularizers`` product with an explicit list.
    The seeds of one configuration train as one batched :class:`ToyGAN` (``batched=False``
    loops over seeds instead, for the benchmark); ``seconds`` is that configuration's wall
    time divided by the number of seeds. ``settings`` go to :class:`ToyGAN` (width, lr_g, ...).
    """
    from tqdm.auto import tqdm

    datas = [data] if isinstance(data, (str, Mixture)) else list(data)
    mixtures = [get_mixture(d) for d in datas]
    pairs = _configs(losses, regularizers, configs)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if snapshot_steps is None:
        snapshot_steps = sorted({max(1, steps // 8), steps // 4, steps // 2, steps})
    snapshot_steps = sorted({int(s) for s in snapshot_steps if 0 <= s <= steps})
    rows, history, snapshots = [], [], {}
    jobs = [(m, l, r) for m in mixtures for (l, r) in pairs]
    for mixture, loss, reg in tqdm(jobs, desc="arena", disable=not progress):
        start = time.perf_counter()
        groups = [seed_list] if batched else [[s] for s in seed_list]
        models = [ToyGAN(mixture, loss, reg, seeds=g, **settings) for g in groups]
        snaps, done = {}, 0
        for target in snapshot_steps:
            for model in models:
                model.step(target - done)
            done = target
            samples = torch.cat([model.sample(max(n_eval, n_snapshot)) for model in models])
            cov = mode_coverage(samples[:, :n_eval], mixture)
            snaps[target] = samples[:, :n_snapshot].numpy()
            for i, s in enumerate(seed_list):
                history.append({"data": mixture.name, "loss": loss, "regularizer": reg, "seed": s, "step": target,
                                "modes": int(cov["modes"][i]), "high_quality": float(cov["high_quality"][i])})
        if done < steps:
            for model in models:
                model.step(steps - done)
        cov = mode_coverage(torch.cat([model.sample(n_eval) for model in models]), mixture)
        seconds = (time.perf_counter() - start) / len(seed_list)
        snapshots[(mixture.name, loss, reg)] = snaps
        for i, s in enumerate(seed_list):
            rows.append({"data": mixture.name, "loss": loss, "regularizer": reg, "seed": s, "modes": int(cov["modes"][i]),
                         "high_quality": float(cov["high_quality"][i]), "reverse_kl": float(cov["reverse_kl"][i]),
                         "seconds": seconds})
    return ArenaResult(pd.DataFrame(rows), snapshots, pd.DataFrame(history))
