"""One call that scores generated images: offline classifier metrics always, Inception when possible."""

from __future__ import annotations

from typing import Any

import torch

from ..data import DATASETS, _canonical, load_images
from ._images import _check_images
from .classifier import Classifier, classifier_accuracy, classifier_features, get_classifier
from .diversity import within_class_diversity
from .frechet import frechet_distance, gaussian_stats
from .inception import InceptionUnavailable, _inception_weights, inception_metrics


def evaluate(
    fake: Any,
    labels: Any | None,
    dataset: str,
    *,
    classifier: Classifier | None = None,
    real: Any | None = None,
    inception: bool | str = "auto",
    inception_real: Any | None = None,
    real_labels: Any | None = None,
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
    * ``within_class_diversity`` — for each conditioned class, the mean pairwise distance of
      the fakes' (normalised) classifier features relative to real images of that class,
      averaged over classes (:func:`~gantutor.metrics.within_class_diversity`; 1 = as varied
      as real, 0 = one image per class). Needs ``labels`` and real labels: those of the default
      real test images, or ``real_labels`` with ``real``; otherwise None;
    * ``inception_fid``, ``inception_is``, ``inception_is_std`` — Inception metrics against
      ``inception_real`` (default: the training split, the standard protocol) or None,
      with ``inception_note`` saying why. ``inception``: True (try, downloading if
      needed), "auto" (only if the weights are already cached), False (skip).
    """
    name = _canonical(dataset)
    if inception not in (True, False, "auto"):
        raise ValueError(f"inception must be True, False or 'auto', got {inception!r}")
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
        test = load_images(name, "test", limit=n)
        real, real_labels = test.images, test.labels
    real_f = _check_images(real, "real", shape)
    floor = load_images(name, "train", limit=len(real_f)).images
    stats_real = gaussian_stats(classifier_features(real_f, classifier, batch_size=batch_size))
    stats_fake = gaussian_stats(classifier_features(fake_f, classifier, batch_size=batch_size))
    stats_floor = gaussian_stats(classifier_features(floor, classifier, batch_size=batch_size))
    result["frechet_distance"] = frechet_distance(*stats_real, *stats_fake)
    result["frechet_distance_real"] = frechet_distance(*stats_real, *stats_floor)
    result["within_class_diversity"] = None
    if labels is not None and real_labels is not None:
        try:
            div = within_class_diversity(fake_f, labels, real_f, real_labels, classifier, batch_size=batch_size)
            result["within_class_diversity"] = div["ratio"]
        except ValueError as err:  # e.g. too few images per class: say why instead of failing the whole evaluation
            result["within_class_diversity_note"] = str(err)

    result.update(inception_fid=None, inception_is=None, inception_is_std=None, inception_note=None)
    if inception is False:
        result["inception_note"] = "skipped (inception=False)"
        return result
    try:
        _inception_weights(download=inception is True)  # fail fast, before loading reference images
        if inception_real is None:
            inception_real = load_images(name, "train", limit=n).images
        scores = inception_metrics(fake_f, inception_real, download=False, device=device)
        result.update(inception_fid=scores["fid"], inception_is=scores["is_mean"], inception_is_std=scores["is_std"])
        result["inception_note"] = (
            f"{n} samples vs {len(inception_real)} real; comparable with papers only on the original"
            " CIFAR-10 with 50k samples against the 50k training images"
        )
    except InceptionUnavailable as err:
        result["inception_note"] = str(err)
    return result
