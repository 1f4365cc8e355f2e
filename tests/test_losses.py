"""The loss registry against direct formulas, at ordinary and extreme logits."""

import math

import pytest
import torch

from gantutor.losses import LOSSES, get_loss



def D(s):
    return torch.sigmoid(s)


@pytest.fixture
def scores():
    g = torch.Generator().manual_seed(0)
    return torch.randn(64, generator=g, dtype=torch.float64) * 2, torch.randn(64, generator=g, dtype=torch.float64) * 2


def test_minimax_d_loss_is_binary_cross_entropy(scores):
    real, fake = scores
    direct = -(torch.log(D(real)).mean() + torch.log(1 - D(fake)).mean())
    for name in ("saturating", "nonsaturating"):
        torch.testing.assert_close(get_loss(name).d_loss(real, fake), direct)


def test_generator_losses_match_direct_formulas(scores):
    _, fake = scores
    torch.testing.assert_close(get_loss("saturating").g_loss(fake), torch.log(1 - D(fake)).mean())
    torch.testing.assert_close(get_loss("nonsaturating").g_loss(fake), -torch.log(D(fake)).mean())


def test_lsgan_formulas_with_half_factors(scores):
    real, fake = scores
    loss = get_loss("lsgan", a=-1, b=1, c=0)
    torch.testing.assert_close(loss.d_loss(real, fake), 0.5 * ((real - 1) ** 2).mean() + 0.5 * ((fake + 1) ** 2).mean())
    torch.testing.assert_close(loss.g_loss(fake), 0.5 * (fake**2).mean())
    other = get_loss("lsgan", a=0, b=1, c=1)
    torch.testing.assert_close(other.d_loss(real, fake), 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean())
    torch.testing.assert_close(other.g_loss(fake), 0.5 * ((fake - 1) ** 2).mean())
    assert (get_loss("lsgan").a, get_loss("lsgan").b, get_loss("lsgan").c) == (-1, 1, 0)


def test_hinge_formulas(scores):
    real, fake = scores
    loss = get_loss("hinge")
    torch.testing.assert_close(loss.d_loss(real, fake), torch.clamp(1 - real, min=0).mean() + torch.clamp(1 + fake, min=0).mean())
    torch.testing.assert_close(loss.g_loss(fake), -fake.mean())


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_extreme_logits_stay_finite(name, dtype):
    s = torch.tensor([-100.0, -30.0, 0.0, 30.0, 100.0], dtype=dtype, requires_grad=True)
    loss = get_loss(name)
    total = loss.d_loss(s, s) + loss.g_loss(s)
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(s.grad).all()


def test_softplus_values_at_extremes_are_exact():
    big = torch.tensor([100.0], dtype=torch.float64)
    # −log sigmoid(−100) = 100 + log(1 + e^−100) ≈ 100
    assert math.isclose(get_loss("nonsaturating").g_loss(-big).item(), 100.0, rel_tol=1e-12)
    assert math.isclose(get_loss("saturating").g_loss(big).item(), -100.0, rel_tol=1e-12)


def test_saturating_gradient_vanishes_when_d_wins():
    """The reason for the non-saturating loss: at D(G(z)) ≈ 0 the saturating gradient ≈ 0."""
    f = torch.tensor([-8.0], requires_grad=True)
    get_loss("saturating").g_loss(f).backward()
    sat = f.grad.abs().item()
    f.grad = None
    get_loss("nonsaturating").g_loss(f).backward()
    assert sat < 1e-3 < f.grad.abs().item()


@pytest.mark.parametrize(
    "name, params, match",
    [
        ("wgan", {}, "allowed are"),
        ("Hinge", {}, "allowed are"),
        ("hinge", {"margin": 2}, "takes no parameters"),
        ("lsgan", {"d": 1}, "a, b, c"),
        ("lsgan", {"a": 1, "b": 1}, "a != b"),
        ("lsgan", {"a": float("nan")}, "finite"),
        ("lsgan", {"c": "zero"}, "finite"),
    ],
)
def test_bad_names_and_parameters_raise(name, params, match):
    with pytest.raises(ValueError, match=match):
        get_loss(name, **params)


def test_bad_inputs_raise():
    loss = get_loss("hinge")
    with pytest.raises(TypeError, match="torch.Tensor"):
        loss.g_loss([1.0, 2.0])
    with pytest.raises(TypeError, match="floating-point"):
        loss.g_loss(torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="empty"):
        loss.d_loss(torch.zeros(0), torch.zeros(3))


# --- lsgan / hinge input errors and minima (lesson 02)
@pytest.mark.parametrize("params", [{"a": True}, {"b": float("inf")}, {"c": None}, {"a": 2, "b": 2.0}])
def test_lsgan_rejects_bools_infinities_and_equal_codes(params):
    with pytest.raises(ValueError, match="lsgan"):
        get_loss("lsgan", **params)


@pytest.mark.parametrize("name", ["lsgan", "hinge"])
def test_d_loss_checks_both_arguments(name):
    loss = get_loss(name)
    good = torch.zeros(3)
    with pytest.raises(TypeError, match="real_scores"):
        loss.d_loss([0.0], good)
    with pytest.raises(TypeError, match="fake_scores must be a floating-point"):
        loss.d_loss(good, torch.zeros(3, dtype=torch.int64))
    with pytest.raises(ValueError, match="fake_scores is empty"):
        loss.d_loss(good, torch.zeros(0))


def test_lsgan_minimum_is_at_the_codes():
    """D's loss is 0 exactly when reals score b and fakes score a; G's when fakes score c."""
    loss = get_loss("lsgan", a=0, b=1, c=1)
    assert loss.d_loss(torch.ones(4), torch.zeros(4)).item() == 0.0
    assert loss.g_loss(torch.ones(4)).item() == 0.0
    assert loss.d_loss(torch.zeros(4), torch.zeros(4)).item() == pytest.approx(0.5)
