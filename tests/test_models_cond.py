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
    assert (gpu.z_dim, gpu.g_width, gpu.d_width, gpu.shared_dim, gpu.g_attn, gpu.d_attn) == (80, 384, 192, 128, (2,), (1,))
    assert (cfg.ema, cfg.ema_start, gpu.init) == (0.9999, 1000, "ortho")
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


# ----------------------------------------------------------------------------- the gpu preset (StudioGAN's ReACGAN CIFAR-10)


def test_gpu_preset_architecture_parameter_counts_and_a_step_at_batch_2():
    import torch.nn.functional as F

    from gantutor.losses import d2d_ce
    from gantutor.models import SelfAttention, _DBlock, _GBlock, count_parameters
    from gantutor.recipes import parameter_report, reference_parameter_counts

    recipe = get_recipe("reacgan-cifar10", "gpu")
    torch.manual_seed(0)
    G, D = recipe.build()
    # G: three up-blocks of 384 channels, self-attention right after block 2; hierarchical z 80 = 4 × 20
    g_layers = list(G.blocks.layers)
    assert [type(m).__name__ for m in g_layers] == ["_GBlock", "_GBlock", "SelfAttention", "_GBlock"]
    assert all(m.conv1.out_channels == 384 and m.conv2.out_channels == 384 for m in g_layers if isinstance(m, _GBlock))
    assert g_layers[2].channels == 384 and (G.shared.embedding_dim, G.chunk, G.z_dim) == (128, 20, 80)
    assert g_layers[0].bn1.gain.in_features == 148  # 128 shared + 20 of z
    # D: four residual blocks of 192 channels (not 384), self-attention right after block 1
    d_layers = list(D.features)[:-1]
    assert [type(m).__name__ for m in d_layers] == ["_DBlock", "SelfAttention", "_DBlock", "_DBlock", "_DBlock"]
    assert all(m.conv2.out_channels == 192 for m in d_layers if isinstance(m, _DBlock)) and d_layers[1].channels == 192
    assert D.feature_dim == 192 and D.aux_head.P.out_features == 512 and D.head_type == "reacgan"
    assert not recipe.config().amp  # full precision by default

    report = parameter_report(recipe)
    print(report)
    ref = reference_parameter_counts()
    assert (count_parameters(G), count_parameters(D)) == (ref["G"], ref["D"]) == (9_416_196, 2_517_186)
    assert "difference +0" in report
    # ACGAN's reference classifier has no bias: ours has one, 10 parameters more, and the report says so
    print(parameter_report(get_recipe("acgan-cifar10", "gpu")))
    assert count_parameters(get_recipe("acgan-cifar10", "gpu").build()[1]) - reference_parameter_counts(head="acgan")["D"] == 10

    # one forward/backward at batch 2 on the CPU, through both heads' losses
    z, y = torch.randn(2, 80), torch.tensor([3, 8])
    x = G(z, y)
    assert x.shape == (2, 3, 32, 32)
    out = D(x, y)
    loss = F.relu(1 - out.score).mean() + 0.5 * d2d_ce(out.embedding, out.proxy, y)
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in G.parameters())
    assert D.aux_head.P.parametrizations.weight.original.grad.abs().sum() > 0


def test_self_attention_matches_a_direct_computation_and_starts_as_identity():
    from gantutor.models import SelfAttention

    torch.manual_seed(1)
    sa = SelfAttention(16)
    x = torch.randn(2, 16, 4, 6)
    torch.testing.assert_close(sa(x), x)  # σ = 0 at the start
    with torch.no_grad():
        sa.sigma.fill_(0.7)
    # position by position: query at p, keys/values on the 2×2-max-pooled grid
    q = torch.einsum("oc,nchw->nohw", sa.theta.weight[:, :, 0, 0], x).flatten(2)
    k = torch.nn.functional.max_pool2d(torch.einsum("oc,nchw->nohw", sa.phi.weight[:, :, 0, 0], x), 2).flatten(2)
    v = torch.nn.functional.max_pool2d(torch.einsum("oc,nchw->nohw", sa.g.weight[:, :, 0, 0], x), 2).flatten(2)
    out = torch.zeros(2, 8, 24)
    for n in range(2):
        for p in range(24):
            w = torch.softmax(q[n, :, p] @ k[n], dim=0)  # over the 6 pooled positions
            out[n, :, p] = v[n] @ w
    expected = x + 0.7 * torch.einsum("oc,nchw->nohw", sa.o.weight[:, :, 0, 0], out.view(2, 8, 4, 6))
    torch.testing.assert_close(sa(x), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="divisible by 8"):
        SelfAttention(12)


def test_hierarchical_z_reaches_every_block_and_shared_embedding_carries_the_class():
    G = ResNetGenerator(z_dim=16, width=16, shared_dim=8, attention=(3,), spectral_norm=False, init="ortho").eval()
    assert G.chunk == 4
    z, y = torch.randn(2, 16), torch.tensor([1, 1])
    base = G(z, y)
    for b in range(4):  # changing chunk b (seed or block b) changes the image
        z2 = z.clone()
        z2[:, 4 * b : 4 * b + 4] += 1.0
        assert (G(z2, y) - base).abs().max() > 1e-4, b
    assert (G(z, torch.tensor([2, 2])) - base).abs().max() > 1e-4
    with torch.no_grad():  # the class enters only through the shared embedding
        G.shared.weight[2] = G.shared.weight[1]
    torch.testing.assert_close(G(z, torch.tensor([2, 2])), base)
    with pytest.raises(ValueError, match="divisible by blocks"):
        ResNetGenerator(z_dim=15, width=16, shared_dim=8)
    with pytest.raises(ValueError, match="attention"):
        ResNetGenerator(z_dim=16, width=16, attention=(4,))
    with pytest.raises(ValueError, match="attention"):
        ResNetDiscriminator(width=16, attention=(0,))
    with pytest.raises(ValueError, match="init must be"):
        ResNetDiscriminator(width=16, init="xavier")


def test_default_resnet_models_are_unchanged_by_the_new_options():
    # the options default off: same parameter names as before (old checkpoints still load)
    G = ResNetGenerator(z_dim=8, width=8)
    D = ResNetDiscriminator(width=8, head="reacgan", embed_dim=4)
    assert not any("shared" in k or "sigma" in k for k in G.state_dict())
    assert not any("sigma" in k for k in D.state_dict()) and "proxies.weight" in dict(D.aux_head.named_parameters())


# ----------------------------------------------------------------------------- ablation switches


@pytest.mark.parametrize("aux_loss,head,margins", [
    ("ce", "acgan", (0.98, 0.02)),
    ("ce-normalized", "ce-normalized", (0.98, 0.02)),
    ("d2d-ce-nomargin", "reacgan", (None, None)),
    ("d2d-ce", "reacgan", (0.98, 0.02)),
])
def test_ablation_variants_by_name_build_and_train(aux_loss, head, margins):
    r = get_recipe("reacgan-fmnist", "smoke", aux_loss=aux_loss)
    cfg = r.config()
    assert r.aux_loss == aux_loss and r.d_head == head and (cfg.d2d["m_p"], cfg.d2d["m_n"]) == margins
    assert cfg.aux_weight == 0.5  # λ of the reacgan recipe, whatever the variant
    torch.manual_seed(0)
    G, D = r.build()
    assert D.head_name == head
    h = Trainer(G, D, tiny_data(), r.config(steps=2, batch_size=16, ckpt_every=0), device="cpu").fit(progress=False)
    assert len(h["d_aux_loss"]) == 2 and all(torch.isfinite(torch.tensor(h["g_aux_loss"])))
    # the cpu preset takes the same switch; its other values are untouched
    cpu = get_recipe("reacgan-cifar10", "cpu", aux_loss=aux_loss)
    assert dataclasses_equal_except(cpu, get_recipe("reacgan-cifar10", "cpu"), "aux_loss")


@pytest.mark.parametrize("preset", PRESETS)
def test_every_recipe_and_variant_builds_and_runs_a_batch_of_2(preset):
    from gantutor.losses import AUX_LOSSES

    pairs = [(name, aux_loss) for name in RECIPES for aux_loss in AUX_LOSSES]
    if preset == "gpu":  # big models: every recipe once, the variants on the smaller fmnist pair
        pairs = [(name, None) for name in RECIPES] + [("reacgan-fmnist", a) for a in ("ce", "ce-normalized", "d2d-ce-nomargin")]
    for name, aux_loss in pairs:
        r = get_recipe(name, preset, aux_loss=aux_loss)
        G, D = r.build()
        y = torch.tensor([0, 9])
        out = D(G(torch.randn(2, r.z_dim), y), y)
        assert out.score.shape == (2,) and D.head_name == r.d_head, (name, aux_loss)


def dataclasses_equal_except(a, b, field):
    import dataclasses

    return all(getattr(a, f.name) == getattr(b, f.name) for f in dataclasses.fields(a) if f.name != field)


def test_recipe_overrides_are_checked_and_round_trip_through_json():
    import json

    from gantutor.recipes import Recipe

    with pytest.raises(ValueError, match="unknown aux_loss"):
        get_recipe("reacgan-cifar10", "cpu", aux_loss="d2d")
    with pytest.raises(ValueError, match="unknown override"):
        get_recipe("reacgan-cifar10", "cpu", heads="acgan")
    r = get_recipe("reacgan-cifar10", "gpu", amp=True, steps=10)
    assert r.config().amp and r.config().steps == 10 and r.d_width == 192
    again = Recipe(**json.loads(json.dumps(r.to_dict())))  # what `gantutor sample` does with recipe.json
    assert again.g_attn == (2,) and again.d_attn == (1,) and again.aux_loss == "d2d-ce"
    old = {k: v for k, v in r.to_dict().items() if k not in ("g_attn", "d_attn", "shared_dim", "init", "sn_embedding", "aux_loss")}
    assert Recipe(**old).aux_loss == "d2d-ce"  # a recipe.json written before these fields still loads


def test_orthogonal_init():
    from gantutor.models import init_weights

    torch.manual_seed(0)
    D = ResNetDiscriminator(width=16, head="reacgan", embed_dim=8, spectral_norm=False, init="ortho")
    w = D.aux_head.P.weight  # 8 × 16: orthonormal rows
    torch.testing.assert_close(w @ w.T, torch.eye(8), atol=1e-5, rtol=0)
    assert D.aux_head.P.bias.abs().max() == 0 and D.adv.bias.abs().max() == 0
    conv = D.features[0].conv2.weight.flatten(1)  # 16 × 144
    torch.testing.assert_close(conv @ conv.T, torch.eye(16), atol=1e-5, rtol=0)
    G = init_weights(CondDCGenerator(z_dim=8, width=4), "ortho")
    cbn = [m for m in G.modules() if isinstance(m, ConditionalBatchNorm2d)][0]
    assert (cbn.gamma.weight == 1).all() and (cbn.beta.weight == 0).all()  # per-class γ, β keep their start
    with pytest.raises(ValueError, match="before spectral norm"):
        init_weights(ResNetDiscriminator(width=16), "ortho")


def test_gpu_preset_models_train_one_step_with_the_trainer():
    """The BigGAN options (attention, shared embedding, SN proxies) go through the real trainer."""
    r = get_recipe("reacgan-cifar10", "gpu", g_width=32, d_width=16, embed_dim=16,  # narrow: seconds on one CPU thread
                   steps=1, n_dis=1, batch_size=4, ema_start=0, log_every=1, sample_every=0, ckpt_every=0)
    g = torch.Generator().manual_seed(0)
    data = ImageSet(torch.randint(0, 256, (16, 3, 32, 32), generator=g, dtype=torch.uint8), torch.arange(16) % 10, tuple("0123456789"))
    torch.manual_seed(0)
    G, D = r.build()
    before = D.aux_head.proxies.parametrizations.weight.original.detach().clone()
    t = Trainer(G, D, data, r.config(), device="cpu")
    h = t.fit(progress=False)
    assert all(len(h[k]) == 1 for k in ("d_loss", "g_loss", "d_aux_loss", "g_aux_loss", "aux_grad_norm"))
    assert not torch.equal(before, D.aux_head.proxies.parametrizations.weight.original)
    assert t.sample(2).shape == (2, 3, 32, 32)
