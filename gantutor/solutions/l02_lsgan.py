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
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in G.modules()), "G still has batch norm"
    for opt, net, name in ((ans["opt_g"], G, "opt_g"), (ans["opt_d"], D, "opt_d")):
        assert isinstance(opt, torch.optim.RMSprop), f"{name} should be torch.optim.RMSprop, got {type(opt).__name__}"
        params = {id(p) for group in opt.param_groups for p in group["params"]}
        assert params == {id(p) for p in net.parameters()}, f"{name} must optimise exactly the parameters of its network"
    x = G(G.sample_z(2))
    assert x.shape == (2, 1, 28, 28) and D(x).shape == (2,), "G must make 28×28 grey images that D scores"
    return True


@exercise(
    "02.no-bn-rmsprop",
    "The paper's stability protocol: build a Fashion-MNIST DCGAN pair whose generator has NO batch norm, with "
    "RMSProp optimisers (lr 2e-4) for both. Return {'G': G, 'D': D, 'opt_g': ..., 'opt_d': ...}.",
    check=_check_stability,
    hint="DCGenerator(batch_norm=False); torch.optim.RMSprop(G.parameters(), lr=2e-4). "
    "To train with them, replace trainer.opt_g and trainer.opt_d after building a Trainer.",
)
def no_bn_rmsprop():
    from gantutor.models import DCDiscriminator, DCGenerator

    G, D = DCGenerator(img_size=28, channels=1, width=16, batch_norm=False), DCDiscriminator(img_size=28, channels=1, width=16)
    return {"G": G, "D": D, "opt_g": torch.optim.RMSprop(G.parameters(), lr=2e-4), "opt_d": torch.optim.RMSprop(D.parameters(), lr=2e-4)}


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
    "label to the noise, (N, z_dim) and (N,) → (N, z_dim + num_classes).",
    check=_check_conditional,
    hint="torch.nn.functional.one_hot(y, num_classes).to(z.dtype), then torch.cat along dim 1.",
)
def conditional_input_solution():
    def conditional_input(z: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
        return torch.cat([z, torch.nn.functional.one_hot(y, num_classes).to(z.dtype)], dim=1)

    return conditional_input
