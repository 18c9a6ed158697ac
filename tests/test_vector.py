"""Vector and gated activations: values against mpmath, vjp/jvp/Jacobian, the softmax policy."""

from __future__ import annotations

from typing import Any

import mpmath as mp
import numpy as np
import pytest

import actlab
from actlab._catalog import Spec
from tests.conftest import VECTORLIKE, make, rng

# ------------------------------------------------------------------ oracle values


def mp_softmax(row: list[float]) -> list[Any]:
    e = [mp.exp(mp.mpf(v)) for v in row]
    s = mp.fsum(e)
    return [v / s for v in e]


def mp_sparsemax(row: list[float]) -> list[Any]:
    z = sorted((mp.mpf(v) for v in row), reverse=True)
    k, csum = 0, mp.mpf(0)
    for i, v in enumerate(z, 1):
        if 1 + i * v > csum + v:
            k, csum = i, csum + v
        else:
            break
    tau = (csum - 1) / k
    return [max(mp.mpf(v) - tau, mp.mpf(0)) for v in row]


def ulps(got: np.ndarray, want: list[Any]) -> float:
    w = np.array([float(v) for v in want])
    lo = np.array([float(mp.mpf(v) - mp.mpf(float(v))) for v in want])
    diff = np.abs((got - w) - lo)
    return float(np.max(np.where(diff == 0, 0, diff / np.spacing(np.abs(w)))))


ORACLES = {
    "softmax": mp_softmax,
    "softmin": lambda r: mp_softmax([-v for v in r]),
    "log_softmax": lambda r: [mp.log(v) for v in mp_softmax(r)],
    "sparsemax": mp_sparsemax,
}


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_vector_values_against_mpmath(name: str) -> None:
    worst = 0.0
    with mp.workdps(50):
        for i, scale in enumerate((0.5, 3.0, 30.0)):
            x = rng(10 + i).normal(0, scale, (20, 7))
            got = actlab.get(name)(x)
            for r in range(x.shape[0]):
                want = ORACLES[name](list(x[r]))
                if name == "sparsemax":  # exact zeros; compare the support's values
                    w = np.array([float(v) for v in want])
                    assert np.array_equal(got[r] == 0, w == 0)
                    np.testing.assert_allclose(got[r], w, rtol=0, atol=4e-16 * scale)
                else:
                    worst = max(worst, ulps(got[r], want))
    assert worst <= 8, f"{name}: {worst} ULP"


@pytest.mark.parametrize("gate", ["glu", "swiglu", "geglu", "reglu"])
def test_gated_is_a_times_gate_of_b(gate: str) -> None:
    x = rng(3).normal(0, 3, (5, 8))
    a, b = x[:, :4], x[:, 4:]
    g = {"glu": "sigmoid", "swiglu": "silu", "geglu": "gelu", "reglu": "relu"}[gate]
    np.testing.assert_array_equal(actlab.get(gate)(x), a * actlab.get(g)(b))
    # along another axis: the same as moving that axis last
    np.testing.assert_array_equal(actlab.get(gate, axis=0)(x.T), actlab.get(gate)(x).T)


def test_geglu_passes_approximate_to_its_gate() -> None:
    x = rng(2).normal(0, 2, (3, 6))
    got = actlab.get("geglu", approximate="tanh")(x)
    np.testing.assert_array_equal(got, x[:, :3] * actlab.get("gelu", approximate="tanh")(x[:, 3:]))


# ------------------------------------------------------------------ vjp, jvp, Jacobian


@pytest.mark.parametrize("spec", VECTORLIKE, ids=lambda s: s.name)
@pytest.mark.parametrize("axis", [-1, 0])
def test_vjp_jvp_jacobian_agree_with_finite_differences(spec: Spec, axis: int) -> None:
    act = make(spec.name, axis=axis)
    x = rng(6).normal(0, 1.5, (6, 4))
    y = act(x)
    g = rng(7).normal(size=y.shape)
    v = rng(8).normal(size=x.shape)
    J = act.jacobian(x)  # along the axis, moved last: (..., m, n)
    xm = np.moveaxis(x, axis, -1)
    gm, vm = np.moveaxis(g, axis, -1), np.moveaxis(v, axis, -1)
    np.testing.assert_allclose(
        np.moveaxis(act.vjp(x, g), axis, -1), np.einsum("...m,...mn->...n", gm, J), atol=1e-14
    )
    np.testing.assert_allclose(
        np.moveaxis(act.jvp(x, v), axis, -1), np.einsum("...mn,...n->...m", J, vm), atol=1e-14
    )
    h = 1e-6  # (gumbel_softmax: hard=False and a fixed seed, so differences apply)
    fd = (act(x + h * v) - act(x - h * v)) / (2 * h)
    np.testing.assert_allclose(act.jvp(x, v), fd, rtol=1e-6, atol=1e-8)
    assert J.shape == (*xm.shape[:-1], np.moveaxis(y, axis, -1).shape[-1], xm.shape[-1])


def test_jacobian_rows_of_softmax_sum_to_zero_and_match_the_formula() -> None:
    x = np.array([1.0, -2.0, 0.5])
    y = actlab.softmax(x)
    np.testing.assert_allclose(
        actlab.get("softmax").jacobian(x), np.diag(y) - np.outer(y, y), atol=1e-17
    )


def test_vjp_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="glu: g must have the shape of the output \\(3, 2\\)"):
        actlab.get("glu").vjp(np.ones((3, 4)), np.ones((3, 4)))


# ------------------------------------------------------------------ the softmax policy


def test_mask_excludes_entries() -> None:
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    m = np.array([[True, False, True], [True, True, True]])
    y = actlab.softmax(x, where=m)
    np.testing.assert_allclose(
        y[0],
        [np.exp(1) / (np.exp(1) + np.exp(3)), 0, np.exp(3) / (np.exp(1) + np.exp(3))],
        rtol=1e-15,
    )
    np.testing.assert_allclose(y[1], [1 / 3] * 3, rtol=1e-15)
    ls = actlab.log_softmax(x, where=m)
    assert ls[0, 1] == -np.inf
    np.testing.assert_allclose(
        ls[0, [0, 2]], [-np.log1p(np.exp(2)), -np.log1p(np.exp(-2))], rtol=2e-16
    )


@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax"])
def test_empty_rows_give_zeros_and_zero_gradient(name: str) -> None:
    act = actlab.get(name)
    x = np.array([[1.0, 2.0], [-np.inf, -np.inf], [3.0, 4.0]])
    if name == "softmin":
        x[1] = np.inf
    m = np.array([[True, True], [True, True], [False, False]])
    y = act(x, where=m)
    fill = -np.inf if name == "log_softmax" else 0.0
    assert np.all(y[1:] == fill)
    g = np.ones_like(x)
    assert np.all(act.vjp(x, g, where=m)[1:] == 0)
    assert np.all(act.jvp(x, g, where=m)[1:] == 0)


def test_posinf_entries() -> None:
    y = actlab.softmax(np.array([[np.inf, 1.0, -np.inf], [np.inf, np.inf, 0.0]]))
    np.testing.assert_array_equal(y[0], [1.0, 0.0, 0.0])
    assert np.isnan(y[1]).all()
    ls = actlab.log_softmax(np.array([np.inf, 1.0]))
    np.testing.assert_array_equal(ls, [0.0, -np.inf])
    sp = actlab.sparsemax(np.array([[np.inf, 1.0], [-np.inf, 2.0]]))
    np.testing.assert_array_equal(sp, [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax", "sparsemax"])
def test_nan_makes_its_row_nan(name: str) -> None:
    y = actlab.get(name)(np.array([[np.nan, 1.0, 2.0], [0.0, 1.0, 2.0]]))
    assert np.isnan(y[0]).all() and np.isfinite(y[1]).all()


def test_softmax_huge_logits_do_not_overflow() -> None:
    x = np.array([1000.0, 999.0, -1000.0])
    np.testing.assert_allclose(
        actlab.softmax(x), [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1)), 0.0], rtol=1e-15
    )


def test_log_softmax_is_log_of_softmax_where_finite() -> None:
    # compared through exp (well conditioned): log(softmax) itself loses digits near 0
    x = rng(9).normal(0, 10, (50, 6))
    ls, sm = actlab.log_softmax(x), actlab.softmax(x)
    # exp turns an absolute error |y|·ε of y = log_softmax into the relative error |y|·ε
    assert np.all(np.abs(np.exp(ls) - sm) <= 4e-16 * (2 + np.abs(ls)) * sm)


# ------------------------------------------------------------------ sparsemax and gumbel


def test_sparsemax_is_a_projection_onto_the_simplex() -> None:
    x = rng(11).normal(0, 2, (200, 5))
    y = actlab.sparsemax(x)
    np.testing.assert_allclose(y.sum(-1), 1.0, atol=1e-14)
    assert (y >= 0).all()
    # optimality: for the support S, x_i − y_i is the same τ; off-support x_i ≤ τ
    for xr, yr in zip(x, y, strict=True):
        s = yr > 0
        tau = (xr - yr)[s]
        assert np.ptp(tau) < 1e-13 and (xr[~s] <= tau[0] + 1e-13).all()


def test_gumbel_softmax_is_reproducible_and_hard_is_one_hot() -> None:
    x = np.log(np.array([0.1, 0.6, 0.3]))
    a = actlab.get("gumbel_softmax", seed=1)
    np.testing.assert_array_equal(a(x), a(x))
    assert not np.array_equal(a(x), actlab.get("gumbel_softmax", seed=2)(x))
    h = actlab.get("gumbel_softmax", seed=1, hard=True)
    yh = h(x)
    assert sorted(yh) == [0.0, 0.0, 1.0] and np.argmax(yh) == np.argmax(a(x))
    g = np.array([1.0, -1.0, 0.5])
    np.testing.assert_array_equal(h.vjp(x, g), a.vjp(x, g))  # straight-through


def test_gumbel_softmax_samples_the_categorical_distribution() -> None:
    p = np.array([0.1, 0.6, 0.3])
    x = np.tile(np.log(p), (20000, 1))
    y = actlab.get("gumbel_softmax", seed=123, hard=True, tau=0.5)(x)
    freq = y.mean(0)
    assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / 20000)), freq


def test_rrelu_training_draws_slopes_in_range_and_derivative_uses_them() -> None:
    x = -np.abs(rng(12).normal(size=1000)) - 0.1
    act = actlab.get("rrelu", training=True, seed=5)
    slopes = act(x) / x
    assert (slopes >= 1 / 8).all() and (slopes <= 1 / 3).all() and np.ptp(slopes) > 0.15
    np.testing.assert_allclose(act.derivative(x), slopes, rtol=1e-15)
    np.testing.assert_array_equal(act(x), actlab.get("rrelu", training=True, seed=5)(x))
    np.testing.assert_array_equal(actlab.get("rrelu")(x), x * (1 / 8 + 1 / 3) / 2)


def test_maxout_groups_reduce_the_axis() -> None:
    x = rng(4).normal(0, 2, (5, 12))
    for k in (1, 2, 3, 4):
        act = actlab.get("maxout", k=k)
        np.testing.assert_array_equal(act(x), x.reshape(5, 12 // k, k).max(axis=-1))
    np.testing.assert_array_equal(
        actlab.get("maxout", k=3, axis=0)(x.T), x.reshape(5, 4, 3).max(axis=-1).T
    )
    tie = actlab.get("maxout")  # a tie: the first maximum takes the gradient (index-returning max)
    np.testing.assert_array_equal(tie.vjp(np.array([2.0, 2.0]), np.array([5.0])), [5.0, 0.0])
    with pytest.raises(ValueError, match="maxout: axis -1 has size 5, which k = 2 does not divide"):
        tie(np.ones(5))
    with pytest.raises(ValueError, match=r"maxout: g must have the shape of the output \(2,\)"):
        tie.vjp(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="maxout: k must be an int >= 1, got 0"):
        actlab.get("maxout", k=0)


def test_maxout_matches_torch_max_over_groups() -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor(rng(5).normal(0, 1, (4, 6)), requires_grad=True)
    ref = x.reshape(4, 3, 2).max(dim=-1).values
    g = torch.tensor(rng(6).normal(0, 1, (4, 3)))
    (ref * g).sum().backward()
    act = actlab.get("maxout")
    xd = x.detach()
    assert torch.equal(act(xd), ref.detach())
    np.testing.assert_array_equal(act.vjp(xd.numpy(), g.numpy()), x.grad.numpy())
