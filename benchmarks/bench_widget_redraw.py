"""How long a lesson widget takes to redraw after one control move (a report, not a pass/fail test).

Times each widget's Python side in this process, the part a kernel does for one slider step:
recompute, redraw, encode the PNG. For lesson 03 it also times the first version of its
power-iteration figure (``ipywidgets.interact`` over a function that rebuilt the matrix,
re-ran k = 1…rounds power iterations from scratch and built a new figure, shown by the inline
backend with a tight bounding box) against :class:`gantutor.widgets.PowerIterationExplorer`,
and prints the ratio. The browser tests write what a learner waits for (control move → changed
figure in Chromium, with the machine's load) to ``browser-screenshots/redraw.json``; when that
file exists it is printed too.

    python benchmarks/bench_widget_redraw.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from gantutor.plots import plot_convergence, use_course_style  # noqa: E402
from gantutor.spectral import power_iteration  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def old_show_rounds(rounds=20, gap=0.9):
    """Lesson 03's first widget callback (rebuild everything per move), shown like the inline backend."""
    U, _ = torch.linalg.qr(torch.randn(32, 32, generator=torch.Generator().manual_seed(3), dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(64, 32, generator=torch.Generator().manual_seed(4), dtype=torch.float64))
    S = torch.cat([torch.tensor([1.0, gap]), gap * torch.linspace(0.9, 0.05, 30)]).double()
    M = (U * S) @ V.T
    k = np.arange(1, rounds + 1)
    e_s, e_d = [], []
    for r in k:
        est, _, v_k = power_iteration(M, int(r), u=torch.ones(32, dtype=torch.float64))
        e_s.append(1 - est.item()); e_d.append((v_k - (v_k @ V[:, 0]) * V[:, 0]).norm().item())
    e_s, e_d = np.array(e_s), np.array(e_d)
    fig, ax = plt.subplots(figsize=(8, 4))
    plot_convergence(k, {"1 − σ̂/σ₁": e_s, "direction": e_d},
                     {"1 − σ̂/σ₁": e_s[0] * gap ** (4 * (k - 1)), "direction": e_d[0] * gap ** (2 * (k - 1))},
                     ax=ax, title=f"after {rounds} rounds: 1 − σ̂/σ₁ = {e_s[-1]:.1e}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")  # what the inline backend's plt.show() does
    plt.close(fig)
    return buf.getvalue()


def timed(fn, moves, repeats):
    """Median seconds per move over ``repeats`` passes through ``moves`` (a list of kwargs)."""
    times = []
    for _ in range(repeats):
        for kw in moves:
            start = time.perf_counter()
            fn(**kw)
            times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("GANTUTOR_THREADS", "1")))
    use_course_style()
    from gantutor.widgets import LSGANCodingWidget, OptimalDiscriminatorExplorer, PowerIterationExplorer

    rows = []
    # a drag of the rounds slider, then of the gap slider (each step a new value, as continuous_update sends)
    drag = [{"rounds": r} for r in (21, 24, 27, 30)] + [{"rounds": 30, "gap": g} for g in (0.85, 0.8, 0.75)]
    old = timed(old_show_rounds, [dict(rounds=d.get("rounds", 20), gap=d.get("gap", 0.9)) for d in drag], args.repeats)
    pie = PowerIterationExplorer(rounds=20, gap=0.9)
    new = timed(pie.update, drag, args.repeats)
    rows += [("03 power iteration, interact (first version)", *old), ("03 PowerIterationExplorer", *new)]
    ode = OptimalDiscriminatorExplorer()
    rows.append(("01 OptimalDiscriminatorExplorer", *timed(ode.update, [{"mean": m} for m in (0.5, 1.0, 1.5)], args.repeats)))
    lc = LSGANCodingWidget()
    rows.append(("02 LSGANCodingWidget", *timed(lc.set_codes, [dict(a=-1.0, b=1.0, c=c) for c in (0.0, 0.5, 1.0)], args.repeats)))

    load, cores = os.getloadavg()[0], os.cpu_count()
    print(f"Python side of one control move (median / max s over {args.repeats} passes; load {load:.1f} on {cores} cores)")
    for name, med, worst in rows:
        print(f"  {name:<48} {med:7.3f} {worst:7.3f}")
    print(f"  lesson 03 speed-up (median, first version / explorer): {old[0] / new[0]:.1f}×")
    report = ROOT / "browser-screenshots" / "redraw.json"
    if report.exists():
        print(f"browser: control move → changed figure in Chromium ({report.relative_to(ROOT)}):")
        for lesson, entry in sorted(json.loads(report.read_text()).items()):
            times = ", ".join(f"{k} {v:.2f} s" for k, v in entry["widgets"].items()) or "no interactive widget"
            print(f"  {lesson}: {times} (load {entry['load_1min']} on {entry['cores']} cores)")


if __name__ == "__main__":
    main()
