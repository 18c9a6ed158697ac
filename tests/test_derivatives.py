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
            # elu (alpha = 1) and srelu (a_r = 1, the paper's start) are kinks for other values;
            # pau's default changes f' at 0 by only 2·w_0·d_1 = 3.2e-6 (test_pau_kink_jump)
            smooth_here = ("elu", "binary_step", "srelu", "pau")
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
    ("apl", {"a": np.array([0.3, -0.2]), "b": np.array([0.5, -1.0])}),
    ("pau", {}),
    # one coefficient set per channel (the last axis), coefficients first
    (
        "pau",
        {
            "numerator": np.array(
                [
                    [0.1, 0.0, -0.2, 0.3],
                    [0.5, 1.0, 0.4, 0.6],
                    [0.3, 0.2, 0.1, 0.5],
                    [0.1, 0.1, 0.1, 0.1],
                    [0.9, 0.5, 0.3, 0.2],
                    [0.2, 0.1, 0.3, 0.1],
                ]
            ),
            "denominator": np.array(
                [
                    [0.5, -0.1, 0.2, 1e-3],
                    [2.0, 1.0, 0.5, 0.3],
                    [0.1, 0.2, 0.3, 0.4],
                    [0.4, 0.3, 0.2, 0.1],
                ]
            ),
        },
    ),
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


# ------------------------------------------------------------------ pau


def _rational_b(x: np.ndarray, w: np.ndarray, d: np.ndarray) -> np.ndarray:
    """rational_activations' numpy ``Rational_version_B``, as its source writes it."""
    xi, num = np.ones_like(x), np.ones_like(x) * w[0]
    for i in range(len(w) - 1):
        xi = xi * x
        num = num + w[i + 1] * xi
    xi, den = np.ones_like(x), np.zeros_like(x)
    for i in range(len(d)):
        xi = xi * x
        den = den + d[i] * xi
    return num / (np.abs(den) + 1.0)


def test_pau_is_rational_activations_version_b_and_starts_as_leaky_relu() -> None:
    act = actlab.get("pau")
    x = np.linspace(-3, 3, 6001)
    w, d = act.params["numerator"], act.params["denominator"]
    np.testing.assert_allclose(act(x), _rational_b(x, w, d), rtol=1e-13, atol=1e-16)
    # the package's fit of leaky_relu(0.01) on [-3, 3]: worst at x = 0, where f = w_0
    assert np.max(np.abs(act(x) - np.where(x >= 0, x, 0.01 * x))) < 0.034
    w2, d2 = np.array([0.5, 1.0, -0.75, 0.25]), np.array([-1.5, 0.5])
    np.testing.assert_allclose(
        actlab.pau(x, numerator=w2, denominator=d2), _rational_b(x, w2, d2), rtol=1e-13
    )


def test_pau_kink_jump() -> None:
    """At x = 0 (R's root for every parameter set) f' jumps by 2·w_0·d_1; actlab takes the mean."""
    act = actlab.get("pau")
    w, d = act.params["numerator"], act.params["denominator"]
    tiny = np.nextafter(0.0, 1.0)
    got = act.derivative(np.array([-tiny, 0.0, tiny]))
    np.testing.assert_allclose(got, [w[1] + w[0] * d[0], w[1], w[1] - w[0] * d[0]], rtol=4e-16)
    big = actlab.get("pau", numerator=np.array([2.0, 1.0, 0.0]), denominator=np.array([1.5]))
    left, right = big.derivative(np.array([-1e-9, 1e-9]))
    assert abs((left - right) - 2 * 2.0 * 1.5) < 1e-7  # a kink the analysis can see, too
    assert actlab.analyze(big).smoothness == 0


def test_pau_at_the_other_roots_of_r() -> None:
    """An exact float root of R takes the same convention (the mean); next to an irrational one
    (the default's x ≈ −1.2e-5) each float gets its own side's derivative, as mpmath says."""
    import mpmath as mp

    from actlab_oracle.formulas import FORMULAS

    w2, d2 = np.array([0.5, 1.0, -0.75, 0.25]), np.array([-1.5, 0.5])  # R = x(x − 3)/2
    act = actlab.get("pau", numerator=w2, denominator=d2)
    x = np.array([np.nextafter(3.0, 0.0), 3.0, np.nextafter(3.0, 4.0)])
    np.testing.assert_allclose(act.derivative(x), [8.5, 3.25, -2.0], rtol=1e-14)
    default = actlab.get("pau")
    roots = np.roots(default.params["denominator"][::-1])
    r = float(min(roots[np.abs(roots.imag) < 1e-12].real, key=abs))
    assert -1.3e-5 < r < -1.1e-5
    xs = [r]
    for _ in range(3):
        xs = [np.nextafter(xs[0], -1.0), *xs, np.nextafter(xs[-1], 1.0)]
    dpau = FORMULAS["pau"][1]
    with mp.workdps(60):
        want = [float(dpau(mp.mpf(v))) for v in xs]
    np.testing.assert_allclose(default.derivative(np.array(xs)), want, rtol=2**-51)


def test_pau_parameters_are_checked() -> None:
    with pytest.raises(
        ValueError,
        match=r"pau: numerator must have 2 more coefficients than "
        r"denominator .* got 5 and 4",
    ):
        actlab.get("pau", numerator=np.ones(5))
    with pytest.raises(ValueError, match=r"pau: denominator must be \|d_j\| <= 1e150 everywhere"):
        actlab.get("pau", denominator=np.array([1.0, 1e200, 0.0, 1.0]))
    with pytest.raises(
        ValueError,
        match=r"pau: numerator of shape \(6, 2\) \(coefficients "
        r"first\) does not broadcast to x's shape \(3,\)",
    ):
        actlab.pau(np.ones(3), numerator=np.ones((6, 2)), denominator=np.ones((4, 2)))
    # lists are arrays; the default is the spec's own copy, never shared
    listed = actlab.get("pau", numerator=[0.0, 1.0, 0.0], denominator=[1.0])
    np.testing.assert_allclose(listed(np.array([-2.0, 2.0])), [-2 / 3, 2 / 3], rtol=1e-15)
    a = actlab.get("pau")
    a.params["numerator"][0] = 5.0
    assert actlab.get("pau").params["numerator"][0] != 5.0


def test_pau_zero_padded_degrees_are_the_lower_ones() -> None:
    """Padding w and d with zeros in pairs is the same function, exact far out too (x up to the
    float maximum: its 1/x form drops the zero pair instead of squaring an underflowing D̂)."""
    x = np.array([-1.7e308, -1e200, -3.0, 0.5, 1e160, 1.7e308, np.inf])
    ident = actlab.get("pau", numerator=np.array([0.0, 1.0, 0, 0, 0, 0]), denominator=np.zeros(4))
    np.testing.assert_array_equal(ident(x), x)
    np.testing.assert_array_equal(ident.derivative(x), np.ones_like(x))
    w, d = np.array([0.5, 1.0, -0.75, 0.25]), np.array([-1.5, 0.5])
    padded = actlab.get("pau", numerator=np.r_[w, 0, 0], denominator=np.r_[d, 0, 0])
    plain = actlab.get("pau", numerator=w, denominator=d)
    np.testing.assert_array_equal(padded(x), plain(x))
    np.testing.assert_array_equal(padded.derivative(x), plain.derivative(x))
