"""The offline classifier: a small CNN trained on the real data set, cached under ``data/classifiers/``.

It scores what Inception would — "does a sample of class k look like class k?" and, through
its penultimate features, how far apart two image distributions are — for comparing *our
own* runs offline. Not comparable with any paper (see :mod:`gantutor.metrics`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data import DATASETS, _canonical, data_root, load_images, to_float
from ..device import keeps_global_rng
from ._images import _check_images, _check_labels


class ClassifierCacheError(RuntimeError):
    """A cached classifier file exists but cannot be loaded (the message says why and how to retrain)."""


class Classifier(nn.Module):
    """A small VGG-style CNN: three conv blocks (BN, ReLU, max-pool), global max-pool, linear.

    ``features(x)`` is the penultimate layer (``widths[-1]`` numbers per image): the space
    where :func:`classifier_fid` measures Fréchet distances. Input: float in [−1, 1].
    """

    def __init__(
        self,
        channels: int = 3,
        num_classes: int = 10,
        widths: tuple[int, ...] = (32, 64, 128),
        convs: tuple[int, ...] = (1, 2, 2),  # convs per block: one on the raw pixels, two later
    ):
        super().__init__()
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels!r}")
        if len(widths) != len(convs) or not widths:
            raise ValueError("widths and convs must be non-empty and of the same length")
        self.config = dict(channels=channels, num_classes=num_classes, widths=tuple(widths), convs=tuple(convs))
        blocks, c_in = [], channels
        for width, n in zip(widths, convs):
            for _ in range(n):
                conv = nn.Conv2d(c_in, width, 3, padding=1, bias=False)  # BN supplies the bias
                blocks += [conv, nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
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


@keeps_global_rng
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
    amp: bool | None = None,
    progress: bool = True,
) -> Classifier:
    """Train the offline classifier on the real training split; store its test accuracy.

    SGD with Nesterov momentum, a one-cycle learning rate, label smoothing and light
    augmentation (random crops; flips too for CIFAR-10). Measured with the defaults on one
    CPU thread (bf16): Fashion-MNIST 91.5 % test accuracy after 3 epochs (176 CPU-s),
    CIFAR-10 (JPEG copy) 79.2 % after 4 epochs (249 CPU-s). ``limit``/``test_limit`` shrink the
    data for smoke runs. ``amp`` (default: where the hardware supports it) trains in
    bfloat16 autocast, ~2.5× faster on CPUs with AVX-512 BF16; evaluation stays float32.
    """
    from tqdm.auto import tqdm

    from ..device import get_device

    name = _canonical(dataset)
    if epochs is None:
        epochs = 3 if name == "fashion-mnist" else 4
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    device = get_device(device) if not isinstance(device, torch.device) else device
    train = load_images(name, "train", limit=limit)
    test = load_images(name, "test", limit=test_limit)
    channels = DATASETS[name]["shape"][0]
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = Classifier(channels, len(train.classes)).to(device)
    model.dataset = name
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    n = len(train.labels)
    steps_per_epoch = max(1, n // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.25)
    pad, flip = (4, True) if name == "cifar10" else (2, False)
    if amp is None:
        amp = _bf16_supported(device)
    bar = tqdm(total=epochs * steps_per_epoch, desc=f"classifier {name}", disable=not progress)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        for step in range(steps_per_epoch):
            idx = order[step * batch_size : (step + 1) * batch_size]
            x = _augment(to_float(train.images[idx]), pad, flip, gen).to(device)
            y = train.labels[idx].to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bool(amp)):
                loss = F.cross_entropy(model(x).float(), y, label_smoothing=0.1)
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


def _bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        try:  # oneDNN's own check (AVX-512 BF16 / AMX)
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        except (AttributeError, RuntimeError):
            return False
    return False


def _save(model: Classifier, path: Path, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    blob = dict(state_dict=state, config=model.config, dataset=model.dataset, test_accuracy=model.test_accuracy, meta=meta)
    torch.save(blob, tmp)
    os.replace(tmp, path)  # atomic: a reader never sees half a file


def _load(path: Path, device: torch.device) -> Classifier:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    cfg = blob["config"]
    model = Classifier(cfg["channels"], cfg["num_classes"], tuple(cfg["widths"]), tuple(cfg["convs"]))
    model.load_state_dict(blob["state_dict"])
    model.dataset, model.test_accuracy = blob["dataset"], float(blob["test_accuracy"])
    return model.to(device).eval()


# smoke mode (tests, CI): a tiny classifier in seconds, cached apart from the real one
SMOKE_TRAINING = dict(epochs=1, limit=1200, test_limit=300, batch_size=32, lr=0.02)


def get_classifier(
    dataset: str,
    *,
    device: torch.device | str | None = None,
    train_if_missing: bool = True,
    root: str | Path | None = None,
    retrain: bool = False,
    smoke: bool | None = None,
    progress: bool = True,
    **train_kwargs: Any,
) -> Classifier:
    """The cached offline classifier for ``dataset`` (trained and cached first if missing).

    Training happens only when no cache file exists (and ``train_if_missing``), or when
    ``retrain=True``. A cache file that exists but cannot be loaded (damaged, written by an
    incompatible version) raises :class:`ClassifierCacheError` with the cause: silently
    retraining would replace the reference network and change every score computed with it.

    The cache is ``<root>/classifiers/<dataset>.pt`` (``root`` defaults to the data folder,
    ``$GANTUTOR_DATA`` or ``data/``); ``python benchmarks/train_classifiers.py`` fills it.
    ``train_kwargs`` go to :func:`train_classifier`. In smoke mode (``smoke``, default
    :func:`~gantutor.device.is_smoke`) a missing classifier is replaced by a tiny one trained
    in seconds and cached under ``classifiers/smoke/``, so it never poses as the real one.
    The returned network is in eval mode and carries ``.test_accuracy`` on the real test split.
    """
    from ..device import get_device, is_smoke

    name = _canonical(dataset)
    device = get_device(device) if not isinstance(device, torch.device) else device
    smoke = is_smoke() if smoke is None else smoke
    path = classifier_path(name, root)
    if root is None and not smoke and ({"limit", "test_limit"} & set(train_kwargs)):
        raise ValueError(
            "a classifier trained on limited data must not replace the shared cache:"
            " pass root= (e.g. a temporary folder) or smoke=True"
        )
    candidates = [path] + ([path.parent / "smoke" / path.name] if smoke else [])
    if not retrain:
        for candidate in candidates:
            if candidate.exists():
                try:
                    return _load(candidate, device)
                except Exception as err:  # never retrain silently over a file that exists
                    raise ClassifierCacheError(
                        f"the cached classifier {candidate} exists but could not be loaded ({type(err).__name__}: {err})."
                        f" Nothing was retrained. If the file is stale or damaged, retrain with"
                        f" get_classifier({name!r}, retrain=True) (or `python benchmarks/train_classifiers.py`),"
                        " or delete the file."
                    ) from err
    if not train_if_missing and not retrain:
        raise FileNotFoundError(
            f"no cached classifier at {path}; call get_classifier({name!r}) with train_if_missing=True"
            " or run `python benchmarks/train_classifiers.py`"
        )
    if smoke:
        path, train_kwargs = candidates[-1], {**SMOKE_TRAINING, **train_kwargs}
    start, cpu0 = time.perf_counter(), time.process_time()
    model = train_classifier(name, device=device, progress=progress, **train_kwargs)
    simple = {k: v for k, v in train_kwargs.items() if isinstance(v, (int, float, bool, str))}
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    meta = dict(wall_s=wall, cpu_s=cpu, train_kwargs=simple, torch=str(torch.__version__))
    _save(model, path, meta)
    return model.eval()


def classifier_accuracy(images: Any, labels: Any, classifier: nn.Module, *, batch_size: int = 500) -> float:
    """Fraction of ``images`` that ``classifier`` assigns to ``labels`` (for a conditional
    generator: the classes the samples were conditioned on)."""
    x = _check_images(images, "images")
    y = _check_labels(labels, len(x), _num_classes(classifier))
    pred = _predict(classifier, x, batch_size).argmax(1)
    return float((pred == y.cpu()).float().mean())


def _num_classes(classifier: nn.Module) -> int:
    head = getattr(classifier, "head", None)
    if isinstance(head, nn.Linear):
        return head.out_features
    cfg = getattr(classifier, "config", None)
    return int(cfg["num_classes"]) if cfg else 10


def classifier_features(images: Any, classifier: Classifier, *, batch_size: int = 500) -> torch.Tensor:
    """Penultimate-layer features (N×feature_dim) of ``images`` under ``classifier``."""
    return _predict(classifier, _check_images(images, "images"), batch_size, what="features")
