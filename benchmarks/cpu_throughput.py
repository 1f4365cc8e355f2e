"""What one CPU training iteration costs, and which levers buy iterations: measured side by side in one run.

    python benchmarks/cpu_throughput.py [--recipe reacgan-cifar10] [--also acgan-cifar10] [--preset cpu]
                                        [--reps 5] [--window 1.5] [--levers baseline,channels_last,...] [--no-write]

One **iteration** is one generator step of the trainer: ``n_dis`` discriminator updates and one
generator update (the preset's n_dis; 1 for today's cpu preset), on random uint8 images held
in memory (no data loading, except in the ``jpeg_per_step`` lever). What it measures:

* **FLOPs** of one iteration, counted by ``torch.utils.flop_counter.FlopCounterMode`` on the
  eager models (convolutions and matrix products, forward and backward; element-wise work,
  Adam and the EMA are not counted);
* **images per second** (batch × generator steps per second) of ``Trainer.fit`` in this
  process's **CPU time** and in **wall time**, and GFLOP/s = FLOPs per iteration × iterations/s;
* the same rate for a 2048 × 2048 fp32 matrix product on the same thread count, so that
  GFLOP/s reads as a percentage of what this CPU's BLAS reaches;
* every **lever** (see :func:`levers`) as a ratio to the baseline: channels_last, torch.compile
  (inductor's CPU backend; compile time reported on its own), Adam foreach / fused, oneDNN off,
  oneDNN graph fusion, batch 32 / 128 (compared in images/s, i.e. at equal images), 2 threads,
  per-step JPEG decoding instead of the in-memory uint8 tensor, bf16 autocast, the other recipe.

How it is measured on a shared machine: every lever gets its own trainer, warmed up first; then
``--reps`` rounds run one timed window per lever each (the lever order rotates from round to
round), with the matrix product timed in every round too. A lever's ratio is taken against the
baseline window *of the same round* and the median and range over rounds are reported: a change
in the machine's load hits all levers alike. Ratios use CPU time (what one thread's work costs,
whatever else runs on the machine), except for the 2-thread lever, whose point is wall time
(its CPU time counts both threads); both are in the output. Nothing here passes or fails.

Output: ``benchmarks/results/cpu_throughput-<date>.json`` and ``.md`` (``--no-write``: print only).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from gantutor.data import DATASETS, ImageSet, data_root, to_float
from gantutor.recipes import get_recipe
from gantutor.train import Trainer

RESULTS = Path(__file__).resolve().parent / "results"
_USER_INDUCTOR_CACHE = os.environ.get("TORCHINDUCTOR_CACHE_DIR")  # read before anything imports torch._inductor
MATMUL_N = 2048


# --------------------------------------------------------------------------- the machine

def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def bf16_support() -> dict:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX), as the flags and oneDNN say."""
    flags = cpu_flags()
    native = {f: f in flags for f in ("avx512_bf16", "amx_bf16", "amx_tile")}
    try:
        mkldnn_bf16 = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        mkldnn_bf16 = None
    return {**native, "mkldnn_bf16_supported": mkldnn_bf16, "supported": bool(native["avx512_bf16"] or native["amx_bf16"])}


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cpu": model, "logical_cpus": os.cpu_count(), "torch": torch.__version__,
            "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA"),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "mkldnn": torch.backends.mkldnn.is_available(),
            "python": platform.python_version(), "bf16": bf16_support()}


# --------------------------------------------------------------------------- data paths

def random_data(dataset: str, n: int = 2048, seed: int = 0) -> ImageSet:
    """``n`` random uint8 images of the data set's shape, in memory (what the trainer's _Stream reads)."""
    shape, classes = DATASETS[dataset]["shape"], DATASETS[dataset]["classes"]
    g = torch.Generator().manual_seed(seed)
    return ImageSet(torch.randint(0, 256, (n, *shape), generator=g, dtype=torch.uint8), torch.arange(n) % len(classes), classes)


class JpegStream:
    """The data path without the in-memory tensor: every batch's JPEG files are opened and decoded
    (PIL, as torchvision's ImageFolder does) in the training process, at every step."""

    def __init__(self, folder: Path, classes: tuple[str, ...], batch_size: int, seed: int = 0, dtype=torch.float32,
                 memory_format=torch.contiguous_format):
        self.files = [(p, k) for k, name in enumerate(classes) for p in sorted((folder / name).glob("*.jpg"))]
        if not self.files:
            raise FileNotFoundError(f"no JPEG files under {folder}/<class>/")
        self.batch_size, self.dtype, self.memory_format = batch_size, dtype, memory_format
        self.gen = torch.Generator().manual_seed(seed)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        from PIL import Image

        idx = torch.randint(len(self.files), (self.batch_size,), generator=self.gen).tolist()
        arrays = [np.asarray(Image.open(self.files[i][0]).convert("RGB")) for i in idx]
        images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
        labels = torch.tensor([self.files[i][1] for i in idx], dtype=torch.int64)
        return to_float(images).to(self.dtype).contiguous(memory_format=self.memory_format), labels

    def state(self) -> dict:
        return {}


# --------------------------------------------------------------------------- levers

@dataclass
class Lever:
    """One way to run the same training iteration."""

    name: str
    what: str
    overrides: dict = field(default_factory=dict)  # TrainConfig fields (the trainer's switches, batch size)
    threads: int = 1
    setup: Callable[[Trainer], None] | None = None  # changes a built trainer (levers without a switch)
    flags: Callable[[], object] | None = None  # a context manager of global flags, around each of its windows
    recipe: str | None = None  # another recipe than --recipe
    primary: str = "cpu"  # which time its ratio is read in


@contextmanager
def _onednn_fusion():
    before = torch.jit.onednn_fusion_enabled()
    torch.jit.enable_onednn_fusion(True)
    try:
        yield
    finally:
        torch.jit.enable_onednn_fusion(before)


def _compile(tr: Trainer) -> None:
    """What the updates call becomes compiled; tr.G and tr.D stay the plain modules (the G update
    reaches D through tr._D, so it runs the compiled D too)."""
    import atexit
    import shutil
    import tempfile

    if _USER_INDUCTOR_CACHE is None:  # an empty on-disk cache, so that the compile time is a first run's
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = fresh = tempfile.mkdtemp(prefix="inductor-cache-")
        atexit.register(shutil.rmtree, fresh, ignore_errors=True)
    import torch._inductor.config as inductor_config  # (importing it sets the default cache folder)

    inductor_config.compile_threads = 1  # compile in this process, so that its CPU time is counted here
    tr._G, tr._D = torch.compile(tr.G), torch.compile(tr.D)


def _adam(**impl) -> Callable[[Trainer], None]:
    def setup(tr: Trainer) -> None:
        tr.opt_g = torch.optim.Adam(tr.G.parameters(), lr=tr.cfg.lr_g, betas=tr.cfg.betas, **impl)
        tr.opt_d = torch.optim.Adam(tr.D.parameters(), lr=tr.cfg.lr_d, betas=tr.cfg.betas, **impl)
    return setup


def _jpeg(dataset: str) -> Callable[[Trainer], None]:
    def setup(tr: Trainer) -> None:
        folder = data_root() / "cifar10-jpg" / "train"
        if dataset != "cifar10" or not folder.is_dir():
            raise FileNotFoundError(f"the per-step JPEG path needs CIFAR-10's ImageFolder copy at {folder}")
        tr.stream = JpegStream(folder, DATASETS["cifar10"]["classes"], tr.cfg.batch_size, tr.cfg.seed, tr.dtype,
                               tr.stream.memory_format)
    return setup


def levers(recipe: str, also: str | None, batch: int) -> list[Lever]:
    dataset = get_recipe(recipe, "cpu").dataset
    out = [
        Lever("baseline", "the trainer as the preset runs it: fp32, NCHW, eager, Adam per tensor, 1 thread, uint8 images in memory"),
        Lever("channels_last", "G, D and real images in NHWC layout (TrainConfig.channels_last)", {"channels_last": True}),
        Lever("compile", "torch.compile of G and D, inductor CPU backend (default mode)", setup=_compile),
        Lever("adam_foreach", "Adam foreach=True", setup=_adam(foreach=True)),
        Lever("adam_fused", "Adam fused=True", setup=_adam(fused=True)),
        Lever("mkldnn_off", "torch.backends.mkldnn.enabled=False: convolutions without oneDNN", flags=lambda: torch.backends.mkldnn.flags(enabled=False)),
        Lever("onednn_fusion", "torch.jit.enable_onednn_fusion(True) (oneDNN Graph: TorchScript graphs only)", flags=_onednn_fusion),
        Lever(f"batch{batch // 2}", f"batch {batch // 2} (ratio in images/s: equal images)", {"batch_size": batch // 2}),
        Lever(f"batch{batch * 2}", f"batch {batch * 2} (ratio in images/s: equal images)", {"batch_size": batch * 2}),
        Lever("threads2", "torch.set_num_threads(2) (ratio in wall time)", threads=2, primary="wall"),
        Lever("jpeg_per_step", "each batch decoded from CIFAR-10 JPEG files at every step (PIL) instead of the uint8 tensor", setup=_jpeg(dataset)),
        Lever("bf16_autocast", "torch.autocast('cpu', dtype=torch.bfloat16) around the forward passes (TrainConfig.amp_cpu)",
              {"amp_cpu": True}),
        Lever("channels_last+bf16", "channels_last and bf16 autocast together", {"channels_last": True, "amp_cpu": True}),
    ]
    if also:
        out.append(Lever(also, f"the {also} recipe's baseline (same preset)", recipe=also))
    return out


# --------------------------------------------------------------------------- measuring

def make_trainer(recipe_name: str, preset: str, lever: Lever, seed: int = 0) -> Trainer:
    recipe = get_recipe(recipe_name, preset)
    torch.manual_seed(seed)
    G, D = recipe.build()
    cfg = recipe.config(log_every=10**9, sample_every=0, ckpt_every=0, out_dir=None, seed=seed, **lever.overrides)
    tr = Trainer(G, D, random_data(recipe.dataset), cfg, device="cpu")
    if lever.setup is not None:
        lever.setup(tr)
    return tr


def iteration_flops(tr: Trainer) -> dict:
    """FLOPs of one iteration (n_dis D updates + one G update) on ``tr``'s eager models, by operator."""
    with FlopCounterMode(display=False) as counter:
        for d_iter in range(tr.cfg.n_dis):
            tr._d_update(d_iter)
        tr._g_update()
    by_op: dict[str, int] = {}
    for op, n in counter.get_flop_counts().get("Global", {}).items():
        by_op[str(op).split(".")[-1] if "." in str(op) else str(op)] = int(n)
    return {"total": int(counter.get_total_flops()), "by_op": dict(sorted(by_op.items(), key=lambda kv: -kv[1]))}


@contextmanager
def threads(n: int):
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def timed_fit(tr: Trainer, steps: int, lever: Lever) -> tuple[float, float]:
    """(wall s, CPU s of this process) of ``steps`` generator steps."""
    with threads(lever.threads), (lever.flags() if lever.flags else nullcontext()):
        wall, cpu = time.perf_counter(), time.process_time()
        tr.fit(tr.step + steps, progress=False)
        return time.perf_counter() - wall, time.process_time() - cpu


def matmul_rate(n_threads: int, a: torch.Tensor, b: torch.Tensor, repeat: int = 2) -> tuple[float, float]:
    """(GFLOP/s in wall time, GFLOP/s in CPU time) of ``a @ b`` on ``n_threads`` threads."""
    with threads(n_threads):
        a @ b
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            a @ b
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    flops = 2 * a.shape[0] * a.shape[1] * b.shape[1] * repeat
    return flops / wall / 1e9, flops / cpu / 1e9


def _spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def main(argv: list[str] | None = None) -> dict:
    before = torch.get_num_threads()
    try:
        return _main(argv)
    finally:
        torch.set_num_threads(before)


def _main(argv: list[str] | None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipe", default="reacgan-cifar10")
    p.add_argument("--also", default="acgan-cifar10", help="another recipe measured as one more lever ('' for none)")
    p.add_argument("--preset", default="cpu")
    p.add_argument("--reps", type=int, default=5, help="interleaved rounds")
    p.add_argument("--window", type=float, default=1.5, help="CPU seconds per timed window (steps fixed per lever after warm-up)")
    p.add_argument("--levers", default="", help="comma-separated subset of lever names (default: all)")
    p.add_argument("--matmul-n", type=int, default=MATMUL_N, help="size of the reference matrix product")
    p.add_argument("--tag", default="", help="added to the output file names (e.g. a run under ONEDNN_MAX_CPU_ISA)")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    if args.reps < 1 or args.window <= 0:
        raise SystemExit("--reps must be >= 1 and --window > 0")
    torch.set_num_threads(1)

    batch = int(get_recipe(args.recipe, args.preset).train.get("batch_size", 64))
    todo = levers(args.recipe, args.also or None, batch)
    if args.levers:
        wanted = set(args.levers.split(",")) | {"baseline"}
        unknown = wanted - {lv.name for lv in todo}
        if unknown:
            raise SystemExit(f"unknown levers {sorted(unknown)}: allowed are {', '.join(lv.name for lv in todo)}")
        todo = [lv for lv in todo if lv.name in wanted]
    info = machine()
    started = datetime.datetime.now(datetime.timezone.utc)
    print(f"{info['cpu']} · torch {info['torch']} · {info['cpu_capability']} · bf16 {info['bf16']} · load {os.getloadavg()[0]:.1f}")

    # build, count FLOPs, warm up (compile happens here), fix each lever's steps per window
    trainers, results, flops = {}, {}, {}
    for lv in todo:
        recipe = lv.recipe or args.recipe
        res = results[lv.name] = {"what": lv.what, "recipe": recipe, "threads": lv.threads, "primary": lv.primary}
        try:
            tr = make_trainer(recipe, args.preset, lv)
            res["batch_size"] = tr.cfg.batch_size
            key = f"{recipe}/b{tr.cfg.batch_size}/ndis{tr.cfg.n_dis}"
            if key not in flops:
                plain = make_trainer(recipe, args.preset, Lever("count", "", {"batch_size": tr.cfg.batch_size}))
                flops[key] = iteration_flops(plain)
            res["flops_key"] = key
            t0 = (time.perf_counter(), time.process_time(), os.times())
            first = 2 if lv.name == "compile" else 1
            timed_fit(tr, first, lv)  # first calls (and the compile)
            t1 = (time.perf_counter(), time.process_time(), os.times())
            if lv.name == "compile":
                res["compile_cache"] = "empty at start" if _USER_INDUCTOR_CACHE is None else f"the user's {_USER_INDUCTOR_CACHE}"
                res["compile_wall_s"] = t1[0] - t0[0]
                res["compile_cpu_s"] = (t1[1] - t0[1]) + (t1[2].children_user + t1[2].children_system
                                                           - t0[2].children_user - t0[2].children_system)
            _, cpu = timed_fit(tr, 3, lv)
            res["steps_per_window"] = max(3, round(args.window / (cpu / 3)))
            trainers[lv.name] = tr
            print(f"  {lv.name}: ready ({res['steps_per_window']} steps per window)", flush=True)
        except Exception as err:  # a lever that cannot run here is reported, not fatal
            res["error"] = f"{type(err).__name__}: {str(err).strip()[:1500]}"
            print(f"  {lv.name}: FAILED {res['error'][:300]}", flush=True)

    # interleaved rounds
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(args.matmul_n, args.matmul_n, generator=g), torch.randn(args.matmul_n, args.matmul_n, generator=g)
    matmul = {1: {"wall": [], "cpu": []}, 2: {"wall": [], "cpu": []}}
    names = [lv.name for lv in todo if lv.name in trainers]
    by_name = {lv.name: lv for lv in todo}
    for lv in todo:
        results[lv.name].update(wall_s=[], cpu_s=[])
    loads = [os.getloadavg()[0]]
    for rep in range(args.reps):
        order = names[rep % len(names):] + names[: rep % len(names)]
        for name in order:
            wall, cpu = timed_fit(trainers[name], results[name]["steps_per_window"], by_name[name])
            results[name]["wall_s"].append(wall)
            results[name]["cpu_s"].append(cpu)
        for n_threads in (1, 2):
            w, c = matmul_rate(n_threads, a, b)
            matmul[n_threads]["wall"].append(w)
            matmul[n_threads]["cpu"].append(c)
        loads.append(os.getloadavg()[0])
        print(f"  round {rep + 1}/{args.reps} done, load {loads[-1]:.1f}", flush=True)

    # rates and ratios (paired with the baseline of the same round)
    base = results["baseline"]
    for name in names:
        res = results[name]
        imgs = res["steps_per_window"] * res["batch_size"]
        fl = flops[res["flops_key"]]["total"]
        mm = matmul[res["threads"]]
        res["images_per_s"] = {k: _spread([imgs / t for t in res[f"{k}_s"]]) for k in ("cpu", "wall")}
        res["iterations_per_s"] = {k: _spread([res["steps_per_window"] / t for t in res[f"{k}_s"]]) for k in ("cpu", "wall")}
        res["gflops_per_s"] = {k: _spread([fl * res["steps_per_window"] / t / 1e9 for t in res[f"{k}_s"]]) for k in ("cpu", "wall")}
        res["pct_of_matmul"] = {k: _spread([100 * fl * res["steps_per_window"] / t / 1e9 / m
                                            for t, m in zip(res[f"{k}_s"], mm[k])]) for k in ("cpu", "wall")}
        base_imgs = base["steps_per_window"] * base["batch_size"]
        res["ratio"] = {k: _spread([(imgs / t) / (base_imgs / tb) for t, tb in zip(res[f"{k}_s"], base[f"{k}_s"])])
                        for k in ("cpu", "wall")}
    report = {
        "date": started.isoformat(timespec="seconds"), "machine": info, "args": vars(args),
        "iteration": "one generator step: n_dis discriminator updates + one generator update (Trainer.fit)",
        "load_average": loads, "flops": flops,
        "matmul": {"n": args.matmul_n, **{f"threads{k}": {t: _spread(v[t]) for t in v} for k, v in matmul.items()}},
        "levers": results,
        "notes": notes(info),
    }
    md = markdown(report)
    print(md)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = RESULTS / f"cpu_throughput-{started.date().isoformat()}{'-' + args.tag if args.tag else ''}"
        stem.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
        stem.with_suffix(".md").write_text(md)
        print(f"wrote {stem}.json and .md")
    return report


def notes(info: dict) -> list[str]:
    bf = info["bf16"]
    out = []
    if bf["supported"]:
        out.append(f"bf16: this CPU has {'AMX' if bf['amx_bf16'] else 'AVX512-BF16 (no AMX)'}; oneDNN bf16 supported: {bf['mkldnn_bf16_supported']}.")
    else:
        out.append("bf16: this CPU has neither AVX512-BF16 nor AMX, so bf16 autocast is emulated (the measured ratio shows what that costs).")
    if info.get("ONEDNN_MAX_CPU_ISA"):
        out.append(f"ONEDNN_MAX_CPU_ISA={info['ONEDNN_MAX_CPU_ISA']}: oneDNN's kernels were limited to that instruction set, "
                   "as on a CPU without the newer instructions (e.g. AVX512_CORE_VNNI: no BF16 instructions).")
    out.append("onednn_fusion: torch.jit.enable_onednn_fusion acts on TorchScript graphs only; the eager trainer never builds one, "
               "so this flag cannot change an eager training step (the ratio measures that it does not).")
    out.append("mkldnn_off: oneDNN is PyTorch's default CPU convolution path; turning it off shows what it buys.")
    return out


def _fmt(s: dict, digits: int = 2) -> str:
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}–{s['max']:.{digits}f}]"


def markdown(r: dict) -> str:
    lv = r["levers"]
    base = lv["baseline"]
    fl = r["flops"][base["flops_key"]]
    m1, m2 = r["matmul"]["threads1"], r["matmul"]["threads2"]
    lines = [
        f"# CPU throughput of one training iteration — {r['args']['recipe']} / {r['args']['preset']} ({r['date']})",
        "",
        f"`python benchmarks/cpu_throughput.py` · {r['machine']['cpu']}, {r['machine']['logical_cpus']} logical CPUs, "
        f"torch {r['machine']['torch']} ({r['machine']['cpu_capability']}) · load average {min(r['load_average']):.1f}–{max(r['load_average']):.1f} "
        f"· {r['args']['reps']} interleaved rounds. Medians [min–max over rounds].",
        "",
        f"- One iteration ({r['iteration']}), batch {base['batch_size']}: **{fl['total'] / 1e9:.2f} GFLOP** "
        f"(FlopCounterMode; " + ", ".join(f"{k} {v / 1e9:.2f}" for k, v in list(fl["by_op"].items())[:4]) + ").",
        f"- {r['matmul']['n']}² fp32 matmul: {_fmt(m1['cpu'], 0)} GFLOP/s on 1 thread (CPU time), "
        f"{_fmt(m2['wall'], 0)} GFLOP/s on 2 threads (wall time).",
        f"- Baseline: **{_fmt(base['gflops_per_s']['cpu'], 1)} GFLOP/s** in CPU time = **{_fmt(base['pct_of_matmul']['cpu'], 0)} %** "
        f"of the 1-thread matmul rate; {_fmt(base['iterations_per_s']['cpu'])} iterations per CPU-second, "
        f"{_fmt(base['iterations_per_s']['wall'])} per wall-second (the machine's load sets the gap).",
        "",
        "| lever | ratio (CPU time) | ratio (wall time) | images/s (CPU) | GFLOP/s (CPU) | % of matmul | what |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, res in lv.items():
        if "error" in res:
            lines.append(f"| {name} | failed | | | | | {res['what']}: `{res['error'][:200]}` |")
            continue
        bold = lambda s, k: f"**{s}**" if res["primary"] == k else s  # noqa: E731
        lines.append(
            f"| {name} | {bold(_fmt(res['ratio']['cpu']), 'cpu')} | {bold(_fmt(res['ratio']['wall']), 'wall')} "
            f"| {res['images_per_s']['cpu']['median']:.0f} | {res['gflops_per_s']['cpu']['median']:.1f} "
            f"| {res['pct_of_matmul'][res['primary']]['median']:.0f} | {res['what']} |"
        )
    if "compile" in lv and "compile_wall_s" in lv["compile"]:
        c = lv["compile"]
        lines += ["", f"torch.compile: the first two iterations (compilation) took {c['compile_wall_s']:.0f} s wall, "
                      f"{c['compile_cpu_s']:.0f} CPU-s (inductor, compile_threads=1, on-disk cache: {c['compile_cache']})."]
    lines += [""] + [f"- {n}" for n in r["notes"]]
    lines += ["", "The ratio in **bold** is the one to read (CPU time, except 2 threads: wall time); "
                  "% of matmul uses the same clock and the same thread count. Nothing here is a pass/fail test."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
