"""Every paper claim the course repeats, as a run: seeds fixed in advance, an interval, a verdict.

A *claim* is one sentence from a paper that a lesson repeats ("LSGAN spreads over the
modes of the 8-Gaussian ring where the regular GAN collapses"). Each claim here states,
in code and before any seed runs: how to run one seed under the paper's own protocol, the
metric, its seed count ``n`` (the authors' where they give one), its **margin** (the
smallest effect the paper's sentence needs, in the metric's units, with a reason) and the
rule that turns the seeds into one of three verdicts (:mod:`gantutor.stats` explains them):

* ``reproduced``      – the effect is there in the paper's direction (one-sided 95 % bound above 0)
  and not shown to be smaller than the margin;
* ``not reproduced``  – the effect, if any, is smaller than the margin (one-sided 95 % bound below
  it): too small, absent or reversed;
* ``inconclusive``    – the interval reaches both below 0 and above the margin.

Several comparisons in one claim are Holm-corrected. A run with fewer than ``n`` seeds is
*exploratory* and says so; ``--extend`` fills a result up to ``n`` and no further; changing
``n`` or a margin is a commit of its own, made before the runs that use it.

Command line::

    python -m gantutor reproduce --list
    python -m gantutor reproduce lsgan-ring --out results/lsgan-ring.json
    python -m gantutor reproduce --table            # the README's claims table, from results/

A full (non-smoke) run refuses a working tree with uncommitted changes (``--allow-dirty``
runs anyway and marks the result exploratory) and records the commit at its start.
Lessons never type a number about a run: they load ``results/NAME.json`` with
:func:`load_result` and print its table (:func:`summary_frame`) and verdict (:func:`verdict_line`).

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
    "Claim", "register", "claims", "get_claim", "interval", "summarize", "welch_interval", "compare_means", "interval_verdict",
    "decision", "write_json", "run_claim", "load_result", "summary_frame", "verdict_line", "runs_dir", "RESULTS_DIR",
    "VERDICTS", "RULES_VERSION", "DirtyTree", "claims_table", "caveat", "old_rules", "recheck_verdict",
]

VERDICTS = ("reproduced", "not reproduced", "inconclusive")
#: the version of the verdict rules; results made before issue 18 (no such field) are marked "old rules"
RULES_VERSION = 2
_ROOT = Path(__file__).resolve().parent.parent.parent  # the repository (editable install)
RESULTS_DIR = _ROOT / "results"
# the modules that register claims; imported on first use of the registry
_CLAIM_MODULES = ("minimax", "spectral", "lsgan_ring", "capstone", "lsgan_stability", "acgan_classes")
_REGISTRY: dict[str, "Claim"] = {}


@dataclass(frozen=True)
class Claim:
    """One paper claim and how to test it, declared before any seed runs.

    ``run(seeds, smoke)`` trains/measures the given seeds (it may batch them) and returns
    one record per (seed, configuration): ``{"seed": s, "config": name, <metric>: value, ...}``.
    ``decide(summary, per_seed)`` applies the rule written in ``rule`` and returns one of
    :data:`VERDICTS`; ``judge(per_seed)``, when given, returns the same verdict with the
    intervals that decided it (``{"verdict", "parts": {name: {diff, lo, hi, margin, verdict}}}``),
    stored in the result as ``decision``.

    ``n`` is the declared seed count (``n_reason``: where it comes from); ``margin`` the
    smallest effect that matters, in the metric's units (a number, or one per part of the
    rule), with ``margin_reason`` in one line. ``chunk`` is how many seeds one call of
    ``run`` takes: Ctrl-C keeps every finished chunk.
    """

    name: str
    paper: str
    statement: str          # the paper's claim, in one sentence
    metric: str             # what is measured, in words (the record's keys name the numbers)
    expected: str           # the verdict the paper leads one to expect: normally "reproduced"
    rule: str               # how the verdict is computed, in words, shown by --list and the lessons
    cpu_minutes: float      # minutes of the default run on one core of the 2-core CI machine
    run: Callable[[Sequence[int], bool], list[dict[str, Any]]]
    decide: Callable[[dict, list], str]
    n: int = 3
    n_reason: str = ""
    margin: float | dict[str, float] = 0.0
    margin_reason: str = ""
    judge: Callable[[list], dict] | None = None
    meaning: dict[str, str] | None = None  # per verdict, when the general sentence (gantutor.stats.MEANING) does not fit
    chunk: int = 1
    lesson: str = ""
    protocol: dict[str, Any] = field(default_factory=dict)  # the settings, with where they come from

    def __post_init__(self):
        if self.expected not in VERDICTS:
            raise ValueError(f"claim {self.name}: expected must be one of {VERDICTS}, got {self.expected!r}")
        if self.n < 1 or self.chunk < 1:
            raise ValueError(f"claim {self.name}: n and chunk must be >= 1")
        margins = self.margin.values() if isinstance(self.margin, dict) else [self.margin]
        if not margins or not all(isinstance(m, (int, float)) and math.isfinite(m) and m > 0 for m in margins):
            raise ValueError(f"claim {self.name}: margin must be a number > 0 (or a dict of them), got {self.margin!r}")
        if not self.margin_reason or not self.n_reason:
            raise ValueError(f"claim {self.name}: say why n and the margin are what they are (n_reason, margin_reason)")

    @property
    def default_seeds(self) -> int:
        """The declared seed count ``n`` (the name earlier code used)."""
        return self.n

    def margin_text(self) -> str:
        """The margin(s) as one line: ``2.0`` or ``ratio 1, steps 50``."""
        if isinstance(self.margin, dict):
            return ", ".join(f"{k} {v:g}" for k, v in self.margin.items())
        return f"{self.margin:g}"


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
# The rules live in gantutor.stats (a module to read); these are the claim-shaped wrappers.


def interval(values: Iterable[float], level: float = 0.95) -> dict[str, float]:
    """Mean, sample standard deviation and a Student-t interval for the mean (for tables: 95 %).

    With one value the interval is infinite (one run is an anecdote, not a measurement).
    Verdicts use :func:`gantutor.stats.mean_interval` at the rule's level (90 %).
    """
    from .. import stats as st

    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("interval: no values")
    iv = st.mean_interval(xs, level)
    return {"n": len(xs), "mean": iv["diff"], "sd": iv["sd"], "lo": iv["lo"], "hi": iv["hi"]}


def summarize(per_seed: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """``summary[config][metric] = {n, mean, sd, lo, hi}`` (95 % t-interval) over seeds, for every numeric metric."""
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
    positive value always favours ``better``. Returns ``{diff, lo, hi, se, dof, level,
    n_better, n_worse}`` (:func:`gantutor.stats.welch`); the interval is infinite with fewer
    than two seeds on either side. ``level``: 0.95 for display; verdicts use 0.90
    (:data:`gantutor.stats.VERDICT_LEVEL`, two one-sided 5 % tests).
    """
    from .. import stats as st

    a = [r[metric] for r in per_seed if r["config"] == better]
    b = [r[metric] for r in per_seed if r["config"] == worse]
    out = {"n_better": len(a), "n_worse": len(b)}
    if not a or not b:
        return {**out, "diff": math.nan, "se": math.inf, "dof": 0.0, "level": level, "lo": -math.inf, "hi": math.inf}
    w = st.welch(a, b, level) if higher_is_better else st.welch(b, a, level)
    return {**out, **{k: w[k] for k in ("diff", "se", "dof", "level", "lo", "hi")}}


def compare_means(per_seed: list[dict], better: str, worse: str, metric: str, *,
                  higher_is_better: bool = True, margin: float | None = None, level: float | None = None) -> str:
    """Verdict for "``better`` scores higher than ``worse`` on ``metric``" (or lower).

    With a ``margin`` (> 0, the smallest difference that matters): the three-verdict rule of
    :func:`gantutor.stats.verdict` on the Welch 90 % interval. Without one it only reads the
    *direction* on a 95 % interval (for descriptions, not claims): ``reproduced`` above 0,
    ``not reproduced`` entirely below 0 (the opposite shown), ``inconclusive`` otherwise.
    Fewer than two seeds a side: ``inconclusive``.
    """
    from .. import stats as st

    if level is None:
        level = 0.95 if margin is None else st.VERDICT_LEVEL
    w = welch_interval(per_seed, better, worse, metric, higher_is_better=higher_is_better, level=level)
    return interval_verdict(w, margin)


def interval_verdict(w: dict[str, float], margin: float | None = None) -> str:
    """The verdict :func:`compare_means` gives for an interval already computed by :func:`welch_interval`."""
    from .. import stats as st

    if w.get("n_better", 2) < 2 or w.get("n_worse", 2) < 2 or not math.isfinite(w["hi"] - w["lo"]):
        return "inconclusive"
    if margin is None:
        return "reproduced" if w["lo"] > 0 else "not reproduced" if w["hi"] < 0 else "inconclusive"
    return st.verdict(w, margin)


def decision(parts: dict[str, dict], margins: dict[str, float] | float, combine: str = "all") -> dict[str, Any]:
    """Several comparisons of one claim, Holm-corrected, combined into one verdict.

    ``parts`` maps a name to a 90 % interval of the effect in the paper's direction; each
    gets its verdict by :func:`gantutor.stats.holm_verdicts`. ``combine="all"``: reproduced
    when every part is, not reproduced when any part is; ``"any"``: reproduced when some part
    is, not reproduced when every part is. Returns ``{"verdict", "parts": {name: {..., margin, verdict,
    p_effect_holm, p_small_holm}}}``: the intervals are uncorrected, the verdicts use the adjusted p-values.
    """
    from .. import stats as st

    names = list(parts)
    ms = [margins[n] if isinstance(margins, dict) else float(margins) for n in names]
    ps = st.holm_p_values([parts[n] for n in names], ms) if names else []
    vs = [st.verdict_from_p(p) for p in ps]
    # the intervals are not Holm-corrected, the verdicts are: keep the adjusted p-values that decided each part
    out = {n: {**{k: parts[n][k] for k in ("diff", "lo", "hi", "level") if k in parts[n]}, "margin": m, "verdict": v,
               "p_effect_holm": p["effect"], "p_small_holm": p["small"]}
           for n, m, v, p in zip(names, ms, vs, ps)}
    if not vs:
        verdict = "inconclusive"
    elif combine == "all":
        verdict = ("not reproduced" if "not reproduced" in vs else
                   "reproduced" if all(v == "reproduced" for v in vs) else "inconclusive")
    elif combine == "any":
        verdict = ("reproduced" if "reproduced" in vs else
                   "not reproduced" if all(v == "not reproduced" for v in vs) else "inconclusive")
    else:
        raise ValueError(f"combine must be 'all' or 'any', got {combine!r}")
    return {"verdict": verdict, "parts": out}


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


class DirtyTree(RuntimeError):
    """A full run was asked for on a working tree with uncommitted changes."""


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def uncommitted_files(untracked: bool = True) -> list[str] | None:
    """The files ``git status`` lists as modified, staged or (``untracked=True``) untracked and not ignored; None
    outside a git checkout."""
    out = _git("status", "--porcelain", "--untracked-files=" + ("all" if untracked else "no"))
    if out is None:
        return None
    return [line[3:] for line in out.splitlines() if line.strip()]


def current_commit(untracked: bool = True) -> str | None:
    """The commit checked out now (short hash), ``+dirty`` when files are uncommitted (``untracked=False``: only
    tracked files count, for a benchmark that writes its own new output file); None outside git."""
    head = _git("rev-parse", "--short", "HEAD")
    if head is None:
        return None
    return head.strip() + ("+dirty" if uncommitted_files(untracked) else "")


def check_clean(allow_dirty: bool = False) -> list[str]:
    """Refuse (raise :class:`DirtyTree`) a full run on a tree with uncommitted files, naming them.

    The commit recorded with a result must be the code that made it; "+dirty" cannot be
    recovered later. ``allow_dirty=True`` returns the uncommitted files instead (the run is
    then marked exploratory).
    """
    files = uncommitted_files()
    if files is None:
        problem = ["(not a git checkout: the commit cannot be recorded)"]
    else:
        problem = files
    if problem and not allow_dirty:
        raise DirtyTree("a full run needs a clean, committed tree (its result records the commit); uncommitted: "
                        + ", ".join(problem[:20]) + (f" … ({len(problem)} in all)" if len(problem) > 20 else "")
                        + ". Commit them, or pass --allow-dirty (the result is then marked exploratory).")
    return problem


def _cached_time(per_seed: list[dict]) -> dict[str, float]:
    """Training time of the records read from a cache (``"cached": true``): what the run reused, not spent."""
    cached = [r for r in per_seed if r.get("cached")]
    return {"records": len(cached),
            "train_wall_s": round(sum(float(r.get("train_wall_s", 0.0)) for r in cached), 1),
            "train_cpu_s": round(sum(float(r.get("train_cpu_s", 0.0)) for r in cached), 1)}


def run_claim(name: str, seeds: int | Sequence[int] | None = None, out: str | os.PathLike | None = None, *,
              progress: bool = True, command: str | None = None, extend: bool = False,
              allow_dirty: bool = False) -> dict[str, Any]:
    """Run a claim over its seeds, write the JSON (when ``out`` is given) and return it.

    ``seeds`` is a count (seeds 0…N−1) or an explicit list; default: the claim's declared
    ``n``; more than ``n`` is refused (changing ``n`` is a commit of its own). Fewer than ``n``
    gives an *exploratory* result (``"exploratory": true``; its verdict line says so).
    A full (non-smoke) run refuses a tree with uncommitted files at once (:func:`check_clean`)
    unless ``allow_dirty`` (then exploratory too); the commit is taken at the start.
    Ctrl-C stops after the chunk in progress is dropped: the seeds already finished are
    kept, summarized and written with ``"interrupted": true``.
    ``extend=True`` keeps the seeds already in ``out`` (a full, uninterrupted result of the
    same claim and smoke setting) and runs only the missing ones, up to ``n`` and no further;
    ``command``, ``commit`` and ``wall_s`` record every part.
    """
    from .. import stats as st
    from ..device import get_device, is_smoke

    claim = get_claim(name)
    if seeds is None:
        seeds = claim.n
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        seeds = list(range(seeds))
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) > claim.n:
        raise ValueError(f"claim {name} declares n = {claim.n} seeds ({claim.n_reason}); {len(set(seeds))} asked. "
                         "Running more after seeing a verdict is optional stopping: change n in its own commit first")
    smoke = is_smoke()
    dirty: list[str] = [] if smoke else check_clean(allow_dirty)
    per_seed: list[dict[str, Any]] = []
    done: list[int] = []
    earlier = None
    if extend:
        if out is None or not Path(out).exists():
            raise FileNotFoundError(f"extend: no earlier result at {out!r} to extend")
        earlier = json.loads(Path(out).read_text())
        if earlier.get("claim") != name or earlier.get("smoke") != smoke or earlier.get("interrupted"):
            raise ValueError(f"extend: {out} is not a complete {'smoke' if smoke else 'full'} result of {name}")
        if earlier.get("rules_version") != RULES_VERSION or earlier.get("n_planned") != claim.n:
            raise ValueError(f"extend: {out} was made under other rules or another n "
                             f"(n_planned {earlier.get('n_planned')}, now {claim.n}); rerun it whole")
        per_seed, done = list(earlier["per_seed"]), list(earlier["seeds"])
        seeds = [s for s in seeds if s not in done]
        if len(set(done) | set(seeds)) > claim.n:
            raise ValueError(f"extend: {out} has {len(done)} seeds; claim {name} declares n = {claim.n}")
    interrupted = False
    start, cpu0 = time.perf_counter(), time.process_time()
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    commit = current_commit()  # the code that runs is the code at the start (a commit made during a long run is not it)
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
    judged = claim.judge(per_seed) if (claim.judge is not None and per_seed) else None
    verdict = claim.decide(summary, per_seed) if per_seed else "inconclusive"
    if verdict not in VERDICTS:
        raise RuntimeError(f"claim {name}: its rule returned {verdict!r}, not one of {VERDICTS}")
    import torch

    device = get_device()
    n_done = len(set(done))
    result = {
        "claim": claim.name,
        "paper": claim.paper,
        "statement": claim.statement,
        "metric": claim.metric,
        "rule": claim.rule,
        "rules_version": RULES_VERSION,
        "n_planned": claim.n,
        "n_reason": claim.n_reason,
        "margin": claim.margin,
        "margin_reason": claim.margin_reason,
        "verdict_level": st.VERDICT_LEVEL,
        "expected": claim.expected,
        "lesson": claim.lesson,
        "protocol": claim.protocol,
        "seeds": done,
        "per_seed": per_seed,
        "summary": summary,
        "verdict": verdict,
        "decision": judged,
        # fewer seeds than declared, or any part made on an uncommitted tree (a part with fewer seeds is fine once filled)
        "exploratory": bool(n_done < claim.n or dirty or (earlier or {}).get("dirty_files")),
        "command": command or f"python -m gantutor reproduce {name} --seeds {len(seeds)}",
        "commit": commit,
        "dirty_files": dirty + [f for f in (earlier or {}).get("dirty_files", []) if f not in dirty],
        "started_at": started_at,
        "wall_s": round(time.perf_counter() - start, 1),
        "cpu_s": round(time.process_time() - cpu0, 1),
        "cached": _cached_time(per_seed),
        "extended_from": None,
        "device": str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else
                                 f" ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"),
        "torch": torch.__version__,
        "smoke": smoke,
        "interrupted": interrupted,
    }
    if earlier is not None:  # one record of how every seed was produced
        result["extended_from"] = {k: earlier.get(k) for k in ("command", "commit", "wall_s", "cpu_s", "seeds", "device",
                                                               "started_at")}
        result["command"] = f"{earlier['command']} && {result['command']}"
        result["commit"] = f"{earlier['commit']} + {result['commit']}"
        result["wall_s"] = round(earlier["wall_s"] + result["wall_s"], 1)
        result["cpu_s"] = round(earlier.get("cpu_s", 0.0) + result["cpu_s"], 1)
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


def old_rules(result: dict[str, Any]) -> bool:
    """True for a result made before the verdict rules of issue 18 (no declared n or margin)."""
    return result.get("rules_version", 1) < RULES_VERSION


def caveat(result: dict[str, Any]) -> str:
    """What opens every sentence a lesson reads from a results file that is not a test of its claim ('' for one that
    is): made under the old rules, a smoke run, or exploratory (fewer seeds than declared, uncommitted files)."""
    if old_rules(result):
        return f"EXPLORATORY (made under the old rules, commit {result.get('commit', '?')}): "
    if result.get("smoke"):
        return "SMOKE (every training shrunk to seconds; not a test of the claim): "
    if result.get("exploratory"):
        return f"EXPLORATORY ({', '.join(_exploratory_reasons(result)) or 'see the verdict line'}; not a test of the claim): "
    return ""


def _exploratory_reasons(result: dict[str, Any]) -> list[str]:
    """Why a result is exploratory: fewer seeds than declared, uncommitted files (both can hold)."""
    n = len(result.get("seeds") or [])
    planned = result.get("n_planned", n)
    return ([f"{n} of {planned} declared seeds"] if n < planned else []) + (["uncommitted files"] if result.get("dirty_files") else [])


def recheck_verdict(result: dict[str, Any]) -> str:
    """Apply the claim's current rule again to the file's per-seed records, check it against the file, print ✔, return it.

    A file made under the old rules keeps the verdict it recorded then; the current rule's verdict on the same
    numbers is stored next to it (``verdict_current_rule``), and that is what is checked. A file that stores
    no such verdict gets the recomputed one printed, unchecked. Raises ``AssertionError`` when they differ.
    """
    again = get_claim(result["claim"]).decide(summarize(result["per_seed"]), result["per_seed"])
    key = "verdict_current_rule" if old_rules(result) else "verdict"
    n = len(result["per_seed"])
    if key not in result:
        print(f"the file stores no '{key}': the current rule on its {n} records gives '{again}'")
        return again
    if again != result[key]:
        raise AssertionError(f"the current rule gives {again!r}, the file records {result[key]!r} ({key}): rerun the claim")
    print(f"✔ {result['claim']}: the current rule applied to the {n} per-seed records gives '{again}', "
          + ("as stored next to the old verdict" if old_rules(result) else "as recorded"))
    return again


def _num(x: float) -> str:
    return f"{x:+.3g}" if math.isfinite(x) else ("+∞" if x > 0 else "−∞")


def verdict_line(result: dict[str, Any]) -> str:
    """What a lesson prints: the verdict with n, the margin, one sentence of what it means, and the run.

    The deciding intervals (90 %, the effect in the paper's direction) follow when the result
    has them. A result made under the old rules, or with fewer seeds than declared, or on an
    uncommitted tree, says so first: its verdict is exploratory, not a test of the claim.
    """
    from .. import stats as st

    v = result["verdict"]
    mark = {"reproduced": "✔", "not reproduced": "✘", "inconclusive": "?"}[v]
    n = len(result["seeds"])
    head = f"{mark} {result['claim']}: {v.upper()}"
    if old_rules(result):
        try:
            claim = get_claim(result["claim"])
            planned = f"the claim now declares n = {claim.n} and margin {claim.margin_text()}"
        except ValueError:
            planned = "no declared n or margin"
        now = result.get("verdict_current_rule")
        now = f" The current rule on these same numbers gives: {now} (exploratory)." if now else ""
        ext = result.get("extended_from")
        if ext:  # seeds added after a verdict was seen: optional stopping
            now += (f" Its seeds were extended from {len(ext.get('seeds') or [])} after a verdict had been seen "
                    "(optional stopping), which overstates the confidence of any verdict on them."
                    )
        return (f"{head} — made under the OLD rules (before seed counts and margins were declared in advance; "
                f"{planned}); {n} seeds, rule then: {result.get('rule', '')}.{now} Read it as exploratory until the "
                f"rerun under the current rules. ({result['wall_s'] / 60:.1f} min on {result['device']}, commit "
                f"{result['commit']})")
    planned = result.get("n_planned", n)
    margin = result.get("margin")
    margin_txt = ", ".join(f"{k} {m:g}" for k, m in margin.items()) if isinstance(margin, dict) else f"{margin:g}"
    parts = (result.get("decision") or {}).get("parts") or {}
    holm = len(parts) > 1  # several parts: the verdicts, not the intervals, are Holm-corrected
    ivs = "; ".join(f"{k} {_num(p['diff'])} [{_num(p['lo'])}, {_num(p['hi'])}] vs margin {p['margin']:g}"
                    + (f" (Holm-adjusted p, H0 no effect: {st.format_p(p['p_effect_holm'])}; H0 effect ≥ margin: "
                       f"{st.format_p(p['p_small_holm'])})"
                       if holm and "p_effect_holm" in p else "")
                    + f": {p['verdict']}" for k, p in parts.items() if "lo" in p)
    text = f"{head} — n = {n} seeds ({planned} declared), margin {margin_txt} ({result.get('margin_reason', '')})"
    if result.get("smoke"):  # GANTUTOR_SMOKE=1: every run shrunk to seconds; its numbers test nothing
        text += ". SMOKE run (every training shrunk to seconds): not a test of the claim"
    elif result.get("exploratory"):
        text += f". EXPLORATORY ({', '.join(_exploratory_reasons(result)) or 'see the file'}): not a test of the claim"
    try:
        meaning = (get_claim(result["claim"]).meaning or st.MEANING)[v]
    except ValueError:
        meaning = st.MEANING[v]
    text += f". Meaning: {meaning}."
    if ivs:
        text += (f" Deciding {100 * result.get('verdict_level', st.VERDICT_LEVEL):.0f} % intervals (effect in the paper's direction)"
                 + (", uncorrected; each verdict uses the Holm-adjusted p-values (< 0.05) over the parts" if holm else "") + f": {ivs}.")
    cached = result.get("cached") or {}
    made = sorted({str((r.get("made") or {}).get("commit")) for r in result.get("per_seed", [])
                   if r.get("cached") and (r.get("made") or {}).get("commit")})
    reuse = (f", plus {cached['train_wall_s'] / 60:.1f} min wall ({cached.get('train_cpu_s', float('nan')) / 60:.1f} min CPU) of cached "
             f"training reused ({cached['records']} records" + (f", made at commit{'s' if len(made) > 1 else ''} {', '.join(made)}"
                                                                 if made else "") + ")"
             if cached.get("records") else "")
    text += (f" Run: {result['wall_s'] / 60:.1f} min wall, {result.get('cpu_s', float('nan')) / 60:.1f} min CPU{reuse} "
             f"on {result['device']}, commit {result['commit']}.")
    return text


def claims_table(results_dir: str | os.PathLike | None = None) -> str:
    """The README's claims table (markdown), generated from the claims and ``results/``."""
    rows = ["| claim | lesson | verdict | seeds (declared n) | margin | made |", "|---|---|---|---|---|---|"]
    for name, c in claims().items():
        path = Path(results_dir or RESULTS_DIR) / f"{name}.json"
        if path.exists():
            r = json.loads(path.read_text())
            if old_rules(r):
                verdict, made = f"{r['verdict']} (old rules)", f"old rules, commit {r['commit']}"
            else:
                verdict = r["verdict"] + (" (exploratory)" if r.get("exploratory") else "")
                made = f"commit {r['commit']}, {r.get('cpu_s', math.nan) / 60:.1f} CPU-min"
                cached = r.get("cached") or {}
                if cached.get("records"):   # runs read from the score cache (another claim's, or an interrupted run's): trained before this run
                    made += f" + {cached['train_cpu_s'] / 60:.1f} CPU-min of cached training reused"
            seeds = f"{len(r['seeds'])} ({c.n})"
        else:
            verdict, seeds, made = "not run yet", f"– ({c.n})", "–"
        rows.append(f"| `{name}` | {c.lesson[:2] or '–'} | {verdict} | {seeds} | {c.margin_text()} | {made} |")
    return "\n".join(rows)


TABLE_BEGIN = "<!-- claims-table: generated by `python -m gantutor reproduce --table --write README.md`; do not edit -->"
TABLE_END = "<!-- /claims-table -->"


def write_table(readme: str | os.PathLike) -> bool:
    """Replace the table between the marker comments of ``readme``; True when it changed."""
    path = Path(readme)
    text = path.read_text()
    if TABLE_BEGIN not in text or TABLE_END not in text:
        raise ValueError(f"{path} lacks the marker lines {TABLE_BEGIN!r} … {TABLE_END!r}")
    a, b = text.index(TABLE_BEGIN) + len(TABLE_BEGIN), text.index(TABLE_END)
    new = text[:a] + "\n" + claims_table() + "\n" + text[b:]
    if new != text:
        path.write_text(new)
    return new != text


# --------------------------------------------------------------------------- command line


def rejudge(name: str, reason: str, path: str | os.PathLike | None = None) -> dict[str, Any]:
    """Decide a committed result again with the rule's current code, keeping every run as recorded.

    For a fix in how the rule *computes* (e.g. a test statistic), never for a change of the rule,
    its n or its margin (those need new runs). The runs (``per_seed``) are not touched; ``summary``,
    ``decision`` and ``verdict`` are recomputed, and ``rejudged`` keeps a record of each time this
    was done: the commit of the code that decided, when, why, and the verdict and decision before.
    Needs a clean tree (the deciding code must be a commit). Returns the new result.
    """
    claim = get_claim(name)
    if not reason or not reason.strip():
        raise ValueError("rejudge needs a reason (what was wrong in the computation, and the fixing commit)")
    check_clean()
    path = Path(path) if path is not None else RESULTS_DIR / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: nothing to rejudge")
    result = json.loads(path.read_text())
    if result.get("claim") != name:
        raise ValueError(f"{path} holds claim {result.get('claim')!r}, not {name!r}")
    if old_rules(result):
        raise ValueError(f"{path} was made under the old rules: rerun it instead of rejudging it")
    per_seed = result["per_seed"]
    before = {"verdict": result["verdict"], "decision": result.get("decision")}
    result["summary"] = summarize(per_seed)
    result["decision"] = claim.judge(per_seed) if claim.judge is not None else None
    result["verdict"] = claim.decide(result["summary"], per_seed)
    result.setdefault("rejudged", []).append({"commit": current_commit(), "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                              "reason": reason.strip(), **{f"{k}_before": v for k, v in before.items()}})
    write_json(path, result)
    return result


def add_arguments(p) -> None:
    """The ``reproduce`` subcommand's arguments (``python -m gantutor reproduce …``)."""
    p.add_argument("name", nargs="?", help="the claim to run (see --list)")
    p.add_argument("--list", action="store_true", help="list the claims: paper, metric, rule, declared n and margin, CPU minutes")
    p.add_argument("--table", action="store_true", help="print the README's claims table generated from results/")
    p.add_argument("--write", default=None, metavar="README",
                   help="with --table: replace the table between the marker comments of this file")
    p.add_argument("--seeds", type=int, default=None,
                   help="number of seeds (0…N-1); default and maximum: the claim's declared n (fewer = exploratory)")
    p.add_argument("--out", default=None,
                   help="JSON file to write (default: results/NAME.json; under GANTUTOR_SMOKE=1 runs/reproduce/NAME.json)")
    p.add_argument("--extend", action="store_true",
                   help="keep the seeds already in --out and run only the missing ones, up to the declared n")
    p.add_argument("--allow-dirty", action="store_true",
                   help="run a full claim on a tree with uncommitted files anyway (the result is marked exploratory)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    p.add_argument("--rejudge", default=None, metavar="REASON",
                   help="decide results/NAME.json again with the rule's current code (after a fix in how it computes, "
                        "never a change of rule, n or margin); the runs are kept, the file records the reason")


def list_text() -> str:
    lines = []
    for c in claims().values():
        lines.append(f"{c.name}\n  paper:    {c.paper}\n  claim:    {c.statement}\n  measured: {c.metric}\n"
                     f"  n:        {c.n} seeds ({c.n_reason})\n  margin:   {c.margin_text()} ({c.margin_reason})\n"
                     f"  rule:     {c.rule}\n  expected: {c.expected}; ≈ {c.cpu_minutes:g} CPU min; lesson {c.lesson or '-'}")
    return "\n".join(lines)


def cli(args) -> int:
    """Entry point of ``python -m gantutor reproduce``; returns the exit status."""
    if getattr(args, "table", False):
        if args.write:
            changed = write_table(args.write)
            print(f"{'updated' if changed else 'unchanged'}: the claims table of {args.write}")
        else:
            print(claims_table())
        return 0
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
    if getattr(args, "rejudge", None):
        try:
            result = rejudge(args.name, args.rejudge, args.out)
        except (DirtyTree, ValueError, FileNotFoundError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        last = result["rejudged"][-1]
        print(f"rejudged at {last['commit']}: {last['verdict_before']} → {result['verdict']}")
        print(verdict_line(result))
        return 0
    from ..device import is_smoke

    out = args.out
    if out is None:
        base = runs_dir() / "reproduce" if is_smoke() else RESULTS_DIR
        out = base / f"{args.name}.json"
    command = "python -m gantutor " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else None
    try:
        result = run_claim(args.name, args.seeds, out, progress=not args.no_progress, command=command,
                           extend=getattr(args, "extend", False), allow_dirty=getattr(args, "allow_dirty", False))
    except (DirtyTree, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(summary_frame(result).to_string())
    print(verdict_line(result))
    print(f"wrote {Path(out).resolve()}")
    return 130 if result["interrupted"] else 0
