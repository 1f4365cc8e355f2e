"""One GAN trainer for every image lesson: n_dis D steps per G step, Adam, EMA, checkpoints.

>>> cfg = TrainConfig(steps=2000, loss="hinge", n_dis=1, out_dir="runs/dcgan")
>>> trainer = Trainer(DCGenerator(), DCDiscriminator(), load_images("fmnist"), cfg)
>>> history = trainer.fit()          # tqdm bar; a second fit() (or a new Trainer on out_dir) resumes
>>> images = trainer.sample(64)      # in [−1, 1], eval mode, EMA copy if there is one

Unconditional models are called as ``G(z)`` and ``D(x) → scores (N,)``. Conditional
models (``G.num_classes > 0``) are called as ``G(z, y)`` and ``D(x, y) → DOutput``
(see :mod:`gantutor.models`): the trainer adds ACGAN's cross-entropy on real images for D
and on fakes for G, or ReACGAN's D2D-CE (``gantutor.losses.d2d_ce``) the same way.

:meth:`Trainer.fit` is the loop one would write by hand — n_dis discriminator updates,
one generator update, the EMA, logging — and everything around it lives elsewhere:
checkpoint files, resume checks and the Ctrl-C guard in :mod:`gantutor.checkpoint`,
the hooks in :mod:`gantutor.callbacks` (re-exported here), the EMA in torch's
``torch.optim.swa_utils.AveragedModel``.

Two speed switches, off by default, measured by ``benchmarks/cpu_throughput.py`` (ratios in
``benchmarks/results/cpu_throughput-*.md``): ``channels_last`` (NHWC memory layout for G, D
and the real batches; fp32 rounding only) and ``amp_cpu`` (bfloat16 autocast on the CPU, as
``amp`` does on CUDA; bf16 rounding, fast only on CPUs with AVX512-BF16 or AMX; ``"auto"`` turns it on
exactly there). The levers
that did not pay on the course's CPU (torch.compile, fused/foreach Adam, other batch sizes,
2 threads on the shared 2-core machine) have no switch.

DiffAugment (Zhao et al., NeurIPS 2020; :mod:`gantutor.augment`, whose docstring cites the
authors' code line by line), off by default: ``cfg.diffaugment = "color,translation,cutout"``
(or a subset) makes D see ``diff_augment(x)`` instead of ``x`` everywhere — the real and the
fake batch of D's update and the fakes of G's update, through the whole of D, so ACGAN's
classifier and ReACGAN's embedding (and the logged ``feat_norm``, ``acc_real``) see the
augmented images too. G's gradient flows through the augmentation.

Why it is exactly resumable: the real-image order is a permutation drawn from
``(seed, epoch)`` and the noise of each step (and its DiffAugment draws, which continue the
same generator after the noise) is drawn from ``(seed, step, rank)``, so a
checkpoint only needs the weights, the optimizers, the EMA copy, the step and the data
position (the global RNG states are saved too, for anything else that draws from them).
Under ``torchrun`` the trainer wraps G and D in DistributedDataParallel and gives each
process its own shard of every epoch (what ``DistributedSampler`` does); ``cfg.batch_size``
is per process (:func:`per_process_batch` splits a global batch).
"""

from __future__ import annotations

import math
import os
import warnings
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm.auto import tqdm

from . import checkpoint
from .augment import diff_augment, parse_policy
from .callbacks import Callback, PeriodicEval
from .checkpoint import CKPT_NAME, StopOnSigint
from .data import ImageSet, to_float
from .device import get_device
from .losses import LOSSES, d2d_ce, get_loss

__all__ = ["TrainConfig", "Trainer", "EMA", "Callback", "PeriodicEval", "TrainingDiverged", "per_process_batch", "CKPT_NAME"]


SPEED_SWITCHES = ("channels_last", "amp_cpu")  # TrainConfig fields that change speed and rounding, nothing else
# TrainConfig fields added after checkpoints were written: a file without one was trained with its default
ADDED_FIELDS = SPEED_SWITCHES + ("diffaugment",)


@dataclass
class TrainConfig:
    """Everything that defines a run (saved in every checkpoint)."""

    steps: int = 2000  # generator steps
    n_dis: int = 1  # discriminator steps per generator step (Algorithm 1's k)
    batch_size: int = 64  # per process (the command line splits a preset's global batch: per_process_batch)
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    loss: str = "nonsaturating"
    loss_params: dict = field(default_factory=dict)
    ema: float | None = None  # e.g. 0.999: keep trainer.G_ema
    ema_start: int = 0  # copy G into the EMA until this step, average afterwards
    log_every: int = 10
    sample_every: int = 0
    n_samples: int = 64  # size of the fixed-noise sample grid
    ckpt_every: int = 0
    out_dir: str | None = None
    resume: bool = True  # a checkpoint found in out_dir is loaded
    seed: int = 0
    amp: bool = True  # mixed precision on CUDA only
    # speed switches that paid in benchmarks/cpu_throughput.py (its results file gives the ratios)
    channels_last: bool = False  # G, D and the real images in NHWC memory layout (fp32 rounding only)
    # bfloat16 autocast on the CPU (bf16 rounding): fast only with AVX512-BF16 or AMX; "auto": on exactly where the
    # CPU has those instructions (fp32 elsewhere, where bf16 would be emulated and slower)
    amp_cpu: bool | str = False
    # DiffAugment (Zhao et al. 2020, github.com/mit-han-lab/data-efficient-gans): None (off) or a comma-separated
    # subset of "color,translation,cutout", applied to every image D sees, real or fake (gantutor.augment)
    diffaugment: str | None = None
    # conditional models only
    aux_weight: float | None = None  # λ; None: 1.0 for ACGAN, 0.5 for ReACGAN
    d2d: dict = field(default_factory=lambda: {"m_p": 0.98, "m_n": 0.02, "tau": 0.5})

    def __post_init__(self):
        for key in SPEED_SWITCHES:
            value = getattr(self, key)
            if key == "amp_cpu" and value == "auto":
                continue
            if not isinstance(value, bool):
                allowed = "True, False or 'auto'" if key == "amp_cpu" else "True or False"
                raise ValueError(f"TrainConfig.{key} must be {allowed}, got {value!r}")
        for key in ("steps", "n_dis", "batch_size", "log_every"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"TrainConfig.{key} must be a positive int, got {value!r}")
        for key in ("sample_every", "ckpt_every", "ema_start", "seed"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"TrainConfig.{key} must be an int >= 0, got {value!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}: allowed are {', '.join(repr(k) for k in LOSSES)}")
        get_loss(self.loss, **self.loss_params)  # parameter errors surface now, not mid-run
        if self.ema is not None and not 0.0 < self.ema < 1.0:
            raise ValueError(f"ema must be None or a decay in (0, 1), got {self.ema!r}")
        if not (self.lr_g > 0 and self.lr_d > 0):
            raise ValueError(f"learning rates must be positive, got lr_g={self.lr_g}, lr_d={self.lr_d}")
        self.betas = tuple(self.betas)
        self.diffaugment = ",".join(parse_policy(self.diffaugment)) or None  # "" → None, " color" → "color"
        unknown = set(self.d2d) - {"m_p", "m_n", "tau"}
        if unknown:
            raise ValueError(f"d2d takes m_p, m_n, tau; got unknown {sorted(unknown)}")


def per_process_batch(batch_size: int, world: int) -> int:
    """Each process's share of a global batch of ``batch_size`` over ``world`` processes."""
    if not isinstance(world, int) or world < 1:
        raise ValueError(f"world must be a positive int, got {world!r}")
    if batch_size % world:
        raise ValueError(f"the global batch {batch_size} does not split evenly over {world} processes: "
                         f"use a number of processes that divides {batch_size}")
    return batch_size // world


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


def _check_inputs(G, D, data, cfg, callbacks) -> tuple[int, str | None, float]:
    """Clear errors for wrong inputs; returns (number of classes, D's head, λ of the auxiliary loss)."""
    if not isinstance(cfg, TrainConfig):
        raise TypeError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
    if not isinstance(data, ImageSet):
        raise TypeError(f"data must be a gantutor.data.ImageSet, got {type(data).__name__}")
    if not all(isinstance(cb, Callback) for cb in callbacks):
        raise TypeError(f"callbacks must be Callback instances, got {[type(cb).__name__ for cb in callbacks]}")
    num_classes = int(getattr(G, "num_classes", 0) or 0)
    head = getattr(D, "head_type", None) if num_classes else None
    if num_classes and head not in ("acgan", "reacgan"):
        raise ValueError(f"a conditional G needs a D with head_type 'acgan' or 'reacgan', got {head!r}")
    if num_classes and int(data.labels.max()) >= num_classes:
        raise ValueError(f"labels reach {int(data.labels.max())} but G has num_classes={num_classes}")
    aux_weight = cfg.aux_weight if cfg.aux_weight is not None else (0.5 if head == "reacgan" else 1.0)
    return num_classes, head, aux_weight


def _aux_loss(head: str, out, y: torch.Tensor, d2d: dict) -> torch.Tensor:
    """ACGAN's cross-entropy or ReACGAN's D2D-CE on the samples of ``out`` (a DOutput), in float32."""
    if head == "acgan":
        return F.cross_entropy(out.logits.float(), y)
    return d2d_ce(out.embedding.float(), out.proxy.float(), y, **d2d)


def _process_group() -> tuple[bool, int, int]:
    """(running under torch.distributed?, rank, world size)."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return True, dist.get_rank(), dist.get_world_size()
    return False, 0, 1


def _cpu_has_bf16() -> bool:
    """Does this CPU have bfloat16 instructions (AVX512-BF16 or AMX)? Without them bf16 is emulated, and slower."""
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # an older torch: assume not
        return False


def _amp_dtype(amp: bool, device: torch.device, amp_cpu: bool | str = False) -> torch.dtype | None:
    """Mixed precision on CUDA (bfloat16 where supported, else float16 with a GradScaler), and
    bfloat16 on the CPU when ``amp_cpu`` asks for it (``"auto"``: only where the CPU has bf16 instructions)."""
    if device.type == "cpu" and amp_cpu == "auto":
        return torch.bfloat16 if _cpu_has_bf16() else None
    if device.type == "cpu" and amp_cpu:
        if not _cpu_has_bf16():
            warnings.warn("amp_cpu=True on a CPU without AVX512-BF16 or AMX: bf16 is emulated there and training is "
                          "slower than in float32 (about 0.45x in benchmarks/cpu_throughput.py); set amp_cpu=False",
                          RuntimeWarning, stacklevel=3)
        return torch.bfloat16
    if not (amp and device.type == "cuda"):
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _class_labels(labels, n: int, num_classes: int) -> torch.Tensor:
    """``labels`` checked to be ``n`` class indices; default 0, 1, …, K−1, 0, 1, … (class balanced)."""
    labels = (torch.arange(n) % num_classes) if labels is None else torch.as_tensor(labels)
    if labels.shape != (n,) or int(labels.min()) < 0 or int(labels.max()) >= num_classes:
        raise ValueError(f"labels must be {n} class indices in [0, {num_classes}), got shape {tuple(labels.shape)}")
    return labels


def _stop_message(step: int, mid_step: bool, saved: Path | None) -> str:
    if mid_step:
        return (f"interrupted inside generator step {step + 1}: its state is partial, so no checkpoint was written "
                "(the last periodic one is kept); this Trainer object should not be trained further")
    return f"interrupted at generator step {step}" + (f"; checkpoint written to {saved}" if saved else "")


def _head_stats(head: str, out, y_real: torch.Tensor) -> dict[str, torch.Tensor]:
    """What lessons 06–07 watch: the mean feature norm on real images (and ACGAN's accuracy on them)."""
    n = len(y_real)
    stats = {"feat_norm": out.features[:n].float().norm(dim=1).mean()}
    if head == "acgan":
        stats["acc_real"] = (out.logits[:n].argmax(1) == y_real).float().mean()
    return stats


def _ddp(module: nn.Module, device: torch.device) -> nn.parallel.DistributedDataParallel:
    return nn.parallel.DistributedDataParallel(module, device_ids=[device.index or 0] if device.type == "cuda" else None)


def _generate(net: nn.Module, z: torch.Tensor, labels: torch.Tensor | None, batch: int, device, dtype) -> torch.Tensor:
    """``net(z)`` (or ``net(z, labels)``) in chunks of ``batch`` rows, as float32."""
    out = []
    for i in range(0, len(z), batch):
        args = (z[i : i + batch].to(device, dtype),) + (() if labels is None else (labels[i : i + batch].to(device),))
        out.append(net(*args).float())
    return torch.cat(out)


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if isinstance(module, nn.parallel.DistributedDataParallel) else module


def _finite_logs(values: dict[str, torch.Tensor], where: str, step: int, ckpt: Path | None) -> dict[str, float]:
    """One host sync per update: the logged numbers, and the NaN/inf guard on every ``*loss``."""
    logs = dict(zip(values, torch.stack([v.detach().float().reshape(()) for v in values.values()]).tolist()))
    bad = [k for k, v in logs.items() if k.endswith("loss") and not math.isfinite(v)]
    if bad:
        kept = f"the last good checkpoint is {ckpt}" if ckpt is not None and ckpt.exists() else "no checkpoint was written"
        raise TrainingDiverged(
            f"{', '.join(bad)} became {logs[bad[0]]} in the {where} at generator step {step}; "
            f"training stopped ({kept}). Try a lower learning rate, another loss, or spectral norm."
        )
    return logs


class _Stream:
    """Shuffled real batches, one epoch permutation per (seed, epoch), sharded by rank."""

    def __init__(self, data: ImageSet, batch_size: int, seed: int, rank: int, world: int, device: torch.device, dtype=torch.float32,
                 memory_format: torch.memory_format = torch.contiguous_format):
        self.images = data.images.to(device)
        self.labels = data.labels.to(device)
        n = len(self.labels)
        self.per_rank = n // world
        if not 1 <= batch_size <= self.per_rank:
            raise ValueError(f"batch_size must be in [1, {self.per_rank}] for {n} images on {world} process(es), got {batch_size}")
        self.batch_size, self.seed, self.rank, self.world, self.dtype = batch_size, seed, rank, world, dtype
        self.memory_format = memory_format
        self.epoch, self.pos = 0, 0
        self._order: torch.Tensor | None = None

    def _perm(self) -> torch.Tensor:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        perm = torch.randperm(len(self.labels), generator=g)
        return perm[self.rank :: self.world][: self.per_rank].to(self.images.device)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.pos + self.batch_size > self.per_rank:
            self.epoch, self.pos, self._order = self.epoch + 1, 0, None
        if self._order is None:
            self._order = self._perm()
        idx = self._order[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return to_float(self.images[idx]).to(self.dtype).contiguous(memory_format=self.memory_format), self.labels[idx]

    def state(self) -> dict:
        return {"epoch": self.epoch, "pos": self.pos}

    def load(self, state: dict) -> None:
        self.epoch, self.pos, self._order = state["epoch"], state["pos"], None


class _Noise:
    """The generator's inputs of each step: z (and labels) drawn from (seed, step, rank, tag) only.

    After a draw, ``gen`` carries on from there: the trainer takes that update's DiffAugment
    draws from it, so they too depend on (seed, step, rank, tag) only.
    """

    def __init__(self, z_dim: int, num_classes: int, seed: int, rank: int, device: torch.device, dtype: torch.dtype):
        self.z_dim, self.num_classes, self.seed, self.rank, self.device, self.dtype = z_dim, num_classes, seed, rank, device, dtype
        self.gen = torch.Generator(device=device)

    def draw(self, step: int, n: int, tag: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        self.gen.manual_seed(((self.seed * 1_000_003 + step) * 64 + tag) * 1024 + self.rank)
        z = torch.randn(n, self.z_dim, generator=self.gen, device=self.device, dtype=self.dtype)
        y = torch.randint(0, self.num_classes, (n,), generator=self.gen, device=self.device) if self.num_classes else None
        return z, y

    def fixed(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        g = torch.Generator().manual_seed(self.seed + 12_345)
        z = torch.randn(n, self.z_dim, generator=g).to(self.device, self.dtype)
        return z, (torch.arange(n) % max(self.num_classes, 1)).to(self.device)


class EMA(AveragedModel):
    """G's exponential moving average, on torch's ``AveragedModel``: after step ``start``,
    ema ← decay·ema + (1 − decay)·G at every update; up to and including ``start``, ema = G.

    It starts as G at step 0. Buffers (BN running statistics, spectral norm's u and v) are
    not averaged but copied from G at every update (``use_buffers=False``): they describe
    G's current activations, and an average of them would match neither network.
    """

    def __init__(self, G: nn.Module, decay: float, start: int = 0):
        if not 0.0 < decay < 1.0 or not isinstance(start, int) or start < 0:
            raise ValueError(f"EMA needs a decay in (0, 1) and a start step >= 0, got decay={decay!r}, start={start!r}")
        super().__init__(G, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=False)
        self.decay, self.start = decay, start
        self.eval().requires_grad_(False)
        self.update_parameters(G)

    @torch.no_grad()
    def update(self, G: nn.Module, step: int) -> None:
        """The update after generator step ``step`` (counted from 1)."""
        if step <= self.start:
            self.n_averaged.zero_()  # AveragedModel copies G when it has averaged nothing yet
        self.update_parameters(G)


class Trainer:
    """Train ``G`` against ``D`` on ``data`` (a :class:`gantutor.data.ImageSet`) as ``cfg`` says."""

    def __init__(self, G: nn.Module, D: nn.Module, data: ImageSet, cfg: TrainConfig | None = None,
                 device: torch.device | str | None = None, callbacks: Sequence[Callback] = ()):
        cfg = cfg if cfg is not None else TrainConfig()
        self.num_classes, self.head, self.aux_weight = _check_inputs(G, D, data, cfg, callbacks)
        self.cfg, self.callbacks, self.data = cfg, list(callbacks), data
        self.device = device if isinstance(device, torch.device) else get_device(device)
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.loss = get_loss(cfg.loss, **cfg.loss_params)

        self.distributed, self.rank, self.world = _process_group()
        if cfg.channels_last:
            self.G.to(memory_format=torch.channels_last)
            self.D.to(memory_format=torch.channels_last)
        # what the updates call: DistributedDataParallel wrappers under torchrun (they average the gradients)
        self._G, self._D = (_ddp(m, self.device) if self.distributed else m for m in (self.G, self.D))

        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=cfg.betas)
        self.ema = EMA(self.G, cfg.ema, cfg.ema_start) if cfg.ema is not None else None
        self.amp_dtype = _amp_dtype(cfg.amp, self.device, cfg.amp_cpu)
        self.scaler_g, self.scaler_d = (torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16) for _ in "gd")

        self.dtype = next(self.D.parameters()).dtype  # real images and noise follow the models' dtype
        self.stream = _Stream(data, cfg.batch_size, cfg.seed, self.rank, self.world, self.device, self.dtype,
                              torch.channels_last if cfg.channels_last else torch.contiguous_format)
        self.step, self.interrupted = 0, False
        self.history: dict[str, list[float]] = {}
        self.samples: list[tuple[int, torch.Tensor]] = []
        self.noise = _Noise(int(G.z_dim), self.num_classes, cfg.seed, self.rank, self.device, self.dtype)
        self.fixed_z, self.fixed_y = self.noise.fixed(cfg.n_samples)  # the sample grid's inputs, the same all run
        self.out_dir = Path(cfg.out_dir) if cfg.out_dir is not None else None
        self.ckpt_path = self.out_dir / CKPT_NAME if self.out_dir is not None else None
        if self.ckpt_path is not None and cfg.resume and self.ckpt_path.exists():
            self.load_checkpoint(self.ckpt_path)

    @property
    def G_ema(self) -> nn.Module | None:
        """The EMA generator (a copy of G's architecture), or None without ``cfg.ema``."""
        return self.ema.module if self.ema is not None else None

    # ------------------------------------------------------------------ the loop
    def fit(self, steps: int | None = None, *, progress: bool = True) -> dict[str, list[float]]:
        """Train until ``steps`` generator steps (default ``cfg.steps``) are done; returns the history.

        Ctrl-C (or a KeyboardInterrupt from a callback) stops at the end of the current
        step, writes a checkpoint if ``out_dir`` is set, and returns what was recorded.
        Under torchrun every rank stops after the same step, even when only one was signalled.
        """
        total = self.cfg.steps if steps is None else int(steps)
        bar = tqdm(total=total, initial=self.step, desc="train", disable=not progress or self.rank != 0, dynamic_ncols=True)
        self.G.train()
        self.D.train()
        self.interrupted, mid_step = False, False  # stopped between D and G updates: a state not to save
        with StopOnSigint() as stop:
            try:
                while self.step < total and not self._stop_agreed(stop):
                    mid_step, logs = True, {}
                    for d_iter in range(self.cfg.n_dis):
                        d_logs = self._d_update(d_iter)
                        logs.update(d_logs)
                        for cb in self.callbacks:
                            cb.on_d_step(self, self.step, d_iter, d_logs)
                    logs.update(self._g_update())
                    self.step += 1
                    if self.ema is not None:
                        self.ema.update(self.G, self.step)
                    mid_step = False
                    if self.step % self.cfg.log_every == 0 or self.step == total:
                        for key, value in {"step": float(self.step), **logs}.items():
                            self.history.setdefault(key, []).append(value)
                        bar.set_postfix(d=f"{logs['d_loss']:.3f}", g=f"{logs['g_loss']:.3f}", refresh=False)
                    if self.cfg.sample_every and self.step % self.cfg.sample_every == 0:
                        self.samples.append((self.step, self.sample(self.cfg.n_samples, z=self.fixed_z, labels=self.fixed_y).cpu()))
                    if self.cfg.ckpt_every and self.out_dir is not None and self.step % self.cfg.ckpt_every == 0:
                        self.save_checkpoint()
                    bar.update(1)
                    for cb in self.callbacks:
                        cb.on_step_end(self, self.step, logs)
            except KeyboardInterrupt:
                stop.requested = True
            finally:
                bar.close()
        self.interrupted = stop.requested
        saved = self.save_checkpoint() if self.out_dir is not None and not mid_step and (self.interrupted or self.cfg.ckpt_every) else None
        if self.interrupted:
            print(_stop_message(self.step, mid_step, saved))
        return self.history

    def _stop_agreed(self, stop: StopOnSigint) -> bool:
        """Has any rank been asked to stop? (In one process: has this one.)

        Under torchrun Ctrl-C reaches the ranks at slightly different moments, and a rank may be
        signalled alone (``kill -INT``). A rank that left the loop by itself would leave the others
        waiting in the next step's collectives; one all-reduce of the flags per step makes every
        rank stop after the same step, so rank 0's checkpoint is the state of all of them.
        """
        if not self.distributed:
            return stop.requested
        flag = torch.tensor([float(stop.requested)], device=self.device)  # NCCL reduces CUDA tensors only
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
        # only ever set the flag: the signal handler may have run during the all-reduce (Python runs it
        # when the call returns), and writing this step's False over it would lose that Ctrl-C
        if agreed := bool(flag.item()):
            stop.requested = True
        return agreed

    # ------------------------------------------------------------------ one step's pieces
    def _d_update(self, d_iter: int) -> dict[str, float]:
        x, y_real = self.stream.next()
        n = x.shape[0]
        z, y_fake = self.noise.draw(self.step, n, tag=d_iter)
        with torch.no_grad(), self._autocast():
            fake = self.G(z, y_fake) if self.num_classes else self.G(z)
        both = self._augment(torch.cat([x, fake.to(x.dtype)]))  # one draw per image, reals and fakes alike
        with self._autocast():
            out = self._D(both, torch.cat([y_real, y_fake])) if self.num_classes else None
            scores = out.score.float() if out is not None else self._D(both).float()
            real, fake_s = scores[:n], scores[n:]
            loss = adv = self.loss.d_loss(real, fake_s)
            values = {"d_loss": adv, "d_real": real.mean(), "d_fake": fake_s.mean()}
            if out is not None:
                aux = _aux_loss(self.head, out.select(slice(0, n)), y_real, self.cfg.d2d)
                loss = adv + self.aux_weight * aux
                values.update(d_aux_loss=aux, **_head_stats(self.head, out, y_real))
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler_d.scale(loss).backward()
        if out is not None:
            grads = [torch.linalg.vector_norm(p.grad) for p in self.D.aux_head.parameters() if p.grad is not None]
            values["aux_grad_norm"] = torch.linalg.vector_norm(torch.stack(grads)) / self.scaler_d.get_scale()
        logs = _finite_logs(values, "discriminator update", self.step, self.ckpt_path)
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()
        return logs

    def _g_update(self) -> dict[str, float]:
        z, y = self.noise.draw(self.step, self.cfg.batch_size, tag=63)
        D = _unwrap(self._D).requires_grad_(False)  # G's step needs gradients through D, not for D's weights
        try:
            with self._autocast():
                fake = self._augment(self._G(z, y) if self.num_classes else self._G(z))  # G's gradient passes through
                out = D(fake, y) if self.num_classes else None
                loss = adv = self.loss.g_loss(out.score.float() if out is not None else D(fake).float())
                values = {"g_loss": adv}
                if out is not None:
                    values["g_aux_loss"] = aux = _aux_loss(self.head, out, y, self.cfg.d2d)
                    loss = adv + self.aux_weight * aux
            logs = _finite_logs(values, "generator update", self.step, self.ckpt_path)
            self.opt_g.zero_grad(set_to_none=True)
            self.scaler_g.scale(loss).backward()
            self.scaler_g.step(self.opt_g)
            self.scaler_g.update()
        finally:
            D.requires_grad_(True)
        return logs

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        """DiffAugment as ``cfg.diffaugment`` says (identity when None), drawing from the step's noise generator.

        Called right after ``self.noise.draw`` of the same update, so the draws depend on
        (seed, step, rank, update) only: a resumed run augments exactly as an uninterrupted one.
        """
        if self.cfg.diffaugment is None:
            return images
        out = diff_augment(images, self.cfg.diffaugment, generator=self.noise.gen)
        return out.contiguous(memory_format=torch.channels_last) if self.cfg.channels_last else out

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype) if self.amp_dtype is not None else nullcontext()

    # ------------------------------------------------------------------ sampling
    @torch.no_grad()
    def sample(self, n: int, ema: bool = True, generator: torch.Generator | None = None, *,
               labels: torch.Tensor | None = None, z: torch.Tensor | None = None, batch: int = 500) -> torch.Tensor:
        """``n`` images in [−1, 1] from G in eval mode (its EMA copy when ``ema`` and there is one).

        Conditional models get ``labels`` (default: 0, 1, …, K−1, 0, 1, … repeated).
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        z = torch.randn(n, self.G.z_dim, generator=generator, dtype=torch.float32) if z is None else z
        if len(z) != n:
            raise ValueError(f"z must hold n={n} noise vectors, got {len(z)}")
        labels = _class_labels(labels, n, self.num_classes) if self.num_classes else None
        net = self.G_ema if ema and self.ema is not None else self.G
        was_training = net.training
        with self._autocast():
            images = _generate(net.eval(), z, labels, batch, self.device, self.dtype)
        net.train(was_training)
        return images

    # ------------------------------------------------------------------ checkpoints (files: gantutor.checkpoint)
    def state_dict(self) -> dict[str, Any]:
        """The whole run as tensors and plain values (what a checkpoint holds)."""
        return {
            "step": self.step, "world": self.world, "cfg": asdict(self.cfg),
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict() if self.ema is not None else None,  # loads into a fresh G
            "ema_n_averaged": self.ema.n_averaged if self.ema is not None else None,
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "scaler_g": self.scaler_g.state_dict(), "scaler_d": self.scaler_d.state_dict(),
            "stream": self.stream.state(), "history": self.history, "samples": self.samples,
            "callbacks": checkpoint.callback_states(self.callbacks), **checkpoint.rng_states(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in ("G", "D", "opt_g", "opt_d", "scaler_g", "scaler_d"):
            getattr(self, name).load_state_dict(state[name])
        if self.ema is not None:
            if state["G_ema"] is None:
                raise ValueError("the checkpoint has no EMA generator but this run asks for one (cfg.ema)")
            self.G_ema.load_state_dict(state["G_ema"])
            self.ema.n_averaged.fill_(int(state.get("ema_n_averaged", 1)))
        self.stream.load(state["stream"])
        self.step = int(state["step"])
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.samples = [(int(s), img) for s, img in state.get("samples", [])]
        checkpoint.set_rng_states(state)
        checkpoint.load_callback_states(self.callbacks, state.get("callbacks", []))

    def release(self) -> None:
        """Drop the DistributedDataParallel wrappers (no-op in one process).

        Call it before ``torch.distributed.destroy_process_group()``: a DDP wrapper still alive
        when its process group goes away can abort the process at exit. G and D themselves stay
        usable; the trainer cannot take further steps under torchrun after this.
        """
        if self.distributed:
            self._G, self._D = self.G, self.D

    def save_checkpoint(self, path: str | os.PathLike | None = None) -> Path | None:
        """Write the full state (atomically: a crash mid-write keeps the previous file); rank 0 only."""
        if path is None and self.ckpt_path is None:
            raise ValueError("no path given and cfg.out_dir is None")
        path = Path(path) if path is not None else self.ckpt_path
        return checkpoint.save(self.state_dict(), path) if self.rank == 0 else path

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        """Resume from ``path``: refused if it holds code, or was written under other settings."""
        state = checkpoint.load(path, map_location="cpu")
        # a file written before a field of ADDED_FIELDS existed (the speed switches, diffaugment) was trained with its default
        saved_cfg = {**{f.name: f.default for f in fields(TrainConfig) if f.name in ADDED_FIELDS}, **state["cfg"]}
        checkpoint.check_resume({**state, "cfg": saved_cfg}, {"cfg": asdict(self.cfg), "world": self.world}, path)
        self.load_state_dict(state)
