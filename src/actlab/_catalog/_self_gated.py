"""Self-gated activations x·g(x) from the literature (no peer in torch, Keras or JAX): lisht,
logish. Each is non-monotonic or even, so its derivative's roots get a Taylor series
(tools/root_series.py) where f' = a − b would cancel."""

from __future__ import annotations

import math
from types import ModuleType

from ._common import INF, R, elementwise
from ._roots import near_root
from ._spec import Facts, Params, Reference
from ._xp import Array, at_inf, const, dsigmoid, finite, sigmoid


def _tanh_sech2(xp: ModuleType, x: Array) -> tuple[Array, Array]:
    """tanh(x) and sech²(x) from e = exp(−2|x|): sech² = 4e/(1 + e)², no 1 − tanh² loss."""
    e = xp.exp(-2.0 * xp.abs(x))
    r = 1.0 / (1.0 + e)
    return xp.tanh(x), 4.0 * e * r * r


def _lisht_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return at_inf(xp, x, xf * xp.tanh(xf), INF, INF)


def _lisht_d(xp: ModuleType, x: Array, p: Params) -> Array:
    # tanh(x) and x·sech²(x) have the sign of x: a sum without cancellation (its root is 0)
    xf = finite(xp, x)
    t, s2 = _tanh_sech2(xp, xf)
    return at_inf(xp, x, t + xf * s2, -1.0, 1.0)


LISHT = elementwise(
    name="lisht",
    example=(
        ">>> import actlab\n"
        ">>> actlab.lisht([-2.0, 0.0, 1.5])\n"
        "array([1.92805516, 0.        , 1.35772238])\n"
        ">>> actlab.get('lisht').derivative([-2.0, 0.0, 1.5])\n"
        "array([-1.10532923,  0.        ,  1.17620821])"
    ),
    summary="Linearly scaled hyperbolic tangent x·tanh(x): even, non-negative, unbounded.",
    forward=_lisht_f,
    derivative=_lisht_d,
    latex=r"f(x) = x \tanh x",
    derivative_latex=r"f'(x) = \tanh x + x \operatorname{sech}^2 x",
    text="f(x) = x * tanh(x)",
    derivative_text="f'(x) = tanh(x) + x * sech(x)^2",
    facts=Facts(
        range=R(0.0, INF, True, False),
        monotonic=False,
        smoothness=math.inf,
        zero_centred=False,
        saturates=(),
        uses=("image and sentiment classifiers in the paper (MNIST, CIFAR, IMDB LSTMs)",),
        pros=("non-zero gradient for negative inputs (no dead units)", "smooth"),
        cons=("even: f(−x) = f(x), the sign of the input is lost", "unbounded output"),
        init="xavier",
    ),
    references=(
        Reference(
            "LiSHT: non-parametric linearly scaled hyperbolic tangent activation function for "
            "neural networks",
            "Roy, Manna, Dubey, Chaudhuri",
            2019,
            "https://arxiv.org/abs/1901.05894",
        ),
    ),
)


def _log1p_sigmoid(xp: ModuleType, x: Array) -> tuple[Array, Array]:
    s = sigmoid(xp, x)
    return s, xp.log1p(s)


def _logish_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    _, g = _log1p_sigmoid(xp, xf)
    return at_inf(xp, x, xf * g, 0.0, INF)


def _logish_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    s, g = _log1p_sigmoid(xp, xf)
    general = g + xf * dsigmoid(xp, xf) / (1.0 + s)
    # x < −1.8: both terms ~ eˣ with opposite signs: f' = eˣ·(x + 1 + δ), δ = (A − 1) + (B − x),
    # A = log1p(s)/(s(1 + e)) and B = x/((1 + e)(1 + 2e)), e = eˣ; δ = O(x·e) without cancellation
    e = xp.exp(xp.minimum(xf, const(xp, xf, 0.0)))
    sn = xp.where(xf < -1.8, s, const(xp, xf, 0.0))
    # log1p(s)/s − 1 = Σₖ (−s)ᵏ/(k + 1), s < 0.15
    series = const(xp, xf, 0.0)
    for k in range(24, 0, -1):
        series = (series + (-1.0) ** k / (k + 1)) * sn
    a_m1 = (series - e) / (1.0 + e)  # A − 1 = (log1p(s)/s − 1 − e)/(1 + e)
    b_mx = -xf * (e * (3.0 + 2.0 * e)) / ((1.0 + e) * (1.0 + 2.0 * e))
    general = xp.where(xf < -1.8, e * ((xf + 1.0) + (a_m1 + b_mx)), general)
    return at_inf(xp, x, near_root(xp, xf, 0.0, "logish", general), 0.0, math.log(2.0))


_LOGISH_MIN = -0.25276881678944035  # at x ≈ −1.372454, the root of f'

LOGISH = elementwise(
    name="logish",
    example=(
        ">>> import actlab\n"
        ">>> actlab.logish([-2.0, 0.0, 1.5])\n"
        "array([-0.22523351,  0.        ,  0.89625436])\n"
        ">>> actlab.get('logish').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.07500532,  0.40546511,  0.72058985])"
    ),
    summary="x·log(1 + σ(x)): a smooth, non-monotonic self-gated unit with a bounded dip.",
    forward=_logish_f,
    derivative=_logish_d,
    latex=r"f(x) = x \log(1 + \sigma(x))",
    derivative_latex=r"f'(x) = \log(1 + \sigma(x)) + \frac{x\,\sigma(x)\sigma(-x)}{1 + \sigma(x)}",
    text="f(x) = x * log(1 + sigmoid(x))",
    derivative_text="f'(x) = log(1 + sigmoid(x)) + x * sigmoid(x) * sigmoid(-x) / (1 + sigmoid(x))",
    facts=Facts(
        range=lambda p: R(_LOGISH_MIN, INF, True, False),
        monotonic=False,
        smoothness=math.inf,
        zero_centred=False,
        saturates=("negative",),
        uses=("image classification CNNs in the paper (CIFAR, ImageNet ResNets)",),
        pros=("smooth, non-monotonic like swish and mish", "bounded below"),
        cons=("costlier than relu (exp and log)", "slope log 2 ≈ 0.69 for large x, not 1"),
        init="he",
    ),
    references=(
        Reference(
            "Logish: a new nonlinear nonmonotonic activation function for convolutional neural "
            "network",
            "Zhu, Zeng, Zhou, Chen, Wang, Wu",
            2021,
            "https://doi.org/10.1016/j.neucom.2021.06.067",
        ),
    ),
)
