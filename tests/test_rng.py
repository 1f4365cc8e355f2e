"""Library randomness: functions that draw random numbers take a generator and leave the global RNGs alone.

A lesson seeds once (``seed_everything``) and then expects its own draws not to depend on
which library calls happened in between; these tests hold gantutor.data to that.
"""

import itertools
import random

import numpy as np
import pytest
import torch

from gantutor.data import batches, load_images, synthetic_images


class GlobalRNG:
    """Snapshot of torch's, NumPy's and Python's global RNG states, to compare after a call."""

    def __init__(self):
        self.torch = torch.random.get_rng_state()
        self.numpy = np.random.get_state()[1].copy()
        self.python = random.getstate()

    def unchanged(self) -> bool:
        return (
            torch.equal(torch.random.get_rng_state(), self.torch)
            and np.array_equal(np.random.get_state()[1], self.numpy)
            and random.getstate() == self.python
        )


@pytest.fixture(scope="module")
def small():
    return synthetic_images("fmnist", "train", n=50)


def _take(stream, k=4):
    return [(x.clone(), y.clone()) for x, y in itertools.islice(stream, k)]


def test_batches_with_the_same_generator_repeat_and_leave_the_global_rng_alone(small):
    before = GlobalRNG()
    one = _take(batches(small, 16, generator=torch.Generator().manual_seed(7)))  # 4 batches: crosses an epoch
    two = _take(batches(small, 16, generator=torch.Generator().manual_seed(7)))
    assert before.unchanged()
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(one, two))
    other = _take(batches(small, 16, generator=torch.Generator().manual_seed(8)))
    assert not torch.equal(one[0][1], other[0][1])  # the generator does decide the order


def test_batches_seed_is_a_fresh_generator(small):
    by_seed = _take(batches(small, 16, seed=5), 2)
    by_gen = _take(batches(small, 16, generator=torch.Generator().manual_seed(5)), 2)
    assert all(torch.equal(a[1], b[1]) for a, b in zip(by_seed, by_gen))


def test_batches_advance_a_shared_generator(small):
    """A generator passed in is consumed: two streams from it differ (as two draws from one RNG should)."""
    gen = torch.Generator().manual_seed(0)
    first = _take(batches(small, 16, generator=gen), 1)
    second = _take(batches(small, 16, generator=gen), 1)
    assert not torch.equal(first[0][1], second[0][1])


def test_batches_do_not_depend_on_the_global_seed(small):
    torch.manual_seed(1)
    a = _take(batches(small, 16, seed=3), 2)
    torch.manual_seed(2)
    b = _take(batches(small, 16, seed=3), 2)
    assert all(torch.equal(x[1], y[1]) for x, y in zip(a, b))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(seed=1, generator=torch.Generator()), "not both"),
        (dict(generator=np.random.default_rng(0)), "CPU torch.Generator"),
        (dict(seed=-1), "non-negative int"),
        (dict(seed=1.5), "non-negative int"),
    ],
)
def test_batches_reject_bad_randomness_arguments(small, kwargs, match):
    with pytest.raises(ValueError, match=match):
        next(batches(small, 16, **kwargs))


def test_subsets_and_stand_ins_are_fixed_and_leave_the_global_rng_alone(tmp_path):
    before = GlobalRNG()
    a = synthetic_images("cifar10", "test", n=30)
    b = synthetic_images("cifar10", "test", n=30)
    c = load_images("fmnist", "test", limit=30)  # the class-balanced subset draws its own permutation
    d = load_images("fmnist", "test", limit=30)
    assert before.unchanged()
    assert torch.equal(a.images, b.images) and torch.equal(c.images, d.images) and torch.equal(c.labels, d.labels)


def test_seeded_library_trainers_leave_the_global_rng_alone():
    """Functions that seed their own model initialisation restore the caller's global state."""
    from gantutor import densities, minimax
    from gantutor.metrics.classifier import train_classifier
    from gantutor.solutions.l03_spectral_norm import exercise_net

    p_data, p_g = densities.gaussian(0.0, 1.0), densities.gaussian(2.0, 1.0)
    calls = {
        "train_gan": lambda: minimax.train_gan(p_data, steps=3, progress=False).G.state_dict(),
        "train_discriminator": lambda: minimax.train_discriminator(p_data, p_g, steps=3, progress=False)[0].state_dict(),
        "train_classifier": lambda: train_classifier("fashion-mnist", epochs=1, limit=40, test_limit=20, progress=False).state_dict(),
        "exercise_net": lambda: exercise_net().state_dict(),
    }
    for name, call in calls.items():
        torch.manual_seed(123)
        before = GlobalRNG()
        first = call()
        assert before.unchanged(), f"{name} changed the global RNG"
        second = call()
        if isinstance(first, dict):  # same seed, same model: the seed still decides the initialisation
            assert all(torch.equal(first[k], second[k]) for k in first), f"{name} is not reproducible"
