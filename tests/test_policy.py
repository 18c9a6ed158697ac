"""The contracts of DESIGN.md: dtypes, NaN and inf, no warnings, errors that teach."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import actlab
from actlab._catalog import Spec
from tests.conftest import ELEMENTWISE, SPECS, VECTORLIKE, make

FLOATS = [np.float16, np.float32, np.float64]


def _input(spec: Spec, dt: Any = np.float64) -> np.ndarray:
    return np.linspace(-4, 4, 12).reshape(3, 4).astype(dt)


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_output_keeps_the_input_dtype(spec: Spec, dt: Any) -> None:
    act = make(spec.name)
    x = _input(spec, dt)
    assert act(x).dtype == dt
    if spec.kind == "elementwise":
        assert act.derivative(x).dtype == dt
    assert act.vjp(x, np.ones_like(act(x))).dtype == dt


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_integers_bools_scalars_lists_empties(spec: Spec) -> None:
    act = make(spec.name)
    ints = np.arange(-2, 2).reshape(2, 2)
    assert act(ints).dtype == np.float64
    np.testing.assert_array_equal(act(ints), act(ints.astype(np.float64)))
    assert act(np.array([[True, False]])).dtype == np.float64
    assert isinstance(act([[0.5, -1.0]]), np.ndarray)
    empty = np.zeros((0, 4))
    n = 2 if spec.kind == "gated" else (spec.out_size(act.params, 4) if spec.out_size else 4)
    assert act(empty).shape == (0, n)
    if spec.kind == "elementwise":
        y = act(1.5)
        assert isinstance(y, np.float64) and y == act(np.array([1.5]))[0]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_complex_and_strings_are_type_errors(spec: Spec) -> None:
    act = make(spec.name)
    with pytest.raises(TypeError, match=f"{spec.name}: x must be real"):
        act(np.array([1 + 2j, 3j]))
    with pytest.raises(TypeError, match=f"{spec.name}: x must"):
        act(np.array(["a", "b"]))


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=lambda s: s.name)
def test_nan_in_nan_out_and_no_warnings_anywhere(spec: Spec) -> None:
    act = make(spec.name)
    for dt in FLOATS:
        fi = np.finfo(dt)
        x = np.array(
            [
                np.nan,
                np.inf,
                -np.inf,
                fi.max,
                -fi.max,
                fi.smallest_subnormal,
                -fi.smallest_subnormal,
                0.0,
                -0.0,
                fi.smallest_normal,
                1e4,
                -1e4,
            ],
            dtype=dt,
        )
        y, d = act(x), act.derivative(x)  # warnings are errors in this suite
        assert np.isnan(y[0]) and np.isnan(d[0]), spec.name


@pytest.mark.parametrize("spec", VECTORLIKE, ids=lambda s: s.name)
def test_vector_edges_raise_no_warnings(spec: Spec) -> None:
    act = make(spec.name)
    fi = np.finfo(np.float64)
    x = np.array(
        [
            [np.inf, 1.0, -np.inf, 0.0],
            [fi.max, -fi.max, 1e308, 5e-324],
            [np.nan, 0.0, 1.0, 2.0],
            [-np.inf] * 4,
        ]
    )
    y = act(x)
    act.vjp(x, np.ones_like(y))
    act.jvp(x, np.ones_like(x))
    if spec.kind == "gated":  # NaN is elementwise there: a = [nan, 0], b = [1, 2]
        assert np.isnan(y[2, 0]) and not np.isnan(y[2, 1])
    elif spec.out_size is not None:  # maxout: NaN makes its group NaN, groups (nan, 0), (1, 2)
        assert np.isnan(y[2, 0]) and y[2, 1] == 2.0
    else:
        assert np.isnan(y[2]).all()


def test_limits_at_infinity() -> None:
    cases = {
        "sigmoid": (0, 1),
        "tanh": (-1, 1),
        "relu": (0, math.inf),
        "elu": (-1, math.inf),
        "gelu": (0, math.inf),
        "silu": (0, math.inf),
        "mish": (0, math.inf),
        "softplus": (0, math.inf),
        "softsign": (-1, 1),
        "log_sigmoid": (-math.inf, 0),
        "squareplus": (0, math.inf),
        "isru": (-1, 1),
        "arctan": (-math.pi / 2, math.pi / 2),
        "gaussian": (0, 0),
        "sinc": (0, 0),
        "hard_swish": (0, math.inf),
    }
    for name, (lo, hi) in cases.items():
        y = actlab.get(name)(np.array([-np.inf, np.inf]))
        assert y[0] == lo and y[1] == hi, name
    assert np.isnan(actlab.sine(np.array([np.inf]))).all()


# ------------------------------------------------------------------ errors that teach


@pytest.mark.parametrize(
    ("name", "params", "exc", "pattern"),
    [
        ("elu", {"alpha": -1.0}, ValueError, r"elu: alpha must be > 0, got -1\.0"),
        ("elu", {"alpha": 0}, ValueError, r"elu: alpha must be > 0, got 0"),
        ("celu", {"alpha": 0.0}, ValueError, r"celu: alpha must be != 0, got 0\.0"),
        (
            "rrelu",
            {"lower": 0.5, "upper": 0.2},
            ValueError,
            r"rrelu: lower must be <= upper, got lower=0\.5 > upper=0\.2",
        ),
        ("squareplus", {"b": -1.0}, ValueError, r"squareplus: b must be >= 0, got -1\.0"),
        ("softshrink", {"lambd": -0.1}, ValueError, r"softshrink: lambd must be >= 0, got -0\.1"),
        ("elu", {"alpha": math.nan}, ValueError, r"elu: alpha must be finite \(> 0\), got nan"),
        ("elu", {"alpha": "big"}, TypeError, r"elu: alpha must be a real number, got 'big'"),
        (
            "elu",
            {"alpah": 1.0},
            TypeError,
            r"elu: unknown parameter 'alpah'; did you mean "
            r"'alpha'\? \(elu takes: alpha\)",
        ),
        (
            "relu",
            {"alpha": 1.0},
            TypeError,
            r"relu: unknown parameter 'alpha' \(relu takes: "
            r"no parameters\)",
        ),
        (
            "gelu",
            {"approximate": "fast"},
            ValueError,
            r"gelu: approximate must be one of 'none', 'tanh', got 'fast'",
        ),
        (
            "threshold",
            {"threshold": 1.0},
            TypeError,
            r"threshold: missing required parameter "
            r"'value'",
        ),
        ("softmax", {"axis": 1.5}, TypeError, r"softmax: axis must be an int, got 1\.5"),
        ("rrelu", {"training": True}, ValueError, r"rrelu: training=True draws.*seed="),
        (
            "gumbel_softmax",
            {"tau": 0.0, "seed": 1},
            ValueError,
            r"gumbel_softmax: tau must be > 0, got 0\.0",
        ),
        ("rrelu", {"seed": -3}, ValueError, r"rrelu: seed must be None or a non-negative int"),
    ],
)
def test_invalid_parameters(name: str, params: dict[str, Any], exc: type, pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        actlab.get(name, **params)


def test_shape_errors() -> None:
    with pytest.raises(
        ValueError,
        match=r"glu: axis -1 has odd size 5; glu splits it into two "
        r"halves \(a, b\), so its size must be even",
    ):
        actlab.glu(np.ones((2, 5)))
    with pytest.raises(
        ValueError,
        match=r"softmax: axis 2 is out of range for an input with 2 "
        r"dimensions \(allowed: -2\.\.1\)",
    ):
        actlab.softmax(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="softmax: needs an input with at least one dimension"):
        actlab.softmax(1.0)
    with pytest.raises(
        ValueError,
        match="softmax: derivative\\(\\) is for elementwise "
        "activations; softmax is a vector activation",
    ):
        actlab.get("softmax").derivative(np.ones(3))
    with pytest.raises(TypeError, match=r"relu: where= .* is for the softmax family only"):
        actlab.get("relu")(np.ones(3), where=np.ones(3, bool))
    with pytest.raises(TypeError, match="softmax: where must be a boolean mask"):
        actlab.softmax(np.ones(3), where=np.ones(3))
    with pytest.raises(ValueError, match="prelu: alpha has 2 channels but x has 3"):
        actlab.get("prelu", alpha=np.array([0.1, 0.2]))(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"relu: g must have the shape of the output \(3,\)"):
        actlab.get("relu").vjp(np.ones(3), np.ones(4))


def test_errors_lose_nothing() -> None:
    x = np.array([1.0, -2.0])
    with pytest.raises(ValueError):
        actlab.get("elu", alpha=-1)
    np.testing.assert_array_equal(x, [1.0, -2.0])  # the input is never modified
    y = actlab.relu(x)
    y[0] = 99
    assert x[0] == 1.0
