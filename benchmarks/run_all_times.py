"""Measure each lesson's "Restart kernel and run all" in normal mode: wall and CPU seconds.

    python benchmarks/run_all_times.py                       # every lesson, two at a time, one thread each
    python benchmarks/run_all_times.py notebooks/03_*.ipynb --jobs 1 --threads 2

Each notebook runs in a fresh kernel (nbclient) in its own process; CPU time is that
process's children (the kernel) plus its own. Outputs are discarded: the committed
notebooks stay clean. On a shared machine wall time alone says little, so both are printed,
with the load average. Never pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_RUN_ONE = """
import sys, nbformat
sys.path.insert(0, sys.argv[3])
from notebook_client import RobustNotebookClient  # tests/notebook_client.py: no missed replies
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
RobustNotebookClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
"""


def run_one(path: Path, threads: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("GANTUTOR_SMOKE", "MPLBACKEND")}
    env.update(GANTUTOR_THREADS=str(threads), OMP_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    # a fresh interpreter per notebook, so its children's CPU time is this notebook's alone
    code = ("import resource, subprocess, sys, json; "
            f"p = subprocess.run([sys.executable, '-c', {_RUN_ONE!r}, sys.argv[1], sys.argv[2], sys.argv[3]]); "
            "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(json.dumps({'rc': p.returncode, 'cpu': r.ru_utime + r.ru_stime}))")
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(path.parent), str(ROOT / "tests")], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        info = {"rc": proc.returncode, "cpu": float("nan")}
    return {"notebook": path.name, "ok": info["rc"] == 0, "wall_s": round(wall, 1), "cpu_s": round(info["cpu"], 1),
            "error": proc.stderr[-1500:] if info["rc"] != 0 else ""}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/NN_*.ipynb")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks side by side (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per notebook (default 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write the table as JSON")
    args = parser.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    print(f"{len(paths)} notebooks, {args.jobs} at a time, {args.threads} thread(s) each; load {os.getloadavg()}")
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda p: run_one(p, args.threads), paths))
    print(f"{'notebook':<36} {'ok':<4} {'wall s':>8} {'CPU s':>8}")
    for r in rows:
        print(f"{r['notebook']:<36} {'yes' if r['ok'] else 'NO':<4} {r['wall_s']:>8} {r['cpu_s']:>8}")
        if not r["ok"]:
            print(r["error"])
    print(f"load average at the end {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
