"""Periodic and radial activations: sine, sinc, gaussian."""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from types import ModuleType

from ._common import (
    ALL_REAL,
    INF,
    NAN,
    R,
    _mul_dd,
    _sin_cos_dd,
    elementwise,
)
from ._roots import near_root
from ._spec import (
    Facts,
    Param,
    Params,
    Reference,
)
from ._xp import (
    Array,
    at_inf,
    const,
    exp_neg_sq,
    finite,
)


def _sine_parts(xp: ModuleType, x: Array, w0: float) -> tuple[Array, Array]:
    return _mul_dd(xp, w0, finite(xp, x))


def _sine_f(xp: ModuleType, x: Array, p: Params) -> Array:
    h, lo = _sine_parts(xp, x, p["w0"])
    sn, _, bad = _sin_cos_dd(xp, h, lo)
    return xp.where(bad | xp.isinf(x), const(xp, x, NAN), sn)  # no limit at ±inf


def _sine_d(xp: ModuleType, x: Array, p: Params) -> Array:
    h, lo = _sine_parts(xp, x, p["w0"])
    _, cs, bad = _sin_cos_dd(xp, h, lo)
    return xp.where(bad | xp.isinf(x), const(xp, x, NAN), p["w0"] * cs)


SINE = elementwise(
    name="sine",
    example=(
        ">>> import actlab\n"
        ">>> actlab.sine([-2.0, 0.0, 1.5])\n"
        "array([-0.90929743,  0.        ,  0.99749499])\n"
        ">>> actlab.get('sine').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.41614684,  1.        ,  0.0707372 ])"
    ),
    aliases=("sin", "siren"),
    summary="sin(w0·x): periodic activation for implicit neural representations (SIREN).",
    params=(Param("w0", 1.0, "frequency (SIREN uses 30 in the first layer)"),),
    forward=_sine_f,
    derivative=_sine_d,
    latex=r"f(x) = \sin(\omega_0 x)",
    derivative_latex=r"f'(x) = \omega_0 \cos(\omega_0 x)",
    text="f(x) = sin(w0 * x)",
    derivative_text="f'(x) = w0 * cos(w0 * x)",
    facts=Facts(
        range=lambda p: R(-1.0, 1.0, True, True) if p["w0"] != 0 else R(0.0, 0.0, True, True),
        monotonic=lambda p: p["w0"] == 0,
        smoothness=INF,
        zero_centred=True,
        saturates=(),
        uses=("implicit neural representations (SIREN)", "signals, audio, images as functions"),
        pros=("represents fine detail and derivatives of signals",),
        cons=("needs SIREN's special init", "not a general-purpose hidden activation"),
        init="xavier",
    ),
    references=(
        Reference(
            "Implicit neural representations with periodic activation functions",
            "Sitzmann, Martel, Bergman, Lindell, Wetzstein",
            2020,
        ),
    ),
)


@functools.cache
def _sinc_d_coeffs(n: int = 14) -> tuple[float, ...]:
    """sinc'(x) = Σ_{k≥1} (−1)^k 2k x^(2k−1)/(2k+1)!, coefficients for k = 1..n."""
    return tuple(
        float(Fraction((-1) ** k * 2 * k, math.factorial(2 * k + 1))) for k in range(1, n + 1)
    )


def _sinc_f(xp: ModuleType, x: Array, p: Params) -> Array:
    bad = (x == 0) | xp.isinf(x)
    xs = xp.where(bad, const(xp, x, 1.0), x)
    y = xp.where(x == 0, const(xp, x, 1.0), xp.sin(xs) / xs)
    return xp.where(xp.isinf(x), const(xp, x, 0.0), y)


def _sinc_d(xp: ModuleType, x: Array, p: Params) -> Array:
    small = xp.abs(x) < 1.0
    xs = xp.where(small, x, const(xp, x, 0.0))
    z = xs * xs
    acc = xp.zeros_like(x)
    for c in reversed(_sinc_d_coeffs()):
        acc = acc * z + c
    series = acc * xs
    xl = xp.where(small | xp.isinf(x), const(xp, x, 1.0), x)
    large = (xp.cos(xl) - xp.sin(xl) / xl) / xl
    # f' is odd: near its roots below 31, use the series of f'(|x|) about each root
    ax = xp.abs(xl)
    large_abs = large * xp.sign(xl)
    for k in range(1, 10):
        large_abs = near_root(xp, ax, 0.0, "sinc", large_abs, f"k={k}")
    y = xp.where(small, series, large_abs * xp.sign(xl))
    return xp.where(xp.isinf(x), const(xp, x, 0.0), y)


SINC = elementwise(
    name="sinc",
    example=(
        ">>> import actlab\n"
        ">>> actlab.sinc([-2.0, 0.0, 1.5])\n"
        "array([0.45464871, 1.        , 0.66499666])\n"
        ">>> actlab.get('sinc').derivative([-2.0, 0.0, 1.5])\n"
        "array([ 0.43539777, -0.        , -0.39617297])"
    ),
    summary="sin(x)/x with sinc(0) = 1 (unnormalised; torch.sinc is sin(πx)/(πx)).",
    forward=_sinc_f,
    derivative=_sinc_d,
    latex=r"f(x) = \frac{\sin x}{x},\ f(0) = 1",
    derivative_latex=r"f'(x) = \frac{x\cos x - \sin x}{x^2},\ f'(0) = 0",
    text="f(x) = sin(x) / x, f(0) = 1",
    derivative_text="f'(x) = (x cos x - sin x) / x^2  (a Taylor series for |x| < 1)",
    facts=Facts(
        range=R(-0.21723362821122166, 1.0, True, True),
        monotonic=False,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("signal-processing networks", "research on periodic activations"),
        pros=("smooth, band-limited",),
        cons=("oscillating, non-monotonic",),
        init="xavier",
    ),
)


def _gaussian_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return at_inf(xp, x, exp_neg_sq(xp, xf, scale=-2.0 * xf), 0.0, 0.0)


GAUSSIAN = elementwise(
    name="gaussian",
    example=(
        ">>> import actlab\n"
        ">>> actlab.gaussian([-2.0, 0.0, 1.5])\n"
        "array([0.01831564, 1.        , 0.10539922])\n"
        ">>> actlab.get('gaussian').derivative([-2.0, 0.0, 1.5])\n"
        "array([ 0.07326256, -0.        , -0.31619767])"
    ),
    summary="exp(−x²): a radial-basis bump.",
    forward=lambda xp, x, p: exp_neg_sq(xp, x),
    derivative=_gaussian_d,
    latex=r"f(x) = e^{-x^2}",
    derivative_latex=r"f'(x) = -2x\,e^{-x^2}",
    text="f(x) = exp(-x^2)",
    derivative_text="f'(x) = -2x exp(-x^2)",
    facts=Facts(
        range=R(0.0, 1.0, False, True),
        monotonic=False,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("RBF networks", "implicit representations"),
        pros=("local response",),
        cons=("vanishing gradient away from 0",),
        init="xavier",
    ),
    references=(
        Reference(
            "Multivariable functional interpolation and adaptive networks", "Broomhead, Lowe", 1988
        ),
    ),
)


def _gcu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return xp.where(xp.isinf(x), const(xp, x, NAN), xf * xp.cos(xf))  # no limit at ±inf


def _gcu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    # cos x − x·sin x cancels next to its roots (x·tan x = 1): there its Taylor series (f' is
    # even: the series are in |x|, for the roots below 31)
    xf = finite(xp, x)
    general = xp.cos(xf) - xf * xp.sin(xf)
    ax = xp.abs(xf)
    for k in range(10):
        general = near_root(xp, ax, 0.0, "gcu", general, f"k={k}")
    return xp.where(xp.isinf(x), const(xp, x, NAN), general)


GCU = elementwise(
    name="gcu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.gcu([-2.0, 0.0, 1.5])\n"
        "array([0.83229367, 0.        , 0.1061058 ])\n"
        ">>> actlab.get('gcu').derivative([-2.0, 0.0, 1.5])\n"
        "array([-2.23474169,  1.        , -1.42550528])"
    ),
    summary="Growing cosine unit x·cos(x): an oscillating activation whose swings grow with |x|.",
    forward=_gcu_f,
    derivative=_gcu_d,
    latex=r"f(x) = x \cos x",
    derivative_latex=r"f'(x) = \cos x - x \sin x",
    text="f(x) = x * cos(x)",
    derivative_text="f'(x) = cos(x) - x * sin(x)",
    facts=Facts(
        range=ALL_REAL,
        monotonic=False,
        smoothness=math.inf,
        zero_centred=True,
        saturates=(),
        uses=("CNNs in the paper (CIFAR-10, CIFAR-100, Imagenette): one neuron learns XOR",),
        pros=("a single unit separates XOR (several zeros)", "zero-centred, odd"),
        cons=("oscillates: many local optima, sensitive to the input scale", "no limit at ±∞"),
        init="xavier",
    ),
    references=(
        Reference(
            "Growing cosine unit: a novel oscillatory activation function that can speedup "
            "training and reduce parameters in convolutional neural networks",
            "Noel, Bharadwaj, Pankajakshan, Dutta",
            2021,
            "https://arxiv.org/abs/2108.12943",
        ),
    ),
)
