"""ReACGAN's D2D-CE (Eq. 6) against a direct float64 loop, its margins, its edge cases, the margin-free
Eq. 5 and the unit-sphere CE of the paper's ablation, and the loss across two gloo processes."""

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


# ----------------------------------------------------------------------------- no margins (Eq. 5)


def test_no_margin_is_eq5_and_not_the_shifted_margins():
    # f0 = (1, 0) of class 0, f1 = (0.6, 0.8) of class 1, proxies v0 = (0.8, 0.6), v1 = (0, 1); τ = 0.5
    emb = torch.tensor([[1.0, 0.0], [0.6, 0.8]], dtype=torch.float64)
    table = torch.tensor([[0.8, 0.6], [0.0, 1.0]], dtype=torch.float64)
    labels = torch.tensor([0, 1])
    prox = table[labels]
    # Eq. 5: both samples have cos(f, v_y) = 0.8 and cos(f0, f1) = 0.6 → −log(e^{1.6} / (e^{1.6} + e^{1.2}))
    eq5 = math.log1p(math.exp(-0.4))
    assert d2d_ce(emb, prox, labels, m_p=None, m_n=None).item() == pytest.approx(eq5, abs=1e-12)
    # Eq. 6 with the recipe's margins: pos = [0.8 − 0.98]_− / τ = −0.36, neg = [0.6 − 0.02]_+ / τ = 1.16
    assert d2d_ce(emb, prox, labels).item() == pytest.approx(math.log1p(math.exp(1.52)), abs=1e-12)
    # m_p = 1, m_n = −1 switch the clamps off but shift: pos = −0.4, neg = 3.2 — not Eq. 5
    assert d2d_ce(emb, prox, labels, m_p=1.0, m_n=-1.0).item() == pytest.approx(math.log1p(math.exp(3.6)), abs=1e-12)
    with pytest.raises(ValueError, match="both margins or neither"):
        d2d_ce(emb, prox, labels, m_p=None)


def test_no_margin_matches_loop_and_every_pair_gets_gradient():
    g = torch.Generator().manual_seed(4)
    emb = torch.randn(10, 6, generator=g, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 3, (10,), generator=g)
    prox = torch.randn(3, 6, generator=g, dtype=torch.float64)[labels]
    # Eq. 5 written sample by sample: no clamps, no shifts
    f = emb.detach() / emb.detach().norm(dim=1, keepdim=True)
    v = prox / prox.norm(dim=1, keepdim=True)
    total = 0.0
    for i in range(10):
        pos = math.exp(float(f[i] @ v[i]) / 0.5)
        neg = sum(math.exp(float(f[i] @ f[j]) / 0.5) for j in range(10) if labels[j] != labels[i])
        total += -math.log(pos / (pos + neg))
    loss = d2d_ce(emb, prox, labels, m_p=None, m_n=None)
    assert loss.item() == pytest.approx(total / 10, abs=1e-10)
    loss.backward()
    assert (emb.grad.abs().sum(1) > 0).all()  # nothing is ever "close enough" or "far enough"


# ----------------------------------------------------------------------------- the ablation variants, by hand


def test_ablation_variants_on_a_hand_checkable_batch():
    from gantutor.losses import AUX_LOSSES, normalized_ce

    emb = torch.tensor([[1.0, 0.0], [0.6, 0.8]], dtype=torch.float64)
    table = torch.tensor([[0.8, 0.6], [0.0, 1.0]], dtype=torch.float64)
    labels = torch.tensor([0, 1])
    # ce-normalized (Eq. 4): logits cos/τ. Sample 0: [0.8, 0]/0.5, class 0 → log(1 + e^{−1.6});
    # sample 1: [0.96, 0.8]/0.5, class 1 → log(1 + e^{0.32})
    expected = (math.log1p(math.exp(-1.6)) + math.log1p(math.exp(0.32))) / 2
    assert normalized_ce(emb, table, labels, tau=0.5).item() == pytest.approx(expected, abs=1e-12)
    assert normalized_ce(emb * 7, table * 0.1, labels).item() == pytest.approx(expected, abs=1e-12)  # scale-free
    # the names of the ablation, in order, and what each fixes
    assert list(AUX_LOSSES) == ["ce", "ce-normalized", "d2d-ce-nomargin", "d2d-ce"]
    assert [AUX_LOSSES[k]["head"] for k in AUX_LOSSES] == ["acgan", "ce-normalized", "reacgan", "reacgan"]


def test_ablation_heads_give_the_trainer_the_right_numbers():
    """The ce-normalized head's logits are cos(P h, w_k)/τ, so the trainer's cross-entropy is Eq. 4."""
    import torch.nn.functional as F

    from gantutor.losses import normalized_ce
    from gantutor.models import CondDCDiscriminator

    torch.manual_seed(0)
    D = CondDCDiscriminator(width=4, head="ce-normalized", embed_dim=6, tau=0.25, spectral_norm=False)
    assert D.head_type == "acgan" and D.head_name == "ce-normalized"
    x, y = torch.rand(5, 1, 28, 28) * 2 - 1, torch.tensor([0, 3, 3, 9, 1])
    out = D(x, y)
    table = D.aux_head.proxies.weight
    cos = F.normalize(out.embedding, dim=1) @ F.normalize(table, dim=1).T
    torch.testing.assert_close(out.logits, cos / 0.25)
    torch.testing.assert_close(F.cross_entropy(out.logits, y), normalized_ce(out.embedding, table, y, tau=0.25))


# ----------------------------------------------------------------------------- across processes


def _d2d_worker(rank, world, port, path, data):
    import os

    import torch.distributed as dist
    from torch import nn

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        x, labels, emb, prox, state = data
        n = len(labels) // world
        sl = slice(rank * n, (rank + 1) * n)
        # 1. raw tensors: the local loss and the gradient of the local rows
        e = emb[sl].clone().requires_grad_(True)
        p = prox[sl].clone().requires_grad_(True)
        loss = d2d_ce(e, p, labels[sl])
        loss.backward()
        local_only = d2d_ce(emb[sl], prox[sl], labels[sl], gather=False)
        # 2. a tiny model under DDP: the averaged parameter gradients
        model = nn.ModuleDict({"P": nn.Linear(x.shape[1], emb.shape[1]), "proxies": nn.Embedding(3, emb.shape[1])}).double()
        model.load_state_dict(state)

        class Wrap(nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, xb, yb):
                return self.m["P"](xb), self.m["proxies"](yb)

        ddp = nn.parallel.DistributedDataParallel(Wrap(model))
        out_e, out_p = ddp(x[sl], labels[sl])
        model_loss = d2d_ce(out_e, out_p, labels[sl])
        model_loss.backward()
        grads = {k: v.grad.clone() for k, v in model.named_parameters()}
        torch.save(dict(loss=loss.detach(), local_only=local_only, e_grad=e.grad, p_grad=p.grad, model_loss=model_loss.detach(), grads=grads), f"{path}/rank{rank}.pt")
        # tear down in order: the DDP reducer before its process group, and both ranks done before either
        # destroys it (ci14 once saw a rank abort with "terminate called without an active exception")
        del ddp
        dist.barrier()
    finally:
        dist.destroy_process_group()
    # leave without interpreter shutdown, as gantutor.__main__.entry does under torchrun (see there)
    os._exit(0)


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_match_one_process_on_the_whole_batch(tmp_path):
    import torch.multiprocessing as mp
    from torch import nn

    world, n, d = 2, 6, 5
    g = torch.Generator().manual_seed(7)
    # rank 0 holds classes {0, 1}, rank 1 classes {1, 2}: most negatives of rank 0's class-0 samples
    # are on rank 1, so a purely local loss would differ
    labels = torch.tensor([0, 0, 1, 0, 0, 1, 1, 2, 2, 1, 2, 2])
    emb = torch.randn(world * n, d, generator=g, dtype=torch.float64)
    prox = torch.randn(3, d, generator=g, dtype=torch.float64)[labels]
    x = torch.randn(world * n, 4, generator=g, dtype=torch.float64)
    torch.manual_seed(0)
    model = nn.ModuleDict({"P": nn.Linear(4, d), "proxies": nn.Embedding(3, d)}).double()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    mp.spawn(_d2d_worker, args=(world, _free_port(), str(tmp_path), (x, labels, emb, prox, state)), nprocs=world, join=True)
    res = [torch.load(tmp_path / f"rank{r}.pt") for r in range(world)]

    # one process, the whole batch
    e = emb.clone().requires_grad_(True)
    p = prox.clone().requires_grad_(True)
    full = d2d_ce(e, p, labels)
    full.backward()
    mean_local = sum(r["loss"] for r in res) / world
    assert mean_local.item() == pytest.approx(full.item(), abs=1e-12)
    assert abs(res[0]["local_only"].item() - res[0]["loss"].item()) > 1e-3  # the gather changes the loss
    for r in range(world):
        sl = slice(r * n, (r + 1) * n)
        # process r's gradient is that of the *sum* of the local losses = world × the mean loss
        torch.testing.assert_close(res[r]["e_grad"], world * e.grad[sl], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(res[r]["p_grad"], world * p.grad[sl], rtol=1e-10, atol=1e-12)

    model.zero_grad()
    full_model = d2d_ce(model["P"](x), model["proxies"](labels), labels)
    full_model.backward()
    assert (sum(r["model_loss"] for r in res) / world).item() == pytest.approx(full_model.item(), abs=1e-12)
    for name, param in model.named_parameters():
        for r in range(world):  # DDP averaged the gradients: every process holds the single-process gradient
            torch.testing.assert_close(res[r]["grads"][name], param.grad, rtol=1e-9, atol=1e-12)


def test_gather_true_without_a_process_group_is_a_clear_error():
    emb, prox, labels = torch.randn(4, 3), torch.randn(4, 3), torch.arange(4)
    with pytest.raises(ValueError, match="gather=True needs"):
        d2d_ce(emb, prox, labels, gather=True)
    with pytest.raises(ValueError, match="gather must be"):
        d2d_ce(emb, prox, labels, gather="yes")


def _d2d_of_cosines(c, s, labels, m_p, m_n, tau):
    """Eq. 6 written on the cosines themselves (c_i = f_i·v_{y_i}, s_ij as it enters L_i)."""
    if m_p is None:
        a, b = c / tau, s / tau
    else:
        a, b = torch.clamp(c - m_p, max=0) / tau, torch.clamp(s - m_n, min=0) / tau
    neg = labels[:, None] != labels[None, :]
    return (-a + torch.logsumexp(torch.cat([a[:, None], b.masked_fill(~neg, float("-inf"))], 1), 1)).mean()


@pytest.mark.parametrize("margins", [(0.98, 0.02), (None, None), (0.5, 0.3)])
def test_cosine_gradients_match_autograd_and_the_two_properties(margins):
    from gantutor.losses import d2d_ce_cosine_grads

    m_p, m_n = margins
    g = torch.Generator().manual_seed(3)
    emb = torch.randn(24, 8, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 4, (24,), generator=g)
    prox = torch.randn(4, 8, generator=g, dtype=torch.float64)[labels]
    emb[:6] = prox[:6] * 2 + 0.01 * emb[:6]  # easy positives
    f, v = torch.nn.functional.normalize(emb, dim=1), torch.nn.functional.normalize(prox, dim=1)
    c = (f * v).sum(1).clone().requires_grad_(True)
    s = (f @ f.T).clone().requires_grad_(True)
    loss = _d2d_of_cosines(c, s, labels, m_p, m_n, 0.5)
    assert loss.item() == pytest.approx(d2d_ce(emb, prox, labels, m_p=m_p, m_n=m_n).item(), abs=1e-12)
    gc, gs = torch.autograd.grad(loss, (c, s))
    d_pos, d_neg = d2d_ce_cosine_grads(emb, prox, labels, m_p=m_p, m_n=m_n)
    assert torch.allclose(d_pos, gc, atol=1e-14) and torch.allclose(d_neg, gs, atol=1e-14)
    neg = labels[:, None] != labels[None, :]
    # hard-negative mining: on each row, the active negatives' gradients are proportional to exp(s_ij / τ)
    active = neg & ((s.detach() > m_n) if m_n is not None else torch.ones_like(neg))
    ratio = torch.where(active, d_neg / torch.exp(s.detach() / 0.5), torch.nan)
    spread = (ratio.nan_to_num(-1e9).amax(1) - ratio.nan_to_num(1e9).amin(1))[active.any(1)]
    assert float(spread.abs().max()) < 1e-14
    # easy-sample suppression: exactly zero past the margins, nonzero everywhere without them
    if m_p is None:
        assert (d_neg[neg] > 0).all() and (d_pos < 0).all()
    else:
        assert (d_neg[neg & (s.detach() <= m_n)] == 0).all() and (d_pos[c.detach() >= m_p] == 0).all()
        assert (c.detach() >= m_p).any()


def test_cosine_gradients_chain_to_the_embedding_gradient():
    from gantutor.losses import d2d_ce_cosine_grads

    g = torch.Generator().manual_seed(4)
    emb = torch.randn(16, 5, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 3, (16,), generator=g)
    prox = torch.randn(3, 5, generator=g, dtype=torch.float64)[labels]
    e = emb.clone().requires_grad_(True)
    d2d_ce(e, prox, labels).backward()
    d_pos, d_neg = d2d_ce_cosine_grads(emb, prox, labels)
    f, v = torch.nn.functional.normalize(emb, dim=1), torch.nn.functional.normalize(prox, dim=1)
    grad_f = d_pos[:, None] * v + d_neg @ f + d_neg.T @ f  # s_ij enters L_i (row i) and, as s_ji, L_j
    norms = emb.norm(dim=1, keepdim=True)
    grad_e = (grad_f - (grad_f * f).sum(1, keepdim=True) * f) / norms  # through f = e/‖e‖
    assert torch.allclose(grad_e, e.grad, atol=1e-12)
    with pytest.raises(ValueError, match="both margins"):
        d2d_ce_cosine_grads(emb, prox, labels, m_p=None)
