"""Trainer overhead and D2D-CE cost, measured in one run (ratios, not pass/fail).

    python benchmarks/bench_trainer.py [--steps 60] [--reps 3] [--threads 1]

1. ``gantutor.train.Trainer`` vs a bare PyTorch loop doing the same work (same models,
   data in memory, the same real/fake concatenation in D, hinge loss, Adam, one host
   sync per update for logging): images/s ratio, target ≥ 0.95. Runs alternate
   (trainer, bare, trainer, bare, …) and the median of each is used, so a change in the
   machine's load hits both. The ratio is given in wall time and in this process's CPU
   time: on a shared machine the CPU-time ratio is the one to trust (the trainer runs on
   one thread, so its CPU time is its work, whatever else the machine does).
2. A full ReACGAN training step (D2D-CE head) vs the same backbone with ACGAN's plain
   CE head, and the two losses alone on a batch: target D2D-CE adds ≤ 10 % per step.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F

from gantutor.data import load_images, to_float
from gantutor.losses import d2d_ce, get_loss
from gantutor.models import CondDCDiscriminator, CondDCGenerator, DCDiscriminator, DCGenerator
from gantutor.train import TrainConfig, Trainer


def bare_loop(G, D, data, steps, batch, n_dis, lr=2e-4):
    """What one would write by hand: the same work as the trainer (unconditional)."""
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    loss = get_loss("hinge")
    images = data.images
    n = len(images)
    perm, pos = torch.randperm(n), 0
    for _ in range(steps):
        for _ in range(n_dis):
            if pos + batch > n:
                perm, pos = torch.randperm(n), 0
            x = to_float(images[perm[pos : pos + batch]]); pos += batch
            with torch.no_grad():
                fake = G(torch.randn(batch, G.z_dim))
            s = D(torch.cat([x, fake]))
            d = loss.d_loss(s[:batch], s[batch:])
            opt_d.zero_grad(set_to_none=True); d.backward(); opt_d.step()
            d.item()
        for p in D.parameters():
            p.requires_grad_(False)
        g = loss.g_loss(D(G(torch.randn(batch, G.z_dim))))
        opt_g.zero_grad(set_to_none=True); g.backward(); opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)
        g.item()


def timed(fn):
    """Wall seconds of ``fn()``; its CPU seconds are appended to ``timed.cpu``."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    timed.cpu.append(time.process_time() - c)
    return time.perf_counter() - t


timed.cpu = []


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--n-dis", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    data = load_images("fmnist", limit=10_000)
    print(f"threads={args.threads} load average at start {os.getloadavg()[0]:.1f}")

    # 1. trainer vs bare loop (unconditional DCGAN pair, width 32)
    t_tr, t_bare, c_tr, c_bare = [], [], [], []
    for rep in range(args.reps):
        torch.manual_seed(rep)
        G, D = DCGenerator(64, 28, 1, 32), DCDiscriminator(28, 1, 32, spectral_norm=True)
        tr = Trainer(G, D, data, TrainConfig(steps=args.steps, n_dis=args.n_dis, batch_size=args.batch, loss="hinge", log_every=1), device="cpu")
        tr.fit(2, progress=False)  # warm-up
        t_tr.append(timed(lambda: tr.fit(args.steps + 2, progress=False)))
        c_tr.append(timed.cpu[-1])
        torch.manual_seed(rep)
        G, D = DCGenerator(64, 28, 1, 32), DCDiscriminator(28, 1, 32, spectral_norm=True)
        bare_loop(G, D, data, 2, args.batch, args.n_dis)
        t_bare.append(timed(lambda: bare_loop(G, D, data, args.steps, args.batch, args.n_dis)))
        c_bare.append(timed.cpu[-1])
    imgs = args.steps * args.n_dis * args.batch
    r_tr, r_bare = imgs / statistics.median(t_tr), imgs / statistics.median(t_bare)
    print(f"trainer {r_tr:.0f} real images/s, bare loop {r_bare:.0f} images/s → ratio {r_tr / r_bare:.3f} (target ≥ 0.95)")
    print(f"  raw seconds trainer {[round(t, 2) for t in t_tr]}  bare {[round(t, 2) for t in t_bare]}")
    ratio_cpu = statistics.median(c_bare) / statistics.median(c_tr)
    print(f"  in CPU time: trainer {statistics.median(c_tr):.2f} s, bare {statistics.median(c_bare):.2f} s → ratio {ratio_cpu:.3f} (target ≥ 0.95)")
    print(f"  raw CPU seconds trainer {[round(t, 2) for t in c_tr]}  bare {[round(t, 2) for t in c_bare]}")

    # 2. D2D-CE vs plain CE: full conditional training steps, same backbone
    t_heads = {"acgan": [], "reacgan": []}
    for rep in range(args.reps):
        for head in ("acgan", "reacgan"):
            torch.manual_seed(rep)
            G = CondDCGenerator(64, 10, 28, 1, 32)
            D = CondDCDiscriminator(28, 1, 32, 10, head, embed_dim=128, spectral_norm=True)
            tr = Trainer(G, D, data, TrainConfig(steps=args.steps, n_dis=1, batch_size=args.batch, loss="hinge", log_every=1), device="cpu")
            tr.fit(2, progress=False)
            t_heads[head].append(timed(lambda: tr.fit(args.steps + 2, progress=False)))
    a, r = statistics.median(t_heads["acgan"]), statistics.median(t_heads["reacgan"])
    print(f"training step: ACGAN (CE) {1000 * a / args.steps:.1f} ms, ReACGAN (D2D-CE) {1000 * r / args.steps:.1f} ms → D2D-CE adds {100 * (r / a - 1):+.1f} % (target ≤ +10 %)")

    # the losses alone (forward + backward) on a batch of 128 with 128-d embeddings
    g = torch.Generator().manual_seed(0)
    emb = torch.randn(2 * args.batch, 128, generator=g, requires_grad=True)
    prox = torch.randn(2 * args.batch, 128, generator=g)
    logits = torch.randn(2 * args.batch, 10, generator=g, requires_grad=True)
    y = torch.randint(0, 10, (2 * args.batch,), generator=g)
    n = 300
    t_ce = timed(lambda: [F.cross_entropy(logits, y).backward() for _ in range(n)]) / n
    t_d2d = timed(lambda: [d2d_ce(emb, prox, y).backward() for _ in range(n)]) / n
    print(f"loss alone: CE {1e6 * t_ce:.0f} µs, D2D-CE {1e6 * t_d2d:.0f} µs per forward+backward = {100 * t_d2d / (a / args.steps):.1f} % of an ACGAN training step")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
