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
    # with a margin: the three-verdict rule on the Welch 90 % interval
    assert R.compare_means(_records([8, 8, 7, 8], [1, 2, 1, 1]), "A", "B", "m", margin=1.0) == "reproduced"
    assert R.compare_means(_records([1, 2, 1, 1], [8, 8, 7, 8]), "A", "B", "m", margin=1.0) == "not reproduced"
    assert R.compare_means(_records([1, 9, 2, 8], [5, 4, 6, 5]), "A", "B", "m", margin=1.0) == "inconclusive"
    # no effect at all, measured tightly: not reproduced (the rule can say "no")
    assert R.compare_means(_records([8, 8.1, 7.9], [8, 8.05, 7.95]), "A", "B", "m", margin=1.0) == "not reproduced"
    # a real but too small effect: not reproduced
    assert R.compare_means(_records([8.3, 8.35, 8.25], [8, 8.05, 7.95]), "A", "B", "m", margin=1.0) == "not reproduced"
    # lower is better flips the sign
    assert R.compare_means(_records([1, 1.1, 0.9], [5, 5.2, 4.8]), "A", "B", "m", higher_is_better=False,
                           margin=1.0) == "reproduced"
    # a single seed never decides
    assert R.compare_means(_records([8], [1]), "A", "B", "m", margin=1.0) == "inconclusive"
    # without a margin: the direction only (for descriptions), at 95 %
    assert R.compare_means(_records([1, 2, 1, 1], [8, 8, 7, 8]), "A", "B", "m") == "not reproduced"
    assert R.compare_means(_records([8, 8, 8], [8, 8, 8]), "A", "B", "m") == "inconclusive"


def test_decision_holm_and_combination():
    from gantutor import stats as st

    strong = st.welch([5.0, 5.2, 4.9, 5.1], [0.0, 0.1, -0.1, 0.05])
    null = st.welch([0.0, 0.05, -0.05, 0.02], [0.0, 0.04, -0.03, 0.01])
    wide = st.welch([0.0, 4.0, -3.0, 5.0], [0.0, -2.0, 1.0])
    assert R.decision({"a": strong, "b": strong}, 1.0)["verdict"] == "reproduced"
    assert R.decision({"a": strong, "b": null}, 1.0)["verdict"] == "not reproduced"
    assert R.decision({"a": strong, "b": wide}, 1.0)["verdict"] == "inconclusive"
    assert R.decision({"a": strong, "b": null}, 1.0, combine="any")["verdict"] == "reproduced"
    assert R.decision({"a": null, "b": null}, 1.0, combine="any")["verdict"] == "not reproduced"
    d = R.decision({"a": strong}, {"a": 2.0})
    assert d["parts"]["a"]["margin"] == 2.0 and d["parts"]["a"]["verdict"] == "reproduced"
    two = R.decision({"a": strong, "b": wide}, 1.0)["parts"]  # the adjusted p-values that decided each part
    assert two["a"]["p_effect_holm"] < 0.05 and two["b"]["p_effect_holm"] >= 0.05 and two["b"]["p_small_holm"] >= 0.05
    assert [two[k]["p_effect_holm"] for k in "ab"] == pytest.approx(st.holm([st.p_values(w, 1.0)["effect"] for w in (strong, wide)]))


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
    for required in ("lsgan-stability", "acgan-classes", "acgan-collapse-search"):
        assert required in names
    for c in R.claims().values():
        assert c.paper and c.statement and c.metric and c.rule and c.cpu_minutes > 0
        assert c.n >= 3 and c.default_seeds == c.n, f"{c.name}: every claim that trains declares >= 3 seeds"
        assert c.n_reason and c.margin_reason and c.margin_text()


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
    line = R.verdict_line(on_disk)
    assert name in line and f"({R.get_claim(name).n} declared)" in line and "SMOKE run" in line and "Meaning:" in line
    assert on_disk["n_planned"] == R.get_claim(name).n and on_disk["margin"] == R.get_claim(name).margin
    assert on_disk["exploratory"] is True and on_disk["rules_version"] == R.RULES_VERSION


def test_interrupt_keeps_finished_seeds(tmp_path, monkeypatch):
    calls = []

    def run(seeds, smoke):
        calls.append(list(seeds))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return [{"seed": s, "config": c, "m": float(s + (c == "A"))} for s in seeds for c in "AB"]

    claim = R.Claim(name="_test-interrupt", paper="-", statement="-", metric="m", expected="reproduced",
                    rule="A above B", cpu_minutes=0.01, run=run, n=4, n_reason="test", margin=1.0, margin_reason="test",
                    decide=lambda summary, per_seed: R.compare_means(per_seed, "A", "B", "m", margin=1.0))
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
    assert R.summarize(result["per_seed"]).keys() == result["summary"].keys()
    again = claim.decide(result["summary"], result["per_seed"])
    if R.old_rules(result):  # made before issue 18: kept as made, marked, with what the current rule says
        assert result["old_rules"] and "OLD rules" in R.verdict_line(result)
        assert result["verdict_current_rule"] == again, f"{path.name}: verdict_current_rule is stale"
        return
    # the verdict in the file is the one its rule gives on its own numbers
    assert again == result["verdict"]
    assert result["n_planned"] == claim.n and result["margin"] == claim.margin
    assert len(result["seeds"]) == claim.n and not result["exploratory"], f"{path.name}: not the declared {claim.n} seeds"
    assert "+" not in result["commit"] and not result["dirty_files"], f"{path.name} was made on an uncommitted tree"
    assert result["started_at"] and "cpu_s" in result


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
                    rule="A above B", cpu_minutes=0.01, run=run, n=4, n_reason="test", margin=1.0, margin_reason="test",
                    decide=lambda summary, per_seed: R.compare_means(per_seed, "A", "B", "m", margin=1.0))
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
    assert first["exploratory"] and not both["exploratory"]  # 2 of 4 declared seeds, then all 4
    with pytest.raises(FileNotFoundError):
        R.run_claim(claim.name, 4, tmp_path / "missing.json", progress=False, extend=True)
    with pytest.raises(ValueError, match="declares n = 4"):  # --extend fills up to n and no further
        R.run_claim(claim.name, 6, out, progress=False, extend=True)
    with pytest.raises(ValueError, match="declares n = 4"):
        R.run_claim(claim.name, 5, tmp_path / "more.json", progress=False)


def test_full_run_refuses_a_dirty_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("GANTUTOR_SMOKE", "0")
    monkeypatch.setattr(R, "uncommitted_files", lambda untracked=True: ["gantutor/models.py", "notes.txt"])
    calls = []
    claim = R.Claim(name="_test-dirty", paper="-", statement="-", metric="m", expected="reproduced", rule="-",
                    cpu_minutes=0.01, run=lambda seeds, smoke: calls.append(seeds) or
                    [{"seed": s, "config": c, "m": float(s)} for s in seeds for c in "AB"],
                    n=3, n_reason="test", margin=1.0, margin_reason="test",
                    decide=lambda summary, per_seed: "inconclusive")
    monkeypatch.setitem(R._REGISTRY, claim.name, claim)
    with pytest.raises(R.DirtyTree, match="gantutor/models.py, notes.txt"):
        R.run_claim(claim.name, 3, tmp_path / "r.json", progress=False)
    assert not calls, "the refusal must come before any seed runs"
    result = R.run_claim(claim.name, 3, tmp_path / "r.json", progress=False, allow_dirty=True)
    assert result["exploratory"] is True and result["dirty_files"] == ["gantutor/models.py", "notes.txt"]
    assert "uncommitted files" in R.verdict_line(result)


def test_cached_records_keep_their_provenance_and_time():
    recs = [{"seed": 0, "config": "A", "m": 1.0, "cached": True, "train_wall_s": 600.0, "train_cpu_s": 590.0,
             "made": {"commit": "abc1234", "device": "cpu", "time": "2026-01-01T00:00:00Z"}},
            {"seed": 0, "config": "B", "m": 2.0, "cached": False, "train_wall_s": 100.0, "train_cpu_s": 99.0}]
    assert R._cached_time(recs) == {"records": 1, "train_wall_s": 600.0, "train_cpu_s": 590.0}
    assert set(R.summarize(recs)["A"]) == {"m", "train_wall_s", "train_cpu_s"}  # provenance is kept, not averaged


def test_readme_table_matches_results():
    readme = (ROOT / "README.md").read_text()
    assert R.TABLE_BEGIN in readme and R.TABLE_END in readme, "README lacks the generated claims table"
    table = readme[readme.index(R.TABLE_BEGIN) + len(R.TABLE_BEGIN):readme.index(R.TABLE_END)].strip()
    assert table == R.claims_table(), "README's claims table is stale: run `python -m gantutor reproduce --table --write README.md`"


def test_sn_allowance_comes_from_the_lag_pilot():
    import math as m

    from gantutor.reproduce.spectral import LAG_PILOT, SN_TOLERANCE

    allowance = m.prod(1 + max(v, 0.0) for v in LAG_PILOT.values()) - 1
    assert len(LAG_PILOT) == 3 and allowance <= SN_TOLERANCE < allowance + 0.001


def test_lsgan_stability_rule_on_counts():
    from gantutor.reproduce import lsgan_stability as L

    def recs(k_ls, k_reg, n=10):
        return ([{"seed": s, "config": "lsgan", "success": int(s < k_ls)} for s in range(n)]
                + [{"seed": s, "config": "regular", "success": int(s < k_reg)} for s in range(n)])

    assert L.decide({}, recs(5, 0)) == "reproduced"           # the paper's 5 of 10 against 0 of 10
    assert L.decide({}, recs(0, 0)) == "not reproduced"       # neither ever succeeds: the gap is shown below 0.3
    assert L.decide({}, recs(3, 2)) == "inconclusive"
    assert L.judge(recs(5, 0))["parts"]["success rate LSGAN − regular"]["successes"] == {"lsgan": "5/10", "regular": "0/10"}
    assert L.is_success({"classes_2pct": 8, "confidence_ratio": 0.7})
    assert not L.is_success({"classes_2pct": 7, "confidence_ratio": 0.99})


def test_acgan_classes_data_and_rule():
    import torch

    from gantutor.reproduce import acgan_classes as A

    c = A.centers(max(A.KS))
    assert c.shape == (max(A.KS), A.MODES, A.DIM)
    flat = c.reshape(-1, A.DIM)
    assert (torch.cdist(flat, flat) + 1e9 * torch.eye(len(flat))).min() > 2 * A.ON_MODE  # modes never confused

    def recs(acgan_collapse, reacgan_collapse, growth=(2.0, 1.0)):
        out = []
        for s in range(4):
            for k in A.KS:
                for head, col, gr in (("acgan", acgan_collapse[k], growth[0]), ("reacgan", reacgan_collapse[k], growth[1])):
                    out.append({"seed": s, "config": f"{head} · K={k}", "head": head, "K": k,
                                "collapsed": col + 0.01 * s, "feat_norm_growth": gr + 0.02 * s})
        return out

    grows = recs({10: 0.0, 50: 0.3, 200: 0.8}, {10: 0.0, 50: 0.0, 200: 0.05})
    assert A.decide({}, grows) == "reproduced"
    flat_gap = recs({10: 0.1, 50: 0.1, 200: 0.1}, {10: 0.1, 50: 0.1, 200: 0.1}, growth=(1.0, 1.0))
    assert A.decide({}, flat_gap) == "not reproduced"
    # a perfect generator collapses no class
    G = lambda z, y: c[:10][y, torch.randint(A.MODES, (len(y),))]  # noqa: E731
    assert A.collapse(G, c[:10], 20, torch.Generator().manual_seed(0))["collapsed"] == 0.0


def test_rejudge_recomputes_the_decision_and_keeps_the_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("GANTUTOR_SMOKE", "0")
    rule = {"verdict": "inconclusive"}
    claim = R.Claim(name="_test-rejudge", paper="-", statement="-", metric="m", expected="reproduced", rule="-",
                    cpu_minutes=0.01, run=lambda seeds, smoke: [{"seed": s, "config": c, "m": float(s)} for s in seeds
                                                                for c in "AB"],
                    n=2, n_reason="test", margin=1.0, margin_reason="test",
                    decide=lambda summary, per_seed: rule["verdict"], judge=lambda per_seed: {"verdict": rule["verdict"]})
    monkeypatch.setitem(R._REGISTRY, claim.name, claim)
    monkeypatch.setattr(R, "uncommitted_files", lambda untracked=True: [])
    out = tmp_path / f"{claim.name}.json"
    made = R.run_claim(claim.name, 2, out, progress=False)
    assert made["verdict"] == "inconclusive"
    rule["verdict"] = "reproduced"  # the rule's computation was fixed
    with pytest.raises(ValueError, match="reason"):
        R.rejudge(claim.name, " ", out)
    monkeypatch.setattr(R, "uncommitted_files", lambda untracked=True: ["gantutor/stats.py"])
    with pytest.raises(R.DirtyTree, match="gantutor/stats.py"):  # the deciding code must be committed
        R.rejudge(claim.name, "fixed", out)
    monkeypatch.setattr(R, "uncommitted_files", lambda untracked=True: [])
    again = R.rejudge(claim.name, "exact test: groups in columns", out)
    on_disk = json.loads(out.read_text())
    assert on_disk["verdict"] == "reproduced" == again["verdict"] and on_disk["decision"] == {"verdict": "reproduced"}
    assert on_disk["per_seed"] == made["per_seed"] and on_disk["commit"] == made["commit"]  # runs and provenance kept
    (log,) = on_disk["rejudged"]
    assert log["reason"] == "exact test: groups in columns" and log["verdict_before"] == "inconclusive"
    assert log["decision_before"] == {"verdict": "inconclusive"}


def test_caveat_marks_every_result_that_is_not_a_test():
    assert R.caveat({"rules_version": 2, "seeds": [0, 1, 2], "n_planned": 3}) == ""
    assert R.caveat({"commit": "abc"}).startswith("EXPLORATORY (made under the old rules, commit abc)")
    assert R.caveat({"rules_version": 2, "smoke": True, "seeds": [0]}).startswith("SMOKE")
    few = R.caveat({"rules_version": 2, "exploratory": True, "seeds": [0, 1], "n_planned": 5, "dirty_files": ["x"]})
    assert "2 of 5 declared seeds" in few and "uncommitted files" in few


def test_recheck_verdict_recomputes_the_recorded_verdict_and_fails_on_a_mismatch(capsys):
    res = R.load_result("reacgan-ablation-cifar10")
    assert R.recheck_verdict(res) == res["verdict"]
    assert capsys.readouterr().out.startswith(f"✔ reacgan-ablation-cifar10: the current rule applied to the {len(res['per_seed'])}")
    other = next(v for v in R.VERDICTS if v != res["verdict"])
    with pytest.raises(AssertionError, match="rerun the claim"):
        R.recheck_verdict({**res, "verdict": other})
    missing = {k: v for k, v in res.items() if k != "verdict"}
    assert R.recheck_verdict(missing) == res["verdict"]
    assert "stores no 'verdict'" in capsys.readouterr().out
