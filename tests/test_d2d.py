"""ReACGAN's D2D-CE (Eq. 6) against a direct float64 loop, its margins, and its edge cases."""

import math

import pytest
import torch

from gantutor.losses import d2d_ce


def eq6_loop(emb, prox, labels, m_p=0.98, m_n=0.02, tau=0.5):
    """Eq. 6 written sample by sample in float64, with explicit exponentials."""
    emb, prox = emb.double(), prox.double()
    total = 0.0
    n = emb.shape[0]
    for i in range(n):
        f_i = emb[i] / emb[i].norm()
        v = prox[i] / prox[i].norm()
        pos = math.exp(min(float(f_i @ v) - m_p, 0.0) / tau)
        neg = 0.0
        for j in range(n):
            if labels[j] != labels[i]:
                f_j = emb[j] / emb[j].norm()
                neg += math.exp(max(float(f_i @ f_j) - m_n, 0.0) / tau)
        total += -math.log(pos / (pos + neg))
    return total / n


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("tau", [0.5, 0.1])
def test_matches_loop_over_eq6(seed, tau):
    g = torch.Generator().manual_seed(seed)
    n, d = 24, 8
    emb = torch.randn(n, d, generator=g, dtype=torch.float64) * 3
    labels = torch.randint(0, 4, (n,), generator=g)
    proxies = torch.randn(4, d, generator=g, dtype=torch.float64)[labels]
    # push a few samples towards their proxy and a few pairs together, so every branch of [·]_± is used
    emb[:6] = proxies[:6] * 2 + 0.01 * emb[:6]
    emb[6:9] = emb[12:15] + 0.05 * emb[6:9]
    ref = eq6_loop(emb, proxies, labels, tau=tau)
    assert abs(d2d_ce(emb, proxies, labels, tau=tau).item() - ref) < 1e-6
    out32 = d2d_ce(emb.float(), proxies.float(), labels, tau=tau)
    assert out32.dtype == torch.float32 and abs(out32.item() - ref) < 1e-4


def test_zero_gradient_past_both_margins():
    # orthogonal embeddings (cos = 0 < m_n with every negative), each equal to its proxy (cos = 1 > m_p)
    emb = torch.eye(4, 16, dtype=torch.float64).requires_grad_(True)
    prox = torch.eye(4, 16, dtype=torch.float64).requires_grad_(True)
    labels = torch.arange(4)
    loss = d2d_ce(emb, prox, labels)
    loss.backward()
    assert abs(loss.item() - math.log(4)) < 1e-12  # −log(e^0 / (e^0 + 3·e^0))
    assert emb.grad.abs().max() == 0 and prox.grad.abs().max() == 0
    # inside the positive margin (cos = 0.9 < 0.98) the proxy pulls: nonzero gradient
    prox2 = prox.detach().clone()
    prox2[0, 1] = math.tan(math.acos(0.9))
    prox2.requires_grad_(True)
    emb2 = emb.detach().clone().requires_grad_(True)
    d2d_ce(emb2, prox2, labels).backward()
    assert emb2.grad[0].abs().max() > 1e-3 and prox2.grad[0].abs().max() > 1e-3
    assert emb2.grad[1:].abs().max() == 0  # the others are still past both margins


def test_hard_negative_gets_gradient_easy_negative_does_not():
    emb = torch.tensor([[1.0, 0.0], [0.6, 0.8], [-1.0, 0.0]], dtype=torch.float64, requires_grad=True)
    prox = torch.tensor([[1.0, 0.0], [0.6, 0.8], [-1.0, 0.0]], dtype=torch.float64)
    d2d_ce(emb, prox, torch.tensor([0, 1, 2])).backward()
    # sample 2 is opposite to both others (cos = −1, −0.6 < m_n): no repulsion term acts on its own row,
    # but samples 0 and 1 (cos = 0.6 > m_n) push each other apart
    assert emb.grad[0].abs().max() > 1e-3 and emb.grad[1].abs().max() > 1e-3


def test_batch_without_negatives_is_zero_with_finite_gradient():
    emb = torch.randn(8, 5, dtype=torch.float64, requires_grad=True)
    prox = torch.randn(1, 5, dtype=torch.float64).expand(8, 5).clone().requires_grad_(True)
    loss = d2d_ce(emb, prox, torch.zeros(8, dtype=torch.int64))
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(emb.grad).all() and torch.isfinite(prox.grad).all()
    assert d2d_ce(emb[:1], prox[:1], torch.zeros(1, dtype=torch.int64)).item() == 0.0  # a batch of one


def test_scale_invariance_and_small_tau_stability():
    g = torch.Generator().manual_seed(3)
    emb, labels = torch.randn(32, 6, generator=g), torch.randint(0, 3, (32,), generator=g)
    prox = torch.randn(3, 6, generator=g)[labels]
    base = d2d_ce(emb, prox, labels)
    torch.testing.assert_close(d2d_ce(emb * 1e3, prox * 1e-3, labels), base)
    torch.testing.assert_close(d2d_ce(emb * 0.25, prox * 40, labels), base)
    emb_t = emb.clone().requires_grad_(True)
    tiny = d2d_ce(emb_t, prox, labels, tau=1e-4)  # exponents up to ~2·10^4: naive exp overflows
    tiny.backward()
    assert torch.isfinite(tiny) and torch.isfinite(emb_t.grad).all()


def test_bad_inputs_are_clear_errors():
    emb, prox, labels = torch.randn(4, 3), torch.randn(4, 3), torch.arange(4)
    with pytest.raises(ValueError, match="must match embeddings"):
        d2d_ce(emb, prox[:3], labels)
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        d2d_ce(emb, prox, labels[:2])
    with pytest.raises(TypeError, match="integer tensor"):
        d2d_ce(emb, prox, labels.float())
    with pytest.raises(ValueError, match="shape \\(N, d\\)"):
        d2d_ce(emb[0], prox[0], labels)
    with pytest.raises(ValueError, match="tau"):
        d2d_ce(emb, prox, labels, tau=0)
    with pytest.raises(TypeError, match="floating-point"):
        d2d_ce(emb.long(), prox, labels)
