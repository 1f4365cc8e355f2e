"""Claim ``lsgan-ring``: on the authors' ring of Gaussians, LSGAN covers more modes than the regular GAN.

Mao et al. (LSGAN, ICCV 2017), the mixture-of-Gaussians experiment: the regular GAN
(sigmoid cross-entropy) collapses onto one mode during training while LSGAN learns the
mixture. We rerun it under the protocol of the authors' public code (xudonmao/LSGAN,
``stability_comparison/mixture_gaussian/ls.py`` and ``sig.py``, run 10 times each by
``batch_cmp.sh``): every setting below names the line it comes from (:data:`PROTOCOL`).

Both configurations train their seeds as one batched :class:`gantutor.toy.ToyGAN`
(seed b gets exactly the gradient it would get alone; tests/test_toy.py checks it).
At every 5k-iteration snapshot we measure, on 2,500 samples per seed from a fixed
latent batch, :func:`gantutor.toy.mode_coverage` with its 3σ threshold (σ = 0.01: a
sample is high-quality within 0.03 of a center; neighbouring centers are 0.765 ≈ 77σ
apart, so the threshold can never confuse two modes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from . import Claim, decision, register, runs_dir, welch_interval

ITERATIONS = 35_000          # ls.py L50 max_iter
SNAPSHOT_EVERY = 5_000       # ls.py L51 viz_every
BATCH = 512                  # ls.py L45 batch_size
N_EVAL = 2_500               # samples per seed per snapshot (VEEGAN/PacGAN's count; the authors plot 10×512)
THRESHOLD = 3.0              # high-quality radius in units of the mixture's std (mode_coverage's default)

_LS = "xudonmao/LSGAN stability_comparison/mixture_gaussian/ls.py"
_SIG = "xudonmao/LSGAN stability_comparison/mixture_gaussian/sig.py"

PROTOCOL: dict[str, dict[str, str]] = {
    "data": {"value": "8 distinct modes at (sin θ, cos θ), θ = 2πk/8, radius 1.0, std 0.01; top mode weight 2/9, others 1/9 "
             "(gantutor.toy.lsgan_ring)",
             "source": f"{_LS} L21-27 sample_mog: thetas = linspace(0, 2π, 9) (θ=0 and 2π coincide), radius 1.0, std 0.01, "
                       "uniform Categorical over the 9 components"},
    "generator": {"value": "z (256) → 128 tanh → 128 tanh → 2 linear",
                  "source": f"{_LS} L30-34 generator(n_hidden=128, n_layer=2, tanh), L52 z_dim=256"},
    "discriminator": {"value": "x (2) → 128 tanh → 128 tanh → 1 linear (raw score)",
                      "source": f"{_LS} L36-40 discriminator(n_hidden=128, n_layer=2, tanh)"},
    "init": {"value": "orthogonal weights × gain 1.4, biases 0",
             "source": f"{_LS} L65 slim.arg_scope(weights_initializer=tf.orthogonal_initializer(gain=1.4)); "
                       "slim.fully_connected's default biases_initializer is zeros"},
    "latent": {"value": "z ~ N(0, I_256), fresh every iteration",
               "source": f"{_LS} L62-63 ds.Normal(zeros(z_dim), ones(z_dim)).sample_n(batch_size)"},
    "batch": {"value": "512 real and 512 fake samples per iteration", "source": f"{_LS} L45 batch_size=512"},
    "optimizer": {"value": "Adam lr_D 1e-4, lr_G 1e-3, β1 0.5, β2 0.999, eps 1e-8 (see loss_scale for the eps we pass)",
                  "source": f"{_LS} L46-49 (lr, beta1, epsilon), L77 keras Adam for D, L83 tf AdamOptimizer for G "
                            "(β2 = 0.999 is both libraries' default)"},
    "updates": {"value": "simultaneous: one forward pass, both gradients, then D and G step (ToyGAN update='simultaneous')",
                "source": f"{_LS} L101 sess.run([[G_loss, D_loss], g_train_op, d_train_op]): one run computes both "
                          "gradients on the same data and noise and applies both"},
    "iterations": {"value": "35,000; coverage measured every 5,000 (5k … 35k)",
                   "source": f"{_LS} L50 max_iter=35000, L51 viz_every=5000 (their loop saves samples at i % 5000 == 0, "
                             "i.e. 0 … 30k; we measure after 5k … 35k updates)"},
    "lsgan loss": {"value": "0-1-1 coding: D: ¼Σ(D(x)−1)² + ¼Σ D(G(z))², G: ¼Σ(D(G(z))−1)² (get_loss('lsgan', a=0, b=1, c=1))",
                   "source": f"{_LS} L70-72 D_loss = 0.5·reduce_mean(l2_loss(real−1)) + 0.5·reduce_mean(l2_loss(fake−0)), "
                             "L81 G_loss = 0.5·reduce_mean(l2_loss(fake−1)); l2_loss(t) = Σt²/2 over the batch"},
    "regular loss": {"value": "D: sigmoid cross-entropy (mean over the batch); G: non-saturating, Σ softplus(−D(G(z))) "
                              "(get_loss('nonsaturating'))",
                     "source": f"{_SIG} L70-72 D_loss = reduce_mean(CE(real, 1) + CE(fake, 0)); L81 G_loss = CE(fake, 1) "
                               "per sample (minimize sums its gradients)"},
    "loss_scale": {"value": "our losses are batch means; the authors' are ¼-sums (LSGAN, 256× ours at batch 512) and, for "
                            "the regular G, a sum (512× ours). Adam with loss s·L and eps e equals Adam with L and eps e/s, "
                            "so we pass eps = 1e-8/256 (LSGAN D and G), 1e-8 (regular D), 1e-8/512 (regular G). Left: TF/Keras "
                            "add eps after the bias correction of v, which in torch's form is eps/√(1−β2^t): 1/√(1−β2) ≈ 32× "
                            "eps at step 1, within 5 % of eps after ≈ 2,400 steps (β2 = 0.999); eps stays far below √v̂",
                   "source": f"{_LS} L70-81, {_SIG} L70-81, L49 epsilon=1e-8"},
    "seeds": {"value": "10 per loss, the authors' count (batch_cmp.sh); seed b's weights, data and noise come "
                       "from its own generators",
              "source": "xudonmao/LSGAN stability_comparison/mixture_gaussian/batch_cmp.sh: for x in seq 0 9"},
    "metric": {"value": f"gantutor.toy.mode_coverage on {N_EVAL} samples per seed (fixed latent batch): modes with ≥ 1 sample "
                        f"within {THRESHOLD:g}σ = 0.03 of its nearest center, the fraction of such samples, reverse KL to "
                        "the mixture weights",
               "source": "VEEGAN (Srivastava et al. 2017) / PacGAN (Lin et al. 2018) protocol; the paper itself shows KDE "
                         "plots, not numbers"},
}

CONFIGS = {
    # name: (loss, loss_params, eps_d, eps_g) — eps divided by the authors' loss scale (see PROTOCOL["loss_scale"])
    "lsgan": ("lsgan", {"a": 0.0, "b": 1.0, "c": 1.0}, lambda n: 1e-8 / (n / 2), lambda n: 1e-8 / (n / 2)),
    "regular": ("nonsaturating", None, lambda n: 1e-8, lambda n: 1e-8 / n),
}


def make_gan(config: str, seeds: Sequence[int], batch_size: int = BATCH):
    """A :class:`gantutor.toy.ToyGAN` with the authors' settings for ``config`` ("lsgan" or "regular")."""
    from gantutor.toy import ToyGAN

    if config not in CONFIGS:
        raise ValueError(f"unknown configuration {config!r}: allowed are {', '.join(map(repr, CONFIGS))}")
    loss, params, eps_d, eps_g = CONFIGS[config]
    return ToyGAN("lsgan_ring", loss, "none", seeds=list(seeds), width=128, z_dim=256, batch_size=batch_size,
                  lr_g=1e-3, lr_d=1e-4, betas=(0.5, 0.999), activation="tanh", init="orthogonal", init_gain=1.4,
                  loss_params=params, update="simultaneous", eps_d=eps_d(batch_size), eps_g=eps_g(batch_size))


def sizes(smoke: bool) -> dict[str, int]:
    """Iterations, snapshot interval, batch and evaluation samples: the protocol's, or seconds-long under smoke."""
    if smoke:
        return {"iterations": 20, "every": 10, "batch": 64, "n_eval": 500}
    return {"iterations": ITERATIONS, "every": SNAPSHOT_EVERY, "batch": BATCH, "n_eval": N_EVAL}


def cache_dir() -> Path:
    """Where an unfinished full run keeps its state: ``reproduce/cache/lsgan-ring`` under :func:`runs_dir`."""
    return runs_dir() / "reproduce" / "cache" / "lsgan-ring"


def _cache_file(cache: Path, config: str, seeds: Sequence[int], size: dict) -> Path:
    return cache / f"{config}-seeds{'_'.join(map(str, seeds))}-batch{size['batch']}-every{size['every']}-n{size['n_eval']}.pt"


def train_config(config: str, seeds: Sequence[int], size: dict, cache: Path | None = None) -> list[dict[str, Any]]:
    """Train one configuration for ``seeds`` (one batched model) and measure every snapshot.

    With ``cache``, the complete state (weights, both Adams, every seed's random streams and the
    records so far) is saved after each snapshot and a later call resumes from it, giving the
    same numbers as an uninterrupted run: a 35k-iteration run killed half way loses at most
    one snapshot interval.
    """
    from gantutor import checkpoint
    from gantutor.toy import mode_coverage

    gan = make_gan(config, seeds, size["batch"])
    rec = [{"seed": int(s), "config": config} for s in seeds]
    path = _cache_file(cache, config, seeds, size) if cache is not None else None
    if path is not None and path.exists():
        state = checkpoint.load(path)  # tensors and plain values only: nothing in it runs
        gan.G.load_state_dict(state["G"])
        gan.D.load_state_dict(state["D"])
        gan.opt_g.load_state_dict(state["opt_g"])
        gan.opt_d.load_state_dict(state["opt_d"])
        for g, st in zip(gan.gens, state["gens"]):
            g.set_state(st)
        gan.steps, rec = state["steps"], state["records"]
    for step in range(size["every"], size["iterations"] + 1, size["every"]):
        if step <= gan.steps:
            continue
        gan.step(step - gan.steps)
        cov = mode_coverage(gan.sample(size["n_eval"]), gan.mixture, THRESHOLD)
        for i, r in enumerate(rec):
            for key in ("modes", "high_quality", "reverse_kl"):
                value = cov[key][i]
                r[f"{key}_{step}"] = int(value) if key == "modes" else float(value)
        if path is not None:
            checkpoint.save({"steps": gan.steps, "G": gan.G.state_dict(), "D": gan.D.state_dict(),
                             "opt_g": gan.opt_g.state_dict(), "opt_d": gan.opt_d.state_dict(),
                             "gens": [g.get_state() for g in gan.gens], "records": rec}, path)  # atomic
    last = size["iterations"]
    for r in rec:
        r.update(modes=r[f"modes_{last}"], high_quality=r[f"high_quality_{last}"], reverse_kl=r[f"reverse_kl_{last}"])
    return rec


def run(seeds: Sequence[int], smoke: bool) -> list[dict[str, Any]]:
    """Train both configurations for these seeds (one batched model each); one record per (seed, config).

    Each record has the final ``modes``, ``high_quality``, ``reverse_kl`` and the same three
    at every snapshot as ``modes_<step>`` etc. A full (non-smoke) run keeps its state in
    :func:`cache_dir` after every snapshot, so rerunning the same command after a kill resumes
    it; the cache is removed when both configurations are done.
    """
    size = sizes(smoke)
    cache = None if smoke else cache_dir()
    records = []
    for config in CONFIGS:
        records.extend(train_config(config, seeds, size, cache))
    if cache is not None:
        for config in CONFIGS:
            _cache_file(cache, config, seeds, size).unlink(missing_ok=True)
    return records


MARGIN = 2.0  # modes of 8, declared before the 10-seed run (issue 18)


def judge(per_seed: list[dict]) -> dict:
    """The rule in ``RULE``: Welch 90 % interval of mean modes(lsgan) − mean modes(regular) at the last snapshot."""
    from .. import stats as st

    w = welch_interval(per_seed, "lsgan", "regular", "modes", level=st.VERDICT_LEVEL)
    return decision({"modes LSGAN − regular": w}, MARGIN)


def decide(summary: dict, per_seed: list[dict]) -> str:
    return judge(per_seed)["verdict"]


RULE = ("at the final snapshot (35k iterations), the Welch 90 % t-interval of mean modes covered (LSGAN) − mean modes "
        "covered (regular GAN) over seeds (two one-sided 5 % tests): upper bound below the margin of 2 modes → not "
        "reproduced; else lower bound above 0 → reproduced; else inconclusive")

CLAIM = register(Claim(
    name="lsgan-ring",
    paper="X. Mao et al., Least Squares Generative Adversarial Networks, ICCV 2017 (mixture-of-Gaussians experiment)",
    statement="On a ring of 8 Gaussians the regular GAN collapses onto a single mode during training, while LSGAN "
              "learns the mixture (spreads over the modes).",
    metric="modes covered (of 8) by 2,500 samples per seed, a sample counting when within 3σ = 0.03 of a center; also "
           "the high-quality fraction and reverse KL, at 5k, 10k, …, 35k iterations",
    expected="reproduced",
    rule=RULE,
    cpu_minutes=60.0,  # measured: ≈ 24 min of CPU for 4 seeds on one thread; 10 seeds ≈ 60 CPU-min
    run=run,
    decide=decide,
    judge=judge,
    n=10,
    n_reason="the authors ran 10 per loss (xudonmao/LSGAN stability_comparison/mixture_gaussian/batch_cmp.sh: seq 0 9)",
    margin=MARGIN,
    margin_reason="2 of 8 modes, a quarter of the ring: a smaller gap is not the paper's 'one mode vs the mixture'",
    chunk=4,
    lesson="05_mode_collapse_arena",
    protocol=PROTOCOL,
))
