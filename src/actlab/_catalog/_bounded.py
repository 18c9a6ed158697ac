"""Bounded algebraic activations: softsign, arctan, isru, isrlu, bent_identity."""

from __future__ import annotations

import math
from types import ModuleType

from ._common import (
    ALL_REAL,
    INF,
    R,
    _pos,
    elementwise,
)
from ._spec import (
    Facts,
    Param,
    Params,
    Peer,
    Peers,
    Reference,
)
from ._xp import (
    Array,
    at_inf,
    clamp_abs,
    const,
    finite,
    hypot,
    keep_nan,
    two_prod,
    two_sum,
)


def _softsign_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return at_inf(xp, x, xf / (1.0 + xp.abs(xf)), -1.0, 1.0)


def _softsign_d(xp: ModuleType, x: Array, p: Params) -> Array:
    r = 1.0 / (1.0 + xp.abs(x))
    return r * r


SOFTSIGN = elementwise(
    name="softsign",
    example=(
        ">>> import actlab\n"
        ">>> actlab.softsign([-2.0, 0.0, 1.5])\n"
        "array([-0.66666667,  0.        ,  0.6       ])\n"
        ">>> actlab.get('softsign').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.11111111, 1.        , 0.16      ])"
    ),
    aliases=("soft_sign",),
    summary="x/(1 + |x|): a tanh-like squashing with polynomial tails.",
    forward=_softsign_f,
    derivative=_softsign_d,
    latex=r"f(x) = \frac{x}{1 + |x|}",
    derivative_latex=r"f'(x) = \frac{1}{(1 + |x|)^2}",
    text="f(x) = x / (1 + |x|)",
    derivative_text="f'(x) = 1 / (1 + |x|)^2",
    facts=Facts(
        range=R(-1.0, 1.0, False, False),
        monotonic=True,
        smoothness=1,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("tanh replacement with slower saturation",),
        pros=("saturates polynomially, not exponentially", "no exp"),
        cons=("still saturates",),
        init="xavier",
    ),
    references=(
        Reference("Quadratic polynomials learn better image features", "Bergstra et al.", 2009),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.softsign", module="torch.nn.Softsign"),
        keras=Peer("keras.activations.softsign"),
        jax=Peer("jax.nn.soft_sign"),
    ),
)


def _far(a: float) -> float:
    """|x| above which 1 + a·x² is not formed exactly (x² or a·x² beyond 1e200): there the
    callers use the far forms in r = 1/|x|, where the 1 is negligible or r² is exact enough."""
    return min(1e100, 1e100 / math.sqrt(a))


def _one_plus_ax2(xp: ModuleType, x: Array, a: float) -> tuple[Array, Array]:
    """1 + a·x² as a double-double, for |x| ≤ _far(a) (the caller handles larger |x|)."""
    xc = clamp_abs(xp, finite(xp, x), _far(a))
    h, lo = two_prod(xc, xc)
    if a != 1.0:
        h2, lo2 = two_prod(h, a)
        h, lo = h2, lo2 + lo * a
    s, e = two_sum(const(xp, x, 1.0), h)
    return two_sum(s, e + lo)


def _pow_dd(xp: ModuleType, qh: Array, ql: Array, k: float) -> Array:
    """(qh + ql)^k ≈ qh^k·(1 + k·ql/qh)."""
    return xp.pow(qh, k) * (1.0 + k * ql / qh)


def _arctan_d(xp: ModuleType, x: Array, p: Params) -> Array:
    qh, ql = _one_plus_ax2(xp, x, 1.0)
    ax = xp.abs(x)
    big = ax > 1e100
    r = 1.0 / xp.where(big, ax, const(xp, x, 1.0))
    return keep_nan(xp, x, xp.where(big, r * r, _pow_dd(xp, qh, ql, -1.0)))


ARCTAN = elementwise(
    name="arctan",
    example=(
        ">>> import actlab\n"
        ">>> actlab.arctan([-2.0, 0.0, 1.5])\n"
        "array([-1.10714872,  0.        ,  0.98279372])\n"
        ">>> actlab.get('arctan').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.2       , 1.        , 0.30769231])"
    ),
    summary="arctan(x): a squashing function with range (−π/2, π/2) and slow tails.",
    forward=lambda xp, x, p: xp.atan(x),
    derivative=_arctan_d,
    latex=r"f(x) = \arctan x",
    derivative_latex=r"f'(x) = \frac{1}{1 + x^2}",
    text="f(x) = arctan(x)",
    derivative_text="f'(x) = 1 / (1 + x^2)",
    facts=Facts(
        range=R(-math.pi / 2, math.pi / 2, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("tanh alternative with slower saturation",),
        pros=("zero-centred", "polynomial-rate saturation"),
        cons=("saturates",),
        init="xavier",
    ),
)


def _isru(xp: ModuleType, x: Array, a: float) -> Array:
    qh, ql = _one_plus_ax2(xp, x, a)
    ax = xp.abs(x)
    big = ax > _far(a)
    r = 1.0 / xp.where(big, ax, const(xp, x, 1.0))  # x/√(1 + ax²) = sign(x)/√(r² + a)
    far = xp.sign(x) / xp.sqrt(r * r + a)
    y = xp.where(big, far, finite(xp, x) * _pow_dd(xp, qh, ql, -0.5))
    return keep_nan(xp, x, y)


def _isru_d(xp: ModuleType, x: Array, a: float) -> Array:
    qh, ql = _one_plus_ax2(xp, x, a)
    ax = xp.abs(x)
    big = ax > _far(a)
    r = 1.0 / xp.where(big, ax, const(xp, x, 1.0))  # (1 + ax²)^-1.5 = (r/√(r² + a))³
    q = r / xp.sqrt(r * r + a)
    return keep_nan(xp, x, xp.where(big, q * q * q, _pow_dd(xp, qh, ql, -1.5)))


_ALPHA_ISRU = Param("alpha", 1.0, "the saturation level is ±1/√alpha", allowed="> 0", check=_pos)
_ISRLU_REF = Reference(
    "Improving deep learning by inverse square root linear units (ISRLUs)", "Carlile et al.", 2017
)

ISRU = elementwise(
    name="isru",
    example=(
        ">>> import actlab\n"
        ">>> actlab.isru([-2.0, 0.0, 1.5])\n"
        "array([-0.89442719,  0.        ,  0.83205029])\n"
        ">>> actlab.get('isru').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.08944272, 1.        , 0.17067698])"
    ),
    summary="Inverse square root unit x/√(1 + αx²): a tanh-like squashing without exp.",
    params=(_ALPHA_ISRU,),
    forward=lambda xp, x, p: _isru(xp, x, p["alpha"]),
    derivative=lambda xp, x, p: _isru_d(xp, x, p["alpha"]),
    latex=r"f(x) = \frac{x}{\sqrt{1 + \alpha x^2}}",
    derivative_latex=r"f'(x) = \left(1 + \alpha x^2\right)^{-3/2}",
    text="f(x) = x / sqrt(1 + alpha x^2)",
    derivative_text="f'(x) = (1 + alpha x^2)^(-3/2)",
    facts=Facts(
        range=lambda p: R(-1 / math.sqrt(p["alpha"]), 1 / math.sqrt(p["alpha"]), False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("RNNs, as a cheaper tanh",),
        pros=("no exp", "zero-centred"),
        cons=("saturates",),
        init="xavier",
    ),
    references=(_ISRLU_REF,),
)

ISRLU = elementwise(
    name="isrlu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.isrlu([-2.0, 0.0, 1.5])\n"
        "array([-0.89442719,  0.        ,  1.5       ])\n"
        ">>> actlab.get('isrlu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.08944272, 1.        , 1.        ])"
    ),
    summary="Inverse square root linear unit: x for x ≥ 0, x/√(1 + αx²) below (ELU without exp).",
    params=(_ALPHA_ISRU,),
    forward=lambda xp, x, p: xp.where(x >= 0, x, _isru(xp, x, p["alpha"])),
    derivative=lambda xp, x, p: xp.where(x >= 0, const(xp, x, 1.0), _isru_d(xp, x, p["alpha"])),
    latex=r"f(x) = \begin{cases} x & x \ge 0 \\ x/\sqrt{1 + \alpha x^2} & x < 0 \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x \ge 0 \\ (1 + \alpha x^2)^{-3/2} & x < 0 "
    r"\end{cases}",
    text="f(x) = x if x >= 0 else x / sqrt(1 + alpha x^2)",
    derivative_text="f'(x) = 1 if x >= 0 else (1 + alpha x^2)^(-3/2)",
    facts=Facts(
        range=lambda p: R(-1 / math.sqrt(p["alpha"]), INF, False, False),
        monotonic=True,
        smoothness=2,
        zero_centred=False,
        saturates=("negative",),
        uses=("ELU replacement in CNNs",),
        pros=("ELU-like with no exp", "C2"),
        cons=("rarely used; few reference results",),
        init="he",
    ),
    references=(_ISRLU_REF,),
)


def _bent_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    s = hypot(xp, xf, 1.0)
    # (√(x²+1) − 1)/2 = x²/(2(√(x²+1) + 1)), written x·(x/(s+1))/2 so nothing overflows.
    y = xf + xf * (xf / (s + 1.0)) / 2.0
    return at_inf(xp, x, y, -INF, INF)


def _bent_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    y = 1.0 + (xf / hypot(xp, xf, 1.0)) / 2.0
    return at_inf(xp, x, y, 0.5, 1.5)


BENT_IDENTITY = elementwise(
    name="bent_identity",
    example=(
        ">>> import actlab\n"
        ">>> actlab.bent_identity([-2.0, 0.0, 1.5])\n"
        "array([-1.38196601,  0.        ,  1.90138782])\n"
        ">>> actlab.get('bent_identity').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.5527864 , 1.        , 1.41602515])"
    ),
    summary="(√(x² + 1) − 1)/2 + x: a smooth, monotonic, unbounded curve bent at 0.",
    forward=_bent_f,
    derivative=_bent_d,
    latex=r"f(x) = \frac{\sqrt{x^2 + 1} - 1}{2} + x",
    derivative_latex=r"f'(x) = \frac{x}{2\sqrt{x^2 + 1}} + 1",
    text="f(x) = (sqrt(x^2 + 1) - 1) / 2 + x",
    derivative_text="f'(x) = x / (2 sqrt(x^2 + 1)) + 1",
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=(),
        uses=("regression MLPs",),
        pros=("never saturates (1/2 < f' < 3/2)", "smooth"),
        cons=("rarely used",),
        init="xavier",
    ),
)


def _elliott_f(xp: ModuleType, x: Array, p: Params) -> Array:
    # 0.5·x/(1 + |x|) + 0.5 without cancellation: 0.5/(1 − x) for x < 0, 1 − 0.5/(1 + x) else
    ax = xp.abs(x)
    half = 0.5 / (1.0 + ax)
    return keep_nan(xp, x, xp.where(x < 0, half, 1.0 - half))


def _elliott_d(xp: ModuleType, x: Array, p: Params) -> Array:
    r = 1.0 / (1.0 + xp.abs(x))
    return 0.5 * r * r


ELLIOTT = elementwise(
    name="elliott",
    example=(
        ">>> import actlab\n"
        ">>> actlab.elliott([-2.0, 0.0, 1.5])\n"
        "array([0.16666667, 0.5       , 0.8       ])\n"
        ">>> actlab.get('elliott').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.05555556, 0.5       , 0.08      ])"
    ),
    summary="The Elliott sigmoid 0.5·x/(1 + |x|) + 0.5: a sigmoid without exp (softsign rescaled).",
    forward=_elliott_f,
    derivative=_elliott_d,
    latex=r"f(x) = \frac{x}{2(1 + |x|)} + \frac{1}{2}",
    derivative_latex=r"f'(x) = \frac{1}{2(1 + |x|)^2}",
    text="f(x) = 0.5 * x / (1 + |x|) + 0.5",
    derivative_text="f'(x) = 0.5 / (1 + |x|)^2",
    facts=Facts(
        range=R(0.0, 1.0, False, False),
        monotonic=True,
        smoothness=1,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("a cheap sigmoid for gates and outputs on hardware without exp",),
        pros=("no exp: cheap", "polynomial-rate saturation (slower than the logistic)"),
        cons=("not zero-centred", "saturates"),
        init="xavier",
    ),
    references=(
        Reference(
            "A better activation function for artificial neural networks",
            "Elliott",
            1993,
            "ISR Technical Report TR 93-8, University of Maryland",
        ),
    ),
)
