"""Shared helpers for the test suite: the registry's specs, their parameter cases, torch."""

from __future__ import annotations

from typing import Any

import numpy as np

import actlab
from actlab._catalog import specs

SPECS = specs()
ELEMENTWISE = [s for s in SPECS if s.kind == "elementwise"]
VECTORLIKE = [s for s in SPECS if s.kind != "elementwise"]


def make(name: str, **params: Any) -> actlab.Activation:
    """The activation with its spec's example parameters (required ones, a seed) filled in."""
    return actlab.resolve(name).example_activation(**params)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)
