"""gantutor.data: when a source fails, the error says why and keeps the original exception."""

import warnings

import numpy as np
import pytest
import torch

from gantutor import data as gdata
from gantutor.data import DATASETS, load_images


def _raise(err):
    def fail(*args, **kwargs):
        raise err

    return fail


def test_unreadable_torchvision_copy_is_named_and_chained(tmp_path, monkeypatch):
    """A copy that exists but cannot be read (here: permission denied) must not vanish into 'not found'."""
    cause = PermissionError(13, "Permission denied", str(tmp_path / "cifar-10-batches-py"))
    monkeypatch.setattr(gdata, "_torchvision", _raise(cause))
    with pytest.raises(FileNotFoundError, match="could not find or download cifar10") as info:
        load_images("cifar10", "train", root=tmp_path, download=False, synthetic=False)
    assert info.value.__cause__ is cause
    assert "PermissionError" in str(info.value) and "Permission denied" in str(info.value)
    assert "download=False" in str(info.value)


def test_failed_download_is_the_chained_cause(tmp_path, monkeypatch):
    missing = RuntimeError("Dataset not found or corrupted.\nYou can use download=True to download it")
    offline = ConnectionError("Name or service not known")

    def fake(name, root, train, download):
        raise offline if download else missing

    monkeypatch.setattr(gdata, "_torchvision", fake)
    with pytest.raises(FileNotFoundError) as info:
        load_images("cifar10", "test", root=tmp_path, download=True, synthetic=False)
    assert info.value.__cause__ is offline  # the last, most specific failure
    message = str(info.value)
    assert "ConnectionError: Name or service not known" in message
    assert "RuntimeError: Dataset not found or corrupted" in message
    assert "You can use" not in message  # the first line of each reason only, not the whole text


def test_real_missing_copy_names_torchvisions_reason(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_images("cifar10", "train", root=tmp_path, download=False, synthetic=False)
    assert isinstance(info.value.__cause__, (RuntimeError, OSError))
    assert type(info.value.__cause__).__name__ in str(info.value)


def _image_folder(root, n_per_class=1):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in DATASETS["cifar10"]["classes"]:
        folder = root / "test" / name
        folder.mkdir(parents=True)
        for i in range(n_per_class):
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(folder / f"{i}.png")


def test_unwritable_cache_warns_with_the_reason_and_still_loads(tmp_path, monkeypatch):
    _image_folder(tmp_path)
    monkeypatch.setattr(gdata.torch, "save", _raise(OSError(30, "Read-only file system")))
    with pytest.warns(RuntimeWarning, match="could not write the cache .*Read-only file system"):
        d = load_images("cifar10", "test", path=tmp_path, download=False)
    assert d.images.shape == (10, 3, 32, 32)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test"]  # no cache, no partial file left behind


def test_damaged_cache_warns_and_is_decoded_again(tmp_path):
    _image_folder(tmp_path)
    first = load_images("cifar10", "test", path=tmp_path, download=False)
    cache = tmp_path / "test-uint8.pt"
    cache.write_bytes(b"not a torch file")
    with pytest.warns(RuntimeWarning, match="ignoring the unreadable cache"):
        again = load_images("cifar10", "test", path=tmp_path, download=False)
    assert torch.equal(again.images, first.images) and torch.equal(again.labels, first.labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rewritten cache reads cleanly
        third = load_images("cifar10", "test", path=tmp_path, download=False)
    assert torch.equal(third.images, first.images)
