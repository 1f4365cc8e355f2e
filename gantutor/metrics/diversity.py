"""Within-class diversity: how spread out a conditional generator's samples of each class are,
relative to real images of that class.

ACGAN is known to produce easily classifiable but uniform samples inside a class (Kang et
al., 2021, the motivation of ReACGAN): accuracy rewards that, and the Fréchet distance over
all classes mixes it with everything else. This metric looks at one class at a time: for
class k, the mean pairwise distance between the classifier features of the generated images
conditioned on k, divided by the same mean over real images of class k. 1 means as varied
as the real class, 0 means every sample of the class looks the same to the classifier.

Features are L2-normalised first (distances on the unit sphere, in [0, 2]): a generator
whose features are merely weaker or stronger overall does not score as more or less diverse.
Like every classifier metric here, it compares our runs with each other, not with papers.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._images import _check_images, _check_labels
from .classifier import _num_classes, _predict


def _mean_pairwise_distance(f: torch.Tensor) -> float:
    return float(torch.pdist(f.double()).mean())


def within_class_diversity(
    fake: Any,
    fake_labels: Any,
    real: Any,
    real_labels: Any,
    classifier: nn.Module,
    *,
    batch_size: int = 500,
    max_per_class: int = 2000,
) -> dict[str, Any]:
    """Per-class diversity of ``fake`` relative to ``real``, in the classifier's feature space.

    Returns ``ratio`` (the mean over classes of fake / real mean pairwise distance), and per
    class ``per_class`` (that ratio), ``fake`` and ``real`` (the two mean distances) as
    ``{class: value}`` dicts, plus ``skipped``: classes with fewer than two images on either
    side (they have no pairs). At most ``max_per_class`` images of each class are used (the
    first ones), which bounds the O(n²) pair count.
    """
    if not isinstance(max_per_class, int) or isinstance(max_per_class, bool) or max_per_class < 2:
        raise ValueError(f"max_per_class must be an int >= 2, got {max_per_class!r}")
    k = _num_classes(classifier)
    x_fake, x_real = _check_images(fake, "fake"), _check_images(real, "real")
    if x_fake.shape[1:] != x_real.shape[1:]:
        raise ValueError(f"fake and real images must have the same C×H×W, got {tuple(x_fake.shape[1:])} and {tuple(x_real.shape[1:])}")
    y_fake = _check_labels(fake_labels, len(x_fake), k).cpu()
    y_real = _check_labels(real_labels, len(x_real), k).cpu()
    f_fake = F.normalize(_predict(classifier, x_fake, batch_size, what="features"), dim=1)
    f_real = F.normalize(_predict(classifier, x_real, batch_size, what="features"), dim=1)
    fake_d, real_d, ratio, skipped = {}, {}, {}, []
    for c in sorted(set(y_fake.tolist()) | set(y_real.tolist())):
        a, b = f_fake[y_fake == c][:max_per_class], f_real[y_real == c][:max_per_class]
        if len(a) < 2 or len(b) < 2:
            skipped.append(c)
            continue
        fake_d[c], real_d[c] = _mean_pairwise_distance(a), _mean_pairwise_distance(b)
        if real_d[c] == 0.0:
            raise ValueError(f"the real images of class {c} all have the same features: diversity relative to them is undefined")
        ratio[c] = fake_d[c] / real_d[c]
    if not ratio:
        raise ValueError("no class has at least two fake and two real images: nothing to compare")
    return dict(ratio=sum(ratio.values()) / len(ratio), per_class=ratio, fake=fake_d, real=real_d, skipped=skipped)
