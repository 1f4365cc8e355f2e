"""Image data sets for the lessons: Fashion-MNIST and CIFAR-10 as in-memory uint8 tensors.

Small data sets fit in memory, and on a CPU a tensor slice is far faster than a
``DataLoader`` decoding images one by one, so lessons call :func:`load_images` once and
draw batches with :func:`batches`. Where the files come from, in order:

1. ``path=`` — an ImageFolder copy (``train/<class>/*.jpg``, optionally ``test/...``);
2. a copy already under ``root`` (default: the repository's ``data/`` folder, or
   ``GANTUTOR_DATA``) in torchvision's layout, or an ImageFolder copy at
   ``root/cifar10-jpg`` for CIFAR-10;
3. Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``);
4. a torchvision download into ``root`` (on a machine with internet).

If none works, the error says what was tried, why each source failed (the last failure
is chained as its ``__cause__``) and how to get the data. In smoke mode
(``GANTUTOR_SMOKE=1``, the test suite) nothing is downloaded: without a local copy the
lessons get a small *synthetic* stand-in (:func:`synthetic_images`, announced with a
printed note), so the tests run on any machine, offline included.
"""

from __future__ import annotations

import gzip
import os
import shutil
import warnings
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np
import torch

__all__ = ["DATASETS", "ImageSet", "data_root", "load_images", "synthetic_images", "to_float", "to_uint8", "batches"]

DATASETS = {
    "fashion-mnist": dict(
        shape=(1, 28, 28),
        classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    ),
    "cifar10": dict(
        shape=(3, 32, 32),
        classes=("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    ),
}
_ALIASES = {"fmnist": "fashion-mnist", "fashionmnist": "fashion-mnist", "fashion_mnist": "fashion-mnist", "cifar-10": "cifar10"}
_DEBIAN_FMNIST = Path("/usr/share/datasets/fashion-mnist")


class ImageSet(NamedTuple):
    """Images as uint8 ``N×C×H×W``, labels as int64 ``N``, and the class names."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]


def data_root() -> Path:
    """Where data sets live: ``$GANTUTOR_DATA``, else ``data/`` beside the package's repository."""
    env = os.environ.get("GANTUTOR_DATA")
    if env:
        return Path(env).expanduser()
    repo = Path(__file__).resolve().parent.parent
    return repo / "data" if (repo / "pyproject.toml").exists() else Path.cwd() / "data"


def _canonical(name: str) -> str:
    key = _ALIASES.get(str(name).lower(), str(name).lower())
    if key not in DATASETS:
        raise ValueError(f"unknown data set {name!r}: allowed are {', '.join(DATASETS)} (or 'fmnist')")
    return key


def _from_image_folder(folder: Path, classes: tuple[str, ...], cache: Path | None) -> ImageSet:
    """Decode an ImageFolder tree once (cached as a .pt file next to it)."""
    if cache is not None and cache.exists():
        try:
            images, labels = torch.load(cache, weights_only=True)
            return ImageSet(images, labels, classes)
        except Exception as err:  # unreadable (other torch version, damaged disk...): decode again, say why
            warnings.warn(f"ignoring the unreadable cache {cache} ({type(err).__name__}: {err}); decoding {folder} again",
                          RuntimeWarning, stacklevel=3)
    from PIL import Image
    from torchvision.datasets import ImageFolder

    ds = ImageFolder(str(folder))
    if tuple(ds.classes) != tuple(classes):
        raise ValueError(f"{folder} has classes {ds.classes}, expected {list(classes)}")
    arrays = [np.asarray(Image.open(p).convert("RGB")) for p, _ in ds.samples]
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    labels = torch.tensor([t for _, t in ds.samples], dtype=torch.int64)
    if cache is not None:
        partial = cache.with_name(f".{cache.name}.{os.getpid()}.partial")
        try:
            torch.save((images, labels), partial)
            os.replace(partial, cache)  # atomic: a concurrent reader never sees half a file
        except OSError as err:  # a read-only copy works, only slower next time: say so, do not fail
            partial.unlink(missing_ok=True)
            warnings.warn(f"could not write the cache {cache} ({type(err).__name__}: {err}); the next load decodes"
                          " the images again", RuntimeWarning, stacklevel=3)
    return ImageSet(images, labels, classes)


def _link_debian_fmnist(root: Path) -> bool:
    """Put Debian's Fashion-MNIST idx files where torchvision's FashionMNIST looks for them."""
    if not _DEBIAN_FMNIST.exists():
        return False
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        target = raw / stem
        if target.exists():
            continue
        source = _DEBIAN_FMNIST / f"{stem}.gz"
        if not source.exists():
            return False
        # write then rename: another process (a second test worker) may be reading the folder right now
        partial = raw / f".{stem}.{os.getpid()}.partial"
        with gzip.open(source, "rb") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(partial, target)
    return True


def _reason(err: BaseException) -> str:
    """One line naming an exception: its type and the first line of its message."""
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__


def _torchvision(name: str, root: Path, train: bool, download: bool) -> ImageSet:
    from torchvision import datasets

    classes = DATASETS[name]["classes"]
    if name == "fashion-mnist":
        ds = datasets.FashionMNIST(str(root), train=train, download=download)
        images = ds.data.unsqueeze(1).contiguous()
        labels = ds.targets.to(torch.int64)
    else:
        ds = datasets.CIFAR10(str(root), train=train, download=download)
        images = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()
        labels = torch.tensor(ds.targets, dtype=torch.int64)
    return ImageSet(images, labels, classes)


def load_images(
    name: str,
    split: str = "train",
    *,
    root: str | Path | None = None,
    path: str | Path | None = None,
    download: bool = True,
    limit: int | None = None,
    synthetic: bool | None = None,
) -> ImageSet:
    """Load a whole split of ``"fashion-mnist"`` or ``"cifar10"`` as uint8 tensors.

    ``limit`` keeps the first ``limit`` images of a class-balanced shuffle (fixed seed),
    which is how smoke runs and quick demos stay small but still see every class.
    ``synthetic`` (default: on in smoke mode only) returns :func:`synthetic_images` instead
    of downloading when no local copy exists.
    """
    name = _canonical(name)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    classes = DATASETS[name]["classes"]
    root = Path(root) if root is not None else data_root()
    tried: list[str] = []
    data: ImageSet | None = None

    folders = [Path(path)] if path is not None else []
    if name == "cifar10" and path is None:
        folders.append(root / "cifar10-jpg")
    for folder in folders:
        split_dir = folder / split
        if split_dir.is_dir():
            data = _from_image_folder(split_dir, classes, folder / f"{split}-uint8.pt")
            break
        tried.append(f"ImageFolder copy at {split_dir}")
        if path is not None:
            raise FileNotFoundError(f"--data/path {folder} has no '{split}/<class>/*.jpg' folder")

    errors: list[BaseException] = []  # why each source failed; the last one is chained to the final error
    if data is None:
        try:
            data = _torchvision(name, root, split == "train", download=False)
        except (RuntimeError, OSError) as err:  # torchvision says "not found or corrupted" with a RuntimeError
            tried.append(f"torchvision copy under {root} ({_reason(err)})")
            errors.append(err)
    if data is None and name == "fashion-mnist" and _link_debian_fmnist(root):
        data = _torchvision(name, root, split == "train", download=False)
    elif data is None and name == "fashion-mnist":
        tried.append(f"Debian package dataset-fashion-mnist at {_DEBIAN_FMNIST}")
    if synthetic is None:
        from .device import is_smoke

        synthetic = is_smoke()
    if data is None and synthetic:
        print(f"note: no local copy of {name} found; smoke mode uses synthetic stand-in images (not {name}).")
        return synthetic_images(name, split, n=limit or 500)
    if data is None and download:
        try:
            root.mkdir(parents=True, exist_ok=True)
            data = _torchvision(name, root, split == "train", download=True)
        except Exception as err:  # no internet, proxy, disk...
            tried.append(f"torchvision download into {root} ({_reason(err)})")
            errors.append(err)
    elif data is None:
        tried.append("no download (download=False)")
    if data is None:
        raise FileNotFoundError(
            f"could not find or download {name} ({split}). Tried:\n  - " + "\n  - ".join(tried)
            + f"\nOn a machine with internet access, torchvision downloads it into {root} on first use;"
            " offline, put a copy there (or pass path= an ImageFolder copy)."
        ) from (errors[-1] if errors else None)
    if limit is not None and limit < len(data.labels):
        order = torch.randperm(len(data.labels), generator=torch.Generator().manual_seed(0))
        # interleave classes so that any prefix is (close to) class balanced
        by_class = [order[data.labels[order] == k] for k in range(len(classes))]
        interleaved = torch.stack([c[: min(len(c) for c in by_class)] for c in by_class], 1).flatten()
        keep = interleaved[:limit]
        data = ImageSet(data.images[keep], data.labels[keep], classes)
    return data


def synthetic_images(name: str, split: str = "train", n: int = 500) -> ImageSet:
    """A small class-balanced stand-in with the data set's shape: one smooth random pattern per class plus noise.

    Only for smoke runs and tests on machines without the data: a classifier can learn it and a
    GAN can train on it, but nothing measured on it says anything about the real data set.
    """
    name = _canonical(name)
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    shape, classes = DATASETS[name]["shape"], DATASETS[name]["classes"]
    gen = torch.Generator().manual_seed(0 if split == "train" else 1)
    coarse = torch.rand(len(classes), shape[0], 4, 4, generator=torch.Generator().manual_seed(42))
    prototypes = torch.nn.functional.interpolate(coarse, size=shape[1:], mode="bilinear", align_corners=False)
    labels = torch.arange(n) % len(classes)
    images = prototypes[labels] + 0.15 * torch.randn(n, *shape, generator=gen)
    return ImageSet(images.clamp(0, 1).mul(255).round().to(torch.uint8), labels, classes)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 in [0, 255] → float in [−1, 1], the range of a tanh generator."""
    return images.float().div(127.5).sub(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float in [−1, 1] → uint8 in [0, 255] (clamped), for saving and metrics."""
    return images.detach().add(1.0).mul(127.5).round().clamp(0, 255).to(torch.uint8)


def batches(
    data: ImageSet,
    batch_size: int,
    *,
    device: torch.device | str = "cpu",
    seed: int | None = None,
    generator: torch.Generator | None = None,
    drop_last: bool = True,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """An endless stream of shuffled ``(images in [−1, 1], labels)`` batches on ``device``.

    The shuffles come from ``generator`` (a CPU ``torch.Generator``, advanced as the stream
    is read) or, if none is given, from a fresh one seeded with ``seed`` (default 0); the
    global torch RNG is never touched, so reading batches does not change what a lesson's
    other random draws give.
    """
    n = len(data.labels)
    if not isinstance(batch_size, int) or not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be an int in [1, {n}], got {batch_size!r}")
    if generator is not None and seed is not None:
        raise ValueError("give either seed or generator to batches(), not both")
    if generator is None:
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        generator = torch.Generator().manual_seed(0 if seed is None else seed)
    elif not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
        raise ValueError(f"generator must be a CPU torch.Generator, got {generator!r}")
    gen = generator
    while True:
        order = torch.randperm(n, generator=gen)
        stop = n - n % batch_size if drop_last else n
        for start in range(0, stop, batch_size):
            idx = order[start : start + batch_size]
            yield to_float(data.images[idx]).to(device), data.labels[idx].to(device)
