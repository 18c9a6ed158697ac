"""Derivatives: central differences, kink conventions, identities, parameter gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import actlab
from actlab._catalog import Spec
from actlab_oracle.formulas import CASES
from tests.conftest import ELEMENTWISE, make, rng

ELEMENTWISE_CASES = [
    (s.name, p) for s in ELEMENTWISE for p in CASES.get(s.name, [{}]) if not s.stochastic
] + [("rrelu", {})]


def central(f: Any, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize(
    ("name", "params"), ELEMENTWISE_CASES, ids=[f"{n}-{p}" for n, p in ELEMENTWISE_CASES]
)
def test_derivative_matches_central_differences(name: str, params: dict[str, Any]) -> None:
    act = make(name, **params)
    x = rng(1).uniform(-6, 6, 400)
    kinks = np.array([k for k, _ in act.kinks] or [np.inf])
    x = x[np.min(np.abs(x[:, None] - kinks[None, :]), axis=1) > 1e-3]
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    num = central(act, x, h)
    np.testing.assert_allclose(act.derivative(x), num, rtol=2e-6, atol=2e-8 * np.abs(act(x)).max())


@pytest.mark.parametrize(
    ("name", "params"), ELEMENTWISE_CASES, ids=[f"{n}-{p}" for n, p in ELEMENTWISE_CASES]
)
def test_kink_values_exactly_at_the_kinks(name: str, params: dict[str, Any]) -> None:
    act = make(name, **params)
    for x0, value in act.kinks:
        for dt in (np.float64, np.float32):
            got = act.derivative(np.array([x0], dtype=dt))
            assert got[0] == dt(value), f"{name}{params}: f'({x0}) = {got[0]}, declared {value}"


def test_declared_kinks_are_where_the_formula_decides() -> None:
    """At each kink, left and right difference quotients differ (or f jumps): it is a kink."""
    for spec in ELEMENTWISE:
        act = make(spec.name)
        for x0, _ in act.kinks:
            h = 1e-7
            left = (act(x0) - act(x0 - h)) / h
            right = (act(x0 + h) - act(x0)) / h
            # elu (alpha = 1) and srelu (a_r = 1, the paper's start) are kinks for other values
            smooth_here = ("elu", "binary_step", "srelu")
            assert abs(left - right) > 1e-3 or spec.name in smooth_here, spec.name


X = np.linspace(-40, 40, 2001)


def test_identity_softplus_derivative_is_sigmoid() -> None:
    np.testing.assert_array_equal(actlab.get("softplus").derivative(X), actlab.sigmoid(X))


def test_identity_silu_is_x_sigmoid() -> None:
    np.testing.assert_allclose(actlab.silu(X), X * actlab.sigmoid(X), rtol=4e-16, atol=0)


def test_identity_tanh_is_2_sigmoid_2x_minus_1() -> None:
    np.testing.assert_allclose(actlab.tanh(X), 2 * actlab.sigmoid(2 * X) - 1, rtol=0, atol=6e-16)


def test_identity_sparse_plus_derivative_is_sparse_sigmoid() -> None:
    x = np.concatenate([X, np.linspace(-1.5, 1.5, 301)])
    np.testing.assert_array_equal(actlab.get("sparse_plus").derivative(x), actlab.sparse_sigmoid(x))


def test_identity_mish_and_hard_swish_and_selu() -> None:
    np.testing.assert_allclose(actlab.mish(X), X * np.tanh(actlab.softplus(X)), rtol=1e-15)
    np.testing.assert_allclose(actlab.hard_swish(X), X * actlab.hard_sigmoid(X), rtol=1e-15)
    from actlab._catalog._exponential import SELU_ALPHA, SELU_SCALE

    np.testing.assert_allclose(
        actlab.selu(X), float(SELU_SCALE) * actlab.elu(X, alpha=float(SELU_ALPHA)), rtol=1e-15
    )


def test_identity_log_sigmoid_and_tanhshrink() -> None:
    np.testing.assert_allclose(actlab.log_sigmoid(X), -actlab.softplus(-X), rtol=1e-15)
    np.testing.assert_allclose(
        actlab.tanhshrink(X[np.abs(X) > 2]),
        X[np.abs(X) > 2] - np.tanh(X[np.abs(X) > 2]),
        rtol=1e-15,
    )


# ------------------------------------------------------------------ learnable parameters

LEARNABLE = [
    ("prelu", {"alpha": 0.25}),
    ("prelu", {"alpha": np.array([0.1, -0.2, 0.3])}),
    ("silu", {"beta": 1.3}),
    ("silu", {"beta": np.array([[0.5], [2.0], [1.0]])}),
    ("star_relu", {}),
    ("snake", {"a": 0.7}),
]


@pytest.mark.parametrize(
    ("name", "params"), LEARNABLE, ids=[f"{n}-{i}" for i, (n, _) in enumerate(LEARNABLE)]
)
def test_param_vjp_matches_central_differences(name: str, params: dict[str, Any]) -> None:
    spec: Spec = actlab.resolve(name)
    x = rng(4).normal(0, 2, (2, 3, 4))
    g = rng(5).normal(size=x.shape)
    act = actlab.get(name, **params)
    grads = act.param_vjp(x, g)
    assert set(grads) == set(spec.learnable)
    for pname in spec.learnable:
        base = np.asarray(act.params[pname], dtype=float)
        num = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            h = 1e-6
            up, dn = base.copy(), base.copy()
            up[idx] += h
            dn[idx] -= h
            f_up = actlab.get(name, **{**params, pname: up if up.ndim else float(up)})(x)
            f_dn = actlab.get(name, **{**params, pname: dn if dn.ndim else float(dn)})(x)
            num[idx] = np.sum(g * (f_up - f_dn)) / (2 * h)
        got = np.asarray(grads[pname])
        assert got.shape == base.shape
        np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-7)


def test_param_vjp_needs_a_learnable_parameter() -> None:
    with pytest.raises(ValueError, match="relu: has no learnable parameters"):
        actlab.get("relu").param_vjp([1.0], [1.0])
