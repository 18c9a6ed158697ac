"""The ranked comparison as text, JSON and CSV: one column definition (COLUMNS) for all of
them, the terminal table (actlab._table: never truncated) and the cross-dataset summary."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from .._table import Column, render
from ._rows import WARMUP_STEPS


def num(v: float, d: int = 4) -> str:
    """A number for a table: ``n/a`` for nan (one seed has no interval), ``never`` for inf."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, float) and math.isinf(v):
        return "never"
    return f"{v:.{d}f}"


def _interval(lo: float, hi: float, d: int = 3) -> str:
    return "n/a" if math.isnan(lo) or math.isnan(hi) else f"[{lo:.{d}f}, {hi:.{d}f}]"


def _diff(r: Any) -> str:
    if r.best:
        return "—"
    if math.isnan(r.diff_lo):
        return num(r.diff, 3)
    return f"{r.diff:+.3f} ± {(r.diff_hi - r.diff_lo) / 2:.3f}"  # Welch's interval: symmetric


# Every column of the comparison: its table header (and short form), where the value comes
# from, and how early it is dropped when the table is too wide (0: never).
COLUMNS: list[tuple[str, Column, Callable[[Any], str]]] = [
    ("rank", Column("#", right=True), lambda r: str(r.rank)),
    ("label", Column("configuration"), lambda r: r.label),
    # seeds that finished / diverged (a diverged seed has no test metric: n counts the first)
    ("seeds", Column("seeds done / div", "seeds", right=True), lambda r: r.seeds),
    ("mean", Column("mean", right=True), lambda r: num(r.mean)),
    ("ci95", Column("± 95% CI", "±CI", right=True), lambda r: num(r.ci95)),
    (
        "iqm",
        Column("IQM [95% CI]", "IQM", drop=3),
        lambda r: f"{num(r.iqm, 3)} {_interval(r.iqm_lo, r.iqm_hi)}",
    ),
    ("diff", Column("Δ vs best ± 95% CI", "Δ best", drop=2), _diff),
    (
        "steps_to_90",
        Column("steps to 90%", "steps90", right=True, drop=4),
        lambda r: num(r.steps_to_90, 0),
    ),
    (
        "time_per_step",
        Column("ms/step", right=True, drop=5),
        lambda r: f"{1e3 * r.time_per_step:.2f}",
    ),
    (
        "time_spread",
        Column("ms/step range", drop=7),
        lambda r: (
            "n/a" if math.isnan(r.time_lo) else f"{1e3 * r.time_lo:.2f}–{1e3 * r.time_hi:.2f}"
        ),
    ),
    # actlab.health's trivial baseline (majority class, or R² 0): "did not learn" is not above it
    ("baseline", Column("baseline", "base", right=True, drop=6), lambda r: num(r.baseline, 3)),
    ("verdict", Column("vs best"), lambda r: r.verdict),
]

NOTES = (
    "mean ± 95% t interval over seeds; IQM: interquartile mean, 95% stratified-bootstrap "
    "interval; Δ: mean − best's, Welch 95% interval; p: Welch, Holm-corrected over the "
    "dataset's comparisons with the best; ties in the mean are broken by steps to 90% of the "
    f"best validation metric; ms/step: after the first {WARMUP_STEPS} steps (warm-up), range over "
    "evaluation intervals. 'not distinguishable' is absence of evidence, not equivalence; "
    "'did not learn': the mean is not above the trivial baseline (actlab.health)."
)
# a dataset where no configuration learned: said under its table (and the report's)
NOTHING_LEARNED = (
    "No configuration beat the trivial baseline (the majority class, or R² 0): no best is "
    "named and steps to 90% of best is undefined."
)


def table(
    rows: Sequence[Any], title: str, width: int | None = None, notes: Sequence[str] = ()
) -> str:
    cols = [c for _, c, _ in COLUMNS]
    cells = [[get(r) for _, _, get in COLUMNS] for r in rows]
    return render(
        cols,
        cells,
        title=title,
        notes=notes,
        max_width=width,
        elsewhere="--json or --csv",
        heading=2,
    )


def render_summary(
    name: str, rows: Sequence[Any], overall: dict[str, Any], width: int | None = None
) -> str:
    """Per dataset a table titled with its metric, then the cross-dataset summary."""
    parts = []
    sections = list(dict.fromkeys(r.dataset for r in rows))
    for i, ds in enumerate(sections):
        sub = [r for r in rows if r.dataset == ds]
        title = f"study {name!r} · {ds}: test {sub[0].metric} (higher is better)"
        notes = [NOTHING_LEARNED] if not any(r.best for r in sub) else []
        notes += [NOTES] if i == len(sections) - 1 else []
        parts.append(table(sub, title, width, notes))
    if len(overall.get("datasets", [])) >= 2:
        parts.append(overall_table(overall, width))
    if 2 <= len(overall.get("probability_of_improvement", {})) <= MATRIX_MAX:
        parts.append(improvement_table(overall, width))
    return "\n\n".join(parts)


MATRIX_MAX = 12  # configurations: a larger probability-of-improvement matrix is for --json


def improvement_table(overall: dict[str, Any], width: int | None = None) -> str:
    """P(a seed of the row beats a seed of the column), columns numbered as the rows."""
    names = [m["configuration"] for m in overall["mean_rank"]]
    poi = overall["probability_of_improvement"]
    cols = [Column("#", right=True), Column("configuration")]
    cols += [Column(str(j + 1), right=True) for j in range(len(names))]
    cells = [
        [str(i + 1), a, *("—" if a == b else f"{poi[a][b]:.2f}" for b in names)]
        for i, a in enumerate(names)
    ]
    n = len(overall["datasets"])
    title = "probability of improvement: P(a seed of the row beats a seed of the column)"
    note = f"averaged over {n} dataset{'s' if n != 1 else ''}; 0.5: no tendency either way"
    return render(cols, cells, title=title, notes=[note], max_width=width, heading=2)


def overall_table(overall: dict[str, Any], width: int | None = None) -> str:
    cols = [Column("configuration"), Column("mean rank", right=True), Column("95% CI")]
    cells = [
        [m["configuration"], f"{m['mean_rank']:.2f}", _interval(m["lo"], m["hi"], 2)]
        for m in overall["mean_rank"]
    ]
    title = f"across {len(overall['datasets'])} datasets: mean rank (1 = best on every dataset)"
    note = "rank per dataset by mean test metric; interval: seeds resampled within each dataset"
    return render(cols, cells, title=title, notes=[note], max_width=width)


def _clean(v: Any) -> Any:
    """JSON has no nan or inf: they become null (n/a), everywhere in the structure."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def as_json(rows: Sequence[Any], overall: dict[str, Any]) -> str:
    return json.dumps(
        _clean({"rows": [r.to_dict() for r in rows], "overall": overall}),
        indent=2,
        ensure_ascii=False,
        default=str,
    )


def as_csv(rows: Sequence[Any]) -> str:
    buf = io.StringIO()
    if rows:
        keys = list(rows[0].to_dict())
        w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
        w.writeheader()
        w.writerows(r.to_dict() for r in rows)
    return buf.getvalue()
