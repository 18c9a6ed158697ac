"""The analysis numbers the explorer added to the library, each against an independent oracle:
f'' (mpmath), the saturation region (analyze's own), the depth profile (closed form and Monte
Carlo), and the accuracy comparison (the oracle tables' ULP errors, by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import actlab
from actlab._analysis import _measure

mpmath = pytest.importorskip("mpmath")

SMOOTH = {
    "tanh": mpmath.tanh,
    "gelu": lambda x: x * mpmath.ncdf(x),
    "softplus": lambda x: mpmath.log(1 + mpmath.exp(x)),
    "silu": lambda x: x / (1 + mpmath.exp(-x)),
    "elu": lambda x: x if x > 0 else mpmath.exp(x) - 1,
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_second_derivative_against_mpmath(name: str) -> None:
    xs = np.linspace(-6, 6, 49)
    xs = xs[np.abs(xs) > 1e-3] if name == "elu" else xs  # elu's f'' jumps at 0
    got = _measure.second_derivative(actlab.get(name), xs)
    want = [float(mpmath.diff(SMOOTH[name], mpmath.mpf(float(v)), 2)) for v in xs]
    np.testing.assert_allclose(got, want, atol=2e-9, rtol=1e-7)


def test_second_derivative_is_nan_at_kinks_and_non_finite_input() -> None:
    relu = actlab.get("relu")
    got = _measure.second_derivative(relu, np.array([-1.0, 0.0, 1e-7, 1.0, np.inf, np.nan]))
    assert got[0] == 0.0 and got[3] == 0.0
    assert np.isnan(got[1:3]).all() and np.isnan(got[4:]).all()


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "gelu", "elu", "hardtanh"])
def test_saturation_region_is_analyzes(name: str) -> None:
    assert _measure.saturation_region(actlab.get(name)) == actlab.analyze(name).saturation_region


def test_depth_profile_closed_form_relu() -> None:
    # relu: E[f(√q z)²] = q/2, E[f'(√q z)²] = 1/2 → q_l = σ_w²/2·q_{l-1} + σ_b², χ = σ_w²/2
    p = _measure.depth_profile(actlab.get("relu"), 3.0, 0.2, 5)
    q = [1.0]
    for _ in range(4):
        q.append(1.5 * q[-1] + 0.2)
    np.testing.assert_allclose(p.variance, q, rtol=1e-9)
    np.testing.assert_allclose(p.grad, [1.5**k for k in (4, 3, 2, 1, 0)], rtol=1e-9)


def test_depth_profile_settles_at_gradient_flows_fixed_point() -> None:
    act = actlab.get("tanh")
    p = _measure.depth_profile(act, 1.5, 0.05, 60)
    fl = _measure.gradient_flow(act, 1.5, 0.05)
    assert p.variance[-1] == pytest.approx(fl.q_star, rel=1e-8)
    assert p.grad[-3] / p.grad[-2] == pytest.approx(fl.chi, rel=1e-6)


def test_depth_profile_rejects_bad_values() -> None:
    relu = actlab.get("relu")
    for bad in ({"depth": 0}, {"depth": 2.5}, {"sigma_w2": math.nan}, {"sigma_b2": -1.0}):
        kw = {"sigma_w2": 2.0, "sigma_b2": 0.0, "depth": 3, **bad}
        with pytest.raises(ValueError, match="depth_profile: "):
            _measure.depth_profile(relu, kw["sigma_w2"], kw["sigma_b2"], kw["depth"])


def test_max_ulps_by_hand() -> None:
    from actlab_oracle.accuracy import errors, load
    from actlab_oracle.grid import DTYPES
    from actlab_oracle.peers import max_ulps

    rows = {(r["dtype"], r["of"]): r for r in max_ulps("sigmoid")}
    table = load("sigmoid", {}, [])
    sel = table["dtype"] == list(DTYPES).index("float32")
    x = table["x"][sel].astype(np.float32)
    with np.errstate(over="ignore"):
        textbook = 1 / (1 + np.exp(-x))  # the peer a course writes, in float32
        want = float(np.max(errors(textbook, table["f_hi"][sel], table["f_lo"][sel], np.float32)))
    assert rows[("float32", "f")]["numpy"] == want
    assert rows[("float32", "f")]["actlab"] <= 1.0  # the catalog's bar: ≤ 1 ULP
    assert rows[("float64", "f'")]["jax"] is None or isinstance(
        rows[("float64", "f'")]["jax"], float
    )
    with pytest.raises(ValueError, match="softmax is a vector activation"):
        max_ulps("softmax")


# ---------------------------------------------------------------------- the phase diagram


@pytest.mark.parametrize("name", ["relu", "tanh", "elu", "gelu", "relu6", "hardtanh", "sigmoid"])
def test_phase_grid_is_gradient_flow_cell_by_cell(name: str) -> None:
    from actlab._analysis._measure import gradient_flow, phase_grid

    act = actlab.get(name)
    w, b = [0.5, 1.0, 2.0, 3.5], [0.0, 0.1, 0.3]
    grid = phase_grid(act, w, b)
    assert grid.shape == (3, 4)
    for k, sb2 in enumerate(b):
        for i, sw2 in enumerate(w):
            assert grid[k, i] == pytest.approx(gradient_flow(act, sw2, sb2).chi, rel=1e-9)


def test_phase_grid_relu_closed_form() -> None:
    """relu: E[f'(√q z)²] = 1/2 at every q, so χ₁ = σ_w²/2 whatever the bias."""
    from actlab._analysis._measure import phase_grid

    w = np.array([0.25, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(phase_grid(actlab.get("relu"), w, [0.0, 0.2]), [w / 2, w / 2])


def test_a_kink_far_in_the_tail_does_not_hide_the_mass() -> None:
    """relu6 at σ_w² = 0.5, no bias: q halves each layer towards 0, where relu6 is relu, so
    χ₁ = σ_w²/2 = 0.25. quad on [0, 6/√q] once missed the mass at 0 and gave 1.6e-38."""
    from actlab._analysis._measure import gradient_flow, phase_grid

    act = actlab.get("relu6")
    assert gradient_flow(act, 0.5, 0.0).chi == pytest.approx(0.25, rel=1e-9)
    assert phase_grid(act, [0.5], [0.0])[0, 0] == pytest.approx(0.25, rel=1e-9)


def test_phase_grid_errors_name_the_argument() -> None:
    from actlab._analysis._measure import phase_grid

    with pytest.raises(ValueError, match="phase_grid: sigma_w2 must be"):
        phase_grid(actlab.get("tanh"), [], [0.0])
    with pytest.raises(ValueError, match="phase_grid: sigma_b2 must be"):
        phase_grid(actlab.get("tanh"), [1.0], [float("nan")])
