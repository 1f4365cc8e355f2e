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
    if not isinstance(ans, dict):
        raise AssertionError("answer with a dict of ToyGAN settings plus 'steps', e.g. {'lr_d': 2e-3, 'steps': 300}")
    settings = dict(ans)
    steps = int(settings.pop("steps", 0))
    if not 1 <= steps <= 300:
        raise AssertionError(f"give 'steps' between 1 and 300 (the checker trains it), got {steps}")
    for fixed in ("data", "loss", "seeds"):
        if fixed in settings:
            raise AssertionError(f"'{fixed}' is fixed by the exercise (ring, nonsaturating, seeds 0-3); leave it out")
    if settings.get("width", 128) > 64 or settings.get("batch_size", 256) > 128 or settings.get("n_dis", 1) > 3:
        raise AssertionError("keep width <= 64, batch_size <= 128 and n_dis <= 3 so the check stays fast")
    gan = ToyGAN("ring", "nonsaturating", seeds=[0, 1, 2, 3], **settings)
    gan.step(steps)
    cov = gan.coverage(2500)
    modes, hq = float(cov["modes"].mean()), float(cov["high_quality"].mean())
    if modes < 7.5 or hq < 0.03:
        raise AssertionError(f"over seeds 0-3 this setting covers {modes:.2f}/8 modes on average with {hq:.1%} "
                             "high-quality samples (need >= 7.5 and >= 3 %)")
    return True


@exercise(
    "05.ns-all-modes",
    "Find a setting where the non-saturating GAN covers (nearly) all 8 modes of the ring within 300 steps: "
    "answer with a dict of gantutor.toy.ToyGAN keyword arguments plus 'steps' (<= 300; width <= 64, "
    "batch_size <= 128, n_dis <= 3). The checker trains seeds 0-3 together and needs >= 7.5 modes on "
    "average and >= 3 % high-quality samples.",
    check=_check_ns_setting,
    hint="Use the playground: watch which knob stops the fakes from piling onto a few modes — "
    "a discriminator that learns faster than the generator (higher lr_d, more D steps per G step).",
)
def ns_all_modes() -> dict:
    return {"width": 64, "batch_size": 128, "lr_g": 1e-3, "lr_d": 3e-3, "n_dis": 2, "steps": 300}
