"""Conditional generators/discriminators (ACGAN/ReACGAN heads) and the trainer's conditional path."""

import pytest
import torch

from gantutor.data import ImageSet
from gantutor.models import (
    CondDCDiscriminator, CondDCGenerator, ConditionalBatchNorm2d, DOutput, ResNetDiscriminator, ResNetGenerator,
)
from gantutor.recipes import PRESETS, RECIPES, get_recipe
from gantutor.train import TrainConfig, Trainer


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3)])
@pytest.mark.parametrize("arch", ["dc", "resnet"])
@pytest.mark.parametrize("head", ["acgan", "reacgan"])
def test_shapes(size, channels, arch, head):
    Gc, Dc = (CondDCGenerator, CondDCDiscriminator) if arch == "dc" else (ResNetGenerator, ResNetDiscriminator)
    G = Gc(z_dim=8, num_classes=10, img_size=size, channels=channels, width=8, depth=1)
    D = Dc(img_size=size, channels=channels, width=8, num_classes=10, head=head, embed_dim=12, depth=1)
    y = torch.tensor([0, 9, 3])
    x = G(torch.randn(3, 8), y)
    assert x.shape == (3, channels, size, size) and x.abs().max() <= 1
    out = D(x, y)
    assert isinstance(out, DOutput) and out.score.shape == (3,) and out.features.shape[0] == 3
    if head == "acgan":
        assert out.logits.shape == (3, 10) and out.embedding is None
    else:
        assert out.embedding.shape == (3, 12) and out.proxy.shape == (3, 12) and out.logits is None
        torch.testing.assert_close(out.proxy, D.aux_head.proxies.weight[y])


def test_conditional_bn_uses_the_label():
    cbn = ConditionalBatchNorm2d(3, 4)
    with torch.no_grad():
        cbn.gamma.weight[1] = 2.0
        cbn.beta.weight[1] = -1.0
    x = torch.randn(2, 3, 4, 4)
    a, b = cbn(x, torch.tensor([0, 0])), cbn(x, torch.tensor([1, 1]))
    torch.testing.assert_close(b, 2 * a - 1)


def test_spectral_norm_and_clear_errors():
    D = ResNetDiscriminator(32, 3, 8, 10, "reacgan", 16, spectral_norm=True)
    assert any("parametrizations" in n for n, _ in D.named_parameters())
    with pytest.raises(ValueError, match="head must be one of"):
        CondDCDiscriminator(head="projection")
    with pytest.raises(ValueError, match="num_classes"):
        CondDCGenerator(num_classes=1)
    G = CondDCGenerator(z_dim=8, width=4)
    with pytest.raises(ValueError, match="labels"):
        G(torch.randn(2, 8), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="labels"):
        G(torch.randn(2, 8), None)
    with pytest.raises(ValueError, match="unknown recipe"):
        get_recipe("acgan-mnist", "cpu")
    with pytest.raises(ValueError, match="unknown preset"):
        get_recipe("acgan-fmnist", "tpu")


def test_every_recipe_builds():
    for name in RECIPES:
        for preset in PRESETS:
            r = get_recipe(name, preset)
            cfg = r.config()
            assert cfg.loss == "hinge" and (cfg.aux_weight == (0.5 if name.startswith("reacgan") else 1.0))
    gpu = get_recipe("reacgan-cifar10", "gpu")
    cfg = gpu.config()
    assert (cfg.batch_size, cfg.n_dis, cfg.steps, cfg.betas, gpu.embed_dim) == (128, 5, 100_000, (0.5, 0.999), 512)
    assert abs(cfg.lr_g - 2.8284e-4) < 1e-8 and cfg.d2d == {"m_p": 0.98, "m_n": 0.02, "tau": 0.5} and gpu.sn_g and gpu.sn_d


def tiny_data(n=64):
    g = torch.Generator().manual_seed(0)
    return ImageSet(torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8), torch.arange(n) % 10, tuple("0123456789"))


@pytest.mark.parametrize("head", ["acgan", "reacgan"])
def test_conditional_training_logs_and_resumes_exactly(head, tmp_path):
    def make():
        torch.manual_seed(0)
        G = CondDCGenerator(z_dim=8, width=4)
        D = CondDCDiscriminator(width=4, head=head, embed_dim=8)
        return G, D

    cfg = dict(steps=4, batch_size=16, ema=0.9, log_every=1, loss="hinge")
    straight = Trainer(*make(), tiny_data(), TrainConfig(**cfg), device="cpu")
    h = straight.fit(progress=False)
    for key in ("d_loss", "g_loss", "d_aux_loss", "g_aux_loss", "feat_norm", "aux_grad_norm"):
        assert len(h[key]) == 4, key
    assert ("acc_real" in h) == (head == "acgan")
    first = Trainer(*make(), tiny_data(), TrainConfig(**cfg, out_dir=str(tmp_path)), device="cpu")
    first.fit(2, progress=False)
    first.save_checkpoint()
    resumed = Trainer(*make(), tiny_data(), TrainConfig(**cfg, out_dir=str(tmp_path)), device="cpu")
    resumed.fit(progress=False)
    for a, b in zip(straight.G_ema.state_dict().values(), resumed.G_ema.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(straight.D.state_dict().values(), resumed.D.state_dict().values()):
        assert torch.equal(a, b)
    imgs = resumed.sample(10, labels=torch.arange(10))
    assert imgs.shape == (10, 1, 28, 28)
    with pytest.raises(ValueError, match="labels"):
        resumed.sample(3, labels=torch.tensor([0, 1, 10]))


def test_conditional_G_needs_a_conditional_head():
    from gantutor.models import DCDiscriminator

    with pytest.raises(ValueError, match="head_type"):
        Trainer(CondDCGenerator(z_dim=8, width=4), DCDiscriminator(width=4), tiny_data(), TrainConfig(batch_size=8), device="cpu")
