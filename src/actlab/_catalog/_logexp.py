"""Logs and exps: log_sigmoid, exponential."""

from __future__ import annotations

from types import ModuleType

from ._common import (
    INF,
    R,
    elementwise,
)
from ._spec import (
    Facts,
    Params,
    Peer,
    Peers,
)
from ._xp import (
    Array,
    const,
    sigmoid,
)


def _log_sigmoid_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return xp.minimum(x, const(xp, x, 0.0)) - xp.log1p(xp.exp(-xp.abs(x)))


LOG_SIGMOID = elementwise(
    name="log_sigmoid",
    lean=("output", lambda xp, y, p: -xp.expm1(y), None),
    example=(
        ">>> import actlab\n"
        ">>> actlab.log_sigmoid([-2.0, 0.0, 1.5])\n"
        "array([-2.12692801, -0.69314718, -0.20141328])\n"
        ">>> actlab.get('log_sigmoid').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.88079708, 0.5       , 0.18242552])"
    ),
    aliases=("logsigmoid",),
    summary="log σ(x) = −softplus(−x), computed without overflow.",
    forward=_log_sigmoid_f,
    derivative=lambda xp, x, p: sigmoid(xp, -x),
    latex=r"f(x) = \log \sigma(x) = -\log\left(1 + e^{-x}\right)",
    derivative_latex=r"f'(x) = \sigma(-x)",
    text="f(x) = min(x, 0) - log1p(exp(-|x|))",
    derivative_text="f'(x) = sigmoid(-x)",
    facts=Facts(
        range=R(-INF, 0.0, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("positive",),
        uses=("log-likelihoods of binary outputs", "losses on logits"),
        pros=("stable log-probability",),
        cons=("rarely a hidden activation",),
        init="xavier",
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.logsigmoid", module="torch.nn.LogSigmoid"),
        keras=Peer("keras.activations.log_sigmoid"),
        jax=Peer("jax.nn.log_sigmoid"),
    ),
)


def _exp_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return xp.exp(x)  # overflow to +inf is the correctly rounded result


EXPONENTIAL = elementwise(
    name="exponential",
    lean=("output", lambda xp, y, p: y, None),
    example=(
        ">>> import actlab\n"
        ">>> actlab.exponential([-2.0, 0.0, 1.5])\n"
        "array([0.13533528, 1.        , 4.48168907])\n"
        ">>> actlab.get('exponential').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.13533528, 1.        , 4.48168907])"
    ),
    aliases=("exp",),
    summary="eˣ: a positive output (rates, Poisson means).",
    forward=_exp_f,
    derivative=_exp_f,
    latex=r"f(x) = e^{x}",
    derivative_latex=r"f'(x) = e^{x}",
    text="f(x) = exp(x)",
    derivative_text="f'(x) = exp(x)",
    facts=Facts(
        range=R(0.0, INF, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("count outputs (Poisson rate)", "positive scale parameters"),
        pros=("strictly positive", "log-link for count data"),
        cons=("explodes for large inputs",),
        init="xavier",
    ),
    peers=Peers(
        torch=Peer("torch.exp"),
        keras=Peer("keras.activations.exponential"),
        jax=Peer("jax.numpy.exp"),
    ),
)
