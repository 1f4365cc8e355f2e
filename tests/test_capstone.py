"""Capstone (lessons 06–07): head-gradient diagnostics, cached runs, the run-folder viewer, the claims' protocol."""

from __future__ import annotations

import json

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gantutor.callbacks import HeadDiagnostics, head_gradient_factors
from gantutor.models import CondDCDiscriminator
from gantutor.recipes import get_recipe


def _d(head="acgan", sn=True):
    torch.manual_seed(0)
    return CondDCDiscriminator(28, 1, 8, 10, head, 8, 0, spectral_norm=sn).double()


def _batch(n=12):
    g = torch.Generator().manual_seed(1)
    return torch.rand(n, 1, 28, 28, generator=g, dtype=torch.float64) * 2 - 1, torch.randint(0, 10, (n,), generator=g)


def _converge(D, x, y, iters=200):
    D.train()
    with torch.no_grad():
        for _ in range(iters):  # every training-mode forward runs one power iteration
            D(x, y)


def test_effective_gradient_is_the_formula_and_relates_exactly_to_the_raw_one():
    D = _d()
    x, y = _batch()
    _converge(D, x, y)
    lin = D.aux_head
    raw = lin.parametrizations.weight.original.detach()
    sn = lin.parametrizations.weight[0]
    u, v = sn._u.detach(), sn._v.detach()
    d = head_gradient_factors(D, x, y)
    # the formula: ∂CE/∂W = (1/N) Σ (p − e_y) hᵀ on the effective weight
    D.eval()
    with torch.no_grad():
        out = D(x, y)
    h, W = out.features, lin.weight.detach()
    p = torch.softmax(F.linear(h, W, lin.bias.detach()), 1)
    formula = (p - F.one_hot(y, 10).double()).T @ h / len(y)
    assert d["grad_eff"] == pytest.approx(float(formula.norm()), rel=1e-6)
    assert d["feat_norm"] == pytest.approx(float(h.norm(dim=1).mean()), rel=1e-6)
    assert d["err_norm"] == pytest.approx(float((p - F.one_hot(y, 10)).norm(dim=1).mean()), rel=1e-6)
    # σ is the one spectral norm divides by, and the exact relation σ·∂L/∂W_raw = G − ⟨G, W⟩ u vᵀ holds
    sigma = float(u @ raw @ v)
    assert d["sigma"] == pytest.approx(sigma, rel=1e-6)
    assert torch.allclose(raw / sigma, W, atol=1e-12)
    G = formula
    expected_raw = (G - (G * W).sum() * torch.outer(u, v)) / sigma
    assert d["grad_raw"] == pytest.approx(float(expected_raw.norm()), rel=1e-6)
    # so the raw gradient is NOT the effective one: it carries 1/σ (σ ≠ 1 here)
    assert abs(sigma - 1) > 0.1 and abs(d["grad_raw"] - d["grad_eff"]) > 1e-3 * d["grad_eff"]


def test_without_spectral_norm_raw_and_effective_coincide():
    D = _d(sn=False)
    x, y = _batch()
    d = head_gradient_factors(D, x, y)
    assert d["sigma"] == 1.0 and d["grad_raw"] == pytest.approx(d["grad_eff"], rel=1e-12)


def test_gradient_scales_with_features_when_the_head_is_linear():
    """‖∂CE/∂W‖ at fixed p: scaling h by c scales the gradient by c (one sample, logits held fixed)."""
    h = torch.randn(1, 8, dtype=torch.float64)
    W = torch.randn(10, 8, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([3])
    (g1,) = torch.autograd.grad(F.cross_entropy(h @ W.T, y), W)
    p = torch.softmax(h @ W.detach().T, 1)
    assert float(g1.norm()) == pytest.approx(float((p - F.one_hot(y, 10)).norm() * h.norm()), rel=1e-10)


def test_diagnostics_do_not_touch_d_and_cover_other_heads():
    for head in ("acgan", "ce-normalized", "reacgan"):
        D = _d(head)
        x, y = _batch()
        before = {k: v.clone() for k, v in D.state_dict().items()}
        D.train()
        d = head_gradient_factors(D, x, y)
        assert D.training and all(p.grad is None for p in D.parameters())
        assert all(torch.equal(before[k], v) for k, v in D.state_dict().items()), head
        assert d["grad_eff"] > 0 and d["feat_norm"] > 0
        assert (d["err_norm"] == d["err_norm"]) == (head != "reacgan")  # NaN only for D2D-CE


def test_diagnostics_errors():
    with pytest.raises(ValueError, match="conditional"):
        head_gradient_factors(nn.Sequential(nn.Flatten()), *_batch())
    with pytest.raises(ValueError, match="every"):
        HeadDiagnostics(0, *_batch())


def test_head_diagnostics_callback_in_a_run(monkeypatch):
    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    from gantutor.train import Trainer

    recipe = get_recipe("acgan-cifar10", "smoke")
    data = recipe.load_data()
    G, D = recipe.build()
    x = data.images[:8].float() / 127.5 - 1
    tr = Trainer(G, D, data, recipe.config(steps=4, ckpt_every=0), device="cpu",
                 callbacks=[HeadDiagnostics(2, x, data.labels[:8])])
    tr.fit(progress=False)
    assert tr.history["diag_step"] == [2.0, 4.0]
    for k in ("grad_eff", "grad_raw", "sigma", "err_norm", "feat_norm"):
        assert len(tr.history[f"diag_{k}"]) == 2


def test_train_run_caches_and_retrains(tmp_path, monkeypatch):
    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    from gantutor.reproduce.capstone import open_run, train_run

    recipe = get_recipe("reacgan-cifar10", "smoke")
    run = tmp_path / "r"
    t1 = train_run(recipe, run, progress=False, steps=4, sample_every=2)
    assert not t1.loaded_from_folder and t1.step == 4
    assert {"ckpt.pt", "recipe.json", "history.json", "timing.json"} <= {p.name for p in run.iterdir()}
    t2 = train_run(recipe, run, progress=False, steps=4, sample_every=2)
    assert t2.loaded_from_folder and t2.history == t1.history and t2.timing == t1.timing
    assert all(torch.equal(a, b) for a, b in zip(t1.G_ema.state_dict().values(), t2.G_ema.state_dict().values()))
    t3 = train_run(recipe, run, retrain=True, progress=False, steps=4, sample_every=2)
    assert not t3.loaded_from_folder and t3.history["d_loss"] == t1.history["d_loss"]  # same seed: same run again
    view = open_run(run)
    assert view.step == 4 and view.recipe.name == "reacgan-cifar10" and [s for s, _ in view.samples] == [2, 4]
    imgs = view.sample(20, generator=torch.Generator().manual_seed(1))
    ref = t3.sample(20, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(imgs, ref, atol=1e-5)  # the viewer's G is the run's EMA generator
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        open_run(tmp_path)


def test_a_folder_of_other_settings_is_moved_aside_and_trained_anew(tmp_path, monkeypatch):
    """A learner's run folder from before a preset changed: not an error, not overwritten; kept beside the new run."""
    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    from gantutor.reproduce.capstone import train_run

    recipe = get_recipe("acgan-cifar10", "smoke")
    run = tmp_path / "r"
    old = train_run(recipe, run, progress=False, steps=2, batch_size=8)
    with pytest.warns(UserWarning, match=r"other settings .* moved to r\.other-settings-1"):
        new = train_run(recipe, run, progress=False, steps=2)
    assert not new.loaded_from_folder and new.cfg.batch_size == recipe.config().batch_size != old.cfg.batch_size
    assert (tmp_path / "r.other-settings-1" / "ckpt.pt").exists() and (run / "ckpt.pt").exists()
    assert train_run(recipe, run, progress=False, steps=2).loaded_from_folder  # the new one is found next time


def test_lesson_callbacks_record_scores_and_spread_and_an_old_folder_has_none(tmp_path, monkeypatch):
    """What lessons 06–07 log; a folder trained without the monitor loads without a spread history,
    and the monitor's measure of its final generator is the same from the trainer and from the viewer."""
    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    from gantutor.callbacks import PeriodicEval
    from gantutor.metrics import SpreadMonitor
    from gantutor.reproduce.capstone import final_spread, get_judge, lesson_callbacks, open_run, real_spread, train_run

    recipe = get_recipe("acgan-cifar10", "smoke")
    data = recipe.load_data()
    real = real_spread(data)
    assert set(real["per_class"]) == set(range(10)) and real["spread"] > 0
    x, y = data.images[:8].float() / 127.5 - 1, data.labels[:8]
    cbs = lesson_callbacks(recipe, get_judge("cifar10"), x, y, real["spread"])
    assert [type(c) for c in cbs] == [HeadDiagnostics, PeriodicEval, SpreadMonitor]
    tr = train_run(recipe, tmp_path / "new", progress=False, callbacks=cbs)
    steps = recipe.config().steps
    assert tr.history["spread_step"] == tr.history["eval_step"] == [float(s) for s in range(1, steps + 1)]
    assert {"eval_accuracy_ratio", "eval_frechet_distance", "eval_within_class_diversity", "spread_ratio"} <= set(tr.history)
    assert tr.history["spread_ratio"][-1] == cbs[2].measure(tr.sample, tr.G.z_dim)
    assert final_spread(tr, real["spread"]) == (steps, tr.history["spread_ratio"][-1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loaded with the callbacks that trained it: nothing to warn about
        again = train_run(recipe, tmp_path / "new", progress=False, callbacks=cbs)
    assert again.loaded_from_folder and again.history == tr.history
    with pytest.warns(UserWarning, match=r"\['SpreadMonitor', 1\]"):  # the same folder, other cadences
        train_run(recipe, tmp_path / "new", progress=False, callbacks=cbs[:1])
    train_run(recipe, tmp_path / "old", progress=False)  # trained before the monitor existed
    assert json.loads((tmp_path / "old" / "callbacks.json").read_text()) == []
    (tmp_path / "old" / "callbacks.json").unlink()  # … and before cadences were recorded
    with pytest.warns(UserWarning, match="before callback cadences were recorded"):  # unknown: said as unknown
        old = train_run(recipe, tmp_path / "old", progress=False, callbacks=lesson_callbacks(recipe, get_judge("cifar10"), x, y, 0.5))
    assert old.loaded_from_folder and "spread_ratio" not in old.history
    view = open_run(tmp_path / "old")
    assert final_spread(view, real["spread"])[1] == pytest.approx(final_spread(old, real["spread"])[1], abs=1e-6)
    half = max(1, steps // 2)  # an unfinished run resumed with other callbacks: the record keeps both
    train_run(recipe, tmp_path / "resumed", progress=False, steps=half)
    with pytest.warns(UserWarning, match=f"resuming at step {half}"):
        train_run(recipe, tmp_path / "resumed", progress=False, callbacks=cbs[2:])
    assert json.loads((tmp_path / "resumed" / "callbacks.json").read_text()) == {
        "mixed": [[], [["SpreadMonitor", 1]]], "resumed_at": half}


def test_score_cache_shares_identical_runs_only(tmp_path, monkeypatch):
    """The claims' score cache: the same recipe and seed are read back, any change trains anew."""
    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    from gantutor.reproduce import capstone

    calls = []
    real = capstone.train_run
    monkeypatch.setattr(capstone, "train_run", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = capstone.one_run("reacgan-cifar10", "smoke", 0, True, cache=tmp_path)
    again = capstone.one_run("reacgan-cifar10", "smoke", 0, True, cache=tmp_path, aux_loss="d2d-ce")  # the same recipe
    assert len(calls) == 1 and not first["cached"] and again["cached"]
    assert {k: v for k, v in again.items() if k != "cached"} == {k: v for k, v in first.items() if k != "cached"}
    capstone.one_run("reacgan-cifar10", "smoke", 1, True, cache=tmp_path)                       # another seed
    capstone.one_run("reacgan-cifar10", "smoke", 0, True, cache=tmp_path, aux_loss="ce")         # another variant
    capstone.one_run("reacgan-cifar10", "smoke", 0, True, cache=tmp_path, steps=2)               # another length
    assert len(calls) == 4 and len(list(tmp_path.glob("*.json"))) == 4
    capstone.one_run("reacgan-cifar10", "smoke", 0, True)                                        # no cache: trains
    assert len(calls) == 5 and not list(tmp_path.glob("*.tmp"))


def test_ablation_rule_needs_the_ordering():
    from gantutor.reproduce import summarize
    from gantutor.reproduce.capstone import ABLATION, _decide_ablation

    def recs(means):
        return [{"seed": s, "config": c, "frechet_distance": m + 0.1 * s} for s in range(3) for c, m in zip(ABLATION, means)]

    ordered, unordered, reversed_ = recs([40, 30, 20, 10]), recs([40, 10, 30, 20]), recs([10, 20, 30, 40])
    assert _decide_ablation(summarize(ordered), ordered) == "reproduced"
    # step by step on intervals: a step that clearly goes the wrong way counts against the ladder
    assert _decide_ablation(summarize(unordered), unordered) == "not reproduced"
    assert _decide_ablation(summarize(reversed_), reversed_) == "not reproduced"


def test_failure_search_rule_needs_worse_quality_and_growing_norms():
    from gantutor.reproduce.capstone import FAILURE_FRECHET_MARGIN, _decide_failure, failure_table

    def recs(settings):  # {setting: ((acgan frechet, acgan growth), (reacgan frechet, reacgan growth))}
        return [{"seed": s, "config": f"{head} · {name}", "setting": name, "head": head,
                 "frechet_distance": v[0] + 0.3 * s, "feat_norm_growth": v[1] + 0.05 * s}
                for s in range(3) for name, pair in settings.items() for head, v in zip(("acgan", "reacgan"), pair)]

    found = recs({"a": ((30, 2), (31, 2)), "b": ((60, 9), (30, 1.5))})
    assert _decide_failure({}, found) == "reproduced"
    rows = {r["setting"]: r for r in failure_table(found)}
    assert rows["b"]["frechet_acgan_minus_reacgan"]["diff"] == pytest.approx(30.0)
    assert rows["b"]["growth_acgan_minus_reacgan"]["diff"] == pytest.approx(7.5)
    # each verdict keeps the Holm-adjusted p that decided it (two settings: the smaller raw p is doubled)
    from gantutor import stats as st
    raw = [st.p_values(rows[k]["frechet_acgan_minus_reacgan"], FAILURE_FRECHET_MARGIN)["effect"] for k in "ab"]
    assert [rows[k]["frechet_acgan_minus_reacgan"]["p_holm"]["effect"] for k in "ab"] == pytest.approx(st.holm(raw))
    worse_without_growth = recs({"b": ((60, 1.5), (30, 1.5))})
    assert _decide_failure({}, worse_without_growth) == "inconclusive"
    never_worse = recs({"a": ((20, 9), (30, 1)), "b": ((25, 2), (30, 2))})
    assert _decide_failure({}, never_worse) == "not reproduced"


def test_open_run_reads_a_folder_written_by_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    from gantutor.__main__ import main
    from gantutor.reproduce.capstone import open_run

    out = tmp_path / "cli"
    assert main(["train", "--recipe", "acgan-cifar10", "--preset", "smoke", "--out", str(out), "--no-progress"]) == 0
    view = open_run(out)
    assert view.step == 3 and view.timing is None and view.recipe.aux_loss == "ce"
    assert view.history["step"][-1] == 3.0 and view.sample(10).shape == (10, 3, 32, 32)


def test_open_run_samples_as_the_trainer_did(tmp_path, monkeypatch):
    """A run trained with bf16 autocast (the cpu preset's amp_cpu="auto") is sampled in it by the view too."""
    import torch

    monkeypatch.setenv("GANTUTOR_SMOKE", "1")
    from gantutor.recipes import get_recipe
    from gantutor.reproduce.capstone import open_run, train_run
    from gantutor.train import _cpu_has_bf16

    recipe = get_recipe("reacgan-cifar10", "smoke", amp_cpu=True) if _cpu_has_bf16() else get_recipe("reacgan-cifar10", "smoke")
    trainer = train_run(recipe, tmp_path / "run", progress=False)
    view = open_run(tmp_path / "run")
    assert view.amp_dtype == trainer.amp_dtype
    z, labels = torch.randn(20, view.G.z_dim, generator=torch.Generator().manual_seed(0)), torch.arange(20) % 10
    torch.testing.assert_close(view.sample(20, z=z, labels=labels), trainer.sample(20, z=z, labels=labels), rtol=0, atol=1e-6)


def test_read_training_scores_quotes_the_history():
    from gantutor.reproduce.capstone import read_training_scores

    h = {"eval_step": [2.0, 4.0], "eval_accuracy_ratio": [0.5, 0.7], "eval_frechet_distance": [30.0, 20.0],
         "eval_within_class_diversity": [0.6, 0.8], "spread_step": [1.0, 2.0, 3.0, 4.0], "spread_ratio": [0.9, 0.3, 0.5, 0.5]}
    text = read_training_scores(h, {"cpu_s": 40.0, "steps": 4})
    assert "accuracy ratio 0.50 → 0.70" in text and "Fréchet distance 30.0 → 20.0" in text
    assert "lowest at step 2 (0.30 of real), last 0.50" in text and "1 of 4 checks, first at step 2" in text
    assert "10 CPU-s per step" in text
    old = read_training_scores({"step": [1.0]}, None, (4500, 0.52))
    assert "no scores recorded" in old and "has no spread curve" in old and "0.52 of real at step 4500" in old
    assert "never below the copy line" in read_training_scores({**h, "spread_ratio": [0.9, 0.8, 0.7, 0.6]})
