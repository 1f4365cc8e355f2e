"""gantutor.data and gantutor.models: shapes, ranges, class balance and clear errors."""

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from gantutor import data as gdata
from gantutor.data import DATASETS, batches, load_images, to_float, to_uint8
from gantutor.models import DCDiscriminator, DCGenerator, apply_spectral_norm, count_parameters


# --------------------------------------------------------------------------- models


@pytest.mark.parametrize("img_size, channels", [(28, 1), (32, 3), (28, 3), (32, 1)])
@pytest.mark.parametrize("width", [8, 16])
def test_generator_and_discriminator_shapes(img_size, channels, width):
    G = DCGenerator(z_dim=16, img_size=img_size, channels=channels, width=width)
    D = DCDiscriminator(img_size=img_size, channels=channels, width=width)
    z = G.sample_z(5)
    x = G(z)
    assert z.shape == (5, 16)
    assert x.shape == (5, channels, img_size, img_size)
    assert x.min() >= -1 and x.max() <= 1  # tanh output
    scores = D(x)
    assert scores.shape == (5,) and scores.dtype == torch.float32


@pytest.mark.parametrize("cls", [DCGenerator, DCDiscriminator])
@pytest.mark.parametrize("kwargs, match", [({"img_size": 64}, "img_size must be 28"), ({"img_size": 28, "channels": 2}, "channels must be 1 or 3")])
def test_bad_image_shapes_raise(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_bad_widths_and_inputs_raise():
    with pytest.raises(ValueError, match="positive"):
        DCGenerator(width=0)
    with pytest.raises(ValueError, match="positive"):
        DCGenerator(z_dim=0)
    with pytest.raises(ValueError, match="positive"):
        DCDiscriminator(width=0)
    G, D = DCGenerator(z_dim=8, width=8), DCDiscriminator(width=8)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 8\)"):
        G(torch.zeros(3, 9))
    with pytest.raises(ValueError, match=r"images must have shape \(N, 1, 28, 28\)"):
        D(torch.zeros(3, 3, 32, 32))


def test_batch_norm_switch_and_spectral_norm():
    with_bn = DCGenerator(width=8)
    without = DCGenerator(width=8, batch_norm=False)
    assert any(isinstance(m, nn.BatchNorm2d) for m in with_bn.modules())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in without.modules())
    D = DCDiscriminator(width=8, spectral_norm=True)
    layers = [m for m in D.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert layers and all(hasattr(m, "parametrizations") and "weight" in m.parametrizations for m in layers)
    # every SN layer has spectral norm ≈ 1 after a few power iterations in training mode
    D.train()
    for _ in range(20):
        D(torch.randn(2, 1, 28, 28))
    sigma = torch.linalg.matrix_norm(D.head.weight.detach(), ord=2)
    assert sigma == pytest.approx(1.0, abs=0.05)
    plain = apply_spectral_norm(nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Conv2d(1, 2, 3))))
    assert "weight" in plain[0].parametrizations and "weight" in plain[1][0].parametrizations


def test_sample_z_is_reproducible_with_a_generator():
    G = DCGenerator(z_dim=4, width=8)
    a = G.sample_z(3, generator=torch.Generator().manual_seed(7))
    b = G.sample_z(3, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and not torch.equal(a, G.sample_z(3, generator=torch.Generator().manual_seed(8)))


def test_count_parameters_counts_trainable_only():
    m = nn.Linear(3, 2)
    assert count_parameters(m) == 8
    m.bias.requires_grad_(False)
    assert count_parameters(m) == 6
    assert count_parameters(DCGenerator(width=8)) > count_parameters(DCGenerator(width=4))


# --------------------------------------------------------------------------- data


def test_float_uint8_round_trip_is_exact():
    u = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16)
    f = to_float(u)
    assert f.dtype == torch.float32 and f.min() == -1 and f.max() == 1
    assert torch.equal(to_uint8(f), u)
    assert torch.equal(to_uint8(torch.tensor([-3.0, 3.0])), torch.tensor([0, 255], dtype=torch.uint8))  # clamped


@pytest.fixture(scope="module")
def fmnist_small():
    return load_images("fmnist", "test", limit=200)


def test_fashion_mnist_limit_is_class_balanced(fmnist_small):
    assert fmnist_small.images.shape == (200, 1, 28, 28) and fmnist_small.images.dtype == torch.uint8
    assert fmnist_small.labels.dtype == torch.int64
    assert fmnist_small.classes == DATASETS["fashion-mnist"]["classes"]
    assert torch.equal(torch.bincount(fmnist_small.labels, minlength=10), torch.full((10,), 20))
    # any prefix is close to balanced too
    assert torch.bincount(fmnist_small.labels[:37], minlength=10).max() <= 4
    again = load_images("fashion-mnist", "test", limit=200)
    assert torch.equal(again.labels, fmnist_small.labels)  # fixed seed: the same subset every time


def test_cifar10_copy_loads_32x32_rgb():
    d = load_images("cifar10", "test", limit=30)
    assert d.images.shape == (30, 3, 32, 32) and d.images.dtype == torch.uint8
    assert torch.equal(torch.bincount(d.labels, minlength=10), torch.full((10,), 3))


def test_batches_shapes_range_and_reshuffling(fmnist_small):
    stream = batches(fmnist_small, 64, seed=3)
    first = list(itertools.islice(stream, 4))  # 200 // 64 = 3 batches per epoch, then a new shuffle
    for x, y in first:
        assert x.shape == (64, 1, 28, 28) and y.shape == (64,)
        assert x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1
    seen = torch.cat([y for _, y in first[:3]])
    assert len(seen) == 192
    again = next(batches(fmnist_small, 64, seed=3))
    assert torch.equal(again[0], first[0][0])


@pytest.mark.parametrize("bad", [0, -1, 201, 2.5, "8"])
def test_bad_batch_size_raises(fmnist_small, bad):
    with pytest.raises(ValueError, match="batch_size must be an int"):
        next(batches(fmnist_small, bad))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "mnist"}, "allowed are"),
        ({"name": "fmnist", "split": "val"}, "split must be"),
        ({"name": "fmnist", "limit": 0}, "limit must be"),
        ({"name": "fmnist", "limit": 2.5}, "limit must be"),
    ],
)
def test_bad_load_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_images(**kwargs)


def test_missing_data_set_gives_a_clear_file_not_found(tmp_path):
    """CIFAR-10 has no Debian fallback, so an empty root without download must fail clearly."""
    with pytest.raises(FileNotFoundError, match="could not find or download cifar10") as info:
        load_images("cifar10", "train", root=tmp_path, download=False, synthetic=False)
    message = str(info.value)
    assert str(tmp_path) in message and "ImageFolder copy" in message and "torchvision copy" in message
    assert not any(tmp_path.iterdir())  # nothing half-written into the root


def test_missing_image_folder_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="has no 'train/<class>/\\*.jpg' folder"):
        load_images("cifar10", "train", path=tmp_path, download=False, synthetic=False)


@pytest.mark.skipif(not gdata._DEBIAN_FMNIST.exists(), reason="Debian's dataset-fashion-mnist is not installed")
def test_debian_fashion_mnist_fallback_fills_an_empty_root(tmp_path):
    d = load_images("fmnist", "test", root=tmp_path, download=False, limit=20)
    assert d.images.shape == (20, 1, 28, 28)
    assert (tmp_path / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte").exists()


def test_image_folder_copy_is_decoded_and_cached(tmp_path):
    from PIL import Image

    classes = DATASETS["cifar10"]["classes"]
    rng = np.random.default_rng(0)
    for k, name in enumerate(classes):
        folder = tmp_path / "test" / name
        folder.mkdir(parents=True)
        for i in range(2):
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    d = load_images("cifar10", "test", path=tmp_path, download=False)
    assert d.images.shape == (20, 3, 32, 32) and torch.equal(torch.bincount(d.labels), torch.full((10,), 2))
    first = np.array(Image.open(tmp_path / "test" / classes[0] / "0.png"))
    assert torch.equal(d.images[0].permute(1, 2, 0), torch.from_numpy(first))
    assert Path(tmp_path / "test-uint8.pt").exists()
    cached = load_images("cifar10", "test", path=tmp_path, download=False)
    assert torch.equal(cached.images, d.images)


def test_image_folder_with_wrong_classes_raises(tmp_path):
    (tmp_path / "train" / "cats").mkdir(parents=True)
    from PIL import Image

    Image.fromarray(np.zeros((32, 32, 3), dtype=np.uint8)).save(tmp_path / "train" / "cats" / "a.png")
    with pytest.raises(ValueError, match="expected"):
        load_images("cifar10", "train", path=tmp_path, download=False, synthetic=False)


def test_smoke_mode_without_data_gets_a_synthetic_stand_in(tmp_path, capsys):
    d = load_images("cifar10", "test", root=tmp_path, limit=40)  # conftest sets GANTUTOR_SMOKE=1
    assert "synthetic" in capsys.readouterr().out
    assert d.images.shape == (40, 3, 32, 32) and d.images.dtype == torch.uint8
    assert torch.equal(torch.bincount(d.labels, minlength=10), torch.full((10,), 4))
    assert not any(tmp_path.iterdir())  # nothing downloaded
    # classes differ (a classifier can learn them), and the stand-in is deterministic
    means = torch.stack([d.images[d.labels == k].float().mean(0) for k in range(10)])
    assert torch.cdist(means.flatten(1), means.flatten(1)).add(torch.eye(10) * 1e9).min() > 100
    assert torch.equal(gdata.synthetic_images("cifar10", "test", 40).images, d.images)
