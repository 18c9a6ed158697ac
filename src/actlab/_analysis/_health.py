"""Unit and gradient health, defined once: dead, saturated, vanishing or exploding gradients,
diverged, did-not-learn — each threshold with its reason, each finding with its evidence and the
advisor's fixes (conditioned on the activation and the task).

The torch monitor (``actlab.torch.watch``), the lab trainer's per-layer records and the lab
report import everything from here; ``actlab.health.thresholds()`` lists it.

Definitions (z: a layer's pre-activations, f' the activation's derivative at z):

- **flat sample**: |f'(z)| < FLAT · max|f'| — relative to the activation's own steepest slope
  (sigmoid's is 1/4, tanh's 1), so "flat" means the same for every activation.
- **dead unit**: f'(z) = 0 on every sample of the window. Only where f' can be exactly 0 (relu,
  relu6, hardtanh, ...; measured from the catalog's derivative): elsewhere "dead" does not apply.
- **saturated**: only for activations that saturate on both sides (sigmoid, tanh, hardtanh,
  relu6, ...: the spec's ``saturates``). A one-sided activation (relu, elu, softplus) keeps
  passing gradient on its other side; its flat side is what "dead" measures. Reported as the
  layer's share of samples in the flat region and per unit (a unit is saturated when at least
  SATURATED_UNIT of its samples are flat).
- **gradient ratio**: the RMS of ∂loss/∂z at the first activation layer over that at the last —
  the same quantity in the monitor (tensor hooks) and the lab (a probe backward); the mean-field
  prediction is ∏ √χ over the layers between (χ = σ_w²·E[f'(z)²] at the variance fixed point,
  ``gradient_flow``).
- **diverged**: the loss is non-finite or DIVERGED times its first value.
- **did not learn**: the final metric is not above the task's trivial baseline (the majority
  class's accuracy plus BASELINE_SE binomial standard errors; R² ≤ 0 for regression).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._catalog import Activation, get
from ._advisor import RULES, Fix
from ._init import SCHEMES, recommended_init
from ._measure import SAMPLE, SATURATION, gradient_flow


@dataclass(frozen=True)
class Threshold:
    """One health threshold: its value, what it is compared with, and why it is that value."""

    name: str
    value: float
    applies_to: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} = {self.value:g}: {self.applies_to}"


FLAT = Threshold(
    "flat",
    SATURATION,  # analyze's saturation region uses the same cut
    "|f'(z)| / max|f'| below this: the sample sits in the activation's flat region",
    "a unit passing a thousandth of its activation's steepest slope learns 1000× slower than "
    "one on the slope; it is the conventional saturation cut (|tanh'| < 1e-3 beyond |z| ≈ 3.8), "
    "taken relative to max|f'| so that sigmoid (max 1/4) and tanh (max 1) are judged alike",
)
SATURATED_UNIT = Threshold(
    "saturated_unit",
    0.9,
    "share of a unit's samples in the flat region from which the unit counts as saturated",
    "a unit flat on 90% of its inputs gets almost no gradient from them; below that it still "
    "learns from the rest",
)
SATURATED_LAYER = Threshold(
    "saturated_layer",
    0.4,
    "share of a layer's samples in the flat region from which saturation is a finding",
    "with 40% of the samples flat, the layer's gradient signal is cut by nearly half; healthy "
    "tanh/sigmoid layers at exact-gain init have under 1%",
)
DEAD_WARN = Threshold(
    "dead_warn",
    0.4,
    "share of a layer's units dead (f' = 0 on every sample) from which dead units are a warning",
    "He-initialised relu layers start with ~0 dead units; 40% dead means the layer has lost a "
    "large part of its capacity",
)
DEAD_ERROR = Threshold(
    "dead_error",
    0.9,
    "share of a layer's units dead from which dead units are an error",
    "at 90% the layer is all but cut: almost no gradient reaches the layers below",
)
GRADIENT_RATIO = Threshold(
    "gradient_ratio",
    1e-2,
    "RMS ∂loss/∂z at the first activation layer over the last: vanishing below this, "
    "exploding above its inverse",
    "with one learning rate for all layers, a layer receiving 1/100 of the gradient of the last "
    "learns 100× slower — two orders of magnitude is the vanishing-gradient regime of Glorot & "
    "Bengio (2010); healthy nets at exact-gain init stay within a factor of a few",
)
DIVERGED = Threshold(
    "diverged",
    1e6,
    "a loss this many times the first one (or non-finite) stops a run as diverged",
    "no training that is going well multiplies its loss by a million; a non-finite loss cannot "
    "recover",
)
BASELINE_SE = Threshold(
    "baseline_se",
    2.0,
    "binomial standard errors (on the test rows) a classifier's accuracy must exceed the "
    "majority-class accuracy by to count as learned",
    "a constant predictor's measured accuracy varies by √(p(1−p)/n) across test sets; two "
    "standard errors is the usual 95% line",
)
SEVERITIES = ("error", "warning", "info")


def thresholds() -> dict[str, Threshold]:
    """Every health threshold by name: its value, what it is compared with, and why.

    >>> import actlab
    >>> actlab.health.thresholds()["gradient_ratio"].value
    0.01
    """
    items = (
        FLAT,
        SATURATED_UNIT,
        SATURATED_LAYER,
        DEAD_WARN,
        DEAD_ERROR,
        GRADIENT_RATIO,
        DIVERGED,
        BASELINE_SE,
    )
    return {t.name: t for t in items}


# ---------------------------------------------------------------------- per activation


@dataclass(frozen=True)
class Profile:
    """What health means for one activation: whether a unit can die (f' exactly 0 somewhere),
    whether it saturates (both sides), its max |f'| and the |f'| below which a sample is flat."""

    name: str
    can_die: bool
    saturating: bool
    max_slope: float
    flat_below: float


@functools.lru_cache(maxsize=256)
def _profile(act: Activation) -> Profile:
    d = np.abs(np.asarray(act.derivative(SAMPLE), dtype=np.float64))
    top = float(np.nanmax(d)) if np.isfinite(d).any() else math.nan
    both = set(act.facts.saturates) == {"negative", "positive"}
    flat_below = FLAT.value * top if top > 0 else math.inf  # f' ≡ 0 (binary_step): all flat
    return Profile(act.name, bool((d == 0).any()), both, top, flat_below)


def profile(act: str | Activation, **params: Any) -> Profile:
    """The health profile of an elementwise activation (its default parameters where a value
    is a tensor, as a learnable PReLU weight is).

    >>> import actlab
    >>> p = actlab.health.profile("relu")
    >>> p.can_die, p.saturating
    (True, False)
    >>> round(actlab.health.profile("sigmoid").flat_below, 6)
    0.00025
    """
    a = get(act, **params)
    if any(not isinstance(v, int | float | str | bool | type(None)) for v in a.params.values()):
        a = get(a.name)
    if a.kind != "elementwise":
        raise ValueError(
            f"health.profile: {a.name} is a {a.kind} activation; unit health is defined for "
            "elementwise activations"
        )
    return _profile(a)


def unit_counts(a: Any, prof: Profile, axis: int) -> tuple[Any, Any]:
    """From |f'(z)| (a torch tensor or NumPy array, samples along ``axis``): per unit whether it
    was active on these samples (some f' ≠ 0; None where the activation cannot die — "dead"
    does not apply) and how many of its samples are flat (None where it does not saturate)."""
    active = (a != 0).any(axis) if prof.can_die else None
    flat = (a < prof.flat_below).sum(axis) if prof.saturating else None
    return active, flat


def saturated_units(flat: Any, samples: int) -> Any:
    """Per unit, True where at least SATURATED_UNIT of its ``samples`` were flat."""
    return flat >= SATURATED_UNIT.value * samples


# ---------------------------------------------------------------------- gradients


def sigma_w2(init: str, act: str | Activation, **params: Any) -> float:
    """σ_w² (weight variance × fan_in) of one of the lab's init schemes for ``act``: "auto" is
    recommended_init (the exact gain), "he" 2, "xavier"/"lecun" 1 (square layers)."""
    if init == "auto":
        return float(recommended_init(act, **params).gain ** 2)
    if init not in SCHEMES:
        raise ValueError(f"health: init must be auto or one of {', '.join(SCHEMES)}, got {init!r}")
    return float(SCHEMES[init][1] ** 2)


@functools.lru_cache(maxsize=256)
def _slope_factor(act: Activation, sw2: float, sb2: float) -> float:
    """E[f'(z)²] at the variance fixed point of a stack with σ_w², σ_b² (χ / σ_w²)."""
    return float(gradient_flow(act, sw2, sb2).chi / sw2)


def predicted_ratio(
    acts: list[Activation], sw2_forward: float, sw2_back: list[float], sb2: float = 0.0
) -> float | None:
    """The mean-field prediction of the gradient ratio (first over last activation layer):
    ∏ over the layers l before the last of √(σ_back,l² · E[f_l'(z)²]), E taken at the fixed point
    of the forward variance map with ``sw2_forward`` and ``sb2``. ``sw2_back``: per gap, the next
    weight's variance × fan_out (χ's σ_w² for square layers). None where not elementwise."""
    if len(acts) < 2 or any(a.kind != "elementwise" for a in acts):
        return None
    if not (math.isfinite(sw2_forward) and sw2_forward > 0):
        return None
    out = 1.0
    for a, back in zip(acts[:-1], sw2_back, strict=False):
        prof_act = a if all(isinstance(v, int | float | str) for v in a.params.values()) else None
        if prof_act is None:
            prof_act = get(a.name)
        out *= math.sqrt(max(back, 0.0) * _slope_factor(prof_act, sw2_forward, max(sb2, 0.0)))
    return out


def gradient_verdict(ratio: float) -> str | None:
    """ "vanishing_gradients", "exploding_gradients" or None for a measured gradient ratio."""
    if not math.isfinite(ratio) or ratio <= 0:
        return None
    if ratio < GRADIENT_RATIO.value:
        return "vanishing_gradients"
    if ratio > 1 / GRADIENT_RATIO.value:
        return "exploding_gradients"
    return None


# ---------------------------------------------------------------------- learned or not


@dataclass(frozen=True)
class Baseline:
    """The trivial predictor's score on a task's test rows, and the margin a run must beat it by."""

    task: str
    value: float
    margin: float
    what: str

    def learned(self, metric: float | None) -> bool:
        """Whether ``metric`` is above the baseline (False for NaN: diverged runs learn nothing)."""
        return metric is not None and math.isfinite(metric) and metric > self.value + self.margin


def baseline(task: str, y_train: Any, y_test: Any) -> Baseline:
    """The constant predictor fit on the training labels, scored on the test labels: the
    majority class's accuracy (per label for multilabel) with BASELINE_SE standard errors of
    margin; R² = 0 for regression (the training mean predicts R² ≤ 0 on any test set)."""
    ytr, yte = np.asarray(y_train), np.asarray(y_test)
    if task == "regression":
        return Baseline(task, 0.0, 0.0, "R² 0 (predicting the mean)")
    if task == "multilabel":
        major = (ytr.mean(0) >= 0.5).astype(yte.dtype)
        p = float((yte == major).mean())
        n = yte.size
    elif task in ("binary", "multiclass"):
        values, counts = np.unique(ytr, return_counts=True)
        major = values[int(np.argmax(counts))]
        p = float((yte == major).mean())
        n = yte.shape[0]
    else:
        raise ValueError(f"health.baseline: unknown task {task!r}")
    margin = BASELINE_SE.value * math.sqrt(max(p * (1 - p), 0.0) / max(n, 1))
    return Baseline(task, p, margin, f"accuracy {p:.3f} (always the majority class)")


# ---------------------------------------------------------------------- findings and fixes


def fixes(symptom: str, activation: str | None = None, task: str | None = None) -> tuple[str, ...]:
    """The advisor's fixes for ``symptom``, conditioned: a fix that proposes a non-saturating
    activation is left out for a net that already has one; a classification-only fix (loss on
    logits) is left out for regression; a fix that is the real cause for a task comes first
    (the learning rate for a diverged regression)."""
    rule = next((r for r in RULES if r.when.get("symptom") == symptom), None)
    if rule is None:
        raise ValueError(f"health.fixes: no advisor rule for symptom {symptom!r}")
    prof = None
    if activation is not None:
        try:
            prof = profile(activation)
        except ValueError:  # vector and gated activations: no elementwise profile
            prof = None
    kept: list[str] = []
    first: list[str] = []
    for f in rule.fixes:
        cond = f if isinstance(f, Fix) else Fix(f)
        if cond.saturating_only and prof is not None and not prof.saturating:
            continue
        if cond.tasks is not None and task is not None and task not in cond.tasks:
            continue
        (first if task is not None and task in cond.first_for else kept).append(str(f))
    return tuple(first + kept)


@dataclass
class Finding:
    """One problem: its kind (an advisor symptom or a monitor condition), severity, the layer,
    the evidence measured, the threshold it crossed and the fixes to try."""

    kind: str
    severity: str
    message: str
    layer: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    threshold: Threshold | None = None
    fixes: tuple[str, ...] = ()

    def __str__(self) -> str:
        out = f"[{self.severity}] {self.kind}: {self.message}"
        if self.threshold is not None:
            out += f" (threshold {self.threshold.name} = {self.threshold.value:g})"
        if self.fixes:
            out += " — try: " + "; ".join(self.fixes)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "layer": self.layer,
            "message": self.message,
            "evidence": self.evidence,
            "threshold": None
            if self.threshold is None
            else {"name": self.threshold.name, "value": self.threshold.value},
            "fixes": list(self.fixes),
        }


def dead_finding(
    layer: str, fraction: float, activation: str, units: int, window: str, task: str | None = None
) -> Finding | None:
    """A dead-units finding when ``fraction`` of the layer's units reach DEAD_WARN."""
    if not (fraction >= DEAD_WARN.value):
        return None
    error = fraction >= DEAD_ERROR.value
    return Finding(
        "dead_units",
        "error" if error else "warning",
        f"layer {layer}: {fraction:.0%} of {units} {activation} units dead (f' = 0 on every "
        f"sample) over {window}",
        layer,
        {"layer": layer, "dead_fraction": fraction, "units": units, "window": window},
        DEAD_ERROR if error else DEAD_WARN,
        fixes("dead_units", activation, task),
    )


def saturation_finding(
    layer: str,
    share: float,
    units_saturated: float,
    activation: str,
    window: str,
    pre_std: float = math.nan,
    task: str | None = None,
) -> Finding | None:
    """A saturation finding when the layer's share of flat samples reaches SATURATED_LAYER."""
    if not (share >= SATURATED_LAYER.value):
        return None
    prof = profile(activation)
    return Finding(
        "saturation",
        "warning",
        f"layer {layer}: {share:.0%} of {activation} samples in the flat region "
        f"(|f'| < {prof.flat_below:.2g}), {units_saturated:.0%} of units saturated, over {window}"
        + (f"; pre-activation std {pre_std:.3g}" if math.isfinite(pre_std) else ""),
        layer,
        {
            "layer": layer,
            "flat_share": share,
            "saturated_fraction": units_saturated,
            "pre_std": pre_std,
            "flat_below": prof.flat_below,
        },
        SATURATED_LAYER,
        fixes("saturation", activation, task),
    )


def gradient_finding(
    ratio: float,
    first: str,
    last: str,
    predicted: float | None,
    activation: str | None,
    when: str = "",
    task: str | None = None,
) -> Finding | None:
    """A vanishing/exploding finding for a measured gradient ratio (first over last layer)."""
    kind = gradient_verdict(ratio)
    if kind is None:
        return None
    pred = "" if predicted is None else f"; mean-field prediction {predicted:.2g}"
    word = "vanish" if kind == "vanishing_gradients" else "explode"
    return Finding(
        kind,
        "warning",
        f"gradients {word}{' ' + when if when else ''}: RMS ∂loss/∂z at layer {first} is "
        f"{ratio:.2g} of layer {last}'s{pred}",
        first,
        {"first_layer": first, "last_layer": last, "ratio": ratio, "predicted": predicted},
        GRADIENT_RATIO,
        fixes(kind, activation, task),
    )


def diverged_finding(
    where: str, step: int, activation: str | None = None, task: str | None = None
) -> Finding:
    """A non-finite or diverged loss (the advisor's nan_loss symptom)."""
    return Finding(
        "nan_loss",
        "error",
        f"NaN/inf or a diverging loss first seen at step {step} in {where}",
        None,
        {"step": step, "place": where},
        DIVERGED,
        fixes("nan_loss", activation, task),
    )


def not_learned_finding(label: str, metric: float, base: Baseline) -> Finding:
    """A run (or configuration) whose final metric is not above the trivial baseline."""
    return Finding(
        "did_not_learn",
        "warning",
        f"{label}: test metric {metric:.4g} is not above the baseline {base.what}"
        + (f" + {base.margin:.3f}" if base.margin else ""),
        None,
        {"metric": metric, "baseline": base.value, "margin": base.margin},
        BASELINE_SE if base.margin else None,
        fixes("slow_convergence"),
    )


def ordered(findings: list[Finding]) -> list[Finding]:
    """Worst first (error, warning, info), in the order found within a severity."""
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
