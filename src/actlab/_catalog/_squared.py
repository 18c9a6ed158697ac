"""Squared rectifiers and snake: squared_relu, star_relu, snake."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

from ._common import (
    ALL_REAL,
    INF,
    NAN,
    R,
    _as_floats,
    _mul_dd,
    _pos,
    _sin_cos_dd,
    elementwise,
    sum_to,
)
from ._rectifiers import _relu_f
from ._spec import (
    Facts,
    Param,
    Params,
    Range,
    Reference,
)
from ._xp import (
    Array,
    at_inf,
    const,
    finite,
    mul_zero_safe,
    two_sum,
)


def _relu_sq(xp: ModuleType, x: Array) -> Array:
    r = _relu_f(xp, x, {})
    return r * r


SQUARED_RELU = elementwise(
    name="squared_relu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.squared_relu([-2.0, 0.0, 1.5])\n"
        "array([0.  , 0.  , 2.25])\n"
        ">>> actlab.get('squared_relu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 3.])"
    ),
    aliases=("relu2",),
    summary="relu(x)²: the Primer transformer's feed-forward activation.",
    forward=lambda xp, x, p: _relu_sq(xp, x),
    derivative=lambda xp, x, p: 2.0 * _relu_f(xp, x, {}),
    latex=r"f(x) = \max(x, 0)^2",
    derivative_latex=r"f'(x) = 2\max(x, 0)",
    text="f(x) = max(x, 0)^2",
    derivative_text="f'(x) = 2 max(x, 0)",
    facts=Facts(
        range=R(0.0, INF, True, False),
        monotonic=True,
        smoothness=1,
        zero_centred=False,
        saturates=("negative",),
        uses=("transformer feed-forward blocks (Primer)",),
        pros=("cheap", "reported better perplexity than gelu in Primer"),
        cons=("grows quadratically: can destabilise training",),
        init="he",
    ),
    references=(
        Reference(
            "Primer: searching for efficient transformers for language modeling",
            "So et al.",
            2021,
        ),
    ),
)


def _star_f(xp: ModuleType, x: Array, p: Params) -> Array:
    s, r = p["scale"], _relu_f(xp, x, {})
    big = (r > 1e150) & (r < math.inf)  # r² would overflow where s·r² need not: (s·r)·r
    rb = xp.where(big, r, const(xp, r, 0.0))
    return xp.where(big, (s * rb) * rb, mul_zero_safe(xp, s, r * r)) + p["bias"]


def _star_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return mul_zero_safe(xp, p["scale"], 2.0 * _relu_f(xp, x, {}))


def _star_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    return {"scale": sum_to(xp, g * _relu_sq(xp, x), p["scale"]), "bias": sum_to(xp, g, p["bias"])}


def _star_range(p: Params) -> Range:
    s, b = float(min(_as_floats(p["scale"]))), float(min(_as_floats(p["bias"])))
    if s > 0:
        return R(b, INF, True, False)
    if s < 0:
        return R(-INF, b, False, True)
    return R(b, b, True, True)


STAR_RELU = elementwise(
    name="star_relu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.star_relu([-2.0, 0.0, 1.5])\n"
        "array([-0.4472, -0.4472,  1.5652])\n"
        ">>> actlab.get('star_relu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.    , 0.    , 2.6832])"
    ),
    summary="s·relu(x)² + b with learnable scale and bias (MetaFormer baselines).",
    params=(
        Param("scale", 0.8944, "learnable scale s", learnable=True),
        Param("bias", -0.4472, "learnable bias b", learnable=True),
    ),
    forward=_star_f,
    derivative=_star_d,
    param_vjp=_star_vjp,
    latex=r"f(x) = s \max(x, 0)^2 + b",
    derivative_latex=r"f'(x) = 2 s \max(x, 0),\quad \frac{\partial f}{\partial s} = "
    r"\max(x, 0)^2,\ \frac{\partial f}{\partial b} = 1",
    text="f(x) = scale * max(x, 0)^2 + bias",
    derivative_text="f'(x) = 2 scale max(x, 0); df/dscale = max(x, 0)^2, df/dbias = 1",
    facts=Facts(
        range=_star_range,
        monotonic=lambda p: min(_as_floats(p["scale"])) >= 0,
        smoothness=1,
        zero_centred=True,
        saturates=("negative",),
        uses=("vision MetaFormers (CAFormer, ConvFormer)",),
        pros=("squared-relu with the output distribution normalised",),
        cons=("two extra learnable parameters",),
        init="he",
    ),
    references=(Reference("MetaFormer baselines for vision", "Yu et al.", 2022),),
)


def _snake_parts(xp: ModuleType, x: Array, a: Any) -> tuple[Array, Array]:
    """x (finite) and sin(a·x); 0 where a·x overflows (a ≳ 1e300: sin²(a·x)/a ≤ 1/a adds
    nothing to x there)."""
    xf = finite(xp, x)
    ax = a * xf
    return xf, xp.sin(xp.where(xp.isinf(ax), const(xp, x, 0.0), ax))


def _snake_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf, s = _snake_parts(xp, x, p["a"])
    return at_inf(xp, x, xf + s * s / p["a"], -INF, INF)


_PI_4 = (float.fromhex("0x1.921fb54442d18p-1"), float.fromhex("0x1.1a62633145c07p-55"))


def _snake_d(xp: ModuleType, x: Array, p: Params) -> Array:
    # 1 + sin(2ax) = 2·sin²(ax + π/4): no cancellation where f' touches 0, if ax + π/4 is
    # carried as a double-double h + l and sin(h + l) = sin h·cos l + cos h·sin l.
    a = p["a"]
    xf = finite(xp, x)
    if isinstance(a, float):
        ah, al = _mul_dd(xp, a, xf)
        h, e = two_sum(xp.where(xp.isinf(ah), const(xp, x, 0.0), ah), const(xp, x, _PI_4[0]))
        sn, _, _ = _sin_cos_dd(xp, h, e + (al + _PI_4[1]))
        y = 2.0 * sn * sn
        if abs(a) > 1e15:  # a·x's low part can dwarf π/4: (sin θ + cos θ)² with θ = a·x exact
            s_t, c_t, _ = _sin_cos_dd(xp, xp.where(xp.isinf(ah), const(xp, x, 0.0), ah), al)
            y = xp.where(xp.abs(ah) > 1e30, (s_t + c_t) * (s_t + c_t), y)
            y = xp.where(xp.isinf(ah), const(xp, x, NAN), y)  # a·x beyond the floats: no answer
    else:
        t = 2.0 * a * xf
        y = 1.0 + xp.sin(xp.where(xp.isinf(t), const(xp, x, 0.0), t))
        y = xp.where(xp.isinf(t), const(xp, x, NAN), y)  # sin of a·x beyond the floats: no answer
    return xp.where(xp.isinf(x), const(xp, x, NAN), y)


def _snake_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    a = p["a"]
    xf, s = _snake_parts(xp, x, a)
    d = xf * xp.sin(2.0 * a * xf) / a - s * s / (a * a)
    d = xp.where(xp.isinf(x), const(xp, x, NAN), d)
    return {"a": sum_to(xp, g * d, a)}


SNAKE = elementwise(
    name="snake",
    example=(
        ">>> import actlab\n"
        ">>> actlab.snake([-2.0, 0.0, 1.5])\n"
        "array([-1.17317819,  0.        ,  2.49499625])\n"
        ">>> actlab.get('snake').derivative([-2.0, 0.0, 1.5])\n"
        "array([1.7568025 , 1.        , 1.14112001])"
    ),
    summary="x + sin²(a·x)/a: monotonic with a periodic ripple, for learning periodic signals.",
    params=(Param("a", 1.0, "learnable frequency a", allowed="> 0", check=_pos, learnable=True),),
    forward=_snake_f,
    derivative=_snake_d,
    param_vjp=_snake_vjp,
    latex=r"f(x) = x + \frac{\sin^2(a x)}{a}",
    derivative_latex=r"f'(x) = 1 + \sin(2 a x),\quad \frac{\partial f}{\partial a} = "
    r"\frac{x \sin(2ax)}{a} - \frac{\sin^2(ax)}{a^2}",
    text="f(x) = x + sin(a x)^2 / a",
    derivative_text="f'(x) = 1 + sin(2 a x); df/da = x sin(2ax)/a - sin(ax)^2/a^2",
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=(),
        uses=("periodic time series", "audio synthesis (BigVGAN)"),
        pros=("extrapolates periodic patterns that relu/tanh cannot",),
        cons=("f' touches 0 periodically",),
        init="he",
    ),
    references=(
        Reference(
            "Neural networks fail to learn periodic functions and how to fix it",
            "Liu Ziyin, Hartwig, Ueda",
            2020,
        ),
    ),
)
