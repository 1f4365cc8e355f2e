"""Named training recipes for the conditional lessons: ``{acgan,reacgan}-{cifar10,fmnist}`` × ``{smoke,cpu,gpu}``.

A :class:`Recipe` says which models to build and how to train them; the command line
(``python -m gantutor train --recipe reacgan-cifar10 --preset gpu``) and notebooks 06–07
use the same objects, so a notebook's run and a long GPU run differ only in the preset.

**The gpu preset** follows the authors' public CIFAR-10 configuration of ReACGAN in
PyTorch-StudioGAN, read from ``src/configs/CIFAR10/ReACGAN.yaml``, the ``big_resnet``
backbone (``src/models/big_resnet.py``), ``src/utils/ops.py`` and the defaults in
``src/config.py``:

* G: ``g_conv_dim`` 96 → three up-blocks of 4·96 = **384** channels (4→8→16→32), BigGAN
  conditional BN driven by a **shared class embedding of 128** and the **hierarchical z**
  (z_dim 80 cut into 4 chunks of 20: one for the linear seed, one per block, so each
  block's BN sees 128 + 20 = 148 numbers), **self-attention after block 2** (16×16);
* D: ``d_conv_dim`` 96 → four residual blocks of 2·96 = **192** channels (32→16→8, then two
  at 8×8), **self-attention after block 1**, ReLU, global sum pooling, a linear adversarial
  head, a linear projection P to a **512-d embedding** and a class-proxy table;
* spectral norm on every layer of G and D (StudioGAN also on the proxy table), orthogonal
  initialisation (``g_init``/``d_init`` "ortho"), full precision;
* hinge loss, batch **128**, Adam lr **2.8284e-4** for G and D, betas **(0.5, 0.999)**,
  **5 D updates per G update**, **100,000** G steps, EMA of G with decay **0.9999** from
  step **1000**;
* D2D-CE with λ = **0.5** (``cond_lambda``), added to D's loss on real images and to G's
  loss on generated ones, τ = **0.5**, m_p = **0.98**; StudioGAN has no separate m_n: its
  code shifts the sample-to-sample similarities by m_p − 1, i.e. m_n = 1 − m_p = **0.02**.

What still differs from the reference, said plainly:

* no random horizontal flips of the real images (StudioGAN's ``apply_rflip`` is on by
  default; the trainer has no flips, and its DiffAugment, ``TrainConfig.diffaugment``, is
  off in every preset);
* batch norm ε: the final BN of G uses PyTorch's 1e-5 (StudioGAN 1e-4; the conditional
  BNs use 1e-4 like StudioGAN), spectral norm ε is torch's default 1e-12 (StudioGAN 1e-6),
  and torch's parametrized spectral norm, not the older hook version;
* StudioGAN's D2D-CE code (``Data2DataCrossEntropyLoss`` in ``src/utils/losses.py``), "for
  numerical stability", subtracts each row's detached maximum logit from the negative terms
  but not from the positive one, which weights the negatives by e^{−max} relative to Eq. 6;
  ours computes Eq. 6 exactly (log-sum-exp over positive and negatives together). Under DDP
  StudioGAN gathers embeddings, proxies and labels onto every process; we gather the
  embeddings and labels (the same mean loss and gradients, see ``gantutor.losses.d2d_ce``);
* the ``acgan-cifar10`` gpu preset uses the same optimiser settings as ReACGAN (a
  one-variable comparison); StudioGAN's ``ACGAN-Mod-Big.yaml`` keeps the package defaults
  batch 64 and lr 2e-4, with λ = 1;
* results of a 100k-step run have not been measured here (no GPU run yet).

**The cpu preset** (what lessons 06–07 train; ≈ 10 CPU-minutes per model on one thread of the
2-core course machine, whose CPU has bfloat16 instructions): the DCGAN-size pair (G and D width 32,
no extra blocks, a 128-d ReACGAN embedding), spectral norm in D only, hinge loss, Adam 2e-4,
β = (0.5, 0.999), n_dis 1, EMA 0.995 from step 200, **batch 32**, **10,000** steps on CIFAR-10 and
**20,000** on Fashion-MNIST (a 28×28 grey step costs about half to two thirds of a colour 32×32 one:
in 600 training CPU-seconds ACGAN took 21,365 steps there against 11,295 on CIFAR-10, ReACGAN 17,135
against 10,410; seed 0 — so 20,000 steps take about 9.4 / 11.7 CPU-minutes), G, D and the real
batches in NHWC memory layout (``channels_last``: fp32 rounding only) and **bfloat16 autocast
where the CPU has bf16 instructions** (``amp_cpu="auto"``: AVX512-BF16 or AMX; fp32 elsewhere,
where the same steps take ≈ 1.4× the CPU time).

How it was chosen: ``benchmarks/preset_search.py`` (records in
``benchmarks/results/preset-search.jsonl``, table ``preset-search.md``, figure
``preset-search-screen.png``) trains candidates that spend the **same CPU time** differently —
each run stops when its training has used the budget, whatever number of steps that buys — and
scores them with the offline classifier (accuracy ratio, Fréchet distance in its features,
within-class feature diversity) and the within-class pixel spread. Screen: the twelve screen
candidates, seed 0, both heads, 3 CPU-minutes (one seed; base and nhwc, which differ only by fp32
rounding and 1–2 % more steps, differed by 0.08 in ACGAN's accuracy ratio and 0.7 in its Fréchet
distance). Among the first nine to run, the levers that buy steps had the best ACGAN Fréchet
distances and accuracy ratios — batch 32 (2,720 / 2,520 steps for ACGAN / ReACGAN; Fréchet 22.8 /
27.3 against the former preset's 31.4 / 35.8) and NHWC + bf16 (2,305 / 2,165 steps; 25.0 / 30.4).
Two of the last three, levers that change what G draws or D sees, beat both on Fréchet distance:
DiffAugment translation + cutout (16.2 / 14.8) and nearest-neighbour upsampling in G (18.5 / 13.3).
Widening G and D (48) or D alone (64) and n_dis 2 scored worse than the former preset; TTUR was
worse on ACGAN and level on ReACGAN; a slower EMA (0.999) had a lower Fréchet distance (29.8 / 28.5) but a lower accuracy
ratio and diversity; the small ResNet reached only 300 steps (Fréchet 23.1 / 25.2, accuracy ratio
0.18 / 0.15, feature diversity 0.91 / 1.03). The pair to confirm was picked when nine of the twelve
had run, before nearest and DiffAugment had; its combinations with those two were then confirmed
beside it under a rule declared before their first results (Fréchet gain over the pair, Welch 90 %
intervals, margin 1.5, Holm; the preset changes only for a candidate better on both heads that
meets every target the pair meets, or one meeting every target where the pair misses one).
Confirmation, seeds 0–2, both heads, 10 CPU-minutes (10,000–12,300 steps: the preset's fixed 10,000
stop a little earlier), 2,000 samples each — means (ACGAN / ReACGAN):

* batch 32 + NHWC + bf16 (**the preset**): 11,823 / 10,950 steps, accuracy ratio 1.03 / 0.91
  (lowest seed 0.95 / 0.90), Fréchet 7.2 / 6.4, feature diversity 0.794 / 0.788, pixel spread
  0.84 / 0.85 of real;
* with nearest-neighbour upsampling in G: Fréchet 4.6 / 4.6, diversity 0.773 / 0.773 — better
  Fréchet on ReACGAN by the rule, inconclusive on ACGAN after Holm (interval [+0.75, +4.47]);
* with DiffAugment: Fréchet 6.1 / 5.2, diversity 0.695 / 0.732 — inconclusive on both heads.

So the pair stays. The former preset's old-rules claim means were Fréchet 31.2 (ACGAN) and 26.0
(ReACGAN), with its collapsed generator. Targets: accuracy ratio ≥ 0.80 with no seed below 0.65,
Fréchet ≤ 15.6 / 13 and pixel spread ≥ 0.6 hold on every seed; **feature diversity ≥ 0.80 is
missed** by every confirmed candidate (the preset is closest, 0.79; DiffAugment clearly trades
diversity for Fréchet distance, nearest's lower diversity is within the seeds' noise). On
Fashion-MNIST (600 CPU-seconds, means of seeds 0–2) every target holds on every seed: Fréchet 3.6 /
4.2 against the target 10.2 / 10.1, accuracy ratio 1.07 / 1.05, diversity 0.84 / 0.86, pixel spread
0.84 / 0.81. The table, figures and per-class grids:
``benchmarks/results/preset-search.md``.

**The collapse** (issue 20; CIFAR-10, seed 0, one thread, short runs made with
``benchmarks/collapse_probes.py``, whose output is ``benchmarks/results/collapse-probes.jsonl``):
with the class embedding concatenated to z at G's first linear layer (``g_seed_label=True``,
the cpu preset until this change), every sample of a class was the same image — within-class
pixel spread ≈ 0.12–0.14 of the real one from step 150 on, for both heads and with no
auxiliary loss at all (λ = 0), whether D used the hinge loss with spectral norm or the
non-saturating loss without it. Controlled 600-step runs (non-saturating loss, no SN, λ = 0):

* unconditional DCGAN generator: 0.13 at step 150, then 0.26 → 0.54 → **0.85** (it escapes);
* the conditional G as it was (embedding at the seed + per-class BN): 0.14 throughout;
* per-class BN tables frozen, embedding kept: 0.13 throughout — the embedding alone does it;
* embedding removed, per-class BN kept: 0.11 → 0.16 → 0.22 → **0.55** (it escapes);
* z fed to every batch norm as well (``g_bn_cond="class+z"``, BigGAN-deep's choice): 0.36 →
  0.25 (better early, still falling).

Reading: the seed layer's batch norm divides each channel by its spread over a batch of mixed
classes; once the class embedding's between-class differences dominate that spread, z's
share after the division is small, G's gradient for using z is small too, and the collapse
is never undone. With the label entering only through the (per-class) batch norms, the first
normalisation sees z alone. The cpu and smoke presets now use ``g_seed_label=False``; on the
preset itself (hinge, SN in D, ACGAN's λ = 1) that gave 0.52 → 0.67 → 0.71 → 0.67 of real at
steps 300–1200 (the ten probes with the embedding at the seed layer ended at 0.12–0.25). ``tests/test_collapse.py`` guards it. The capstone
claims in ``results/`` were run with the old generator and are marked as made under the old
rules; they are to be rerun on this preset.

Parameter counts: :func:`reference_parameter_counts` computes the reference model's
counts from the layer list of ``big_resnet.py`` (arithmetic on the layer shapes, not
a number copied from a log: the StudioGAN README gives none), and
:func:`parameter_report` prints ours next to them.

**Ablation switches** (the ReACGAN paper's ablation): ``aux_loss`` picks the auxiliary
loss by name — ``"ce"`` (ACGAN), ``"ce-normalized"`` (features and proxies on the unit
sphere, plain CE over classes, Eq. 4), ``"d2d-ce-nomargin"`` (D2D-CE with the clamps
removed, Eq. 5), ``"d2d-ce"`` (Eq. 6, ReACGAN). ``get_recipe("reacgan-cifar10", "cpu",
aux_loss="ce-normalized")`` builds that variant; λ stays the recipe's (0.5 for the
``reacgan-*`` recipes, 1.0 for ``acgan-*``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from torch import nn

from .data import ImageSet, load_images
from .losses import AUX_LOSSES, check_aux_loss
from .models import CondDCDiscriminator, CondDCGenerator, ResNetDiscriminator, ResNetGenerator, count_parameters
from .train import TrainConfig

__all__ = ["Recipe", "RECIPES", "PRESETS", "AUX_LOSSES", "get_recipe", "reference_parameter_counts", "parameter_report"]

RECIPES = ("acgan-cifar10", "acgan-fmnist", "reacgan-cifar10", "reacgan-fmnist")
PRESETS = ("smoke", "cpu", "gpu")


@dataclass(frozen=True)
class Recipe:
    """Models + data + training settings of one run."""

    name: str
    preset: str
    dataset: str  # "cifar10" | "fmnist"
    head: str  # "acgan" | "reacgan": the recipe family (sets λ and the default aux_loss)
    arch: str  # "dcgan" | "resnet"
    z_dim: int
    g_width: int
    d_width: int
    g_depth: int
    d_depth: int
    embed_dim: int
    sn_g: bool
    sn_d: bool
    train: dict = field(default_factory=dict)  # TrainConfig fields
    data_limit: int | None = None
    # BigGAN options of the ResNet models (the defaults keep the plain SN-GAN-style pair)
    g_attn: tuple = ()  # self-attention after these G blocks (1-based)
    d_attn: tuple = ()  # self-attention after these D blocks (1-based)
    shared_dim: int = 0  # shared class embedding + hierarchical z in G (0: off)
    init: str = "default"  # "default" | "ortho"
    sn_embedding: bool = False  # spectral norm on D's proxy table too
    aux_loss: str | None = None  # one of AUX_LOSSES; None: "ce" for acgan, "d2d-ce" for reacgan
    g_upsample: str = "deconv"  # DCGAN generator's ×2 stages: "deconv" (4×4 transposed conv) or "nearest" (+ 3×3 conv)
    g_seed_label: bool = True  # DCGAN generator: class embedding concatenated to z at the first linear layer
    g_bn_cond: str = "class"  # DCGAN generator's batch norms: "class" (γ_y, β_y tables) or "class+z" (gain/shift linear in [embed(y), z])

    def __post_init__(self):
        if self.head not in ("acgan", "reacgan"):
            raise ValueError(f"head must be 'acgan' or 'reacgan' (the recipe family), got {self.head!r}")
        if self.arch not in ("dcgan", "resnet"):
            raise ValueError(f"arch must be 'dcgan' or 'resnet', got {self.arch!r}")
        if self.aux_loss is None:
            object.__setattr__(self, "aux_loss", "ce" if self.head == "acgan" else "d2d-ce")
        check_aux_loss(self.aux_loss)
        object.__setattr__(self, "g_attn", tuple(self.g_attn))
        object.__setattr__(self, "d_attn", tuple(self.d_attn))
        if self.arch == "resnet" and (self.g_upsample != "deconv" or self.g_bn_cond != "class" or not self.g_seed_label):
            raise ValueError("g_upsample, g_bn_cond and g_seed_label are options of the dcgan arch only (the ResNet generator has shared_dim)")
        if self.arch == "dcgan" and (self.g_attn or self.d_attn or self.shared_dim or self.init != "default" or self.sn_embedding):
            raise ValueError("attention, shared_dim, init and sn_embedding are options of the resnet arch only")

    @property
    def img_shape(self) -> tuple[int, int, int]:
        return (1, 28, 28) if self.dataset == "fmnist" else (3, 32, 32)

    @property
    def d_head(self) -> str:
        """The discriminator head the auxiliary loss needs ("acgan", "ce-normalized" or "reacgan")."""
        return AUX_LOSSES[self.aux_loss]["head"]

    def build(self) -> tuple[nn.Module, nn.Module]:
        """Fresh (G, D) as the recipe says (seed torch first for a reproducible init)."""
        c, s, _ = self.img_shape
        tau = float(self.train.get("d2d", {}).get("tau", 0.5))
        if self.arch == "dcgan":
            G = CondDCGenerator(self.z_dim, 10, s, c, self.g_width, self.g_depth, spectral_norm=self.sn_g, upsample=self.g_upsample,
                                bn_cond=self.g_bn_cond, seed_label=self.g_seed_label)
            D = CondDCDiscriminator(s, c, self.d_width, 10, self.d_head, self.embed_dim, self.d_depth, spectral_norm=self.sn_d, tau=tau)
        else:
            G = ResNetGenerator(self.z_dim, 10, s, c, self.g_width, self.g_depth, spectral_norm=self.sn_g,
                                attention=self.g_attn, shared_dim=self.shared_dim, init=self.init)
            D = ResNetDiscriminator(s, c, self.d_width, 10, self.d_head, self.embed_dim, self.d_depth, spectral_norm=self.sn_d,
                                    attention=self.d_attn, init=self.init, sn_embedding=self.sn_embedding, tau=tau)
        return G, D

    def config(self, **overrides) -> TrainConfig:
        """The TrainConfig of this recipe, with any field overridden.

        ``aux_loss="d2d-ce-nomargin"`` sets the D2D-CE margins to None (no clamps, Eq. 5)
        unless ``d2d`` is overridden explicitly.
        """
        train = dict(self.train)
        if self.aux_loss == "d2d-ce-nomargin" and "d2d" in train:
            train["d2d"] = {**train["d2d"], "m_p": None, "m_n": None}
        return TrainConfig(**{**train, **overrides})

    def load_data(self, path: str | None = None, split: str = "train") -> ImageSet:
        return load_images(self.dataset, split, path=path, limit=self.data_limit if split == "train" else None)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


_D2D = {"m_p": 0.98, "m_n": 0.02, "tau": 0.5}


def _preset(dataset: str, head: str, preset: str) -> Recipe:
    aux = 0.5 if head == "reacgan" else 1.0
    common = dict(name=f"{head}-{dataset}", preset=preset, dataset=dataset, head=head)
    if preset == "gpu":
        # Fashion-MNIST has no reference configuration: the same design at 28×28, where G has two
        # up-blocks (7→14→28), so z 90 = 3 chunks of 30 and G's attention sits after block 1 (14×14)
        cifar = dataset == "cifar10"
        return Recipe(
            **common, arch="resnet", z_dim=80 if cifar else 90, g_width=384 if cifar else 256, d_width=192 if cifar else 128,
            g_depth=1, d_depth=2, embed_dim=512, sn_g=True, sn_d=True,
            g_attn=(2,) if cifar else (1,), d_attn=(1,), shared_dim=128, init="ortho", sn_embedding=True,
            train=dict(steps=100_000, n_dis=5, batch_size=128, lr_g=2.8284e-4, lr_d=2.8284e-4, betas=(0.5, 0.999), loss="hinge",
                       ema=0.9999, ema_start=1000, aux_weight=aux, d2d=dict(_D2D), amp=False,
                       log_every=100, sample_every=2000, ckpt_every=2000),
        )
    if preset == "cpu":  # DCGAN-size, sized for about 10 minutes of one CPU thread (see "The cpu preset" above)
        return Recipe(
            **common, arch="dcgan", z_dim=64, g_width=32, d_width=32, g_depth=0, d_depth=0, embed_dim=128, sn_g=False, sn_d=True,
            g_seed_label=False,  # the label enters G through its batch norms only (see "The collapse" above)
            # ten CPU-minutes on either data set: a 28×28 grey step costs about half a 32×32 colour one
            train=dict(steps=10_000 if dataset == "cifar10" else 20_000, n_dis=1, batch_size=32, lr_g=2e-4, lr_d=2e-4,
                       betas=(0.5, 0.999), loss="hinge", ema=0.995,
                       ema_start=200, aux_weight=aux, d2d=dict(_D2D), log_every=50, sample_every=1000, ckpt_every=1000,
                       channels_last=True, amp_cpu="auto"),  # the preset search's winner (see "The cpu preset" above)
        )
    if preset == "smoke":
        return Recipe(
            **common, arch="dcgan", z_dim=16, g_width=8, d_width=8, g_depth=0, d_depth=0, embed_dim=16, sn_g=False, sn_d=True,
            g_seed_label=False,
            train=dict(steps=3, n_dis=1, batch_size=16, loss="hinge", ema=0.9, aux_weight=aux, d2d=dict(_D2D), log_every=1, ckpt_every=2),
            data_limit=256,
        )
    raise ValueError(f"unknown preset {preset!r}: allowed are {', '.join(PRESETS)}")


_RECIPE_FIELDS = {f.name for f in dataclasses.fields(Recipe)} - {"name", "preset", "dataset", "head", "train"}
_TRAIN_FIELDS = {f.name for f in dataclasses.fields(TrainConfig)}


def get_recipe(name: str, preset: str = "cpu", **overrides) -> Recipe:
    """A recipe by name (``acgan-cifar10``, ``acgan-fmnist``, ``reacgan-cifar10``, ``reacgan-fmnist``) and preset.

    ``overrides`` replace recipe fields (e.g. ``aux_loss="ce-normalized"`` for an ablation
    step, ``d_width=64``) or TrainConfig fields kept in ``recipe.train`` (e.g. ``amp=True``,
    ``steps=500``).
    """
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}: allowed are {', '.join(RECIPES)}")
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}: allowed are {', '.join(PRESETS)}")
    head, dataset = name.split("-")
    recipe = _preset(dataset, head, preset)
    unknown = set(overrides) - _RECIPE_FIELDS - _TRAIN_FIELDS
    if unknown:
        raise ValueError(f"unknown override(s) {sorted(unknown)}: allowed are recipe fields {sorted(_RECIPE_FIELDS)} "
                         f"or TrainConfig fields {sorted(_TRAIN_FIELDS)}")
    fields = {k: v for k, v in overrides.items() if k in _RECIPE_FIELDS}
    train = {k: v for k, v in overrides.items() if k in _TRAIN_FIELDS and k not in _RECIPE_FIELDS}
    if train:
        fields["train"] = {**recipe.train, **train}
    return dataclasses.replace(recipe, **fields) if fields else recipe


def reference_parameter_counts(g_conv_dim: int = 96, d_conv_dim: int = 96, z_dim: int = 80, shared_dim: int = 128,
                               embed_dim: int = 512, num_classes: int = 10, head: str = "reacgan") -> dict[str, int]:
    """Trainable parameters of StudioGAN's ``big_resnet`` pair at 32×32, by arithmetic on its layer list.

    Written from ``src/models/big_resnet.py`` and ``src/utils/ops.py`` (not by building our
    models): G = linear seed (z chunk → 4·4·C, bias) + shared embedding + 3 GenBlocks (two
    BigGAN CBNs of two bias-free linears each, 1×1 shortcut, two 3×3 convs, all convs with
    bias) + SelfAttention(C) + final BN (affine) + 3×3 conv to RGB; D = optimised first block
    (1×1, two 3×3) + one down block with 1×1 shortcut + two plain blocks + SelfAttention(W)
    + adversarial linear (bias) + for D2D-CE a projection (bias) and a proxy embedding, for
    ACGAN a bias-free linear classifier. Spectral norm adds buffers, not parameters.
    """
    C, W = 4 * g_conv_dim, 2 * d_conv_dim
    blocks = 3
    chunk = z_dim // (blocks + 1)
    cond = chunk + shared_dim

    def conv(cin, cout, k, bias=True):
        return cin * cout * k * k + (cout if bias else 0)

    def attn(c):
        return 2 * conv(c, c // 8, 1, False) + conv(c, c // 2, 1, False) + conv(c // 2, c, 1, False) + 1

    g = chunk * C * 16 + C * 16 + num_classes * shared_dim
    g += blocks * (4 * cond * C + conv(C, C, 1) + 2 * conv(C, C, 3))
    g += attn(C) + 2 * C + conv(C, 3, 3)
    d = conv(3, W, 1) + conv(3, W, 3) + conv(W, W, 3)  # optimised block
    d += conv(W, W, 1) + 2 * conv(W, W, 3)  # down block
    d += 2 * (2 * conv(W, W, 3))  # two blocks without shortcut conv
    d += attn(W) + (W + 1)
    d += (W * embed_dim + embed_dim + num_classes * embed_dim) if head == "reacgan" else W * num_classes
    return {"G": g, "D": d}


def parameter_report(recipe: Recipe) -> str:
    """Our G and D parameter counts for ``recipe`` next to the reference's (gpu preset of cifar10 only)."""
    G, D = recipe.build()
    ours = {"G": count_parameters(G), "D": count_parameters(D)}
    lines = [f"{recipe.name} [{recipe.preset}, aux_loss={recipe.aux_loss}]"]
    ref = None
    if recipe.preset == "gpu" and recipe.dataset == "cifar10" and recipe.aux_loss in ("ce", "d2d-ce", "d2d-ce-nomargin"):
        ref = reference_parameter_counts(head="acgan" if recipe.aux_loss == "ce" else "reacgan")
    for k in ("G", "D"):
        line = f"  {k}: {ours[k]:>11,d} parameters"
        if ref is not None:
            diff = ours[k] - ref[k]
            line += f"   StudioGAN big_resnet (computed from its layer list): {ref[k]:>11,d}   difference {diff:+,d}"
        lines.append(line)
    return "\n".join(lines)
