"""Start-up time of the command line vs importing torch, measured in one run (not pass/fail).

    python benchmarks/bench_cli.py [--reps 5]

``python -m gantutor --help`` parses its arguments before importing torch, so it should
answer in a fraction of the time ``python -c "import torch"`` takes. Each command runs
``--reps`` times, alternating, in a fresh interpreter; the median wall time is printed.
GANTUTOR_THREADS is removed from the environment (set, ``import gantutor`` pins torch's
threads and so imports torch — what a learner's shell does not do).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def wall(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "GANTUTOR_THREADS"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    commands = {
        "python -m gantutor --help": [sys.executable, "-m", "gantutor", "--help"],
        "python -m gantutor train --help": [sys.executable, "-m", "gantutor", "train", "--help"],
        'python -c "import torch"': [sys.executable, "-c", "import torch"],
        'python -c "pass"': [sys.executable, "-c", "pass"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for name, cmd in commands.items():  # warm the file cache once
        wall(cmd, env)
    for _ in range(args.reps):
        for name, cmd in commands.items():
            times[name].append(wall(cmd, env))
    print(f"median wall seconds over {args.reps} runs (load average {os.getloadavg()[0]:.1f}):")
    for name, ts in times.items():
        print(f"  {name:34s} {statistics.median(ts):6.3f} s   (runs: {', '.join(f'{t:.3f}' for t in ts)})")
    h, t = statistics.median(times["python -m gantutor --help"]), statistics.median(times['python -c "import torch"'])
    print(f"--help takes {h / t:.2f}× the time of importing torch")


if __name__ == "__main__":
    main()
