"""actlab.health's findings on a configuration's per-layer records, defined once: the report's
notes and the explorer's live stream read the same findings from the same records (the store's
``layer_stats`` or a training's ``Progress.layers``)."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .._analysis._health import (
    Finding,
    dead_finding,
    gradient_finding,
    gradient_verdict,
    predicted_ratio,
    profile,
    saturation_finding,
    sigma_w2,
)
from ._init import weight_rule
from ._run import RunConfig


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


def _predicted(cfg: RunConfig, gaps: int) -> float | None:
    """The mean-field gradient ratio over ``gaps`` layers for a run's activation and init
    (MLP hidden layers: square, so σ_w² on fan_in and on fan_out agree); computed once per
    activation, init and shape (a study's configurations share a few)."""
    if cfg.model != "mlp" or cfg.batch_norm or gaps < 1:
        return None
    params = tuple(sorted(cfg.params.items()))
    # a per-layer list: the first activation's
    return _predict(cfg.act, cfg.init, cfg.gain, cfg.std, params, tuple(cfg.widths()), gaps)


@functools.lru_cache(maxsize=1024)
def _predict(
    act: Any,
    init: str,
    gain: float | None,
    std: float | None,
    params: tuple[tuple[str, Any], ...],
    widths: tuple[int, ...],
    gaps: int,
) -> float | None:
    if act.kind != "elementwise":
        return None
    if init in ("auto", "he", "xavier", "lecun") and gain is None and std is None:
        sw2 = sigma_w2(init, act)
        return predicted_ratio([act] * (gaps + 1), sw2, [sw2] * gaps)
    # "torch", a gain or a std: σ_w² of the lab's own rule, per gap (widths may taper)
    rule = weight_rule(init, act.name, dict(params), gain=gain, std=std)
    w = list(widths)[: gaps + 1]
    if len(w) < gaps + 1:
        return None
    shapes = [(w[i + 1], w[i]) for i in range(gaps)]  # torch layout (out, in)
    fwd = [rule.std(sh) ** 2 * sh[1] for sh in shapes]
    return predicted_ratio(
        [act] * (gaps + 1), sum(fwd) / gaps, [rule.std(sh) ** 2 * sh[0] for sh in shapes]
    )


def layer_findings(
    cfg: RunConfig, task: str | None, stats: list[list[dict[str, Any]]]
) -> list[Finding]:
    """actlab.health's findings on one configuration's per-seed layer records (the store's
    ``layer_stats`` or a live training's ``Progress.layers``): vanishing or exploding gradients
    (at the start of training, else at the last step), the layer with the most dead units, the
    layer with the most flat samples (saturating activations)."""
    out: list[Finding] = []
    names = cfg.layer_activations()
    act = names[0]  # a per-layer list: the first layer's (dead units: that layer's)
    for when, pick in (("at the start of training", min), ("at the end", max)):
        x, g = _by_layer(stats, "grad_rms", pick)
        if len(g) < 2 or not (g[-1] > 0 and np.isfinite(g).all()):
            continue
        gaps = int(x[-1] - x[0])
        if gradient_verdict(float(g[0] / g[-1])) is None:
            continue  # no finding: its mean-field prediction (an integral) is not needed
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
            out.append(f)
            break
    _, dead = _final_by_layer(stats, "dead")
    if len(dead) and np.isfinite(dead).any():
        i = int(np.nanargmax(dead))
        widths = cfg.widths() or [cfg.width if isinstance(cfg.width, int) else 0]
        units = widths[min(i, len(widths) - 1)]  # per-layer widths: that layer's
        layer_act = names[min(i, len(names) - 1)]
        d = dead_finding(str(i + 1), float(dead[i]), layer_act, units, "the end of training", task)
        if d is not None:
            out.append(d)
    _, flat = _final_by_layer(stats, "flat")
    _, sat = _final_by_layer(stats, "saturated")
    if len(flat) and np.isfinite(flat).any() and profile(act).saturating:
        i = int(np.nanargmax(flat))
        f = saturation_finding(
            str(i + 1), float(flat[i]), float(sat[i]), act, "the end of training", task=task
        )
        if f is not None:
            out.append(f)
    return out
