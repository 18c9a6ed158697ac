"""Shared helpers for the test suite: the registry's specs, their parameter cases, torch."""

from __future__ import annotations

from typing import Any

import numpy as np

import actlab
from actlab._catalog import specs

SPECS = specs()
ELEMENTWISE = [s for s in SPECS if s.kind == "elementwise"]
VECTORLIKE = [s for s in SPECS if s.kind != "elementwise"]

#: Parameters a spec cannot do without (required ones, or a seed for a stochastic draw).
NEEDS: dict[str, dict[str, Any]] = {
    "threshold": {"threshold": 0.5, "value": -1.0},
    "gumbel_softmax": {"seed": 7},
}


def make(name: str, **params: Any) -> actlab.Activation:
    return actlab.get(name, **{**NEEDS.get(name, {}), **params})


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)
