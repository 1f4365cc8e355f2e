"""Quality of the cpu preset on a CPU, side by side with the previous one, scored offline.

    python benchmarks/quality_cpu.py --dataset cifar10 [--heads acgan reacgan] [--threads 1] [--fraction 1.0] [--no-old]

For each head, two runs with the same seed: the ``{head}-{dataset}`` recipe's **current** cpu
preset, and the **previous** one (:data:`OLD_CPU`: the same models with 2,000 steps on
CIFAR-10 / 2,500 on Fashion-MNIST and EMA 0.995 from step 200). ``--fraction`` scales both
step counts (e.g. 0.25 for a quick look, said in the output). Seed 0 for every run. After
training, 2,000 class-balanced samples of the EMA generator are scored with the offline classifier of
``gantutor.metrics`` by the claims' own function (``gantutor.reproduce.capstone.quality``):
accuracy on the conditioned class relative to the classifier's accuracy on real test
images, the Fréchet distance in its feature space, within-class diversity.

Targets of the capstone issue: accuracy ratio ≥ 0.60 on CIFAR-10 for both heads, and the
current preset's Fréchet distance at most half of the previous preset's, measured in one
run. Prints one JSON line per run (wall time, CPU seconds, load average: the machine may be
shared), then one line per head with the ratio of the two distances.

Runs go through ``gantutor.reproduce.capstone.one_run`` with the claims' score cache: a run
whose recipe and seed equal one already scored by ``python -m gantutor reproduce
reacgan-vs-acgan-cifar10`` (the current preset, seed 0) is read, not retrained, and its line
says ``"cached": true``; ``--no-cache`` trains everything.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import torch

from gantutor.recipes import get_recipe
from gantutor.reproduce.capstone import N_EVAL, get_judge, one_run, score_cache_dir

# the cpu preset before the capstone (for the side-by-side measurement)
OLD_CPU = {"cifar10": dict(steps=2000, ema=0.995, ema_start=200), "fmnist": dict(steps=2500, ema=0.995, ema_start=200)}


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one(head: str, dataset: str, which: str, fraction: float, cache) -> dict:
    overrides = dict(OLD_CPU[dataset]) if which == "old" else {}
    overrides["steps"] = max(1, round(get_recipe(f"{head}-{dataset}", "cpu", **overrides).config().steps * fraction))
    load0, c0 = os.getloadavg()[0], cpu_seconds()
    rec = one_run(f"{head}-{dataset}", "cpu", 0, False, cache=cache, **overrides)
    return dict(run=f"{head}-{dataset}", preset=which, fraction=fraction, cpu_s_this_process=round(cpu_seconds() - c0, 1),
                load_avg_start=load0, load_avg_end=os.getloadavg()[0], threads=torch.get_num_threads(), n=N_EVAL[0], **rec)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=("fmnist", "cifar10"), default="cifar10")
    p.add_argument("--heads", nargs="+", default=["acgan", "reacgan"], choices=("acgan", "reacgan"))
    p.add_argument("--fraction", type=float, default=1.0, help="scale both presets' steps (e.g. 0.25 for a quick look)")
    p.add_argument("--no-old", action="store_true", help="only the current preset")
    p.add_argument("--no-cache", action="store_true",
                   help="train every run even when the claims' score cache holds one with the same recipe and seed")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    if not 0 < args.fraction <= 10:
        p.error("--fraction must be in (0, 10]")
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    classifier = get_judge(args.dataset, smoke=False)
    print(json.dumps(dict(classifier=args.dataset, test_accuracy=classifier.test_accuracy, wall_s=round(time.perf_counter() - t0, 1))), flush=True)
    target = 0.80 if args.dataset == "fmnist" else 0.60
    for head in args.heads:
        rows = {}
        for which in ("new",) + (() if args.no_old else ("old",)):
            rows[which] = one(head, args.dataset, which, args.fraction, None if args.no_cache else score_cache_dir())
            print(json.dumps(rows[which]), flush=True)
        new = rows["new"]
        line = dict(head=head, accuracy_ratio=new["accuracy_ratio"], meets_accuracy_target=new["accuracy_ratio"] >= target,
                    target_ratio=target)
        if "old" in rows:
            line.update(frechet_new=new["frechet_distance"], frechet_old=rows["old"]["frechet_distance"],
                        frechet_ratio_new_over_old=new["frechet_distance"] / rows["old"]["frechet_distance"],
                        meets_frechet_target=new["frechet_distance"] <= 0.5 * rows["old"]["frechet_distance"])
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
