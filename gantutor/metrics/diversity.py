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

A second, cruder measure needs no classifier at all: :func:`pixel_spread`, the per-pixel
standard deviation across the images of one class, averaged over pixels and classes. When
a generator ignores its noise, every sample of a class is the same image and this spread
drops towards 0 (real CIFAR-10 classes: about 0.47 on the [−1, 1] scale). It is cheap
enough to log during training (:class:`SpreadMonitor`), which is how a collapse that
happens in the first few hundred steps is seen when it happens. :func:`relative_spread`
divides it by the real one, class by class (its overall ``ratio`` is the fakes' mean spread over the
real mean spread — the per-class ratios averaged with the real spreads as weights — while
:func:`within_class_diversity`'s is the plain mean of the per-class ratios; the two ways of averaging
agree when the classes' real spreads are alike: measured on 200 training images per class, CIFAR-10's
lie within ±11 % of their mean, Fashion-MNIST's within −32 %…+37 %, where they can differ more); :func:`read_spread` turns the result into the
sentence lessons 06–07 print next to their grids, with :data:`COPY_SPREAD` as the line below
which the samples of a class are called copies (the same line ``tests/test_collapse.py``
holds the cpu presets to).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..callbacks import Callback
from ._images import _check_images, _check_labels
from .classifier import _num_classes, _predict


COPY_SPREAD = 0.35
"""A heuristic line: below this fraction of the real within-class pixel spread, the samples of a class are
near-identical (or very low in contrast: the measure scales with image contrast, so look at the grid).

Set from the one-seed CIFAR-10 probes that diagnosed the capstone's collapse (``benchmarks/collapse_probes.py``,
``benchmarks/results/collapse-probes.jsonl``; :func:`copy_line_evidence` reads them): ten variants of the old
cpu preset's DCGAN pair that fed the class embedding into G's seed layer (nine of them with λ = 0, i.e. no
auxiliary loss; none is the preset itself) ended at 0.12–0.25 of real after 300–600 steps; the generator
without it (``g_seed_label=False``) ended at 0.67 on the preset and 0.59 with the non-saturating loss and no
spectral norm in D, after 1,200 steps (0.52 and 0.41 already at step 300). 0.35 lies between. Not calibrated
over seeds, and early readings below it also occur in runs that recover later (``c-ns-nosn-noembed``: 0.11
at step 150, 0.55 at 600). Lessons 06–07 read their grids with it and ``tests/test_collapse.py`` asserts the
cpu presets stay above it."""


LOW_FEATURE_DIVERSITY = 0.8
"""The cpu preset's target for the classifier-feature within-class diversity (fake / real; the preset search's
targets, ``benchmarks/results/preset-search.md``). Below it, with a pixel spread above :data:`COPY_SPREAD`, the samples
of a class differ as pictures but cover fewer kinds of image than the real class does. A target, not a calibrated line:
the CIFAR-10 cpu preset itself sits near it (its three confirmation seeds per head lie on both sides)."""


def copy_line_evidence(path: Any = None) -> dict[str, list[tuple[str, int, float, list]]]:
    """The probes :data:`COPY_SPREAD` was set from, in two groups of ``(name, last step, last spread ratio,
    [(step, spread ratio) at every check])``.

    ``"label at G's seed layer"``: the conditional DCGAN probes with the class embedding at G's seed layer;
    ``"label in the batch norms only"``: those with ``g_seed_label=False`` (the fix). Lines that record
    ``arch``/``g_seed_label`` are grouped by them; older lines by name (``preset-ns-…``: the fix; the
    unconditional ``u-…``/``uncond-…``, the ``…noembed…`` ones without a class embedding and the ``resnet…``
    ones, whose G never puts the label at its seed, are left out). ``path`` defaults to
    ``benchmarks/results/collapse-probes.jsonl`` of the repository this package sits in.
    """
    import json
    from pathlib import Path

    path = Path(path) if path is not None else Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "collapse-probes.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: the probes live in the repository (benchmarks/results/), "
                                "not in an installed package")
    seed, bn_only = "label at G's seed layer", "label in the batch norms only"
    out: dict[str, list] = {seed: [], bn_only: []}
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        name, last = r["name"], r["rows"][-1]
        if name.startswith(("u-", "uncond")) or "noembed" in name or name.startswith("resnet") or r.get("arch", "dcgan") != "dcgan":
            continue
        if "g_seed_label" in r:
            group = seed if r["g_seed_label"] else bn_only
        else:
            group = bn_only if name.startswith("preset-ns") else seed
        out[group].append((name, int(last["step"]), float(last["eval"]), [(int(x["step"]), float(x["eval"])) for x in r["rows"]]))
    return out


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


def pixel_spread(images: Any, labels: Any, num_classes: int) -> dict[str, Any]:
    """Per-class pixel spread: the standard deviation of each pixel across the images of a class.

    Images are uint8 in [0, 255] or float in [−1, 1] (measured on the [−1, 1] scale). Returns
    ``spread`` (the mean over classes of the mean per-pixel standard deviation) and
    ``per_class`` ({class: spread}); classes with fewer than two images are skipped (listed
    in ``skipped``). 0 means every image of a class is the same picture.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    x = _check_images(images, "images").float()
    y = _check_labels(labels, len(x), num_classes).to(x.device)
    per_class, skipped = {}, []
    for c in range(num_classes):
        xc = x[y == c]
        if len(xc) < 2:
            skipped.append(c)
            continue
        per_class[c] = float(xc.std(dim=0).mean())
    if not per_class:
        raise ValueError("no class has at least two images: a spread needs two")
    return dict(spread=sum(per_class.values()) / len(per_class), per_class=per_class, skipped=skipped)


def relative_spread(fake: Any, fake_labels: Any, real: Mapping[str, Any], num_classes: int) -> dict[str, Any]:
    """G's within-class pixel spread as a fraction of the real one, overall and per class.

    ``real`` is :func:`pixel_spread` of real images (computed once). Returns ``ratio`` (the
    fakes' mean spread over the real mean spread: what :class:`SpreadMonitor` logs) and
    ``per_class`` ({class: fake spread / real spread of that class}); a class of the fakes that the
    real reference lacks is an error.
    """
    f = pixel_spread(fake, fake_labels, num_classes)
    missing = sorted(c for c in f["per_class"] if not real["per_class"].get(c))
    if missing:  # a silent drop would hide classes (e.g. a real reference taken from class-sorted data)
        raise ValueError(f"the real reference has no spread for class(es) {missing}: measure the real images "
                         "with at least two images of every class G is asked for")
    per_class = {c: v / real["per_class"][c] for c, v in f["per_class"].items()}
    return dict(ratio=f["spread"] / real["spread"], per_class=per_class)


def read_spread(ratio: float, per_class: Mapping[int, float] | None = None, class_names: Sequence[str] | None = None, *,
                feature_ratio: float | None = None, threshold: float = COPY_SPREAD) -> str:
    """One sentence a learner can act on, from a within-class pixel spread ``ratio`` (fake / real).

    Below ``threshold`` (:data:`COPY_SPREAD`): the rows of a per-class grid are copies, G
    ignores z, and what to try. Otherwise: the rows differ, by how much, and which classes (if
    any, from ``per_class``) fall below the threshold on their own. ``feature_ratio`` (the
    classifier-feature within-class diversity, :func:`within_class_diversity`) is quoted with it, with
    what to try when it is below :data:`LOW_FEATURE_DIVERSITY` while the pixels still differ.
    """
    if not (isinstance(ratio, (int, float)) and ratio >= 0):
        raise ValueError(f"ratio must be a non-negative number (fake spread / real spread), got {ratio!r}")
    name = (lambda c: class_names[c]) if class_names is not None else (lambda c: f"class {c}")
    feat = f"; in the classifier's features {feature_ratio:.2f} of real" if feature_ratio is not None else ""
    if ratio < threshold:
        return (f"These rows look like copies: within a class G's samples spread {ratio:.2f} as much as real images "
                f"do (below the copy line {threshold:g}){feat}. Check the grid: near-identical images in a row mean G "
                "ignores z (mode collapse within the class); a row of different but washed-out images means low "
                "contrast instead (the measure scales with contrast). Try: read on the spread curve at which step it "
                "fell; if the recipe is a DCGAN generator with g_seed_label=True (the class embedding concatenated to "
                "z at its first layer), try g_seed_label=False, which kept this course's cpu preset from collapsing "
                "(one-seed probes, gantutor/recipes.py); retrain with another seed to tell this run from the recipe.")
    how = (f"{1 - ratio:.0%} less than real" if ratio < 1 else f"{ratio - 1:.0%} more than real" if ratio > 1 else "as much as real")
    text = (f"The rows differ: G's samples change with z. Within a class they spread {ratio:.2f} as much as real images do — "
            f"{how}, above the copy line {threshold:g}{feat}.")
    if per_class:
        lo, hi = min(per_class, key=per_class.get), max(per_class, key=per_class.get)
        text += f" Per class from {per_class[lo]:.2f} ({name(lo)}) to {per_class[hi]:.2f} ({name(hi)})"
        low = [c for c in sorted(per_class) if per_class[c] < threshold]
        text += (f"; below the line: {', '.join(name(c) for c in low)} — those rows are near copies." if low else
                 "; no class is below the line.")
    if feature_ratio is not None and feature_ratio < LOW_FEATURE_DIVERSITY:
        text += (f" In content they vary less than real images: in the classifier's features {feature_ratio:.2f} of real, "
                 f"below {LOW_FEATURE_DIVERSITY:g} — fewer kinds of picture per class than the data has. Try: check on the "
                 "score curves whether this number still rises at the end (then train longer), and train a second seed "
                 "before blaming the recipe — the CIFAR-10 cpu preset itself sits near this line; in its search "
                 "DiffAugment lowered it (benchmarks/results/preset-search.md).")
    return text


def class_ratio_table(runs: Mapping[str, Mapping[str, Mapping[int, float]]], class_names: Sequence[str]) -> str:
    """The per-class ratios as a text table: a row per (run, measure), a column per class (names cut to 5 letters).

    ``runs`` is ``{label: {measure: {class: ratio}}}``, e.g. ``{"acgan": {"pixel": …, "feature": …}}``
    (the ``per_class`` of :func:`relative_spread` and :func:`within_class_diversity`); NaN where a class is missing.
    """
    rows = [(f"{label} {what}", ratios) for label, d in runs.items() for what, ratios in d.items()]
    width = max([len(r) for r, _ in rows] + [9]) + 2
    lines = [f"{'per class':{width}s}" + "".join(f"{n[:5]:>7s}" for n in class_names)]
    lines += [f"{r:{width}s}" + "".join(f"{ratios.get(k, float('nan')):7.2f}" for k in range(len(class_names)))
              for r, ratios in rows]
    return "\n".join(lines)


class SpreadMonitor(Callback):
    """Every ``every`` generator steps, log G's within-class pixel spread as a fraction of the real one.

    Generates ``per_class`` images of every class from a fixed noise batch (G in eval mode,
    the EMA copy where there is one, as samples are drawn) and writes ``spread_step`` and
    ``spread_ratio`` into ``trainer.history`` (checkpointed like the losses). ``real`` is
    the real data's :func:`pixel_spread` (computed once by the caller, e.g. on 2,000 real
    images). A ratio below :data:`COPY_SPREAD` means G's samples of a class are near copies:
    G ignores z. The noise comes from the monitor's own generator (``seed``), never from the
    trainer's or the global RNG, so a run with the monitor trains exactly as one without.

    The two sides use different numbers of images per class (``per_class`` fakes, 200 real ones
    from :func:`gantutor.reproduce.capstone.real_spread`). ``torch.std`` (Bessel-corrected variance)
    still underestimates a standard deviation from few images, for normally distributed pixels by
    c4(n) ≈ 1 − 1/(4n): 0.992 at 32 per class, 0.999 at 200, so at the defaults the ratio reads
    ≈ 0.7 % low (3.5 % at ``per_class=8``) — small next to the gap between the collapsed probes
    (≈ 0.12–0.25) and the line (0.35).

    :meth:`measure` computes the same number for any sampler — e.g. the final generator of a
    run folder trained before the monitor existed (no ``spread_ratio`` in its history).
    """

    def __init__(self, every: int, real: float, num_classes: int = 10, per_class: int = 32, seed: int = 0):
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        if not (isinstance(real, (int, float)) and real > 0):
            raise ValueError(f"real must be the real images' positive pixel spread, got {real!r}")
        if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 2:
            raise ValueError(f"per_class must be an int >= 2, got {per_class!r}")
        self.every, self.real, self.num_classes, self.per_class, self.seed = every, float(real), num_classes, per_class, seed

    def measure(self, sample: Callable[..., torch.Tensor], z_dim: int) -> float:
        """The ratio for ``sample(n, labels=…, z=…)`` (a Trainer's or RunView's ``sample``) and noise size ``z_dim``."""
        n = self.num_classes * self.per_class
        labels = torch.arange(n) % self.num_classes
        z = torch.randn(n, int(z_dim), generator=torch.Generator().manual_seed(self.seed))
        fake = sample(n, labels=labels, z=z).float().cpu()
        return pixel_spread(fake, labels, self.num_classes)["spread"] / self.real

    def on_step_end(self, trainer, step, logs):
        if step % self.every or trainer.rank != 0:
            return
        ratio = self.measure(trainer.sample, trainer.G.z_dim)
        trainer.history.setdefault("spread_step", []).append(float(step))
        trainer.history.setdefault("spread_ratio", []).append(ratio)
