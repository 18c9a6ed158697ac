"""The sigmoid family: the logistic sigmoid and tanh."""

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
    Reference,
)
from ._xp import (
    Array,
    dsigmoid,
    sigmoid,
)


def _sigmoid_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return sigmoid(xp, x)


def _sigmoid_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return dsigmoid(xp, x)


SIGMOID = elementwise(
    name="sigmoid",
    lean=("output", lambda xp, y, p: y * (1.0 - y), None),
    torch_gain=lambda p: 1.0,
    example=(
        ">>> import actlab\n"
        ">>> actlab.sigmoid([-2.0, 0.0, 1.5])\n"
        "array([0.11920292, 0.5       , 0.81757448])\n"
        ">>> actlab.get('sigmoid').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.10499359, 0.25      , 0.14914645])"
    ),
    aliases=("logistic",),
    summary="The logistic function 1/(1 + e^−x): a probability from a logit.",
    forward=_sigmoid_f,
    derivative=_sigmoid_d,
    latex=r"f(x) = \sigma(x) = \frac{1}{1 + e^{-x}}",
    derivative_latex=r"f'(x) = \sigma(x)\,\sigma(-x)",
    text="f(x) = 1 / (1 + exp(-x))",
    derivative_text="f'(x) = sigmoid(x) * sigmoid(-x)  (not s(1 - s), which is 0 at x = 37)",
    facts=Facts(
        range=R(0.0, 1.0, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("binary classification output", "multi-label output", "gates in LSTM/GRU"),
        pros=("output is a probability", "smooth"),
        cons=(
            "saturates on both sides: vanishing gradients in deep stacks (f' ≤ 1/4)",
            "not zero-centred: zig-zagging updates",
        ),
        init="xavier",
    ),
    references=(
        Reference(
            "Learning representations by back-propagating errors",
            "Rumelhart, Hinton, Williams",
            1986,
        ),
    ),
    peers=Peers(
        torch=Peer("torch.sigmoid", module="torch.nn.Sigmoid"),
        keras=Peer("keras.activations.sigmoid"),
        jax=Peer("jax.nn.sigmoid"),
    ),
)


def _tanh_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return xp.tanh(x)


def _tanh_d(xp: ModuleType, x: Array, p: Params) -> Array:
    # sech²(x) = 4e/(1+e)², e = exp(−2|x|): no 1 − tanh² cancellation.
    e = xp.exp(-2.0 * xp.abs(x))
    r = 1.0 / (1.0 + e)
    return 4.0 * e * r * r


TANH = elementwise(
    name="tanh",
    lean=("output", lambda xp, y, p: 1.0 - y * y, None),
    torch_gain=lambda p: 5.0 / 3.0,
    example=(
        ">>> import actlab\n"
        ">>> actlab.tanh([-2.0, 0.0, 1.5])\n"
        "array([-0.96402758,  0.        ,  0.90514825])\n"
        ">>> actlab.get('tanh').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.07065082, 1.        , 0.18070664])"
    ),
    summary="Hyperbolic tangent: a zero-centred sigmoid with range (−1, 1).",
    forward=_tanh_f,
    derivative=_tanh_d,
    latex=r"f(x) = \tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    derivative_latex=r"f'(x) = \operatorname{sech}^2 x = 1 - \tanh^2 x",
    text="f(x) = tanh(x)",
    derivative_text="f'(x) = sech(x)^2 = 4e/(1+e)^2 with e = exp(-2|x|)",
    facts=Facts(
        range=R(-1.0, 1.0, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("RNN/LSTM state", "GAN generator output", "outputs bounded to [−1, 1]"),
        pros=("zero-centred", "stronger gradient than sigmoid (f'(0) = 1)"),
        cons=("saturates on both sides: vanishing gradients in deep stacks",),
        init="xavier",
    ),
    references=(Reference("Efficient BackProp", "LeCun, Bottou, Orr, Müller", 1998),),
    peers=Peers(
        torch=Peer("torch.tanh", module="torch.nn.Tanh"),
        keras=Peer("keras.activations.tanh"),
        jax=Peer("jax.numpy.tanh"),
    ),
)
