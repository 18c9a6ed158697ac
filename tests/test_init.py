"""Init: exact and PyTorch gains, the initialisers, and deep random networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import actlab
from tests.conftest import ELEMENTWISE, make


def test_exact_gains() -> None:
    assert math.isclose(actlab.gain("relu"), math.sqrt(2), rel_tol=1e-10)
    assert math.isclose(actlab.gain("selu"), 1.0, abs_tol=1e-6)
    assert math.isclose(actlab.gain("linear"), 1.0, rel_tol=1e-12)
    assert math.isclose(actlab.gain("tanh"), 1.5925, abs_tol=1e-4)
    assert math.isclose(
        actlab.gain("leaky_relu", negative_slope=0.2), math.sqrt(2 / (1 + 0.2**2)), rel_tol=1e-10
    )


def test_pytorch_gains_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for spec in ELEMENTWISE:
        if spec.torch_gain is None:
            with pytest.raises(
                ValueError, match=f"gain: PyTorch's calculate_gain defines no gain for {spec.name}"
            ):
                actlab.gain(make(spec.name), convention="pytorch")
            continue
        for params in ({}, {"negative_slope": 0.3}) if spec.name == "leaky_relu" else ({},):
            ours = actlab.gain(spec.name, convention="pytorch", **params)
            theirs = torch.nn.init.calculate_gain(spec.name, params.get("negative_slope"))
            assert math.isclose(ours, theirs, rel_tol=1e-15), spec.name
    assert actlab.gain("tanh", convention="pytorch") == 5 / 3


def test_gain_errors() -> None:
    with pytest.raises(ValueError, match="gain: convention must be 'exact' or 'pytorch'"):
        actlab.gain("relu", convention="keras")
    with pytest.raises(ValueError, match="gain: softmax is a vector activation"):
        actlab.gain("softmax")


@pytest.mark.parametrize(
    ("scheme", "mode", "g"),
    [("he", "fan_in", math.sqrt(2)), ("xavier", "fan_avg", 1.0), ("lecun", "fan_in", 1.0)],
)
@pytest.mark.parametrize("dist", ["normal", "uniform"])
def test_initialize_has_the_scheme_std(scheme: str, mode: str, g: float, dist: str) -> None:
    shape = (300, 200, 3, 3)
    w = actlab.initialize(shape, scheme, distribution=dist, seed=1)
    fan = {"fan_in": 200 * 9, "fan_avg": (200 * 9 + 300 * 9) / 2}[mode]
    assert w.shape == shape
    assert math.isclose(float(w.std()), g / math.sqrt(fan), rel_tol=0.01)
    assert abs(float(w.mean())) < 3 * g / math.sqrt(fan) / math.sqrt(w.size)
    if dist == "uniform":
        assert float(np.abs(w).max()) <= math.sqrt(3) * g / math.sqrt(fan)
    np.testing.assert_array_equal(w, actlab.initialize(shape, scheme, distribution=dist, seed=1))


def test_initialize_matches_torch_std_and_fills_tensors() -> None:
    torch = pytest.importorskip("torch")
    t = torch.empty(400, 300)
    out = actlab.initialize(t, "he", seed=0)
    assert out is t and math.isclose(float(t.std()), math.sqrt(2 / 300), rel_tol=0.01)
    ref = torch.empty(400, 300)
    torch.nn.init.kaiming_normal_(ref, generator=torch.Generator().manual_seed(0))
    assert math.isclose(float(ref.std()), float(t.std()), rel_tol=0.02)
    x = torch.empty(100, 50)
    actlab.initialize(
        x, "xavier", distribution="uniform", generator=torch.Generator().manual_seed(1)
    )
    assert float(x.abs().max()) <= math.sqrt(6 / 150)


def test_initialize_errors() -> None:
    with pytest.raises(ValueError, match="initialize: pass seed=<int> or generator="):
        actlab.initialize((3, 3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        actlab.initialize((3,), seed=0)
    with pytest.raises(ValueError, match="scheme must be one of"):
        actlab.initialize((3, 3), "orthogonal", seed=0)
    with pytest.raises(ValueError, match="non-negative sizes"):
        actlab.initialize((3, -3), seed=0)
    with pytest.raises(ValueError, match="mode must be one of"):
        actlab.initialize((3, 3), mode="fan_mid", seed=0)


def test_recommended_init() -> None:
    assert actlab.recommended_init("relu").scheme == "he"
    assert math.isclose(actlab.recommended_init("relu").gain, math.sqrt(2), rel_tol=1e-10)
    assert math.isclose(
        actlab.recommended_init("relu").std((64, 32)), math.sqrt(2 / 32), rel_tol=1e-10
    )
    selu = actlab.recommended_init("selu")
    assert selu.scheme == "lecun" and math.isclose(selu.gain, 1.0, abs_tol=1e-6)


def _deep_variances(
    act: actlab.Activation,
    std_of: float | None,
    layers: int = 50,
    width: int = 512,
    batch: int = 128,
) -> np.ndarray:
    """Pre-activation variance per layer of a random MLP (weights N(0, g²/fan_in)), fed with
    pre-activations z ~ N(0, 1) so that every layer sees f(z) as its input."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(batch, width))
    g = std_of if std_of is not None else 1.0
    out = []
    for _ in range(layers):
        w = rng.normal(0.0, g / math.sqrt(width), size=(width, width))
        z = act(z) @ w
        out.append(float(z.var()))
    return np.array(out)


STABLE = [
    s.name
    for s in ELEMENTWISE
    if not s.stochastic and s.name != "threshold" and actlab.analyze(make(s.name)).flow.stable
]


@pytest.mark.parametrize("name", STABLE)
def test_exact_gain_keeps_a_deep_net_stable(name: str) -> None:
    act = make(name)
    v = _deep_variances(act, actlab.gain(act))
    assert v[-1] / v[0] < 4 and v[0] / v[-1] < 4, (name, v[0], v[-1])


def test_stable_set_is_not_trivial() -> None:
    assert {"relu", "tanh", "selu", "elu", "sigmoid", "leaky_relu"} <= set(STABLE)


def test_xavier_relu_loses_variance_as_2_to_the_minus_l() -> None:
    v = _deep_variances(actlab.get("relu"), 1.0)  # std 1/sqrt(fan) = Xavier for square layers
    ratio = v[-1] / v[0]
    assert 0.1 * 2.0**-49 < ratio < 10 * 2.0**-49
