"""The minimax game of Goodfellow et al. (2014) in one dimension, small enough to watch.

* :class:`Generator1D` (noise → ℝ) and :class:`Discriminator1D` (ℝ → raw score):
  small MLPs, so D(x) = sigmoid(score) and the losses of :mod:`gantutor.losses` apply.
* :func:`train_gan`: Algorithm 1 of the paper — k discriminator steps, then one
  generator step — with a history of losses and snapshots of p_g (a KDE of samples)
  and D(x) on a grid, for the lesson's figures.
* :func:`train_discriminator`: D trained to convergence against a *fixed* p_g, to be
  compared with the closed form D* = p_data / (p_data + p_g).
* :func:`generator_gradients` and :func:`g_loss_slope`: how strongly each generator
  loss pushes G, as a function of D(G(z)) — why the saturating loss stalls.
* :func:`first_arrival`: the first step at which a history (e.g. the mean of G(z))
  comes within a distance of a target — "when did G reach the data?".
* :func:`discriminator_gap`: how far a snapshot's D is from the D* of that snapshot's
  p_g, weighted by where the mass is — "how well does D keep up with G?" (the k of
  Algorithm 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from gantutor.densities import Density
from gantutor.device import keeps_global_rng
from gantutor.losses import GANLoss, get_loss

__all__ = [
    "Generator1D",
    "Discriminator1D",
    "Snapshot",
    "GANRun",
    "train_gan",
    "train_discriminator",
    "discriminator_on_grid",
    "generator_density",
    "generator_gradients",
    "g_loss_slope",
    "first_arrival",
    "discriminator_gap",
]

OPTIMIZERS = ("adam", "sgd")


def _positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _mlp(in_dim: int, hidden: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = in_dim
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
        width = hidden
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


class Generator1D(nn.Module):
    """G: z ~ N(0, I_noise_dim) → x ∈ ℝ, an MLP with ``depth`` hidden layers of ``hidden`` units."""

    def __init__(self, noise_dim: int = 4, hidden: int = 32, depth: int = 2):
        super().__init__()
        self.noise_dim = _positive_int(noise_dim, "noise_dim")
        self.net = _mlp(self.noise_dim, _positive_int(hidden, "hidden"), _positive_int(depth, "depth"))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.noise_dim:
            raise ValueError(f"z must have shape (N, {self.noise_dim}), got {tuple(z.shape)}")
        return self.net(z).squeeze(1)

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        device = next(self.parameters()).device
        z = torch.randn(_positive_int(n, "n"), self.noise_dim, generator=generator)
        return z.to(device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> np.ndarray:
        """``n`` samples x = G(z) as a NumPy array."""
        return self(self.sample_z(n, generator)).cpu().numpy().astype(np.float64)


class Discriminator1D(nn.Module):
    """D: x ∈ ℝ → raw score s (a logit; D(x) = sigmoid(s)), an MLP. Takes x of shape (N,) or (N, 1)."""

    def __init__(self, hidden: int = 32, depth: int = 2):
        super().__init__()
        self.net = _mlp(1, _positive_int(hidden, "hidden"), _positive_int(depth, "depth"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 1:
            x = x.unsqueeze(1)
        if x.dim() != 2 or x.shape[1] != 1:
            raise ValueError(f"x must have shape (N,) or (N, 1), got {tuple(x.shape)}")
        return self.net(x).squeeze(1)


@torch.no_grad()
def discriminator_on_grid(D: nn.Module, x, logits: bool = False) -> np.ndarray:
    """D(x) = sigmoid(score) on a grid (NumPy in, NumPy out); the raw scores if ``logits``."""
    device = next(D.parameters()).device
    t = torch.as_tensor(np.asarray(x, dtype=np.float32), device=device).reshape(-1)
    s = D(t)
    return (s if logits else torch.sigmoid(s)).double().cpu().numpy()


def generator_density(samples: np.ndarray, x: np.ndarray) -> np.ndarray:
    """p_g on the grid x, estimated from samples by a Gaussian KDE (Scott's bandwidth).

    A generator that collapsed to (almost) one point has no spread for a KDE; it is then
    drawn as a narrow bump of width one grid step, which is what it is. Non-finite
    samples (a diverged run) are dropped.
    """
    from scipy.stats import gaussian_kde

    samples = np.asarray(samples, dtype=np.float64).ravel()
    x = np.asarray(x, dtype=np.float64)
    samples = samples[np.isfinite(samples)]  # a diverged run has inf/NaN samples: they have no density
    if samples.size == 0:
        return np.zeros_like(x)
    step = float(np.mean(np.diff(x))) if x.size > 1 else 1.0
    if samples.size < 2 or samples.std() < step:
        mu, sd = float(samples.mean()), max(step, float(samples.std()))
        return np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
    return gaussian_kde(samples)(x)


@dataclass
class Snapshot:
    """The game at one step: p_g (KDE of G's samples) and D(x), both on the run's grid."""

    step: int
    p_g: np.ndarray
    d: np.ndarray
    samples: np.ndarray


@dataclass
class GANRun:
    """What :func:`train_gan` returns: the players, the loss history and the snapshots."""

    G: Generator1D
    D: Discriminator1D
    loss: str
    x: np.ndarray
    p_data: np.ndarray
    history: dict[str, list[float]] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)


def _optimizer(name: str, params, lr: float, momentum: float, betas) -> torch.optim.Optimizer:
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: allowed are {', '.join(map(repr, OPTIMIZERS))}")
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"learning rates must be > 0, got {lr!r}")
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    return torch.optim.Adam(params, lr=lr, betas=betas)


def _data_batch(p_data: Density, n: int, rng: np.random.Generator, device) -> torch.Tensor:
    return torch.as_tensor(p_data.sample(n, rng), dtype=torch.float32, device=device)


@keeps_global_rng
def train_gan(
    p_data: Density,
    *,
    loss: str | GANLoss = "nonsaturating",
    steps: int = 2000,
    k: int = 1,
    batch_size: int = 128,
    G: Generator1D | None = None,
    D: Discriminator1D | None = None,
    noise_dim: int = 4,
    hidden: int = 32,
    optimizer: str = "adam",
    lr_d: float = 1e-3,
    lr_g: float = 1e-3,
    momentum: float = 0.9,
    betas: tuple[float, float] = (0.5, 0.999),
    d_pretrain: int = 0,
    n_snapshots: int = 5,
    x: np.ndarray | None = None,
    kde_samples: int = 2000,
    seed: int = 0,
    device: str | torch.device = "cpu",
    callback: Callable[[GANRun], None] | None = None,
    callback_every: int = 100,
    progress: bool = True,
) -> GANRun:
    """Algorithm 1 of Goodfellow et al. (2014): per iteration, ``k`` D steps then one G step.

    D ascends V(D, G) (minimises the loss's ``d_loss``); G descends the loss's
    ``g_loss`` ("saturating": E log(1 − D(G(z))), "nonsaturating": −E log D(G(z))).
    ``optimizer`` is "adam" or "sgd" (with ``momentum``, as in the paper).
    ``d_pretrain`` D steps before the game starts let D "win early". The history holds,
    per iteration, both losses, the mean D(x) on real and on generated samples (from
    the last D step) and the mean and spread of the generator's batch;
    ``n_snapshots`` evenly spaced snapshots (first and last included) hold p_g and D(x)
    on the grid ``x``. ``callback(run)`` is called every ``callback_every`` iterations
    (the lesson uses it to redraw live loss curves).
    """
    if not isinstance(p_data, Density):
        raise ValueError(f"p_data must be a gantutor.densities.Density, got {type(p_data).__name__}")
    steps = _positive_int(steps, "steps")
    k = _positive_int(k, "k")
    batch_size = _positive_int(batch_size, "batch_size")
    d_pretrain = _positive_int(d_pretrain, "d_pretrain", minimum=0)
    n_snapshots = _positive_int(n_snapshots, "n_snapshots")
    callback_every = _positive_int(callback_every, "callback_every")
    objective = get_loss(loss) if isinstance(loss, str) else loss
    if not isinstance(objective, GANLoss):
        raise ValueError(f"loss must be a loss name or a GANLoss, got {type(loss).__name__}")
    device = torch.device(device)

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    noise = torch.Generator().manual_seed(seed)
    G = (G if G is not None else Generator1D(noise_dim, hidden)).to(device)
    D = (D if D is not None else Discriminator1D(hidden)).to(device)
    opt_d = _optimizer(optimizer, D.parameters(), lr_d, momentum, betas)
    opt_g = _optimizer(optimizer, G.parameters(), lr_g, momentum, betas)
    x = np.linspace(*p_data.support(5.0), 401) if x is None else np.asarray(x, dtype=np.float64)
    run = GANRun(G, D, objective.name, x, p_data.pdf(x),
                 history={"d_loss": [], "g_loss": [], "D(x) real": [], "D(G(z))": [], "mean G(z)": [], "std G(z)": []})
    snap_at = set(np.linspace(0, steps, n_snapshots).round().astype(int).tolist()) if n_snapshots > 1 else {steps}

    def snapshot(step: int) -> None:
        samples = G.sample(kde_samples, noise)
        run.snapshots.append(Snapshot(step, generator_density(samples, x), discriminator_on_grid(D, x), samples))

    def d_step() -> tuple[float, float, float]:
        real = _data_batch(p_data, batch_size, rng, device)
        with torch.no_grad():
            fake = G(G.sample_z(batch_size, noise))
        s_real, s_fake = D(real), D(fake)
        d_loss = objective.d_loss(s_real, s_fake)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        return d_loss.item(), torch.sigmoid(s_real).mean().item(), torch.sigmoid(s_fake).mean().item()

    G.train(), D.train()
    for _ in range(d_pretrain):
        d_step()
    if 0 in snap_at:
        snapshot(0)
    bar = trange(1, steps + 1, desc=f"GAN ({objective.name}, k={k})", disable=not progress, leave=False)
    for step in bar:
        for _ in range(k):
            d_loss, d_real, d_fake = d_step()
        fake = G(G.sample_z(batch_size, noise))
        g_loss = objective.g_loss(D(fake))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        stats = (d_loss, g_loss.item(), d_real, d_fake, fake.mean().item(), fake.std().item())
        for key, value in zip(run.history, stats):
            run.history[key].append(value)
        if step in snap_at:
            snapshot(step)
        if step % callback_every == 0 or step == steps:
            bar.set_postfix(d_loss=f"{d_loss:.3f}", g_loss=f"{run.history['g_loss'][-1]:.3f}", refresh=False)
            if callback is not None:
                callback(run)
    return run


@keeps_global_rng
def train_discriminator(
    p_data: Density,
    p_g: Density,
    *,
    steps: int = 3000,
    batch_size: int = 512,
    lr: float = 3e-3,
    hidden: int = 32,
    depth: int = 2,
    D: Discriminator1D | None = None,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: bool = True,
) -> tuple[Discriminator1D, list[float]]:
    """Train D to convergence against a FIXED p_g (the inner max of the game, G frozen).

    Fresh samples from both densities every step (so D cannot memorise a data set),
    Adam with a cosine-decaying learning rate (so the last steps average out the noise
    of the stochastic gradients). Returns D and its loss per step; at the optimum the
    loss is −V(D*, G) = log 4 − 2·JSD(p_data ‖ p_g).
    """
    for name, p in (("p_data", p_data), ("p_g", p_g)):
        if not isinstance(p, Density):
            raise ValueError(f"{name} must be a gantutor.densities.Density, got {type(p).__name__}")
    steps = _positive_int(steps, "steps")
    batch_size = _positive_int(batch_size, "batch_size")
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr must be > 0, got {lr!r}")
    device = torch.device(device)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    D = (D if D is not None else Discriminator1D(hidden, depth)).to(device)
    opt = torch.optim.Adam(D.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr / 100)
    bce = get_loss("nonsaturating")  # the D loss is the same binary cross-entropy for both minimax losses
    losses = []
    for _ in trange(steps, desc="D against a fixed p_g", disable=not progress, leave=False):
        loss = bce.d_loss(D(_data_batch(p_data, batch_size, rng, device)), D(_data_batch(p_g, batch_size, rng, device)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        schedule.step()
        losses.append(loss.item())
    return D, losses


def g_loss_slope(d_values, loss: str) -> np.ndarray:
    """|∂ g_loss / ∂ score| at a fake sample whose D(G(z)) equals ``d_values``, by autograd.

    The chain rule carries this factor into every generator gradient. Worked out by
    hand it is D(G(z)) for "saturating" and 1 − D(G(z)) for "nonsaturating".
    """
    d = np.asarray(d_values, dtype=np.float64)
    if d.size == 0 or np.any(d <= 0) or np.any(d >= 1):
        raise ValueError("d_values must be non-empty and strictly between 0 and 1")
    objective = get_loss(loss)
    s = torch.logit(torch.as_tensor(d.ravel(), dtype=torch.float64)).requires_grad_(True)
    # g_loss is a batch mean, so n × ∂mean/∂s_i is the per-sample slope
    (grad,) = torch.autograd.grad(objective.g_loss(s) * s.numel(), s)
    return grad.abs().numpy().reshape(d.shape)


def generator_gradients(
    G: Generator1D,
    D: Discriminator1D,
    loss: str,
    n: int = 1000,
    generator: torch.Generator | None = None,
) -> dict[str, np.ndarray | float]:
    """How hard the generator loss pushes each fake sample, and G's parameters.

    Returns ``d_fake`` = D(G(z_i)), ``grad_x`` = |∂ℓ_i/∂x_i| at x_i = G(z_i) (the signal
    each sample receives; G's parameters get it through G's Jacobian), and
    ``grad_params``, the norm of the batch loss's gradient over G's parameters.
    """
    n = _positive_int(n, "n", minimum=2)
    objective = get_loss(loss)
    z = G.sample_z(n, generator)
    x = G(z)
    x_leaf = x.detach().requires_grad_(True)
    s = D(x_leaf)
    (grad_x,) = torch.autograd.grad(objective.g_loss(s) * n, x_leaf)
    G.zero_grad(set_to_none=True)
    objective.g_loss(D(x)).backward()
    grad_params = torch.sqrt(sum((p.grad.detach() ** 2).sum() for p in G.parameters() if p.grad is not None))
    G.zero_grad(set_to_none=True)
    D.zero_grad(set_to_none=True)
    return {
        "d_fake": torch.sigmoid(s).detach().double().cpu().numpy(),
        "grad_x": grad_x.abs().double().cpu().numpy(),
        "grad_params": float(grad_params),
    }


def first_arrival(values, target: float, within: float) -> int | None:
    """The first step (1-based, as in a training history) with |value − target| < within; None if never.

    Lesson 01 and the ``ns-vs-saturating`` claim use it on ``history["mean G(z)"]``:
    the step at which G's samples, on average, reached the data.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("values must be a non-empty sequence (a training history)")
    for name, t in (("target", target), ("within", within)):
        if isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)) or not np.isfinite(t):
            raise ValueError(f"{name} must be a finite number, got {t!r}")
    if within <= 0:
        raise ValueError(f"within must be > 0, got {within!r}")
    hit = np.flatnonzero(np.abs(v - target) < within)  # NaN (a diverged run) never counts as arrived
    return int(hit[0]) + 1 if hit.size else None


def discriminator_gap(x, p_data, p_g, d) -> float:
    """∫ m(x) |D(x) − D*(x)| dx with m = (p_data + p_g)/2 and D* = p_data/(p_data + p_g).

    The mean distance of D from the optimal discriminator *for the current* p_g, counted
    where samples of either density fall (m integrates to 1, so the gap lies in [0, 1]).
    Where D sees no samples nothing pins it down, which is why the weight is m and not dx.
    All four arguments are arrays on the increasing grid ``x``.
    """
    from gantutor.densities import integrate, optimal_discriminator

    x = np.asarray(x, dtype=np.float64)
    arrays = {"p_data": p_data, "p_g": p_g, "d": d}
    for name, a in arrays.items():
        a = np.asarray(a, dtype=np.float64)
        if a.shape != x.shape:
            raise ValueError(f"{name} must have the grid's shape {x.shape}, got {a.shape}")
        arrays[name] = a
    if np.any(arrays["d"] < 0) or np.any(arrays["d"] > 1):
        raise ValueError("d must be D(x) = sigmoid(score) in [0, 1] (not raw scores)")
    d_star = optimal_discriminator(arrays["p_data"], arrays["p_g"], x)
    m = 0.5 * (arrays["p_data"] + arrays["p_g"])
    mass = integrate(m, x)
    if not mass > 0:
        raise ValueError("p_data and p_g have no mass on the grid")
    return integrate(m * np.abs(arrays["d"] - d_star), x) / mass
