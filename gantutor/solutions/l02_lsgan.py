"""Lesson 02 (LSGAN) exercises and their hidden reference solutions."""

from __future__ import annotations

import math

import torch
from torch import nn

from gantutor.checks import exercise


def _close(value, target, tol=1e-6) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and abs(value - target) <= tol


@exercise(
    "02.dstar-value",
    "Coding a = 0, b = 1. At a point x where p_d(x) = 0.3 and p_g(x) = 0.1, what is D*(x)?",
    check=lambda ans: _close(float(ans), 0.75),
    hint="D* = (b·p_d + a·p_g)/(p_d + p_g): a weighted average of the two codes, weighted by the densities.",
    explanation="D* = (1·0.3 + 0·0.1)/0.4 = 0.75: three quarters of the mass at x is real.",
)
def dstar_value():
    a, b, p_d, p_g = 0.0, 1.0, 0.3, 0.1
    return (b * p_d + a * p_g) / (p_d + p_g)


@exercise(
    "02.find-c",
    "Take fake code a = 0 and real code b = 2. Which target c makes 2C(G) equal χ²_Pearson(p_d + p_g ‖ 2p_g) exactly?",
    check=lambda ans: _close(float(ans), 1.0),
    hint="The conditions are b − c = 1 and b − a = 2. Is b − a = 2 already true?",
    explanation="b − a = 2 holds, and b − c = 1 gives c = 1: G aims halfway between the codes.",
)
def find_c():
    b = 2.0
    return b - 1.0


@exercise(
    "02.offset-011",
    "With the 0/1/1 coding, what is the smallest value 2C(G) can take (over all p_g)?",
    check=lambda ans: _close(float(ans), 0.5, 1e-4),
    hint="2C(G) = (b − a)²/4 · χ² + 2(a − c)(b − c) + (b − a)²/2, and χ² ≥ 0 with equality at p_g = p_d. "
    "Or use gantutor.divergences.lsgan_g_objective with p_g = p_d.",
    explanation="Scale 1/4, offset 1/2: the minimum 1/2 is reached at p_g = p_d, as for the χ² coding.",
)
def offset_011():
    from gantutor import divergences as dv

    x = dv.grid(-10, 10, 4001)
    p = dv.gaussian(x, 0.0, 1.0)
    return 2 * dv.lsgan_g_objective(p, p, x, a=0, b=1, c=1)


def _check_ratio(ans) -> bool:
    target = 6.0 / torch.sigmoid(torch.tensor(-6.0, dtype=torch.float64)).item()
    return abs(float(ans) / target - 1) < 0.01


@exercise(
    "02.saturation",
    "A fake sample gets raw score s = 6 (D is sure it is real). How many times larger is |∂ loss/∂s| for the LSGAN "
    "generator loss ½(s − c)² with c = 0 than for the non-saturating loss −log sigmoid(s)? (1 % tolerance)",
    check=_check_ratio,
    hint="d/ds ½s² = s; d/ds softplus(−s) = −sigmoid(−s). Or let autograd do it with gantutor.losses.get_loss.",
    explanation="About 2400×: the cross-entropy gradient is sigmoid(−6) ≈ 0.0025, the least-squares one is 6.",
)
def saturation_ratio():
    from gantutor.losses import get_loss

    grads = []
    for name, params in (("lsgan", {"a": -1, "b": 1, "c": 0}), ("nonsaturating", {})):
        s = torch.tensor([6.0], dtype=torch.float64, requires_grad=True)
        get_loss(name, **params).g_loss(s).backward()
        grads.append(s.grad.abs().item())
    return grads[0] / grads[1]


def _check_stability(ans) -> bool:
    assert isinstance(ans, dict) and {"G", "D", "opt_g", "opt_d"} <= set(ans), "return a dict with keys G, D, opt_g, opt_d"
    G, D = ans["G"], ans["D"]
    assert isinstance(G, nn.Module) and isinstance(D, nn.Module), "G and D must be torch modules"
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in G.modules()), "G still has batch norm"
    assert any(isinstance(m, nn.BatchNorm2d) for m in D.modules()), (
        "D has no BatchNorm2d: the paper's BN_G setting keeps DCGAN's batch norm in D")
    for opt, net, name in ((ans["opt_g"], G, "opt_g"), (ans["opt_d"], D, "opt_d")):
        assert isinstance(opt, torch.optim.Adam), f"{name} should be torch.optim.Adam, got {type(opt).__name__}"
        params = {id(p) for group in opt.param_groups for p in group["params"]}
        assert params == {id(p) for p in net.parameters()}, f"{name} must optimise exactly the parameters of its network"
        for group in opt.param_groups:
            assert abs(group["lr"] - 2e-4) < 1e-12, f"{name}: lr should be 2e-4, got {group['lr']}"
            assert tuple(group["betas"]) == (0.5, 0.999), f"{name}: betas should be (0.5, 0.999), got {tuple(group['betas'])}"
    was = G.training, D.training
    G.eval()   # a shape check that leaves BN's running statistics alone
    D.eval()
    try:
        with torch.no_grad():
            x = G(G.sample_z(2))
            scores = D(x)
    finally:
        G.train(was[0])
        D.train(was[1])
    assert x.shape == (2, 1, 28, 28) and scores.shape == (2,), "G must make (N, 1, 28, 28) images and D must give N scores"
    return True


def _bn_discriminator(width: int = 16) -> nn.Module:
    """A DCDiscriminator with DCGAN's batch norm: BatchNorm2d after every convolution but the first."""
    from gantutor.models import DCDiscriminator

    D = DCDiscriminator(img_size=28, channels=1, width=width)
    layers, n_conv = [], 0
    for layer in D.features:
        layers.append(layer)
        if isinstance(layer, nn.Conv2d):
            n_conv += 1
            if n_conv > 1:
                layers.append(nn.BatchNorm2d(layer.out_channels))
    D.features = nn.Sequential(*layers)
    return D


@exercise(
    "02.no-bn-g-adam",
    "The paper's BN_G + Adam setting, where the losses parted (LSGAN: relatively good images in 5 of 10 runs; the regular "
    "GAN: none): build a "
    "Fashion-MNIST pair with NO batch norm in G (DCGenerator(batch_norm=False)), batch norm in D (a BatchNorm2d after every "
    "convolution of a DCDiscriminator but the first) and Adam for both (lr 2e-4, betas (0.5, 0.999)). Return "
    "{'G': G, 'D': D, 'opt_g': ..., 'opt_d': ...}. Accepted: G without any batch-norm layer, D with at least one BatchNorm2d, "
    "(N, 1, 28, 28) images and N scores, each optimizer torch.optim.Adam over exactly its network's parameters with "
    "lr 2e-4 and betas (0.5, 0.999).",
    check=_check_stability,
    hint="D = DCDiscriminator(); walk through D.features, append each layer to a list, and after every nn.Conv2d but the "
    "first append nn.BatchNorm2d(conv.out_channels); then D.features = nn.Sequential(*layers). "
    "torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999)).",
    explanation="This is the setting of the paper's clearest stability result. The course's other discriminators have no batch "
    "norm: spectral normalisation (lessons 03–04) bounds each layer's Lipschitz constant, and a batch-norm layer would rescale "
    "by batch statistics outside that bound.",
)
def no_bn_g_adam():
    from gantutor.models import DCGenerator

    G, D = DCGenerator(img_size=28, channels=1, width=16, batch_norm=False), _bn_discriminator(width=16)
    return {"G": G, "D": D, "opt_g": torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999)),
            "opt_d": torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))}


def _min_d_loss() -> float:
    from gantutor import divergences as dv

    x = dv.grid(-12, 13, 20001)
    return dv.lsgan_min_d_objective(dv.gaussian(x, 0, 1), dv.gaussian(x, 1, 1), x, a=0, b=1)


@exercise(
    "02.min-d-loss",
    "Derivation: D minimises ½∫ p_d (D − b)² + p_g (D − a)² dx. Derive its smallest value as an integral of p_d and p_g, "
    "then evaluate it for the coding a = 0, b = 1 with p_d = N(0, 1) and p_g = N(1, 1). "
    "Accepted: a number within 1e-4 of the exact value.",
    check=lambda ans: _close(float(ans), _min_d_loss(), 1e-4),
    hint="Plug D* = (b p_d + a p_g)/(p_d + p_g) in: D* − b = (a − b) p_g/(p_d + p_g) and D* − a = (b − a) p_d/(p_d + p_g). "
    "Then integrate on dv.grid(-12, 13, 20001) with dv.integrate_density.",
    explanation="min_D = ½∫ [p_d (b − a)² p_g² + p_g (b − a)² p_d²]/(p_d + p_g)² = (b − a)²/2 ∫ p_d p_g/(p_d + p_g) ≈ 0.199 here. "
    "It is largest, (b − a)²/4, when p_g = p_d (D can do no better than the constant (a + b)/2) and tends to 0 as the two "
    "separate.",
)
def min_d_loss():
    from gantutor import divergences as dv

    x = dv.grid(-12, 13, 20001)
    p_d, p_g = dv.gaussian(x, 0, 1), dv.gaussian(x, 1, 1)
    a, b = 0.0, 1.0
    d_star = (b * p_d + a * p_g) / (p_d + p_g)
    return 0.5 * dv.integrate_density(p_d * (d_star - b) ** 2 + p_g * (d_star - a) ** 2, x)


def _check_conditional(fn) -> bool:
    assert callable(fn), "answer with a function conditional_input(z, y, num_classes)"
    g = torch.Generator().manual_seed(0)
    z = torch.randn(5, 7, generator=g)
    y = torch.tensor([0, 3, 9, 3, 1])
    out = fn(z, y, 10)
    assert isinstance(out, torch.Tensor) and out.shape == (5, 17), f"expected shape (5, 17), got {getattr(out, 'shape', None)}"
    assert torch.equal(out[:, :7], z), "the first z_dim columns must be z unchanged"
    assert torch.equal(out[:, 7:], torch.nn.functional.one_hot(y, 10).to(z.dtype)), "the last columns must be one_hot(y)"
    return True


@exercise(
    "02.conditional-input",
    "First step of a conditional generator: write conditional_input(z, y, num_classes) that appends the one-hot "
    "label to the noise, (N, z_dim) and (N,) → (N, z_dim + num_classes). Accepted: on a 5×7 noise batch with 10 classes, "
    "a (5, 17) tensor whose first 7 columns are z unchanged and last 10 are one_hot(y, 10) in z's dtype (exact).",
    check=_check_conditional,
    hint="torch.nn.functional.one_hot(y, num_classes).to(z.dtype), then torch.cat along dim 1.",
)
def conditional_input_solution():
    def conditional_input(z: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
        return torch.cat([z, torch.nn.functional.one_hot(y, num_classes).to(z.dtype)], dim=1)

    return conditional_input
