"""The cpu preset's conditional generators use their noise: samples of one class differ.

Issue 20: with the class embedding concatenated to z at G's first linear layer, the cpu
preset's G gave one image per class within 250 steps (within-class pixel spread ≈ 0.12 of
the real one at step 300, on CIFAR-10, both heads — and with no auxiliary loss at all). The
label now enters G through its batch norms only (``g_seed_label=False``); at step 300 the
spread measured 0.52 of real for ACGAN (seed 0, one thread). This test trains both heads'
cpu-preset pairs briefly on real CIFAR-10 and asserts the spread stays above 0.35 of real
(``gantutor.metrics.COPY_SPREAD``, the line below which lessons 06–07 call a grid's rows copies):
a behaviour test (no timing). It needs the real images (the offline copy or torchvision's
download); without them it is skipped, since synthetic stand-ins say nothing about collapse.
"""

from __future__ import annotations

import pytest
import torch

from gantutor.data import load_images
from gantutor.metrics import COPY_SPREAD, pixel_spread
from gantutor.recipes import get_recipe
from gantutor.train import Trainer

STEPS = 300
MIN_RATIO = COPY_SPREAD  # 0.35


@pytest.fixture(scope="module")
def cifar():
    try:
        return load_images("cifar10", "train", download=False, synthetic=False, limit=10_000)
    except Exception as err:  # no local copy: nothing real to train on
        pytest.skip(f"needs a local copy of CIFAR-10 ({type(err).__name__}: {err})")


@pytest.mark.parametrize("name", ["acgan-cifar10", "reacgan-cifar10"])
def test_cpu_preset_generator_uses_its_noise(name, cifar):
    recipe = get_recipe(name, "cpu")
    assert recipe.g_seed_label is False
    torch.manual_seed(0)
    G, D = recipe.build()
    cfg = recipe.config(steps=STEPS, ema=None, log_every=50, sample_every=0, ckpt_every=0, out_dir=None)
    trainer = Trainer(G, D, cifar, cfg, device="cpu")
    trainer.fit(progress=False)
    labels = torch.arange(640) % 10
    z = torch.randn(640, G.z_dim, generator=torch.Generator().manual_seed(1))
    fake = trainer.sample(640, labels=labels, z=z)
    ratio = pixel_spread(fake, labels, 10)["spread"] / pixel_spread(cifar.images[:2000], cifar.labels[:2000], 10)["spread"]
    assert ratio > MIN_RATIO, f"{name}: within-class pixel spread {ratio:.3f} of real after {STEPS} steps: G ignores z"


def test_the_copy_line_separates_the_probes_it_was_set_from():
    """COPY_SPREAD's docstring: the collapsed preset's probes ended below it, the fixed preset's above (both
    groups read from the committed probe file, so a new probe that breaks the line fails here)."""
    from gantutor.metrics import copy_line_evidence

    ev = copy_line_evidence()
    old, fixed = ev["label at G's seed layer"], ev["label in the batch norms only"]
    assert len(old) >= 5 and len(fixed) >= 2
    assert all(readings[-1] == (step, r) for _, step, r, readings in old + fixed)
    assert max(r for _, _, r, _ in old) < COPY_SPREAD < min(r for _, _, r, _ in fixed)
    assert round(min(r for _, _, r, _ in old), 2) == 0.12 and round(max(r for _, _, r, _ in old), 2) == 0.25  # the docstring's range
    assert round(min(r for _, _, r, _ in fixed), 2) == 0.59 and round(max(r for _, _, r, _ in fixed), 2) == 0.67
    with pytest.raises(FileNotFoundError, match="not in an installed package"):
        copy_line_evidence("/nonexistent/collapse-probes.jsonl")
