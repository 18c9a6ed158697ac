"""Shrinkage and thresholds: tanhshrink, softshrink, hardshrink, threshold."""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from types import ModuleType
from typing import Any

from ._common import (
    ALL_REAL,
    INF,
    R,
    _nonneg,
    elementwise,
)
from ._spec import (
    REQUIRED,
    Facts,
    Kink,
    Param,
    Params,
    Peer,
    Peers,
    Range,
    Reference,
)
from ._xp import (
    Array,
    const,
    keep_nan,
)


@functools.cache
def _tanhshrink_coeffs(n: int = 48) -> tuple[float, ...]:
    """Taylor coefficients c_k of x − tanh x = Σ c_k x^(2k+1), k ≥ 1, from Bernoulli numbers."""
    # Bernoulli numbers B_0..B_2n by the Akiyama–Tanigawa algorithm (exact fractions).
    m = 2 * n + 2
    a = [Fraction(0)] * (m + 1)
    bern = []
    for i in range(m + 1):
        a[i] = Fraction(1, i + 1)
        for j in range(i, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        bern.append(a[0])  # B_1 = +1/2 in this convention; only even indices are used
    out = []
    for k in range(1, n + 1):  # tanh x = Σ_{j≥1} 2^{2j}(2^{2j} − 1) B_{2j} x^{2j−1}/(2j)!
        j = k + 1
        c = Fraction(2 ** (2 * j) * (2 ** (2 * j) - 1)) * bern[2 * j] / math.factorial(2 * j)
        out.append(float(-c))  # the coefficient of x^(2j−1) = x^(2k+1) in x − tanh x
    return tuple(out)


def _tanhshrink_f(xp: ModuleType, x: Array, p: Params) -> Array:
    small = xp.abs(x) < 1.0
    xs = xp.where(small, x, const(xp, x, 0.0))
    z = xs * xs
    acc = xp.zeros_like(x)
    for c in reversed(_tanhshrink_coeffs()):
        acc = acc * z + c
    series = acc * z * xs
    return xp.where(small, series, x - xp.tanh(x))


TANHSHRINK = elementwise(
    name="tanhshrink",
    example=(
        ">>> import actlab\n"
        ">>> actlab.tanhshrink([-2.0, 0.0, 1.5])\n"
        "array([-1.03597242,  0.        ,  0.59485175])\n"
        ">>> actlab.get('tanhshrink').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.92934918, 0.        , 0.81929336])"
    ),
    aliases=("tanh_shrink",),
    summary="x − tanh(x): near 0 like x³/3, linear far out (shrinks small values).",
    forward=_tanhshrink_f,
    derivative=lambda xp, x, p: xp.tanh(x) ** 2,
    latex=r"f(x) = x - \tanh x",
    derivative_latex=r"f'(x) = \tanh^2 x",
    text="f(x) = x - tanh(x)  (a Taylor series for |x| < 1: no cancellation)",
    derivative_text="f'(x) = tanh(x)^2",
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=(),
        uses=("sparse coding", "denoising"),
        pros=("smooth shrinkage",),
        cons=("flat (vanishing gradient) near 0",),
        init="xavier",
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.tanhshrink", module="torch.nn.Tanhshrink"),
        keras=Peer("keras.activations.tanh_shrink"),
    ),
)


def _softshrink_f(xp: ModuleType, x: Array, p: Params) -> Array:
    lam = p["lambd"]
    zero = const(xp, x, 0.0)
    y = xp.where(x > lam, x - lam, xp.where(x < -lam, x + lam, zero))
    return keep_nan(xp, x, y)


def _outside(xp: ModuleType, x: Array, p: Params) -> Array:
    """|x| > λ: where a shrinkage function passes x through (slope 1)."""
    return xp.abs(x) > p["lambd"]


def _shrink_d(xp: ModuleType, x: Array, p: Params) -> Array:
    y = xp.where(_outside(xp, x, p), const(xp, x, 1.0), const(xp, x, 0.0))
    return keep_nan(xp, x, y)


# softshrink and hardshrink share f' (1 outside [−λ, λ], 0 inside) and its lean mask
_SHRINK_GRAD: dict[str, Any] = {
    "derivative": _shrink_d,
    "lean": ("mask", _outside, lambda xp, m, p: xp.astype(m, xp.float64)),
}


_LAMBD = Param("lambd", 0.5, "half-width λ of the dead zone [−λ, λ]", allowed=">= 0", check=_nonneg)

SOFTSHRINK = elementwise(
    name="softshrink",
    **_SHRINK_GRAD,
    example=(
        ">>> import actlab\n"
        ">>> actlab.softshrink([-2.0, 0.0, 1.5])\n"
        "array([-1.5,  0. ,  1. ])\n"
        ">>> actlab.get('softshrink').derivative([-2.0, 0.0, 1.5])\n"
        "array([1., 0., 1.])"
    ),
    aliases=("soft_shrink",),
    summary="Soft thresholding: moves x towards 0 by λ, zero inside [−λ, λ].",
    params=(_LAMBD,),
    forward=_softshrink_f,
    latex=r"f(x) = \begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\ 0 & "
    r"\text{otherwise} \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda "
    r"\end{cases}",
    text="f(x) = x - lambd if x > lambd, x + lambd if x < -lambd, else 0",
    derivative_text="f'(x) = 1 if |x| > lambd else 0  (0 at ±lambd, as PyTorch)",
    kinks=(
        Kink(lambda p: -p["lambd"], 0.0, "as PyTorch"),
        Kink(lambda p: p["lambd"], 0.0, "as PyTorch"),
    ),
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=0,
        zero_centred=True,
        saturates=(),
        uses=("sparse coding (ISTA)", "denoising"),
        pros=("promotes sparsity (the proximal map of λ|x|)",),
        cons=("zero gradient in the dead zone",),
        init="xavier",
    ),
    references=(Reference("De-noising by soft-thresholding", "Donoho", 1995),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.softshrink", {"lambd": "lambd"}, module="torch.nn.Softshrink"
        ),
        keras=Peer("keras.activations.soft_shrink", {"lambd": "threshold"}),
    ),
)


def _hardshrink_f(xp: ModuleType, x: Array, p: Params) -> Array:
    y = xp.where(xp.abs(x) > p["lambd"], x, const(xp, x, 0.0))
    return keep_nan(xp, x, y)


HARDSHRINK = elementwise(
    name="hardshrink",
    **_SHRINK_GRAD,
    example=(
        ">>> import actlab\n"
        ">>> actlab.hardshrink([-2.0, 0.0, 1.5])\n"
        "array([-2. ,  0. ,  1.5])\n"
        ">>> actlab.get('hardshrink').derivative([-2.0, 0.0, 1.5])\n"
        "array([1., 0., 1.])"
    ),
    aliases=("hard_shrink",),
    summary="Hard thresholding: x where |x| > λ, else 0.",
    params=(_LAMBD,),
    forward=_hardshrink_f,
    latex=r"f(x) = \begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda "
    r"\end{cases}",
    text="f(x) = x if |x| > lambd else 0",
    derivative_text="f'(x) = 1 if |x| > lambd else 0  (0 at the jumps ±lambd)",
    kinks=(
        Kink(lambda p: -p["lambd"], 0.0, "a jump: 0 like PyTorch"),
        Kink(lambda p: p["lambd"], 0.0, "a jump: 0 like PyTorch"),
    ),
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=-1,
        zero_centred=True,
        saturates=(),
        uses=("sparse coding", "wavelet denoising"),
        pros=("keeps large values unbiased",),
        cons=("discontinuous at ±λ",),
        init="xavier",
    ),
    references=(
        Reference("Ideal spatial adaptation by wavelet shrinkage", "Donoho, Johnstone", 1994),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.hardshrink", {"lambd": "lambd"}, module="torch.nn.Hardshrink"
        ),
        keras=Peer("keras.activations.hard_shrink", {"lambd": "threshold"}),
    ),
)


def _threshold_f(xp: ModuleType, x: Array, p: Params) -> Array:
    y = xp.where(x > p["threshold"], x, const(xp, x, p["value"]))
    return keep_nan(xp, x, y)


def _threshold_d(xp: ModuleType, x: Array, p: Params) -> Array:
    y = xp.where(x > p["threshold"], const(xp, x, 1.0), const(xp, x, 0.0))
    return keep_nan(xp, x, y)


def _threshold_range(p: Params) -> Range:
    t, v = p["threshold"], p["value"]
    return R(min(t, v), INF, v <= t, False)


THRESHOLD = elementwise(
    name="threshold",
    lean=("mask", lambda xp, x, p: x > p["threshold"], lambda xp, m, p: xp.astype(m, xp.float64)),
    example_params={"threshold": 0.5, "value": -1.0},
    example=(
        ">>> import actlab\n"
        ">>> actlab.threshold([-2.0, 0.0, 1.5], threshold=0.5, value=-1.0)\n"
        "array([-1. , -1. ,  1.5])\n"
        ">>> actlab.get('threshold', threshold=0.5, value=-1.0).derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 1.])"
    ),
    summary="x where x > threshold, else a constant value.",
    params=(
        Param("threshold", REQUIRED, "the input above which x passes through"),
        Param("value", REQUIRED, "the output at or below the threshold"),
    ),
    forward=_threshold_f,
    derivative=_threshold_d,
    latex=r"f(x) = \begin{cases} x & x > \theta \\ v & x \le \theta \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > \theta \\ 0 & x \le \theta \end{cases}",
    text="f(x) = x if x > threshold else value",
    derivative_text="f'(x) = 1 if x > threshold else 0  (0 at the threshold, as PyTorch)",
    kinks=(Kink(lambda p: p["threshold"], 0.0, "as PyTorch"),),
    facts=Facts(
        range=_threshold_range,
        monotonic=lambda p: p["value"] <= p["threshold"],
        smoothness=-1,
        zero_centred=False,
        saturates=("negative",),
        uses=("legacy Torch7 models", "clamping a signal"),
        pros=("general form of relu (threshold = value = 0)",),
        cons=("discontinuous unless value == threshold",),
        init="he",
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.threshold",
            {"threshold": "threshold", "value": "value"},
            module="torch.nn.Threshold",
        ),
        keras=Peer(
            "keras.activations.threshold",
            {"threshold": "threshold", "value": "default_value"},
        ),
    ),
)
