"""The trainer's speed switches (TrainConfig.channels_last, amp_cpu) change results by rounding
only, and checkpoints save and resume with them on.

Speed itself is measured by benchmarks/cpu_throughput.py, never asserted here."""

import sys

import warnings

import pytest
import torch

from gantutor.data import synthetic_images, to_float
from gantutor.recipes import get_recipe
from gantutor.train import SPEED_SWITCHES, TrainConfig, Trainer

STEPS = 4


def run(tmp_path=None, steps=STEPS, **switches):
    """A few steps of the smoke preset's ReACGAN pair on synthetic CIFAR-shaped data, seed 0."""
    recipe = get_recipe("reacgan-cifar10", "smoke")
    torch.manual_seed(0)
    G, D = recipe.build()
    cfg = recipe.config(steps=steps, log_every=1, sample_every=0, ckpt_every=0,
                        out_dir=str(tmp_path) if tmp_path is not None else None, **switches)
    trainer = Trainer(G, D, synthetic_images("cifar10", n=64), cfg, device="cpu")
    trainer.fit(progress=False)
    return trainer


def weights(trainer):
    return {f"{net}.{k}": v.detach().float().clone() for net in ("G", "D", "G_ema")
            for k, v in getattr(trainer, net).state_dict().items() if v.is_floating_point()}


def outputs(trainer):
    """What the trained pair computes: EMA and raw G images for fixed noise, D's eval-mode scores on fixed images."""
    ema = trainer.sample(20, generator=torch.Generator().manual_seed(1))
    raw = trainer.sample(20, ema=False, generator=torch.Generator().manual_seed(1))
    data = synthetic_images("cifar10", n=20, split="test")
    trainer.D.eval()
    with torch.no_grad():
        scores = trainer.D(to_float(data.images), data.labels).score
    trainer.D.train()
    return {"G_ema images": ema, "G images": raw, "D scores": scores}


@pytest.fixture(scope="module")
def reference():
    trainer = run()
    return trainer, outputs(trainer)


def compare(trainer, reference, loss_rtol, image_atol, score_atol):
    """The logged losses of every step, G's images and D's scores agree with the plain fp32 run.

    Weights are not compared one by one: Adam divides each step by √v, so rounding noise in a
    gradient that is ~0 (a bias just before batch norm) becomes a learning-rate-sized step, which
    that layer's batch norm then cancels. What the networks compute is the result that matters.
    """
    ref, ref_out = reference
    for key, values in ref.history.items():
        torch.testing.assert_close(torch.tensor(trainer.history[key]), torch.tensor(values), rtol=loss_rtol, atol=loss_rtol,
                                   msg=lambda m, key=key: f"history[{key!r}]: {m}")
    for key, value in outputs(trainer).items():
        atol = score_atol if key == "D scores" else image_atol
        torch.testing.assert_close(value, ref_out[key], rtol=0, atol=atol, msg=lambda m, key=key: f"{key}: {m}")


# images live in [−1, 1]: one uint8 grey level is 2/255 ≈ 7.8e-3, so 2e-3 is a quarter of a level
FP32 = dict(loss_rtol=1e-5, image_atol=2e-3, score_atol=1e-5)


def test_channels_last_changes_only_float_rounding(reference):
    compare(run(channels_last=True), reference, **FP32)


def test_channels_last_puts_models_and_batches_in_nhwc():
    trainer = run(steps=1, channels_last=True)
    conv = next(m for m in trainer.D.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    x, _ = trainer.stream.next()
    assert x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()


@pytest.mark.filterwarnings("ignore:amp_cpu=True on a CPU without")  # a CI machine without bf16: slower, same check
def test_bf16_autocast_on_cpu_changes_results_by_bf16_rounding_only(reference):
    """bf16 keeps 8 significant bits: a few steps stay close to the fp32 run (within 2.5 grey levels), not equal to it."""
    trainer = run(amp_cpu=True)
    assert trainer.amp_dtype == torch.bfloat16
    compare(trainer, reference, loss_rtol=5e-2, image_atol=2e-2, score_atol=2e-3)
    assert trainer.sample(4).dtype == torch.float32


@pytest.mark.filterwarnings("ignore:amp_cpu=True on a CPU without")  # a CI machine without bf16: slower, same check
def test_switches_resume_exactly(tmp_path):
    """Interrupted at step 2 and resumed (a new Trainer on the same folder) = straight through, switches on."""
    switches = dict(channels_last=True, amp_cpu=True)
    straight = run(**switches)
    run(tmp_path, steps=2, **switches).save_checkpoint()
    resumed = run(tmp_path, **switches)
    assert resumed.step == STEPS
    for key, w in weights(straight).items():
        torch.testing.assert_close(weights(resumed)[key], w, rtol=0, atol=0, msg=key)


def test_a_checkpoint_from_before_the_switches_resumes_with_their_defaults(tmp_path):
    from gantutor import checkpoint
    from gantutor.checkpoint import ResumeMismatch

    trainer = run(tmp_path, steps=2)
    state = trainer.state_dict()
    for key in SPEED_SWITCHES:
        del state["cfg"][key]
    checkpoint.save(state, trainer.ckpt_path)
    assert run(tmp_path).step == STEPS  # defaults: resumes
    with pytest.raises(ResumeMismatch, match="channels_last"):
        run(tmp_path, steps=STEPS + 1, channels_last=True)  # another layout than the file's: refused like any setting


def test_amp_cpu_warns_where_the_cpu_has_no_bf16_instructions(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    with pytest.warns(RuntimeWarning, match="without AVX512-BF16 or AMX"):
        run(steps=1, amp_cpu=True)


def test_amp_cpu_auto_follows_the_cpu(monkeypatch):
    """'auto': bf16 autocast exactly where the CPU has bf16 instructions, fp32 (and no warning) elsewhere."""
    for has in (True, False):
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: has)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            trainer = run(steps=1, amp_cpu="auto")
        assert trainer.amp_dtype == (torch.bfloat16 if has else None)


@pytest.mark.parametrize("bad, match", [(dict(channels_last="yes"), "channels_last must be True or False"),
                                        (dict(channels_last="auto"), "channels_last must be True or False"),
                                        (dict(amp_cpu=1), "amp_cpu must be True, False or 'auto'"),
                                        (dict(amp_cpu="bf16"), "amp_cpu must be True, False or 'auto'")])
def test_bad_switch_values_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**bad)


def test_cpu_throughput_script_runs_on_the_smoke_preset(monkeypatch):
    """The benchmark's machinery (FLOP count, interleaved windows, ratios, markdown), in a second; no timing is checked."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "cpu_throughput.py"
    spec = importlib.util.spec_from_file_location("cpu_throughput", path)
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "cpu_throughput", bench)  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    threads_before = torch.get_num_threads()
    report = bench.main(["--preset", "smoke", "--reps", "2", "--window", "0.02", "--matmul-n", "64", "--also", "",
                         "--levers", "channels_last,bf16_autocast,adam_fused,onednn_fusion", "--no-write"])
    assert set(report["levers"]) == {"baseline", "channels_last", "bf16_autocast", "adam_fused", "onednn_fusion"}
    assert all("error" not in r and r["ratio"]["cpu"]["n"] == 2 for r in report["levers"].values())
    assert report["levers"]["baseline"]["ratio"]["cpu"]["median"] == 1.0
    assert next(iter(report["flops"].values()))["total"] > 0
    assert torch.get_num_threads() == threads_before  # the script gives back the thread count it changed
