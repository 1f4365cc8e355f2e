"""Every paper claim the course repeats, as a run: several seeds, an interval, a verdict.

A *claim* is one sentence from a paper that a lesson repeats ("LSGAN spreads over the
modes of the 8-Gaussian ring where the regular GAN collapses"). Each claim here knows
how to run one seed of its experiment under the paper's own protocol, which metric it
measures, and the rule that turns the seeds into a verdict:

* ``reproduced``      – the runs show what the paper says (the rule's interval excludes the alternative);
* ``not reproduced``  – the runs show the opposite, or no effect where the paper claims one;
* ``inconclusive``    – the interval is too wide to say either.

Command line::

    python -m gantutor reproduce --list
    python -m gantutor reproduce lsgan-ring --seeds 4 --out results/lsgan-ring.json

Lessons never type a number about a run: they load ``results/NAME.json`` with
:func:`load_result` and print its table (:func:`summary_frame`) and verdict.

This module stays light (no torch at import) so that ``--list`` and ``--help`` are fast;
the claims import what they need when they run.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

__all__ = [
    "Claim", "register", "claims", "get_claim", "interval", "summarize", "welch_interval", "compare_means", "interval_verdict", "write_json",
    "run_claim", "load_result", "summary_frame", "verdict_line", "runs_dir", "RESULTS_DIR", "VERDICTS",
]

VERDICTS = ("reproduced", "not reproduced", "inconclusive")
_ROOT = Path(__file__).resolve().parent.parent.parent  # the repository (editable install)
RESULTS_DIR = _ROOT / "results"
# the modules that register claims; imported on first use of the registry
_CLAIM_MODULES = ("minimax", "spectral", "lsgan_ring", "capstone")
_REGISTRY: dict[str, "Claim"] = {}


@dataclass(frozen=True)
class Claim:
    """One paper claim and how to test it.

    ``run(seeds, smoke)`` trains/measures the given seeds (it may batch them) and returns
    one record per (seed, configuration): ``{"seed": s, "config": name, <metric>: value, ...}``.
    ``decide(summary, per_seed)`` applies the rule written in ``rule`` and returns one of
    :data:`VERDICTS`. ``chunk`` is how many seeds one call of ``run`` takes: Ctrl-C keeps
    every finished chunk.
    """

    name: str
    paper: str
    statement: str          # the paper's claim, in one sentence
    metric: str             # what is measured, in words (the record's keys name the numbers)
    expected: str           # the verdict the paper leads one to expect: normally "reproduced"
    rule: str               # how the verdict is computed, in words, shown by --list and the lessons
    cpu_minutes: float      # wall minutes of the default run on one core of the 2-core CI machine
    run: Callable[[Sequence[int], bool], list[dict[str, Any]]]
    decide: Callable[[dict, list], str]
    default_seeds: int = 3
    chunk: int = 1
    lesson: str = ""
    protocol: dict[str, Any] = field(default_factory=dict)  # the settings, with where they come from

    def __post_init__(self):
        if self.expected not in VERDICTS:
            raise ValueError(f"claim {self.name}: expected must be one of {VERDICTS}, got {self.expected!r}")
        if self.default_seeds < 1 or self.chunk < 1:
            raise ValueError(f"claim {self.name}: default_seeds and chunk must be >= 1")


def runs_dir() -> Path:
    """Where run folders and caches go: ``$GANTUTOR_RUNS``, else ``runs/`` at the repository root.

    Not relative to the working directory: a notebook's kernel runs in ``notebooks/`` and the
    command line in the root, and both must find the same finished runs.
    """
    env = os.environ.get("GANTUTOR_RUNS")
    return Path(env) if env else _ROOT / "runs"


def register(claim: Claim) -> Claim:
    """Add a claim to the registry (each claim module calls this at import)."""
    if claim.name in _REGISTRY and _REGISTRY[claim.name] is not claim:
        raise ValueError(f"claim {claim.name!r} is registered twice")
    _REGISTRY[claim.name] = claim
    return claim


def claims() -> dict[str, Claim]:
    """All registered claims by name (imports the claim modules on first call)."""
    for mod in _CLAIM_MODULES:
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as err:  # a claim module not written yet is not an error…
            if err.name != f"{__name__}.{mod}":  # …but a missing dependency inside one is
                raise
    return dict(sorted(_REGISTRY.items()))


def get_claim(name: str) -> Claim:
    known = claims()
    if name not in known:
        raise ValueError(f"unknown claim {name!r}: choose one of {', '.join(known) or '(none registered)'}")
    return known[name]


# --------------------------------------------------------------------------- statistics


def interval(values: Iterable[float], level: float = 0.95) -> dict[str, float]:
    """Mean, sample standard deviation and a Student-t interval for the mean.

    With one value the interval is infinite (one run is an anecdote, not a measurement).
    """
    from scipy import stats

    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("interval: no values")
    n = len(xs)
    mean = sum(xs) / n
    if n == 1:
        return {"n": 1, "mean": mean, "sd": float("nan"), "lo": -math.inf, "hi": math.inf}
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "sd": sd, "lo": mean - half, "hi": mean + half}


def summarize(per_seed: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """``summary[config][metric] = {n, mean, sd, lo, hi}`` over seeds, for every numeric metric."""
    configs: dict[str, list[dict]] = {}
    for rec in per_seed:
        configs.setdefault(str(rec["config"]), []).append(rec)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for config, recs in configs.items():
        keys = [k for k in recs[0] if k not in ("seed", "config") and isinstance(recs[0][k], (int, float))
                and not isinstance(recs[0][k], bool)]
        vals = {k: [r[k] for r in recs if isinstance(r.get(k), (int, float)) and math.isfinite(r[k])] for k in keys}
        out[config] = {k: interval(v) for k, v in vals.items() if v}
    return out


def welch_interval(per_seed: list[dict], better: str, worse: str, metric: str, *,
                   higher_is_better: bool = True, level: float = 0.95) -> dict[str, float]:
    """Welch's t-interval for the difference of mean ``metric`` between two configurations.

    The difference is ``better − worse`` (``worse − better`` when lower is better), so a
    positive value always favours ``better``. Returns ``{diff, lo, hi, n_better, n_worse}``;
    the interval is infinite with fewer than two seeds on either side.
    """
    from scipy import stats

    a = [r[metric] for r in per_seed if r["config"] == better]
    b = [r[metric] for r in per_seed if r["config"] == worse]
    out = {"n_better": len(a), "n_worse": len(b)}
    if not a or not b:
        return {**out, "diff": math.nan, "lo": -math.inf, "hi": math.inf}
    sign = 1.0 if higher_is_better else -1.0
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    diff = sign * (ma - mb)
    if len(a) < 2 or len(b) < 2:
        return {**out, "diff": diff, "lo": -math.inf, "hi": math.inf}
    va = sum((x - ma) ** 2 for x in a) / (len(a) - 1)
    vb = sum((x - mb) ** 2 for x in b) / (len(b) - 1)
    se2 = va / len(a) + vb / len(b)
    if se2 == 0:  # every seed identical: the difference is exact
        return {**out, "diff": diff, "lo": diff, "hi": diff}
    dof = se2**2 / ((va / len(a)) ** 2 / (len(a) - 1) + (vb / len(b)) ** 2 / (len(b) - 1) or 1e-300)
    half = float(stats.t.ppf(0.5 + level / 2, max(dof, 1.0))) * math.sqrt(se2)
    return {**out, "diff": diff, "lo": diff - half, "hi": diff + half}


def compare_means(per_seed: list[dict], better: str, worse: str, metric: str, *,
                  higher_is_better: bool = True, margin: float = 0.0, level: float = 0.95) -> str:
    """Verdict for "``better`` scores higher than ``worse`` on ``metric``" (or lower).

    Welch's t-interval for the difference of means (:func:`welch_interval`): ``reproduced``
    when it lies above ``margin``; ``not reproduced`` when it lies at or below 0 (no effect,
    or the opposite); ``inconclusive`` otherwise (also with fewer than two seeds a side).
    """
    w = welch_interval(per_seed, better, worse, metric, higher_is_better=higher_is_better, level=level)
    return interval_verdict(w, margin)


def interval_verdict(w: dict[str, float], margin: float = 0.0) -> str:
    """The verdict :func:`compare_means` gives for an interval already computed by :func:`welch_interval`."""
    if w["n_better"] < 2 or w["n_worse"] < 2:
        return "inconclusive"
    if w["lo"] > margin:
        return "reproduced"
    if w["hi"] <= 0:
        return "not reproduced"
    return "inconclusive"


def write_json(path: str | os.PathLike, obj: Any, indent: int | None = 1) -> Path:
    """Write ``obj`` as JSON atomically: a temporary file (named for this process, so two
    processes writing the same file never share one) replaces ``path`` in one ``os.replace``;
    an interrupted write never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=indent, allow_nan=True) + "\n")
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------- running


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        if out.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=5, cwd=Path(__file__).resolve().parent).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def run_claim(name: str, seeds: int | Sequence[int] | None = None, out: str | os.PathLike | None = None, *,
              progress: bool = True, command: str | None = None, extend: bool = False) -> dict[str, Any]:
    """Run a claim over its seeds, write the JSON (when ``out`` is given) and return it.

    ``seeds`` is a count (seeds 0…N−1) or an explicit list; default: the claim's own.
    Ctrl-C stops after the chunk in progress is dropped: the seeds already finished are
    kept, summarized and written with ``"interrupted": true``.
    ``extend=True`` keeps the seeds already in ``out`` (a full, uninterrupted result of the
    same claim and smoke setting) and runs only the missing ones; the summary and verdict are
    recomputed over all of them, and ``command``, ``commit`` and ``wall_s`` record every part.
    """
    from ..device import get_device, is_smoke

    claim = get_claim(name)
    if seeds is None:
        seeds = claim.default_seeds
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        seeds = list(range(seeds))
    seeds = [int(s) for s in seeds]
    smoke = is_smoke()
    per_seed: list[dict[str, Any]] = []
    done: list[int] = []
    earlier = None
    if extend:
        if out is None or not Path(out).exists():
            raise FileNotFoundError(f"extend: no earlier result at {out!r} to extend")
        earlier = json.loads(Path(out).read_text())
        if earlier.get("claim") != name or earlier.get("smoke") != smoke or earlier.get("interrupted"):
            raise ValueError(f"extend: {out} is not a complete {'smoke' if smoke else 'full'} result of {name}")
        per_seed, done = list(earlier["per_seed"]), list(earlier["seeds"])
        seeds = [s for s in seeds if s not in done]
    interrupted = False
    start = time.perf_counter()
    commit = _commit()  # the code that runs is the code at the start (a commit made during a long run is not it)
    chunks = [seeds[i:i + claim.chunk] for i in range(0, len(seeds), claim.chunk)]
    try:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(seeds), desc=claim.name, unit="seed", disable=not progress)
        for chunk in chunks:
            records = claim.run(chunk, smoke)
            per_seed.extend(records)
            done.extend(chunk)
            bar.update(len(chunk))
        bar.close()
    except KeyboardInterrupt:
        interrupted = True
        print(f"\ninterrupted: keeping the {len(done)} finished seed(s) {done}", file=sys.stderr)
    summary = summarize(per_seed) if per_seed else {}
    verdict = claim.decide(summary, per_seed) if per_seed else "inconclusive"
    if verdict not in VERDICTS:
        raise RuntimeError(f"claim {name}: its rule returned {verdict!r}, not one of {VERDICTS}")
    import torch

    device = get_device()
    result = {
        "claim": claim.name,
        "paper": claim.paper,
        "statement": claim.statement,
        "metric": claim.metric,
        "rule": claim.rule,
        "expected": claim.expected,
        "lesson": claim.lesson,
        "protocol": claim.protocol,
        "seeds": done,
        "per_seed": per_seed,
        "summary": summary,
        "verdict": verdict,
        "command": command or f"python -m gantutor reproduce {name} --seeds {len(seeds)}",
        "commit": commit,
        "wall_s": round(time.perf_counter() - start, 1),
        "extended_from": None,
        "device": str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else
                                 f" ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"),
        "torch": torch.__version__,
        "smoke": smoke,
        "interrupted": interrupted,
    }
    if earlier is not None:  # one record of how every seed was produced
        result["extended_from"] = {k: earlier.get(k) for k in ("command", "commit", "wall_s", "seeds", "device")}
        result["command"] = f"{earlier['command']} && {result['command']}"
        result["commit"] = f"{earlier['commit']} + {result['commit']}"
        result["wall_s"] = round(earlier["wall_s"] + result["wall_s"], 1)
    if out is not None:
        write_json(out, result)
    return result


# --------------------------------------------------------------------------- reading results


def load_result(name: str, results_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """The committed result of a claim (``results/NAME.json``), checked for the fields lessons use."""
    path = Path(results_dir or RESULTS_DIR) / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `python -m gantutor reproduce {name} --out {path}`")
    result = json.loads(path.read_text())
    missing = [k for k in ("claim", "paper", "metric", "seeds", "per_seed", "summary", "verdict", "command",
                           "commit", "wall_s", "device", "smoke") if k not in result]
    if missing:
        raise ValueError(f"{path} lacks {missing}")
    if result["verdict"] not in VERDICTS:
        raise ValueError(f"{path}: verdict {result['verdict']!r} is not one of {VERDICTS}")
    return result


def summary_frame(result: dict[str, Any], metrics: Sequence[str] | None = None, digits: int = 3):
    """The summary as a pandas table: one row per configuration, ``mean ± half-width`` per metric."""
    import pandas as pd

    rows = {}
    for config, stats_ in result["summary"].items():
        row = {}
        for metric, s in stats_.items():
            if metrics is not None and metric not in metrics:
                continue
            half = (s["hi"] - s["lo"]) / 2 if math.isfinite(s["hi"]) else math.inf
            row[metric] = f"{s['mean']:.{digits}g} ± {half:.2g}"
        row["seeds"] = max((s["n"] for s in stats_.values()), default=0)
        rows[config] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "configuration (mean ± 95 % interval half-width)"
    return frame


def verdict_line(result: dict[str, Any]) -> str:
    """One sentence: the claim, its verdict, the seeds and the run that produced it."""
    mark = {"reproduced": "✔", "not reproduced": "✘", "inconclusive": "?"}[result["verdict"]]
    return (f"{mark} {result['claim']}: {result['verdict'].upper()} — {len(result['seeds'])} seeds, "
            f"{result['wall_s'] / 60:.1f} min on {result['device']} (commit {result['commit']}); "
            f"rule: {result.get('rule', '')}")


# --------------------------------------------------------------------------- command line


def add_arguments(p) -> None:
    """The ``reproduce`` subcommand's arguments (``python -m gantutor reproduce …``)."""
    p.add_argument("name", nargs="?", help="the claim to run (see --list)")
    p.add_argument("--list", action="store_true", help="list the claims: paper, metric, expected verdict, CPU minutes")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (0…N-1); default: the claim's own")
    p.add_argument("--out", default=None,
                   help="JSON file to write (default: results/NAME.json; under GANTUTOR_SMOKE=1 runs/reproduce/NAME.json)")
    p.add_argument("--extend", action="store_true",
                   help="keep the seeds already in --out and run only the missing ones of 0…N-1 (e.g. --seeds 8 after 4)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")


def list_text() -> str:
    lines = []
    for c in claims().values():
        lines.append(f"{c.name}\n  paper:    {c.paper}\n  claim:    {c.statement}\n  measured: {c.metric}\n"
                     f"  rule:     {c.rule}\n  expected: {c.expected}; {c.default_seeds} seeds by default, "
                     f"≈ {c.cpu_minutes:g} CPU min; lesson {c.lesson or '-'}")
    return "\n".join(lines)


def cli(args) -> int:
    """Entry point of ``python -m gantutor reproduce``; returns the exit status."""
    if args.list or not args.name:
        if not args.list:
            print("reproduce: name a claim, or --list to see them\n", file=sys.stderr)
        print(list_text())
        return 0 if args.list else 2
    try:
        get_claim(args.name)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from ..device import is_smoke

    out = args.out
    if out is None:
        base = runs_dir() / "reproduce" if is_smoke() else RESULTS_DIR
        out = base / f"{args.name}.json"
    command = "python -m gantutor " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else None
    result = run_claim(args.name, args.seeds, out, progress=not args.no_progress, command=command,
                       extend=getattr(args, "extend", False))
    print(summary_frame(result).to_string())
    print(verdict_line(result))
    print(f"wrote {Path(out).resolve()}")
    return 130 if result["interrupted"] else 0
