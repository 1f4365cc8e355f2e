"""Measure each lesson's "Restart kernel and run all" in normal mode: wall and CPU seconds.

    python benchmarks/run_all_times.py                       # every lesson, two at a time, one thread each
    python benchmarks/run_all_times.py notebooks/03_*.ipynb --jobs 1 --threads 2
    python benchmarks/run_all_times.py notebooks/00_*.ipynb --jobs 1 --write   # record it, then:
    python -m gantutor.times                                 # rewrite every place that shows the times

``--write`` records each notebook that ran without error in ``benchmarks/results/run_all_times.json``,
the one source of the Run-All times the course shows (README, lesson 00's map, each lesson's
first cell; see ``gantutor/times.py``): CPU seconds, wall minutes, load, threads, side-by-side
jobs, date and commit. Lessons 06–07 are measured with their training run kept in ``runs/``
(run them once first); their training time stays as recorded.

Each notebook runs in a fresh kernel (nbclient) in its own process; CPU time is that
process's children (the kernel) plus its own. Outputs are discarded: the committed
notebooks stay clean. On a shared machine wall time alone says little, so both are printed,
with the load average. Never pass/fail.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMES_FILE = ROOT / "benchmarks" / "results" / "run_all_times.json"

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
    parser.add_argument("--write", action="store_true",
                        help=f"record the lessons that ran in {TIMES_FILE.relative_to(ROOT)} (then run python -m gantutor.times)")
    parser.add_argument("--machine", default=f"a {os.cpu_count()}-core machine",
                        help="how the record describes the machine (default: 'a N-core machine'; say 'shared with other jobs' if it was)")
    args = parser.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    load_start = os.getloadavg()[0]
    print(f"{len(paths)} notebooks, {args.jobs} at a time, {args.threads} thread(s) each; load {os.getloadavg()}")
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda p: run_one(p, args.threads), paths))
    load_end = os.getloadavg()[0]
    print(f"{'notebook':<36} {'ok':<4} {'wall s':>8} {'CPU s':>8}")
    for r in rows:
        print(f"{r['notebook']:<36} {'yes' if r['ok'] else 'NO':<4} {r['wall_s']:>8} {r['cpu_s']:>8}")
        if not r["ok"]:
            print(r["error"])
    print(f"load average at the end {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.write:
        written = record(rows, jobs=args.jobs, threads=args.threads, machine=args.machine, load=(load_start, load_end))
        print(f"recorded {', '.join(written) or 'nothing'} in {TIMES_FILE.relative_to(ROOT)}; "
              "now run `python -m gantutor.times` to rewrite the places that show them")
    return 0 if all(r["ok"] for r in rows) else 1


def _commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(rows: list[dict], *, jobs: int, threads: int, machine: str, load: tuple[float, float],
           path: Path = TIMES_FILE) -> list[str]:
    """Update the times file with the notebooks that ran without error; returns their lesson numbers.

    Fields of a lesson that this run does not measure (a training time, a description) are kept.
    """
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"lessons": {}}
    lo, hi = sorted(load)
    commit, today = _commit(), datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    written = []
    for r in rows:
        key = r["notebook"][:2]
        if not (r["ok"] and key.isdigit()):
            continue
        entry = data["lessons"].setdefault(key, {})
        entry.update(notebook=r["notebook"], cpu_s=round(r["cpu_s"], 1), wall_min=round(r["wall_s"] / 60, 1),
                     load=f"{lo:.0f}–{hi:.0f}" if round(lo) != round(hi) else f"{lo:.0f}",
                     jobs=jobs, threads=threads, machine=machine, measured=today, commit=commit,
                     source=f"benchmarks/run_all_times.py --write at commit {commit}")
        written.append(key)
    data["lessons"] = dict(sorted(data["lessons"].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return written


if __name__ == "__main__":
    sys.exit(main())
