"""The statistics of a comparison, one definition each, with the reason it is the one used.

Seeds are the unit of replication: a configuration's n seeds give n independent scores (test
metric, higher is better). Every function takes plain arrays and returns plain numbers, so it
can be checked against scipy and hand-computed cases (tests/test_lab_stats.py).

- ``t_interval``: mean ± t_{0.975, n−1}·s/√n — the textbook 95% interval for a mean of few
  samples (normal scores assumed; with 3–10 seeds nothing weaker is honest).
- ``iqm`` and ``iqm_interval``: the interquartile mean (the mean of the middle 50%, scipy's
  ``trim_mean(x, 0.25)``) with a percentile stratified-bootstrap interval — rliable's estimator
  (Agarwal et al. 2021, "Deep RL at the edge of the statistical precipice"): robust to one
  outlying seed, far less variable than the median.
- ``welch_interval``: the 95% interval of a difference of means with Welch's (unequal variance)
  degrees of freedom, and its two-sided p-value (``scipy.stats.ttest_ind(equal_var=False)``).
- ``holm``: Holm's step-down adjustment of k p-values (controls the family-wise error rate at
  α for any dependence; uniformly more powerful than Bonferroni).
- ``probability_of_improvement``: P(X > Y) + ½·P(X = Y) over all seed pairs (the Mann–Whitney
  U statistic / (n·m)), averaged over datasets — rliable's "probability of improvement".
- ``mean_ranks`` (with a bootstrap interval) and ``performance_profile`` (the fraction of runs
  scoring above τ, rliable's "score distribution") for a summary across datasets.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

CONFIDENCE = 0.95  # every interval in actlab is a 95% one
BOOTSTRAP_REPS = 2000  # bootstrap resamples: the 2.5% and 97.5% quantiles move < 1% beyond this
BOOTSTRAP_SEED = 0  # bootstrap intervals are reproducible: the same scores give the same bounds


def _finite(x: Sequence[float] | np.ndarray) -> np.ndarray:
    a = np.asarray(x, float).ravel()
    out: np.ndarray = a[np.isfinite(a)]
    return out


@functools.lru_cache(maxsize=1024)
def _t_quantile(df: float) -> float:
    """Student's t quantile at 0.5 + CONFIDENCE/2 (scipy.special.stdtrit: the ufunc behind
    scipy.stats.t.ppf, without its per-call overhead; a study's rows share a few df)."""
    from scipy import special

    return float(special.stdtrit(df, 0.5 + CONFIDENCE / 2))


def rankdata(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Ranks along ``axis`` (1 = smallest), ties sharing their average rank: exactly
    scipy.stats.rankdata(a, axis=axis) for arrays without NaN, without importing scipy.stats
    (seconds, for one call, on a loaded machine) and for many rows at once."""
    x = np.moveaxis(np.asarray(a, float), axis, -1)
    n = x.shape[-1]
    order = np.argsort(x, axis=-1)
    s = np.take_along_axis(x, order, -1)
    pos = np.broadcast_to(np.arange(n), s.shape)
    start = np.ones(s.shape, bool)  # the first of each run of equal values
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    out = np.empty(s.shape)
    if start.all():  # no ties (the common case): the rank is the sorted position
        np.put_along_axis(out, order, pos + 1.0, -1)
        return np.moveaxis(out, -1, axis)
    end = np.ones(s.shape, bool)  # the last of each run
    end[..., :-1] = start[..., 1:]
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=-1)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(end, pos, n), -1), axis=-1), -1)
    np.put_along_axis(out, order, (first + last) / 2 + 1, -1)
    return np.moveaxis(out, -1, axis)


def _trim_mean(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """scipy.stats.trim_mean(a, 0.25, axis): sort, cut int(n/4) from each end, average."""
    s = np.moveaxis(np.sort(a, axis=axis), axis, -1)
    n = s.shape[-1]
    k = int(0.25 * n)
    out: np.ndarray = s[..., k : n - k].mean(axis=-1)
    return out


def t_interval(x: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """(mean, half-width of its 95% t interval); the half-width is nan for fewer than 2."""
    return t_intervals([x])[0]


def t_intervals(samples: Sequence[Sequence[float] | np.ndarray]) -> list[tuple[float, float]]:
    """t_interval of each sample, the samples of one size reduced together (a study's rows
    share a few seed counts)."""
    clean = [_finite(x) for x in samples]
    out: list[tuple[float, float]] = [(math.nan, math.nan)] * len(clean)
    by_size: dict[int, list[int]] = {}
    for i, a in enumerate(clean):
        if len(a) == 1:
            out[i] = (float(a[0]), math.nan)
        elif len(a) >= 2:
            by_size.setdefault(len(a), []).append(i)
    for n, idx in by_size.items():
        block = np.stack([clean[i] for i in idx])
        mean = block.mean(axis=1)
        half = _t_quantile(n - 1) * block.std(axis=1, ddof=1) / math.sqrt(n)
        for j, i in enumerate(idx):
            out[i] = (float(mean[j]), float(half[j]))
    return out


def iqm(x: Sequence[float] | np.ndarray) -> float:
    """The interquartile mean: the mean of the scores left after cutting floor(n/4) from each
    end (rliable's definition: scipy.stats.trim_mean(x, 0.25))."""
    a = _finite(x)
    return float(_trim_mean(a)) if len(a) else math.nan


def stratified_bootstrap(
    samples: Sequence[Sequence[float] | np.ndarray],
    statistic: object,
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
) -> np.ndarray:
    """``reps`` values of ``statistic(list of resampled strata)``: each stratum (a dataset's
    seeds) resampled with replacement on its own, as rliable's StratifiedBootstrap."""
    rng = np.random.default_rng(seed)
    strata = [_finite(s) for s in samples]
    out = np.empty(reps)
    for i in range(reps):
        draw = [s[rng.integers(0, len(s), len(s))] for s in strata]
        out[i] = statistic(draw)  # type: ignore[operator]
    return out


def percentile_interval(values: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(values, [50 * (1 - CONFIDENCE), 50 * (1 + CONFIDENCE)])
    return float(lo), float(hi)


def iqm_interval(
    x: Sequence[float] | np.ndarray, reps: int = BOOTSTRAP_REPS, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float, float]:
    """(IQM, lower, upper): the 95% percentile bootstrap interval of the IQM, the row's seeds
    resampled with replacement (a single stratum of stratified_bootstrap, drawn all at once);
    nan bounds for fewer than 2 scores."""
    return iqm_intervals([x], reps, seed)[0]


def iqm_intervals(
    samples: Sequence[Sequence[float] | np.ndarray],
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
) -> list[tuple[float, float, float]]:
    """iqm_interval of each sample, the samples of one size bootstrapped together (the same
    resampling indices each would draw alone: one generator seeded ``seed`` per size), so a
    study's rows cost one array operation per seed count."""
    clean = [_finite(x) for x in samples]
    out: list[tuple[float, float, float]] = [(math.nan, math.nan, math.nan)] * len(clean)
    by_size: dict[int, list[int]] = {}
    for i, a in enumerate(clean):
        if len(a) < 2:
            out[i] = (iqm(a), math.nan, math.nan)
        else:
            by_size.setdefault(len(a), []).append(i)
    for n, idx in by_size.items():
        rng = np.random.default_rng(seed)
        draw = rng.integers(0, n, (reps, n))
        step = max(1, (1 << 22) // (reps * n))  # rows per block: ~32 MB of resamples
        for b in range(0, len(idx), step):
            part = idx[b : b + step]
            block = np.stack([clean[i] for i in part])  # (rows, n)
            boot = _trim_mean(block[:, draw], axis=2)  # (rows, reps)
            lo, hi = np.percentile(boot, [50 * (1 - CONFIDENCE), 50 * (1 + CONFIDENCE)], axis=1)
            point = _trim_mean(block, axis=1)
            for j, i in enumerate(part):
                out[i] = (float(point[j]), float(lo[j]), float(hi[j]))
    return out


def welch_interval(
    x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray
) -> tuple[float, float, float, float]:
    """(mean(x) − mean(y), lower, upper, two-sided p) with Welch–Satterthwaite degrees of
    freedom. Identical constant samples: difference 0, interval [0, 0], p = 1. Fewer than 2
    scores on a side: nan interval and p."""
    return welch_intervals([x], y)[0]


def welch_intervals(
    xs: Sequence[Sequence[float] | np.ndarray], y: Sequence[float] | np.ndarray
) -> list[tuple[float, float, float, float]]:
    """welch_interval of each x against the same y (a dataset's rows against its best), the
    t quantiles and p-values of all of them in one call."""
    from scipy import special

    b = _finite(y)
    out: list[tuple[float, float, float, float]] = []
    pending: list[tuple[int, float, float, float]] = []  # (index, d, se, df)
    for i, x in enumerate(xs):
        a = _finite(x)
        if len(a) == 0 or len(b) == 0:
            out.append((math.nan, math.nan, math.nan, math.nan))
            continue
        d = float(a.mean() - b.mean())
        if len(a) < 2 or len(b) < 2:
            out.append((d, math.nan, math.nan, math.nan))
            continue
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        se = math.sqrt(va + vb)
        if se == 0:
            out.append((d, d, d, (1.0 if d == 0 else 0.0)))
            continue
        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        out.append((d, math.nan, math.nan, math.nan))
        pending.append((i, d, se, df))
    if pending:
        idx, d_, se_, df_ = (np.array(v) for v in zip(*pending, strict=True))
        q = special.stdtrit(df_, 0.5 + CONFIDENCE / 2)
        p = 2 * special.stdtr(df_, -np.abs(d_) / se_)
        for j, i in enumerate(idx.astype(int)):
            d, se = float(d_[j]), float(se_[j])
            out[i] = (d, d - float(q[j]) * se, d + float(q[j]) * se, float(p[j]))
    return out


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order; nan stays nan (not counted)."""
    p = np.asarray(pvalues, float)
    out = np.full(len(p), math.nan)
    idx = [i for i in np.argsort(p, kind="stable") if not math.isnan(p[i])]
    k = len(idx)
    running = 0.0
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (k - rank) * p[i]))
        out[i] = running
    return [float(v) for v in out]


def probability_of_improvement(
    x: Sequence[Sequence[float] | np.ndarray], y: Sequence[Sequence[float] | np.ndarray]
) -> float:
    """P(X > Y) + ½·P(X = Y) for a random seed of X and one of Y on the same dataset, averaged
    over datasets (x[k], y[k]: the two configurations' scores on dataset k)."""
    per = []
    for a, b in zip(x, y, strict=True):
        a, b = _finite(a), _finite(b)
        if len(a) and len(b):
            gt = (a[:, None] > b[None, :]).mean()
            eq = (a[:, None] == b[None, :]).mean()
            per.append(gt + 0.5 * eq)
    return float(np.mean(per)) if per else math.nan


def improvement_matrix(scores: Sequence[Sequence[Sequence[float] | np.ndarray]]) -> np.ndarray:
    """probability_of_improvement for every ordered pair at once: m[i, j] for configuration i
    over j (scores[c][k]: configuration c's seeds on dataset k), nan on the diagonal."""
    n_c = len(scores)
    n_k = len(scores[0]) if n_c else 0
    total = np.zeros((n_c, n_c))
    count = np.zeros((n_c, n_c))
    for k in range(n_k):
        cells = [_finite(scores[c][k]) for c in range(n_c)]
        width = max((len(v) for v in cells), default=0)
        if width == 0:
            continue
        pad = np.full((n_c, width), np.nan)
        for c, v in enumerate(cells):
            pad[c, : len(v)] = v
        a, b = pad[:, None, :, None], pad[None, :, None, :]
        valid = ~np.isnan(a) & ~np.isnan(b)
        pairs = valid.sum((2, 3))
        wins = ((a > b) & valid).sum((2, 3)) + 0.5 * ((a == b) & valid).sum((2, 3))
        ok = pairs > 0
        total[ok] += wins[ok] / pairs[ok]
        count[ok] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / count
    np.fill_diagonal(out, np.nan)
    return out


def ranks(means: Sequence[float]) -> np.ndarray:
    """Rank 1 = highest mean; ties share the average rank (scipy.stats.rankdata)."""
    m = np.asarray(means, float)
    return rankdata(-np.where(np.isnan(m), -np.inf, m))


def mean_ranks(
    scores: Sequence[Sequence[Sequence[float] | np.ndarray]],
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
) -> list[tuple[float, float, float]]:
    """Per configuration, (mean rank over datasets, 95% bootstrap interval). scores[c][k]: the
    seeds of configuration c on dataset k. The interval resamples each (configuration, dataset)
    cell's seeds on its own (stratified) and re-ranks; a cell without scores ranks last."""
    n_c = len(scores)
    n_k = len(scores[0]) if n_c else 0
    rng = np.random.default_rng(seed)
    point = np.zeros((n_k, n_c))
    boot = np.zeros((reps, n_k, n_c))
    for k in range(n_k):
        for c in range(n_c):
            v = _finite(scores[c][k])
            if len(v) == 0:
                point[k, c], boot[:, k, c] = -np.inf, -np.inf
                continue
            point[k, c] = v.mean()
            boot[:, k, c] = v[rng.integers(0, len(v), (reps, len(v)))].mean(1)
    rank_point = rankdata(-point, axis=1).mean(0)
    rank_boot = rankdata(-boot, axis=2).mean(1)
    lo, hi = np.percentile(rank_boot, [50 * (1 - CONFIDENCE), 50 * (1 + CONFIDENCE)], axis=0)
    return [(float(rank_point[c]), float(lo[c]), float(hi[c])) for c in range(n_c)]


def performance_profile(
    scores: Sequence[Sequence[float] | np.ndarray], taus: Sequence[float] | np.ndarray
) -> np.ndarray:
    """The fraction of a configuration's runs scoring above each τ, averaged over datasets
    (scores[k]: its seeds on dataset k) — rliable's run-score distribution."""
    t = np.asarray(taus, float)
    per = [(_finite(s)[:, None] > t[None, :]).mean(0) for s in scores if len(_finite(s))]
    return np.mean(per, 0) if per else np.full(len(t), math.nan)
