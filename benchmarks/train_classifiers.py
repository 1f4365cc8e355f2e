"""Train (or retrain) and cache the offline evaluation classifiers; print their test accuracies.

    python benchmarks/train_classifiers.py                 # both data sets, default epochs
    python benchmarks/train_classifiers.py --only cifar10 --epochs 8
    python benchmarks/train_classifiers.py --keep-cached   # train only what is missing

The networks land in ``<data root>/classifiers/<dataset>.pt`` (``$GANTUTOR_DATA`` or
``data/``), where :func:`gantutor.metrics.get_classifier` finds them. Prints wall time,
CPU seconds and the load average, since on a shared machine wall time alone says little.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import torch

from gantutor import metrics
from gantutor.device import get_device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["fashion-mnist", "cifar10"], help="train just this one")
    parser.add_argument("--epochs", type=int, default=None, help="default: the module's (3 for Fashion-MNIST, 4 for CIFAR-10)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a crowded machine)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--keep-cached", action="store_true", help="reuse cached classifiers (report their stored numbers)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = get_device(args.device)
    names = [args.only] if args.only else ["fashion-mnist", "cifar10"]
    print(f"device {device}, torch threads {torch.get_num_threads()}, load average {os.getloadavg()}")
    for name in names:
        path = metrics.classifier_path(name)
        if args.keep_cached and path.exists():
            clf = metrics.get_classifier(name, device=device, smoke=False, train_if_missing=False)
            meta = torch.load(path, map_location="cpu", weights_only=True)["meta"]
            print(
                f"{name:>13}: test accuracy {clf.test_accuracy:.4f}  (cached; it took wall {meta['wall_s']:.0f} s,"
                f" CPU {meta['cpu_s']:.0f} s, {meta['train_kwargs']})  {path}"
            )
            continue
        kwargs = {} if args.epochs is None else dict(epochs=args.epochs)
        wall, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        clf = metrics.get_classifier(name, device=device, retrain=True, smoke=False, **kwargs)
        end = resource.getrusage(resource.RUSAGE_SELF)
        cpu_s = (end.ru_utime - cpu.ru_utime) + (end.ru_stime - cpu.ru_stime)
        print(
            f"{name:>13}: test accuracy {clf.test_accuracy:.4f}  wall {time.perf_counter() - wall:.0f} s"
            f"  CPU {cpu_s:.0f} s  load average {os.getloadavg()}  -> {path}"
        )

if __name__ == "__main__":
    main()
