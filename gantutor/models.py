"""Generators and discriminators for the image lessons.

The DCGAN pair (Radford et al., 2016) is the course's workhorse for 28×28
(Fashion-MNIST) and 32×32 (CIFAR-10) images: transposed convolutions up, strided
convolutions down, width as a parameter so a CPU run stays small. Discriminators
return one **raw score** per image (no sigmoid): the losses in ``gantutor.losses``
decide what the score means.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

__all__ = ["DCGenerator", "DCDiscriminator", "apply_spectral_norm", "count_parameters"]


def _check_image_shape(img_size: int, channels: int) -> int:
    """Number of ×2 stages between the 4×4 (32) or 7×7 (28) seed and the image."""
    if img_size not in (28, 32):
        raise ValueError(f"img_size must be 28 (Fashion-MNIST) or 32 (CIFAR-10), got {img_size!r}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    return 2 if img_size == 28 else 3


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Wrap every Linear and Conv layer in torch's ``spectral_norm`` parametrization (in place)."""
    for name, child in list(module.named_children()):
        if isinstance(child, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            setattr(module, name, spectral_norm(child))
        else:
            apply_spectral_norm(child)
    return module


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class DCGenerator(nn.Module):
    """z → image in [−1, 1]: a linear seed (7×7 or 4×4), then ×2 upsampling stages.

    ``width`` is the channel count of the last hidden stage; earlier stages double it.
    ``batch_norm=False`` gives the LSGAN paper's "no BN in G" stability setting.
    """

    def __init__(self, z_dim: int = 64, img_size: int = 28, channels: int = 1, width: int = 32, batch_norm: bool = True):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        if z_dim < 1 or width < 1:
            raise ValueError(f"z_dim and width must be positive, got z_dim={z_dim}, width={width}")
        self.z_dim, self.img_size, self.channels = z_dim, img_size, channels
        self.seed_size = img_size // 2**stages
        c = width * 2 ** (stages - 1)
        norm = (lambda ch: nn.BatchNorm2d(ch)) if batch_norm else (lambda ch: nn.Identity())
        self.seed = nn.Sequential(nn.Linear(z_dim, c * self.seed_size**2), nn.Unflatten(1, (c, self.seed_size, self.seed_size)), norm(c), nn.ReLU())
        ups = []
        for _ in range(stages - 1):
            ups += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1), norm(c // 2), nn.ReLU()]
            c //= 2
        ups += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.up = nn.Sequential(*ups)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.up(self.seed(z))

    def sample_z(self, n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        """Standard normal latent codes (drawn on the CPU generator if given, then moved)."""
        return torch.randn(n, self.z_dim, generator=generator).to(device)


class DCDiscriminator(nn.Module):
    """image → one raw score: strided 4×4 convolutions with LeakyReLU(0.2), then a linear head.

    ``spectral_norm=True`` wraps every layer in torch's spectral-norm parametrization
    (lesson 03); batch norm is never used in D, so SN and the gradient penalty stay valid.
    """

    def __init__(self, img_size: int = 28, channels: int = 1, width: int = 32, spectral_norm: bool = False):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        if width < 1:
            raise ValueError(f"width must be positive, got {width}")
        self.img_size, self.channels = img_size, channels
        layers, c_in, c = [], channels, width
        for _ in range(stages):
            layers += [nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.2)]
            c_in, c = c, c * 2
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.feature_dim = c_in * (img_size // 2**stages) ** 2
        self.head = nn.Linear(self.feature_dim, 1)
        if spectral_norm:
            apply_spectral_norm(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (self.channels, self.img_size, self.img_size):
            raise ValueError(
                f"images must have shape (N, {self.channels}, {self.img_size}, {self.img_size}), got {tuple(x.shape)}"
            )
        return self.head(self.features(x)).squeeze(1)


# --------------------------------------------------------------------------- conditional models (lessons 06–07)

from typing import NamedTuple  # noqa: E402


class DOutput(NamedTuple):
    """What a conditional discriminator returns for a batch.

    ``score``: adversarial raw score (N,); ``features``: F(x) before the heads (N×f);
    ``logits``: ACGAN classifier logits (N×K) or None; ``embedding``: ReACGAN's P(F(x))
    (N×d, not yet normalised) or None; ``proxy``: the class proxy w_y of each sample (N×d) or None.
    """

    score: torch.Tensor
    features: torch.Tensor
    logits: torch.Tensor | None = None
    embedding: torch.Tensor | None = None
    proxy: torch.Tensor | None = None

    def select(self, index) -> "DOutput":
        """The same output restricted to rows ``index`` (a slice or index tensor)."""
        return DOutput(*(None if t is None else t[index] for t in self))
