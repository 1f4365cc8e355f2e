"""Train a recipe as a new user would, sample 2,000 images, and measure within-class diversity.

    python benchmarks/collapse_check.py --recipe reacgan-cifar10 [--preset cpu] [--steps N]

Runs ``python -m gantutor train`` and ``python -m gantutor sample --n 2000`` (the command
line, one thread), then reports for the samples: the within-class pixel spread as a fraction
of the real images' (:func:`gantutor.metrics.pixel_spread`; 1 = as varied as a real class,
near 0 = every sample of a class is the same picture), and the offline classifier's scores
(:func:`gantutor.metrics.evaluate`: accuracy ratio, Fréchet distance, within-class diversity
in its feature space) when the classifier is cached. Appends one JSON line to
``benchmarks/results/collapse-check.jsonl`` and writes a 10×10 per-class grid next to the run and, for
committing, to ``benchmarks/results/collapse-check/<recipe>-<preset>.png``.
A report, never a pass/fail test (``tests/test_collapse.py`` is the behaviour test).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "collapse-check.jsonl"
GRIDS = ROOT / "benchmarks" / "results" / "collapse-check"


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    from gantutor import metrics
    from gantutor.recipes import get_recipe

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipe", required=True)
    p.add_argument("--preset", default="cpu")
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--runs", default=str(ROOT / "runs" / "collapse-check"))
    p.add_argument("--n", type=int, default=2000)
    args = p.parse_args()
    recipe = get_recipe(args.recipe, args.preset)
    run = Path(args.runs) / (f"{args.recipe}-{args.preset}" + ("" if args.steps is None else f"-{args.steps}"))
    env = {**os.environ, "GANTUTOR_THREADS": "1", "PYTHONPATH": str(ROOT)}
    py = [sys.executable, "-m", "gantutor"]
    t0, c0 = time.time(), _child_cpu()
    if not (run / "ckpt.pt").exists() or args.steps is not None:
        cmd = py + ["train", "--recipe", args.recipe, "--preset", args.preset, "--out", str(run), "--no-progress"]
        cmd += ["--resume"] if (run / "ckpt.pt").exists() else []
        cmd += [] if args.steps is None else ["--steps", str(args.steps)]
        subprocess.run(cmd, check=True, env=env)
    train_cpu, train_wall = _child_cpu() - c0, time.time() - t0
    samples = run / "samples.npz"
    subprocess.run(py + ["sample", "--run", str(run), "--n", str(args.n), "--out", str(samples)], check=True, env=env)
    z = np.load(samples)
    fake = torch.from_numpy(z["arr_0"]).permute(0, 3, 1, 2).contiguous()
    labels = torch.from_numpy(z["arr_1"]).long()
    real = recipe.load_data(split="test")
    spread_fake = metrics.pixel_spread(fake, labels, 10)
    spread_real = metrics.pixel_spread(real.images, real.labels, 10)
    row = {"recipe": args.recipe, "preset": args.preset, "steps": recipe.config().steps if args.steps is None else args.steps,
           "g_seed_label": recipe.g_seed_label, "train_cpu_s": round(train_cpu, 1), "train_wall_s": round(train_wall, 1),
           "load": os.getloadavg()[0], "n": args.n,
           "pixel_spread_ratio": spread_fake["spread"] / spread_real["spread"],
           "pixel_spread_ratio_per_class": {c: spread_fake["per_class"][c] / spread_real["per_class"][c] for c in spread_fake["per_class"]}}
    try:
        clf = metrics.get_classifier(recipe.dataset, train_if_missing=False)
        scores = metrics.evaluate(fake, labels, recipe.dataset, classifier=clf, inception=False)
        row.update({k: scores[k] for k in ("accuracy_ratio", "frechet_distance", "within_class_diversity") if k in scores})
    except Exception as err:  # no cached classifier: the pixel spread still says whether G ignores z
        row["classifier"] = f"not scored: {type(err).__name__}: {err}"
    import torchvision

    idx = torch.cat([torch.nonzero(labels == c).flatten()[:10] for c in range(10)])
    torchvision.utils.save_image(fake[idx].float() / 255, run / "grid-per-class.png", nrow=10)
    GRIDS.mkdir(parents=True, exist_ok=True)  # the committed copy, beside the JSON lines
    shutil.copyfile(run / "grid-per-class.png", GRIDS / f"{run.name}.png")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row, indent=1))


if __name__ == "__main__":
    main()
