"""gantutor.metrics: Fréchet distance against closed forms, the offline classifier, input checks,
and the offline Inception path failing fast and clearly."""

import time

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


def test_singular_covariances_stay_finite():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(5, 20))  # fewer samples than dimensions: rank-deficient covariance
    mu, sigma = metrics.gaussian_stats(f)
    d = metrics.frechet_distance(mu, sigma, mu + 1.0, sigma)
    assert np.isfinite(d) and d == pytest.approx(20.0, rel=1e-3)


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
    root = tmp_path_factory.mktemp("classifiers")
    clf = metrics.get_classifier("fmnist", root=root, epochs=1, limit=1200, test_limit=300, batch_size=48, progress=False)
    return clf, root


def test_smoke_training_caches_and_reloads(tiny_fmnist_classifier):
    clf, root = tiny_fmnist_classifier
    path = metrics.classifier_path("fashion-mnist", root)
    assert path.exists()
    assert 0.25 < clf.test_accuracy <= 1.0  # 25 steps on 1,200 images already beat chance (0.1)
    again = metrics.get_classifier("fmnist", root=root, train_if_missing=False)
    assert again.test_accuracy == clf.test_accuracy
    x = load_images("fmnist", "test", limit=64).images
    torch.testing.assert_close(again(metrics._check_images(x, "x")), clf(metrics._check_images(x, "x")))
    with pytest.raises(FileNotFoundError, match="no cached classifier"):
        metrics.get_classifier("cifar10", root=root, train_if_missing=False)


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
    start = time.perf_counter()
    with pytest.raises(metrics.InceptionUnavailable, match="not found.*Offline alternative"):
        metrics.inception_metrics(fake, fake, download=False)
    # with download allowed, an unreachable host is detected by a short probe, not a long timeout
    monkeypatch.setattr(metrics, "_reachable", lambda *a, **k: False)
    with pytest.raises(metrics.InceptionUnavailable, match="not reachable"):
        metrics.inception_metrics(fake, fake, download=True)
    assert time.perf_counter() - start < 5.0


def test_reachability_probe_is_bounded():
    start = time.perf_counter()
    metrics._reachable("203.0.113.1", 443, timeout=0.5)  # TEST-NET-3: never answers
    assert time.perf_counter() - start < 2.0


def test_evaluate_reports_why_inception_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("GANTUTOR_INCEPTION_WEIGHTS", str(tmp_path / "missing.pth"))
    images = torch.zeros(8, 1, 28, 28)
    images[:, :, 10:18, 10:18] = 0.5
    images += 0.01 * torch.randn(images.shape, generator=torch.Generator().manual_seed(0))
    out = metrics.evaluate(images, torch.arange(8) % 4, "fmnist", classifier=Brightness(), real=images.clone(), inception="auto")
    assert out["inception_fid"] is None and out["inception_is"] is None
    assert "not found" in out["inception_note"] and "Offline alternative" in out["inception_note"]
    assert out["frechet_distance"] == pytest.approx(0.0, abs=1e-8)
