"""The trainer: it learns, resumes exactly (and only under its own settings), guards against
NaN and Ctrl-C, keeps a true EMA, writes plain checkpoints and refuses unsafe ones."""

import builtins
import math
import os
import signal

import pytest
import torch
from torch import nn

from gantutor import checkpoint
from gantutor.checkpoint import ResumeMismatch, UnsafeCheckpoint
from gantutor.data import ImageSet
from gantutor.models import DCDiscriminator, DCGenerator
from gantutor.train import EMA, Callback, TrainConfig, Trainer, TrainingDiverged, per_process_batch


def tiny_data(n=64, size=28, channels=1, classes=10):
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, channels, size, size), generator=g, dtype=torch.uint8)
    return ImageSet(images, torch.arange(n) % classes, tuple(str(k) for k in range(classes)))


def pair(seed=0):
    torch.manual_seed(seed)
    return DCGenerator(z_dim=8, width=4), DCDiscriminator(width=4)


def test_fit_records_history_and_samples():
    G, D = pair()
    cfg = TrainConfig(steps=4, n_dis=2, batch_size=16, log_every=2, sample_every=2, n_samples=8, ema=0.9, loss="hinge")
    steps_seen = []

    class Count(Callback):
        def on_d_step(self, trainer, step, d_iter, logs):
            steps_seen.append((step, d_iter))

    trainer = Trainer(G, D, tiny_data(), cfg, device="cpu", callbacks=[Count()])
    history = trainer.fit(progress=False)
    assert history["step"] == [2.0, 4.0]
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert len(history[key]) == 2 and all(math.isfinite(v) for v in history[key])
    assert steps_seen == [(s, d) for s in range(4) for d in range(2)]
    assert [s for s, _ in trainer.samples] == [2, 4] and trainer.samples[0][1].shape == (8, 1, 28, 28)
    images = trainer.sample(5)
    assert images.shape == (5, 1, 28, 28) and images.abs().max() <= 1


def _state(trainer):
    return [t.clone() for t in trainer.G.state_dict().values()] + [t.clone() for t in trainer.D.state_dict().values()] + [
        t.clone() for t in trainer.G_ema.state_dict().values()
    ]


def test_interrupt_then_resume_equals_uninterrupted(tmp_path):
    cfg = dict(steps=6, n_dis=2, batch_size=16, ema=0.9, ema_start=2, log_every=1)
    G, D = pair()
    straight = Trainer(G, D, tiny_data(), TrainConfig(**cfg), device="cpu")
    straight.fit(progress=False)

    class Interrupt(Callback):
        def on_step_end(self, trainer, step, logs):
            if step == 3:
                raise KeyboardInterrupt

    G, D = pair()
    first = Trainer(G, D, tiny_data(), TrainConfig(**cfg, out_dir=str(tmp_path)), device="cpu", callbacks=[Interrupt()])
    first.fit(progress=False)
    assert first.interrupted and first.step == 3 and (tmp_path / "ckpt.pt").exists()
    G, D = pair(seed=123)  # different init: everything must come from the checkpoint
    resumed = Trainer(G, D, tiny_data(), TrainConfig(**cfg, out_dir=str(tmp_path)), device="cpu")
    assert resumed.step == 3
    resumed.fit(progress=False)
    assert resumed.step == 6
    for a, b in zip(_state(straight), _state(resumed)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert straight.history == resumed.history


def test_nan_guard_stops_and_keeps_last_checkpoint(tmp_path):
    G, D = pair()

    class Poison(Callback):
        def on_step_end(self, trainer, step, logs):
            if step == 2:
                with torch.no_grad():
                    next(trainer.D.parameters()).fill_(float("nan"))

    trainer = Trainer(G, D, tiny_data(), TrainConfig(steps=5, batch_size=16, ckpt_every=1, out_dir=str(tmp_path)), device="cpu", callbacks=[Poison()])
    with pytest.raises(TrainingDiverged, match="d_loss became nan.*last good checkpoint"):
        trainer.fit(progress=False)
    saved = checkpoint.load(tmp_path / "ckpt.pt")
    assert saved["step"] == 2 and all(torch.isfinite(t).all() for t in saved["D"].values())


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="unknown loss"):
        TrainConfig(loss="wgan")
    with pytest.raises(ValueError, match="n_dis"):
        TrainConfig(n_dis=0)
    with pytest.raises(ValueError, match="batch_size"):
        Trainer(*pair(), tiny_data(n=8), TrainConfig(batch_size=16), device="cpu")
    with pytest.raises(TypeError, match="ImageSet"):
        Trainer(*pair(), torch.zeros(3), TrainConfig(), device="cpu")


def test_periodic_eval_records_into_history():
    from gantutor.train import PeriodicEval

    G, D = pair()
    cb = PeriodicEval(2, lambda t: {"mean": t.sample(4).mean().item()})
    trainer = Trainer(G, D, tiny_data(), TrainConfig(steps=4, batch_size=16, log_every=4), device="cpu", callbacks=[cb])
    h = trainer.fit(progress=False)
    assert h["eval_step"] == [2.0, 4.0] and len(h["eval_mean"]) == 2
    with pytest.raises(ValueError):
        PeriodicEval(0, lambda t: {})


# ----------------------------------------------------------------- EMA


def _closed_form_ema(snapshots, decay, start):
    """EMA after the last snapshot: snapshots[k] is G after step k (k = 0 is the initial G).

    ema = G_s at step s = start (G_0 when start = 0), then ema_T = d^(T-s) G_s + Σ_{k>s} (1-d) d^(T-k) G_k.
    """
    T, s = len(snapshots) - 1, start
    total = decay ** (T - s) * snapshots[s]
    for k in range(s + 1, T + 1):
        total = total + (1 - decay) * decay ** (T - k) * snapshots[k]
    return total


@pytest.mark.parametrize("start", [0, 3])
def test_ema_is_the_closed_form_average_and_copies_buffers(start):
    """Weights set by hand to k + noise at step k: the EMA equals the closed form to 1e-6."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    decay, steps = 0.8, 7
    ema = EMA(model, decay, start)
    snapshots = [torch.nn.utils.parameters_to_vector(model.parameters()).double()]
    for k in range(1, steps + 1):
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(k + 0.1 * torch.randn_like(p))
            model[1].running_mean.fill_(-k)  # BN statistics: copied from G, not averaged
            model[1].num_batches_tracked.fill_(10 * k)
        ema.update(model, k)
        snapshots.append(torch.nn.utils.parameters_to_vector(model.parameters()).double())
        if k <= start:  # before the start the EMA is G itself
            assert torch.equal(torch.nn.utils.parameters_to_vector(ema.module.parameters()), snapshots[-1].float())
    got = torch.nn.utils.parameters_to_vector(ema.module.parameters()).double()
    want = _closed_form_ema(snapshots, decay, start)
    assert (got - want).abs().max() < 1e-6
    assert not torch.allclose(got, snapshots[-1], atol=1e-3)  # it really is an average, not G
    assert torch.equal(ema.module[1].running_mean, torch.full((4,), -float(steps)))
    assert int(ema.module[1].num_batches_tracked) == 10 * steps
    assert not any(p.requires_grad for p in ema.parameters()) and not ema.training


def test_trainer_ema_follows_its_generator_in_closed_form():
    """Inside the trainer: G after every step recorded, EMA(0.9) from step 2 = the closed form."""
    snapshots = []

    class Record(Callback):
        def on_step_end(self, trainer, step, logs):
            snapshots.append(torch.nn.utils.parameters_to_vector(trainer.G.parameters()).detach().double().clone())

    G, D = pair()
    cfg = TrainConfig(steps=6, batch_size=16, ema=0.9, ema_start=2, log_every=6, lr_g=1e-2)
    trainer = Trainer(G, D, tiny_data(), cfg, device="cpu", callbacks=[Record()])
    snapshots.insert(0, torch.nn.utils.parameters_to_vector(G.parameters()).detach().double().clone())
    trainer.fit(progress=False)
    got = torch.nn.utils.parameters_to_vector(trainer.G_ema.parameters()).double()
    assert (got - _closed_form_ema(snapshots, 0.9, 2)).abs().max() < 1e-6
    assert (got - snapshots[-1]).abs().max() > 1e-4  # G moved: the average differs from it
    for b_ema, b in zip(trainer.G_ema.buffers(), trainer.G.buffers()):  # BN statistics: G's own
        assert torch.equal(b_ema, b)


# ----------------------------------------------------------------- checkpoints: plain, safe, consistent


def test_checkpoints_are_plain_and_load_weights_only(tmp_path):
    G, D = pair()
    trainer = Trainer(G, D, tiny_data(), TrainConfig(steps=2, batch_size=16, ema=0.9, sample_every=1, n_samples=4,
                                                     ckpt_every=1, out_dir=str(tmp_path)), device="cpu")
    trainer.fit(progress=False)
    state = torch.load(tmp_path / "ckpt.pt", weights_only=True)  # torch's own safe loader accepts it
    assert state["step"] == 2 and isinstance(state["rng_cpu"], torch.Tensor) and len(state["samples"]) == 2
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]  # the temporary file was renamed, not left behind
    fresh = DCGenerator(z_dim=8, width=4)
    fresh.load_state_dict(state["G_ema"])  # the EMA weights load into a plain generator
    with pytest.raises(TypeError, match=r"state\['callbacks'\]\[0\] is a builtins.object.*tensors and plain values"):
        checkpoint.save({"callbacks": [object()]}, tmp_path / "bad.pt")
    assert not (tmp_path / "bad.pt").exists()


class _Evil:
    """Unpickling this runs code: it sets a global and creates a file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"import builtins; builtins.GANTUTOR_PWNED = True; open({self.marker!r}, 'w').close()",))


def test_a_checkpoint_carrying_code_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    G, D = pair()
    state = Trainer(G, D, tiny_data(), TrainConfig(steps=1, batch_size=16), device="cpu").state_dict()
    state["history"] = _Evil(marker)
    torch.save(state, tmp_path / "ckpt.pt")
    with pytest.raises(UnsafeCheckpoint, match=r"refusing to load .*ckpt.pt.*pickled Python object \(exec\).*Nothing in it was run"):
        Trainer(*pair(), tiny_data(), TrainConfig(steps=1, batch_size=16, out_dir=str(tmp_path)), device="cpu")
    with pytest.raises(UnsafeCheckpoint):
        checkpoint.load(tmp_path / "ckpt.pt")
    assert not marker.exists() and not hasattr(builtins, "GANTUTOR_PWNED")
    # the file is truly malicious: the unsafe loader runs it (this is what weights_only=True prevents)
    torch.load(tmp_path / "ckpt.pt", weights_only=False)
    assert marker.exists() and builtins.GANTUTOR_PWNED
    del builtins.GANTUTOR_PWNED


def test_resume_only_under_the_same_settings(tmp_path):
    base = dict(steps=3, batch_size=16, n_dis=2, loss="hinge", ckpt_every=1, out_dir=str(tmp_path))
    Trainer(*pair(), tiny_data(), TrainConfig(**base), device="cpu").fit(progress=False)
    for change, named in [(dict(n_dis=1), "n_dis 2 → 1"), (dict(loss="lsgan"), "loss 'hinge' → 'lsgan'"),
                          (dict(batch_size=8), "batch_size 16 → 8"), (dict(steps=2), "steps 3 → 2.*3 or more")]:
        with pytest.raises(ResumeMismatch, match=f"cannot resume .*ckpt.pt.*{named}"):
            Trainer(*pair(), tiny_data(), TrainConfig(**{**base, **change}), device="cpu")
    with pytest.raises(ResumeMismatch, match="world size \\(processes\\) 2 → 1"):
        checkpoint.check_resume({"world": 2, "cfg": {"steps": 3}}, {"world": 1, "cfg": {"steps": 3}}, "x")
    # more steps and other bookkeeping are fine: the run continues where it was
    longer = Trainer(*pair(), tiny_data(), TrainConfig(**{**base, "steps": 5, "log_every": 2, "ckpt_every": 0}), device="cpu")
    assert longer.step == 3
    longer.fit(progress=False)
    assert longer.step == 5


def test_ctrl_c_finishes_the_step_saves_and_restores_the_handler(tmp_path):
    class CtrlC(Callback):
        def on_d_step(self, trainer, step, d_iter, logs):
            if step == 1 and d_iter == 0:
                os.kill(os.getpid(), signal.SIGINT)  # mid-step: the step still completes

    before = signal.getsignal(signal.SIGINT)
    trainer = Trainer(*pair(), tiny_data(), TrainConfig(steps=5, n_dis=2, batch_size=16, out_dir=str(tmp_path)), device="cpu",
                      callbacks=[CtrlC()])
    trainer.fit(progress=False)
    assert trainer.interrupted and trainer.step == 2
    assert checkpoint.load(tmp_path / "ckpt.pt")["step"] == 2
    assert signal.getsignal(signal.SIGINT) is before


def test_global_batch_splits_evenly():
    assert per_process_batch(128, 1) == 128 and per_process_batch(128, 4) == 32
    with pytest.raises(ValueError, match="global batch 16 does not split evenly over 3 processes"):
        per_process_batch(16, 3)


def test_ckpt_every_without_out_dir_trains_without_saving():
    """A preset's checkpoint interval must not crash a run that has no run folder (lessons, tests)."""
    from gantutor.recipes import get_recipe

    recipe = get_recipe("acgan-fmnist", "smoke")
    G, D = recipe.build()
    trainer = Trainer(G, D, recipe.load_data(), recipe.config(ckpt_every=1, steps=2, out_dir=None))
    trainer.fit(progress=False)
    assert trainer.step == 2 and trainer.ckpt_path is None
