"""DiffAugment: random, differentiable augmentations of every image D sees, real or fake.

Zhao, Liu, Lin, Zhu, Han, "Differentiable Augmentation for Data-Efficient GAN Training"
(NeurIPS 2020). With few real images D memorises them and G's training signal dies.
Augmenting only the real images does not help: G then learns to produce the augmented
images. DiffAugment instead replaces every ``D(x)`` by ``D(T(x))`` — for real and fake
images, in D's update *and* in G's update — with a random transformation ``T`` made of
plain tensor operations, so G's gradient passes through ``T``:

>>> aug = lambda x: diff_augment(x, "color,translation,cutout")
>>> d_loss = loss.d_loss(D(aug(real)), D(aug(G(z).detach())))
>>> g_loss = loss.g_loss(D(aug(G(z))))

Each transformation draws its random numbers **once per image** (not once per batch):

* ``color`` — three steps in this order: brightness, add b ~ U(−0.5, 0.5) to every pixel;
  saturation, scale each pixel's distance from its mean over channels by s ~ U(0, 2);
  contrast, scale each pixel's distance from the image's mean (over channels, rows and
  columns) by c ~ U(0.5, 1.5). On one-channel images saturation changes nothing.
* ``translation`` — shift the image by whole pixels, dy and dx each uniform over
  −r … r with r = round(0.125 · size) (4 pixels at 32×32, 4 at 28×28), filling
  the uncovered border with 0.
* ``cutout`` — set to 0 a square of round(0.5 · size) pixels a side (16 at 32×32, 14 at
  28×28) whose centre is uniform over the image; the part of it that falls outside the
  image is clipped, so up to three quarters of the square can be lost at a corner.

Range. The authors' images are in [−1, 1], as the course's are (BigGAN-PyTorch normalises
with mean 0.5 and std 0.5; StyleGAN2-ADA divides by 127.5 and subtracts 1). Saturation and
contrast are scalings about a mean and do not depend on the range; the brightness shift of
±0.5 does (it is a quarter of the range here, half of it for images in [0, 1]), and the
fill value 0 of translation and cutout is mid-grey here (black in [0, 1]). The outputs are
not clipped back into [−1, 1], as in the authors' code.

Which policy. The authors' README recommends all three ("color,translation,cutout") for
small datasets, a subset for large ones. For CIFAR-10 they used: StyleGAN2 with 100 % of
the data "color,cutout", with 10 % or 20 % "color,translation,cutout"; BigGAN
"translation,cutout" at 100 %, 20 % and 10 %.

Source, read (not copied) at commit 0b63395 of github.com/mit-han-lab/data-efficient-gans:

* ``DiffAugment_pytorch.py`` lines 9–19 (``DiffAugment``: policies applied in the order
  given, no-op for an empty policy), 22–36 (brightness, saturation, contrast), 39–52
  (translation, ratio 0.125, zero padding), 55–69 (cutout, ratio 0.5), 72–76 (the
  policy table); the copies in ``DiffAugment-biggan-cifar/`` and
  ``DiffAugment-stylegan2-pytorch/`` are the same file;
* ``README.md`` lines 71–96 (``D(T(x))`` for reals and fakes, in D's and G's updates;
  the policy advice);
* ``DiffAugment-stylegan2/README.md`` lines 27 and 35, ``DiffAugment-biggan-cifar/scripts/
  DiffAugment-biggan-cifar10*.sh`` line 2 (the CIFAR-10 policies);
* ``DiffAugment-biggan-cifar/BigGAN.py`` line 455 (one call on the concatenated fake and
  real batch before D) and ``train_fns.py`` lines 44 and 85 (D's and G's updates);
  ``DiffAugment-stylegan2-pytorch/training/loss.py`` lines 53–59 (``run_D``, used for
  every D call) and ``training/training_loop.py`` line 261 (real images to [−1, 1]).

The random numbers come from ``generator`` when one is given (the trainer passes its
per-step generator, so a resumed run draws the same augmentations), else from torch's
global generator.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["POLICIES", "TRANSLATION_RATIO", "CUTOUT_RATIO", "parse_policy", "diff_augment"]

TRANSLATION_RATIO = 0.125  # largest shift, as a fraction of the image's height / width
CUTOUT_RATIO = 0.5  # side of the cut-out square, as a fraction of the image's height / width


def _uniform(x: torch.Tensor, low: float, high: float, generator) -> torch.Tensor:
    """One number per image, uniform in [low, high), shaped (N, 1, 1, 1) to broadcast over the image."""
    u = torch.rand(x.shape[0], 1, 1, 1, generator=generator, device=x.device, dtype=x.dtype)
    return low + (high - low) * u


def _color(x: torch.Tensor, generator) -> torch.Tensor:
    x = x + _uniform(x, -0.5, 0.5, generator)  # brightness
    mean = x.mean(dim=1, keepdim=True)  # each pixel's grey value
    x = (x - mean) * _uniform(x, 0.0, 2.0, generator) + mean  # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)  # the image's mean
    return (x - mean) * _uniform(x, 0.5, 1.5, generator) + mean  # contrast


def _side(size: int, ratio: float) -> int:
    return int(size * ratio + 0.5)  # round half up, as the authors do


def _per_image_int(x: torch.Tensor, low: int, high: int, generator) -> torch.Tensor:
    """One integer per image in [low, high), shaped (N, 1, 1) to broadcast over rows and columns."""
    return torch.randint(low, high, (x.shape[0], 1, 1), generator=generator, device=x.device)


def _translation(x: torch.Tensor, generator) -> torch.Tensor:
    n, _, h, w = x.shape
    ry, rx = _side(h, TRANSLATION_RATIO), _side(w, TRANSLATION_RATIO)
    dy = _per_image_int(x, -ry, ry + 1, generator)
    dx = _per_image_int(x, -rx, rx + 1, generator)
    padded = F.pad(x, (rx, rx, ry, ry))  # zeros around the image, wide enough for the largest shift
    # output pixel (i, j) of image k is input pixel (i − dy_k, j − dx_k): index the padded image there
    rows = torch.arange(h, device=x.device).view(1, h, 1) - dy + ry  # (N, H, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w) - dx + rx  # (N, 1, W)
    images = torch.arange(n, device=x.device).view(n, 1, 1)  # (N, 1, 1)
    shifted = padded.permute(0, 2, 3, 1)[images, rows, cols]  # (N, H, W, C): one gather for the batch
    return shifted.permute(0, 3, 1, 2)


def _cutout(x: torch.Tensor, generator) -> torch.Tensor:
    _, _, h, w = x.shape
    sh, sw = _side(h, CUTOUT_RATIO), _side(w, CUTOUT_RATIO)
    # the square's centre: any row 0 … h − 1 (one more, h, when the side is even, as the authors draw it)
    cy = _per_image_int(x, 0, h + 1 - sh % 2, generator)
    cx = _per_image_int(x, 0, w + 1 - sw % 2, generator)
    top, left = cy - sh // 2, cx - sw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (rows >= top) & (rows < top + sh) & (cols >= left) & (cols < left + sw)  # (N, H, W)
    return x * (~inside).unsqueeze(1).to(x.dtype)


POLICIES = {"color": _color, "translation": _translation, "cutout": _cutout}


def parse_policy(policy: str | None) -> tuple[str, ...]:
    """``"color,translation"`` → ``("color", "translation")``; None or "" → (); unknown names → ValueError."""
    if policy is None:
        return ()
    if not isinstance(policy, str):
        raise TypeError(f"policy must be a comma-separated string or None, got {type(policy).__name__}")
    if not policy.strip():
        return ()
    names = tuple(name.strip() for name in policy.split(","))
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ValueError(f"unknown DiffAugment policy {', '.join(repr(u) for u in unknown)} in {policy!r}: "
                         f"allowed are {', '.join(repr(k) for k in POLICIES)} (comma-separated)")
    return names


def diff_augment(x: torch.Tensor, policy: str | None, generator: torch.Generator | None = None) -> torch.Tensor:
    """``x`` (N, C, H, W floats, in [−1, 1]) with the policy's transformations applied in order, one draw per image.

    ``policy`` is a comma-separated list of names from :data:`POLICIES`, e.g.
    ``"color,translation,cutout"``; None or "" returns ``x`` itself. Differentiable in ``x``.
    """
    names = parse_policy(policy)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 4:
        raise ValueError(f"x must be a batch of images shaped (N, C, H, W), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"x must hold floats (images in [−1, 1]), got {x.dtype}")
    for name in names:
        x = POLICIES[name](x, generator)
    return x
