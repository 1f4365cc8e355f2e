"""Lesson 05 exercises: mode-coverage metrics and the arena (hidden reference solutions)."""

from __future__ import annotations

import math

import torch

from gantutor.checks import exercise
from gantutor.toy import ToyGAN, mode_coverage, ring


@exercise(
    "05.high-quality",
    "A perfect generator samples exactly from the 8-Gaussian ring. What fraction of its samples "
    "counts as 'high quality' (within 3·std of the nearest center), in the limit of many samples? "
    "Give the exact value as a float.",
    check=lambda ans: abs(float(ans) - (1.0 - math.exp(-4.5))) < 1e-4,
    hint="‖x − μ‖²/σ² for a 2-D isotropic Gaussian is χ² with 2 degrees of freedom, "
    "so P(‖x − μ‖ < rσ) = 1 − exp(−r²/2). (Neighbouring modes are "
    f"{2 * 2.0 * math.sin(math.pi / 8) / 0.02:.1f}σ apart: the nearest center is the right one.)",
    explanation="So even perfect samples score about 98.9 % high quality, never 100 %.",
)
def high_quality_fraction() -> float:
    # Monte-Carlo check of the closed form, then the closed form itself
    m = ring()
    mc = mode_coverage(m.sample(200_000, torch.Generator().manual_seed(0)), m)["high_quality"]
    exact = 1.0 - math.exp(-(3.0**2) / 2)
    assert abs(mc - exact) < 2e-3
    return exact


def _partial_rkl() -> float:
    q = [0.5, 1 / 6, 1 / 6, 1 / 6]
    return sum(p * math.log(p * 8) for p in q)


@exercise(
    "05.reverse-kl",
    "On the 8-ring, a generator puts half of its high-quality samples on one mode and the other half "
    "equally on three other modes. What is its reverse_kl (natural log)? Build such samples and use "
    "gantutor.toy.mode_coverage, or compute it by hand.",
    check=lambda ans: abs(float(ans) - _partial_rkl()) < 1e-4,
    hint="reverse_kl = Σ_k q_k log(q_k·K) over the modes with q_k > 0; here K = 8.",
    explanation="It lies between 0 (all 8 modes equally) and log 8 ≈ 2.08 (one mode).",
)
def partial_reverse_kl() -> float:
    m = ring()
    c = m.centers
    samples = torch.cat([c[0].repeat(6, 1), c[1].repeat(2, 1), c[2].repeat(2, 1), c[3].repeat(2, 1)])
    return mode_coverage(samples, m)["reverse_kl"]


def _check_ns_setting(ans) -> bool:
    """The rules stated in the exercise text, in the same words."""
    if not isinstance(ans, dict):
        raise AssertionError("answer with a dict of ToyGAN settings plus 'steps', e.g. {'width': 64, 'batch_size': 128, 'lr_d': 2e-3, 'steps': 300}")
    settings = dict(ans)
    steps = settings.pop("steps", None)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 300:
        raise AssertionError(f"give 'steps' as an integer from 1 to 300 (the checker trains it), got {steps!r}")
    for fixed in ("data", "loss", "seeds"):
        if fixed in settings:
            raise AssertionError(f"'{fixed}' is fixed by the exercise (ring, nonsaturating, seeds 0-3); leave it out")
    for key, limit in (("width", 64), ("batch_size", 128)):
        if key not in settings:
            raise AssertionError(f"give '{key}' (at most {limit}): ToyGAN's default is larger than the exercise allows")
        if not isinstance(settings[key], int) or not 1 <= settings[key] <= limit:
            raise AssertionError(f"'{key}' must be an integer from 1 to {limit}, got {settings[key]!r}")
    if settings.get("n_dis", 1) > 3:
        raise AssertionError(f"'n_dis' must be at most 3, got {settings['n_dis']!r}")
    gan = ToyGAN("ring", "nonsaturating", seeds=[0, 1, 2, 3], **settings)
    gan.step(steps)
    cov = gan.coverage(2500)
    modes, hq = float(cov["modes"].mean()), float(cov["high_quality"].mean())
    if modes < 7.5 or hq < 0.03:
        raise AssertionError(f"over seeds 0-3 this setting covers {modes:.2f}/8 modes on average with {hq:.1%} "
                             "high-quality samples (need a mean of >= 7.5 modes and >= 3 % high quality)")
    return True


@exercise(
    "05.ns-all-modes",
    "Find a setting where the non-saturating GAN covers (nearly) all 8 modes of the ring within 300 steps. Answer with a "
    "dict of gantutor.toy.ToyGAN keyword arguments plus 'steps' (an integer from 1 to 300). 'width' (<= 64) and "
    "'batch_size' (<= 128) must be given (ToyGAN's defaults are larger); 'n_dis' <= 3; 'data', 'loss' and 'seeds' are "
    "fixed (ring, nonsaturating, seeds 0-3) and may not appear. The checker trains seeds 0-3 together for 'steps' "
    "iterations, draws 2,500 samples per seed and passes when the mean number of covered modes is >= 7.5 and the mean "
    "high-quality fraction is >= 3 %.",
    check=_check_ns_setting,
    hint="Use the playground: watch which knob stops the fakes from piling onto a few modes — "
    "a discriminator that learns faster than the generator (higher lr_d, more D steps per G step).",
)
def ns_all_modes() -> dict:
    return {"width": 64, "batch_size": 128, "lr_g": 1e-3, "lr_d": 3e-3, "n_dis": 2, "steps": 300}


_COVER_CASES = (("ring", 1), ("ring", 2), ("ring", 3), ("ring", 5), ("ring", 8), ("grid", 1), ("grid", 5), ("grid", 25))


def _cover_rkl(data: str, m: int) -> float:
    """reverse_kl measured by gantutor.toy.mode_coverage on samples placed in equal numbers on the first m centres."""
    from gantutor.toy import get_mixture

    mix = get_mixture(data)
    samples = mix.centers[:m].repeat_interleave(6, dim=0)
    return mode_coverage(samples, mix)["reverse_kl"]


def _check_partial_cover(f) -> bool:
    if not callable(f):
        raise AssertionError("answer with a function f(m, K) that returns the reverse KL as a float")
    for data, m in _COVER_CASES:
        K = 8 if data == "ring" else 25
        value = f(m, K)
        if value is None:
            raise AssertionError(f"f({m}, {K}) returned None: write the formula")
        expected = _cover_rkl(data, m)
        if not abs(float(value) - expected) < 1e-6:
            raise AssertionError(f"f({m}, {K}) = {float(value):.6g}, but mode_coverage measures {expected:.6g}")
    return True


@exercise(
    "05.rkl-partial-cover",
    "A generator puts its high-quality samples in equal shares on m of the K modes and on no other mode. Derive its "
    "reverse KL (natural log) as a function of m and K and answer with a Python function f(m, K) returning a float. The "
    "checker compares f(m, K) with gantutor.toy.mode_coverage on samples placed in equal numbers on the first m centres "
    "of the ring (K = 8; m = 1, 2, 3, 5, 8) and of the grid (K = 25; m = 1, 5, 25), and accepts when all eight agree "
    "within 1e-6.",
    check=_check_partial_cover,
    hint="Each covered mode has q_k = 1/m and every other q_k = 0; put that into Σ_k q_k log(q_k·K).",
    explanation="Σ_k (1/m)·log(K/m) over the m covered modes = log(K/m): 0 for a full cover, log K for one mode. "
    "It depends only on how many modes are used, so reverse KL alone cannot tell 'few modes, evenly' from "
    "'all modes, unevenly' at the same value — read it together with `modes`.",
)
def rkl_partial_cover():
    # derivation: q_k = 1/m on the m covered modes, 0 elsewhere (0·log 0 = 0), so
    # Σ_k q_k log(q_k K) = m · (1/m) · log(K/m) = log(K/m)
    return lambda m, K: math.log(K / m)
