"""Regression tests for the contract holes found by trying (issue 13, requirement 4): extreme
parameters, empty axes, masks and parameters of the wrong kind, devices without data, infinite
cotangents, NumPy subclasses, the randomness policy and the measured zero-centring."""

from __future__ import annotations

import math
from typing import Any

import mpmath as mp
import numpy as np
import pytest

import actlab
from actlab_oracle.formulas import FORMULAS, evaluate

torch = pytest.importorskip("torch")

XS = np.array([-1e300, -3.0, -1.0, -1e-300, 0.0, 1e-300, 1.0, 3.0, 1e300])


@pytest.mark.parametrize(
    ("name", "param"),
    [("silu", "beta"), ("softplus", "beta"), ("isru", "alpha"), ("isrlu", "alpha"), ("sine", "w0")],
)
@pytest.mark.parametrize("value", [1.5e300, 1.7e308, 1e-301])
def test_extreme_parameters_match_mpmath(name: str, param: str, value: float) -> None:
    """Dekker's splitter overflowed for parameters above ~1.34e300: NaN for every x."""
    act = actlab.get(name, **{param: value})
    f, d = FORMULAS[name]
    for which, fn, got in (("f", f, act(XS)), ("d", d, act.derivative(XS))):
        for x, g in zip(XS, got, strict=True):
            want = evaluate(fn, float(x), {param: value}, which, name)[0]
            if np.isnan(want):  # sine: w0·x beyond the float range has no answer
                assert np.isnan(g)
                continue
            assert g == want or abs(g - want) <= 1e-12 * abs(want), (name, which, x, g, want)


def test_snake_huge_frequency_is_finite_and_exact_where_a_x_is() -> None:
    act = actlab.get("snake", a=1.5e300)
    x = np.array([-3.0, -1e-300, 0.0, 2.0])
    f, d = act(x), act.derivative(x)
    for xi, fi, di in zip(x, f, d, strict=True):
        with mp.workdps(700):
            a, t = mp.mpf(1.5e300), mp.mpf(float(xi))
            want_f, want_d = t + mp.sin(a * t) ** 2 / a, 1 + mp.sin(2 * a * t)
        assert abs(fi - float(want_f)) <= 1e-15 * abs(float(want_f)), (xi, fi, want_f)
        assert abs(di - float(want_d)) <= 1e-12, (xi, di, want_d)


def test_star_relu_has_no_overflowing_intermediate() -> None:
    act = actlab.get("star_relu", scale=1e-301, bias=0.0)
    x = np.array([1.3e154, 1e200, 1e300, np.inf])
    want = [float(mp.mpf(1e-301) * mp.mpf(float(v)) ** 2) for v in x[:3]]
    np.testing.assert_allclose(act(x)[:3], want, rtol=1e-15)
    assert act(x)[3] == np.inf
    assert actlab.get("star_relu", scale=0.0, bias=0.5)(np.array([np.inf]))[0] == 0.5


def test_celu_huge_alpha_keeps_tiny_inputs() -> None:
    act = actlab.get("celu", alpha=1e301)
    np.testing.assert_array_equal(act(np.array([-1e-300, -1.0])), [-1e-300, -1.0])


@pytest.mark.parametrize("value", [10**400, -(10**400)])
def test_huge_int_parameter_is_a_clear_error(value: int) -> None:
    with pytest.raises(ValueError, match=r"elu: alpha must be finite \(> 0\), got 1?-?1?0+\.\.\."):
        actlab.get("elu", alpha=value)


VECTOR = ["softmax", "softmin", "log_softmax", "sparsemax", "gumbel_softmax"]


@pytest.mark.parametrize("name", VECTOR)
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_empty_axis_gives_an_empty_result(name: str, lib: str) -> None:
    act = actlab.get(name, seed=0) if name == "gumbel_softmax" else actlab.get(name)
    x = np.zeros((3, 0)) if lib == "numpy" else torch.zeros((3, 0), dtype=torch.float64)
    y = act(x)
    assert tuple(y.shape) == (3, 0)
    if name != "gumbel_softmax":  # torch's own softmax family returns the same empty tensor
        assert tuple(act.vjp(x, x).shape) == (3, 0) and tuple(act.jvp(x, x).shape) == (3, 0)
        assert tuple(act.jacobian(x).shape) == (3, 0, 0)
    if lib == "torch" and name in ("softmax", "softmin", "log_softmax"):
        ref = getattr(torch.nn.functional, name)(x, dim=-1)
        assert ref.shape == y.shape


def test_mask_from_the_other_library_is_named() -> None:
    with pytest.raises(TypeError, match="softmax: where is a torch array but x is a numpy array"):
        actlab.softmax(np.ones(3), where=torch.tensor([True, False, True]))
    with pytest.raises(TypeError, match="where is a numpy array but x is a torch array"):
        actlab.softmax(torch.ones(3), where=np.array([True, False, True]))


@pytest.mark.parametrize(
    ("name", "param"), [("silu", "beta"), ("snake", "a"), ("star_relu", "scale")]
)
def test_learnable_array_of_the_wrong_length_is_named(name: str, param: str) -> None:
    act = actlab.get(name, **{param: np.array([0.5, 0.7])})
    msg = rf"{name}: {param} has shape \(2,\), which does not broadcast to x's shape \(2, 3\)"
    with pytest.raises(ValueError, match=msg):
        act(np.ones((2, 3)))
    with pytest.raises(ValueError, match=msg):
        act.param_vjp(np.ones((2, 3)), np.ones((2, 3)))
    ok = actlab.get(name, **{param: np.array([0.5, 0.7, 0.9])})  # broadcasts along the last axis
    want = [actlab.get(name, **{param: v})(np.float64(1.0)) for v in (0.5, 0.7, 0.9)]
    np.testing.assert_allclose(ok(np.ones((2, 3)))[1], want, rtol=1e-15)


def test_prelu_param_vjp_checks_the_channels() -> None:
    act = actlab.get("prelu", alpha=np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="prelu: alpha has 2 channels but x has 3"):
        act.param_vjp(np.ones((2, 3)), np.ones((2, 3)))


@pytest.mark.parametrize("name", ["linear", "gelu", "mish", "silu", "sinc", "snake", "softplus"])
def test_meta_tensors_keep_shape_and_device(name: str) -> None:
    """Nothing calls .item() or builds on the CPU: meta (and so CUDA) tensors work."""
    act = actlab.get(name)
    x = torch.empty((4, 3), device="meta", dtype=torch.float32)
    for y in (act(x), act.derivative(x)):
        assert y.device.type == "meta" and y.shape == x.shape and y.dtype == torch.float32
    if name == "linear":  # the value itself, on a real tensor: built on x's device
        xr = torch.ones(3)
        assert torch.equal(act.derivative(xr), torch.ones(3))


@pytest.mark.parametrize("name", ["gelu", "mish", "silu", "sinc"])
def test_derivative_near_a_root_on_a_tensor_that_requires_grad(name: str) -> None:
    x = torch.tensor([-0.75, -1.19, -1.28, 4.49, 1.0], dtype=torch.float64, requires_grad=True)
    act = actlab.get(name)
    d = act.derivative(x)  # warnings are errors: torch.asarray used to warn here
    np.testing.assert_array_equal(d.detach().numpy(), act.derivative(x.detach().numpy()))


def _textbook_vjp(name: str, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    y = e / e.sum()
    if name == "softmax":
        return y * (g - np.sum(g * y))
    if name == "log_softmax":
        return g - y * np.sum(g)
    if name == "softmin":
        e = np.exp(-x - (-x).max())
        y = e / e.sum()
        return -(y * (g - np.sum(g * y)))
    return g * (x > 0)  # relu


@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax", "relu"])
def test_infinite_cotangent_gives_ieee_values_quietly(name: str) -> None:
    act = actlab.get(name)
    x, g = np.array([1.0, 2.0, 0.5]), np.array([np.inf, 0.0, 1.0])
    got = act.vjp(x, g)  # warnings are errors: no invalid-value warning
    if name != "log_softmax":  # softmax's J is symmetric: jvp = vjp; relu's is diagonal
        np.testing.assert_array_equal(act.jvp(x, g), got)
    with np.errstate(invalid="ignore"):
        want = _textbook_vjp(name, x, g)
    np.testing.assert_allclose(got, want, rtol=1e-15)  # NaN where inf − inf, as IEEE says


def test_softmin_of_an_all_minus_inf_row_is_zeros() -> None:
    act = actlab.get("softmin")
    x = np.array([[-np.inf, -np.inf], [1.0, -np.inf], [np.inf, np.inf], [np.nan, -np.inf]])
    y = act(x)
    np.testing.assert_array_equal(y[0], [0.0, 0.0])
    np.testing.assert_array_equal(y[1], [0.0, 1.0])  # one −inf: the limit
    np.testing.assert_array_equal(y[2], [0.0, 0.0])
    np.testing.assert_array_equal(y[3], actlab.softmax(-x[3:]).ravel())  # NaN: as softmax
    np.testing.assert_array_equal(act.vjp(x[:1], np.ones((1, 2))), [[0.0, 0.0]])
    masked = act(np.array([[-np.inf, 3.0]]), where=np.array([[True, False]]))
    np.testing.assert_array_equal(masked, [[0.0, 0.0]])


def test_masked_arrays_keep_their_mask() -> None:
    x = np.ma.masked_array([1.0, -2.0, 3.0], mask=[False, True, False])
    for y in (actlab.relu(x), actlab.get("relu").derivative(x), actlab.softmax(x)):
        assert isinstance(y, np.ma.MaskedArray)
        np.testing.assert_array_equal(np.ma.getmaskarray(y), [False, True, False])
    np.testing.assert_array_equal(actlab.relu(x).data, [1.0, 0.0, 3.0])


def test_matrix_subclass_comes_back() -> None:
    with pytest.warns(PendingDeprecationWarning):
        m = np.matrix([[1.0, -2.0]])
    y = actlab.relu(m)
    assert type(y) is np.matrix
    np.testing.assert_array_equal(np.asarray(y), [[1.0, 0.0]])


def test_gumbel_policy_one_rule_everywhere() -> None:
    """torch tensors without a seed draw from torch's global generator (F.gumbel_softmax's
    rule) — through actlab.get, the functional form and the module alike; NumPy needs one."""
    import actlab.torch as at

    x = torch.zeros(6, dtype=torch.float64)
    act = actlab.get("gumbel_softmax")
    with pytest.raises(ValueError, match="gumbel_softmax: draws random noise; pass seed="):
        act(np.zeros(6))
    for fn in (act, at.functional.gumbel_softmax, at.module("gumbel_softmax")):
        torch.manual_seed(3)
        a = fn(x)
        b = fn(x)
        torch.manual_seed(3)
        a2 = fn(x)
        assert torch.equal(a, a2), fn  # the global generator: reseeding repeats the draw
        assert not torch.equal(a, b), fn  # and successive calls draw anew (no fixed seed 0)
        assert math.isclose(float(a.sum()), 1.0, rel_tol=1e-12)
    np.testing.assert_array_equal(
        actlab.get("gumbel_softmax", seed=5)(np.zeros(6)),
        actlab.get("gumbel_softmax", seed=5)(np.zeros(6)),
    )


def _centring(name: str, **params: Any) -> float:
    """|E f(z)| / √E f(z)² under N(0, 1) by mpmath quadrature: independent of actlab."""
    f = FORMULAS[name][0]
    with mp.workdps(30):
        w = lambda z: mp.exp(-(z**2) / 2) / mp.sqrt(2 * mp.pi)  # noqa: E731
        m1 = mp.quad(lambda z: f(z, **params) * w(z), [-mp.inf, 0, mp.inf])
        m2 = mp.quad(lambda z: f(z, **params) ** 2 * w(z), [-mp.inf, 0, mp.inf])
        return float(abs(m1) / mp.sqrt(m2))


@pytest.mark.parametrize(
    ("name", "centred"),
    [("tanh", True), ("selu", True), ("gelu", False), ("elu", False), ("relu", False)],
)
def test_zero_centred_is_the_measured_ratio(name: str, centred: bool) -> None:
    a = actlab.analyze(name)
    assert math.isclose(a.centring, _centring(name), rel_tol=1e-6, abs_tol=1e-9)
    assert a.zero_centred is centred and actlab.get(name).facts.zero_centred is centred
