"""Quality of the cpu preset on a CPU: train for a fixed wall-clock budget, score 2,000 samples offline.

    python benchmarks/quality_cpu.py --dataset fmnist --minutes 10 [--heads acgan reacgan] [--threads 1]

For each head: the ``{head}-{dataset}`` recipe's cpu preset trains until the time is up
(checked every 25 generator steps), then 2,000 class-balanced samples from the EMA
generator are scored with the offline classifier of ``gantutor.metrics`` (accuracy on
the conditioned class, as a fraction of the classifier's accuracy on real test images,
and the Fréchet distance in the classifier's feature space). Targets from issue 7:
ratio ≥ 0.80 on Fashion-MNIST, ≥ 0.60 on CIFAR-10. Prints one JSON line per run,
with wall time, CPU seconds and the load average, because the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import torch

from gantutor.metrics import evaluate, get_classifier
from gantutor.recipes import get_recipe
from gantutor.train import Trainer


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", choices=("fmnist", "cifar10"), default="fmnist")
    p.add_argument("--heads", nargs="+", default=["acgan", "reacgan"], choices=("acgan", "reacgan"))
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    classifier = get_classifier(args.dataset, device="cpu")
    print(json.dumps(dict(classifier=args.dataset, test_accuracy=classifier.test_accuracy, wall_s=round(time.perf_counter() - t0, 1))), flush=True)
    target = 0.80 if args.dataset == "fmnist" else 0.60
    for head in args.heads:
        recipe = get_recipe(f"{head}-{args.dataset}", "cpu")
        data = recipe.load_data()
        torch.manual_seed(0)
        G, D = recipe.build()
        trainer = Trainer(G, D, data, recipe.config(steps=10**7, ckpt_every=0, sample_every=0), device="cpu")
        start, cpu0, load0 = time.perf_counter(), cpu_seconds(), os.getloadavg()[0]
        while time.perf_counter() - start < args.minutes * 60:
            trainer.fit(trainer.step + 25, progress=False)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
        load1 = os.getloadavg()[0]
        images = trainer.sample(args.n, generator=torch.Generator().manual_seed(1))
        labels = torch.arange(args.n) % 10
        scores = evaluate(images, labels, args.dataset, classifier=classifier, inception=False)
        print(json.dumps(dict(
            run=f"{head}-{args.dataset}", steps=trainer.step, train_wall_s=round(wall, 1), train_cpu_s=round(cpu, 1),
            load_avg_start=load0, load_avg_end=load1, threads=args.threads, n=args.n,
            accuracy=scores["accuracy"], real_accuracy=scores["real_accuracy"], accuracy_ratio=scores["accuracy_ratio"],
            target_ratio=target, frechet_distance=scores["frechet_distance"], frechet_distance_real=scores["frechet_distance_real"],
        )), flush=True)


if __name__ == "__main__":
    main()
