"""DiffAugment (gantutor.augment): the authors' three policies with their settings, one draw per
image, differentiable; and the trainer's use of it (every D input augmented, exact resume)."""

import math

import pytest
import torch

from gantutor import checkpoint
from gantutor.augment import CUTOUT_RATIO, POLICIES, TRANSLATION_RATIO, diff_augment, parse_policy
from gantutor.checkpoint import ResumeMismatch
from gantutor.data import synthetic_images
from gantutor.recipes import get_recipe
from gantutor.train import TrainConfig, Trainer

ALL = "color,translation,cutout"


def images(n=16, c=3, size=32, seed=0):
    """Random images in [−1, 1] with no exact zeros (so a zero in the output was put there)."""
    x = torch.rand(n, c, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    return torch.where(x == 0, torch.full_like(x, 0.5), x)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", ALL])
@pytest.mark.parametrize("shape", [(16, 3, 32, 32), (16, 1, 28, 28)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_each_policy_changes_every_image_and_keeps_shape_and_dtype(policy, shape, dtype):
    x = images(*shape[:2], shape[2]).to(dtype)
    y = diff_augment(x, policy, gen())
    assert y.shape == x.shape and y.dtype == dtype
    # translation may draw (0, 0) for an image now and then; the other policies change every image
    changed = (y != x).flatten(1).any(1)
    assert changed.all() if policy != "translation" else changed.float().mean() > 0.7


def test_one_draw_per_image_not_per_batch():
    x = images(n=1).expand(16, -1, -1, -1).contiguous()  # 16 copies of one image
    for policy in POLICIES:
        y = diff_augment(x, policy, gen())
        assert len({tuple(img.flatten().tolist()) for img in y}) > 8, policy


def test_same_generator_seed_same_augmentation():
    x = images()
    torch.testing.assert_close(diff_augment(x, ALL, gen(3)), diff_augment(x, ALL, gen(3)), rtol=0, atol=0)
    assert not torch.equal(diff_augment(x, ALL, gen(3)), diff_augment(x, ALL, gen(4)))


def test_color_shifts_brightness_by_at_most_half_and_scales_about_the_mean():
    # a grey image: saturation and contrast have nothing to scale, so only brightness b ~ U(−0.5, 0.5) shows
    grey = torch.full((2000, 3, 4, 4), 0.2)
    b = (diff_augment(grey, "color", gen()) - 0.2).flatten(1)
    assert torch.allclose(b, b[:, :1], atol=1e-6)  # one shift per image
    assert -0.5 - 1e-6 <= b.min() < -0.49 and 0.49 < b.max() < 0.5
    # a colourful image = grey part (each pixel's mean over channels) + colour part (the rest).
    # Brightness moves the mean, saturation s ~ U(0, 2) scales the colour part, contrast c ~ U(0.5, 1.5)
    # scales both parts' distance from the image's mean: grey part × c, colour part × s·c
    x = images(n=2000, size=4)
    y = diff_augment(x, "color", gen())

    def parts(t):
        grey = t.mean(dim=1, keepdim=True)
        return (grey - grey.mean(dim=(2, 3), keepdim=True)).flatten(1).norm(dim=1), (t - grey).flatten(1).norm(dim=1)

    (grey_x, colour_x), (grey_y, colour_y) = parts(x), parts(y)
    contrast = grey_y / grey_x
    saturation = colour_y / colour_x / contrast
    assert 0.5 - 1e-5 <= contrast.min() < 0.52 and 1.48 < contrast.max() < 1.5 + 1e-5
    assert 0 <= saturation.min() < 0.02 and 1.98 < saturation.max() < 2 + 1e-5


def _shift(x, dy, dx):
    """``x`` moved by (dy, dx) pixels, zeros where nothing moved in."""
    out = torch.zeros_like(x)
    h, w = x.shape[-2:]
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[..., max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)]
    return out


@pytest.mark.parametrize("size", [32, 28])
def test_translation_moves_each_image_by_whole_pixels_within_the_ratio(size):
    r = int(size * TRANSLATION_RATIO + 0.5)  # 4 pixels at 32 and at 28
    x = images(n=128, size=size)
    y = diff_augment(x, "translation", gen())
    shifts, near = [], range(-r - 2, r + 3)  # a shift beyond r fails below, with the shift named
    for xi, yi in zip(x, y):
        found = [(dy, dx) for dy in near for dx in near if torch.equal(_shift(xi, dy, dx), yi)]
        assert len(found) == 1, f"not a zero-filled whole-pixel shift of the input by at most {r + 2} pixels"
        shifts.append(found[0])
    dys, dxs = zip(*shifts)
    assert max(map(abs, dys + dxs)) <= r
    assert min(dys) == -r and max(dys) == r and min(dxs) == -r and max(dxs) == r  # the whole range is drawn


@pytest.mark.parametrize("size", [32, 28])
def test_cutout_zeroes_one_clipped_square_of_half_the_side_per_image(size):
    side = int(size * CUTOUT_RATIO + 0.5)  # 16 at 32, 14 at 28
    x = images(n=200, size=size)
    y = diff_augment(x, "cutout", gen())
    zero = y == 0
    assert torch.equal(zero, zero[:, :1].expand_as(zero))  # the same pixels in every channel
    assert torch.equal(y[~zero], x[~zero])  # everything else untouched
    full = 0
    for mask in zero[:, 0]:
        rows, cols = mask.any(1).nonzero().flatten(), mask.any(0).nonzero().flatten()
        top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
        assert mask.sum() == (bottom - top) * (right - left)  # one axis-aligned rectangle…
        assert mask[top:bottom, left:right].all()
        for lo, hi in ((top, bottom), (left, right)):  # …that is the square, cut only by the image's border
            assert hi - lo == side or (hi - lo < side and (lo == 0 or hi == size))
            assert hi - lo >= side - side // 2  # its centre lies in the image: at least half of each side remains
        full += int(bottom - top == side and right - left == side)
    assert full > 50  # most squares lie wholly inside


@pytest.mark.parametrize("policy", list(POLICIES) + [ALL])
def test_gradients_flow_to_the_input(policy):
    x = images(n=4, size=8).double().requires_grad_(True)
    weights = torch.randn(x.shape, generator=gen(1), dtype=torch.float64)
    (diff_augment(x, policy, gen()) * weights).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    # and they are the right gradients (the draws fixed by reseeding the generator on every call)
    assert torch.autograd.gradcheck(lambda t: diff_augment(t, policy, gen()), (x.detach().requires_grad_(True),))


def test_no_policy_is_the_identity():
    x = images()
    assert diff_augment(x, None) is x and diff_augment(x, "") is x
    assert parse_policy(" color , cutout") == ("color", "cutout")


@pytest.mark.parametrize("policy", ["flip", "color,flip", "color,,cutout", "Color"])
def test_unknown_policy_is_refused_naming_the_allowed_ones(policy):
    with pytest.raises(ValueError, match="allowed are 'color', 'translation', 'cutout'"):
        diff_augment(images(), policy)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*\(3, 32, 32\)"):
        diff_augment(images()[0], "color")
    with pytest.raises(TypeError, match="floats"):
        diff_augment(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), "color")
    with pytest.raises(TypeError, match="comma-separated string"):
        diff_augment(images(), ["color"])


def test_train_config_checks_and_normalises_the_policy():
    assert TrainConfig().diffaugment is None
    assert TrainConfig(diffaugment="").diffaugment is None
    assert TrainConfig(diffaugment="color, translation,cutout").diffaugment == ALL
    with pytest.raises(ValueError, match="unknown DiffAugment policy 'flip'.*allowed are"):
        TrainConfig(diffaugment="color,flip")


# ---------------------------------------------------------------------------------------- the trainer

STEPS = 4


def make(tmp_path=None, steps=STEPS, recipe="reacgan-fmnist", **overrides):
    """A smoke recipe's trainer (n_dis 2) on synthetic Fashion-MNIST-shaped data, seed 0."""
    recipe = get_recipe(recipe, "smoke", **{"n_dis": 2, **overrides})
    torch.manual_seed(0)
    G, D = recipe.build()
    cfg = recipe.config(steps=steps, log_every=1, sample_every=0, ckpt_every=0, out_dir=str(tmp_path) if tmp_path is not None else None)
    return Trainer(G, D, synthetic_images("fmnist", n=64), cfg, device="cpu")


def run(tmp_path=None, steps=STEPS, recipe="reacgan-fmnist", **overrides):
    trainer = make(tmp_path, steps, recipe, **overrides)
    trainer.fit(progress=False)
    return trainer


def weights(trainer):
    return {f"{net}.{k}": v.detach().clone() for net in ("G", "D", "G_ema") for k, v in getattr(trainer, net).state_dict().items()}


@pytest.mark.parametrize("recipe", ["reacgan-fmnist", "acgan-fmnist"])
def test_every_image_d_sees_is_augmented_in_both_updates(recipe):
    """Cutout leaves ≥ 7×7 exact zeros in every image (28×28, side 14): count them in each batch D gets."""
    seen = []
    trainer = make(steps=2, recipe=recipe, diffaugment="cutout")
    trainer.D.register_forward_pre_hook(lambda module, inputs: seen.append((inputs[0].detach().clone(), inputs[0].requires_grad)))
    trainer.fit(progress=False)
    batch = trainer.cfg.batch_size
    # per generator step: n_dis = 2 D updates on reals + fakes, then G's update on fakes (with gradients for G)
    assert [(len(x), grad) for x, grad in seen] == [(2 * batch, False), (2 * batch, False), (batch, True)] * 2
    for x, _ in seen:
        assert ((x == 0).flatten(1).sum(1) >= 7 * 7).all()
    for key, values in trainer.history.items():
        assert all(math.isfinite(v) for v in values), key


def test_diffaugment_trains_with_finite_losses_and_changes_the_run():
    augmented, plain = run(diffaugment=ALL), run()
    assert augmented.cfg.diffaugment == ALL and plain.cfg.diffaugment is None
    for key in ("d_loss", "g_loss", "d_aux_loss", "g_aux_loss"):
        assert len(augmented.history[key]) == STEPS and all(math.isfinite(v) for v in augmented.history[key]), key
    assert augmented.history["d_loss"] != plain.history["d_loss"]


def test_diffaugment_run_resumes_exactly(tmp_path):
    """Stopped at step 2 and resumed (a new Trainer on the same folder) = straight through, bit for bit."""
    straight = run(diffaugment=ALL)
    run(tmp_path, steps=2, diffaugment=ALL).save_checkpoint()
    resumed = run(tmp_path, diffaugment=ALL)
    assert resumed.step == STEPS
    for key, w in weights(straight).items():
        torch.testing.assert_close(weights(resumed)[key], w, rtol=0, atol=0, msg=key)
    assert resumed.history == straight.history


def test_a_checkpoint_from_before_diffaugment_resumes_without_it(tmp_path):
    trainer = run(tmp_path, steps=2)
    state = trainer.state_dict()
    del state["cfg"]["diffaugment"]
    checkpoint.save(state, trainer.ckpt_path)
    assert run(tmp_path).step == STEPS  # the default (None): resumes
    with pytest.raises(ResumeMismatch, match="diffaugment None → 'color,translation,cutout'"):
        run(tmp_path, steps=STEPS + 1, diffaugment=ALL)  # another policy than the file's: refused like any setting


def test_augmentation_draws_do_not_come_from_the_global_generator():
    """A callback (or a lesson cell) drawing from torch's global RNG mid-run leaves the run unchanged."""
    from gantutor.train import Callback

    class DrawGlobally(Callback):
        def on_step_end(self, trainer, step, logs):
            torch.rand(100)

    plain = run(diffaugment=ALL)
    disturbed = make(diffaugment=ALL)
    disturbed.callbacks.append(DrawGlobally())
    disturbed.fit(progress=False)
    for key, w in weights(plain).items():
        torch.testing.assert_close(weights(disturbed)[key], w, rtol=0, atol=0, msg=key)
