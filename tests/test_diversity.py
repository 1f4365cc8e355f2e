"""pixel_spread and SpreadMonitor: the cheap collapse measure logged during training, and how it is read."""

import random

import numpy as np
import pytest
import torch

from gantutor.data import ImageSet
from gantutor.metrics import COPY_SPREAD, SpreadMonitor, class_ratio_table, pixel_spread, read_spread, relative_spread
from gantutor.recipes import get_recipe
from gantutor.train import Trainer


def test_pixel_spread_is_zero_for_copies_and_matches_a_direct_std():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 3, 8, 8, generator=g) * 2 - 1
    y = torch.arange(40) % 4
    copies = x[y == 0][:1].expand(10, -1, -1, -1)
    assert pixel_spread(copies, torch.zeros(10, dtype=torch.long), 1)["spread"] == 0.0
    out = pixel_spread(x, y, 4)
    direct = sum(float(x[y == c].std(0).mean()) for c in range(4)) / 4
    assert out["spread"] == pytest.approx(direct, rel=1e-6)
    assert set(out["per_class"]) == {0, 1, 2, 3}


def test_pixel_spread_reads_uint8_on_the_same_scale():
    g = torch.Generator().manual_seed(1)
    u8 = torch.randint(0, 256, (20, 1, 4, 4), generator=g, dtype=torch.uint8)
    y = torch.zeros(20, dtype=torch.long)
    assert pixel_spread(u8, y, 1)["spread"] == pytest.approx(pixel_spread(u8.float() / 127.5 - 1, y, 1)["spread"], rel=1e-6)


def test_pixel_spread_skips_classes_without_pairs_and_checks_inputs():
    x = torch.zeros(3, 1, 2, 2)
    out = pixel_spread(x, torch.tensor([0, 0, 1]), 3)
    assert out["skipped"] == [1, 2]
    with pytest.raises(ValueError, match="num_classes"):
        pixel_spread(x, torch.tensor([0, 0, 1]), 0)
    with pytest.raises(ValueError, match="two images"):
        pixel_spread(x, torch.tensor([0, 1, 2]), 3)
    with pytest.raises(ValueError, match="every"):
        SpreadMonitor(0, real=0.5)
    with pytest.raises(ValueError, match="real"):
        SpreadMonitor(1, real=0.0)


class _CopyG(torch.nn.Module):
    """A conditional 'generator' that ignores z: one image per class."""

    z_dim, num_classes = 4, 3

    def __init__(self):
        super().__init__()
        self.table = torch.nn.Parameter(torch.randn(3, 1, 2, 2))

    def forward(self, z, y):
        return torch.tanh(self.table[y])


class _View:
    """The part of a trainer SpreadMonitor uses."""

    def __init__(self, G):
        self.G, self.rank, self.history = G, 0, {}

    def sample(self, n, labels=None, z=None, **_):
        return self.G(z, labels) + 0 * z[:, :1, None, None]


def test_spread_monitor_logs_a_zero_ratio_for_a_generator_that_ignores_z():
    view = _View(_CopyG())
    mon = SpreadMonitor(2, real=0.5, num_classes=3, per_class=4)
    for step in (1, 2, 3, 4):
        mon.on_step_end(view, step, {})
    assert view.history["spread_step"] == [2.0, 4.0]
    assert view.history["spread_ratio"] == [0.0, 0.0]


def _tiny_cifar(n=64):
    g = torch.Generator().manual_seed(0)
    return ImageSet(torch.randint(0, 256, (n, 3, 32, 32), generator=g, dtype=torch.uint8), torch.arange(n) % 10,
                    tuple(str(k) for k in range(10)))


def _train(callbacks, ema):
    recipe = get_recipe("reacgan-cifar10", "smoke")
    torch.manual_seed(0)
    G, D = recipe.build()
    cfg = recipe.config(steps=4, ema=ema, log_every=1, sample_every=0, ckpt_every=0, out_dir=None)
    trainer = Trainer(G, D, _tiny_cifar(), cfg, device="cpu", callbacks=callbacks)
    trainer.fit(progress=False)
    return trainer


@pytest.mark.parametrize("ema", [0.9, None])
def test_spread_monitor_does_not_change_the_training(ema):
    """Same weights, same losses, same global RNG afterwards: the monitor draws from its own generator."""
    torch.manual_seed(5); np.random.seed(5); random.seed(5)
    plain = _train([], ema)
    after_plain = (torch.random.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())
    torch.manual_seed(5); np.random.seed(5); random.seed(5)
    watched = _train([SpreadMonitor(1, real=0.5, per_class=4)], ema)
    assert torch.equal(torch.random.get_rng_state(), after_plain[0])
    assert np.array_equal(np.random.get_state()[1], after_plain[1]) and random.getstate() == after_plain[2]
    assert watched.history["spread_step"] == [1.0, 2.0, 3.0, 4.0] and all(r > 0 for r in watched.history["spread_ratio"])
    for name in ("G", "D") + (("G_ema",) if ema else ()):
        a, b = getattr(plain, name).state_dict(), getattr(watched, name).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), f"{name} differs with the monitor"
    for key in plain.history:
        assert plain.history[key] == watched.history[key], key


def test_spread_monitor_measure_is_what_it_logs():
    trainer = _train([mon := SpreadMonitor(2, real=0.5, per_class=4)], 0.9)
    assert trainer.history["spread_ratio"][-1] == mon.measure(trainer.sample, trainer.G.z_dim)


def test_relative_spread_divides_class_by_class():
    g = torch.Generator().manual_seed(3)
    x, y = torch.rand(40, 1, 4, 4, generator=g) * 2 - 1, torch.arange(40) % 4
    real = pixel_spread(x, y, 4)
    half = relative_spread(x * 0.5, y, real, 4)
    assert half["ratio"] == pytest.approx(0.5) and all(v == pytest.approx(0.5) for v in half["per_class"].values())
    assert sorted(half["per_class"]) == [0, 1, 2, 3]
    # a real reference lacking a class G is asked for is an error, not a silent drop
    only_two = pixel_spread(x[y < 2], y[y < 2], 4)
    with pytest.raises(ValueError, match=r"class\(es\) \[2, 3\]"):
        relative_spread(x, y, only_two, 4)


def test_real_spread_takes_every_class_from_class_sorted_data():
    from types import SimpleNamespace

    from gantutor.reproduce.capstone import REAL_SPREAD_N, real_spread

    g = torch.Generator().manual_seed(0)
    y = torch.arange(10).repeat_interleave(REAL_SPREAD_N)  # stored class by class, like an ImageFolder copy
    x = torch.rand(len(y), 1, 4, 4, generator=g) * 2 - 1
    ref = real_spread(SimpleNamespace(images=x, labels=y, classes=list("abcdefghij")))
    assert sorted(ref["per_class"]) == list(range(10)) and not ref["skipped"]


def test_read_spread_says_copies_below_the_line_and_how_much_above_it():
    assert COPY_SPREAD == 0.35
    low = read_spread(0.1, feature_ratio=0.2)
    assert low.startswith("These rows look like copies") and "0.10" in low and "Try:" in low and "0.20" in low
    assert "low contrast" in low and "Check the grid" in low  # the measure scales with contrast: say so
    high = read_spread(0.8, {0: 0.9, 1: 0.3, 2: 0.7}, ["plane", "car", "bird"])
    assert high.startswith("The rows differ") and "20% less than real" in high
    assert "from 0.30 (car) to 0.90 (plane)" in high and "below the line: car" in high
    assert "no class is below the line" in read_spread(1.2, {0: 1.1, 1: 1.3})
    assert "20% more than real" in read_spread(1.2)
    # pictures that differ but cover fewer kinds of image: the feature ratio gets its own reading and action
    narrow = read_spread(0.8, feature_ratio=0.7)
    assert narrow.startswith("The rows differ") and "in the classifier's features 0.70 of real" in narrow and "Try:" in narrow
    assert "Try:" not in read_spread(0.8, feature_ratio=0.9)
    with pytest.raises(ValueError):
        read_spread(-1.0)


def test_training_scores_figure_draws_what_was_recorded_and_says_what_was_not():
    import matplotlib.pyplot as plt

    from gantutor.plots import cpu_seconds_per_step, plot_class_diversity, plot_training_scores

    full = {"eval_step": [2.0, 4.0], "eval_accuracy_ratio": [0.5, 0.7], "eval_frechet_distance": [30.0, 20.0],
            "eval_within_class_diversity": [0.6, 0.8], "spread_step": [1.0, 2.0, 3.0, 4.0], "spread_ratio": [0.9, 0.6, 0.5, 0.5]}
    old = {k: v for k, v in full.items() if not k.startswith("spread")}  # a run from before the monitor
    fig = plot_training_scores({"new": full, "old": old}, {"new": {"cpu_s": 40.0, "steps": 4}, "old": {"cpu_s": 42.0, "steps": 4}},
                               final_spread={"old": (4, 0.2)}, frechet_floor=1.5)
    spread_ax = fig.axes[3]
    assert [tuple(line.get_xdata()) for line in spread_ax.lines[:2]] == [(1.0, 2.0, 3.0, 4.0), (4,)]
    assert any(line.get_ydata()[0] == COPY_SPREAD for line in spread_ax.lines[2:])
    assert [len(ax.child_axes) for ax in fig.axes] == [1, 1, 0, 0]  # a CPU-seconds axis on each top panel
    plt.close(fig)
    fig = plot_training_scores({"bare": {"step": [1.0]}}, {"bare": None})
    assert len(fig.axes) == 4 and all("not recorded" in ax.texts[0].get_text() and not ax.child_axes for ax in fig.axes)
    plt.close(fig)
    fig = plot_training_scores({"a": full, "b": full}, {"a": {"cpu_s": 10.0, "steps": 4}, "b": {"cpu_s": 20.0, "steps": 4}})
    assert not any(ax.child_axes for ax in fig.axes)  # rates 2× apart: no common CPU-seconds axis
    plt.close(fig)
    assert cpu_seconds_per_step({"cpu_s": 10.0, "steps": 4}) == 2.5 and cpu_seconds_per_step(None) is None
    fig = plot_class_diversity({"a": {"pixel": {0: 0.5, 1: 0.2}, "feature": {0: 0.9, 1: 0.8}}}, ["x", "y"])
    assert [p.get_height() for p in fig.axes[0].patches] == [0.5, 0.2]
    plt.close(fig)
    with pytest.raises(ValueError):
        plot_training_scores({})


def test_class_ratio_table_has_a_row_per_run_and_measure():
    text = class_ratio_table({"acgan": {"pixel": {0: 0.5, 1: 0.25}, "feature": {0: 0.9}}}, ["airplane", "car"])
    head, pixel, feature = text.splitlines()
    assert head.split() == ["per", "class", "airpl", "car"]
    assert pixel.split() == ["acgan", "pixel", "0.50", "0.25"] and feature.split() == ["acgan", "feature", "0.90", "nan"]
