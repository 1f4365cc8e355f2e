"""Command line for long runs (lessons 06–07) and the paper claims.

    python -m gantutor train --recipe reacgan-cifar10 --preset gpu --out runs/reacgan [--resume] [--data PATH]
    python -m gantutor sample --run runs/reacgan --n 10000 --out samples.npz
    python -m gantutor reproduce --list

``sample`` writes ``arr_0`` (uint8, N×H×W×C) and ``arr_1`` (int64 labels): the layout
external FID/IS evaluators read. Under ``torchrun --nproc_per_node=K`` the same ``train``
command runs DistributedDataParallel (NCCL on GPUs, gloo on CPUs); a preset's batch is the
global batch, split evenly over the K processes, and each process draws its own shard of
every epoch and its own noise.

Nothing here imports torch before the arguments are parsed: ``--help`` and ``--version``
answer at once, where importing torch takes seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# The names gantutor.recipes defines, repeated here so that --help does not import torch
# (recipes imports the models); tests/test_cli.py checks that both agree. The recipe
# itself is always checked by gantutor.recipes.get_recipe.
RECIPE_NAMES = ("acgan-cifar10", "acgan-fmnist", "reacgan-cifar10", "reacgan-fmnist")
PRESET_NAMES = ("smoke", "cpu", "gpu")
RUN_FILES = ("ckpt.pt", "recipe.json")
# set once this process has joined a torchrun process group (see entry())
_joined_process_group = False

_RAW = argparse.RawDescriptionHelpFormatter
_EXAMPLES = """examples:
  python -m gantutor train --recipe reacgan-fmnist --preset smoke --out runs/try     # seconds
  python -m gantutor train --recipe reacgan-cifar10 --preset gpu --out runs/reacgan  # Ctrl-C saves a checkpoint
  python -m gantutor train --recipe reacgan-cifar10 --preset gpu --out runs/reacgan --resume
  python -m gantutor sample --run runs/reacgan --n 50000 --out samples.npz
  python -m gantutor reproduce --list
  torchrun --nproc_per_node=4 -m gantutor train --recipe reacgan-cifar10 --preset gpu --out runs/ddp

'python -m gantutor COMMAND --help' explains each command."""
_TRAIN_EPILOG = """examples:
  python -m gantutor train --recipe acgan-fmnist --preset cpu --out runs/acgan
  python -m gantutor train --recipe acgan-fmnist --preset cpu --out runs/acgan --resume --steps 5000
  python -m gantutor train --recipe reacgan-cifar10 --preset gpu --data ~/cifar10-jpg --out runs/reacgan
  python -m gantutor train --recipe acgan-cifar10 --preset cpu --channels-last --out runs/acgan-nhwc

Ctrl-C stops after the current step and writes DIR/ckpt.pt. --resume continues it exactly
(bitwise as if never stopped) and only under the recipe, preset and number of processes it
was started with; --steps may extend it. Under torchrun a preset's batch is the global batch,
split evenly over the processes."""
_SAMPLE_EPILOG = """example:
  python -m gantutor sample --run runs/reacgan --n 50000 --out samples.npz

The file is written exactly at --out (no suffix is added). Labels cycle 0, 1, …, 9 (class
balanced); the noise comes from --seed, so the same command gives the same file. Only
checkpoints made of tensors and plain values are opened: a file that carries pickled
Python objects is refused before anything in it runs."""
_REPRODUCE_EPILOG = """examples:
  python -m gantutor reproduce --list                  # every claim with its declared n, margin and rule
  python -m gantutor reproduce ns-vs-saturating        # its declared n seeds; writes results/ns-vs-saturating.json
  python -m gantutor reproduce lsgan-ring --seeds 4    # fewer than n: the result is marked exploratory
  python -m gantutor reproduce lsgan-ring --extend     # fill an earlier result up to n (never beyond)
  python -m gantutor reproduce --table --write README.md
  GANTUTOR_SMOKE=1 python -m gantutor reproduce lsgan-ring     # seconds, writes runs/reproduce/

A full run refuses a working tree with uncommitted files (it names them); --allow-dirty
runs anyway and marks the result exploratory. The commit is recorded at the start."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .reproduce import add_arguments as add_reproduce_arguments  # light: no torch

    p = argparse.ArgumentParser(prog="python -m gantutor", formatter_class=_RAW, epilog=_EXAMPLES,
                                description="Train and sample the course's conditional GANs; rerun the paper claims of the lessons.")
    p.add_argument("--version", action="version", version=f"gantutor {__version__}")
    sub = p.add_subparsers(dest="command", title="commands", metavar="COMMAND")

    t = sub.add_parser("train", help="train a recipe; writes DIR/ckpt.pt, DIR/recipe.json, DIR/history.json",
                       description="Train one recipe (models + data + settings) into a run folder.",
                       epilog=_TRAIN_EPILOG, formatter_class=_RAW)
    t.add_argument("--recipe", required=True, metavar="NAME", help=f"what to train: {', '.join(RECIPE_NAMES)}")
    t.add_argument("--preset", default="cpu", metavar="SIZE",
                   help=f"how big: {', '.join(PRESET_NAMES)} (seconds / ~10 CPU minutes / the authors' GPU setup; default cpu)")
    t.add_argument("--out", required=True, metavar="DIR", help="run folder (checkpoint, recipe, history); must not hold a run unless --resume")
    t.add_argument("--resume", action="store_true", help="continue the run in --out (same recipe, preset and number of processes)")
    t.add_argument("--data", default=None, metavar="PATH", help="CIFAR-10 as an ImageFolder copy: a folder with train/<class>/*.jpg")
    t.add_argument("--steps", type=_positive_int, default=None, metavar="N",
                   help="generator steps in all (default: the preset's); on --resume it may only grow")
    t.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: the best available; torchrun: one GPU per process)")
    t.add_argument("--seed", type=_seed, default=0, metavar="S", help="seed of the initial weights, data order and noise (default 0)")
    t.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                   help="speed switch: G, D and the batches in NHWC memory layout (fp32 rounding only; "
                        "1.11x faster on a CPU in benchmarks/cpu_throughput.py); default: the preset's (on in cpu); "
                        "--resume needs the same switches")
    t.add_argument("--amp-cpu", action=argparse.BooleanOptionalAction, default=None,
                   help="speed switch: bfloat16 autocast on the CPU (bf16 rounding); fast only on CPUs with "
                        "AVX512-BF16 or AMX, slower elsewhere (a warning says so); default: the preset's (cpu: "
                        "'auto', on exactly where the CPU has those instructions)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    t.set_defaults(_parser=t)

    s = sub.add_parser("sample", help="draw class-balanced samples from a run into an .npz file",
                       description="Draw class-balanced samples from a run folder written by 'train'.",
                       epilog=_SAMPLE_EPILOG, formatter_class=_RAW)
    s.add_argument("--run", required=True, metavar="DIR", help="a run folder written by 'train' (ckpt.pt + recipe.json)")
    s.add_argument("--n", type=_positive_int, required=True, help="number of images")
    s.add_argument("--out", required=True, metavar="FILE", help="file to write, exactly this path (arr_0 uint8 N×H×W×C, arr_1 int64 labels)")
    s.add_argument("--no-ema", action="store_true", help="sample G itself instead of its EMA copy")
    s.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: the best available)")
    s.add_argument("--seed", type=_seed, default=0, metavar="S", help="seed of the noise (default 0)")
    s.set_defaults(_parser=s)

    r = sub.add_parser("reproduce", help="run a paper claim the course repeats over several seeds; --list shows them",
                       description="Rerun a claim from a paper over several seeds and decide: reproduced, not reproduced or inconclusive.",
                       epilog=_REPRODUCE_EPILOG, formatter_class=_RAW)
    add_reproduce_arguments(r)
    r.set_defaults(_parser=r)
    return p


def _init_distributed(device_arg: str | None):
    """Join the process group torchrun describes; returns (device, rank, world size)."""
    import torch
    import torch.distributed as dist

    from .device import get_device

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return get_device(device_arg), 0, 1
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = get_device(device_arg)
    if device.type == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    global _joined_process_group
    _joined_process_group = True
    return device, dist.get_rank(), world


def recipe_mismatch(run: str | Path, recipe) -> str | None:
    """Why the run folder ``run`` cannot be continued as ``recipe`` (None when it can).

    recipe.json records the recipe a run was started with; resuming under another name
    or preset would load mismatched weights or silently continue the old run under a new
    name. The number of steps may differ (a run can be extended).
    """
    path = Path(run) / "recipe.json"
    if not path.exists():
        return f"{run} has a checkpoint but no recipe.json, so it was not written by 'train' and cannot be resumed by it"
    saved = json.loads(path.read_text())
    if (saved.get("name"), saved.get("preset")) != (recipe.name, recipe.preset):
        return (f"{run} is a run of --recipe {saved.get('name')} --preset {saved.get('preset')}, not of --recipe {recipe.name} "
                f"--preset {recipe.preset}; resume it with its own recipe and preset, or choose another --out")
    now = json.loads(json.dumps(recipe.to_dict()))  # tuples become lists, as in the file
    for spec in (saved, now):
        spec.get("train", {}).pop("steps", None)
    changed = sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))
    if changed:
        return (f"recipe {recipe.name} [{recipe.preset}] is no longer the one {run} was started with "
                f"(it differs in: {', '.join(changed)}); start a new run in another --out")
    return None


def train(args: argparse.Namespace) -> int:
    import dataclasses

    import torch

    from .checkpoint import CKPT_NAME, ResumeMismatch, UnsafeCheckpoint
    from .recipes import get_recipe
    from .train import SPEED_SWITCHES, Trainer, per_process_batch

    out = Path(args.out)
    if (out / CKPT_NAME).exists() and not args.resume:
        print(f"error: {out / CKPT_NAME} exists; pass --resume to continue it or choose another --out", file=sys.stderr)
        return 2
    if args.resume and not (out / CKPT_NAME).exists():
        print(f"error: --resume given but {out} holds no {CKPT_NAME}", file=sys.stderr)
        return 2
    recipe = get_recipe(args.recipe, args.preset)
    if args.resume and (problem := recipe_mismatch(out, recipe)):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    device, rank, world = _init_distributed(args.device)
    overrides = dict(out_dir=str(out), seed=args.seed) | ({"steps": args.steps} if args.steps is not None else {})
    # a switch given on the command line (--x / --no-x) wins; absent, the preset's own setting stays
    overrides |= {k: getattr(args, k) for k in SPEED_SWITCHES if getattr(args, k) is not None}
    cfg = recipe.config(**overrides)
    try:  # the preset's batch is global: each of the `world` processes takes its share
        cfg = dataclasses.replace(cfg, batch_size=per_process_batch(cfg.batch_size, world))
    except ValueError as err:
        print(f"error: preset {recipe.preset}: {err}", file=sys.stderr)
        return 2
    data = recipe.load_data(path=args.data)
    torch.manual_seed(args.seed)
    G, D = recipe.build()
    try:
        trainer = Trainer(G, D, data, cfg, device=device)
    except (ResumeMismatch, UnsafeCheckpoint) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        (out / "recipe.json").write_text(json.dumps(recipe.to_dict(), indent=1))
        print(f"{recipe.name} [{recipe.preset}] on {device} × {world} (batch {cfg.batch_size * world}"
              f"{f' = {world} × {cfg.batch_size}' if world > 1 else ''}): step {trainer.step} → {cfg.steps}")
    trainer.fit(progress=not args.no_progress)
    if rank == 0:
        trainer.save_checkpoint()
        (out / "history.json").write_text(json.dumps(trainer.history))
        print(f"done: step {trainer.step}, checkpoint {out / CKPT_NAME}")
    # Only a finished run tears the group down. After a failure on this rank (an exception passes
    # through here) no barrier: the other ranks may be inside a collective, and a barrier would wait
    # for the group's timeout (30 minutes) with every process alive. This rank leaves with its error
    # instead, and torchrun stops the others.
    if world > 1:
        import torch.distributed as dist

        trainer.release()  # the DDP wrappers go before their process group does
        dist.barrier()  # every rank done (rank 0's checkpoint written) before any tears down
        dist.destroy_process_group()
    return 0


def load_generator(run: str | Path, ema: bool = True, device="cpu"):
    """(G, recipe) from a run folder: the EMA copy when there is one and ``ema``.

    The checkpoint is loaded with ``weights_only=True`` (:func:`gantutor.checkpoint.load`):
    a file carrying pickled objects is refused before anything in it runs.
    """
    from . import checkpoint
    from .recipes import Recipe

    run = Path(run)
    if not all((run / name).exists() for name in RUN_FILES):
        raise FileNotFoundError(f"{run} is not a run folder (needs {' and '.join(RUN_FILES)}; write one with 'train')")
    recipe = Recipe(**json.loads((run / "recipe.json").read_text()))
    G, _ = recipe.build()
    state = checkpoint.load(run / checkpoint.CKPT_NAME, map_location="cpu")
    G.load_state_dict(state["G_ema"] if ema and state.get("G_ema") is not None else state["G"])
    return G.to(device).eval(), recipe


def sample(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from .data import to_uint8
    from .device import get_device

    device = get_device(args.device)
    G, recipe = load_generator(args.run, ema=not args.no_ema, device=device)
    gen = torch.Generator().manual_seed(args.seed)
    labels = torch.arange(args.n) % G.num_classes  # class balanced
    images = []
    with torch.no_grad():
        for i in range(0, args.n, 500):
            z = torch.randn(min(500, args.n - i), G.z_dim, generator=gen, dtype=torch.float32)
            images.append(to_uint8(G(z.to(device, next(G.parameters()).dtype), labels[i : i + 500].to(device))).cpu())
    arr = torch.cat(images).permute(0, 2, 3, 1).contiguous().numpy()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:  # through a file handle: np.savez would append ".npz" to a bare path
        np.savez(f, arr_0=arr, arr_1=labels.numpy().astype(np.int64))
    print(f"wrote {args.n} samples {arr.shape} {arr.dtype} of {recipe.name} to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare call: the help, not a one-line error
        parser.print_help()
        return 2
    if args.command == "reproduce":
        from .reproduce import cli

        return cli(args)
    from .checkpoint import UnsafeCheckpoint

    if args.command == "train":
        from .recipes import get_recipe

        try:
            get_recipe(args.recipe, args.preset)
        except ValueError as err:
            args._parser.error(str(err))  # exits with status 2 and the usage line
        return train(args)
    try:
        return sample(args)
    except (FileNotFoundError, UnsafeCheckpoint) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def entry() -> None:
    """``python -m gantutor`` and the ``gantutor`` script: run :func:`main`, exit with its status.

    A process that joined a torchrun process group leaves through ``os._exit`` once its output
    is flushed (rank 0 has written and closed its checkpoint before the group is torn down).
    Such a process now and then aborted after a finished run: SIGABRT on one rank, seen twice
    in our CI's runs (in two different two-process tests), once with "terminate called
    without an active exception".
    That matches the pattern pytorch/pytorch PR 179291 describes: a gloo worker thread still
    freeing work that holds tensors with Python objects while the interpreter shuts down
    (``destroy_process_group`` does not guarantee the C++ group is gone). Skipping interpreter
    shutdown in that process removes the window; every other call exits normally.
    """
    code = main()
    if _joined_process_group:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
