"""Input checks shared by every metric: images as uint8 [0, 255] or float [−1, 1], labels as class indices."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ..data import to_float


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
