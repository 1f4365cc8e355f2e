"""Inception FID / IS through torchmetrics with torch-fidelity's port of the TF Inception network.

Where the weights are missing and cannot be downloaded, :class:`InceptionUnavailable` says
so at once (a short reachability probe, no long network timeout) and names the offline
alternative.
"""

from __future__ import annotations

import os
import socket
import threading
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from ..data import to_uint8
from ._images import _check_images


INCEPTION_URL = (
    "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth"
)


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
    import importlib.util

    if importlib.util.find_spec("torch_fidelity") is None:  # looked up, not imported: importing is slow
        msg = "Inception FID/IS need the package torch-fidelity (`pip install torch-fidelity`)."
        raise InceptionUnavailable(msg + _offline_hint())
    path = inception_weights_path()
    if path.exists():
        return path
    if not download:
        raise InceptionUnavailable(
            f"Inception weights not found at {path} (no download attempted). On a machine with internet,"
            " inception_metrics(..., download=True) or evaluate(..., inception=True) fetches them once (~100 MB)."
            + _offline_hint()
        )
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
        msg = f"downloading the Inception weights failed ({type(err).__name__}: {err})."
        raise InceptionUnavailable(msg + _offline_hint()) from err
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
    network (torch-fidelity's port of the TF Inception graph) resizes to 299×299 with
    TF1-style bilinear interpolation, matching the original implementation; torchmetrics
    accumulates the statistics and computes FID and IS. Returns
    ``{"fid", "is_mean", "is_std"}`` (``fid`` is None when ``real`` is None).
    Raises :class:`InceptionUnavailable` quickly (no long network wait) when the weights are
    missing and cannot be downloaded.
    """
    from ..device import get_device

    fake_u8 = _to_rgb_uint8(_check_images(fake, "fake"))
    real_u8 = _to_rgb_uint8(_check_images(real, "real")) if real is not None else None
    weights = str(_inception_weights(download))
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.inception import InceptionScore

    device = get_device(device) if not isinstance(device, torch.device) else device
    # one network (weights loaded once) with two outputs: pool features for FID, logits for IS
    # (torch-fidelity's port of the TF graph: TF1 bilinear resize to 299, the reference protocol)
    net = FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=weights
    )
    out: dict[str, float | None] = dict(fid=None, is_mean=None, is_std=None)
    if real_u8 is not None:
        fid = FrechetInceptionDistance(feature=_Output(net, 0, 2048)).to(device)
        for start in range(0, len(real_u8), batch_size):
            fid.update(real_u8[start : start + batch_size].to(device), real=True)
        for start in range(0, len(fake_u8), batch_size):
            fid.update(fake_u8[start : start + batch_size].to(device), real=False)
        out["fid"] = float(fid.compute())
    if compute_is:
        with warnings.catch_warnings():  # "will save all extracted features": yes, that is IS
            warnings.filterwarnings("ignore", message=".*save all extracted features")
            score = InceptionScore(feature=_Output(net, 1, 1008), splits=splits).to(device)
        for start in range(0, len(fake_u8), batch_size):
            score.update(fake_u8[start : start + batch_size].to(device))
        mean, std = score.compute()
        out["is_mean"], out["is_std"] = float(mean), float(std)
    return out


class _Output(nn.Module):
    """One of the outputs of a shared multi-output Inception network, as torchmetrics expects."""

    def __init__(self, net: nn.Module, index: int, num_features: int):
        super().__init__()
        self.net, self.index, self.num_features = net, index, num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[self.index]

    def train(self, mode: bool = True) -> "_Output":
        return super().train(False)  # a fixed feature extractor never leaves eval mode


def _to_rgb_uint8(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] not in (1, 3):
        raise ValueError(f"Inception needs 1 or 3 channels, got {x.shape[1]}")
    u8 = to_uint8(x)
    return u8.expand(-1, 3, -1, -1).contiguous() if u8.shape[1] == 1 else u8
