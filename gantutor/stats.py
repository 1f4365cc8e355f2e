"""The statistics behind every verdict of the course, small enough to read in one sitting.

A claim from a paper says that some effect θ is there ("the non-saturating loss gives a
stronger gradient", "ReACGAN's Fréchet distance is lower than ACGAN's"). We measure θ over
several seeds and compute an interval for it. Before any run the claim fixes a **margin**
δ > 0: the smallest θ that the paper's sentence needs (in the metric's own units). Then
there are three verdicts, and each is a one-sided test at the same level α = 5 %:

* ``not reproduced`` — we can say θ < δ (the upper one-sided 95 % bound lies below δ):
  the effect, if there is one, is smaller than what the claim needs. This includes the
  opposite direction (θ < 0) and "a real but too small effect" (0 < θ < δ).
* ``reproduced``     — not the above, and we can say θ > 0 (the lower one-sided 95 % bound
  lies above 0): the effect is there in the paper's direction and not shown to be too small.
* ``inconclusive``   — neither: the interval is too wide to say.

The two one-sided 95 % bounds are the ends of one two-sided **90 %** interval; that is why
every interval here that feeds a verdict is a 90 % interval (``VERDICT_LEVEL``). Both
verdicts are tests at 5 %: the rule is symmetric — saying "no" is as hard as saying "yes".
(This is the "two one-sided tests" idea of equivalence testing: Schuirmann 1987.)

With several comparisons in one claim (five settings, three steps of an ablation), each
test is made at a smaller level with **Holm's** step-down correction (Holm 1979), separately
for the "above 0" family and the "below δ" family, so that each kind of verdict keeps its
5 % error over the whole claim.

Counts (how many of 10 runs succeeded) are compared with an **exact** test: Fisher's (the
hypergeometric distribution of the table given its margins) or Boschloo's (more powerful,
it uses Fisher's p-value as its statistic), both from scipy.

Everything returns plain dicts and floats; nothing here imports torch.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

__all__ = ["ALPHA", "VERDICT_LEVEL", "VERDICTS", "mean_interval", "welch", "paired", "verdict", "holm",
           "holm_verdicts", "holm_p_values", "verdict_from_p", "p_values", "format_p", "proportion", "exact_test", "newcombe", "count_verdict", "MEANING"]

ALPHA = 0.05                      # the error rate of each one-sided test
VERDICT_LEVEL = 1 - 2 * ALPHA     # 0.90: the two-sided interval whose two ends are the one-sided 95 % bounds
VERDICTS = ("reproduced", "not reproduced", "inconclusive")
MEANING = {
    "reproduced": "the effect is there in the paper's direction (one-sided 95 % bound above 0) and not shown smaller "
                  "than the margin",
    "not reproduced": "the effect, if any, is smaller than the margin the claim needs (one-sided 95 % bound below "
                      "the margin): too small, absent or reversed",
    "inconclusive": "the interval reaches both below 0 and above the margin: these seeds cannot decide",
}


def _floats(values: Iterable[float], what: str) -> list[float]:
    xs = [float(v) for v in values]
    bad = [v for v in xs if not math.isfinite(v)]
    if bad:
        raise ValueError(f"{what}: values must be finite numbers, got {bad[:3]}")
    return xs


def _mean_var(xs: Sequence[float]) -> tuple[float, float]:
    n = len(xs)
    m = sum(xs) / n
    return m, (sum((x - m) ** 2 for x in xs) / (n - 1) if n > 1 else math.nan)


def _t_result(diff: float, se: float, dof: float, level: float, **extra) -> dict[str, float]:
    """Interval and the two one-sided p-values of a t statistic (``se == 0``: the difference is exact)."""
    from scipy import stats

    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if se == 0:
        return {**extra, "diff": diff, "se": 0.0, "dof": dof, "level": level, "lo": diff, "hi": diff}
    half = float(stats.t.ppf(0.5 + level / 2, dof)) * se
    return {**extra, "diff": diff, "se": se, "dof": dof, "level": level, "lo": diff - half, "hi": diff + half}


def mean_interval(values: Iterable[float], level: float = VERDICT_LEVEL) -> dict[str, float]:
    """Mean of ``values`` with a Student-t interval: ``{n, diff, sd, se, dof, level, lo, hi}``.

    ``diff`` is the mean (the name every interval here shares, so :func:`verdict` reads any of
    them). One value gives an infinite interval: one run is an anecdote, not a measurement.
    """
    xs = _floats(values, "mean_interval")
    if not xs:
        raise ValueError("mean_interval: no values")
    m, var = _mean_var(xs)
    if len(xs) == 1:
        return {"n": 1, "diff": m, "sd": math.nan, "se": math.inf, "dof": 0.0, "level": level,
                "lo": -math.inf, "hi": math.inf}
    sd = math.sqrt(var)
    return _t_result(m, sd / math.sqrt(len(xs)), len(xs) - 1.0, level, n=len(xs), sd=sd)


def paired(a: Sequence[float], b: Sequence[float], level: float = VERDICT_LEVEL) -> dict[str, float]:
    """Interval of the mean of ``a_i − b_i`` (the same seed measured twice): :func:`mean_interval` of the differences."""
    if len(a) != len(b):
        raise ValueError(f"paired: a and b must have the same length, got {len(a)} and {len(b)}")
    return mean_interval([x - y for x, y in zip(_floats(a, "paired a"), _floats(b, "paired b"))], level)


def welch(a: Sequence[float], b: Sequence[float], level: float = VERDICT_LEVEL) -> dict[str, float]:
    """Welch's interval for mean(a) − mean(b) (no equal-variance assumption): ``{diff, lo, hi, se, dof, n_a, n_b}``.

    The degrees of freedom are Welch–Satterthwaite's. Fewer than two values on a side give an
    infinite interval.
    """
    xa, xb = _floats(a, "welch a"), _floats(b, "welch b")
    if not xa or not xb:
        raise ValueError(f"welch: both samples need values (got {len(xa)} and {len(xb)})")
    (ma, va), (mb, vb) = _mean_var(xa), _mean_var(xb)
    extra = {"n_a": len(xa), "n_b": len(xb)}
    if len(xa) < 2 or len(xb) < 2:
        return {**extra, "diff": ma - mb, "se": math.inf, "dof": 0.0, "level": level, "lo": -math.inf, "hi": math.inf}
    qa, qb = va / len(xa), vb / len(xb)
    se2 = qa + qb
    dof = se2 ** 2 / (qa ** 2 / (len(xa) - 1) + qb ** 2 / (len(xb) - 1)) if se2 > 0 else math.inf
    return _t_result(ma - mb, math.sqrt(se2), dof, level, **extra)


def _p_above(iv: dict, bound: float) -> float:
    """One-sided p-value of H0: θ ≤ bound (small when the data say θ > bound)."""
    from scipy import stats

    if iv["se"] == 0:
        return 0.0 if iv["diff"] > bound else 1.0
    if not math.isfinite(iv["se"]):
        return 1.0
    return float(stats.t.sf((iv["diff"] - bound) / iv["se"], iv["dof"]))


def _p_below(iv: dict, bound: float) -> float:
    """One-sided p-value of H0: θ ≥ bound (small when the data say θ < bound)."""
    from scipy import stats

    if iv["se"] == 0:
        return 0.0 if iv["diff"] < bound else 1.0
    if not math.isfinite(iv["se"]):
        return 1.0
    return float(stats.t.cdf((iv["diff"] - bound) / iv["se"], iv["dof"]))


def p_values(iv: dict, margin: float) -> dict[str, float]:
    """The two one-sided p-values behind a verdict: ``effect`` (H0: θ ≤ 0) and ``small`` (H0: θ ≥ margin)."""
    return {"effect": _p_above(iv, 0.0), "small": _p_below(iv, margin)}


def verdict(iv: dict, margin: float) -> str:
    """The three-verdict rule on one interval ``iv`` (any result of this module; level 90 %).

    ``iv`` measures the effect in the paper's direction (positive = as the paper says);
    ``margin`` (> 0, same units) is the smallest effect the claim needs. See the module text.
    """
    _check_margin(margin)
    if iv.get("level", VERDICT_LEVEL) != VERDICT_LEVEL:
        raise ValueError(f"verdict: the interval must be at level {VERDICT_LEVEL} (two one-sided 5 % tests), "
                         f"got {iv.get('level')}")
    if iv["hi"] < margin:
        return "not reproduced"
    if iv["lo"] > 0:
        return "reproduced"
    return "inconclusive"


def _check_margin(margin: float) -> None:
    if not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be a finite number > 0 in the metric's units, got {margin!r}")


def format_p(p: float, alpha: float = ALPHA) -> str:
    """A p-value with 2 significant digits, more where 2 would round it across ``alpha`` (0.0496 must not read 0.05
    beside a verdict it decided); ``"no test"`` for NaN (no p-value could be computed)."""
    if not math.isfinite(p):
        return "no test"
    for digits in range(2, 9):
        s = f"{p:.{digits}g}"
        if (float(s) < alpha) == (p < alpha):
            return s
    return s


def holm(p: Sequence[float], alpha: float = ALPHA) -> list[float]:
    """Holm's step-down adjusted p-values (reject hypothesis i when the result is < ``alpha``).

    Sort the m p-values; the k-th smallest (k = 0, 1, …) is multiplied by m − k, and the
    adjusted values are made non-decreasing in that order (capped at 1). Equals
    ``statsmodels.stats.multitest.multipletests(p, method="holm")[1]``.
    """
    ps = [float(x) for x in p]
    if any(not 0 <= x <= 1 for x in ps):
        raise ValueError(f"holm: p-values must lie in [0, 1], got {ps}")
    order = sorted(range(len(ps)), key=ps.__getitem__)
    out, running = [0.0] * len(ps), 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (len(ps) - k) * ps[i]))
        out[i] = running
    return out


def holm_verdicts(intervals: Sequence[dict], margins: float | Sequence[float], alpha: float = ALPHA, *,
                  bound: bool = False) -> list[str]:
    """:func:`verdict` for several comparisons of one claim, Holm-corrected.

    For each interval the two one-sided p-values (θ > 0; θ < margin) are computed; each family
    is Holm-adjusted over the comparisons; then comparison i is ``not reproduced`` when its
    adjusted "below the margin" p < α, else ``reproduced`` when its adjusted "above 0" p < α,
    else ``inconclusive``. With one comparison this is exactly :func:`verdict`.

    ``bound=True`` allows margins of 0, for claims that are bounds ("x stays below 1 + a"):
    the effect is then written as the distance to the bound, and "not reproduced" means it is
    shown on the wrong side of it.
    """
    return [verdict_from_p(p, alpha) for p in holm_p_values(intervals, margins, alpha, bound=bound)]


def verdict_from_p(p: dict[str, float], alpha: float = ALPHA) -> str:
    """The three-verdict rule on one comparison's (adjusted) one-sided p-values ``{"effect", "small"}``."""
    return "not reproduced" if p["small"] < alpha else "reproduced" if p["effect"] < alpha else "inconclusive"


def holm_p_values(intervals: Sequence[dict], margins: float | Sequence[float], alpha: float = ALPHA, *,
                  bound: bool = False) -> list[dict[str, float]]:
    """The Holm-adjusted one-sided p-values behind :func:`holm_verdicts`, one ``{"effect", "small"}`` per
    interval (``effect``: H0 θ ≤ 0; ``small``: H0 θ ≥ margin). A comparison's 90 % interval can lie above
    0 while its adjusted ``effect`` p is still ≥ α: the interval is not corrected, the verdict is."""
    ivs = list(intervals)
    ms = [float(margins)] * len(ivs) if isinstance(margins, (int, float)) else [float(m) for m in margins]
    if len(ms) != len(ivs):
        raise ValueError(f"holm_verdicts: {len(ivs)} intervals but {len(ms)} margins")
    for m in ms:
        if not (bound and m == 0):
            _check_margin(m)
    ps = [p_values(iv, m) for iv, m in zip(ivs, ms)]
    effect, small = holm([p["effect"] for p in ps], alpha), holm([p["small"] for p in ps], alpha)
    return [{"effect": e, "small": s} for e, s in zip(effect, small)]


def proportion(successes: int, n: int, level: float = 0.95) -> dict[str, float]:
    """A success rate with its exact (Clopper–Pearson) interval: ``{k, n, rate, lo, hi}``."""
    from scipy import stats

    if not (isinstance(n, int) and n >= 1 and isinstance(successes, int) and 0 <= successes <= n):
        raise ValueError(f"proportion: need integers 0 <= successes <= n and n >= 1, got {successes}/{n}")
    ci = stats.binomtest(successes, n).proportion_ci(level, method="exact")
    return {"k": successes, "n": n, "rate": successes / n, "lo": float(ci.low), "hi": float(ci.high)}


def exact_test(k_a: int, n_a: int, k_b: int, n_b: int, method: str = "boschloo") -> dict[str, float]:
    """Exact one-sided test of "group a succeeds more often than group b" on the 2×2 table of counts.

    ``method``: ``"boschloo"`` (scipy.stats.boschloo_exact, the more powerful) or ``"fisher"``
    (scipy.stats.fisher_exact). The two groups are two independent binomial samples of sizes
    ``n_a`` and ``n_b`` (the columns of scipy's table). Returns ``{p, rate_a, rate_b, diff}``:
    p small means a's rate is higher than b's.
    """
    from scipy import stats

    for k, n, name in ((k_a, n_a, "a"), (k_b, n_b, "b")):
        if not (isinstance(n, int) and n >= 1 and isinstance(k, int) and 0 <= k <= n):
            raise ValueError(f"exact_test: group {name} needs integers 0 <= k <= n, n >= 1; got {k}/{n}")
    # one column per group, successes in the first row: scipy's Boschloo (and Barnard) treat each
    # *column* as one binomial sample of fixed size (its docs: "each column stores the binomial
    # experiment"); groups in rows would fix the success/failure totals instead and give another,
    # anti-conservative p (3/10 vs 0/10: 0.045 instead of 0.058). Fisher's p is the same either way.
    table = [[k_a, k_b], [n_a - k_a, n_b - k_b]]
    if k_a + k_b in (0, n_a + n_b):
        # all runs failed (or all succeeded): the counts carry no evidence either way, and every
        # table with these margins is the observed one, so p = 1 (scipy's Boschloo returns NaN here)
        p = 1.0
    elif method == "boschloo":
        p = float(stats.boschloo_exact(table, alternative="greater").pvalue)
    elif method == "fisher":
        p = float(stats.fisher_exact(table, alternative="greater")[1])
    else:
        raise ValueError(f"exact_test: method must be 'boschloo' or 'fisher', got {method!r}")
    return {"p": min(p, 1.0), "rate_a": k_a / n_a, "rate_b": k_b / n_b, "diff": k_a / n_a - k_b / n_b}


def count_verdict(k_a: int, n_a: int, k_b: int, n_b: int, margin: float, method: str = "boschloo") -> dict:
    """The three-verdict rule on success counts (a should succeed more often than b by at least ``margin``).

    ``reproduced``: the exact test says a's rate is higher (p < α) and the rate difference's
    upper bound is not below ``margin``; ``not reproduced``: the upper one-sided 95 % bound of
    rate_a − rate_b lies below ``margin`` (Newcombe's hybrid score interval from the two Wilson
    intervals at 90 %); ``inconclusive`` otherwise. Returns the test, the interval and the verdict.
    """
    _check_margin(margin)
    test = exact_test(k_a, n_a, k_b, n_b, method)
    lo, hi = newcombe(k_a, n_a, k_b, n_b, VERDICT_LEVEL)
    v = "not reproduced" if hi < margin else "reproduced" if test["p"] < ALPHA else "inconclusive"
    return {**test, "lo": lo, "hi": hi, "level": VERDICT_LEVEL, "margin": margin, "verdict": v}


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def newcombe(k_a: int, n_a: int, k_b: int, n_b: int, level: float = VERDICT_LEVEL) -> tuple[float, float]:
    """Newcombe's (1998, method 10) interval for rate_a − rate_b from the two Wilson score intervals."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    pa, pb = k_a / n_a, k_b / n_b
    la, ua = _wilson(k_a, n_a, z)
    lb, ub = _wilson(k_b, n_b, z)
    d = pa - pb
    return (d - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2), d + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2))
