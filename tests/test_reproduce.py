"""The reproduce framework: statistics, verdict rules, every claim in smoke mode, committed results."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gantutor import reproduce as R

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RESULTS = sorted((ROOT / "results").glob("*.json"))
FIELDS = ("claim", "paper", "metric", "seeds", "per_seed", "summary", "verdict", "command", "commit",
          "wall_s", "device", "smoke")


def test_interval_matches_student_t():
    from scipy import stats

    xs = [1.0, 2.0, 4.0, 7.0]
    s = R.interval(xs)
    mean, sd = sum(xs) / 4, float(__import__("numpy").std(xs, ddof=1))
    half = stats.t.ppf(0.975, 3) * sd / 2
    assert s["n"] == 4 and s["mean"] == pytest.approx(mean) and s["sd"] == pytest.approx(sd)
    assert (s["lo"], s["hi"]) == pytest.approx((mean - half, mean + half))
    one = R.interval([3.0])
    assert one["lo"] == -math.inf and one["hi"] == math.inf  # one run is an anecdote
    with pytest.raises(ValueError):
        R.interval([])


def _records(a, b, metric="m"):
    return ([{"seed": i, "config": "A", metric: v} for i, v in enumerate(a)]
            + [{"seed": i, "config": "B", metric: v} for i, v in enumerate(b)])


def test_compare_means_three_verdicts():
    assert R.compare_means(_records([8, 8, 7, 8], [1, 2, 1, 1]), "A", "B", "m") == "reproduced"
    assert R.compare_means(_records([1, 2, 1, 1], [8, 8, 7, 8]), "A", "B", "m") == "not reproduced"
    assert R.compare_means(_records([1, 9, 2, 8], [5, 4, 6, 5]), "A", "B", "m") == "inconclusive"
    # identical seeds: no effect at all is "not reproduced", not inconclusive
    assert R.compare_means(_records([8, 8, 8], [8, 8, 8]), "A", "B", "m") == "not reproduced"
    # lower is better flips the sign
    assert R.compare_means(_records([1, 1.1, 0.9], [5, 5.2, 4.8]), "A", "B", "m", higher_is_better=False) == "reproduced"
    # a single seed never decides
    assert R.compare_means(_records([8], [1]), "A", "B", "m") == "inconclusive"


def test_welch_interval_matches_scipy():
    from scipy import stats

    a, b = [8.0, 6.5, 7.0, 9.1], [1.0, 2.5, 1.2]
    w = R.welch_interval(_records(a, b), "A", "B", "m")
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (w["lo"], w["hi"]) == pytest.approx((ci.low, ci.high)) and w["diff"] == pytest.approx(sum(a) / 4 - sum(b) / 3)
    flipped = R.welch_interval(_records(a, b), "A", "B", "m", higher_is_better=False)  # lower is better: B − A
    assert (flipped["lo"], flipped["hi"]) == pytest.approx((-ci.high, -ci.low))
    assert R.welch_interval(_records([1.0], [2.0, 3.0]), "A", "B", "m")["hi"] == math.inf


def test_summarize_groups_configs_and_skips_non_numbers():
    recs = _records([1.0, 3.0], [2.0, 2.0]) + [{"seed": 9, "config": "A", "m": float("nan")}]
    for r in recs:
        r["note"] = "text"
    s = R.summarize(recs)
    assert set(s) == {"A", "B"} and set(s["A"]) == {"m"}
    assert s["A"]["m"]["n"] == 2 and s["A"]["m"]["mean"] == 2.0 and s["B"]["m"]["sd"] == 0.0


def test_unknown_claim_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown claim 'nope': choose one of"):
        R.get_claim("nope")


def test_registry_has_the_course_claims():
    names = set(R.claims())
    for required in ("lsgan-ring", "ns-vs-saturating", "sn-lipschitz", "sr-spectral-collapse",
                     "reacgan-vs-acgan-cifar10", "reacgan-ablation-cifar10"):
        assert required in names, f"claim {required} is not registered; have {sorted(names)}"
    for c in R.claims().values():
        assert c.paper and c.statement and c.metric and c.rule and c.cpu_minutes > 0
        assert c.default_seeds >= 3, f"{c.name}: every claim that trains runs >= 3 seeds"


@pytest.mark.parametrize("name", sorted(R.claims()))
def test_every_claim_runs_in_smoke_mode(name, tmp_path, monkeypatch):
    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    out = tmp_path / f"{name}.json"
    result = R.run_claim(name, 2, out, progress=False)
    on_disk = json.loads(out.read_text())
    for key in FIELDS:
        assert key in on_disk, f"{name}: JSON lacks {key}"
    assert on_disk["smoke"] is True and on_disk["seeds"] == [0, 1] and not on_disk["interrupted"]
    assert on_disk["verdict"] in R.VERDICTS and result["verdict"] == on_disk["verdict"]
    assert {r["seed"] for r in on_disk["per_seed"]} == {0, 1}
    assert on_disk["summary"], f"{name}: empty summary"
    R.summary_frame(on_disk)  # the lessons' table renders
    assert name in R.verdict_line(on_disk)


def test_interrupt_keeps_finished_seeds(tmp_path, monkeypatch):
    calls = []

    def run(seeds, smoke):
        calls.append(list(seeds))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return [{"seed": s, "config": c, "m": float(s + (c == "A"))} for s in seeds for c in "AB"]

    claim = R.Claim(name="_test-interrupt", paper="-", statement="-", metric="m", expected="reproduced",
                    rule="A above B", cpu_minutes=0.01, run=run,
                    decide=lambda summary, per_seed: R.compare_means(per_seed, "A", "B", "m"))
    monkeypatch.setitem(R._REGISTRY, claim.name, claim)
    result = R.run_claim(claim.name, 4, tmp_path / "r.json", progress=False)
    assert result["interrupted"] and result["seeds"] == [0, 1]
    assert json.loads((tmp_path / "r.json").read_text())["seeds"] == [0, 1]


def test_cli_list_and_bare():
    env_cmd = [sys.executable, "-m", "gantutor", "reproduce"]
    listed = subprocess.run(env_cmd + ["--list"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    for name in R.claims():
        assert name in listed.stdout
    bare = subprocess.run(env_cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert bare.returncode == 2 and "name a claim" in bare.stderr


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_committed_results_are_full_runs(path):
    result = R.load_result(path.stem, path.parent)
    assert result["claim"] == path.stem
    assert result["smoke"] is False, f"{path.name} is a smoke run: rerun the command at its default size"
    assert not result.get("interrupted"), f"{path.name} was interrupted"
    claim = R.get_claim(path.stem)
    assert len(result["seeds"]) >= 3, f"{path.name}: fewer than 3 seeds"
    # the verdict in the file is the one its rule gives on its own numbers
    assert claim.decide(result["summary"], result["per_seed"]) == result["verdict"]
    assert R.summarize(result["per_seed"]).keys() == result["summary"].keys()


CITE = re.compile(r"load_result\(\s*[\"']([\w-]+)[\"']")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lessons_cite_committed_results(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for name in CITE.findall(text):
        assert (ROOT / "results" / f"{name}.json").exists(), f"{path.name} loads results/{name}.json, which is missing"
        assert name in R.claims(), f"{path.name} cites unknown claim {name}"


def test_extend_runs_only_missing_seeds(tmp_path, monkeypatch):
    calls = []

    def run(seeds, smoke):
        calls.append(list(seeds))
        return [{"seed": s, "config": c, "m": float(s + 5 * (c == "A"))} for s in seeds for c in "AB"]

    claim = R.Claim(name="_test-extend", paper="-", statement="-", metric="m", expected="reproduced",
                    rule="A above B", cpu_minutes=0.01, run=run,
                    decide=lambda summary, per_seed: R.compare_means(per_seed, "A", "B", "m"))
    monkeypatch.setitem(R._REGISTRY, claim.name, claim)
    out = tmp_path / "r.json"
    first = R.run_claim(claim.name, 2, out, progress=False, command="first")
    assert calls == [[0], [1]]
    both = R.run_claim(claim.name, 4, out, progress=False, command="second", extend=True)
    assert calls == [[0], [1], [2], [3]], "extend re-ran seeds it already had"
    assert both["seeds"] == [0, 1, 2, 3] and len(both["per_seed"]) == 8
    assert both["summary"]["A"]["m"]["n"] == 4 and both["command"] == "first && second"
    assert both["extended_from"]["seeds"] == [0, 1] and both["wall_s"] >= first["wall_s"]
    assert both["verdict"] == claim.decide(both["summary"], both["per_seed"])
    with pytest.raises(FileNotFoundError):
        R.run_claim(claim.name, 4, tmp_path / "missing.json", progress=False, extend=True)
