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
    "SelfAttention", "HierarchicalBatchNorm2d", "init_weights", "HEADS",
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


def init_weights(module: nn.Module, scheme: str = "default") -> nn.Module:
    """Initialise conv / linear / embedding weights (in place, before spectral norm is applied).

    ``"default"``: PyTorch's own initialisation, untouched. ``"ortho"``: orthogonal weights
    and zero biases (BigGAN's and StudioGAN's ``g_init``/``d_init`` for CIFAR-10). The
    per-class γ_y, β_y tables of :class:`ConditionalBatchNorm2d` keep their 1 / 0 start.
    """
    if scheme not in ("default", "ortho"):
        raise ValueError(f"init must be 'default' or 'ortho', got {scheme!r}")
    if scheme == "default":
        return module
    skip = {id(m) for cbn in module.modules() if isinstance(cbn, ConditionalBatchNorm2d) for m in cbn.modules()}
    for m in module.modules():
        if id(m) in skip or not isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            continue
        if hasattr(m, "parametrizations"):
            raise ValueError("init_weights must run before spectral norm is applied")
        nn.init.orthogonal_(m.weight)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)
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
            x = layer(x, y) if isinstance(layer, (ConditionalBatchNorm2d, HierarchicalBatchNorm2d, _GBlock)) else layer(x)
        return x


class CondDCGenerator(nn.Module):
    """(z, y) → image: the DCGAN generator conditioned twice on the label.

    A learned class embedding (``z_dim`` numbers) is concatenated to z before the first
    linear layer — so the label can steer the whole image from the first step — and every
    batch norm is a conditional one (per-class γ_y, β_y).

    ``depth`` adds that many 3×3 convolution layers (with CBN + ReLU) at each resolution.

    ``upsample`` picks how each ×2 stage grows the image: ``"deconv"`` (DCGAN's 4×4
    transposed convolution with stride 2) or ``"nearest"`` (nearest-neighbour ×2, then a
    3×3 convolution, as in the ResNet generators; Odena et al., 2016, "Deconvolution and
    checkerboard artifacts").

    ``bn_cond`` picks what steers the batch norms: ``"class"`` (a γ_y, β_y table per class,
    :class:`ConditionalBatchNorm2d`) or ``"class+z"`` (BigGAN-deep's choice, Brock et al.
    2019: every norm's gain and shift are linear in [class embedding, z],
    :class:`HierarchicalBatchNorm2d` fed the whole z). Why it matters: a batch norm divides
    each channel by its spread over the batch. With per-class shifts, the spread between
    classes can grow until it dwarfs the part that z contributes, and the division then
    shrinks z's part towards nothing — G keeps one image per class and ignores z. Feeding z
    to every norm gives it a path that no normalisation can divide away.

    ``seed_label=False`` leaves the class embedding out of the first linear layer: the label
    then enters only through the batch norms (as in the conditional generators of Miyato &
    Koyama 2018 and BigGAN), and the seed layer's batch norm sees only z's variation. With
    the embedding concatenated there, the between-class differences enter *before* that
    first normalisation and take over its variance (measured on CIFAR-10: lesson 06).
    """

    UPSAMPLE = ("deconv", "nearest")
    BN_COND = ("class", "class+z")

    def __init__(self, z_dim: int = 64, num_classes: int = 10, img_size: int = 28, channels: int = 1, width: int = 32, depth: int = 0, spectral_norm: bool = False,
                 *, upsample: str = "deconv", bn_cond: str = "class", seed_label: bool = True):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        _check_conditional(num_classes, z_dim, width, depth)
        if upsample not in self.UPSAMPLE:
            raise ValueError(f"upsample must be one of {self.UPSAMPLE}, got {upsample!r}")
        if bn_cond not in self.BN_COND:
            raise ValueError(f"bn_cond must be one of {self.BN_COND}, got {bn_cond!r}")
        if not isinstance(seed_label, bool):
            raise ValueError(f"seed_label must be True or False, got {seed_label!r}")
        self.upsample, self.bn_cond, self.seed_label = upsample, bn_cond, seed_label

        def norm(ch: int) -> nn.Module:
            return ConditionalBatchNorm2d(ch, num_classes) if bn_cond == "class" else HierarchicalBatchNorm2d(ch, 2 * z_dim)

        def up(c_in: int, c_out: int) -> list[nn.Module]:
            if upsample == "deconv":
                return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1)]
            return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, 1, 1)]

        self.z_dim, self.num_classes, self.img_size, self.channels = z_dim, num_classes, img_size, channels
        s = img_size // 2**stages
        c = width * 2 ** (stages - 1)
        # the class embedding feeds the seed layer and/or the norms' conditioning vector (no unused parameters)
        self.embed = nn.Embedding(num_classes, z_dim) if (seed_label or bn_cond == "class+z") else None
        seed_in = 2 * z_dim if seed_label else z_dim
        layers: list[nn.Module] = [nn.Linear(seed_in, c * s * s), nn.Unflatten(1, (c, s, s)), norm(c), nn.ReLU()]
        for stage in range(stages):
            for _ in range(depth):
                layers += [nn.Conv2d(c, c, 3, 1, 1), norm(c), nn.ReLU()]
            if stage < stages - 1:
                layers += [*up(c, c // 2), norm(c // 2), nn.ReLU()]
                c //= 2
        layers += [*up(c, channels), nn.Tanh()]
        self.net = _CondSequential(*layers)
        if spectral_norm:
            apply_spectral_norm(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _check_z(z, self.z_dim)
        y = _check_labels(y, z.shape[0], self.num_classes)
        zy = torch.cat([z, self.embed(y)], dim=1) if self.embed is not None else None
        return self.net(zy if self.seed_label else z, y if self.bn_cond == "class" else zy)

    def sample_z(self, n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.z_dim, generator=generator).to(device)


class HierarchicalBatchNorm2d(nn.Module):
    """BigGAN's conditional batch norm: the scale and shift are *linear* in a conditioning vector.

    out = BN(x) · (1 + W_γ c) + W_β c, with c = [shared class embedding, this block's chunk of z]
    (Brock et al., 2019, "shared embedding" and "hierarchical latent space"). Compared with
    :class:`ConditionalBatchNorm2d` (a γ_y, β_y table per class), every block sees the class
    through one shared embedding and a slice of the noise. BN uses ε = 1e-4 as in BigGAN.
    """

    def __init__(self, num_features: int, cond_dim: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(num_features, eps=1e-4, affine=False)
        self.gain = nn.Linear(cond_dim, num_features, bias=False)
        self.bias = nn.Linear(cond_dim, num_features, bias=False)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return self.bn(x) * (1 + self.gain(c))[:, :, None, None] + self.bias(c)[:, :, None, None]


class SelfAttention(nn.Module):
    """SAGAN's self-attention block (Zhang et al., 2019), in the BigGAN form used at 32×32 by StudioGAN.

    Queries θ(x) and keys φ(x) have C/8 channels, values g(x) C/2; keys and values are
    2×2 max-pooled (a quarter of the positions), every position attends over them with a
    softmax, and a 1×1 convolution maps the result back to C channels. The output is
    x + σ·attention with a learned scalar σ that starts at 0, so the block starts as the
    identity. No biases; spectral norm applies to its four 1×1 convolutions like any other.
    """

    def __init__(self, channels: int):
        super().__init__()
        if not isinstance(channels, int) or channels < 8 or channels % 8:
            raise ValueError(f"self-attention needs a channel count divisible by 8, got {channels!r}")
        self.channels = channels
        self.theta = nn.Conv2d(channels, channels // 8, 1, bias=False)
        self.phi = nn.Conv2d(channels, channels // 8, 1, bias=False)
        self.g = nn.Conv2d(channels, channels // 2, 1, bias=False)
        self.o = nn.Conv2d(channels // 2, channels, 1, bias=False)
        self.sigma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if h % 2 or w % 2:
            raise ValueError(f"self-attention max-pools keys by 2: needs even height and width, got {h}×{w}")
        q = self.theta(x).flatten(2)  # n × c/8 × hw
        k = F.max_pool2d(self.phi(x), 2).flatten(2)  # n × c/8 × hw/4
        v = F.max_pool2d(self.g(x), 2).flatten(2)  # n × c/2 × hw/4
        attn = torch.softmax(q.transpose(1, 2) @ k, dim=-1)  # n × hw × hw/4
        out = (v @ attn.transpose(1, 2)).view(n, c // 2, h, w)
        return x + self.sigma * self.o(out)


def _check_attention(attention, n_blocks: int, where: str) -> tuple[int, ...]:
    if isinstance(attention, int) or not all(isinstance(a, int) and not isinstance(a, bool) for a in attention):
        raise ValueError(f"{where} attention must be a sequence of block numbers (1-based), got {attention!r}")
    attention = tuple(attention)
    bad = [a for a in attention if not 1 <= a <= n_blocks]
    if bad or len(set(attention)) != len(attention):
        raise ValueError(f"{where} attention block numbers must be distinct and in 1..{n_blocks}, got {attention!r}")
    return attention


class _GBlock(nn.Module):
    """BigGAN-style residual up-block: CBN→ReLU→(×2)→conv3×3→CBN→ReLU→conv3×3, plus a 1×1 shortcut.

    Conditioned on labels (per-class CBN) or, with ``cond_dim``, on a vector (BigGAN's CBN).
    """

    def __init__(self, c_in: int, c_out: int, num_classes: int, upsample: bool, cond_dim: int | None = None):
        super().__init__()
        self.upsample = upsample
        if cond_dim is None:
            self.bn1, self.bn2 = ConditionalBatchNorm2d(c_in, num_classes), ConditionalBatchNorm2d(c_out, num_classes)
        else:
            self.bn1, self.bn2 = HierarchicalBatchNorm2d(c_in, cond_dim), HierarchicalBatchNorm2d(c_out, cond_dim)
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

    BigGAN options (all off by default, which keeps the plain SN-GAN-style generator):

    * ``attention=(2,)`` puts a :class:`SelfAttention` block after up-block 2 (1-based);
    * ``shared_dim=128`` switches on the shared class embedding and the hierarchical z: z is
      cut into (blocks + 1) equal chunks, the first feeds the linear seed, and block b's
      batch norms are :class:`HierarchicalBatchNorm2d` driven by [embed(y), chunk b]
      (``z_dim`` must then be divisible by blocks + 1: 80 = 4 × 20 at 32×32);
    * ``init="ortho"`` orthogonal initialisation (:func:`init_weights`).
    """

    def __init__(self, z_dim: int = 128, num_classes: int = 10, img_size: int = 32, channels: int = 3, width: int = 64, depth: int = 1, spectral_norm: bool = True,
                 *, attention: tuple[int, ...] = (), shared_dim: int = 0, init: str = "default"):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        _check_conditional(num_classes, z_dim, width, depth)
        if depth < 1:
            raise ValueError(f"depth (blocks per resolution) must be >= 1 for the ResNet generator, got {depth}")
        n_blocks = stages * depth
        attention = _check_attention(attention, n_blocks, "generator")
        if isinstance(shared_dim, bool) or not isinstance(shared_dim, int) or shared_dim < 0:
            raise ValueError(f"shared_dim must be an int >= 0 (0: no shared embedding), got {shared_dim!r}")
        if shared_dim and z_dim % (n_blocks + 1):
            raise ValueError(f"with a shared embedding z_dim must be divisible by blocks + 1 = {n_blocks + 1} (hierarchical z), got {z_dim}")
        self.z_dim, self.num_classes, self.img_size, self.channels = z_dim, num_classes, img_size, channels
        self.attention, self.shared_dim, self.n_blocks = attention, shared_dim, n_blocks
        self.chunk = z_dim // (n_blocks + 1) if shared_dim else 0
        self.seed_size = img_size // 2**stages
        if shared_dim:
            self.shared = nn.Embedding(num_classes, shared_dim)
        self.linear = nn.Linear(self.chunk or z_dim, width * self.seed_size**2)
        cond_dim = shared_dim + self.chunk if shared_dim else None
        blocks: list[nn.Module] = []
        for b in range(n_blocks):
            blocks.append(_GBlock(width, width, num_classes, upsample=b % depth == 0, cond_dim=cond_dim))
            if b + 1 in attention:
                blocks.append(SelfAttention(width))
        self.blocks = _CondSequential(*blocks)
        self.out = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, channels, 3, 1, 1), nn.Tanh())
        self.width = width
        init_weights(self, init)
        if spectral_norm:
            apply_spectral_norm(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _check_z(z, self.z_dim)
        y = _check_labels(y, z.shape[0], self.num_classes)
        if not self.shared_dim:
            h = self.linear(z).view(-1, self.width, self.seed_size, self.seed_size)
            return self.out(self.blocks(h, y))
        chunks = torch.split(z, self.chunk, dim=1)
        shared = self.shared(y)
        h = self.linear(chunks[0]).view(-1, self.width, self.seed_size, self.seed_size)
        b = 0
        for layer in self.blocks.layers:
            if isinstance(layer, _GBlock):
                b += 1
                h = layer(h, torch.cat([shared, chunks[b]], dim=1))
            else:
                h = layer(h)
        return self.out(h)

    def sample_z(self, n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.z_dim, generator=generator).to(device)


class _ReACGANHead(nn.Module):
    """ReACGAN's conditional part of D: a projection P (features → d) and one proxy w_k per class."""

    def __init__(self, feature_dim: int, num_classes: int, embed_dim: int):
        super().__init__()
        self.P = nn.Linear(feature_dim, embed_dim)
        self.proxies = nn.Embedding(num_classes, embed_dim)


# The discriminator heads, and the auxiliary loss the trainer applies to each (``head_type``):
#   "acgan"         linear classifier, logits W h                          → cross-entropy
#   "ce-normalized" P, proxies; logits = cos(P h, w_k) / τ (unit sphere)   → cross-entropy (paper's Eq. 4)
#   "reacgan"       P, proxies; embedding P h and proxy w_y                → D2D-CE (Eq. 6, or Eq. 5 without margins)
HEADS = ("acgan", "reacgan", "ce-normalized")


class _CondHeads(nn.Module):
    """Adversarial head + ACGAN classifier or ReACGAN projection/proxies on top of ``self.features``.

    ``head_name`` is the head asked for; ``head_type`` is the loss family the trainer reads
    ("acgan": cross-entropy on ``logits``; "reacgan": D2D-CE on ``embedding``/``proxy``).
    The "ce-normalized" head gives cosine logits, so the trainer's cross-entropy becomes the
    unit-sphere CE of the ReACGAN paper's ablation without any change to the trainer.
    """

    HEADS = HEADS

    def _build_heads(self, feature_dim: int, num_classes: int, head: str, embed_dim: int, tau: float = 0.5, sn_embedding: bool = False) -> None:
        if head not in self.HEADS:
            raise ValueError(f"head must be one of {self.HEADS}, got {head!r}")
        if isinstance(embed_dim, bool) or not isinstance(embed_dim, int) or embed_dim < 1:
            raise ValueError(f"embed_dim must be a positive int, got {embed_dim!r}")
        if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not tau > 0:
            raise ValueError(f"tau must be a positive number, got {tau!r}")
        self.head_name, self.tau = head, float(tau)
        self.head_type = "acgan" if head in ("acgan", "ce-normalized") else "reacgan"
        self.num_classes, self.feature_dim = num_classes, feature_dim
        self.adv = nn.Linear(feature_dim, 1)
        self.aux_head = nn.Linear(feature_dim, num_classes) if head == "acgan" else _ReACGANHead(feature_dim, num_classes, embed_dim)
        self._sn_embedding = sn_embedding and head != "acgan"

    def _finish(self, spectral_norm: bool) -> None:
        if spectral_norm:
            apply_spectral_norm(self)
            if self._sn_embedding:  # StudioGAN's sn_embedding: the proxy table is spectrally normalised too
                self.aux_head.proxies = torch.nn.utils.parametrizations.spectral_norm(self.aux_head.proxies)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        if x.dim() != 4 or tuple(x.shape[1:]) != (self.channels, self.img_size, self.img_size):
            raise ValueError(f"images must have shape (N, {self.channels}, {self.img_size}, {self.img_size}), got {tuple(x.shape)}")
        h = self.features(x)
        score = self.adv(h).squeeze(1)
        if self.head_name == "acgan":
            return DOutput(score, h, logits=self.aux_head(h))
        proxy = self.aux_head.proxies(_check_labels(y, x.shape[0], self.num_classes)) if y is not None else None
        embedding = self.aux_head.P(h)
        if self.head_name == "ce-normalized":
            from .losses import cosine_logits

            return DOutput(score, h, logits=cosine_logits(embedding, self.aux_head.proxies.weight, self.tau), embedding=embedding, proxy=proxy)
        return DOutput(score, h, embedding=embedding, proxy=proxy)


class CondDCDiscriminator(_CondHeads):
    """image → DOutput: the DCGAN discriminator body (strided 4×4 convs, LeakyReLU 0.2) with ACGAN or ReACGAN heads.

    ``depth`` adds that many 3×3 convolutions after each strided one.
    """

    def __init__(self, img_size: int = 28, channels: int = 1, width: int = 32, num_classes: int = 10, head: str = "acgan", embed_dim: int = 512, depth: int = 0, spectral_norm: bool = True,
                 *, tau: float = 0.5):
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
        self._build_heads(c_in * (img_size // 2**stages) ** 2, num_classes, head, embed_dim, tau)
        self._finish(spectral_norm)


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

    Options: ``attention=(1,)`` puts a :class:`SelfAttention` block after residual block 1
    (1-based, counting all 2 + ``depth`` blocks); ``init="ortho"`` orthogonal initialisation;
    ``sn_embedding=True`` spectrally normalises the proxy table too (StudioGAN does);
    ``tau`` is the temperature of the "ce-normalized" head.
    """

    def __init__(self, img_size: int = 32, channels: int = 3, width: int = 64, num_classes: int = 10, head: str = "acgan", embed_dim: int = 512, depth: int = 2, spectral_norm: bool = True,
                 *, attention: tuple[int, ...] = (), init: str = "default", sn_embedding: bool = False, tau: float = 0.5):
        super().__init__()
        stages = _check_image_shape(img_size, channels)
        _check_conditional(num_classes, None, width, depth)
        self.img_size, self.channels = img_size, channels
        n_down = 2  # 32→8 and 28→7, as in SN-GAN's CIFAR-10 discriminator
        attention = _check_attention(attention, n_down + depth, "discriminator")
        self.attention = attention
        blocks = [_DBlock(channels, width, downsample=True, first=True)]
        blocks += [_DBlock(width, width, downsample=True, first=False) for _ in range(n_down - 1)]
        blocks += [_DBlock(width, width, downsample=False, first=False) for _ in range(depth)]
        for b in sorted(attention, reverse=True):
            blocks.insert(b, SelfAttention(width))
        self.features = nn.Sequential(*blocks, _SumPool())
        self._build_heads(width, num_classes, head, embed_dim, tau, sn_embedding)
        init_weights(self, init)
        self._finish(spectral_norm)
