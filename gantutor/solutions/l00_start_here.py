"""Lesson 00 exercises: how checking works (−log 4), and the primer "How this course decides":
Welch's interval by hand, why one run is an anecdote (a derivation), the three verdicts."""

from __future__ import annotations

import math

from gantutor.checks import exercise

# exercise 00.welch: two recipes' scores over their seeds (numbers made up for the exercise)
WELCH_A = (2.1, 2.9, 2.4, 3.3, 2.6)
WELCH_B = (1.8, 2.2, 1.5, 2.6)
# exercise 00.anecdote: A's true mean is DELTA higher; one run scatters with standard deviation SIGMA
DELTA, SIGMA = 0.5, 1.0
# exercise 00.verdicts: 90 % intervals of an effect measured in the paper's direction, and the margin
VERDICT_MARGIN = 1.0
VERDICT_INTERVALS = ((0.4, 2.5), (-0.3, 0.8), (-1.0, 3.0), (0.2, 0.9))
_VERDICTS = ("reproduced", "not reproduced", "inconclusive")


@exercise(
    "00.log4",
    "The minimax game of lesson 01 bottoms out at −log 4. Give its value as a float (3 decimals are enough).",
    check=lambda ans: abs(float(ans) - (-math.log(4))) < 1e-3,
    hint="It is the natural logarithm (math.log), and it is negative.",
    explanation="−log 4 ≈ −1.386: the value of the game when p_g = p_data and D = 1/2 everywhere.",
)
def log4():
    return -math.log(4)


def _welch_reference() -> tuple[float, float]:
    from scipy import stats

    ci = stats.ttest_ind(WELCH_A, WELCH_B, equal_var=False).confidence_interval(0.95)
    return float(ci.low), float(ci.high)


def _check_welch(ans) -> bool:
    try:
        lo, hi = (float(v) for v in ans)
    except (TypeError, ValueError):
        raise AssertionError("give a tuple (lo, hi) of two numbers") from None
    assert math.isfinite(lo) and math.isfinite(hi), "both ends must be finite numbers"
    ref_lo, ref_hi = _welch_reference()
    assert lo < hi, "lo comes first: the interval is (lo, hi) with lo < hi"
    centre_ok = abs((lo + hi) / 2 - (ref_lo + ref_hi) / 2) < 1e-3
    assert centre_ok, "the centre is off: it is mean(A) − mean(B)"
    assert abs(lo - ref_lo) < 1e-3 and abs(hi - ref_hi) < 1e-3, (
        "the centre is right but the width is not: check se (sample variances, ddof = 1, each divided by its own n), "
        "the Welch–Satterthwaite ν, and t at 0.975 (a 95 % two-sided interval)"
    )
    return True


@exercise(
    "00.welch",
    f"Scores over seeds: A = {list(WELCH_A)}, B = {list(WELCH_B)}. Compute the 95 % Welch interval for "
    "mean(A) − mean(B) from the formula and give it as a pair (lo, hi) (tuple or list). Accepted: two finite numbers, lo < hi, "
    "each within 0.001 of the reference.",
    check=_check_welch,
    hint="se² = s_A²/n_A + s_B²/n_B with sample variances (ddof=1); ν = se⁴ / ((s_A²/n_A)²/(n_A−1) + (s_B²/n_B)²/(n_B−1)); "
         "half-width = scipy.stats.t.ppf(0.975, ν) · se.",
    explanation="ν is not an integer here and lies between min(n_A, n_B) − 1 = 3 and n_A + n_B − 2 = 7.",
)
def welch_by_hand() -> tuple[float, float]:
    from statistics import mean, variance

    from scipy.stats import t

    qa, qb = variance(WELCH_A) / len(WELCH_A), variance(WELCH_B) / len(WELCH_B)  # s²/n, ddof = 1
    se = math.sqrt(qa + qb)
    dof = (qa + qb) ** 2 / (qa ** 2 / (len(WELCH_A) - 1) + qb ** 2 / (len(WELCH_B) - 1))
    d, half = mean(WELCH_A) - mean(WELCH_B), t.ppf(0.975, dof) * se
    return float(d - half), float(d + half)


def _anecdote() -> float:
    return 0.5 * math.erfc(DELTA / (2 * SIGMA))


def _check_anecdote(ans) -> bool:
    try:
        value = float(ans)
    except (TypeError, ValueError):
        raise AssertionError("give one probability, a float in [0, 1]") from None
    assert 0 <= value <= 1, "a probability lies in [0, 1]"
    assert abs(value - (1 - _anecdote())) > 1e-3 or abs(value - _anecdote()) < 1e-3, (
        "that is P(A beats B); the question asks for the worse recipe B beating A")
    assert abs(value - _anecdote()) < 1e-3, "not yet: what is the distribution of X_B − X_A?"
    return True


@exercise(
    "00.anecdote",
    "One run of A scores X_A ~ N(μ + Δ, σ²), one run of B scores X_B ~ N(μ, σ²), independently. Derive "
    f"P(X_B > X_A) in closed form and give its value for Δ = {DELTA}, σ = {SIGMA}. Accepted: a float within 0.001 "
    "of the exact value.",
    check=_check_anecdote,
    hint="X_B − X_A is normal too: find its mean and variance, then standardise (scipy.stats.norm.cdf or math.erfc).",
    explanation="P(X_B > X_A) = Φ(−Δ/(σ√2)) ≈ 0.362 for Δ = 0.5σ: one run each picks the worse recipe more than "
                "a third of the time, although A is better on average.",
)
def anecdote() -> float:
    """Derivation. X_B − X_A is a difference of independent normals, so it is normal with mean
    μ − (μ + Δ) = −Δ and variance σ² + σ² = 2σ². Hence
    P(X_B > X_A) = P(X_B − X_A > 0) = P(Z > Δ/(σ√2)) = Φ(−Δ/(σ√2)) = ½·erfc(Δ/(2σ)),
    with Z standard normal and Φ its distribution function (Φ(−x) = ½·erfc(x/√2))."""
    from scipy.stats import norm

    return float(norm.cdf(-DELTA / (SIGMA * math.sqrt(2))))


def _verdict(lo: float, hi: float, margin: float) -> str:
    if hi < margin:
        return "not reproduced"
    if lo > 0:
        return "reproduced"
    return "inconclusive"


def _check_verdicts(ans) -> bool:
    if isinstance(ans, str) or not hasattr(ans, "__len__") or len(ans) != len(VERDICT_INTERVALS):
        raise AssertionError(f"give a list of {len(VERDICT_INTERVALS)} strings, one verdict per interval, in order")
    given = [str(v).strip().lower() for v in ans]
    unknown = [v for v in given if v not in _VERDICTS]
    assert not unknown, f"{unknown} is not a verdict; use {', '.join(repr(v) for v in _VERDICTS)}"
    wrong = [i + 1 for i, (v, (lo, hi)) in enumerate(zip(given, VERDICT_INTERVALS)) if v != _verdict(lo, hi, VERDICT_MARGIN)]
    assert not wrong, f"interval(s) {wrong} not yet"
    return True


@exercise(
    "00.verdicts",
    f"Margin δ = {VERDICT_MARGIN}. Four 90 % intervals of an effect measured in the paper's direction: "
    f"{', '.join(f'[{lo}, {hi}]' for lo, hi in VERDICT_INTERVALS)}. Give their verdicts as a list (or tuple) of four strings. "
    "Accepted: exactly 'reproduced', 'not reproduced' or 'inconclusive' (case and surrounding spaces ignored), in order.",
    check=_check_verdicts,
    hint="'not reproduced' when the whole interval lies below δ; otherwise 'reproduced' when it lies above 0; "
         "otherwise 'inconclusive'.",
    explanation="The last interval is above 0 and below δ at once: a real effect, too small for the claim — "
                "not reproduced.",
)
def verdicts() -> list[str]:
    return [_verdict(lo, hi, VERDICT_MARGIN) for lo, hi in VERDICT_INTERVALS]
