"""Command line for long runs (lessons 06–07).

    python -m gantutor train --recipe reacgan-cifar10 --preset gpu --out runs/reacgan [--resume] [--data PATH]
    python -m gantutor sample --run runs/reacgan --n 10000 --out samples.npz

``sample`` writes ``arr_0`` (uint8, N×H×W×C) and ``arr_1`` (int64 labels): the layout
external FID/IS evaluators read. Under ``torchrun --nproc_per_node=K`` the same ``train``
command runs DistributedDataParallel (NCCL on GPUs, gloo on CPUs); each process draws
its own shard of every epoch and its own noise, and ``--preset`` batch sizes are per process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch


def _parser() -> argparse.ArgumentParser:
    from .recipes import PRESETS, RECIPES

    p = argparse.ArgumentParser(prog="python -m gantutor", description="Train and sample the course's conditional GANs.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a recipe; writes DIR/ckpt.pt and DIR/recipe.json")
    t.add_argument("--recipe", required=True, choices=RECIPES)
    t.add_argument("--preset", default="cpu", choices=PRESETS)
    t.add_argument("--out", required=True, help="run folder (checkpoints, recipe, history)")
    t.add_argument("--resume", action="store_true", help="continue the run in --out")
    t.add_argument("--data", default=None, help="ImageFolder copy: a folder with train/<class>/*.jpg")
    t.add_argument("--steps", type=int, default=None, help="override the preset's number of generator steps")
    t.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: best available)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--no-progress", action="store_true")
    s = sub.add_parser("sample", help="draw class-balanced samples from a run into an .npz")
    s.add_argument("--run", required=True, help="a folder written by 'train'")
    s.add_argument("--n", type=int, required=True)
    s.add_argument("--out", required=True, help="output .npz (arr_0 uint8 N×H×W×C, arr_1 int64 labels)")
    s.add_argument("--no-ema", action="store_true", help="use G instead of its EMA copy")
    s.add_argument("--device", default=None)
    s.add_argument("--seed", type=int, default=0)
    from .reproduce import add_arguments

    r = sub.add_parser("reproduce", help="run a paper claim the course repeats over several seeds; --list shows them")
    add_arguments(r)
    return p


def _init_distributed(device_arg: str | None) -> tuple[torch.device, int, int]:
    """Join the process group torchrun describes; returns (device, rank, world size)."""
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
    return device, dist.get_rank(), world


def train(args: argparse.Namespace) -> int:
    from .recipes import get_recipe
    from .train import CKPT_NAME, Trainer

    out = Path(args.out)
    if (out / CKPT_NAME).exists() and not args.resume:
        print(f"error: {out / CKPT_NAME} exists; pass --resume to continue it or choose another --out", file=sys.stderr)
        return 2
    if args.resume and not (out / CKPT_NAME).exists():
        print(f"error: --resume given but {out} holds no {CKPT_NAME}", file=sys.stderr)
        return 2
    recipe = get_recipe(args.recipe, args.preset)
    device, rank, world = _init_distributed(args.device)
    try:
        data = recipe.load_data(path=args.data)
        overrides = dict(out_dir=str(out), seed=args.seed)
        if args.steps is not None:
            overrides["steps"] = args.steps
        cfg = recipe.config(**overrides)
        torch.manual_seed(args.seed)
        G, D = recipe.build()
        if rank == 0:
            out.mkdir(parents=True, exist_ok=True)
            (out / "recipe.json").write_text(json.dumps(recipe.to_dict(), indent=1))
        trainer = Trainer(G, D, data, cfg, device=device)
        if rank == 0:
            print(f"{recipe.name} [{recipe.preset}] on {device} × {world}: step {trainer.step} → {cfg.steps}")
        trainer.fit(progress=not args.no_progress)
        if rank == 0:
            trainer.save_checkpoint()
            (out / "history.json").write_text(json.dumps(trainer.history))
            print(f"done: step {trainer.step}, checkpoint {out / CKPT_NAME}")
    finally:
        if world > 1:
            import torch.distributed as dist

            dist.barrier()
            dist.destroy_process_group()
    return 0


def load_generator(run: str | Path, ema: bool = True, device: torch.device | str = "cpu") -> tuple[torch.nn.Module, "object"]:
    """(G, recipe) from a run folder: the EMA copy when there is one and ``ema``."""
    from .recipes import Recipe
    from .train import CKPT_NAME

    run = Path(run)
    if not (run / "recipe.json").exists() or not (run / CKPT_NAME).exists():
        raise FileNotFoundError(f"{run} is not a run folder (needs recipe.json and {CKPT_NAME}; write one with 'train')")
    spec = json.loads((run / "recipe.json").read_text())
    recipe = Recipe(**spec)
    G, _ = recipe.build()
    state = torch.load(run / CKPT_NAME, map_location="cpu", weights_only=False)
    G.load_state_dict(state["G_ema"] if ema and state.get("G_ema") is not None else state["G"])
    return G.to(device).eval(), recipe


@torch.no_grad()
def sample(args: argparse.Namespace) -> int:
    from .data import to_uint8
    from .device import get_device

    if args.n < 1:
        print("error: --n must be positive", file=sys.stderr)
        return 2
    device = get_device(args.device)
    G, recipe = load_generator(args.run, ema=not args.no_ema, device=device)
    gen = torch.Generator().manual_seed(args.seed)
    labels = torch.arange(args.n) % G.num_classes  # class balanced
    images = []
    for i in range(0, args.n, 500):
        z = torch.randn(min(500, args.n - i), G.z_dim, generator=gen, dtype=torch.float32).to(device, next(G.parameters()).dtype)
        images.append(to_uint8(G(z, labels[i : i + 500].to(device))).cpu())
    arr = torch.cat(images).permute(0, 2, 3, 1).contiguous().numpy()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, arr_0=arr, arr_1=labels.numpy().astype(np.int64))
    print(f"wrote {args.n} samples {arr.shape} {arr.dtype} of {recipe.name} to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reproduce":
        from .reproduce import cli

        return cli(args)
    return train(args) if args.command == "train" else sample(args)


if __name__ == "__main__":
    sys.exit(main())
