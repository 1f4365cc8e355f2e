"""Lesson 02's extra checks of the lsgan and hinge losses: the errors test_losses.py leaves out."""

import pytest
import torch

from gantutor.losses import get_loss


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
