"""The study report: one self-contained HTML file (inline SVG figures, inline CSS, no network)."""

from __future__ import annotations

import html
import io
import json
import math
from typing import Any

import numpy as np

from .._analysis._health import (
    DEAD_WARN,
    FLAT,
    SATURATED_LAYER,
    dead_finding,
    diverged_finding,
    gradient_finding,
    predicted_ratio,
    profile,
    saturation_finding,
    sigma_w2,
)
from .._catalog import get
from ._train import BatchedNet, RunConfig, load_params

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;
color:#222;line-height:1.4}h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ddd;
padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child,td:nth-child(2){
text-align:left}.noise{color:#777}.best{font-weight:bold}.note{background:#fff8e5;
border-left:4px solid #f0b400;padding:6px 10px;margin:6px 0}figure{margin:1em 0}
code{background:#f4f4f4;padding:1px 4px}.sources td{text-align:left}
"""


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
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, float) and math.isinf(v):
        return "never"
    return f"{v:.{d}f}"


def render(study: Any) -> str:
    runs = study.runs
    if not runs:
        raise ValueError(f"report: study {study.name!r} has no runs yet")
    rows = study.rows()
    datasets = sorted({r["config"]["dataset"] for r in runs})
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>actlab — "
        f"{html.escape(study.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>actlab study <code>{html.escape(study.name)}</code></h1>",
        "<p>Every activation trains the same network on the same data; seeds differ in "
        "initialisation and batch order. Measure, don't guess.</p>",
    ]
    parts.append(_config_section(study, runs))
    for ds in datasets:
        ds_runs = [r for r in runs if r["config"]["dataset"] == ds]
        parts.append(f"<h2>{html.escape(ds)}</h2>")
        parts.append(_table([r for r in rows if r.dataset == ds]))
        parts.append(_sources(study, ds_runs))
        curves = _curves(study, ds_runs)
        parts.append("<h3>Loss and metric during training (mean, band: min–max over seeds)</h3>")
        parts.append(f"<figure>{_svg(_curve_figure(curves))}</figure>")
        parts.append("<h3>Gradient flow: gradient norm per layer (end of training)</h3>")
        layers = _layers(study, ds_runs)
        parts.append(f"<figure>{_svg(_gradient_figure(layers))}</figure>")
        parts.append("<h3>Unit health: dead and saturated fraction per layer over training</h3>")
        parts.append(f"<figure>{_svg(_health_figure(layers))}</figure>")
        if ds_runs[0]["config"].get("path") is None and _is_2d(ds_runs[0]["config"]):
            parts.append("<h3>Decision boundaries (seed with the lowest id)</h3>")
            parts.append(f"<figure>{_svg(_boundary_figure(study, ds_runs))}</figure>")
        parts.append("<h3>What the monitor saw — the advisor's notes</h3>")
        parts.append(_notes(ds_runs, layers))
    parts.append("</body></html>")
    return "\n".join(parts)


def _config_section(study: Any, runs: list[dict[str, Any]]) -> str:
    conf: dict[str, Any] = next(
        (s["config"] for s in study.store.studies() if s["id"] == study.id), {}
    )
    env = runs[0]["env"]
    items = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(json.dumps(v))}</td></tr>"
        for k, v in conf.items()
    )
    envs = ", ".join(f"{k} {v}" for k, v in env.items())
    return (
        f"<h2>Configuration</h2><table><tr><th>setting</th><th>value</th></tr>{items}"
        f"</table><p>{len(runs)} runs. Environment: {html.escape(envs)}.</p>"
    )


def _table(rows: list[Any]) -> str:
    head = (
        "<table><tr><th>activation</th><th>metric</th><th>mean</th><th>± 95% CI</th>"
        "<th>seeds done / diverged</th><th>steps to 90% of best</th><th>ms/step</th>"
        "<th>baseline</th><th>vs best (Welch)</th></tr>"
    )
    body = []
    for r in rows:
        cls = "best" if r.best else ("noise" if r.within_noise or not r.learned else "")
        body.append(
            f"<tr class='{cls}'><td>{html.escape(r.label)}</td><td>{r.metric}</td>"
            f"<td>{_fmt(r.mean)}</td><td>{_fmt(r.ci95)}</td><td>{r.seeds}</td>"
            f"<td>{_fmt(r.steps_to_90, 0)}</td><td>{1e3 * r.time_per_step:.2f}</td>"
            f"<td>{_fmt(r.baseline)}</td><td>{html.escape(r.verdict)}</td></tr>"
        )
    note = ""
    if rows and not any(r.learned for r in rows):
        note = (
            "<div class='note'>No configuration beat the trivial baseline (the majority class, "
            "or R² 0): no best is named and steps to 90% of best is undefined.</div>"
        )
    return head + "".join(body) + "</table>" + note


SOURCE_NAMES = {  # the recorded numbers, in the report's words
    "test_metric": "test metric (the table)",
    "test_loss": "test loss",
    "val_metric": "validation metric",
    "val_loss": "validation loss",
    "train_loss": "training loss",
    "grad_norm": "gradient norm per layer",
    "dead": "dead units",
    "saturated": "saturated units",
    "flat": "share of samples in the flat region",
    "grad_rms": "RMS ∂loss/∂z per layer",
}


def _sources(study: Any, runs: list[dict[str, Any]]) -> str:
    """Which split, rows and batch-norm statistics each number was measured with."""
    seen: dict[str, dict[str, list[str]]] = {}  # number → its descriptions → their runs
    for r in runs:
        for name, d in study.store.sources(r["id"]).items():
            labels = seen.setdefault(name, {}).setdefault(d["detail"], [])
            if _label(r) not in labels:
                labels.append(_label(r))
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


def _label(r: dict[str, Any]) -> str:
    return RunConfig(**r["config"]).label()


def _curves(study: Any, runs: list[dict[str, Any]]) -> dict[str, dict[str, list[Any]]]:
    out: dict[str, dict[str, list[Any]]] = {}
    for r in runs:
        c = study.store.curves(r["id"])
        d = out.setdefault(_label(r), {"train_loss": [], "val_loss": [], "val_metric": []})
        for k in d:
            d[k].append(c.get(k, []))
    return out


def _band(ax: Any, series: list[list[tuple[int, float]]], label: str) -> None:
    series = [s for s in series if s]
    if not series:
        return
    n = min(len(s) for s in series)
    steps = np.array([p[0] for p in series[0][:n]])
    vals = np.array([[p[1] for p in s[:n]] for s in series], float)
    (line,) = ax.plot(steps, np.nanmean(vals, 0), label=label, lw=1.4)
    ax.fill_between(
        steps, np.nanmin(vals, 0), np.nanmax(vals, 0), alpha=0.15, color=line.get_color()
    )


def _legend(a: Any) -> None:
    """A legend where something was drawn (a user's model may have no per-layer records)."""
    if a.get_legend_handles_labels()[0]:
        a.legend(fontsize=7)


def _curve_figure(curves: dict[str, dict[str, list[Any]]]) -> Any:
    fig, ax = _figure(cols=3, w=4.4)
    for label, d in curves.items():
        _band(ax[0, 0], d["train_loss"], label)
        _band(ax[0, 1], d["val_loss"], label)
        _band(ax[0, 2], d["val_metric"], label)
    ax[0, 0].set_title("training loss (minibatch mean)")
    ax[0, 1].set_title("validation loss")
    ax[0, 2].set_title("validation metric")
    for a in ax[0, :2]:
        a.set_yscale("log")
    for a in ax[0]:
        a.set_xlabel("step")
    _legend(ax[0, 2])
    fig.tight_layout()
    return fig


def _layers(study: Any, runs: list[dict[str, Any]]) -> dict[str, list[list[dict[str, Any]]]]:
    out: dict[str, list[list[dict[str, Any]]]] = {}
    for r in runs:
        out.setdefault(_label(r), []).append(study.store.layer_stats(r["id"]))
    return out


def _final_by_layer(stats: list[list[dict[str, Any]]], key: str) -> tuple[np.ndarray, np.ndarray]:
    return _by_layer(stats, key, max)


def _by_layer(
    stats: list[list[dict[str, Any]]], key: str, pick: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Per layer, the mean over seeds of ``key`` at the first (pick=min) or last (max) step."""
    per_seed = []
    for s in stats:
        if not s:
            continue
        last = pick(x["step"] for x in s)
        per_seed.append({x["layer"]: x[key] for x in s if x["step"] == last})
    if not per_seed:
        return np.array([]), np.array([])
    layers = sorted(per_seed[0])
    vals = np.array(
        [
            [d.get(layer, math.nan) if d.get(layer) is not None else math.nan for layer in layers]
            for d in per_seed
        ],
        float,
    )
    return np.array(layers), _nanmean(vals)


def _nanmean(vals: np.ndarray) -> np.ndarray:
    """Mean over seeds (axis 0) ignoring NaN; NaN where a measure does not apply at all."""
    ok = np.isfinite(vals)
    total = np.where(ok, vals, 0.0).sum(0)
    count = ok.sum(0)
    return np.where(count > 0, total / np.maximum(count, 1), math.nan)


def _gradient_figure(layers: dict[str, list[list[dict[str, Any]]]]) -> Any:
    fig, ax = _figure(cols=1, w=6.5)
    for label, stats in layers.items():
        x, y = _final_by_layer(stats, "grad_rms")
        if len(x):
            ax[0, 0].plot(x, y, "o-", label=label, lw=1.2, ms=3)
    ax[0, 0].set_yscale("log")
    ax[0, 0].set_xlabel("layer (1 = first)")
    ax[0, 0].set_ylabel("RMS ∂loss/∂z (probe batch)")
    if ax[0, 0].get_legend_handles_labels()[0]:
        ax[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _health_figure(layers: dict[str, list[list[dict[str, Any]]]]) -> Any:
    fig, ax = _figure()
    for label, stats in layers.items():
        for k, a in (("dead", ax[0, 0]), ("flat", ax[0, 1])):
            by_step: dict[int, list[float]] = {}
            for s in stats:
                for x in s:
                    if x.get(k) is not None:
                        by_step.setdefault(x["step"], []).append(x[k])
            if by_step:
                steps = sorted(by_step)
                a.plot(steps, [np.mean(by_step[t]) for t in steps], label=label, lw=1.2)
    ax[0, 0].set_title("dead units (f' = 0 on the probe batch), mean over layers")
    ax[0, 1].set_title(f"flat samples (|f'| < {FLAT.value:g}·max|f'|), saturating activations")
    for a in ax[0]:
        a.set_xlabel("step")
        a.set_ylim(-0.02, 1.02)
    ax[0, 1].axhline(SATURATED_LAYER.value, color="#999", lw=0.8, ls="--")
    ax[0, 0].axhline(DEAD_WARN.value, color="#999", lw=0.8, ls="--")
    for a in ax[0]:
        if a.get_legend_handles_labels()[0]:  # a measure that applies to none: no legend
            a.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _is_2d(cfg: dict[str, Any]) -> bool:
    from ._study import _data_for

    return _data_for(RunConfig(**cfg)).n_features == 2


def _boundary_figure(study: Any, runs: list[dict[str, Any]]) -> Any:
    import torch

    from ._study import _data_for

    by_label: dict[str, dict[str, Any]] = {}
    for r in sorted(runs, key=lambda r: r["id"]):
        by_label.setdefault(_label(r), r)
    n = len(by_label)
    cols = min(4, n)
    rows_n = math.ceil(n / cols)
    fig, ax = _figure(rows_n, cols, w=2.8, h=2.6)
    data = _data_for(RunConfig(**next(iter(by_label.values()))["config"]))
    X = np.concatenate([data.X_train, data.X_test])
    y = np.concatenate([data.y_train, data.y_test])
    lo, hi = X.min(0) - 0.3, X.max(0) + 0.3
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 80), np.linspace(lo[1], hi[1], 80))
    grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    for a, (label, r) in zip(ax.flat, by_label.items(), strict=False):
        cfg = RunConfig(**r["config"])
        net = BatchedNet(cfg, data, [0])
        load_params(net, study.store.params(r["id"]))
        net.eval()
        with torch.no_grad():
            out = net(grid[None])[0, :, 0].numpy()
        a.contourf(
            gx, gy, out.reshape(gx.shape) > 0, levels=1, alpha=0.3, colors=["#1f77b4", "#ff7f0e"]
        )
        a.scatter(X[:, 0], X[:, 1], c=y, s=3, cmap="coolwarm")
        a.set_title(label, fontsize=8)
        a.set_xticks([])
        a.set_yticks([])
    for a in list(ax.flat)[n:]:
        a.axis("off")
    fig.tight_layout()
    return fig


def _predicted(cfg: dict[str, Any], gaps: int) -> float | None:
    """The mean-field gradient ratio over ``gaps`` layers for a run's activation and init
    (MLP hidden layers: square, so σ_w² on fan_in and on fan_out agree)."""
    if cfg["model"] != "mlp" or cfg.get("batch_norm") or gaps < 1:
        return None
    act = get(cfg["activation"].split("/")[0], **cfg.get("params", {}))  # a list: the first
    if act.kind != "elementwise":
        return None
    sw2 = sigma_w2(cfg["init"], act)
    return predicted_ratio([act] * (gaps + 1), sw2, [sw2] * gaps)


def _notes(runs: list[dict[str, Any]], layers: dict[str, list[list[dict[str, Any]]]]) -> str:
    """actlab.health's findings on the stored runs (the monitor's definitions and fixes)."""
    from ._study import _data_for

    notes = []
    cfg_of = {_label(r): r["config"] for r in runs}
    for label, stats in layers.items():
        cfg = cfg_of[label]
        act, task = cfg["activation"], _data_for(RunConfig(**cfg)).task
        for when, pick in (("at the start of training", min), ("at the end", max)):
            x, g = _by_layer(stats, "grad_rms", pick)
            if len(g) < 2 or not (g[-1] > 0 and np.isfinite(g).all()):
                continue
            gaps = int(x[-1] - x[0])
            f = gradient_finding(
                float(g[0] / g[-1]),
                str(int(x[0])),
                str(int(x[-1])),
                _predicted(cfg, gaps),
                act,
                when,
                task,
            )
            if f is not None:
                notes.append(f"{label} at depth {cfg['depth']}: {f.message}. Try: {_try(f)}.")
                break
        _, dead = _final_by_layer(stats, "dead")
        if len(dead) and np.isfinite(dead).any():
            i = int(np.nanargmax(dead))
            units = cfg["width"]
            if isinstance(units, list):  # per-layer widths (convolutions are not in the list)
                units = units[min(i, len(units) - 1)]
            d = dead_finding(str(i + 1), float(dead[i]), act, units, "the end of training", task)
            if d is not None:
                notes.append(f"{label}: {d.message}. Try: {_try(d)}.")
        _, flat = _final_by_layer(stats, "flat")
        _, sat = _final_by_layer(stats, "saturated")
        if len(flat) and np.isfinite(flat).any() and profile(act).saturating:
            i = int(np.nanargmax(flat))
            f = saturation_finding(
                str(i + 1), float(flat[i]), float(sat[i]), act, "the end of training", task=task
            )
            if f is not None:
                notes.append(f"{label}: {f.message}. Try: {_try(f)}.")
    for label in sorted({_label(r) for r in runs}):
        mine = [r for r in runs if _label(r) == label]
        div = [r for r in mine if r["status"] == "diverged"]
        if div:
            cfg = mine[0]["config"]
            task = _data_for(RunConfig(**cfg)).task
            f = diverged_finding(
                "the loss", int(div[0]["diverged_step"] or 0), cfg["activation"], task
            )
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
