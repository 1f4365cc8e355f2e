"""Scoring generated images: Inception FID/IS when possible, a small offline classifier always.

Two families of numbers, and which ones you may put next to a paper's:

* **Inception FID and IS** (:func:`inception_metrics`) use the standard TF-Inception
  network through ``torchmetrics`` (weights from ``torch-fidelity``, the port used by
  most GAN papers' PyTorch code). They are comparable with published numbers *only*
  under the standard protocol: the original CIFAR-10 (not our JPEG copy), 50,000
  generated samples, FID against the statistics of the 50,000 training images, IS
  with 10 splits. Fewer samples bias FID upwards (it is a biased estimator), so a
  2,000-sample FID is only comparable with another 2,000-sample FID on the same data.
  The weights (~100 MB) are downloaded once on a machine with internet access; where
  they are missing and cannot be fetched, a clear :class:`InceptionUnavailable` error
  says so and points at the offline metrics below.
* **Offline classifier metrics** (:func:`get_classifier`, :func:`classifier_accuracy`,
  :func:`classifier_fid`, :func:`evaluate`) use a small CNN trained here on the real data
  set and cached under ``data/classifiers/<dataset>.pt``. They measure the same things —
  "does a sample of class k look like class k?" and "how far apart are the feature
  distributions?" — and are good for comparing *our own* runs (ACGAN vs ReACGAN, early vs
  late). They are **not** comparable with any paper: the feature space is our network's,
  not Inception's, and its accuracy depends on how it was trained (we store and report
  its test accuracy so that a generated-sample accuracy can be read as a fraction of it).

Images go in as uint8 ``N×C×H×W`` in [0, 255] or float in [−1, 1] (a tanh generator's
output); anything else is a clear ``ValueError``.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import DATASETS, _canonical, data_root, load_images, to_float, to_uint8

__all__ = [
    "InceptionUnavailable",
    "Classifier",
    "classifier_path",
    "train_classifier",
    "get_classifier",
    "classifier_accuracy",
    "classifier_features",
    "frechet_distance",
    "gaussian_stats",
    "classifier_fid",
    "inception_weights_path",
    "inception_metrics",
    "evaluate",
]


# ----------------------------------------------------------------------------- inputs


def _check_images(images: Any, name: str, shape: tuple[int, int, int] | None = None) -> torch.Tensor:
    """Validate a batch of images and return it as float in [−1, 1] (on its device)."""
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor or numpy array of images, got {type(images).__name__}")
    if images.dim() != 4:
        raise ValueError(f"{name} must be N×C×H×W (4 dimensions), got shape {tuple(images.shape)}")
    if images.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    if shape is not None and tuple(images.shape[1:]) != tuple(shape):
        hint = ""
        if tuple(images.shape[1:]) == (shape[1], shape[2], shape[0]):
            hint = " (it looks channels-last: use images.permute(0, 3, 1, 2))"
        raise ValueError(f"{name} must have C×H×W = {tuple(shape)}, got {tuple(images.shape[1:])}{hint}")
    if images.dtype == torch.uint8:
        return to_float(images)
    if not images.is_floating_point():
        raise ValueError(f"{name} must be uint8 in [0, 255] or float in [−1, 1], got dtype {images.dtype}")
    lo, hi = float(images.min()), float(images.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or inf")
    if lo < -1.0 - 1e-3 or hi > 1.0 + 1e-3:
        raise ValueError(
            f"float {name} must lie in [−1, 1] (a tanh output), got values in [{lo:.3g}, {hi:.3g}];"
            " pass uint8 images for [0, 255]"
        )
    return images.float().clamp(-1.0, 1.0)


def _check_labels(labels: Any, n: int, num_classes: int) -> torch.Tensor:
    if isinstance(labels, np.ndarray):
        labels = torch.from_numpy(labels)
    if not isinstance(labels, torch.Tensor) or labels.dim() != 1 or labels.dtype.is_floating_point:
        raise ValueError("labels must be a 1-D integer tensor (one class index per image)")
    if len(labels) != n:
        raise ValueError(f"got {n} images but {len(labels)} labels")
    if len(labels) and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes - 1}], got [{int(labels.min())}, {int(labels.max())}]")
    return labels.long()


# ----------------------------------------------------------------------------- classifier


class Classifier(nn.Module):
    """A small VGG-style CNN: three conv blocks (BN, ReLU, max-pool), global max-pool, linear.

    ``features(x)`` is the penultimate layer (``widths[-1]`` numbers per image): the space
    where :func:`classifier_fid` measures Fréchet distances. Input: float in [−1, 1].
    """

    def __init__(self, channels: int = 3, num_classes: int = 10, widths: tuple[int, ...] = (32, 64, 128), convs: tuple[int, ...] = (1, 2, 2)):
        super().__init__()
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels!r}")
        if len(widths) != len(convs) or not widths:
            raise ValueError("widths and convs must be non-empty and of the same length")
        self.config = dict(channels=channels, num_classes=num_classes, widths=tuple(widths), convs=tuple(convs))
        blocks, c_in = [], channels
        for width, n in zip(widths, convs):
            for _ in range(n):
                blocks += [nn.Conv2d(c_in, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
                c_in = width
            blocks.append(nn.MaxPool2d(2))
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in, num_classes)
        self.to(memory_format=torch.channels_last)
        # filled in by train_classifier / get_classifier
        self.dataset: str | None = None
        self.test_accuracy: float | None = None

    @property
    def feature_dim(self) -> int:
        return self.head.in_features

    def features(self, x: torch.Tensor) -> torch.Tensor:
        # channels-last memory is about twice as fast for convolutions on a CPU (oneDNN)
        return torch.amax(self.body(x.contiguous(memory_format=torch.channels_last)), dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


# Fashion-MNIST is easy (one conv per block reaches > 90 %); CIFAR-10 gets a second conv in blocks 2–3.
_ARCH = {"fashion-mnist": dict(widths=(32, 64, 128), convs=(1, 1, 1)), "cifar10": dict(widths=(32, 64, 128), convs=(1, 2, 2))}


def classifier_path(dataset: str, root: str | Path | None = None) -> Path:
    """Where the cached classifier for ``dataset`` lives: ``<data root>/classifiers/<dataset>.pt``."""
    root = Path(root) if root is not None else data_root()
    return root / "classifiers" / f"{_canonical(dataset)}.pt"


def _augment(x: torch.Tensor, pad: int, flip: bool, gen: torch.Generator) -> torch.Tensor:
    """Random crops (reflect padding) and horizontal flips, one draw per image."""
    n, _, h, w = x.shape
    if flip:
        mask = torch.rand(n, generator=gen) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(3), x)
    if pad:
        padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
        dx, dy = torch.randint(0, 2 * pad + 1, (2, n), generator=gen)
        # gather each image's crop with one indexing op (no Python loop over images)
        rows = (dy[:, None] + torch.arange(h)[None]).view(n, 1, h, 1)
        cols = (dx[:, None] + torch.arange(w)[None]).view(n, 1, 1, w)
        x = padded[torch.arange(n).view(n, 1, 1, 1), torch.arange(x.shape[1]).view(1, -1, 1, 1), rows, cols]
    return x


@torch.no_grad()
def _predict(classifier: nn.Module, images: torch.Tensor, batch_size: int, what: str = "logits") -> torch.Tensor:
    device = next(classifier.parameters()).device
    was_training = classifier.training
    classifier.eval()
    out = []
    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size].to(device)
        out.append((classifier(x) if what == "logits" else classifier.features(x)).float().cpu())
    classifier.train(was_training)
    return torch.cat(out)


def train_classifier(
    dataset: str,
    *,
    epochs: int | None = None,
    batch_size: int = 256,
    lr: float = 0.1,
    limit: int | None = None,
    test_limit: int | None = None,
    device: torch.device | str | None = None,
    seed: int = 0,
    progress: bool = True,
) -> Classifier:
    """Train the offline classifier on the real training split; store its test accuracy.

    SGD with Nesterov momentum, a one-cycle learning rate, label smoothing and light
    augmentation (random crops; flips too for CIFAR-10): a few epochs on a CPU reach
    ~91 % on Fashion-MNIST and ~80 % on CIFAR-10. ``limit``/``test_limit`` shrink the
    data for smoke runs.
    """
    from tqdm.auto import tqdm

    from .device import get_device

    name = _canonical(dataset)
    if epochs is None:
        epochs = 3 if name == "fashion-mnist" else 6
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    device = get_device(device) if not isinstance(device, torch.device) else device
    train = load_images(name, "train", limit=limit)
    test = load_images(name, "test", limit=test_limit)
    channels = DATASETS[name]["shape"][0]
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = Classifier(channels, len(train.classes), **_ARCH[name]).to(device)
    model.dataset = name
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    n = len(train.labels)
    steps_per_epoch = max(1, n // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.25)
    pad, flip = (4, True) if name == "cifar10" else (2, False)
    bar = tqdm(total=epochs * steps_per_epoch, desc=f"classifier {name}", disable=not progress)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        for step in range(steps_per_epoch):
            idx = order[step * batch_size : (step + 1) * batch_size]
            x = _augment(to_float(train.images[idx]), pad, flip, gen).to(device)
            y = train.labels[idx].to(device)
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    bar.close()
    model.eval()
    model.test_accuracy = classifier_accuracy(test.images, test.labels, model)
    return model


def _save(model: Classifier, path: Path, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    torch.save(dict(state_dict=state, config=model.config, dataset=model.dataset, test_accuracy=model.test_accuracy, meta=meta), tmp)
    os.replace(tmp, path)  # atomic: a reader never sees half a file


def _load(path: Path, device: torch.device) -> Classifier:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    cfg = blob["config"]
    model = Classifier(cfg["channels"], cfg["num_classes"], tuple(cfg["widths"]), tuple(cfg["convs"]))
    model.load_state_dict(blob["state_dict"])
    model.dataset, model.test_accuracy = blob["dataset"], float(blob["test_accuracy"])
    return model.to(device).eval()


def get_classifier(
    dataset: str,
    *,
    device: torch.device | str | None = None,
    train_if_missing: bool = True,
    root: str | Path | None = None,
    retrain: bool = False,
    **train_kwargs: Any,
) -> Classifier:
    """The cached offline classifier for ``dataset`` (trained and cached first if missing).

    The cache is ``<root>/classifiers/<dataset>.pt`` (``root`` defaults to the data folder,
    ``$GANTUTOR_DATA`` or ``data/``). ``train_kwargs`` go to :func:`train_classifier`. The
    returned network is in eval mode and carries ``.test_accuracy`` on the real test split.
    """
    from .device import get_device

    name = _canonical(dataset)
    device = get_device(device) if not isinstance(device, torch.device) else device
    path = classifier_path(name, root)
    if path.exists() and not retrain:
        try:
            return _load(path, device)
        except Exception as err:  # a stale or corrupt cache is retrained below
            if not train_if_missing:
                raise RuntimeError(f"cached classifier {path} could not be loaded ({err}); delete it to retrain") from err
    if not train_if_missing:
        raise FileNotFoundError(
            f"no cached classifier at {path}; call get_classifier({name!r}) with train_if_missing=True"
            " or run `python benchmarks/train_classifiers.py`"
        )
    start, cpu0 = time.perf_counter(), time.process_time()
    model = train_classifier(name, device=device, **train_kwargs)
    meta = dict(wall_s=time.perf_counter() - start, cpu_s=time.process_time() - cpu0, train_kwargs={k: v for k, v in train_kwargs.items() if isinstance(v, (int, float, bool, str))}, torch=str(torch.__version__))
    _save(model, path, meta)
    return model.eval()


def classifier_accuracy(images: Any, labels: Any, classifier: nn.Module, *, batch_size: int = 500) -> float:
    """Fraction of ``images`` that ``classifier`` assigns to ``labels`` (for a conditional
    generator: the classes the samples were conditioned on)."""
    x = _check_images(images, "images")
    y = _check_labels(labels, len(x), _num_classes(classifier))
    pred = _predict(classifier, x, batch_size).argmax(1)
    return float((pred == y).float().mean())


def _num_classes(classifier: nn.Module) -> int:
    head = getattr(classifier, "head", None)
    if isinstance(head, nn.Linear):
        return head.out_features
    cfg = getattr(classifier, "config", None)
    return int(cfg["num_classes"]) if cfg else 10


def classifier_features(images: Any, classifier: Classifier, *, batch_size: int = 500) -> torch.Tensor:
    """Penultimate-layer features (N×feature_dim) of ``images`` under ``classifier``."""
    return _predict(classifier, _check_images(images, "images"), batch_size, what="features")


# ----------------------------------------------------------------------------- Fréchet distance


def gaussian_stats(features: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased) covariance of N×d features, in float64."""
    f = features.detach().cpu().double().numpy() if isinstance(features, torch.Tensor) else np.asarray(features, np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"features must be N×d with N ≥ 2, got shape {f.shape}")
    return f.mean(0), np.atleast_2d(np.cov(f, rowvar=False))


def frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any, *, eps: float = 1e-6) -> float:
    """Fréchet (2-Wasserstein) distance² between N(mu1, sigma1) and N(mu2, sigma2):

    ‖mu1 − mu2‖² + tr(sigma1) + tr(sigma2) − 2 tr((sigma1 sigma2)^½).

    The matrix square root is ``scipy.linalg.sqrtm``; if it is not finite (singular
    covariances, e.g. fewer samples than dimensions) ``eps·I`` is added to both
    covariances, and a tiny imaginary part from round-off is dropped (a large one is an error).
    """
    from scipy import linalg

    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(f"need mu1, mu2 of shape (d,) and sigma1, sigma2 of shape (d, d); got {mu1.shape}, {s1.shape}, {mu2.shape}, {s2.shape}")
    covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        offset = np.eye(d) * eps
        covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3 * max(1.0, np.abs(covmean).max())):
            raise ValueError(f"sqrtm(sigma1·sigma2) has a large imaginary part {np.abs(covmean.imag).max():.3g}: are both covariances PSD?")
        covmean = covmean.real
    diff = mu1 - mu2
    value = diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))  # round-off can push an exact 0 slightly negative


def classifier_fid(fake: Any, real: Any, classifier: Classifier, *, batch_size: int = 500) -> float:
    """Fréchet distance between ``fake`` and ``real`` in the classifier's feature space.

    Like FID, it is biased by the sample size: compare numbers computed with the same N.
    """
    f_fake = classifier_features(fake, classifier, batch_size=batch_size)
    f_real = classifier_features(real, classifier, batch_size=batch_size)
    return frechet_distance(*gaussian_stats(f_real), *gaussian_stats(f_fake))


# ----------------------------------------------------------------------------- Inception FID / IS

INCEPTION_URL = "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth"


class InceptionUnavailable(RuntimeError):
    """The Inception network (torch-fidelity + its weights) cannot be used on this machine."""


def _offline_hint() -> str:
    return (
        " Offline alternative: gantutor.metrics.evaluate(..., inception=False) or"
        " classifier_accuracy / classifier_fid with get_classifier(dataset) (not comparable with papers)."
    )


def inception_weights_path() -> Path:
    """Where the Inception weights are cached: torch hub's ``checkpoints`` folder, as torch-fidelity does
    (override with ``$GANTUTOR_INCEPTION_WEIGHTS``)."""
    env = os.environ.get("GANTUTOR_INCEPTION_WEIGHTS")
    if env:
        return Path(env).expanduser()
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_URL.rsplit("/", 1)[1]


def _reachable(host: str = "github.com", port: int = 443, timeout: float = 3.0) -> bool:
    """Can we open a TCP connection to ``host`` within ``timeout`` s (DNS included)?"""
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)  # DNS lookups ignore socket timeouts
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def _inception_weights(download: bool) -> Path:
    try:
        import torch_fidelity  # noqa: F401
    except ImportError as err:
        raise InceptionUnavailable("Inception FID/IS need the package torch-fidelity (`pip install torch-fidelity`)." + _offline_hint()) from err
    path = inception_weights_path()
    if path.exists():
        return path
    if not download:
        raise InceptionUnavailable(f"Inception weights not found at {path} and download=False." + _offline_hint())
    if not _reachable():
        raise InceptionUnavailable(
            f"Inception weights not found at {path} and {INCEPTION_URL} is not reachable (no internet?)."
            " On a machine with internet they are downloaded once (~100 MB); or copy the file there"
            " (or set GANTUTOR_INCEPTION_WEIGHTS)." + _offline_hint()
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(INCEPTION_URL, str(path), progress=True)
    except Exception as err:
        raise InceptionUnavailable(f"downloading the Inception weights failed ({type(err).__name__}: {err})." + _offline_hint()) from err
    return path


def inception_metrics(
    fake: Any,
    real: Any | None = None,
    *,
    download: bool = True,
    device: torch.device | str | None = None,
    batch_size: int = 100,
    splits: int = 10,
    compute_is: bool = True,
) -> dict[str, float | None]:
    """Inception FID (``fake`` vs ``real``) and Inception Score of ``fake``, via torchmetrics.

    Images: uint8 or [−1, 1] float, N×3×H×W (grayscale is repeated to 3 channels); the
    network resizes to 299×299 with TF1-style bilinear interpolation (``antialias=False``),
    matching the original TF implementation as torch-fidelity does. Returns
    ``{"fid", "is_mean", "is_std"}`` (``fid`` is None when ``real`` is None).
    Raises :class:`InceptionUnavailable` quickly (no long network wait) when the weights are
    missing and cannot be downloaded.
    """
    from .device import get_device

    fake_u8 = _to_rgb_uint8(_check_images(fake, "fake"))
    real_u8 = _to_rgb_uint8(_check_images(real, "real")) if real is not None else None
    weights = str(_inception_weights(download))
    from torchmetrics.image.fid import FrechetInceptionDistance, NoTrainInceptionV3
    from torchmetrics.image.inception import InceptionScore

    device = get_device(device) if not isinstance(device, torch.device) else device
    out: dict[str, float | None] = dict(fid=None, is_mean=None, is_std=None)
    if real_u8 is not None:
        fid = FrechetInceptionDistance(feature=2048, feature_extractor_weights_path=weights, antialias=False).to(device)
        for start in range(0, len(real_u8), batch_size):
            fid.update(real_u8[start : start + batch_size].to(device), real=True)
        for start in range(0, len(fake_u8), batch_size):
            fid.update(fake_u8[start : start + batch_size].to(device), real=False)
        out["fid"] = float(fid.compute())
    if compute_is:
        net = NoTrainInceptionV3(name="inception-v3-compat", features_list=["logits_unbiased"], feature_extractor_weights_path=weights, antialias=False)
        score = InceptionScore(feature=net, splits=splits).to(device)
        for start in range(0, len(fake_u8), batch_size):
            score.update(fake_u8[start : start + batch_size].to(device))
        mean, std = score.compute()
        out["is_mean"], out["is_std"] = float(mean), float(std)
    return out


def _to_rgb_uint8(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] not in (1, 3):
        raise ValueError(f"Inception needs 1 or 3 channels, got {x.shape[1]}")
    u8 = to_uint8(x)
    return u8.expand(-1, 3, -1, -1).contiguous() if u8.shape[1] == 1 else u8


# ----------------------------------------------------------------------------- one call


def evaluate(
    fake: Any,
    labels: Any | None,
    dataset: str,
    *,
    classifier: Classifier | None = None,
    real: Any | None = None,
    inception: bool | str = "auto",
    inception_real: Any | None = None,
    device: torch.device | str | None = None,
    batch_size: int = 500,
) -> dict[str, Any]:
    """Score generated images of ``dataset`` in one call; returns a dict of plain numbers.

    * ``accuracy`` — fraction of ``fake`` classified as its conditioned class ``labels``
      (None if ``labels`` is None, e.g. an unconditional GAN);
    * ``real_accuracy`` — the classifier's accuracy on the real test split;
    * ``accuracy_ratio`` — accuracy / real_accuracy (1.0 = as recognisable as real images);
    * ``frechet_distance`` — Fréchet distance to ``real`` (default: as many real *test*
      images as there are fakes) in the classifier's feature space;
    * ``frechet_distance_real`` — the same distance for real *training* images, i.e. the
      floor this sample size allows;
    * ``inception_fid``, ``inception_is``, ``inception_is_std`` — Inception metrics against
      ``inception_real`` (default: the training split, the standard protocol) or None,
      with ``inception_note`` saying why. ``inception``: True (try, downloading if
      needed), "auto" (only if the weights are already cached), False (skip).
    """
    name = _canonical(dataset)
    shape = DATASETS[name]["shape"]
    fake_f = _check_images(fake, "fake", shape)
    n = len(fake_f)
    if classifier is None:
        classifier = get_classifier(name, device=device)
    ra = getattr(classifier, "test_accuracy", None)
    result: dict[str, Any] = dict(dataset=name, n=n, real_accuracy=ra)
    if labels is not None:
        result["accuracy"] = classifier_accuracy(fake_f, labels, classifier, batch_size=batch_size)
        result["accuracy_ratio"] = result["accuracy"] / ra if ra else None
    else:
        result["accuracy"] = result["accuracy_ratio"] = None
    if real is None:
        real = load_images(name, "test", limit=n).images
    real_f = _check_images(real, "real", shape)
    result["frechet_distance"] = classifier_fid(fake_f, real_f, classifier, batch_size=batch_size)
    floor = load_images(name, "train", limit=len(real_f)).images
    result["frechet_distance_real"] = classifier_fid(floor, real_f, classifier, batch_size=batch_size)

    result.update(inception_fid=None, inception_is=None, inception_is_std=None, inception_note=None)
    if inception is False:
        result["inception_note"] = "skipped (inception=False)"
        return result
    if inception not in (True, "auto"):
        raise ValueError(f"inception must be True, False or 'auto', got {inception!r}")
    try:
        if inception_real is None:
            inception_real = load_images(name, "train", limit=n).images
        scores = inception_metrics(fake_f, inception_real, download=inception is True, device=device)
        result.update(inception_fid=scores["fid"], inception_is=scores["is_mean"], inception_is_std=scores["is_std"])
        result["inception_note"] = f"{n} samples; comparable with papers only for original CIFAR-10, 50k samples, train stats"
    except InceptionUnavailable as err:
        result["inception_note"] = str(err)
    return result
