"""Step and linear: the perceptron's threshold and the identity."""

from __future__ import annotations

from types import ModuleType

import array_api_compat as aac

from ._common import (
    ALL_REAL,
    INF,
    R,
    elementwise,
)
from ._spec import (
    Facts,
    Kink,
    Param,
    Params,
    Peer,
    Peers,
    Reference,
)
from ._xp import (
    Array,
    const,
    keep_nan,
    mul_zero_safe,
)


def _step_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.where(x >= p["threshold"], const(xp, x, 1.0), const(xp, x, 0.0)))


def _zero_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.zeros_like(x))


BINARY_STEP = elementwise(
    name="binary_step",
    example=(
        ">>> import actlab\n"
        ">>> actlab.binary_step([-2.0, 0.0, 1.5])\n"
        "array([0., 1., 1.])\n"
        ">>> actlab.get('binary_step').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 0.])"
    ),
    aliases=("step", "heaviside"),
    summary="Heaviside step: 1 where x ≥ threshold, else 0 (the perceptron's activation).",
    params=(Param("threshold", 0.0, "the input at which the output switches from 0 to 1"),),
    forward=_step_f,
    derivative=_zero_d,
    latex=r"f(x) = \begin{cases} 1 & x \ge \theta \\ 0 & x < \theta \end{cases}",
    derivative_latex=r"f'(x) = 0 \quad (x \ne \theta;\ 0 \text{ at } \theta \text{ by convention})",
    text="f(x) = 1 if x >= threshold else 0",
    derivative_text="f'(x) = 0 everywhere (undefined at the threshold; actlab returns 0 there)",
    kinks=(Kink(lambda p: p["threshold"], 0.0, "a jump: no derivative exists; 0 like autograd"),),
    facts=Facts(
        range=R(0.0, 1.0, True, True),
        monotonic=True,
        smoothness=-1,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("perceptrons", "teaching", "hard gates at inference"),
        pros=("binary output", "trivially cheap"),
        cons=("zero gradient everywhere: cannot be trained by gradient descent",),
        init="xavier",
    ),
    references=(
        Reference(
            "A logical calculus of the ideas immanent in nervous activity",
            "McCulloch, Pitts",
            1943,
        ),
    ),
)


def _linear_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return mul_zero_safe(xp, p["slope"], x)


def _linear_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.full(x.shape, p["slope"], dtype=x.dtype, device=aac.device(x)))


LINEAR = elementwise(
    name="linear",
    torch_gain=lambda p: 1.0,
    example=(
        ">>> import actlab\n"
        ">>> actlab.linear([-2.0, 0.0, 1.5])\n"
        "array([-2. ,  0. ,  1.5])\n"
        ">>> actlab.get('linear').derivative([-2.0, 0.0, 1.5])\n"
        "array([1., 1., 1.])"
    ),
    aliases=("identity",),
    summary="The identity, scaled: m·x (no nonlinearity; regression outputs).",
    params=(Param("slope", 1.0, "the factor m"),),
    forward=_linear_f,
    derivative=_linear_d,
    latex=r"f(x) = m x",
    derivative_latex=r"f'(x) = m",
    text="f(x) = slope * x",
    derivative_text="f'(x) = slope",
    facts=Facts(
        range=lambda p: ALL_REAL if p["slope"] != 0 else R(0.0, 0.0, True, True),
        monotonic=lambda p: p["slope"] >= 0,
        smoothness=INF,
        zero_centred=True,
        saturates=(),
        uses=("regression output layer", "linear bottlenecks", "baseline"),
        pros=("unbounded, exact gradient", "no saturation"),
        cons=("a stack of linear layers is one linear map: no expressive power added",),
        init="xavier",
    ),
    peers=Peers(
        keras=Peer("keras.activations.linear", fixed={}, note="slope must be 1"),
        jax=Peer("jax.nn.identity", note="slope must be 1"),
    ),
)
