"""Benchmark: the arena's seeds trained as ONE batched model vs a Python loop over seeds.

Same configurations, same seeds, same steps, measured in one run; prints wall and CPU
seconds of each and the speed-up ratio. Not a pass/fail test. Usage:

    PYTHONPATH=. python benchmarks/bench_arena.py [--seeds 10] [--steps 300] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import torch

from gantutor.toy import arena


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(**kwargs):
    wall, cpu = time.perf_counter(), cpu_seconds()
    res = arena(progress=False, **kwargs)
    return time.perf_counter() - wall, cpu_seconds() - cpu, res.table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    configs = [("nonsaturating", "none"), ("lsgan", "sn")]
    common = dict(data="ring", configs=configs, seeds=args.seeds, steps=args.steps, snapshot_steps=[args.steps])
    print(f"{args.seeds} seeds x {len(configs)} configs x {args.steps} steps, torch threads {args.threads}, "
          f"load average {os.getloadavg()[0]:.2f}")
    timed(**{**common, "seeds": 2, "steps": 5})  # warm-up
    loop_wall, loop_cpu, loop_table = timed(batched=False, **common)
    batch_wall, batch_cpu, batch_table = timed(batched=True, **common)
    print(f"python loop over seeds: {loop_wall:7.2f} s wall, {loop_cpu:7.2f} s CPU")
    print(f"batched (one model)   : {batch_wall:7.2f} s wall, {batch_cpu:7.2f} s CPU")
    print(f"speed-up (wall)       : {loop_wall / batch_wall:.2f}x   (CPU: {loop_cpu / batch_cpu:.2f}x)")
    same = (loop_table.modes.values == batch_table.modes.values).mean()
    print(f"same modes-covered per seed in both runs: {same:.0%} of rows (differences = float rounding amplified by training)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
