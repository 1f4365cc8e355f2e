"""Named training recipes for the conditional lessons: ``{acgan,reacgan}-{cifar10,fmnist}`` × ``{smoke,cpu,gpu}``.

A :class:`Recipe` says which models to build and how to train them; the command line
(``python -m gantutor train --recipe reacgan-cifar10 --preset gpu``) and notebooks 06–07
use the same objects, so a notebook's run and a long GPU run differ only in the preset.

The ``gpu`` preset follows the authors' public CIFAR-10 configuration of ReACGAN in
PyTorch-StudioGAN (``src/configs/CIFAR10/ReACGAN.yaml``: BigGAN-style ResNet, conditional
BN in G, spectral norm in G and D, hinge loss, batch 128, Adam lr 2.8284e-4 for both,
λ = 0.5, m_p = 0.98, τ = 0.5, 512-d embedding, EMA 0.9999 from step 1000; the package
defaults in ``src/config.py``: Adam betas (0.5, 0.999), 5 D steps per G step, 100k steps).
Differences from that setup, said plainly: no self-attention block, no hierarchical
z / shared class embedding, no random horizontal flips, and default PyTorch initialisation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from torch import nn

from .data import ImageSet, load_images
from .models import CondDCDiscriminator, CondDCGenerator, ResNetDiscriminator, ResNetGenerator
from .train import TrainConfig

__all__ = ["Recipe", "RECIPES", "PRESETS", "get_recipe"]

RECIPES = ("acgan-cifar10", "acgan-fmnist", "reacgan-cifar10", "reacgan-fmnist")
PRESETS = ("smoke", "cpu", "gpu")


@dataclass(frozen=True)
class Recipe:
    """Models + data + training settings of one run."""

    name: str
    preset: str
    dataset: str  # "cifar10" | "fmnist"
    head: str  # "acgan" | "reacgan"
    arch: str  # "dcgan" | "resnet"
    z_dim: int
    g_width: int
    d_width: int
    g_depth: int
    d_depth: int
    embed_dim: int
    sn_g: bool
    sn_d: bool
    train: dict = field(default_factory=dict)  # TrainConfig fields
    data_limit: int | None = None

    @property
    def img_shape(self) -> tuple[int, int, int]:
        return (1, 28, 28) if self.dataset == "fmnist" else (3, 32, 32)

    def build(self) -> tuple[nn.Module, nn.Module]:
        """Fresh (G, D) as the recipe says (seed torch first for a reproducible init)."""
        c, s, _ = self.img_shape
        if self.arch == "dcgan":
            G = CondDCGenerator(self.z_dim, 10, s, c, self.g_width, self.g_depth, spectral_norm=self.sn_g)
            D = CondDCDiscriminator(s, c, self.d_width, 10, self.head, self.embed_dim, self.d_depth, spectral_norm=self.sn_d)
        else:
            G = ResNetGenerator(self.z_dim, 10, s, c, self.g_width, self.g_depth, spectral_norm=self.sn_g)
            D = ResNetDiscriminator(s, c, self.d_width, 10, self.head, self.embed_dim, self.d_depth, spectral_norm=self.sn_d)
        return G, D

    def config(self, **overrides) -> TrainConfig:
        """The TrainConfig of this recipe, with any field overridden."""
        return TrainConfig(**{**self.train, **overrides})

    def load_data(self, path: str | None = None, split: str = "train") -> ImageSet:
        return load_images(self.dataset, split, path=path, limit=self.data_limit if split == "train" else None)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


_D2D = {"m_p": 0.98, "m_n": 0.02, "tau": 0.5}


def _preset(dataset: str, head: str, preset: str) -> Recipe:
    aux = 0.5 if head == "reacgan" else 1.0
    common = dict(name=f"{head}-{dataset}", preset=preset, dataset=dataset, head=head)
    if preset == "gpu":
        return Recipe(
            **common, arch="resnet", z_dim=80, g_width=384 if dataset == "cifar10" else 256, d_width=384 if dataset == "cifar10" else 256,
            g_depth=1, d_depth=2, embed_dim=512, sn_g=True, sn_d=True,
            train=dict(steps=100_000, n_dis=5, batch_size=128, lr_g=2.8284e-4, lr_d=2.8284e-4, betas=(0.5, 0.999), loss="hinge",
                       ema=0.9999, ema_start=1000, aux_weight=aux, d2d=dict(_D2D), log_every=100, sample_every=2000, ckpt_every=2000),
        )
    if preset == "cpu":  # DCGAN-size, sized to finish in about 8 minutes on 2 CPU cores
        return Recipe(
            **common, arch="dcgan", z_dim=64, g_width=32, d_width=32, g_depth=0, d_depth=0, embed_dim=128, sn_g=False, sn_d=True,
            train=dict(steps=2500 if dataset == "fmnist" else 2000, n_dis=1, batch_size=64, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999),
                       loss="hinge", ema=0.995, ema_start=200, aux_weight=aux, d2d=dict(_D2D), log_every=25, sample_every=500, ckpt_every=500),
        )
    if preset == "smoke":
        return Recipe(
            **common, arch="dcgan", z_dim=16, g_width=8, d_width=8, g_depth=0, d_depth=0, embed_dim=16, sn_g=False, sn_d=True,
            train=dict(steps=3, n_dis=1, batch_size=16, loss="hinge", ema=0.9, aux_weight=aux, d2d=dict(_D2D), log_every=1, ckpt_every=2),
            data_limit=256,
        )
    raise ValueError(f"unknown preset {preset!r}: allowed are {', '.join(PRESETS)}")


def get_recipe(name: str, preset: str = "cpu") -> Recipe:
    """A recipe by name (``acgan-cifar10``, ``acgan-fmnist``, ``reacgan-cifar10``, ``reacgan-fmnist``) and preset."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}: allowed are {', '.join(RECIPES)}")
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}: allowed are {', '.join(PRESETS)}")
    head, dataset = name.split("-")
    return _preset(dataset, head, preset)
