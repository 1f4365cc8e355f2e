"""Collapse probes (issue 20): train a cpu-preset variant briefly on CIFAR-10, measure G's within-class pixel spread.

    python benchmarks/collapse_probes.py c-ns-nosn-600 c-ns-nosn-noembed ...   # names: see VARIANTS at the bottom

Each variant trains seed 0 on one thread, without EMA, and every ``every`` steps prints the
within-class pixel spread of G's samples (eval mode and train mode) as a fraction of the real
images', with D's recent loss and scores; the JSON line is appended to
``benchmarks/results/collapse-probes.jsonl`` and a 10×10 grid (one row per class) is saved
next to it. A diagnosis tool (one seed, short runs), not a claim; see gantutor/recipes.py.
"""
import json
import resource
import sys
from pathlib import Path

import torch
torch.set_num_threads(1)
from gantutor.metrics import pixel_spread
from gantutor.recipes import get_recipe
from gantutor.train import Trainer

OUT = Path(__file__).resolve().parent / "results" / "collapse-probes.jsonl"

def real_spread(data, n=256):
    g = torch.Generator().manual_seed(0)
    idx = torch.randperm(len(data.labels), generator=g)[: n * 10]
    return pixel_spread(data.images[idx], data.labels[idx], 10)["spread"]

def fake_spread(tr, n=64, mode="eval"):
    y = torch.arange(n * 10) % 10
    g = torch.Generator().manual_seed(1)
    z = torch.randn(n * 10, tr.G.z_dim, generator=g)
    G = tr.G
    with torch.no_grad():
        if mode == "eval":
            G.eval(); x = G(z, y); G.train()
        else:
            G.train(); x = G(z, y)
    return pixel_spread(x, y, 10)["spread"]

def run(name, recipe="acgan-cifar10", steps=300, every=100, mutate=None, _G=None, _D=None, **over):
    # every variant starts from the cpu preset as it was when the collapse was found (class embedding at
    # G's seed layer); the ones named preset-ns-* set g_seed_label=False, the fix
    over = {"g_seed_label": True, **over}
    r = get_recipe(recipe, "cpu", **over)
    torch.manual_seed(0)
    G, D = r.build()
    if _G is not None: G, D = _G, _D
    if mutate: mutate(G, D)
    data = r.load_data()
    cfg = r.config(steps=steps, ema=None, log_every=25, sample_every=0, ckpt_every=0)
    tr = Trainer(G, D, data, cfg, device="cpu")
    rs = real_spread(data)
    t0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    rows = []
    for s in range(every, steps + 1, every):
        tr.fit(s, progress=False)
        h = tr.history
        rows.append(dict(step=s, eval=round(fake_spread(tr) / rs, 3), train=round(fake_spread(tr, mode="train") / rs, 3),
                         d_loss=round(sum(h["d_loss"][-4:]) / 4, 3), d_real=round(h["d_real"][-1], 3), d_fake=round(h["d_fake"][-1], 3)))
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - t0
    line = json.dumps(dict(name=name, cpu=round(cpu), real=round(rs, 3), rows=rows, arch=r.arch,
                           g_seed_label=r.g_seed_label, aux_weight=over.get("aux_weight")))
    print(line, flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("a") as f:
        f.write(line + "\n")
    import torchvision
    y = torch.arange(100) // 10
    z = torch.randn(100, tr.G.z_dim, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        tr.G.eval(); x = tr.G(z, y); tr.G.train()
    torchvision.utils.save_image(x * 0.5 + 0.5, str(OUT.parent / f"collapse-probe-{name}.png"), nrow=10)
    return tr

def no_embed(G, D):
    torch.nn.init.zeros_(G.embed.weight); G.embed.weight.requires_grad_(False)

def no_cbn(G, D):
    from gantutor.models import ConditionalBatchNorm2d
    for m in G.modules():
        if isinstance(m, ConditionalBatchNorm2d):
            m.gamma.weight.requires_grad_(False); m.beta.weight.requires_grad_(False)

class Uncond(torch.nn.Module):
    """wrap an unconditional DCGenerator with the conditional call signature"""
    def __init__(self, g):
        super().__init__(); self.g = g; self.z_dim = g.z_dim; self.num_classes = 10
    def forward(self, z, y):
        return self.g(z)

def run_uncond(name, steps=300, every=100, loss="hinge", sn=True, width=32, batch_norm=True):
    from gantutor.models import DCGenerator
    r = get_recipe("acgan-cifar10", "cpu", aux_weight=0.0, loss=loss, sn_d=sn, d_width=width)
    torch.manual_seed(0)
    _, D = r.build()
    G = Uncond(DCGenerator(64, 32, 3, 32, batch_norm=batch_norm))
    return run(name, steps=steps, every=every, mutate=None, aux_weight=0.0, loss=loss, sn_d=sn, d_width=width, _G=G, _D=D)

if __name__ == "__main__":
    which = sys.argv[1:]
    V = {
        "base": lambda: run("base"),
        "base-aux0": lambda: run("base-aux0", aux_weight=0.0),
        "noembed-aux0": lambda: run("noembed-aux0", aux_weight=0.0, mutate=no_embed),
        "uncond-aux0": lambda: run("uncond-aux0", aux_weight=0.0, mutate=lambda G, D: (no_embed(G, D), no_cbn(G, D))),
        "nocbn-aux0": lambda: run("nocbn-aux0", aux_weight=0.0, mutate=no_cbn),
        "noembed": lambda: run("noembed", mutate=no_embed),
    }
    V.update({"u-hinge-sn": lambda: run_uncond("u-hinge-sn"), "u-ns-nosn": lambda: run_uncond("u-ns-nosn", loss="nonsaturating", sn=False),
              "u-hinge-nosn": lambda: run_uncond("u-hinge-nosn", sn=False)})
    V.update({
        "ddepth1": lambda: run("ddepth1", aux_weight=0.0, d_depth=1),
        "beta0": lambda: run("beta0", aux_weight=0.0, betas=(0.0, 0.9)),
        "resnet64": lambda: run("resnet64", aux_weight=0.0, arch="resnet", z_dim=64, g_width=64, d_width=64, g_depth=1, d_depth=1,
                                 shared_dim=64, init="ortho", sn_g=True),
        "resnet64-plain": lambda: run("resnet64-plain", aux_weight=0.0, arch="resnet", z_dim=64, g_width=64, d_width=64, g_depth=1, d_depth=1),
        "lrg5e-5": lambda: run("lrg5e-5", aux_weight=0.0, lr_g=5e-5),
        "w64": lambda: run("w64", aux_weight=0.0, g_width=64, d_width=64),
        "nearest": lambda: run("nearest", aux_weight=0.0, g_upsample="nearest"),
        "nearest-full": lambda: run("nearest-full", g_upsample="nearest", steps=600, every=200),
        "u-ns-nosn-600": lambda: run_uncond("u-ns-nosn-600", loss="nonsaturating", sn=False, steps=600, every=150),
        "c-ns-nosn-600": lambda: run("c-ns-nosn-600", aux_weight=0.0, loss="nonsaturating", sn_d=False, steps=600, every=150),
        "c-ns-nosn-hz": lambda: run("c-ns-nosn-hz", aux_weight=0.0, loss="nonsaturating", sn_d=False, steps=600, every=150, g_bn_cond="class+z"),
        "c-ns-nosn-noembed": lambda: run("c-ns-nosn-noembed", aux_weight=0.0, loss="nonsaturating", sn_d=False, steps=600, every=150, mutate=no_embed),
        "c-ns-nosn-nocbn": lambda: run("c-ns-nosn-nocbn", aux_weight=0.0, loss="nonsaturating", sn_d=False, steps=600, every=150, mutate=no_cbn),
        "preset-hz": lambda: run("preset-hz", g_bn_cond="class+z", steps=600, every=150),
        "preset": lambda: run("preset", steps=600, every=150),
        "u-hinge-sn-600": lambda: run_uncond("u-hinge-sn-600", steps=600, every=150),
        "preset-ns-1200": lambda: run("preset-ns-1200", g_seed_label=False, steps=1200, every=300),
        "preset-old-1200": lambda: run("preset-old-1200", steps=1200, every=300),
        "preset-ns-nosnd-1200": lambda: run("preset-ns-nosnd-1200", g_seed_label=False, loss="nonsaturating", sn_d=False, steps=1200, every=300),
        "ndis2": lambda: run("ndis2", aux_weight=0.0, n_dis=2),
    })
    for w in which:
        V[w]()

