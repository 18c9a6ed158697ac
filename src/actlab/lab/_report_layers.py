"""The report's per-layer histograms (``RunConfig.histograms``): per configuration one compact
figure — its hidden layers as rows, pre-activations and activations as the two columns, the
recorded steps overlaid (light: early, dark: late) — of the probe's values in the trainer's
fixed bins, summed over the configuration's seeds. Read from the store in one query; capped
at HIST_MAX_CONFIGS figures and HIST_MAX_LAYERS rows per section, and the page says when."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

HIST_MAX_CONFIGS = 8  # figures per dataset section (more: the first ones, said on the page)
HIST_MAX_LAYERS = 8  # rows per figure (more: evenly spaced layers, first and last kept)
SHARE_FLOOR = 0.0001  # the log y-axis starts here (a plotting range, not a health threshold)


def histogram_section(
    study: Any, view: Any, runs: list[Any], svg: Any, stored: dict[int, Any] | None = None
) -> str:
    """The section's HTML: a heading, a sentence saying what is drawn, one figure per
    configuration with histograms (``svg`` renders a matplotlib figure); "" when no run of
    the section recorded any. ``stored``: the runs' histograms if already read."""
    if stored is None:
        stored = study.store.histograms([r.id for r in runs])
    by_label: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        if stored.get(r.id):
            by_label.setdefault(view.of(r), []).extend(stored[r.id])
    if not by_label:
        return ""
    labels = list(by_label)
    shown = labels[:HIST_MAX_CONFIGS]
    first = by_label[shown[0]][0]
    lo, hi = first["lo"], first["hi"]
    parts = [
        "<h3>Activation histograms per layer (the probe's values, all seeds)</h3>",
        "<p>Rows: hidden layers (1 = first); left: pre-activations z, right: activations "
        f"f(z); one line per recorded step (light: early, dark: late), as the share of values "
        f"per bin of width {(hi - lo) / (len(first['counts']) - 2):g} over [{lo:g}, {hi:g}); "
        "the outermost points hold every value below and above.</p>",
    ]
    if len(labels) > len(shown):
        parts.append(
            f"<p class='note'>Histograms drawn for {len(shown)} of {len(labels)} configurations "
            "(the first given; a figure per configuration would make the page slow); the store "
            "holds them all (Store.histograms).</p>"
        )
    for label in shown:
        fig, note = _figure(by_label[label], label)
        parts.append(f"<h4>{html.escape(label)}</h4>")
        if note:
            parts.append(f"<p class='noise'>{html.escape(note)}</p>")
        parts.append(f"<figure>{svg(fig)}</figure>")
    return "\n".join(parts)


def summed(records: list[dict[str, Any]]) -> dict[tuple[int, int, str], np.ndarray]:
    """(step, layer, kind) → the counts summed over the records (a configuration's seeds)."""
    out: dict[tuple[int, int, str], np.ndarray] = {}
    for h in records:
        key = (h["step"], h["layer"], h["kind"])
        counts = np.asarray(h["counts"], dtype=np.float64)
        out[key] = out[key] + counts if key in out else counts
    return out


def _figure(records: list[dict[str, Any]], label: str) -> tuple[Any, str]:
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    sums = summed(records)
    layers = sorted({k[1] for k in sums})
    steps = sorted({k[0] for k in sums})
    note = ""
    if len(layers) > HIST_MAX_LAYERS:
        pick = np.unique(np.linspace(0, len(layers) - 1, HIST_MAX_LAYERS).round().astype(int))
        note = f"{len(pick)} of {len(layers)} layers shown, evenly spaced."
        layers = [layers[i] for i in pick]
    lo, hi = records[0]["lo"], records[0]["hi"]
    bins = len(records[0]["counts"]) - 2
    w = (hi - lo) / bins
    x = lo + (np.arange(bins + 2) - 0.5) * w  # the outer slots just outside [lo, hi)
    fig = Figure(figsize=(6.4, 1.25 * len(layers) + 0.5))
    ax = fig.subplots(len(layers), 2, squeeze=False, sharex=True)
    cmap = colormaps["viridis_r"]
    for i, layer in enumerate(layers):
        for j, kind in enumerate(("pre", "post")):
            a = ax[i, j]
            for k, step in enumerate(steps):
                c = sums.get((step, layer, kind))
                if c is None or c.sum() == 0:
                    continue
                share = c / c.sum()
                tone = cmap(0.15 + 0.85 * k / max(len(steps) - 1, 1))
                a.plot(x, np.where(share > 0, share, math.nan), lw=0.9, color=tone,
                       label=f"step {step}" if i == 0 and j == 1 else None)  # fmt: skip
            a.set_yscale("log")
            a.set_ylim(SHARE_FLOOR, 1.0)
            a.tick_params(labelsize=6)
            if j == 0:
                a.set_ylabel(f"layer {layer}", fontsize=7)
    ax[0, 0].set_title("pre-activation z", fontsize=8)
    ax[0, 1].set_title("activation f(z)", fontsize=8)
    for a in ax[-1]:
        a.set_xlabel("value", fontsize=7)
    if len(steps) <= 8:
        ax[0, 1].legend(fontsize=6, loc="upper right")
    fig.suptitle(label, fontsize=8)
    fig.tight_layout()
    return fig, note
