"""The comparison's statistics against scipy and hand-computed values on fixed samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

pytest.importorskip("torch")
from actlab.lab import _stats

A = np.array([0.91, 0.88, 0.95, 0.90, 0.86])
B = np.array([0.80, 0.84, 0.79, 0.90, 0.70, 0.83])


def test_t_interval_is_scipys() -> None:
    mean, half = _stats.t_interval(A)
    lo, hi = stats.t.interval(0.95, len(A) - 1, loc=A.mean(), scale=stats.sem(A))
    assert mean == pytest.approx(A.mean()) and half == pytest.approx((hi - lo) / 2, rel=1e-12)
    assert math.isnan(_stats.t_interval([0.7])[1]) and _stats.t_interval([0.7])[0] == 0.7


def test_iqm_is_the_trimmed_mean_and_by_hand() -> None:
    assert _stats.iqm(np.arange(1.0, 9.0)) == 4.5  # middle four of 1..8: 3, 4, 5, 6
    assert _stats.iqm([1.0, 2.0, 3.0, 4.0, 100.0]) == 3.0  # one cut from each end of five
    rng = np.random.default_rng(3)
    x = rng.normal(size=37)
    assert _stats.iqm(x) == pytest.approx(stats.trim_mean(x, 0.25), rel=1e-12)


def test_iqm_bootstrap_interval_agrees_with_scipys_percentile_bootstrap() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(0.8, 0.05, 20)
    point, lo, hi = _stats.iqm_interval(x, reps=20_000)
    ref = stats.bootstrap(
        (x,),
        lambda s: stats.trim_mean(s, 0.25),
        n_resamples=20_000,
        method="percentile",
        rng=np.random.default_rng(1),
    ).confidence_interval
    assert point == pytest.approx(stats.trim_mean(x, 0.25))
    # two Monte Carlo estimates of the same quantiles: they agree to a few thousandths
    assert lo == pytest.approx(ref.low, abs=3e-3) and hi == pytest.approx(ref.high, abs=3e-3)
    assert lo < point < hi
    assert _stats.iqm_interval(x, reps=500) == _stats.iqm_interval(x, reps=500)  # seeded
    assert all(math.isnan(v) for v in _stats.iqm_interval([0.5])[1:])


def test_stratified_bootstrap_resamples_each_stratum_on_its_own() -> None:
    # strata of constant values: any resample keeps each stratum's mean, so the statistic
    # (mean of stratum means) never moves; a pooled bootstrap would move it
    boot = _stats.stratified_bootstrap(
        [[1.0, 1.0, 1.0], [5.0, 5.0]], lambda d: np.mean([s.mean() for s in d]), reps=200
    )
    assert np.all(boot == 3.0)


def test_welch_interval_is_scipys() -> None:
    d, lo, hi, p = _stats.welch_interval(A, B)
    ref = stats.ttest_ind(A, B, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert d == pytest.approx(A.mean() - B.mean())
    assert p == pytest.approx(ref.pvalue, rel=1e-10)
    assert lo == pytest.approx(ci.low, rel=1e-10) and hi == pytest.approx(ci.high, rel=1e-10)
    assert _stats.welch_interval([1.0, 1.0], [1.0, 1.0]) == (0.0, 0.0, 0.0, 1.0)
    assert math.isnan(_stats.welch_interval([1.0], [1.0, 2.0])[3])


def test_holm_by_hand() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → monotone 0.06
    adj = _stats.holm([0.01, 0.04, 0.03, 0.005])
    assert adj == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert _stats.holm([0.5, 0.9]) == [1.0, 1.0]  # capped at 1
    out = _stats.holm([0.02, math.nan, 0.04])  # nan is not a comparison: k = 2
    assert out[0] == pytest.approx(0.04) and math.isnan(out[1]) and out[2] == pytest.approx(0.04)


def test_probability_of_improvement_is_the_mann_whitney_u() -> None:
    x, y = [1.0, 2.0, 3.0], [2.0, 2.0]
    # pairs: 3 > 2 twice, 2 = 2 twice, of 6 → 2/6 + ½·2/6
    assert _stats.probability_of_improvement([x], [y]) == pytest.approx(0.5)
    u = stats.mannwhitneyu(A, B).statistic / (len(A) * len(B))
    assert _stats.probability_of_improvement([A], [B]) == pytest.approx(u)
    both = _stats.probability_of_improvement([A, x], [B, y])  # averaged over two datasets
    assert both == pytest.approx((u + 0.5) / 2)


def test_the_improvement_matrix_is_the_pairwise_probability() -> None:
    cells = [[A, [1.0, 2.0, 3.0]], [B, [2.0, 2.0]], [A[:3], [0.5]]]
    m = _stats.improvement_matrix(cells)
    for i in range(3):
        assert math.isnan(m[i, i])
        for j in range(3):
            if i != j:
                ref = _stats.probability_of_improvement(cells[i], cells[j])
                assert m[i, j] == pytest.approx(ref)
                assert m[i, j] + m[j, i] == pytest.approx(1.0)


def test_mean_ranks_and_their_interval() -> None:
    # dataset 1: c0 best, c1 second; dataset 2: c1 best. Constant seeds: a fixed interval.
    scores = [
        [[0.9, 0.9], [0.5, 0.5]],
        [[0.8, 0.8], [0.7, 0.7]],
        [[0.1, 0.1], [0.1, 0.1]],
    ]
    (r0, lo0, hi0), (r1, _, _), (r2, _, _) = _stats.mean_ranks(scores, reps=50)
    assert (r0, r1) == (1.5, 1.5) and r2 == pytest.approx((3 + 3) / 2)
    assert lo0 == hi0 == 1.5
    tied = _stats.ranks([0.5, 0.5, 0.1])
    assert tied.tolist() == [1.5, 1.5, 3.0]


def test_performance_profile_by_hand() -> None:
    prof = _stats.performance_profile([[0.2, 0.6, 0.9, 1.0], [0.5, 0.7]], [0.0, 0.55, 0.95])
    # dataset 1: 4/4, 3/4, 1/4 above; dataset 2: 2/2, 1/2, 0/2 → averaged
    assert prof.tolist() == pytest.approx([1.0, 0.625, 0.125])


def test_batched_statistics_are_the_one_at_a_time_ones() -> None:
    # a study's rows are computed together (one bootstrap per seed count, one t/p call per
    # dataset): the numbers are those of scipy on each row alone, bit for bit for the IQM
    rng = np.random.default_rng(5)
    rows = [rng.normal(0.8, 0.05, n) for n in (5, 5, 3, 1, 5, 7, 2)] + [np.array([0.7, 0.7, 0.71])]
    best = rng.normal(0.85, 0.03, 5)
    for x, got in zip(rows, _stats.welch_intervals(rows, best), strict=True):
        if len(x) < 2:
            assert math.isnan(got[1]) and got[0] == pytest.approx(x.mean() - best.mean())
            continue
        t = stats.ttest_ind(x, best, equal_var=False)
        ci = t.confidence_interval(0.95)
        assert got[3] == pytest.approx(t.pvalue, rel=1e-10)
        assert (got[1], got[2]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    for x, (mean, half) in zip(rows, _stats.t_intervals(rows), strict=True):
        assert mean == pytest.approx(x.mean(), rel=1e-12)
        if len(x) >= 2:
            lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
            assert half == pytest.approx((hi - lo) / 2, rel=1e-10)
        else:
            assert math.isnan(half)
    for x, got in zip(rows, _stats.iqm_intervals(rows), strict=True):
        one = _stats.iqm_interval(x)
        rng1 = np.random.default_rng(_stats.BOOTSTRAP_SEED)  # what one row alone draws
        if len(x) >= 2:
            draws = x[rng1.integers(0, len(x), (_stats.BOOTSTRAP_REPS, len(x)))]
            lo, hi = np.percentile(stats.trim_mean(draws, 0.25, axis=1), [2.5, 97.5])
            assert got == pytest.approx((stats.trim_mean(x, 0.25), lo, hi), rel=1e-12)
            assert got == one  # exactly the single-row function's numbers
        else:
            assert got[0] == x[0] and math.isnan(got[1]) and math.isnan(one[2])


@pytest.mark.parametrize("shape", [(6,), (4, 9), (30, 3, 7)])
def test_ranks_are_scipys_rankdata_ties_and_all(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape))
    for a in (rng.normal(size=shape), rng.integers(0, 3, shape).astype(float)):
        a.reshape(-1)[0] = -np.inf  # an empty cell ranks last (mean_ranks' −inf)
        for axis in range(a.ndim):
            assert np.array_equal(_stats.rankdata(a, axis), stats.rankdata(a, axis=axis))
