"""gantutor.metrics: Fréchet distance against closed forms, the offline classifier and its cache
(a damaged cache is an error, never a silent retrain), within-class diversity, input checks,
and the offline Inception path failing fast and clearly."""


import numpy as np
import pytest
import torch
import torch.nn as nn

from gantutor import metrics
from gantutor.data import load_images


# ----------------------------------------------------------------------------- Fréchet distance


def test_identical_gaussians_have_zero_distance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 6))
    sigma = a @ a.T + 0.1 * np.eye(6)
    mu = rng.normal(size=6)
    assert metrics.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


def test_one_dimensional_closed_form():
    # W2² between N(m1, s1²) and N(m2, s2²) = (m1 − m2)² + (s1 − s2)²
    m1, s1, m2, s2 = 0.3, 1.7, -1.2, 0.4
    got = metrics.frechet_distance([m1], [[s1**2]], [m2], [[s2**2]])
    assert got == pytest.approx((m1 - m2) ** 2 + (s1 - s2) ** 2, rel=1e-10)


def test_diagonal_closed_form_and_symmetry():
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    v1, v2 = rng.uniform(0.1, 3, size=5), rng.uniform(0.1, 3, size=5)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    d12 = metrics.frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2))
    d21 = metrics.frechet_distance(mu2, np.diag(v2), mu1, np.diag(v1))
    assert d12 == pytest.approx(expected, rel=1e-10)
    assert d21 == pytest.approx(d12, rel=1e-10)


def test_full_covariances_symmetric_and_commuting_case():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    s1, s2 = a @ a.T + np.eye(4), b @ b.T + np.eye(4)
    mu1, mu2 = rng.normal(size=4), rng.normal(size=4)
    assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(metrics.frechet_distance(mu2, s2, mu1, s1), rel=1e-8)
    # commuting covariances (same eigenvectors): distance = ‖Δμ‖² + ‖√Λ1 − √Λ2‖²
    q, _ = np.linalg.qr(a)
    l1, l2 = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 5.0, 1.0, 2.0])
    got = metrics.frechet_distance(mu1, q @ np.diag(l1) @ q.T, mu2, q @ np.diag(l2) @ q.T)
    assert got == pytest.approx(np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(l1) - np.sqrt(l2)) ** 2), rel=1e-8)


def test_agrees_with_scipy_sqrtm_on_well_conditioned_covariances():
    from scipy import linalg

    rng = np.random.default_rng(5)
    for d in (2, 7, 30):
        a, b = rng.normal(size=(d, d)), rng.normal(size=(d, 2 * d))
        s1, s2 = a @ a.T + 0.5 * np.eye(d), b @ b.T / d
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        reference = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2 * np.trace(linalg.sqrtm(s1 @ s2)).real
        assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(reference, rel=1e-9)


def test_not_a_covariance_is_an_error():
    with pytest.raises(ValueError, match="positive semi-definite"):
        metrics.frechet_distance(np.zeros(2), np.diag([1.0, -1.0]), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="symmetric"):
        metrics.frechet_distance(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2))


def test_singular_covariances_stay_finite():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(5, 20))  # fewer samples than dimensions: rank-deficient covariance
    mu, sigma = metrics.gaussian_stats(f)
    d = metrics.frechet_distance(mu, sigma, mu + 1.0, sigma)
    assert np.isfinite(d) and d == pytest.approx(20.0, rel=1e-6)  # same covariance: only the means differ


def test_frechet_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="N ≥ 2"):
        metrics.gaussian_stats(np.zeros((1, 4)))


def test_gaussian_stats_recover_mean_and_covariance():
    rng = np.random.default_rng(4)
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    f = rng.multivariate_normal([1.0, -2.0], cov, size=20000)
    mu, sigma = metrics.gaussian_stats(torch.from_numpy(f))
    np.testing.assert_allclose(mu, [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(sigma, cov, atol=0.06)


# ----------------------------------------------------------------------------- hand-built classifier


class Brightness(nn.Module):
    """Class = which quarter of [−1, 1] the mean pixel falls in; features = mean and std."""

    test_accuracy = 0.9

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))
        self.head = nn.Linear(2, 4)

    def features(self, x):
        return torch.stack([x.mean((1, 2, 3)), x.std((1, 2, 3))], 1)

    def forward(self, x):
        m = x.mean((1, 2, 3))
        centres = torch.tensor([-0.75, -0.25, 0.25, 0.75])
        return -(m[:, None] - centres) ** 2


def test_accuracy_on_hand_built_classifier():
    clf = Brightness()
    levels = torch.tensor([-0.75, -0.25, 0.25, 0.75])
    labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    images = levels[labels].view(-1, 1, 1, 1).expand(-1, 1, 4, 4).clone()
    assert metrics.classifier_accuracy(images, labels, clf) == 1.0
    wrong = labels.clone()
    wrong[:3] = (wrong[:3] + 1) % 4
    assert metrics.classifier_accuracy(images, wrong, clf) == pytest.approx(5 / 8)
    # uint8 images are mapped to [−1, 1] first: 0 → −1 (class 0), 255 → 1 (class 3)
    u8 = torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1).expand(-1, 1, 4, 4)
    assert metrics.classifier_accuracy(u8, torch.tensor([0, 3]), clf) == 1.0


def test_classifier_fid_of_a_set_with_itself_is_zero_and_grows_with_noise():
    clf = Brightness()
    gen = torch.Generator().manual_seed(0)
    real = (torch.rand(400, 1, 8, 8, generator=gen) * 1.2 - 0.6)
    assert metrics.classifier_fid(real, real, clf) == pytest.approx(0.0, abs=1e-8)
    distances = []
    for sigma in (0.05, 0.2, 0.4):
        noisy = (real + sigma * torch.randn(real.shape, generator=gen)).clamp(-1, 1)
        distances.append(metrics.classifier_fid(noisy, real, clf))
    assert 0 < distances[0] < distances[1] < distances[2]


# ----------------------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    "bad, match",
    [
        (torch.zeros(4, 28, 28), "4 dimensions"),
        (torch.zeros(2, 1, 28, 28, dtype=torch.int32), "dtype"),
        (torch.full((2, 1, 28, 28), 3.0), r"\[−1, 1\]"),
        (torch.full((2, 1, 28, 28), float("nan")), "NaN"),
        ([1, 2, 3], "torch.Tensor"),
        (torch.zeros(0, 1, 28, 28), "empty"),
    ],
)
def test_bad_images_are_clear_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        metrics.classifier_accuracy(bad, torch.zeros(2, dtype=torch.long), Brightness())


def test_bad_labels_and_shapes_are_clear_errors():
    images = torch.zeros(4, 1, 4, 4)
    with pytest.raises(ValueError, match="4 images but 3 labels"):
        metrics.classifier_accuracy(images, torch.zeros(3, dtype=torch.long), Brightness())
    with pytest.raises(ValueError, match=r"\[0, 3\]"):
        metrics.classifier_accuracy(images, torch.full((4,), 7), Brightness())
    with pytest.raises(ValueError, match="integer"):
        metrics.classifier_accuracy(images, torch.zeros(4), Brightness())
    # evaluate checks C×H×W against the data set, and spots channels-last input
    with pytest.raises(ValueError, match="channels-last"):
        metrics.evaluate(torch.zeros(2, 32, 32, 3, dtype=torch.uint8), None, "cifar10", classifier=Brightness(), inception=False)
    with pytest.raises(ValueError, match="allowed are"):
        metrics.evaluate(torch.zeros(2, 1, 28, 28), None, "mnist", classifier=Brightness())


# ----------------------------------------------------------------------------- trained classifier (smoke size)


@pytest.fixture(scope="module")
def tiny_fmnist_classifier(tmp_path_factory):
    """Smoke mode's classifier: 37 steps on 1,200 images, cached under classifiers/smoke/."""
    root = tmp_path_factory.mktemp("data")
    clf = metrics.get_classifier("fmnist", root=root, smoke=True, progress=False)
    return clf, root


def test_smoke_training_caches_apart_and_reloads(tiny_fmnist_classifier):
    clf, root = tiny_fmnist_classifier
    real_path = metrics.classifier_path("fashion-mnist", root)
    assert (real_path.parent / "smoke" / real_path.name).exists() and not real_path.exists()
    assert 0.4 < clf.test_accuracy <= 1.0  # 37 steps on 1,200 images already beat chance (0.1) by far
    again = metrics.get_classifier("fmnist", root=root, smoke=True, train_if_missing=False)
    assert again.test_accuracy == clf.test_accuracy
    x = load_images("fmnist", "test", limit=64).images
    torch.testing.assert_close(again(metrics._check_images(x, "x")), clf(metrics._check_images(x, "x")))
    # outside smoke mode the smoke network is never used in place of the real one
    with pytest.raises(FileNotFoundError, match="no cached classifier"):
        metrics.get_classifier("fmnist", root=root, smoke=False, train_if_missing=False)


def test_limited_training_cannot_overwrite_the_shared_cache():
    with pytest.raises(ValueError, match="must not replace the shared cache"):
        metrics.get_classifier("fmnist", smoke=False, limit=100)


def test_evaluate_on_real_images_scores_like_real(tiny_fmnist_classifier):
    clf, _ = tiny_fmnist_classifier
    test = load_images("fmnist", "test", limit=300)
    out = metrics.evaluate(test.images, test.labels, "fmnist", classifier=clf, inception=False)
    assert out["accuracy"] == pytest.approx(metrics.classifier_accuracy(test.images, test.labels, clf))
    assert out["accuracy_ratio"] == pytest.approx(out["accuracy"] / clf.test_accuracy)
    assert out["inception_fid"] is None and "skipped" in out["inception_note"]
    # real vs real: the distance is the small-sample floor; noise images are much farther
    noise = torch.randint(0, 256, test.images.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    shuffled = torch.randint(0, 10, (300,), generator=torch.Generator().manual_seed(1))
    bad = metrics.evaluate(noise, shuffled, "fmnist", classifier=clf, inception=False)
    assert bad["frechet_distance"] > 5 * out["frechet_distance_real"]
    assert bad["accuracy"] < 0.5 * out["accuracy"]


# ----------------------------------------------------------------------------- Inception, offline


def test_offline_inception_fails_fast_and_clearly(monkeypatch, tmp_path):
    monkeypatch.setenv("GANTUTOR_INCEPTION_WEIGHTS", str(tmp_path / "missing.pth"))
    fake = torch.zeros(4, 3, 32, 32, dtype=torch.uint8)
    with pytest.raises(metrics.InceptionUnavailable, match="not found.*Offline alternative"):
        metrics.inception_metrics(fake, fake, download=False)
    # with download allowed, an unreachable host is detected by a short probe, not a long timeout
    monkeypatch.setattr(metrics.inception, "_reachable", lambda *a, **k: False)  # the module that calls it
    with pytest.raises(metrics.InceptionUnavailable, match="not reachable"):
        metrics.inception_metrics(fake, fake, download=True)


def test_reachability_probe_is_bounded():
    """The probe answers False quickly for a closed port (loopback only: tests never leave this machine)."""
    import socket

    with socket.socket() as s:  # find a free local port, then close it so nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert metrics._reachable("127.0.0.1", port, timeout=0.5) is False


def test_evaluate_reports_why_inception_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("GANTUTOR_INCEPTION_WEIGHTS", str(tmp_path / "missing.pth"))
    images = torch.zeros(8, 1, 28, 28)
    images[:, :, 10:18, 10:18] = 0.5
    images += 0.01 * torch.randn(images.shape, generator=torch.Generator().manual_seed(0))
    out = metrics.evaluate(images, torch.arange(8) % 4, "fmnist", classifier=Brightness(), real=images.clone(), inception="auto")
    assert out["inception_fid"] is None and out["inception_is"] is None
    assert "not found" in out["inception_note"] and "Offline alternative" in out["inception_note"]
    assert out["frechet_distance"] == pytest.approx(0.0, abs=1e-8)


@pytest.fixture(scope="module")
def random_inception_weights(tmp_path_factory):
    """A weights file with the right layout but random values: exercises the real loading and
    torchmetrics code path here, where the true weights cannot be downloaded."""
    pytest.importorskip("torch_fidelity")
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch, "load", lambda *a, **k: {})
        mp.setattr(FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None)
        torch.manual_seed(0)
        net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], feature_extractor_weights_path="unused")
    path = tmp_path_factory.mktemp("inception") / "weights.pth"
    torch.save(net.state_dict(), path)
    return path


def test_inception_path_runs_with_a_weights_file(random_inception_weights, monkeypatch):
    monkeypatch.setenv("GANTUTOR_INCEPTION_WEIGHTS", str(random_inception_weights))
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (4, 1, 16, 16), dtype=torch.uint8, generator=gen)  # grayscale → RGB
    out = metrics.inception_metrics(images, images, download=False, batch_size=4, splits=2)
    assert set(out) == {"fid", "is_mean", "is_std"}
    assert out["fid"] == pytest.approx(0.0, abs=1e-2)  # a set against itself (up to float32 round-off)
    assert out["is_mean"] >= 1.0 - 1e-6  # IS = exp(E KL(p(y|x) ‖ p(y))) ≥ 1


# ----------------------------------------------------------------------------- the cache: never retrain silently


def test_corrupt_cache_is_a_clear_error_and_retrains_only_when_asked(tmp_path):
    path = metrics.classifier_path("fmnist", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a torch file")
    before = path.read_bytes()
    for smoke in (False, True):  # in smoke mode too: the real path is looked at first
        with pytest.raises(metrics.ClassifierCacheError, match=r"could not be loaded \(.*Error.*Nothing was retrained.*retrain=True"):
            metrics.get_classifier("fmnist", root=tmp_path, smoke=smoke, progress=False)
    assert path.read_bytes() == before  # untouched
    # a cache written by another layout (missing keys) is reported the same way, with the cause
    torch.save({"config": {"channels": 1}}, path)
    with pytest.raises(metrics.ClassifierCacheError, match="KeyError"):
        metrics.get_classifier("fmnist", root=tmp_path, smoke=False, train_if_missing=False)
    # asked explicitly: retrain (smoke size, seconds) and overwrite
    clf = metrics.get_classifier("fmnist", root=tmp_path, smoke=False, retrain=True, limit=600, test_limit=200, epochs=1, batch_size=32, lr=0.02, progress=False)
    again = metrics.get_classifier("fmnist", root=tmp_path, smoke=False, train_if_missing=False)
    assert again.test_accuracy == clf.test_accuracy


# ----------------------------------------------------------------------------- within-class diversity


class Points(nn.Module):
    """Features = the two pixel values of a 1×1×2 image (a hand-checkable feature space)."""

    def __init__(self, num_classes=2):
        super().__init__()
        self.head = nn.Linear(2, num_classes)

    def features(self, x):
        return x.flatten(1)

    def forward(self, x):
        return self.head(self.features(x))


def _pts(rows):
    return torch.tensor(rows, dtype=torch.float32).view(-1, 1, 1, 2)


def test_within_class_diversity_by_hand():
    # class 0: fakes (1, 0), (0, 1) are √2 apart, reals (1, 0), (−1, 0) are 2 apart → √2 / 2
    # class 1: fakes identical → 0; reals (1, 0), (0, 1) → √2 apart → 0
    fake = _pts([[1, 0], [0, 1], [0.5, 0.5], [0.5, 0.5]])
    real = _pts([[1, 0], [-1, 0], [1, 0], [0, 1]])
    labels = torch.tensor([0, 0, 1, 1])
    out = metrics.within_class_diversity(fake, labels, real, labels, Points())
    assert out["per_class"][0] == pytest.approx(2**0.5 / 2, abs=1e-6) and out["per_class"][1] == pytest.approx(0.0, abs=1e-6)
    assert out["ratio"] == pytest.approx(2**0.5 / 4, abs=1e-6)
    assert out["fake"][0] == pytest.approx(2**0.5, abs=1e-6) and out["real"][0] == pytest.approx(2.0, abs=1e-6)
    # features are normalised: scaling a class's fakes changes nothing; the same set scores 1
    scaled = metrics.within_class_diversity(fake * 0.3, labels, real, labels, Points())
    assert scaled["ratio"] == pytest.approx(out["ratio"], abs=1e-6)
    assert metrics.within_class_diversity(real, labels, real, labels, Points())["ratio"] == pytest.approx(1.0)
    # a class with a single fake is skipped and said so
    part = metrics.within_class_diversity(fake[:3], labels[:3], real, labels, Points())
    assert part["skipped"] == [1] and set(part["per_class"]) == {0}
    with pytest.raises(ValueError, match="no class has at least two"):
        metrics.within_class_diversity(fake[:1], labels[:1], real, labels, Points())
    with pytest.raises(ValueError, match="max_per_class"):
        metrics.within_class_diversity(fake, labels, real, labels, Points(), max_per_class=1)


def test_within_class_diversity_with_the_trained_classifier(tiny_fmnist_classifier):
    clf, _ = tiny_fmnist_classifier
    test = load_images("fmnist", "test", limit=600)
    a, b = slice(0, 300), slice(300, 600)
    halves = metrics.within_class_diversity(test.images[a], test.labels[a], test.images[b], test.labels[b], clf)
    assert 0.85 < halves["ratio"] < 1.15  # two halves of the real test set are equally varied
    # a "collapsed generator": one real image per class, repeated
    first = torch.tensor([int((test.labels == c).nonzero()[0]) for c in range(10)])
    collapsed = test.images[first].repeat_interleave(30, 0)
    labels = torch.arange(10).repeat_interleave(30)
    col = metrics.within_class_diversity(collapsed, labels, test.images[b], test.labels[b], clf)
    assert col["ratio"] < 1e-3
    out = metrics.evaluate(collapsed, labels, "fmnist", classifier=clf, inception=False)
    assert out["within_class_diversity"] < 1e-3
    assert metrics.evaluate(test.images[a], test.labels[a], "fmnist", classifier=clf, inception=False)["within_class_diversity"] > 0.85
