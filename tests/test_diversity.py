"""pixel_spread and SpreadMonitor: the cheap collapse measure logged during training."""

import pytest
import torch

from gantutor.metrics import SpreadMonitor, pixel_spread


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
