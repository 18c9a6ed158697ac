"""``actlab.health``: the one definition of unit and gradient health that the torch monitor,
the lab trainer and the lab report share — dead, saturated, vanishing/exploding gradients,
diverged, did-not-learn — with every threshold, its value and why it is that value.

>>> import actlab
>>> t = actlab.health.thresholds()["flat"]
>>> t.value
0.001
"""

from ._analysis._health import (
    BASELINE_SE,
    DEAD_ERROR,
    DEAD_WARN,
    DIVERGED,
    FLAT,
    GRADIENT_RATIO,
    SATURATED_LAYER,
    SATURATED_UNIT,
    Baseline,
    Finding,
    Profile,
    Threshold,
    baseline,
    fixes,
    predicted_ratio,
    profile,
    sigma_w2,
    thresholds,
)

__all__ = [
    "BASELINE_SE",
    "DEAD_ERROR",
    "DEAD_WARN",
    "DIVERGED",
    "FLAT",
    "GRADIENT_RATIO",
    "SATURATED_LAYER",
    "SATURATED_UNIT",
    "Baseline",
    "Finding",
    "Profile",
    "Threshold",
    "baseline",
    "fixes",
    "predicted_ratio",
    "profile",
    "sigma_w2",
    "thresholds",
]
