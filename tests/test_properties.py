"""Hypothesis: every elementwise spec's declared range and monotonicity hold on random inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from actlab._catalog import Spec
from tests.conftest import ELEMENTWISE, make

FINITE = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=lambda s: s.name)
@settings(max_examples=60, deadline=None, derandomize=True)
@given(x=arrays(np.float64, st.integers(1, 64), elements=FINITE))
def test_declared_range_holds(spec: Spec, x: np.ndarray) -> None:
    act = make(spec.name)
    r = act.facts.range
    y = act(x)
    assert np.all(y >= r.lo) and np.all(y <= r.hi), (spec.name, str(r))
    # open ends are not reached, except where float64 rounds onto them (tanh(19.1) == 1.0)
    if not r.lo_closed and math.isfinite(r.lo):
        assert np.all((y > r.lo) | (np.abs(x) > 15)), spec.name
    if not r.hi_closed and math.isfinite(r.hi):
        assert np.all((y < r.hi) | (np.abs(x) > 15)), spec.name


@pytest.mark.parametrize(
    "spec", [s for s in ELEMENTWISE if make(s.name).facts.monotonic], ids=lambda s: s.name
)
@settings(max_examples=60, deadline=None, derandomize=True)
@given(x=arrays(np.float64, st.integers(2, 64), elements=FINITE))
def test_declared_monotonicity_holds(spec: Spec, x: np.ndarray) -> None:
    xs = np.sort(x)
    y = make(spec.name)(xs)
    # the function is monotonic; its float64 values may step back by rounding, a few ULP at most
    # (a comparison: inf >= inf holds)
    with np.errstate(invalid="ignore"):  # inf − inf where both overflowed (and then >= holds)
        slack = 4 * np.spacing(np.abs(y[:-1]))
        assert np.all((y[1:] >= y[:-1]) | (y[:-1] - y[1:] <= slack)), spec.name


@pytest.mark.parametrize(
    "spec", [s for s in ELEMENTWISE if not make(s.name).facts.monotonic], ids=lambda s: s.name
)
def test_declared_non_monotonic_is_not(spec: Spec) -> None:
    x = np.linspace(-10, 10, 20001)
    assert np.any(np.diff(make(spec.name)(x)) < 0), spec.name
