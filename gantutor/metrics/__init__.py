"""Scoring generated images (a package, one module per idea): Inception FID/IS when possible, a small offline classifier always.

Two families of numbers, and which ones you may put next to a paper's:

* **Inception FID and IS** (:func:`inception_metrics`) use the standard network: the
  TF Inception graph of the original FID/IS code as ported by ``torch-fidelity`` (bit-close
  to TF, including its bilinear resize to 299×299), with ``torchmetrics`` accumulating the
  statistics. They are comparable with published numbers *only* under the standard
  protocol: the original CIFAR-10 (not our JPEG copy: JPEG artefacts alone move FID),
  50,000 generated samples, FID against the statistics of the 50,000 training images,
  IS over 10 splits. FID is biased by the sample size (fewer samples → larger FID), so a
  2,000-sample FID is only comparable with another 2,000-sample FID on the same data, and
  Inception numbers on Fashion-MNIST have no standard protocol at all. The weights
  (~100 MB) are downloaded once on a machine with internet access; where they are missing
  and cannot be fetched, :class:`InceptionUnavailable` says so at once (no network
  timeout) and points at the offline metrics below.
* **Offline classifier metrics** (:func:`get_classifier`, :func:`classifier_accuracy`,
  :func:`classifier_fid`, :func:`within_class_diversity`, :func:`evaluate`) use a small CNN trained here on the real data
  set and cached under ``data/classifiers/<dataset>.pt``. They measure the same things —
  "does a sample of class k look like class k?" and "how far apart are the feature
  distributions?" — and are good for comparing *our own* runs (ACGAN vs ReACGAN, early vs
  late). They are **not** comparable with any paper: the feature space is our network's,
  not Inception's, and its accuracy depends on how it was trained (we store and report
  its test accuracy so that a generated-sample accuracy can be read as a fraction of it).

Images go in as uint8 ``N×C×H×W`` in [0, 255] or float in [−1, 1] (a tanh generator's
output); anything else is a clear ``ValueError``.

Modules: :mod:`.classifier` (the offline classifier, its training and cache, accuracy and
features), :mod:`.frechet` (Gaussian statistics and the Fréchet distance), :mod:`.inception`
(torchmetrics/torch-fidelity FID and IS, failing fast offline), :mod:`.diversity`
(within-class diversity for conditional generators) and :mod:`.evaluate` (all of them in one
call). Everything is importable from ``gantutor.metrics`` as before.
"""

from __future__ import annotations

from ._images import _check_images, _check_labels
from .classifier import (
    SMOKE_TRAINING, Classifier, ClassifierCacheError, classifier_accuracy, classifier_features, classifier_path,
    get_classifier, train_classifier,
)
from .diversity import (
    COPY_SPREAD, LOW_FEATURE_DIVERSITY, SpreadMonitor, copy_line_evidence, class_ratio_table, pixel_spread, read_spread, relative_spread, within_class_diversity,
)
from .evaluate import evaluate
from .frechet import classifier_fid, frechet_distance, gaussian_stats
from .inception import INCEPTION_URL, InceptionUnavailable, _reachable, inception_metrics, inception_weights_path

__all__ = [
    "InceptionUnavailable",
    "Classifier",
    "ClassifierCacheError",
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
    "within_class_diversity",
    "pixel_spread",
    "relative_spread",
    "read_spread",
    "class_ratio_table",
    "COPY_SPREAD",
    "LOW_FEATURE_DIVERSITY",
    "copy_line_evidence",
    "SpreadMonitor",
    "evaluate",
]
