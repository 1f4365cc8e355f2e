"""How much does SR-GAN's SVD compensation add to a discriminator step?

Two identical spectrally-normalized DCGAN discriminators are trained side by side in
one process, their steps interleaved so that both see the same machine load: one with
SN alone, one with SN + SpectralRegularizer (compensation every ``--every`` steps, the
paper's placement: right after the D update). Prints the mean time per D step of each
and the ratio. A measurement, not a pass/fail test (target in the issue: ≤ 15 % at every=5).

    python benchmarks/bench_sr.py [--img-size 32] [--width 64] [--batch 64] [--steps 100] [--every 5]
"""

from __future__ import annotations

import argparse
import copy
import os
import resource
import time

import torch

from gantutor.device import get_device, seed_everything
from gantutor.losses import get_loss
from gantutor.models import DCDiscriminator
from gantutor.spectral import SpectralRegularizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--img-size", type=int, default=32, choices=(28, 32))
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--every", type=int, default=5)
    ap.add_argument("--mode", default="static", choices=("static", "dynamic"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = get_device()
    seed_everything(0)
    channels = 3 if args.img_size == 32 else 1
    d_sn = DCDiscriminator(args.img_size, channels, args.width, spectral_norm=True).to(device)
    d_sr = copy.deepcopy(d_sn)
    sr = SpectralRegularizer(d_sr, args.mode, every=args.every)
    loss = get_loss("hinge")
    opts = {id(d): torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999)) for d in (d_sn, d_sr)}
    # random "real" and "fake" batches: the cost of a D step does not depend on the pixels
    real = torch.rand(args.batch, channels, args.img_size, args.img_size, device=device) * 2 - 1
    fake = torch.rand_like(real) * 2 - 1

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def d_step(D, reg):
        sync()
        start, cpu_start = time.perf_counter(), time.process_time()
        opt = opts[id(D)]
        out = D(torch.cat([real, fake]))
        l = loss.d_loss(out[: args.batch], out[args.batch :])
        opt.zero_grad(set_to_none=True)
        l.backward()
        opt.step()
        if reg is not None:
            reg.step()
        sync()
        return time.perf_counter() - start, time.process_time() - cpu_start

    for _ in range(5):  # warm-up (allocator, kernels)
        d_step(d_sn, None)
        d_step(d_sr, sr)
    t_sn, t_sr = [], []
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    for i in range(args.steps):
        pair = [(d_sn, None, t_sn), (d_sr, sr, t_sr)]
        for D, reg, out in pair if i % 2 == 0 else pair[::-1]:  # alternate who goes first
            out.append(d_step(D, reg))
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    svd_t = []
    for _ in range(10):
        sync()
        s = time.perf_counter()
        sr.apply()
        sync()
        svd_t.append((time.perf_counter() - s, 0.0))
    cpu_sn, cpu_sr = sum(c for _, c in t_sn) / len(t_sn), sum(c for _, c in t_sr) / len(t_sr)
    t_sn, t_sr = [w for w, _ in t_sn], [w for w, _ in t_sr]
    svd_t = [w for w, _ in svd_t]
    mean_sn, mean_sr = sum(t_sn) / len(t_sn), sum(t_sr) / len(t_sr)
    layers = {n: tuple(m.parametrizations.weight.original.reshape(m.parametrizations.weight.original.shape[0], -1).shape) for n, m in sr.layers.items()}
    print(f"device {device}, torch threads {torch.get_num_threads()}, load average {os.getloadavg()}")
    print(f"D: DCDiscriminator(img {args.img_size}, width {args.width}), batch {args.batch} real + {args.batch} fake, hinge, Adam")
    print(f"SN layers as matrices: {layers}")
    print(f"SR: mode {args.mode}, every {args.every}, {sr.applied} compensations in {len(t_sr)} + warm-up steps")
    print(f"mean D step, SN alone   : {1e3 * mean_sn:8.2f} ms  (median {1e3 * sorted(t_sn)[len(t_sn) // 2]:.2f})")
    print(f"mean D step, SN + SR    : {1e3 * mean_sr:8.2f} ms  (median {1e3 * sorted(t_sr)[len(t_sr) // 2]:.2f})")
    print(f"one compensation (all layers, SVD + update): {1e3 * sorted(svd_t)[len(svd_t) // 2]:.2f} ms (median of 10)")
    print(f"SR overhead averaged over steps (wall): {100 * (mean_sr / mean_sn - 1):+.1f} %  (ratio {mean_sr / mean_sn:.3f})")
    print(f"SR overhead averaged over steps (CPU time of the process, less sensitive to other load): "
          f"{100 * (cpu_sr / cpu_sn - 1):+.1f} %  (ratio {cpu_sr / cpu_sn:.3f}; {1e3 * cpu_sn:.1f} vs {1e3 * cpu_sr:.1f} ms)")
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    print(f"timed loop: {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
