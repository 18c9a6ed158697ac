"""The study report: one self-contained HTML file (inline SVG figures, inline CSS, no network).

Its cost grows with the runs, not with the figures: the store is read in a fixed number of
queries whatever the study's size (a test counts them), each row's statistics come once from
``_rows``, and each dataset's figures draw the top FIGURE_MAX configurations of its ranked
table (the table has every one) as SVG drawn from the numbers (``_svg``). A dataset's part of
the report is DATASET_SECTIONS, a list of builders: a new figure or table is one more entry."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from .._analysis._health import (
    DEAD_WARN,
    FLAT,
    SATURATED_LAYER,
    diverged_finding,
)
from . import _svg as svg
from ._findings import _by_layer, _final_by_layer, _nanmean, _predicted, layer_findings  # noqa: F401
from ._identity import _data_for, labels, sections
from ._records import DatasetRecord, RunRecord
from ._report_layers import histogram_section
from ._summary import COLUMNS, MATRIX_MAX, NOTES, NOTHING_LEARNED, num
from ._train import BatchedNet, RunConfig, load_params

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;
padding:0 1em;color:#222;line-height:1.4}h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;
margin-top:2em}table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid
#ddd;padding:3px 6px;text-align:right}th{background:#f4f4f4}td:first-child,td:nth-child(2){
text-align:left}.noise{color:#777}.best{font-weight:bold}.note{background:#fff8e5;
border-left:4px solid #f0b400;padding:6px 10px;margin:6px 0}figure{margin:1em 0}
figure svg{max-width:100%;height:auto}.wide{overflow-x:auto;max-width:100%}
code{background:#f4f4f4;padding:1px 4px;overflow-wrap:anywhere}.sources td{text-align:left}
nav ol{columns:2}
"""
LEGEND_MAX = 12  # a colour key longer than this is not read: the table's order is the key
PALETTE = (  # matplotlib's tab10 then tab20's light half: one colour per configuration
    *("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"),
    *("#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94"),
    *("#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"),
)


# configurations drawn in a dataset's figures: the top of its ranked table (the table, the
# notes and --json have every one); more lines than this cannot be told apart anyway
FIGURE_MAX = LEGEND_MAX


def _fmt(v: float, d: int = 4) -> str:
    return num(v, d)


def _anchor(text: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in text)


class _View:
    """What one rendering needs, read once (a fixed number of queries, whatever the size):
    runs, rows, labels, sections, datasets, the figures' configurations and their curves and
    layer records, every run's first and last layer records (the findings) and sources."""

    def __init__(self, study: Any) -> None:
        self.study = study
        store = study.store
        self.runs: list[RunRecord] = study.runs
        cfgs = list({r.config_key: r.config for r in self.runs}.values())
        self.label = labels(cfgs)
        self.section = sections(cfgs)
        self.datasets = store.datasets()
        self.rows = study.rows(self.runs) if self.runs else []
        self.overall = study.overall(self.runs) if self.runs else {"datasets": []}
        # per data key, the configurations its figures draw: the top of its ranked table
        self.shown: dict[str, list[str]] = {}
        for r in self.rows:
            keys = self.shown.setdefault(r.data_key, [])
            if len(keys) < FIGURE_MAX:
                keys.append(r.config_key)
        drawn = {ck for keys in self.shown.values() for ck in keys}
        top = [m["configuration"] for m in self.overall.get("mean_rank", [])[:FIGURE_MAX]]
        figures = [[self.label[ck] for ck in keys] for keys in self.shown.values()] + [top]
        self.colour = _colours(figures)
        ids = [r.id for r in self.runs if r.config_key in drawn]
        self.curves = store.series(study.id, *CURVES, runs=ids)
        self.histograms = store.histograms(ids)  # what the histogram figures draw
        self.layers = store.study_layers(study.id, ids) if self.runs else {}
        self.ends = store.study_layers(study.id, ends=True) if self.runs else {}
        self.sources = store.study_sources(study.id) if self.runs else {}
        # the decision-boundary figures' networks: each drawn configuration's lowest seed
        lowest: dict[str, RunRecord] = {}
        for r in sorted(self.runs, key=lambda r: (r.seed, r.id), reverse=True):
            if r.config_key in drawn:
                lowest[r.config_key] = r
        two_d = {k for k, d in self.datasets.items() if d.points is not None}
        ids = [r.id for r in lowest.values() if r.config.data_key() in two_d]
        self.params = store.study_params(study.id, ids) if self.runs else {}

    def of(self, r: RunRecord) -> str:
        return self.label[r.config_key]

    def task(self, cfg: RunConfig) -> str:
        """The configuration's task: the store's record of its data (else the data, loaded)."""
        info = self.datasets.get(cfg.data_key())
        if info is not None:
            return str(info.task)
        return _data_for(cfg).task


def _colours(figures: list[list[str]]) -> dict[str, str]:
    """One colour per configuration across the report, distinct within each figure while
    the palette allows (greedy, in order of first appearance: the first dataset's ranks)."""
    near: dict[str, set[str]] = {}
    for labels_ in figures:
        for lab in labels_:
            near.setdefault(lab, set()).update(set(labels_) - {lab})
    index: dict[str, int] = {}
    uses = [0] * len(PALETTE)
    for lab in near:
        taken = {index[n] for n in near[lab] if n in index}
        free = [i for i in range(len(PALETTE)) if i not in taken]
        index[lab] = free[0] if free else min(range(len(PALETTE)), key=lambda i: uses[i])
        uses[index[lab]] += 1
    return {lab: PALETTE[i] for lab, i in index.items()}


@dataclass
class _Section:
    """One data identity's part of the report: its ranked rows, its runs, and the runs of
    the configurations its figures draw (``shown``: their labels, in rank order)."""

    view: _View
    key: str
    title: str
    info: DatasetRecord | None
    rows: list[Any]
    runs: list[RunRecord]
    shown: list[str]
    drawn: list[RunRecord]

    @property
    def layers(self) -> dict[str, list[list[dict[str, Any]]]]:
        return _layers(self.view.study, self.view, self.drawn)


def render(study: Any) -> str:
    view = _View(study)
    runs = view.runs
    if not runs:
        raise ValueError(f"report: study {study.name!r} has no runs yet")
    keys = sorted({r.config.data_key() for r in runs}, key=lambda k: view.section[k])
    toc = ["<li><a href='#configuration'>Configuration</a></li>"]
    toc += [
        f"<li><a href='#{_anchor(view.section[k])}'>{html.escape(view.section[k])}</a></li>"
        for k in keys
    ]
    overall = view.overall
    if len(overall["datasets"]) >= 2:
        toc.append("<li><a href='#overall'>Across datasets</a></li>")
    n_cfg = len(view.label)
    large = any(len([r for r in view.rows if r.data_key == k]) > FIGURE_MAX for k in keys)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>actlab — "
        f"{html.escape(study.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>actlab study <code>{html.escape(study.name)}</code></h1>",
        "<p>Every activation trains the same network on the same data; seeds differ in "
        "initialisation and batch order. Measure, don't guess.</p>",
        (
            f"<p class='note'>{n_cfg} configurations, {len(runs)} runs: each dataset's table "
            f"ranks every configuration; its figures draw the top {FIGURE_MAX} of that table "
            "(and the cross-dataset figure the top by mean rank). <code>actlab export</code> "
            "has every run.</p>"
            if large
            else ""
        ),
        f"<nav><h2>Contents</h2><ol>{''.join(toc)}</ol></nav>",
        _config_section(study, view),
    ]
    by_key: dict[str, list[RunRecord]] = {}
    for r in runs:
        by_key.setdefault(r.config.data_key(), []).append(r)
    for dk in keys:
        shown = view.shown.get(dk, [])
        sec = _Section(
            view,
            dk,
            view.section[dk],
            view.datasets.get(dk),
            [r for r in view.rows if r.data_key == dk],
            by_key[dk],
            [view.label[ck] for ck in shown],
            [r for r in by_key[dk] if r.config_key in set(shown)],
        )
        parts += [html_ for build in DATASET_SECTIONS if (html_ := build(sec))]
    if len(overall["datasets"]) >= 2:
        parts.append(_overall_section(overall, view.colour))
    parts.append("</body></html>")
    return "\n".join(parts)


def _heading(sec: _Section) -> str:
    info = sec.info
    out = f"<h2 id='{_anchor(sec.title)}'>{html.escape(sec.title)}</h2>"
    if info is not None:
        out += (f"<p>Task: {html.escape(info.note or info.task)}; metric: {info.metric}"
                " on the test split (higher is better).</p>")  # fmt: skip
    return out


def _ranked(sec: _Section) -> str:
    return _table(sec.rows) + f"<p class='noise'>{html.escape(NOTES)}</p>"


def _sources_part(sec: _Section) -> str:
    return _sources(sec.view.study, sec.view, sec.runs)


def _figures_key(sec: _Section) -> str:
    """The figures' colour key, and which configurations they draw when not all."""
    out = _key(sec.shown, sec.view.colour)
    if len(sec.rows) > len(sec.shown):
        out += (
            f"<p class='noise'>The figures draw the top {len(sec.shown)} of the "
            f"{len(sec.rows)} configurations in the table above (by rank); the notes below "
            "cover every one.</p>"
        )
    return out


def _curves_part(sec: _Section) -> str:
    curves = _curves(sec.view.study, sec.view, sec.drawn)
    return (
        "<h3>Loss and metric during training (mean, band: min–max over seeds)</h3>"
        f"<figure>{_curve_figure(curves, sec.view.colour, _anchor(sec.title))}</figure>"
    )


def _gradient_part(sec: _Section) -> str:
    return (
        "<h3>Gradient flow: RMS ∂loss/∂z per layer (end of training)</h3>"
        f"<figure>{_gradient_figure(sec.layers, sec.view.colour, _anchor(sec.title))}</figure>"
    )


def _health_part(sec: _Section) -> str:
    return (
        "<h3>Unit health: dead units and flat samples over training</h3>"
        f"<figure>{_health_figure(sec.layers, sec.view.colour, _anchor(sec.title))}</figure>"
    )


def _histograms_part(sec: _Section) -> str:
    """Per-layer activation histograms (lab._report_layers) of the drawn configurations, in
    the table's order; "" when none were recorded (RunConfig.histograms)."""
    rank = {lab: i for i, lab in enumerate(sec.shown)}
    drawn = sorted(sec.drawn, key=lambda r: rank[sec.view.of(r)])
    return histogram_section(sec.view.study, sec.view, drawn, _mpl_svg, sec.view.histograms)


def _mpl_svg(fig: Any) -> str:
    """A matplotlib figure as inline SVG (the histogram figures; the others are _svg's)."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _boundary_part(sec: _Section) -> str:
    info = sec.info
    if info is None or info.points is None:
        return ""
    what = "predicted surface" if info.task == "regression" else "Decision boundaries"
    rank = {lab: i for i, lab in enumerate(sec.shown)}  # tiles in the table's order
    drawn = sorted(sec.drawn, key=lambda r: rank[sec.view.of(r)])
    fig = _boundary_figure(sec.view.study, sec.view, drawn, info, _anchor(sec.title))
    return (
        f"<h3>{what.capitalize()} (the lowest seed of each configuration)</h3>"
        f"<figure>{fig}</figure>"
    )


def _notes_part(sec: _Section) -> str:
    layers = _layers(sec.view.study, sec.view, sec.runs)
    return "<h3>What the monitor saw — the advisor's notes</h3>" + _notes(
        sec.view, sec.runs, layers
    )


# A dataset's part of the report, in order: each builder returns HTML ("" for nothing).
DATASET_SECTIONS: list[Callable[[_Section], str]] = [
    _heading,
    _ranked,
    _sources_part,
    _figures_key,
    _curves_part,
    _gradient_part,
    _health_part,
    _histograms_part,
    _boundary_part,
    _notes_part,
]


def _key(names: list[str], colour: dict[str, str]) -> str:
    """The colour of each configuration, the same in every figure of the report."""
    items = "".join(
        f"<span style='white-space:nowrap;margin-right:1em'><span style='color:{colour[n]}'>"
        f"■</span> {html.escape(n)}</span> "
        for n in names
    )
    return f"<p class='key'>Colours: {items}</p>"


def _config_section(study: Any, view: _View) -> str:
    """Every RunConfig field (one value, or each value the study has), the commands that ran
    the study, the environment."""
    cfgs = list({r.config_key: r.config for r in view.runs}.values())
    items = []
    for f in fields(RunConfig):
        distinct: dict[str, Any] = {}  # by repr: json.dumps once per distinct value
        for c in cfgs:
            v = getattr(c, f.name)
            distinct.setdefault(repr(v), v)
        vals = list(dict.fromkeys(json.dumps(v, default=str) for v in distinct.values()))
        shown = vals[0] if len(vals) == 1 else "varies: " + ", ".join(vals)
        items.append(f"<tr><td>{f.name}</td><td>{html.escape(shown)}</td></tr>")
    commands = list(dict.fromkeys(cmd for _, _, cmd in study.store.study_configs(study.id)))
    cmd_html = "".join(f"<li><code>{html.escape(c)}</code></li>" for c in commands)
    env = view.runs[0].env
    envs = ", ".join(f"{k} {v}" for k, v in env.items())
    return (
        "<h2 id='configuration'>Configuration</h2><div class='wide'><table><tr><th>field</th>"
        f"<th>value</th></tr>{''.join(items)}</table></div>"
        + (
            f"<p>Run it again (finished runs are skipped):</p><ul>{cmd_html}</ul>"
            if commands
            else ""
        )
        + f"<p>{len(view.runs)} runs. Environment: {html.escape(envs)}.</p>"
    )


def _table(rows: list[Any]) -> str:
    head = "".join(f"<th>{html.escape(c.header)}</th>" for _, c, _ in COLUMNS)
    body = []
    for r in rows:
        quiet = r.verdict.startswith("not") or r.learned is False
        cls = "best" if r.best else ("noise" if quiet else "")
        cells = "".join(f"<td>{html.escape(get(r))}</td>" for _, _, get in COLUMNS)
        body.append(f"<tr class='{cls}'>{cells}</tr>")
    note = ""
    if rows and not any(r.best for r in rows):
        note = f"<div class='note'>{html.escape(NOTHING_LEARNED)}</div>"
    return f"<div class='wide'><table><tr>{head}</tr>{''.join(body)}</table></div>{note}"


def _overall_section(overall: dict[str, Any], colour: dict[str, str]) -> str:
    ranks = "".join(
        f"<tr><td>{html.escape(m['configuration'])}</td><td>{m['mean_rank']:.2f}</td>"
        f"<td>[{m['lo']:.2f}, {m['hi']:.2f}]</td></tr>"
        for m in overall["mean_rank"]
    )
    ranked = [m["configuration"] for m in overall["mean_rank"]]
    names = ranked[:MATRIX_MAX]  # a larger matrix is not read: the top by mean rank
    poi = overall["probability_of_improvement"]
    head = "".join(f"<th>{html.escape(b)}</th>" for b in names)
    matrix = "".join(
        f"<tr><td>{html.escape(a)}</td>"
        + "".join(f"<td>{'—' if a == b else f'{poi[a][b]:.2f}'}</td>" for b in names)
        + "</tr>"
        for a in names
    )
    prof = overall["profile"]
    tau = np.asarray(prof["tau"], float)
    drawn = ranked[:FIGURE_MAX]
    panel = svg.Panel("", "τ (test metric)", "fraction of runs > τ", ylim=(-0.02, 1.02))
    panel.series = [
        svg.Series(a, colour.get(a, "#777"), tau, np.asarray(prof["fraction"][a], float), step=True)
        for a in drawn
    ]
    top = (
        f" (the top {len(names)} of {len(ranked)} by mean rank; --json has every pair)"
        if len(ranked) > len(names)
        else ""
    )
    drawn_note = (
        f"<p class='noise'>Drawn: the top {len(drawn)} of {len(ranked)} by mean rank.</p>"
        if len(ranked) > len(drawn)
        else ""
    )
    return (
        f"<h2 id='overall'>Across datasets ({', '.join(map(html.escape, overall['datasets']))})"
        "</h2><p>Mean rank by mean test metric (1 = best everywhere), 95% interval from "
        "resampling seeds within each dataset.</p><div class='wide'><table><tr><th>"
        f"configuration</th><th>mean rank</th><th>95% CI</th></tr>{ranks}</table></div>"
        "<h3>Probability of improvement (row's seed beats column's, averaged over datasets)"
        f"{html.escape(top)}</h3><div class='wide'><table><tr><th></th>{head}</tr>{matrix}"
        "</table></div><h3>Performance profile: fraction of runs scoring above τ (averaged "
        f"over datasets)</h3>{_key(drawn, colour)}{drawn_note}"
        f"<figure>{svg.lines([panel], 'overall', w=520, h=260)}</figure>"
    )


SOURCE_NAMES = {  # the recorded numbers, in the report's words
    "test_metric": "test metric (the table)",
    "test_loss": "test loss",
    "val_metric": "validation metric",
    "val_loss": "validation loss",
    "train_loss": "training loss",
    "train_metric": "training metric",
    "histograms": "activation histograms per layer",
    "grad_norm": "gradient norm per layer",
    "dead": "dead units",
    "saturated": "saturated units",
    "flat": "share of samples in the flat region",
    "grad_rms": "RMS ∂loss/∂z per layer",
}


def _sources(study: Any, view: _View, runs: list[RunRecord]) -> str:
    """Which split, rows and batch-norm statistics each number was measured with."""
    seen: dict[str, dict[str, list[str]]] = {}  # number → its descriptions → their runs
    for ck in dict.fromkeys(r.config_key for r in runs):
        for name, details in view.sources.get(ck, {}).items():
            for detail in details:
                labs = seen.setdefault(name, {}).setdefault(detail, [])
                if view.label[ck] not in labs:
                    labs.append(view.label[ck])
    if not seen:
        return "<p>What each number was measured on was not recorded for these runs.</p>"

    def cell(details: dict[str, list[str]]) -> str:
        if len(details) == 1:  # the same for every run
            return html.escape(next(iter(details)))
        return "<br>".join(html.escape(f"{', '.join(lab)}: {t}") for t, lab in details.items())

    body = "".join(
        f"<tr><td>{html.escape(SOURCE_NAMES.get(name, name))}</td><td>{cell(seen[name])}</td></tr>"
        for name in [
            *(k for k in SOURCE_NAMES if k in seen),
            *(k for k in seen if k not in SOURCE_NAMES),
        ]
    )
    return (
        "<h3>What each number measures</h3><table class='sources'><tr><th>number</th>"
        f"<th>measured on</th></tr>{body}</table>"
    )


def _curves(study: Any, view: _View, runs: list[RunRecord]) -> dict[str, dict[str, list[Any]]]:
    """Per configuration, its seeds' curves (the view read them in one query per name)."""
    out: dict[str, dict[str, list[Any]]] = {}
    for r in runs:
        d = out.setdefault(view.of(r), {k: [] for k in CURVES})
        for k in d:
            d[k].append(view.curves.get(k, {}).get(r.id, []))
    return out


CURVES = ("train_loss", "val_loss", "val_metric", "train_metric")  # train_metric: dashed


def _band(
    series: list[list[tuple[int, float]]], label: str, colour: str, band: bool = True
) -> svg.Series | None:
    """The mean over seeds with the min–max band, over the steps every seed reached."""
    series = [s for s in series if s]
    if not series:
        return None
    n = min(len(s) for s in series)
    steps = np.array([p[0] for p in series[0][:n]], float)
    vals = np.array([[p[1] for p in s[:n]] for s in series], float)
    lo, hi = np.fmin.reduce(vals, axis=0), np.fmax.reduce(vals, axis=0)  # NaN ignored
    if not band:
        return svg.Series(label, colour, steps, _nanmean(vals), dash=True)
    return svg.Series(label, colour, steps, _nanmean(vals), lo, hi)


def _curve_figure(
    curves: dict[str, dict[str, list[Any]]], colour: dict[str, str], uid: str = "curves"
) -> str:
    titles = {"train_loss": "training loss (minibatch mean)", "val_loss": "validation loss",
              "val_metric": "metric: validation; dashed: training (minibatch mean)"}  # fmt: skip
    panels = []
    for k, title in titles.items():
        panel = svg.Panel(title, "step", "", ylog=k != "val_metric")
        panel.series = [
            b for label, d in curves.items() if (b := _band(d[k], label, colour[label]))
        ]
        panels.append(panel)
    panels[2].series += [  # the training metric: dashed, no band
        b
        for label, d in curves.items()
        if (b := _band(d["train_metric"], label, colour[label], False))
    ]
    return svg.lines(panels, f"{uid}-curves", w=340, h=240)


def _layers(
    study: Any, view: _View, runs: list[RunRecord]
) -> dict[str, list[list[dict[str, Any]]]]:
    """Per configuration, each seed's layer records: every step for the figures' runs, the
    first and last step for the rest (all the findings compare), read once by the view."""
    out: dict[str, list[list[dict[str, Any]]]] = {}
    for r in runs:
        stats = view.layers.get(r.id) or view.ends.get(r.id, [])
        out.setdefault(view.of(r), []).append(stats)
    return out


def _gradient_figure(
    layers: dict[str, list[list[dict[str, Any]]]], colour: dict[str, str], uid: str = "grad"
) -> str:
    panel = svg.Panel("", "layer (1 = first)", "RMS ∂loss/∂z (probe batch)", ylog=True,
                      xint=True)  # fmt: skip
    for label, stats in layers.items():
        x, y = _final_by_layer(stats, "grad_rms")
        if len(x):
            panel.series.append(svg.Series(label, colour[label], x, y, markers=True))
    return svg.lines([panel], f"{uid}-grad", w=520, h=260)


def _health_figure(
    layers: dict[str, list[list[dict[str, Any]]]], colour: dict[str, str], uid: str = "health"
) -> str:
    panels = {
        "dead": svg.Panel(
            "dead units (f' = 0 on the probe batch), mean over layers",
            "step",
            "fraction of units",
            hline=DEAD_WARN.value,
        ),
        "flat": svg.Panel(
            f"flat samples (|f'| < {FLAT.value:g}·max|f'|), saturating ones",
            "step",
            "fraction of samples",
            hline=SATURATED_LAYER.value,
        ),
    }
    top = {"dead": 0.0, "flat": 0.0}
    for label, stats in layers.items():
        for k, panel in panels.items():
            by_step: dict[int, list[float]] = {}
            for s in stats:
                for x in s:
                    if x.get(k) is not None and not math.isnan(x[k]):
                        by_step.setdefault(x["step"], []).append(x[k])
            if by_step:
                steps = sorted(by_step)
                ys = [float(np.mean(by_step[t])) for t in steps]
                top[k] = max(top[k], *ys)
                panel.series.append(svg.Series(label, colour[label], np.array(steps, float),
                                               np.array(ys)))  # fmt: skip
    for k, panel in panels.items():
        hi = min(1.0, max(top[k] * 1.15, 0.01))  # scaled to the data: 1% of units is visible
        panel.ylim = (-0.02 * hi, hi)  # actlab.health's warning level drawn where in view
    return svg.lines(list(panels.values()), f"{uid}-health", w=360, h=240)


def _boundary_figure(
    study: Any, view: _View, runs: list[RunRecord], info: Any, uid: str = "boundary"
) -> str:
    """Per configuration (its lowest seed): the decision regions of a classifier, or the
    predicted surface of a regression as a continuous heatmap with a colour bar; the stored
    points on top. Needs only the store (the view read the drawn runs' parameters at once)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a few small forwards: more threads only contend (30× slower)
    try:
        return _boundary_tiles(study, view, runs, info, uid)
    finally:
        torch.set_num_threads(threads)


def _boundary_tiles(study: Any, view: _View, runs: list[RunRecord], info: Any, uid: str) -> str:
    import torch

    by_label: dict[str, RunRecord] = {view.of(r): r for r in runs}  # in the order given
    for r in sorted(runs, key=lambda r: (r.seed, r.id), reverse=True):
        by_label[view.of(r)] = r  # its lowest seed
    params = {r.id: view.params.get(r.id) or study.store.params(r.id) for r in by_label.values()}
    data = info.data()
    X, y = info.points
    lo, hi = X.min(0) - 0.3, X.max(0) + 0.3
    side = 80
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], side), np.linspace(lo[1], hi[1], side))
    grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    regression = info.task == "regression"
    vmin, vmax = (float(np.min(y)), float(np.max(y))) if regression else (0.0, 1.0)
    span = vmax - vmin if vmax > vmin else 1.0
    if regression:
        dots = [svg.viridis_hex((v - vmin) / span) for v in np.asarray(y, float)]
    else:
        dots = [svg.class_colour(int(c)) for c in np.asarray(y).reshape(len(X), -1)[:, 0]]
    points = [(float(a), float(b), c) for (a, b), c in zip(X[:, :2], dots, strict=True)]
    items = []
    for label, r in by_label.items():
        net = BatchedNet(_shell(r.config), data, [0])
        load_params(net, params.get(r.id, b""))
        net.eval()
        with torch.no_grad():
            out = net(grid[None])[0].numpy()
        if regression:
            rgb = svg.viridis((out[:, 0].reshape(gx.shape) - vmin) / span)
        else:
            cls = out.argmax(1) if out.shape[1] > 1 else (out[:, 0] > 0).astype(int)
            rgb = svg.class_regions(cls.reshape(gx.shape))
        extent = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
        # the grid's first row is the lowest y; an image's first row is its top
        items.append(svg.Tile(label, view.colour.get(label, "#333"), rgb[::-1], extent, points))
    bar = (vmin, vmax, "prediction (target units)") if regression else None
    return svg.tiles(items, f"{uid}-boundary", cols=4, colourbar=bar)


def _shell(cfg: RunConfig) -> RunConfig:
    """The configuration's network with PyTorch's default init: the same layers and shapes,
    which load_params then fills with the stored run's every parameter (the init of ``cfg``,
    e.g. "auto"'s variance-preserving gain, is an integral per activation: not needed)."""
    return replace(cfg, init="torch", gain=None, std=None, distribution=None, bias=None)


def _notes(
    view: _View, runs: list[RunRecord], layers: dict[str, list[list[dict[str, Any]]]]
) -> str:
    """actlab.health's findings on the stored runs (the monitor's definitions and fixes); the
    task comes from the store's record of the data."""
    notes = []
    cfg_of = {view.of(r): r.config for r in runs}
    for label, stats in layers.items():
        cfg = cfg_of[label]
        for f in layer_findings(cfg, view.task(cfg), stats):
            where = f"{label} at depth {cfg.depth}" if f.kind.endswith("_gradients") else label
            notes.append(f"{where}: {f.message}. Try: {_try(f)}.")
    by_label: dict[str, list[RunRecord]] = {}
    for r in runs:
        by_label.setdefault(view.of(r), []).append(r)
    for label in sorted(by_label):
        mine = by_label[label]
        div = [r for r in mine if r.status == "diverged"]
        if div:
            cfg = mine[0].config
            f = diverged_finding(
                "the loss", int(div[0].diverged_step or 0), cfg.layer_activations()[0],
                view.task(cfg),
            )  # fmt: skip
            notes.append(
                f"{label}: {len(div)} of {len(mine)} seed(s) diverged (first at step "
                f"{f.evidence['step']}). Try: {_try(f)}."
            )
    if not notes:
        return (
            "<p>No dead units, saturation, vanishing or exploding gradients, or divergence "
            "were seen (actlab.health's thresholds).</p>"
        )
    return "".join(f"<div class='note'>{html.escape(n)}</div>" for n in notes)


def _try(f: Any) -> str:
    return "; ".join(f.fixes)
