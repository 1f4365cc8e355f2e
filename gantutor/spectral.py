"""Spectral normalization and spectral regularization (SN-GAN, SR-GAN).

Lessons 03 and 04 live here:

* :func:`singular_values` — every Linear/Conv layer's singular values, read from the
  *effective* weight (after torch's ``spectral_norm`` parametrization, if any);
* :func:`power_iteration` — the estimate of σ_1 that spectral normalization uses;
* :func:`compensate` — SR-GAN's SVD compensation of one weight (or a batch of weights);
* :class:`SpectralRegularizer` — applies it to every spectrally-normalized layer of a model;
* :class:`SpectrumMonitor` — records σ_i/σ_1 of every layer during training (cheap).

A convolution weight ``(d_out, d_in, k, k)`` is read as the matrix ``d_out × d_in·k·k``,
as in Miyato et al. (2018); a transposed convolution ``(d_in, d_out, k, k)`` as
``d_out × d_in·k·k`` (torch's spectral_norm uses ``dim=1`` for it, so do we).
"""

from __future__ import annotations

import math
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from .callbacks import Callback

__all__ = ["singular_values", "power_iteration", "compensate", "SpectralRegularizer", "SpectrumMonitor", "LAYER_TYPES"]

#: the layers whose weights are linear maps we measure
LAYER_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_TRANSPOSED = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def _sn_class():
    from torch.nn.utils.parametrizations import _SpectralNorm

    return _SpectralNorm


def _as_matrix(weight: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """The weight as a matrix with output dimension ``dim`` first (what torch's spectral_norm does)."""
    if dim != 0:
        weight = weight.movedim(dim, 0)
    return weight.reshape(weight.shape[0], -1)


def _from_matrix(matrix: torch.Tensor, shape: torch.Size, dim: int = 0) -> torch.Tensor:
    """Inverse of :func:`_as_matrix`."""
    if dim == 0:
        return matrix.reshape(shape)
    moved = list(shape)
    moved.insert(0, moved.pop(dim))
    return matrix.reshape(moved).movedim(0, dim)


def _layers(module: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    for name, m in module.named_modules():
        if isinstance(m, LAYER_TYPES):
            yield (name or type(m).__name__), m


@torch.no_grad()
def _effective_weight(m: nn.Module) -> torch.Tensor:
    """``m.weight`` as the forward pass sees it, without advancing any power iteration.

    In train mode, reading a spectral-normalized ``m.weight`` runs one more power-iteration
    step (it updates the persistent u, v buffers); a monitor must not change training,
    so the parametrizations are read in eval mode (σ estimate from the current u, v).
    """
    if not parametrize.is_parametrized(m, "weight"):
        return m.weight.detach()
    plist = m.parametrizations.weight
    modes = [p.training for p in plist]
    try:
        plist.eval()
        return m.weight.detach()
    finally:
        for p, mode in zip(plist, modes):
            p.train(mode)


def singular_values(module: nn.Module) -> dict[str, torch.Tensor]:
    """``{layer name: singular values, largest first}`` of every Linear/Conv layer of ``module``.

    Reads the effective weight (after spectral norm or any other parametrization);
    convolutions are the matrix ``d_out × d_in·k·k``. Values are float tensors on the CPU.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    out = {}
    for name, m in _layers(module):
        dim = 1 if isinstance(m, _TRANSPOSED) else 0
        w = _as_matrix(_effective_weight(m), dim)
        out[name] = _svdvals(w.float()).cpu()  # largest first
    if not out:
        raise ValueError(f"{type(module).__name__} has no Linear/Conv layer (looked for {', '.join(t.__name__ for t in LAYER_TYPES)})")
    return out


@torch.no_grad()
def power_iteration(W: torch.Tensor, n_iter: int = 1, u: torch.Tensor | None = None, eps: float = 1e-12):
    """Estimate the largest singular value σ_1 of ``W`` by power iteration → ``(σ, u, v)``.

    ``W`` is a matrix ``(m, n)`` (a conv weight is reshaped to ``d_out × d_in·k·k``);
    ``u`` (length m) is the starting left vector — pass the previous call's ``u`` to keep
    the iteration going across training steps, as spectral normalization does.
    Each iteration is torch's ``spectral_norm`` step: v = W^T u/‖·‖, u = W v/‖·‖,
    v = W^T u/‖·‖, and σ = u^T W v. The estimate never exceeds σ_1; the direction of v
    converges at the rate (σ_2/σ_1)^2 per iteration and the estimate σ (a Rayleigh quotient,
    stationary at the top singular vector) at (σ_2/σ_1)^4 per iteration (lesson 03 derives and
    measures both).
    """
    if not isinstance(W, torch.Tensor) or W.dim() < 2 or W.numel() == 0:
        raise ValueError(f"W must be a non-empty tensor with at least 2 dimensions, got {getattr(W, 'shape', type(W).__name__)}")
    if not isinstance(n_iter, int) or isinstance(n_iter, bool) or n_iter < 1:
        raise ValueError(f"n_iter must be a positive int, got {n_iter!r}")
    W = W.reshape(W.shape[0], -1)
    m = W.shape[0]
    if u is None:
        u = torch.randn(m, generator=torch.Generator().manual_seed(0), dtype=W.dtype).to(W.device)
    elif u.shape != (m,):
        raise ValueError(f"u must have shape ({m},) for W of shape {tuple(W.shape)}, got {tuple(u.shape)}")
    u = F.normalize(u.to(W), dim=0, eps=eps)
    v = F.normalize(W.T @ u, dim=0, eps=eps)  # torch's buffers always satisfy v = W^T u / ‖W^T u‖
    for _ in range(n_iter):
        u = F.normalize(W @ v, dim=0, eps=eps)
        v = F.normalize(W.T @ u, dim=0, eps=eps)
    sigma = torch.dot(u, W @ v)
    return sigma, u, v


def _gram_side(matrix: torch.Tensor) -> bool:
    """True when the Gram matrix W W^T (rows) is the smaller one."""
    return matrix.shape[-2] <= matrix.shape[-1]


def _svdvals(matrix: torch.Tensor) -> torch.Tensor:
    """Singular values, largest first, from the smaller Gram matrix in float64.

    √eig(W W^T) is several times faster than an SVD on a CPU (lesson 04, Section 5 measures it), and in float64 it is
    accurate far below what a σ_i/σ_1 plot can show (abs. error ~1e-8·σ_1).
    """
    m = matrix.double()
    gram = m @ m.transpose(-1, -2) if _gram_side(m) else m.transpose(-1, -2) @ m
    return torch.linalg.eigvalsh(gram).clamp_min(0).sqrt().flip(-1).to(matrix.dtype)


def _top_and_basis(matrix: torch.Tensor):
    """(S descending, Q, rows) with Q the singular vectors of the smaller side, in float64.

    Returns None when the matrix is so ill-conditioned that the Gram route loses digits
    (then the caller uses a full SVD).
    """
    m = matrix.double()
    rows = _gram_side(m)
    gram = m @ m.transpose(-1, -2) if rows else m.transpose(-1, -2) @ m
    lam, Q = torch.linalg.eigh(gram)
    S = lam.clamp_min(0).sqrt().flip(-1)
    if bool((S[..., -1] <= 1e-5 * S[..., 0]).any()):
        return None
    return S, Q.flip(-1), rows


def _compensate_matrix(matrix: torch.Tensor, mode: str, ratio: float, gamma: torch.Tensor | None):
    """Compensation of a matrix (or batch): returns (W + ΔW, gamma, u_1, v_1, σ_1)."""
    fast = _top_and_basis(matrix)
    if fast is not None:
        S, Q, rows = fast
    else:  # rank-deficient or nearly so: the null directions need a full SVD
        U, S, Vh = torch.linalg.svd(matrix.double(), full_matrices=False)
    s1 = S[..., :1].clamp_min(torch.finfo(S.dtype).tiny)
    if mode == "static":
        k = math.floor(ratio * S.shape[-1])
        S_new = S.clone()
        S_new[..., :k] = s1
    else:
        now = S / s1
        if gamma is not None and gamma.shape != now.shape:
            raise ValueError(f"gamma must have shape {tuple(now.shape)} (one value per singular value), got {tuple(gamma.shape)}")
        gamma = now if gamma is None else torch.maximum(gamma.to(now), now)
        S_new = gamma * s1
    W = matrix.double()
    if fast is None:
        # ΔW = U diag(S_new − S) V^T: the untouched directions stay exactly as they were
        delta = (U * (S_new - S).unsqueeze(-2)) @ Vh
        u1, v1 = U[..., :, 0], Vh[..., 0, :]
    elif rows:
        # W = U S V^T with U from eig(W W^T):  U diag(S_new/S − 1) U^T W = U diag(S_new − S) V^T
        scale = (S_new / S - 1).unsqueeze(-2)
        delta = ((Q * scale) @ Q.transpose(-1, -2)) @ W  # an m×m product first: one big matmul, not two
        u1 = Q[..., :, 0]
        v1 = (W.transpose(-1, -2) @ u1.unsqueeze(-1)).squeeze(-1) / s1
    else:
        # V from eig(W^T W):  W V diag(S_new/S − 1) V^T = U diag(S_new − S) V^T
        scale = (S_new / S - 1).unsqueeze(-2)
        delta = W @ ((Q * scale) @ Q.transpose(-1, -2))
        v1 = Q[..., :, 0]
        u1 = (W @ v1.unsqueeze(-1)).squeeze(-1) / s1
    new = (W + delta).to(matrix.dtype)
    if gamma is not None:
        gamma = gamma.to(matrix.dtype)
    return new, gamma, u1.to(matrix.dtype), v1.to(matrix.dtype), S[..., 0].to(matrix.dtype)


def compensate(weight: torch.Tensor, mode: str, ratio: float = 0.5, gamma: torch.Tensor | None = None):
    """SR-GAN's spectrum compensation of a weight, through its SVD (Liu et al., 2019).

    ``weight`` is a Linear weight ``(m, n)``, a batch of them ``(B, m, n)`` (the arena's
    stacked seeds), or a Conv2d weight ``(d_out, d_in, k, k)``, taken as the matrix
    ``d_out × d_in·k·k`` as in the paper. With
    σ_1 ≥ … ≥ σ_r its singular values:

    * ``"static"``: σ_k := σ_1 for k ≤ ⌊ratio·r⌋, the rest unchanged;
    * ``"dynamic"``: γ_k := max(γ_k, σ_k/σ_1) (running maximum over training), σ_k := γ_k·σ_1.

    Returns ``(W + ΔW, gamma)`` with the same shape as ``weight``; σ_1 is unchanged, so a
    spectral-norm parametrization then divides by the same σ_1: W_SR = (W + ΔW)/σ(W).
    """
    if mode not in ("static", "dynamic"):
        raise ValueError(f"mode must be 'static' or 'dynamic', got {mode!r}")
    if isinstance(ratio, bool) or not (isinstance(ratio, (int, float)) and 0.0 <= ratio <= 1.0):
        raise ValueError(f"ratio must be a number in [0, 1], got {ratio!r}")
    if not isinstance(weight, torch.Tensor) or weight.dim() < 2:
        raise ValueError(f"weight must be a tensor with at least 2 dimensions, got shape {tuple(getattr(weight, 'shape', ()))}")
    if not weight.is_floating_point():
        raise ValueError(f"weight must be a floating-point tensor, got dtype {weight.dtype}")
    # a conv weight (d_out, d_in, k, k) is the matrix (d_out, d_in·k·k); 2-D and 3-D are (batches of) matrices
    matrix = weight.reshape(weight.shape[0], -1) if weight.dim() == 4 else weight
    new, gamma, *_ = _compensate_matrix(matrix, mode, ratio, gamma)
    return new.reshape(weight.shape), gamma


def _spectral_norm_of(m: nn.Module):
    """The torch spectral_norm parametrization of ``m.weight`` if it is the only one, else None."""
    if hasattr(m, "weight_orig") and hasattr(m, "weight_u"):
        raise ValueError(
            f"{type(m).__name__} uses the old hook-based torch.nn.utils.spectral_norm; "
            "use torch.nn.utils.parametrizations.spectral_norm (gantutor.models.apply_spectral_norm)"
        )
    if not parametrize.is_parametrized(m, "weight"):
        return None
    plist = m.parametrizations.weight
    sn = [p for p in plist if isinstance(p, _sn_class())]
    if not sn:
        return None
    if len(plist) != 1:
        raise ValueError(f"{type(m).__name__}.weight has {len(plist)} parametrizations; SR needs spectral_norm alone")
    return sn[0]


class SpectralRegularizer(Callback):
    """SR-GAN: lift the spectrum of every spectrally-normalized layer every ``every`` calls.

    ``mode="static"`` sets σ_k := σ_1 for k ≤ ⌊ratio·r⌋; ``mode="dynamic"`` keeps
    γ_k = max over the compensations so far of σ_k/σ_1 and sets σ_k := γ_k·σ_1.
    The change is made to the stored weight (``parametrizations.weight.original``),
    whose σ_1 it leaves unchanged, so the effective weight is W_SR = (W + ΔW)/σ_1(W).
    The persistent power-iteration vectors u, v are set to the exact top singular pair,
    so right after a compensation σ_1 of the effective weight is 1 (train or eval mode).

    ``.step()`` counts calls and compensates on calls 1, 1+every, 1+2·every, …; it
    returns whether it did. As a :class:`gantutor.train.Callback` it calls ``.step()``
    after the discriminator's last update of each generator step (the paper's placement).
    """

    def __init__(self, model: nn.Module, mode: str = "static", every: int = 5, ratio: float = 0.5):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if mode not in ("static", "dynamic"):
            raise ValueError(f"mode must be 'static' or 'dynamic', got {mode!r}")
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        if isinstance(ratio, bool) or not (isinstance(ratio, (int, float)) and 0.0 <= ratio <= 1.0):
            raise ValueError(f"ratio must be a number in [0, 1], got {ratio!r}")
        self.mode, self.every, self.ratio = mode, every, float(ratio)
        self.layers: dict[str, nn.Module] = {}
        for name, m in model.named_modules():
            if _spectral_norm_of(m) is not None:
                self.layers[name or type(m).__name__] = m
        if not self.layers:
            raise ValueError(
                f"{type(model).__name__} has no spectrally-normalized layer: SR compensates layers wrapped in "
                "torch.nn.utils.parametrizations.spectral_norm (e.g. DCDiscriminator(spectral_norm=True))"
            )
        self.gamma: dict[str, torch.Tensor] = {}
        self.calls = 0
        self.applied = 0

    def step(self) -> bool:
        """Count a call; compensate on the 1st and then every ``every``-th. Returns True if it did."""
        due = self.calls % self.every == 0
        self.calls += 1
        if due:
            self.apply()
        return due

    @torch.no_grad()
    def apply(self) -> None:
        """Compensate every SN layer now (whatever the call count)."""
        for name, m in self.layers.items():
            sn = m.parametrizations.weight[0]
            original = m.parametrizations.weight.original
            matrix = _as_matrix(original, sn.dim)
            new, gamma, u1, v1, _ = _compensate_matrix(matrix, self.mode, self.ratio, self.gamma.get(name))
            if gamma is not None:
                self.gamma[name] = gamma
            original.copy_(_from_matrix(new, original.shape, sn.dim))
            # σ(W+ΔW) = σ(W), with the same top singular pair: hand it to the power iteration,
            # so u^T W v is exactly σ_1 now and stays so after the next (train-mode) iteration
            sn._u.copy_(u1)
            sn._v.copy_(v1)
        self.applied += 1

    def on_d_step(self, trainer, step, d_iter, logs):
        if d_iter == trainer.cfg.n_dis - 1:
            self.step()

    def state_dict(self) -> dict:
        return {"mode": self.mode, "every": self.every, "ratio": self.ratio, "calls": self.calls,
                "applied": self.applied, "gamma": {k: v.clone() for k, v in self.gamma.items()}}

    def load_state_dict(self, state: dict) -> None:
        if state["mode"] != self.mode:
            raise ValueError(f"state is for mode {state['mode']!r}, this regularizer is {self.mode!r}")
        self.calls, self.applied = int(state["calls"]), int(state["applied"])
        self.gamma = {k: v.clone() for k, v in state["gamma"].items()}

    def __repr__(self) -> str:
        return f"SpectralRegularizer(mode={self.mode!r}, every={self.every}, ratio={self.ratio}, layers={list(self.layers)})"


class SpectrumMonitor(Callback):
    """Record σ_i/σ_1 of every Linear/Conv layer of ``model`` every ``every`` generator steps.

    Cheap enough to leave on: one ``svdvals`` per layer per record, no power-iteration
    side effects. ``.steps`` is the list of recorded steps, ``.spectra[name]`` a list of
    1-D tensors; :meth:`matrix` stacks one layer's history as (records × r) for a heat-map,
    :meth:`tail` is the mean of the lower part of the normalized spectrum (it drops when
    the spectrum collapses).
    """

    def __init__(self, model: nn.Module, every: int = 10):
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        self.model, self.every = model, every
        self.names = list(singular_values(model))  # raises a clear error if there is no layer
        self.steps: list[int] = []
        self.spectra: dict[str, list[torch.Tensor]] = {name: [] for name in self.names}
        self.seconds = 0.0  # time spent recording, to show that it is cheap

    def record(self, step: int) -> None:
        import time

        start = time.perf_counter()
        for name, s in singular_values(self.model).items():
            self.spectra[name].append(s / s[0].clamp_min(torch.finfo(s.dtype).tiny))
        self.steps.append(int(step))
        self.seconds += time.perf_counter() - start

    def on_step_end(self, trainer, step, logs):
        if step % self.every == 0 or step == 1:
            self.record(step)

    def _check(self, name: str) -> None:
        if name not in self.spectra:
            raise ValueError(f"unknown layer {name!r}: recorded layers are {self.names}")
        if not self.steps:
            raise ValueError("nothing recorded yet: call record(step) or train with this callback")

    def matrix(self, name: str) -> torch.Tensor:
        """(records × r) normalized singular values of layer ``name``."""
        self._check(name)
        return torch.stack(self.spectra[name])

    def tail(self, name: str, frac: float = 0.5) -> torch.Tensor:
        """Per record, the mean σ_i/σ_1 over the last ``frac`` of the spectrum of layer ``name``."""
        if not 0.0 < frac <= 1.0:
            raise ValueError(f"frac must be in (0, 1], got {frac!r}")
        mat = self.matrix(name)
        start = min(mat.shape[1] - 1, int(round(mat.shape[1] * (1 - frac))))
        return mat[:, start:].mean(1)
