"""One GAN trainer for every image lesson: n_dis D steps per G step, Adam, EMA, checkpoints.

>>> cfg = TrainConfig(steps=2000, loss="hinge", n_dis=1, out_dir="runs/dcgan")
>>> trainer = Trainer(DCGenerator(), DCDiscriminator(), load_images("fmnist"), cfg)
>>> history = trainer.fit()          # tqdm bar; a second fit() (or a new Trainer on out_dir) resumes
>>> images = trainer.sample(64)      # in [−1, 1], eval mode, EMA copy if there is one

Unconditional models are called as ``G(z)`` and ``D(x) → scores (N,)``. Conditional
models (``G.num_classes > 0``) are called as ``G(z, y)`` and ``D(x, y) → DOutput``
(see :mod:`gantutor.models`): the trainer adds ACGAN's cross-entropy on real images for D
and on fakes for G, or ReACGAN's D2D-CE (``gantutor.losses.d2d_ce``) the same way.

Why it is exactly resumable: the real-image order is a permutation drawn from
``(seed, epoch)`` and the noise of each step is drawn from ``(seed, step, rank)``, so a
checkpoint only needs the weights, the optimizers, the EMA copy, the step and the data
position (the global RNG states are saved too, for anything else that draws from them).
Under ``torchrun`` the trainer wraps G and D in DistributedDataParallel and gives each
process its own shard of every epoch (what ``DistributedSampler`` does).
"""

from __future__ import annotations

import copy
import math
import os
import signal
import threading
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .data import ImageSet, to_float
from .device import get_device
from .losses import LOSSES, d2d_ce, get_loss

__all__ = ["TrainConfig", "Trainer", "Callback", "PeriodicEval", "TrainingDiverged"]

CKPT_NAME = "ckpt.pt"


@dataclass
class TrainConfig:
    """Everything that defines a run (saved in every checkpoint)."""

    steps: int = 2000  # generator steps
    n_dis: int = 1  # discriminator steps per generator step (Algorithm 1's k)
    batch_size: int = 64  # per process
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
    # conditional models only
    aux_weight: float | None = None  # λ; None: 1.0 for ACGAN, 0.5 for ReACGAN
    d2d: dict = field(default_factory=lambda: {"m_p": 0.98, "m_n": 0.02, "tau": 0.5})

    def __post_init__(self):
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
        unknown = set(self.d2d) - {"m_p", "m_n", "tau"}
        if unknown:
            raise ValueError(f"d2d takes m_p, m_n, tau; got unknown {sorted(unknown)}")


class Callback:
    """Hooks into the loop; subclass and override what you need (all no-ops by default)."""

    def on_d_step(self, trainer: "Trainer", step: int, d_iter: int, logs: dict[str, float]) -> None:
        """After each discriminator update (``step`` = generator steps done so far)."""

    def on_step_end(self, trainer: "Trainer", step: int, logs: dict[str, float]) -> None:
        """After each generator update (``step`` counts it)."""


class PeriodicEval(Callback):
    """Every ``every`` generator steps, record ``fn(trainer) -> dict[str, float]`` (e.g. a metric).

    The numbers go to ``trainer.history`` as ``eval_step`` and ``eval_<name>`` lists, so they
    are checkpointed and plotted like the losses::

        Trainer(G, D, data, cfg, callbacks=[PeriodicEval(500, lambda t: {"acc": my_metric(t.sample(1000))})])
    """

    def __init__(self, every: int, fn):
        if not isinstance(every, int) or every < 1:
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


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if hasattr(module, "module") and isinstance(module, nn.parallel.DistributedDataParallel) else module


class _Stream:
    """Shuffled real batches, one epoch permutation per (seed, epoch), sharded by rank."""

    def __init__(self, data: ImageSet, batch_size: int, seed: int, rank: int, world: int, device: torch.device, dtype=torch.float32):
        self.images = data.images.to(device)
        self.labels = data.labels.to(device)
        n = len(self.labels)
        self.per_rank = n // world
        if not 1 <= batch_size <= self.per_rank:
            raise ValueError(f"batch_size must be in [1, {self.per_rank}] for {n} images on {world} process(es), got {batch_size}")
        self.batch_size, self.seed, self.rank, self.world, self.dtype = batch_size, seed, rank, world, dtype
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
        return to_float(self.images[idx]).to(self.dtype), self.labels[idx]

    def state(self) -> dict:
        return {"epoch": self.epoch, "pos": self.pos}

    def load(self, state: dict) -> None:
        self.epoch, self.pos, self._order = state["epoch"], state["pos"], None


class Trainer:
    """Train ``G`` against ``D`` on ``data`` (a :class:`gantutor.data.ImageSet`) as ``cfg`` says."""

    def __init__(
        self,
        G: nn.Module,
        D: nn.Module,
        data: ImageSet,
        cfg: TrainConfig | None = None,
        device: torch.device | str | None = None,
        callbacks: Sequence[Callback] = (),
    ):
        cfg = cfg if cfg is not None else TrainConfig()
        if not isinstance(cfg, TrainConfig):
            raise TypeError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
        if not isinstance(data, ImageSet):
            raise TypeError(f"data must be a gantutor.data.ImageSet, got {type(data).__name__}")
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {type(cb).__name__}")
        self.cfg, self.callbacks = cfg, list(callbacks)
        self.device = get_device(device) if not isinstance(device, torch.device) else device
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.num_classes = int(getattr(G, "num_classes", 0) or 0)
        self.head = getattr(D, "head_type", None) if self.num_classes else None
        if self.num_classes and self.head not in ("acgan", "reacgan"):
            raise ValueError(f"a conditional G needs a D with head_type 'acgan' or 'reacgan', got {self.head!r}")
        if self.num_classes and int(data.labels.max()) >= self.num_classes:
            raise ValueError(f"labels reach {int(data.labels.max())} but G has num_classes={self.num_classes}")
        self.aux_weight = cfg.aux_weight if cfg.aux_weight is not None else (0.5 if self.head == "reacgan" else 1.0)
        self.loss = get_loss(cfg.loss, **cfg.loss_params)

        import torch.distributed as dist

        self.distributed = dist.is_available() and dist.is_initialized()
        self.rank = dist.get_rank() if self.distributed else 0
        self.world = dist.get_world_size() if self.distributed else 1
        if self.distributed:
            ids = [self.device.index or 0] if self.device.type == "cuda" else None
            self._G = nn.parallel.DistributedDataParallel(self.G, device_ids=ids)
            self._D = nn.parallel.DistributedDataParallel(self.D, device_ids=ids)
        else:
            self._G, self._D = self.G, self.D

        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=cfg.betas)
        self.G_ema: nn.Module | None = None
        if cfg.ema is not None:
            self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)

        use_amp = bool(cfg.amp) and self.device.type == "cuda"
        self.amp_dtype = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if use_amp else None
        fp16 = self.amp_dtype == torch.float16
        self.scaler_g = torch.amp.GradScaler("cuda", enabled=fp16)
        self.scaler_d = torch.amp.GradScaler("cuda", enabled=fp16)

        self.data = data
        self.dtype = next(self.D.parameters()).dtype  # real images and noise follow the models' dtype
        self.stream = _Stream(data, cfg.batch_size, cfg.seed, self.rank, self.world, self.device, self.dtype)
        self.step = 0
        self.history: dict[str, list[float]] = {}
        self.samples: list[tuple[int, torch.Tensor]] = []
        self.interrupted = False
        g = torch.Generator().manual_seed(cfg.seed + 12_345)
        self.fixed_z = torch.randn(cfg.n_samples, int(G.z_dim), generator=g).to(self.device, self.dtype)
        self.fixed_y = (torch.arange(cfg.n_samples) % max(self.num_classes, 1)).to(self.device)
        self._noise = torch.Generator(device=self.device)
        self.out_dir = Path(cfg.out_dir) if cfg.out_dir is not None else None
        if self.out_dir is not None and cfg.resume and (self.out_dir / CKPT_NAME).exists():
            self.load_checkpoint(self.out_dir / CKPT_NAME)

    # ------------------------------------------------------------------ pieces of a step
    def _autocast(self):
        return torch.autocast("cuda", dtype=self.amp_dtype) if self.amp_dtype is not None else nullcontext()

    def _draw(self, n: int, tag: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Noise (and labels) of generator step ``self.step``: a function of (seed, step, rank, tag) only."""
        self._noise.manual_seed(((self.cfg.seed * 1_000_003 + self.step) * 64 + tag) * 1024 + self.rank)
        z = torch.randn(n, self.G.z_dim, generator=self._noise, device=self.device, dtype=self.dtype)
        y = torch.randint(0, self.num_classes, (n,), generator=self._noise, device=self.device) if self.num_classes else None
        return z, y

    def _aux(self, out, y: torch.Tensor) -> torch.Tensor:
        """ACGAN's cross-entropy or ReACGAN's D2D-CE on the samples of ``out`` (float32)."""
        if self.head == "acgan":
            return F.cross_entropy(out.logits.float(), y)
        return d2d_ce(out.embedding.float(), out.proxy.float(), y, **self.cfg.d2d)

    def _check(self, values: dict[str, torch.Tensor], where: str) -> dict[str, float]:
        """One host sync per update: the logged numbers, and the NaN/inf guard."""
        keys = list(values)
        numbers = torch.stack([values[k].detach().float().reshape(()) for k in keys]).tolist()
        logs = dict(zip(keys, numbers))
        bad = [k for k, v in logs.items() if k.endswith("loss") and not math.isfinite(v)]
        if bad:
            kept = f"the last good checkpoint is {self.out_dir / CKPT_NAME}" if self.out_dir is not None and (self.out_dir / CKPT_NAME).exists() else "no checkpoint was written"
            raise TrainingDiverged(
                f"{', '.join(bad)} became {logs[bad[0]]} in the {where} at generator step {self.step}; "
                f"training stopped ({kept}). Try a lower learning rate, another loss, or spectral norm."
            )
        return logs

    def _d_update(self, d_iter: int) -> dict[str, float]:
        x, y_real = self.stream.next()
        n = x.shape[0]
        z, y_fake = self._draw(n, tag=d_iter)
        with torch.no_grad(), self._autocast():
            fake = self.G(z, y_fake) if self.num_classes else self.G(z)
        both = torch.cat([x, fake.to(x.dtype)])
        with self._autocast():
            if self.num_classes:
                out = self._D(both, torch.cat([y_real, y_fake]))
                scores = out.score.float()
            else:
                out, scores = None, self._D(both).float()
            real, fake_s = scores[:n], scores[n:]
            adv = self.loss.d_loss(real, fake_s)
            values = {"d_loss": adv, "d_real": real.mean(), "d_fake": fake_s.mean()}
            loss = adv
            if out is not None:
                aux = self._aux(out.select(slice(0, n)), y_real)
                loss = adv + self.aux_weight * aux
                values.update(d_aux_loss=aux, feat_norm=out.features[:n].float().norm(dim=1).mean())
                if self.head == "acgan":
                    values["acc_real"] = (out.logits[:n].argmax(1) == y_real).float().mean()
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler_d.scale(loss).backward()
        if out is not None:
            grads = [p.grad for p in self.D.aux_head.parameters() if p.grad is not None]
            values["aux_grad_norm"] = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])) / self.scaler_d.get_scale()
        logs = self._check(values, "discriminator update")
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()
        return logs

    def _g_update(self) -> dict[str, float]:
        z, y = self._draw(self.cfg.batch_size, tag=63)
        D = _unwrap(self._D)
        D.requires_grad_(False)  # G's step needs gradients through D, not for D's weights
        try:
            with self._autocast():
                fake = self._G(z, y) if self.num_classes else self._G(z)
                if self.num_classes:
                    out = D(fake, y)
                    adv = self.loss.g_loss(out.score.float())
                    aux = self._aux(out, y)
                    loss = adv + self.aux_weight * aux
                    values = {"g_loss": adv, "g_aux_loss": aux}
                else:
                    adv = self.loss.g_loss(D(fake).float())
                    loss, values = adv, {"g_loss": adv}
            logs = self._check(values, "generator update")
            self.opt_g.zero_grad(set_to_none=True)
            self.scaler_g.scale(loss).backward()
            self.scaler_g.step(self.opt_g)
            self.scaler_g.update()
        finally:
            D.requires_grad_(True)
        return logs

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.G_ema is None:
            return
        decay = self.cfg.ema if self.step > self.cfg.ema_start else 0.0
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.lerp_(p.detach(), 1.0 - decay)
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)

    # ------------------------------------------------------------------ the loop
    def fit(self, steps: int | None = None, *, progress: bool = True) -> dict[str, list[float]]:
        """Train until ``steps`` generator steps (default ``cfg.steps``) are done; returns the history.

        Ctrl-C (or a KeyboardInterrupt from a callback) stops at the end of the current
        step, writes a checkpoint if ``out_dir`` is set, and returns what was recorded.
        """
        from tqdm.auto import tqdm

        total = self.cfg.steps if steps is None else int(steps)
        self.interrupted = False
        stop = {"flag": False}
        previous = None
        if threading.current_thread() is threading.main_thread():
            def _on_sigint(signum, frame):  # finish the step, then stop cleanly
                stop["flag"] = True
            try:
                previous = signal.signal(signal.SIGINT, _on_sigint)
            except ValueError:
                previous = None
        bar = tqdm(total=total, initial=self.step, desc="train", disable=not progress or self.rank != 0, dynamic_ncols=True)
        self.G.train()
        self.D.train()
        mid_step = False  # a KeyboardInterrupt between D and G updates leaves a state we must not save
        try:
            while self.step < total and not stop["flag"]:
                mid_step = True
                logs: dict[str, float] = {}
                for d_iter in range(self.cfg.n_dis):
                    d_logs = self._d_update(d_iter)
                    logs.update(d_logs)
                    for cb in self.callbacks:
                        cb.on_d_step(self, self.step, d_iter, d_logs)
                logs.update(self._g_update())
                self.step += 1
                self._update_ema()
                mid_step = False
                if self.step % self.cfg.log_every == 0 or self.step == total:
                    self._record(logs)
                    bar.set_postfix(d=f"{logs['d_loss']:.3f}", g=f"{logs['g_loss']:.3f}", refresh=False)
                if self.cfg.sample_every and self.step % self.cfg.sample_every == 0:
                    self.samples.append((self.step, self.sample(self.cfg.n_samples, z=self.fixed_z, labels=self.fixed_y).cpu()))
                if self.cfg.ckpt_every and self.step % self.cfg.ckpt_every == 0:
                    self.save_checkpoint()
                bar.update(1)
                for cb in self.callbacks:
                    cb.on_step_end(self, self.step, logs)
        except KeyboardInterrupt:
            stop["flag"] = True
        finally:
            bar.close()
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if stop["flag"]:
            self.interrupted = True
            if mid_step:
                print(f"interrupted inside generator step {self.step + 1}: its state is partial, so no checkpoint was "
                      "written (the last periodic one is kept); this Trainer object should not be trained further")
            else:
                where = self.save_checkpoint() if self.out_dir is not None else None
                print(f"interrupted at generator step {self.step}" + (f"; checkpoint written to {where}" if where else ""))
        elif self.out_dir is not None and self.cfg.ckpt_every:
            self.save_checkpoint()
        return self.history

    def _record(self, logs: dict[str, float]) -> None:
        self.history.setdefault("step", []).append(float(self.step))
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    # ------------------------------------------------------------------ sampling
    @torch.no_grad()
    def sample(
        self,
        n: int,
        ema: bool = True,
        generator: torch.Generator | None = None,
        *,
        labels: torch.Tensor | None = None,
        z: torch.Tensor | None = None,
        batch: int = 500,
    ) -> torch.Tensor:
        """``n`` images in [−1, 1] from G in eval mode (its EMA copy when ``ema`` and there is one).

        Conditional models get ``labels`` (default: 0, 1, …, K−1, 0, 1, … repeated).
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        net = self.G_ema if ema and self.G_ema is not None else self.G
        was_training = net.training
        net.eval()
        if z is None:
            z = torch.randn(n, self.G.z_dim, generator=generator, dtype=torch.float32).to(self.device, self.dtype)
        if self.num_classes:
            labels = (torch.arange(n) % self.num_classes) if labels is None else torch.as_tensor(labels)
            if labels.shape != (n,) or int(labels.min()) < 0 or int(labels.max()) >= self.num_classes:
                raise ValueError(f"labels must be {n} class indices in [0, {self.num_classes}), got shape {tuple(labels.shape)}")
            labels = labels.to(self.device)
        out = []
        for i in range(0, n, batch):
            zi = z[i : i + batch].to(self.device, self.dtype)
            with self._autocast():
                img = net(zi, labels[i : i + batch]) if self.num_classes else net(zi)
            out.append(img.float())
        net.train(was_training)
        return torch.cat(out)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        state = {
            "step": self.step,
            "world": self.world,
            "cfg": asdict(self.cfg),
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict() if self.G_ema is not None else None,
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "scaler_g": self.scaler_g.state_dict(),
            "scaler_d": self.scaler_d.state_dict(),
            "stream": self.stream.state(),
            "history": self.history,
            "samples": self.samples,
            "rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            # callbacks with state (e.g. SR-GAN's running maxima γ) resume with the run
            "callbacks": [cb.state_dict() if hasattr(cb, "state_dict") else None for cb in self.callbacks],
        }
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        if self.G_ema is not None:
            if state["G_ema"] is None:
                raise ValueError("the checkpoint has no EMA generator but this run asks for one (cfg.ema)")
            self.G_ema.load_state_dict(state["G_ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.scaler_g.load_state_dict(state["scaler_g"])
        self.scaler_d.load_state_dict(state["scaler_d"])
        self.stream.load(state["stream"])
        self.step = int(state["step"])
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.samples = list(state.get("samples", []))
        torch.set_rng_state(state["rng_cpu"])
        if state.get("rng_cuda") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng_cuda"])
        saved = state.get("callbacks", [])
        if any(s is not None for s in saved) and len(saved) != len(self.callbacks):
            raise ValueError(f"the checkpoint has state for {len(saved)} callback(s) but this Trainer has {len(self.callbacks)}")
        for cb, cb_state in zip(self.callbacks, saved):
            if cb_state is not None and hasattr(cb, "load_state_dict"):
                cb.load_state_dict(cb_state)

    def save_checkpoint(self, path: str | os.PathLike | None = None) -> Path | None:
        """Write the full state (atomically: a crash mid-write keeps the previous file)."""
        if path is None:
            if self.out_dir is None:
                raise ValueError("no path given and cfg.out_dir is None")
            path = self.out_dir / CKPT_NAME
        path = Path(path)
        if self.rank != 0:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(self.state_dict(), tmp)
        os.replace(tmp, path)
        return path

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no checkpoint at {path}")
        self.load_state_dict(torch.load(path, map_location=self.device, weights_only=False))
