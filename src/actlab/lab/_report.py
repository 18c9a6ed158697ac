"""The study report: one self-contained HTML file (inline SVG figures, inline CSS, no network)."""

from __future__ import annotations

import html
import io
import json
import math
from dataclasses import fields
from typing import Any

import numpy as np

from .._analysis._health import (
    DEAD_WARN,
    FLAT,
    SATURATED_LAYER,
    diverged_finding,
)
from ._findings import _by_layer, _final_by_layer, _predicted, layer_findings  # noqa: F401
from ._identity import _data_for, labels, sections
from ._report_layers import histogram_section
from ._store import RunRecord
from ._summary import COLUMNS, NOTES, NOTHING_LEARNED, num
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
LEGEND_MAX = 12  # more entries than this would cover the axes: the table's order is the key
PALETTE = (  # matplotlib's tab10 then tab20's light half: one colour per configuration
    *("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"),
    *("#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94"),
    *("#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"),
)


def _legend(ax: Any) -> None:
    """A legend where it fits (LEGEND_MAX entries); beyond that the colours are listed once
    under the figures' section (too many lines to tell apart anyway). Nothing drawn (a
    measure that applies to none, a user's model without per-layer records): none."""
    if 0 < len(ax.get_legend_handles_labels()[1]) <= LEGEND_MAX:
        ax.legend(fontsize=7)


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _figure(rows: int = 1, cols: int = 2, w: float = 5.2, h: float = 3.2) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w * cols, h * rows))
    return fig, fig.subplots(rows, cols, squeeze=False)


def _fmt(v: float, d: int = 4) -> str:
    return num(v, d)


def _anchor(text: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in text)


class _View:
    """What one rendering needs, read once: runs, labels, sections, colours, datasets."""

    def __init__(self, study: Any) -> None:
        self.study = study
        self.runs: list[RunRecord] = study.runs
        cfgs = list({r.config_key: r.config for r in self.runs}.values())
        self.label = labels(cfgs)
        self.section = sections(cfgs)
        order = sorted({self.label[c.key()] for c in cfgs})
        self.colour = {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(order)}
        self.datasets = study.store.datasets()

    def of(self, r: RunRecord) -> str:
        return self.label[r.config_key]

    def task(self, cfg: RunConfig) -> str:
        """The configuration's task: the store's record of its data (else the data, loaded)."""
        info = self.datasets.get(cfg.data_key())
        if info is not None:
            return str(info.task)
        return _data_for(cfg).task


def render(study: Any) -> str:
    view = _View(study)
    runs = view.runs
    if not runs:
        raise ValueError(f"report: study {study.name!r} has no runs yet")
    rows = study.rows(runs)
    keys = sorted({r.config.data_key() for r in runs}, key=lambda k: view.section[k])
    toc = ["<li><a href='#configuration'>Configuration</a></li>"]
    toc += [
        f"<li><a href='#{_anchor(view.section[k])}'>{html.escape(view.section[k])}</a></li>"
        for k in keys
    ]
    overall = study.overall(runs)
    if len(overall["datasets"]) >= 2:
        toc.append("<li><a href='#overall'>Across datasets</a></li>")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>actlab — "
        f"{html.escape(study.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>actlab study <code>{html.escape(study.name)}</code></h1>",
        "<p>Every activation trains the same network on the same data; seeds differ in "
        "initialisation and batch order. Measure, don't guess.</p>",
        f"<nav><h2>Contents</h2><ol>{''.join(toc)}</ol></nav>",
        _config_section(study, view),
    ]
    for dk in keys:
        ds_runs = [r for r in runs if r.config.data_key() == dk]
        info = view.datasets.get(dk)
        title = view.section[dk]
        parts.append(f"<h2 id='{_anchor(title)}'>{html.escape(title)}</h2>")
        if info is not None:
            parts.append(f"<p>Task: {html.escape(info.note or info.task)}; metric: {info.metric}"
                         f" on the test split (higher is better).</p>")  # fmt: skip
        parts.append(_table([r for r in rows if r.data_key == dk]))
        parts.append(f"<p class='noise'>{html.escape(NOTES)}</p>")
        parts.append(_sources(study, view, ds_runs))
        curves = _curves(study, view, ds_runs)
        parts.append(_key(list(curves), view.colour))
        parts.append("<h3>Loss and metric during training (mean, band: min–max over seeds)</h3>")
        parts.append(f"<figure>{_svg(_curve_figure(curves, view.colour))}</figure>")
        parts.append("<h3>Gradient flow: RMS ∂loss/∂z per layer (end of training)</h3>")
        layers = _layers(study, view, ds_runs)
        parts.append(f"<figure>{_svg(_gradient_figure(layers, view.colour))}</figure>")
        parts.append("<h3>Unit health: dead units and flat samples over training</h3>")
        parts.append(f"<figure>{_svg(_health_figure(layers, view.colour))}</figure>")
        parts.append(histogram_section(study, view, ds_runs, _svg))
        if info is not None and info.points is not None:
            what = "predicted surface" if info.task == "regression" else "Decision boundaries"
            parts.append(f"<h3>{what.capitalize()} (the lowest seed of each configuration)</h3>")
            parts.append(f"<figure>{_svg(_boundary_figure(study, view, ds_runs, info))}</figure>")
        parts.append("<h3>What the monitor saw — the advisor's notes</h3>")
        parts.append(_notes(view, ds_runs, layers))
    if len(overall["datasets"]) >= 2:
        parts.append(_overall_section(overall, view.colour))
    parts.append("</body></html>")
    return "\n".join(parts)


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
        vals = list(dict.fromkeys(json.dumps(getattr(c, f.name), default=str) for c in cfgs))
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
    names = [m["configuration"] for m in overall["mean_rank"]]
    poi = overall["probability_of_improvement"]
    head = "".join(f"<th>{html.escape(b)}</th>" for b in names)
    matrix = "".join(
        f"<tr><td>{html.escape(a)}</td>"
        + "".join(f"<td>{'—' if a == b else f'{poi[a][b]:.2f}'}</td>" for b in names)
        + "</tr>"
        for a in names
    )
    fig, ax = _figure(cols=1, w=6.5)
    prof = overall["profile"]
    for a in names:
        ax[0, 0].step(prof["tau"], prof["fraction"][a], where="post", label=a, color=colour.get(a))
    ax[0, 0].set_xlabel("τ (test metric)")
    ax[0, 0].set_ylabel("fraction of runs > τ")
    _legend(ax[0, 0])
    fig.tight_layout()
    return (
        f"<h2 id='overall'>Across datasets ({', '.join(map(html.escape, overall['datasets']))})"
        "</h2><p>Mean rank by mean test metric (1 = best everywhere), 95% interval from "
        "resampling seeds within each dataset.</p><div class='wide'><table><tr><th>"
        f"configuration</th><th>mean rank</th><th>95% CI</th></tr>{ranks}</table></div>"
        "<h3>Probability of improvement (row's seed beats column's, averaged over datasets)"
        f"</h3><div class='wide'><table><tr><th></th>{head}</tr>{matrix}</table></div>"
        "<h3>Performance profile: fraction of runs scoring above τ (averaged over datasets)"
        f"</h3><figure>{_svg(fig)}</figure>"
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
    for r in runs:
        for name, d in study.store.sources(r.id).items():
            labs = seen.setdefault(name, {}).setdefault(d["detail"], [])
            if view.of(r) not in labs:
                labs.append(view.of(r))
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
    out: dict[str, dict[str, list[Any]]] = {}
    for r in runs:
        c = study.store.curves(r.id)
        d = out.setdefault(view.of(r), {k: [] for k in CURVES})
        for k in d:
            d[k].append(c.get(k, []))
    return out


CURVES = ("train_loss", "val_loss", "val_metric", "train_metric")  # train_metric: dashed


def _band(
    ax: Any,
    series: list[list[tuple[int, float]]],
    label: str | None,
    colour: str,
    band: bool = True,
    ls: str = "-",
) -> None:
    series = [s for s in series if s]
    if not series:
        return
    n = min(len(s) for s in series)
    steps = np.array([p[0] for p in series[0][:n]])
    vals = np.array([[p[1] for p in s[:n]] for s in series], float)
    ax.plot(steps, np.nanmean(vals, 0), label=label, lw=1.4, color=colour, ls=ls)
    if band:
        ax.fill_between(steps, np.nanmin(vals, 0), np.nanmax(vals, 0), alpha=0.15, color=colour)


def _curve_figure(curves: dict[str, dict[str, list[Any]]], colour: dict[str, str]) -> Any:
    fig, ax = _figure(cols=3, w=4.4)
    band = len(curves) <= LEGEND_MAX  # more bands than lines to read would hide the lines
    for label, d in curves.items():
        for a, k in zip(ax[0], CURVES, strict=False):
            _band(a, d[k], label, colour[label], band)
        _band(ax[0, 2], d["train_metric"], None, colour[label], False, "--")
    ax[0, 0].set_title("training loss (minibatch mean)")
    ax[0, 1].set_title("validation loss")
    ax[0, 2].set_title("metric: validation; dashed: training (minibatch mean)", fontsize=9)
    for a in ax[0, :2]:
        a.set_yscale("log")
    for a in ax[0]:
        a.set_xlabel("step")
    _legend(ax[0, 2])
    fig.tight_layout()
    return fig


def _layers(
    study: Any, view: _View, runs: list[RunRecord]
) -> dict[str, list[list[dict[str, Any]]]]:
    out: dict[str, list[list[dict[str, Any]]]] = {}
    for r in runs:
        out.setdefault(view.of(r), []).append(study.store.layer_stats(r.id))
    return out


def _gradient_figure(layers: dict[str, list[list[dict[str, Any]]]], colour: dict[str, str]) -> Any:
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure(cols=1, w=6.5)
    for label, stats in layers.items():
        x, y = _final_by_layer(stats, "grad_rms")
        if len(x):
            ax[0, 0].plot(x, y, "o-", label=label, lw=1.2, ms=3, color=colour[label])
    ax[0, 0].set_yscale("log")
    ax[0, 0].set_xlabel("layer (1 = first)")
    ax[0, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    ax[0, 0].set_ylabel("RMS ∂loss/∂z (probe batch)")
    _legend(ax[0, 0])
    fig.tight_layout()
    return fig


def _health_figure(layers: dict[str, list[list[dict[str, Any]]]], colour: dict[str, str]) -> Any:
    fig, ax = _figure()
    top = {"dead": 0.0, "flat": 0.0}
    for label, stats in layers.items():
        for k, a in (("dead", ax[0, 0]), ("flat", ax[0, 1])):
            by_step: dict[int, list[float]] = {}
            for s in stats:
                for x in s:
                    if x.get(k) is not None and not math.isnan(x[k]):
                        by_step.setdefault(x["step"], []).append(x[k])
            if by_step:
                steps = sorted(by_step)
                ys = [float(np.mean(by_step[t])) for t in steps]
                top[k] = max(top[k], *ys)
                a.plot(steps, ys, label=label, lw=1.2, color=colour[label])
    ax[0, 0].set_title("dead units (f' = 0 on the probe batch), mean over layers")
    ax[0, 1].set_title(f"flat samples (|f'| < {FLAT.value:g}·max|f'|), saturating activations")
    for k, a, line in (("dead", ax[0, 0], DEAD_WARN), ("flat", ax[0, 1], SATURATED_LAYER)):
        a.set_xlabel("step")
        hi = min(1.0, max(top[k] * 1.15, 0.01))  # scaled to the data: 1% of units is visible
        a.set_ylim(-0.02 * hi, hi)
        a.set_ylabel("fraction of units" if k == "dead" else "fraction of samples")
        if line.value <= hi:  # actlab.health's warning level, where it is in view
            a.axhline(line.value, color="#999", lw=0.8, ls="--")
        _legend(a)
    fig.tight_layout()
    return fig


def _boundary_figure(study: Any, view: _View, runs: list[RunRecord], info: Any) -> Any:
    """Per configuration (its lowest seed): the decision regions of a classifier, or the
    predicted surface of a regression as a continuous heatmap with a colour bar; the stored
    points on top. Needs only the store."""
    import torch

    by_label: dict[str, RunRecord] = {}
    for r in sorted(runs, key=lambda r: (r.seed, r.id)):
        by_label.setdefault(view.of(r), r)
    n = len(by_label)
    cols = min(4, n)
    rows_n = math.ceil(n / cols)
    fig, ax = _figure(rows_n, cols, w=2.8, h=2.6)
    data = info.data()
    X, y = info.points
    lo, hi = X.min(0) - 0.3, X.max(0) + 0.3
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 80), np.linspace(lo[1], hi[1], 80))
    grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    regression = info.task == "regression"
    vmin, vmax = (float(np.min(y)), float(np.max(y))) if regression else (0.0, 1.0)
    image = None
    for a, (label, r) in zip(ax.flat, by_label.items(), strict=False):
        net = BatchedNet(r.config, data, [0])
        load_params(net, study.store.params(r.id))
        net.eval()
        with torch.no_grad():
            out = net(grid[None])[0].numpy()
        if regression:
            image = a.pcolormesh(gx, gy, out[:, 0].reshape(gx.shape), cmap="viridis",
                                 vmin=vmin, vmax=vmax, shading="auto")  # fmt: skip
            a.scatter(X[:, 0], X[:, 1], c=y, s=3, cmap="viridis", vmin=vmin, vmax=vmax,
                      edgecolors="k", linewidths=0.1)  # fmt: skip
        else:
            cls = out.argmax(1) if out.shape[1] > 1 else (out[:, 0] > 0).astype(int)
            a.contourf(gx, gy, cls.reshape(gx.shape), alpha=0.3, cmap="coolwarm")
            a.scatter(X[:, 0], X[:, 1], c=y, s=3, cmap="coolwarm")
        a.set_title(label, fontsize=8, color=view.colour[label])
        a.set_xticks([])
        a.set_yticks([])
    for a in list(ax.flat)[n:]:
        a.axis("off")
    fig.tight_layout()
    if image is not None:
        fig.colorbar(image, ax=list(ax.flat), shrink=0.8, label="prediction (target units)")
    return fig


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
    for label in sorted({view.of(r) for r in runs}):
        mine = [r for r in runs if view.of(r) == label]
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
