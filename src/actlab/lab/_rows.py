"""The ranked comparison of a study: per data identity its configurations' rows (mean and
intervals over seeds, the comparison with the best, a verdict in words) and the cross-dataset
summary. ``_stats`` defines every number; this module groups the stored runs and names them."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _stats
from ._identity import labels, sections
from ._records import RunRecord
from ._store import Store

REACH = 0.9  # "steps to 90%": the first evaluation at ≥ 90% of the best row's validation metric
# ms/step leaves out the steps before the first evaluation at or after this step: the first
# steps pay for allocation, kernel selection and cold caches, not for training
WARMUP_STEPS = 20


def step_time(
    times: list[tuple[int, float]], wall: float, steps: int
) -> tuple[float, float, float]:
    """(seconds per step after warm-up, fastest and slowest evaluation interval) from a run's
    ``time`` curve (elapsed seconds at each evaluation, evaluations included); wall/steps
    with no spread where the curve is too short to leave out a warm-up."""
    pts = [(s, t) for s, t in times if s >= WARMUP_STEPS]
    if len(pts) < 2:
        per = wall / max(steps, 1)
        return per, per, per
    rates = [(t1 - t0) / (s1 - s0) for (s0, t0), (s1, t1) in itertools.pairwise(pts) if s1 > s0]
    total = (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])
    return total, min(rates), max(rates)


ALPHA = 0.05  # family-wise error rate of the Holm-corrected comparisons with the best


@dataclass
class Row:
    """One configuration on one data identity: its seeds' statistics and how it compares with
    the best row of its dataset (``_stats`` defines every number)."""

    dataset: str  # the section: the dataset's name and the data fields that differ
    label: str  # the activation and every configuration field that differs in the study
    config_key: str
    data_key: str
    metric: str
    n: int
    mean: float
    ci95: float  # half-width of the 95% t interval; nan with one seed
    iqm: float
    iqm_lo: float
    iqm_hi: float
    diff: float  # mean − the best row's mean
    diff_lo: float
    diff_hi: float
    p_vs_best: float  # Welch's two-sided p, Holm-corrected over the dataset's comparisons
    steps_to_90: float
    time_per_step: float  # seconds, after warm-up (step_time), mean over seeds
    diverged: int
    rank: int = 0
    verdict: str = ""
    # actlab.health: the task's trivial baseline, and whether the mean beats it (with margin);
    # None: not judged (no baseline recorded for the data)
    baseline: float = math.nan
    learned: bool | None = None
    done: int = 0  # seeds that finished (the others diverged)
    best: bool = False  # the best configuration of its dataset among those that learned
    time_lo: float = math.nan  # the fastest and slowest evaluation interval (seconds/step)
    time_hi: float = math.nan

    @property
    def seeds(self) -> str:
        """The seeds column: "n done / n diverged"."""
        return f"{self.done} / {self.diverged}"

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["seeds"] = self.seeds
        return out


def verdict(row: Row, best: Row | None, margin: float | None = None) -> str:
    """What the comparison with the best row of its dataset supports, in words:

    - ``best`` — the top row (ties in the mean broken by steps to 90%);
    - ``did not learn`` — when a health check says so (``row.learned is False``);
    - ``n/a (1 seed)`` — no interval from one seed;
    - ``worse than best (p=…)`` — Holm-corrected Welch p below ALPHA;
    - ``equivalent to best (±margin)`` — only with a stated margin, when the difference's 95%
      interval lies inside ±margin (two one-sided tests at 2.5%);
    - else ``not distinguishable at n seeds`` — absence of evidence, not equivalence."""
    if row.learned is False:
        return "did not learn"
    if best is None:  # unreachable from rows(): no best only when no row learned
        return "—"
    if row is best:
        return "best"
    if row.n < 2 or best.n < 2 or math.isnan(row.p_vs_best):
        return f"n/a ({min(row.n, best.n)} seed{'s' if min(row.n, best.n) != 1 else ''})"
    if row.p_vs_best < ALPHA:
        return f"worse than best (p={row.p_vs_best:.2g})"
    if margin is not None and -margin <= row.diff_lo and row.diff_hi <= margin:
        return f"equivalent to best (±{margin:g})"
    return f"not distinguishable at {min(row.n, best.n)} seeds"


def _last(pts: list[tuple[int, float]]) -> float:
    return pts[-1][1] if pts else math.nan


def _steps_to(pts: list[tuple[int, float]], threshold: float) -> float:
    for step, v in pts:
        if v >= threshold:
            return float(step)
    return math.inf


def rows(
    store: Store, study_id: int, runs: list[RunRecord], margin: float | None = None
) -> list[Row]:
    """Per data identity, its configurations ranked by mean test metric (higher is
    better; ties by steps to 90%), each against the best with Holm-corrected Welch tests.
    Three queries for the whole study, whatever its size (a test counts them); each row's
    statistics computed once."""
    configs = {r.config_key: r.config for r in runs}
    label_of = labels(list(configs.values()))
    section_of = sections(list(configs.values()))
    recorded = store.datasets()
    metric_of = {k: d.metric for k, d in recorded.items()}
    curves = store.series(study_id, "val_metric", "time")
    val, clock = curves["val_metric"], curves["time"]
    groups: dict[str, dict[str, list[RunRecord]]] = {}
    data_of = {ck: c.data_key() for ck, c in configs.items()}
    for r in runs:
        groups.setdefault(data_of[r.config_key], {}).setdefault(r.config_key, []).append(r)
    out: list[Row] = []
    for dk in sorted(groups, key=lambda k: section_of[k]):
        entries = groups[dk]
        finals = {
            ck: np.array([x.test_metric for x in rs if x.test_metric is not None], float)
            for ck, rs in entries.items()
        }
        # actlab.health's did-not-learn: a mean test metric not above the trivial
        # baseline (recorded with the data); the best is crowned among the rest
        base = recorded[dk].baseline if dk in recorded else None
        learned = {  # a user's metric: not judged against the task's baseline
            ck: None
            if base is None or configs[ck].metric is not None
            else base.learned(float(v.mean()) if len(v) else None)
            for ck, v in finals.items()
        }
        best_val = max(
            (
                float(np.nanmean([_last(val.get(x.id, [])) for x in rs]))
                for ck, rs in entries.items()
                if learned[ck] is not False
            ),
            default=math.nan,
        )
        rows: list[Row] = []
        samples = list(finals.values())
        iqms = _stats.iqm_intervals(samples)  # one bootstrap per seed count
        means = _stats.t_intervals(samples)
        for (ck, rs), (q, qlo, qhi), (mean, half) in zip(entries.items(), iqms, means, strict=True):
            v = finals[ck]
            # steps to 90% of the best: none with no best, nor for a row that did not learn
            reach = (
                [_steps_to(val.get(x.id, []), REACH * best_val) for x in rs]
                if learned[ck] is not False and not math.isnan(best_val)
                else []
            )
            diverged = sum(x.status == "diverged" for x in rs)
            timing = np.array([step_time(clock.get(x.id, []), x.wall, x.steps) for x in rs])
            rows.append(
                Row(
                    section_of[dk],
                    label_of[ck],
                    ck,
                    dk,
                    configs[ck].metric or metric_of.get(dk, "test metric"),
                    len(v),
                    mean,
                    half,
                    q,
                    qlo,
                    qhi,
                    math.nan,
                    math.nan,
                    math.nan,
                    math.nan,
                    float(np.mean(reach)) if reach else math.nan,
                    float(timing[:, 0].mean()),
                    diverged,
                    baseline=math.nan if base is None else base.value,
                    learned=learned[ck],
                    done=len(rs) - diverged,
                    time_lo=float(timing[:, 1].min()),
                    time_hi=float(timing[:, 2].max()),
                )
            )
        rows.sort(key=lambda r: (-(r.mean if not math.isnan(r.mean) else -math.inf), r.steps_to_90))
        # nothing learned: no best (every row says "did not learn")
        best = next((r for r in rows if r.learned is not False), None)
        if best is not None:
            others = [r for r in rows if r is not best]
            raw = []
            welch = _stats.welch_intervals(
                [finals[row.config_key] for row in others], finals[best.config_key]
            )
            for row, (d, lo, hi, p) in zip(others, welch, strict=True):
                row.diff, row.diff_lo, row.diff_hi = d, lo, hi
                raw.append(p)
            for row, p in zip(others, _stats.holm(raw), strict=True):
                row.p_vs_best = p
            best.diff, best.diff_lo, best.diff_hi = 0.0, 0.0, 0.0
            best.best = True
        for i, row in enumerate(rows, 1):
            row.rank = i
            row.verdict = verdict(row, best, margin)
        out += rows
    return out


def scores(runs: list[RunRecord]) -> dict[str, dict[str, np.ndarray]]:
    """Per configuration label (its data removed), per section, its seeds' test metrics."""
    configs = {r.config_key: r.config for r in runs}
    cfgs = list(configs.values())
    arms = labels(cfgs)  # a label leaves out the data: the same across datasets
    section_of = sections(cfgs)
    out: dict[str, dict[str, list[float]]] = {}
    for r in runs:
        cell = out.setdefault(arms[r.config_key], {}).setdefault(
            section_of[r.config.data_key()], []
        )
        cell.append(math.nan if r.test_metric is None else r.test_metric)
    return {a: {k: np.array(v, float) for k, v in d.items()} for a, d in out.items()}


def overall(runs: list[RunRecord]) -> dict[str, Any]:
    """The cross-dataset summary: per configuration its mean rank over the datasets every
    configuration ran on (95% bootstrap interval), the performance profile (fraction of
    runs above τ, averaged over datasets) and the probability-of-improvement matrix
    (P[row's seed beats column's seed], averaged over datasets)."""
    sc = scores(runs)
    arms = sorted(sc)
    common = sorted(set.intersection(*(set(sc[a]) for a in arms))) if arms else []
    cells = [[sc[a][d] for d in common] for a in arms]
    ranks = _stats.mean_ranks(cells) if common else [(math.nan,) * 3 for _ in arms]
    taus = np.linspace(0.5, 1.0, 11)
    profile = {
        a: _stats.performance_profile(c, taus).tolist() for a, c in zip(arms, cells, strict=True)
    }
    matrix = _stats.improvement_matrix(cells)
    poi = {a: {b: float(matrix[i, j]) for j, b in enumerate(arms)} for i, a in enumerate(arms)}
    order = sorted(range(len(arms)), key=lambda i: ranks[i][0])
    return {
        "datasets": common,
        "mean_rank": [
            {
                "configuration": arms[i],
                "mean_rank": ranks[i][0],
                "lo": ranks[i][1],
                "hi": ranks[i][2],
            }
            for i in order
        ],
        "profile": {"tau": taus.tolist(), "fraction": profile},
        "probability_of_improvement": poi,
    }
