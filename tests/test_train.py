"""The trainer: it learns, resumes exactly, guards against NaN, and checks its inputs."""

import math

import pytest
import torch

from gantutor.data import ImageSet
from gantutor.models import DCDiscriminator, DCGenerator
from gantutor.train import Callback, TrainConfig, Trainer, TrainingDiverged


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
    # the EMA copy differs from G after a few averaged steps
    assert any(not torch.equal(a, b) for a, b in zip(trainer.G_ema.parameters(), trainer.G.parameters()))


def _state(trainer):
    return [t.clone() for t in trainer.G.state_dict().values()] + [t.clone() for t in trainer.D.state_dict().values()] + [
        t.clone() for t in trainer.G_ema.state_dict().values()
    ]


def test_interrupt_then_resume_equals_uninterrupted(tmp_path):
    cfg = dict(steps=6, n_dis=2, batch_size=16, ema=0.9, log_every=1)
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
    saved = torch.load(tmp_path / "ckpt.pt", weights_only=False)
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
