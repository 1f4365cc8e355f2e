"""Generators and discriminators for the image lessons.

The DCGAN pair (Radford et al., 2016) is the course's workhorse for 28×28
(Fashion-MNIST) and 32×32 (CIFAR-10) images: transposed convolutions up, strided
convolutions down, width as a parameter so a CPU run stays small. Discriminators
return one **raw score** per image (no sigmoid): the losses in ``gantutor.losses``
decide what the score means.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

__all__ = [
    "DCGenerator", "DCDiscriminator", "apply_spectral_norm", "count_parameters",
    "DOutput", "ConditionalBatchNorm2d", "CondDCGenerator", "CondDCDiscriminator", "ResNetGenerator", "ResNetDiscriminator",
]


def _check_image_shape(img_size: int, channels: int) -> int:
    """Number of ×2 stages between the 4×4 (32) or 7×7 (28) seed and the image."""
    if img_size not in (28, 32):
        raise ValueError(f"img_size must be 28 (Fashion-MNIST) or 32 (CIFAR-10), got {img_size!r}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    return 2 if img_size == 28 else 3


def _check_z(z: torch.Tensor, z_dim: int) -> None:
    if z.dim() != 2 or z.shape[1] != z_dim:
        raise ValueError(f"z must have shape (N, {z_dim}), got {tuple(z.shape)}")


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
        _check_z(z, self.z_dim)
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


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose scale and shift are looked up per class: γ_y · BN(x) + β_y.

    This is how the class enters a BigGAN-style generator (de Vries et al., 2017;
    Miyato & Koyama, 2018): every normalisation layer is steered by the label.
    """

    def __init__(self, num_features: int, num_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(num_features, affine=False)
        self.gamma = nn.Embedding(num_classes, num_features)
        self.beta = nn.Embedding(num_classes, num_features)
        nn.init.ones_(self.gamma.weight)
        nn.init.zeros_(self.beta.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.gamma(y)[:, :, None, None] * self.bn(x) + self.beta(y)[:, :, None, None]


def _check_conditional(num_classes: int, z_dim: int | None = None, width: int = 1, depth: int = 0) -> None:
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    if z_dim is not None and (not isinstance(z_dim, int) or z_dim < 1):
        raise ValueError(f"z_dim must be a positive int, got {z_dim!r}")
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive int, got {width!r}")
    if not isinstance(depth, int) or depth < 0:
        raise ValueError(f"depth must be an int >= 0, got {depth!r}")


def _check_labels(y: torch.Tensor | None, n: int, num_classes: int) -> torch.Tensor:
    if y is None:
        raise ValueError("a conditional model needs labels y (N,) of class indices")
    if not isinstance(y, torch.Tensor) or y.dtype != torch.int64 or y.shape != (n,):
        raise ValueError(f"labels must be an int64 tensor of shape ({n},), got {getattr(y, 'dtype', type(y))} {tuple(getattr(y, 'shape', ()))}")
    return y


class _CondSequential(nn.Module):
    """Layers applied in order; conditional batch norms also receive the labels."""

    def __init__(self, *layers: nn.Module):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x, y):
        for layer in self.layers:
            x = layer(x, y) if isinstance(layer, (ConditionalBatchNorm2d, _GBlock)) else layer(x)
        return x


class CondDCGenerator(nn.Module):
    """(z, y) → image: the DCGAN generator conditioned twice on the label.

    A learned class embedding (``z_dim`` numbers) is concatenated to z before the first
    linear layer — so the label can steer the whole image from the first step — and every
    batch norm is a conditional one (per-class γ_y, β_y).

    ``depth`` adds that many 3×3 convolution layers (with CBN + ReLU) at each resolution.
    """

    def __init__(self, z_dim: int = 64, num_classes: int = 10, img_size: int = 28, channels: int = 1, width: int = 32, depth: int = 0, spectral_norm: bool = False):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        _check_conditional(num_classes, z_dim, width, depth)
        self.z_dim, self.num_classes, self.img_size, self.channels = z_dim, num_classes, img_size, channels
        s = img_size // 2**stages
        c = width * 2 ** (stages - 1)
        self.embed = nn.Embedding(num_classes, z_dim)
        layers: list[nn.Module] = [nn.Linear(2 * z_dim, c * s * s), nn.Unflatten(1, (c, s, s)), ConditionalBatchNorm2d(c, num_classes), nn.ReLU()]
        for stage in range(stages):
            for _ in range(depth):
                layers += [nn.Conv2d(c, c, 3, 1, 1), ConditionalBatchNorm2d(c, num_classes), nn.ReLU()]
            if stage < stages - 1:
                layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1), ConditionalBatchNorm2d(c // 2, num_classes), nn.ReLU()]
                c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.net = _CondSequential(*layers)
        if spectral_norm:
            apply_spectral_norm(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _check_z(z, self.z_dim)
        y = _check_labels(y, z.shape[0], self.num_classes)
        return self.net(torch.cat([z, self.embed(y)], dim=1), y)

    def sample_z(self, n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.z_dim, generator=generator).to(device)


class _GBlock(nn.Module):
    """BigGAN-style residual up-block: CBN→ReLU→(×2)→conv3×3→CBN→ReLU→conv3×3, plus a 1×1 shortcut."""

    def __init__(self, c_in: int, c_out: int, num_classes: int, upsample: bool):
        super().__init__()
        self.upsample = upsample
        self.bn1, self.bn2 = ConditionalBatchNorm2d(c_in, num_classes), ConditionalBatchNorm2d(c_out, num_classes)
        self.conv1, self.conv2 = nn.Conv2d(c_in, c_out, 3, 1, 1), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if (c_in != c_out or upsample) else nn.Identity()

    def _up(self, x):
        return F.interpolate(x, scale_factor=2, mode="nearest") if self.upsample else x

    def forward(self, x, y):
        h = self.conv1(self._up(F.relu(self.bn1(x, y))))
        h = self.conv2(F.relu(self.bn2(h, y)))
        return h + self.skip(self._up(x))


class ResNetGenerator(nn.Module):
    """(z, y) → image: BigGAN/SN-GAN-style ResNet generator with conditional BN (32×32 or 28×28).

    A linear seed (4×4 or 7×7 × ``width`` channels), one up-block per ×2 stage plus
    ``depth − 1`` extra blocks at each resolution, then BN→ReLU→conv3×3→tanh.
    ``spectral_norm=True`` (BigGAN's choice) wraps every conv/linear layer.
    """

    def __init__(self, z_dim: int = 128, num_classes: int = 10, img_size: int = 32, channels: int = 3, width: int = 64, depth: int = 1, spectral_norm: bool = True):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        _check_conditional(num_classes, z_dim, width, depth)
        if depth < 1:
            raise ValueError(f"depth (blocks per resolution) must be >= 1 for the ResNet generator, got {depth}")
        self.z_dim, self.num_classes, self.img_size, self.channels = z_dim, num_classes, img_size, channels
        self.seed_size = img_size // 2**stages
        self.linear = nn.Linear(z_dim, width * self.seed_size**2)
        blocks: list[nn.Module] = []
        for _ in range(stages):
            blocks.append(_GBlock(width, width, num_classes, upsample=True))
            blocks += [_GBlock(width, width, num_classes, upsample=False) for _ in range(depth - 1)]
        self.blocks = _CondSequential(*blocks)
        self.out = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, channels, 3, 1, 1), nn.Tanh())
        self.width = width
        if spectral_norm:
            apply_spectral_norm(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _check_z(z, self.z_dim)
        y = _check_labels(y, z.shape[0], self.num_classes)
        h = self.linear(z).view(-1, self.width, self.seed_size, self.seed_size)
        return self.out(self.blocks(h, y))

    def sample_z(self, n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.z_dim, generator=generator).to(device)


class _ReACGANHead(nn.Module):
    """ReACGAN's conditional part of D: a projection P (features → d) and one proxy w_k per class."""

    def __init__(self, feature_dim: int, num_classes: int, embed_dim: int):
        super().__init__()
        self.P = nn.Linear(feature_dim, embed_dim)
        self.proxies = nn.Embedding(num_classes, embed_dim)


class _CondHeads(nn.Module):
    """Adversarial head + ACGAN classifier or ReACGAN projection/proxies on top of ``self.features``."""

    HEADS = ("acgan", "reacgan")

    def _build_heads(self, feature_dim: int, num_classes: int, head: str, embed_dim: int) -> None:
        if head not in self.HEADS:
            raise ValueError(f"head must be one of {self.HEADS}, got {head!r}")
        if not isinstance(embed_dim, int) or embed_dim < 1:
            raise ValueError(f"embed_dim must be a positive int, got {embed_dim!r}")
        self.head_type, self.num_classes, self.feature_dim = head, num_classes, feature_dim
        self.adv = nn.Linear(feature_dim, 1)
        self.aux_head = nn.Linear(feature_dim, num_classes) if head == "acgan" else _ReACGANHead(feature_dim, num_classes, embed_dim)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        if x.dim() != 4 or tuple(x.shape[1:]) != (self.channels, self.img_size, self.img_size):
            raise ValueError(f"images must have shape (N, {self.channels}, {self.img_size}, {self.img_size}), got {tuple(x.shape)}")
        h = self.features(x)
        score = self.adv(h).squeeze(1)
        if self.head_type == "acgan":
            return DOutput(score, h, logits=self.aux_head(h))
        proxy = self.aux_head.proxies(_check_labels(y, x.shape[0], self.num_classes)) if y is not None else None
        return DOutput(score, h, embedding=self.aux_head.P(h), proxy=proxy)


class CondDCDiscriminator(_CondHeads):
    """image → DOutput: the DCGAN discriminator body (strided 4×4 convs, LeakyReLU 0.2) with ACGAN or ReACGAN heads.

    ``depth`` adds that many 3×3 convolutions after each strided one.
    """

    def __init__(self, img_size: int = 28, channels: int = 1, width: int = 32, num_classes: int = 10, head: str = "acgan", embed_dim: int = 512, depth: int = 0, spectral_norm: bool = True):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        _check_conditional(num_classes, None, width, depth)
        self.img_size, self.channels = img_size, channels
        layers, c_in, c = [], channels, width
        for _ in range(stages):
            layers += [nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.2)]
            layers += [m for _ in range(depth) for m in (nn.Conv2d(c, c, 3, 1, 1), nn.LeakyReLU(0.2))]
            c_in, c = c, c * 2
        self.features = nn.Sequential(*layers, nn.Flatten())
        self._build_heads(c_in * (img_size // 2**stages) ** 2, num_classes, head, embed_dim)
        if spectral_norm:
            apply_spectral_norm(self)


class _DBlock(nn.Module):
    """SN-GAN residual down-block: (ReLU)→conv3×3→ReLU→conv3×3→avgpool, plus a 1×1 shortcut."""

    def __init__(self, c_in: int, c_out: int, downsample: bool, first: bool):
        super().__init__()
        self.downsample, self.first = downsample, first
        self.conv1, self.conv2 = nn.Conv2d(c_in, c_out, 3, 1, 1), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if (c_in != c_out or downsample) else nn.Identity()

    def forward(self, x):
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        if self.downsample:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.first:  # the "optimized" first block pools before its shortcut conv
            s = self.skip(F.avg_pool2d(s, 2) if self.downsample else s)
        else:
            s = self.skip(s)
            s = F.avg_pool2d(s, 2) if self.downsample else s
        return h + s


class _SumPool(nn.Module):
    def forward(self, x):
        return F.relu(x).sum(dim=(2, 3))


class ResNetDiscriminator(_CondHeads):
    """image → DOutput: SN-GAN/BigGAN-style ResNet discriminator with ACGAN or ReACGAN heads.

    One down-block per ×2 stage (32→16→8, or 28→14→7), then ``depth`` blocks at the
    last resolution, ReLU and global sum pooling: F(x) has ``width`` dimensions.
    """

    def __init__(self, img_size: int = 32, channels: int = 3, width: int = 64, num_classes: int = 10, head: str = "acgan", embed_dim: int = 512, depth: int = 2, spectral_norm: bool = True):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        _check_conditional(num_classes, None, width, depth)
        self.img_size, self.channels = img_size, channels
        n_down = 2  # 32→8 and 28→7, as in SN-GAN's CIFAR-10 discriminator
        blocks = [_DBlock(channels, width, downsample=True, first=True)]
        blocks += [_DBlock(width, width, downsample=True, first=False) for _ in range(n_down - 1)]
        blocks += [_DBlock(width, width, downsample=False, first=False) for _ in range(depth)]
        self.features = nn.Sequential(*blocks, _SumPool())
        self._build_heads(width, num_classes, head, embed_dim)
        if spectral_norm:
            apply_spectral_norm(self)
