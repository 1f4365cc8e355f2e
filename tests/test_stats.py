"""gantutor.stats against scipy, and each verdict on constructed data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from gantutor import stats as S


def test_mean_interval_matches_scipy():
    xs = [1.0, 2.0, 4.0, 7.0, 3.5]
    iv = S.mean_interval(xs)
    ci = stats.ttest_1samp(xs, 0.0).confidence_interval(0.90)
    assert iv["level"] == 0.90 and iv["n"] == 5 and iv["diff"] == pytest.approx(np.mean(xs))
    assert (iv["lo"], iv["hi"]) == pytest.approx((ci.low, ci.high))
    one = S.mean_interval([3.0])
    assert one["lo"] == -math.inf and one["hi"] == math.inf
    with pytest.raises(ValueError, match="no values"):
        S.mean_interval([])
    with pytest.raises(ValueError, match="finite"):
        S.mean_interval([1.0, float("nan")])


def test_welch_and_paired_match_scipy():
    a, b = [8.0, 6.5, 7.0, 9.1], [1.0, 2.5, 1.2]
    w = S.welch(a, b, level=0.95)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (w["lo"], w["hi"]) == pytest.approx((ci.low, ci.high))
    p = S.paired(a[:3], b)
    ci = stats.ttest_rel(a[:3], b).confidence_interval(0.90)
    assert (p["lo"], p["hi"]) == pytest.approx((ci.low, ci.high))
    assert S.welch([1.0], [2.0, 3.0])["hi"] == math.inf


def test_one_sided_p_values_match_scipy():
    a, b = [3.1, 2.9, 3.6, 3.3], [2.0, 2.6, 2.2, 2.4, 2.1]
    iv = S.welch(a, b)
    p = S.p_values(iv, margin=0.5)
    assert p["effect"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue)
    shifted = [x - 0.5 for x in a]  # H0: θ ≥ 0.5 is H0: mean(a − 0.5) − mean(b) ≥ 0
    assert p["small"] == pytest.approx(stats.ttest_ind(shifted, b, equal_var=False, alternative="less").pvalue)


def test_each_verdict_on_constructed_data():
    rng = np.random.default_rng(0)
    margin = 1.0
    # a clear effect of 3 units (margin 1): reproduced
    effect = S.welch(3 + 0.3 * rng.standard_normal(10), 0.3 * rng.standard_normal(10))
    assert S.verdict(effect, margin) == "reproduced"
    # a real but small effect (0.2 < margin 1), tight interval: not reproduced (too small for the claim)
    small = S.welch(0.2 + 0.05 * rng.standard_normal(20), 0.05 * rng.standard_normal(20))
    assert small["lo"] > 0 and S.verdict(small, margin) == "not reproduced"
    # no effect with a tight interval: not reproduced (a true null can be concluded)
    null = S.welch(0.05 * rng.standard_normal(10), 0.05 * rng.standard_normal(10))
    assert S.verdict(null, margin) == "not reproduced"
    # the opposite direction: not reproduced
    assert S.verdict(S.welch([0.0, 0.1, -0.1], [3.0, 3.2, 2.9]), margin) == "not reproduced"
    # a wide interval: inconclusive
    wide = S.welch([0.0, 4.0, -3.0, 5.0], [0.0, -2.0, 1.0])
    assert wide["lo"] < 0 < margin < wide["hi"] and S.verdict(wide, margin) == "inconclusive"
    with pytest.raises(ValueError, match="margin"):
        S.verdict(effect, 0.0)
    with pytest.raises(ValueError, match="level"):
        S.verdict(S.welch([1, 2, 3], [0, 1, 0], level=0.95), margin)


def test_holm_by_hand_and_verdicts():
    # p = (0.01, 0.04, 0.03): sorted 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06
    assert S.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert S.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    with pytest.raises(ValueError):
        S.holm([1.5])
    # one comparison: Holm = the plain rule
    iv = S.welch([3.1, 2.9, 3.6, 3.3], [2.0, 2.6, 2.2, 2.4])
    assert S.holm_verdicts([iv], 0.5) == [S.verdict(iv, 0.5)]
    # five comparisons: one clear effect survives, a borderline one alone would pass but not after Holm
    clear = S.welch([5.0, 5.2, 4.9, 5.1], [0.0, 0.1, -0.1, 0.05])
    border = S.welch([1.0, 1.6, 0.2, 1.4], [0.0, 0.5, -0.2, 0.3])
    nothing = S.welch([0.0, 3.0, -2.0], [0.0, 1.0, 0.5])
    assert S.verdict(border, 0.5) == "reproduced" and S.p_values(border, 0.5)["effect"] > 0.05 / 4
    v = S.holm_verdicts([clear, border, nothing, nothing, nothing], 0.5)
    assert v[0] == "reproduced" and v[1] == "inconclusive" and v[2:] == ["inconclusive"] * 3
    # the adjusted p-values behind those verdicts: the borderline interval lies above 0, its adjusted p does not pass
    ps = S.holm_p_values([clear, border, nothing, nothing, nothing], 0.5)
    raw = [S.p_values(iv, 0.5) for iv in (clear, border, nothing, nothing, nothing)]
    assert [p["effect"] for p in ps] == pytest.approx(S.holm([r["effect"] for r in raw]))
    assert [p["small"] for p in ps] == pytest.approx(S.holm([r["small"] for r in raw]))
    assert border["lo"] > 0 and ps[1]["effect"] >= 0.05 and ps[0]["effect"] < 0.05


def test_proportion_and_exact_tests_match_scipy():
    pr = S.proportion(5, 10)
    ci = stats.binomtest(5, 10).proportion_ci(0.95, method="exact")
    assert (pr["lo"], pr["hi"]) == pytest.approx((ci.low, ci.high)) and pr["rate"] == 0.5
    t = S.exact_test(5, 10, 0, 10, method="fisher")
    assert t["p"] == pytest.approx(stats.fisher_exact([[5, 5], [0, 10]], alternative="greater")[1])
    b = S.exact_test(5, 10, 0, 10)
    # scipy's Boschloo: one column per binomial sample (group), successes in the first row
    assert b["p"] == pytest.approx(stats.boschloo_exact([[5, 0], [5, 10]], alternative="greater").pvalue)
    assert b["p"] <= t["p"] + 1e-12  # Boschloo is never less powerful than Fisher
    with pytest.raises(ValueError, match="method"):
        S.exact_test(1, 2, 0, 2, method="chi2")
    with pytest.raises(ValueError):
        S.exact_test(11, 10, 0, 10)


def _boschloo_by_hand(k_a, n_a, k_b, n_b, grid=4001):
    """Boschloo's one-sided p from its definition: two independent binomials Bin(n_a, π), Bin(n_b, π);
    statistic = Fisher's one-sided p; p-value = sup over π of P(statistic <= observed)."""
    import numpy as np

    def fisher(x, y):
        return stats.hypergeom.sf(x - 1, n_a + n_b, x + y, n_a)

    t_obs = fisher(k_a, k_b)
    extreme = np.array([[fisher(x, y) <= t_obs * (1 + 1e-7) for y in range(n_b + 1)] for x in range(n_a + 1)])
    best = 0.0
    for pi in np.linspace(0, 1, grid):
        joint = np.outer(stats.binom.pmf(np.arange(n_a + 1), n_a, pi), stats.binom.pmf(np.arange(n_b + 1), n_b, pi))
        best = max(best, float(joint[extreme].sum()))
    return best


def test_boschloo_treats_each_group_as_one_binomial_sample():
    # 3/10 against 0/10 is where the orientation of scipy's table decides the verdict: groups as
    # columns (the two binomial samples) give p ≈ 0.058, groups as rows would give ≈ 0.045 (< 5 %)
    for counts in ((3, 10, 0, 10), (4, 10, 0, 10), (10, 10, 7, 10), (6, 12, 1, 8)):
        assert S.exact_test(*counts)["p"] == pytest.approx(_boschloo_by_hand(*counts), abs=2e-4)
    assert S.exact_test(3, 10, 0, 10)["p"] > 0.05
    assert S.count_verdict(3, 10, 0, 10, 0.3)["verdict"] == "inconclusive"


def test_count_verdicts():
    # the LSGAN paper's counts, 5 of 10 against 0 of 10, margin 0.2: reproduced
    assert S.count_verdict(5, 10, 0, 10, 0.2)["verdict"] == "reproduced"
    # equal counts over many runs: the difference is shown below the margin
    assert S.count_verdict(20, 100, 20, 100, 0.2)["verdict"] == "not reproduced"
    # 2 of 10 against 1 of 10: cannot say
    assert S.count_verdict(2, 10, 1, 10, 0.2)["verdict"] == "inconclusive"
    lo, hi = S.newcombe(5, 10, 0, 10)
    assert lo < 0.5 < hi


def test_exact_test_on_all_or_nothing_counts_is_p_one():
    from scipy import stats as sps

    for k in (0, 10):  # 0/10 vs 0/10 and 10/10 vs 10/10: no evidence either way (scipy's Boschloo gives NaN)
        for method in ("boschloo", "fisher"):
            t = S.exact_test(k, 10, k, 10, method=method)
            assert t["p"] == 1.0 and t["diff"] == 0.0
        assert sps.fisher_exact([[k, 10 - k], [k, 10 - k]], alternative="greater")[1] == 1.0
    v = S.count_verdict(0, 10, 0, 10, 0.3)
    assert v["p"] == 1.0 and v["verdict"] == "not reproduced"  # the upper bound (≈ 0.21) lies below 0.3


def test_format_p_never_rounds_across_alpha():
    assert S.format_p(0.0496) == "0.0496" and S.format_p(0.0504) == "0.05" and S.format_p(0.12345) == "0.12"
    assert S.format_p(0.049999) != "0.05" and float(S.format_p(0.049999)) < 0.05
    assert S.format_p(float("nan")) == "no test" and S.format_p(1.0) == "1"
