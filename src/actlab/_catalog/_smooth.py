"""Smooth rectifiers: gelu, silu, mish, softplus, squareplus."""

from __future__ import annotations

import math
from types import ModuleType

from ._common import (
    ALL_REAL,
    INF,
    R,
    _as_floats,
    _mul_dd,
    _nonneg,
    _pos,
    elementwise,
    sum_to,
)
from ._roots import near_root
from ._spec import (
    Facts,
    Param,
    Params,
    Peer,
    Peers,
    Range,
    Reference,
)
from ._xp import (
    INV_SQRT_2PI,
    SQRT1_2,
    Array,
    at_inf,
    clamp_abs,
    const,
    dd_mul_const,
    dsigmoid,
    exp_neg_sq,
    finite,
    hypot,
    keep_nan,
    ndtr,
    npdf,
    sigmoid,
    sigmoid_dd,
    special,
    two_prod,
    two_sum,
)

# 2·√(2/π) and 2·0.044715·√(2/π) as double-doubles (hi + lo), from mpmath at 50 digits.
_GT_A = (float.fromhex("0x1.9884533d43651p+0"), float.fromhex("-0x1.cbc0d30ebfd15p-54"))
_GT_B = (float.fromhex("0x1.2444f2a4d8b4bp-4"), float.fromhex("-0x1.6c843a29d1c70p-61"))
_GT_CLAMP = 1e3  # beyond this σ(2u) is exactly 0 or 1 in float64


def _gelu_tanh_arg(xp: ModuleType, x: Array) -> tuple[Array, Array]:
    """2u = 2√(2/π)(x + 0.044715x³) as a double-double (the constant is the decimal 0.044715)."""
    xc = clamp_abs(xp, finite(xp, x), _GT_CLAMP)
    x2h, x2l = two_prod(xc, xc)
    x3h, x3l0 = two_prod(x2h, xc)
    x3l = x3l0 + x2l * xc
    ah, al = dd_mul_const(xp, xc, *_GT_A)
    bh, bl = two_prod(x3h, _GT_B[0])
    bl = bl + x3h * _GT_B[1] + x3l * _GT_B[0]
    s, e = two_sum(ah, bh)
    return two_sum(s, e + al + bl)


def _gelu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    if p["approximate"] == "tanh":
        h, lo = _gelu_tanh_arg(xp, x)
        y = sigmoid_dd(xp, h, lo, scale=xf)
    else:
        y = ndtr(xp, xf, scale=xf)
    return at_inf(xp, x, y, 0.0, INF)


def _gelu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    if p["approximate"] == "tanh":
        h, lo = _gelu_tanh_arg(xp, x)
        xc = clamp_abs(xp, xf, _GT_CLAMP)
        du = _GT_A[0] + 3.0 * _GT_B[0] * xc * xc
        y = sigmoid_dd(xp, h, lo, scale=1.0 + xc * du * sigmoid(xp, -h))
        y = near_root(xp, xf, 0.0, "gelu", y, "approximate=tanh")
    else:
        # x < 0: Φ(x) + xφ(x) = exp(−x²/2)·(½·erfcx(−x/√2) + x/√(2π)), one exp, rounded once
        erfcx = special(xp, "erfcx")
        inner = 0.5 * erfcx(xp.abs(xf) * SQRT1_2) + xf * INV_SQRT_2PI
        left = exp_neg_sq(xp, xf, half=True, scale=inner)
        y = xp.where(xf < -1.0, left, ndtr(xp, xf) + xf * npdf(xp, xf))
        y = near_root(xp, xf, 0.0, "gelu", y)
    return at_inf(xp, x, y, 0.0, 1.0)


_GELU_MIN = {"none": -0.16997120747990366, "tanh": -0.17004075057125405}

GELU = elementwise(
    name="gelu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.gelu([-2.0, 0.0, 1.5])\n"
        "array([-0.04550026,  0.        ,  1.3997892 ])\n"
        ">>> actlab.get('gelu').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.0852318 ,  0.5       ,  1.12746919])"
    ),
    summary="Gaussian error linear unit x·Φ(x) (or its tanh approximation): transformers' default.",
    params=(
        Param(
            "approximate",
            "none",
            '"none": exact x·Φ(x) (PyTorch\'s default); "tanh": the tanh form (JAX\'s default)',
            type="choice",
            choices=("none", "tanh"),
            allowed='"none" or "tanh"',
        ),
    ),
    forward=_gelu_f,
    derivative=_gelu_d,
    latex=r"f(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt 2}\right)"
    r"\ \text{or}\ \frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)",
    derivative_latex=r"f'(x) = \Phi(x) + x\,\varphi(x)",
    text='f(x) = x * Phi(x); approximate="tanh": 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))',
    derivative_text="f'(x) = Phi(x) + x * phi(x) (tanh form: its exact derivative)",
    facts=Facts(
        range=lambda p: R(_GELU_MIN[p["approximate"]], INF, True, False),
        monotonic=False,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("transformers (BERT, GPT)", "NLP", "diffusion models", "very deep nets"),
        pros=("smooth, non-monotonic bump helps optimisation", "standard in transformers"),
        cons=("costlier than relu", "two variants differ by up to 4.7e-4"),
        init="he",
    ),
    references=(Reference("Gaussian error linear units (GELUs)", "Hendrycks, Gimpel", 2016),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.gelu", {"approximate": "approximate"}, module="torch.nn.GELU"
        ),
        keras=Peer(
            "keras.activations.gelu",
            {"approximate": "approximate"},
            values={"approximate": {"none": False, "tanh": True}},
        ),
        jax=Peer(
            "jax.nn.gelu",
            {"approximate": "approximate"},
            values={"approximate": {"none": False, "tanh": True}},
            note="JAX's default is the tanh form",
        ),
    ),
)

_SILU_MIN = -0.2784645427610738  # min of x·σ(x), at x ≈ −1.27846


def _silu_parts(xp: ModuleType, x: Array, beta: float) -> tuple[Array, Array, Array]:
    """(x with inf → 0, σ(βx), σ(−βx)) with βx carried exactly."""
    xf = finite(xp, x)
    h, lo = _mul_dd(xp, beta, xf)
    return xf, sigmoid_dd(xp, h, lo), sigmoid_dd(xp, -h, -lo)


def _silu_inf(beta: float) -> tuple[float, float, float, float]:
    """f(−inf), f(+inf), f'(−inf), f'(+inf)."""
    if beta > 0:
        return 0.0, INF, 0.0, 1.0
    if beta < 0:
        return -INF, 0.0, 1.0, 0.0
    return -INF, INF, 0.5, 0.5


def _silu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    b = p["beta"]
    if not isinstance(b, float):
        return _silu_f_array(xp, x, b)
    xf = finite(xp, x)
    h, h_lo = _mul_dd(xp, b, xf)
    lo, hi, _, _ = _silu_inf(b)
    return at_inf(xp, x, sigmoid_dd(xp, h, h_lo, scale=xf), lo, hi)


def _silu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    b = p["beta"]
    if not isinstance(b, float):
        return _silu_d_array(xp, x, b)
    xf, s, sm = _silu_parts(xp, x, b)
    _, _, lo, hi = _silu_inf(b)
    t, t_lo = _mul_dd(xp, b, xf)  # f'(x) = g(βx), g(t) = σ(t)(1 + tσ(−t)), root t0 ≈ −1.2785
    y = near_root(xp, t, t_lo, "silu", s + (b * s) * (xf * sm))
    return at_inf(xp, x, y, lo, hi)


def _silu_f_array(xp: ModuleType, x: Array, b: Array) -> Array:
    xf = finite(xp, x)
    y = xf * sigmoid(xp, b * xf)
    pos_lim = xp.where(b >= 0, const(xp, x, INF), const(xp, x, 0.0))
    neg_lim = xp.where(b > 0, const(xp, x, 0.0), const(xp, x, -INF))
    y = xp.where(x == INF, pos_lim + 0 * y, y)
    return xp.where(x == -INF, neg_lim + 0 * y, y)


def _silu_d_array(xp: ModuleType, x: Array, b: Array) -> Array:
    xf = finite(xp, x)
    s = sigmoid(xp, b * xf)
    y = s * (1.0 + b * xf * sigmoid(xp, -b * xf))
    sb = xp.sign(b) + 0 * y
    y = xp.where(x == INF, (1.0 + sb) / 2.0, y)
    return xp.where(x == -INF, (1.0 - sb) / 2.0, y)


def _silu_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    b = p["beta"]
    xf = finite(xp, x)
    # ∂f/∂β = x²·σ(βx)σ(−βx), written (x·σ')·x so that no x² overflows.
    d = (xf * dsigmoid(xp, b * xf)) * xf
    if isinstance(b, float):
        limit = const(xp, x, INF if b == 0 else 0.0)
    else:
        limit = xp.where(b == 0, const(xp, x, INF), const(xp, x, 0.0))
    d = xp.where(xp.isinf(x), limit + 0 * d, d)
    return {"beta": sum_to(xp, g * d, b)}


def _silu_range(p: Params) -> Range:
    b = float(min(_as_floats(p["beta"])))
    if b > 0:
        return R(_SILU_MIN / b, INF, True, False)
    if b < 0:
        return R(-INF, _SILU_MIN / b, False, True)
    return ALL_REAL


SILU = elementwise(
    name="silu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.silu([-2.0, 0.0, 1.5])\n"
        "array([-0.23840584,  0.        ,  1.22636171])\n"
        ">>> actlab.get('silu').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.09078425,  0.5       ,  1.04129415])"
    ),
    aliases=("swish",),
    summary="Sigmoid-weighted linear unit x·σ(βx) (swish); β = 1 is SiLU.",
    params=(Param("beta", 1.0, "the sharpness β (learnable as a module)", learnable=True),),
    forward=_silu_f,
    derivative=_silu_d,
    param_vjp=_silu_vjp,
    latex=r"f(x) = x\,\sigma(\beta x)",
    derivative_latex=r"f'(x) = \sigma(\beta x)\left(1 + \beta x\,\sigma(-\beta x)\right),"
    r"\quad \frac{\partial f}{\partial \beta} = x^2 \sigma(\beta x)\sigma(-\beta x)",
    text="f(x) = x * sigmoid(beta * x)",
    derivative_text="f'(x) = sigmoid(beta x) * (1 + beta x * sigmoid(-beta x))",
    facts=Facts(
        range=_silu_range,
        monotonic=lambda p: min(_as_floats(p["beta"])) == 0 == max(_as_floats(p["beta"])),
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("deep CNNs (EfficientNet)", "diffusion U-Nets", "very deep nets"),
        pros=("smooth and non-monotonic", "often beats relu in deep nets"),
        cons=("costlier than relu",),
        init="he",
    ),
    references=(
        Reference(
            "Sigmoid-weighted linear units for neural network function approximation in "
            "reinforcement learning",
            "Elfwing, Uchibe, Doya",
            2018,
        ),
        Reference("Searching for activation functions", "Ramachandran, Zoph, Le", 2017),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.silu", module="torch.nn.SiLU", note="beta must be 1"),
        keras=Peer("keras.activations.silu", note="beta must be 1"),
        jax=Peer("jax.nn.silu", note="beta must be 1"),
    ),
)


def _mish_ratio(xp: ModuleType, x: Array) -> tuple[Array, Array]:
    """tanh(softplus(x)) and sech²(softplus(x)), from e = exp(−|x|) with no cancellation.

    With n = eˣ(eˣ + 2): tanh(softplus x) = n/(n + 2) and sech² = 4(n + 1)/(n + 2)².
    For x > 0 the same is written in e = e^−x: n + 2 = (1 + 2e + 2e²)/e².
    """
    e = xp.exp(-xp.abs(x))
    pos = x > 0
    # x ≤ 0: n = e(e+2); x > 0: scaled by e²: n·e² = 1 + 2e, (n+2)·e² = 1 + 2e + 2e²
    num = xp.where(pos, 1.0 + 2.0 * e, e * (e + 2.0))
    den = xp.where(pos, 1.0 + 2.0 * e + 2.0 * e * e, e * (e + 2.0) + 2.0)
    t = num / den
    # sech² = 4(n+1)/(n+2)²; x > 0: 4(n+1)e⁴/((n+2)e²)² = 4e²(1 + 2e + e²)/den²
    ratio = 2.0 / den
    sech2 = xp.where(pos, 4.0 * (e * (1.0 + e)) ** 2 / (den * den), ratio * ratio * (num + 1.0))
    return t, sech2


def _mish_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    t, _ = _mish_ratio(xp, xf)
    return at_inf(xp, x, xf * t, 0.0, INF)


def _mish_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    t, sech2 = _mish_ratio(xp, xf)
    y = near_root(xp, xf, 0.0, "mish", t + xf * sech2 * sigmoid(xp, xf))
    return at_inf(xp, x, y, 0.0, 1.0)


MISH = elementwise(
    name="mish",
    example=(
        ">>> import actlab\n"
        ">>> actlab.mish([-2.0, 0.0, 1.5])\n"
        "array([-0.25250148,  0.        ,  1.40337827])\n"
        ">>> actlab.get('mish').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.10835509,  0.6       ,  1.08848799])"
    ),
    summary="x·tanh(softplus(x)): a smooth, self-regularised, non-monotonic rectifier.",
    forward=_mish_f,
    derivative=_mish_d,
    latex=r"f(x) = x \tanh(\operatorname{softplus}(x))",
    derivative_latex=r"f'(x) = \tanh(\operatorname{sp}(x)) + x\,\operatorname{sech}^2("
    r"\operatorname{sp}(x))\,\sigma(x)",
    text="f(x) = x * tanh(log(1 + exp(x)))",
    derivative_text="f'(x) = tanh(sp(x)) + x * sech(sp(x))^2 * sigmoid(x), sp = softplus",
    facts=Facts(
        range=R(-0.3088434130172504, INF, True, False),
        monotonic=False,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("object detection (YOLOv4)", "image classification"),
        pros=("smooth", "small accuracy gains reported over relu and swish"),
        cons=("the costliest of the common rectifiers",),
        init="he",
    ),
    references=(
        Reference("Mish: a self regularized non-monotonic activation function", "Misra", 2019),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.mish", module="torch.nn.Mish"),
        keras=Peer("keras.activations.mish"),
        jax=Peer("jax.nn.mish"),
    ),
)


def _softplus_f(xp: ModuleType, x: Array, p: Params) -> Array:
    # log(1 + e^(βx))/β = max(x, 0) + [log1p(e^−|h|) + lo·(σ(h) − [h > 0])]/β, h + lo = βx:
    # max(x, 0) is taken from x itself, so nothing overflows where βx does.
    b = p["beta"]
    xf = finite(xp, x)
    h, lo = _mul_dd(xp, b, xf)
    corr = lo * xp.where(h > 0, -sigmoid(xp, -h), sigmoid(xp, h))
    y = xp.maximum(xf, const(xp, x, 0.0)) + (xp.log1p(xp.exp(-xp.abs(h))) + corr) / b
    y = at_inf(xp, x, y, 0.0, INF)
    if p["threshold"] is not None:
        y = xp.where(b * x > p["threshold"], x, y)
    return y


def _softplus_d(xp: ModuleType, x: Array, p: Params) -> Array:
    h, lo = _mul_dd(xp, p["beta"], finite(xp, x))
    y = at_inf(xp, x, sigmoid_dd(xp, h, lo), 0.0, 1.0)
    if p["threshold"] is not None:
        y = xp.where(p["beta"] * x > p["threshold"], const(xp, x, 1.0), y)
    return y


SOFTPLUS = elementwise(
    name="softplus",
    example=(
        ">>> import actlab\n"
        ">>> actlab.softplus([-2.0, 0.0, 1.5])\n"
        "array([0.12692801, 0.69314718, 1.70141328])\n"
        ">>> actlab.get('softplus').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.11920292, 0.5       , 0.81757448])"
    ),
    summary="log(1 + e^{βx})/β: a smooth ReLU, always positive; its derivative is σ(βx).",
    params=(
        Param("beta", 1.0, "sharpness β", allowed="> 0", check=_pos),
        Param(
            "threshold",
            None,
            "None (default): the exact, stable form everywhere. A number t reproduces "
            "PyTorch, which returns x itself where βx > t (PyTorch's default t = 20)",
            type="real?",
        ),
    ),
    forward=_softplus_f,
    derivative=_softplus_d,
    latex=r"f(x) = \frac{1}{\beta}\log\left(1 + e^{\beta x}\right)",
    derivative_latex=r"f'(x) = \sigma(\beta x)",
    text="f(x) = (max(bx, 0) + log1p(exp(-|bx|))) / b, b = beta",
    derivative_text="f'(x) = sigmoid(beta * x)",
    facts=Facts(
        range=R(0.0, INF, False, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("positive outputs: variances, rates, counts", "smooth relu replacement"),
        pros=("smooth", "strictly positive"),
        cons=("not zero-centred", "costlier than relu"),
        init="he",
    ),
    references=(
        Reference(
            "Incorporating second-order functional knowledge for better option pricing",
            "Dugas, Bengio, Bélisle, Nadeau, Garcia",
            2001,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.softplus",
            {"beta": "beta", "threshold": "threshold"},
            values={"threshold": {None: 1e300}},
            module="torch.nn.Softplus",
            note="torch's default threshold=20 switches to x above 20/beta; actlab's None is exact",
        ),
        keras=Peer("keras.activations.softplus", note="beta must be 1"),
        jax=Peer("jax.nn.softplus", note="beta must be 1"),
    ),
)


def _squareplus_parts(xp: ModuleType, x: Array, b: float) -> Array:
    return hypot(xp, finite(xp, x), math.sqrt(b))


def _squareplus_f(xp: ModuleType, x: Array, p: Params) -> Array:
    b = p["b"]
    s = _squareplus_parts(xp, x, b)
    xf = finite(xp, x)
    neg = x < 0
    # x + s = b/(s − x) for x < 0; halves first so that nothing overflows at ±max
    den = xp.where(neg, s / 2.0 - xf / 2.0, const(xp, x, 1.0))
    y = xp.where(neg, (b / 4.0) / den, xf / 2.0 + s / 2.0)
    return keep_nan(xp, x, at_inf(xp, x, y, 0.0, INF))


def _squareplus_d(xp: ModuleType, x: Array, p: Params) -> Array:
    b = p["b"]
    s = _squareplus_parts(xp, x, b)
    xf = finite(xp, x)
    one = const(xp, x, 1.0)
    safe_s = xp.where(s > 0, s, one)
    # (1 + x/s)/2 = b/(2s(s − x)) for x < 0 and 1 − b/(2s(s + x)) for x ≥ 0: no cancellation.
    other = xp.where(x < 0, safe_s - xf, safe_s + xf)
    other = xp.where(other > 0, other, one)
    q = (b / (2.0 * safe_s)) / other  # b/(2s(s ∓ x)), formed without overflow
    y = xp.where(x < 0, q, 1.0 - q)
    y = xp.where(s > 0, y, const(xp, x, 0.5))  # b = 0, x = 0: the kink of (x + |x|)/2
    return keep_nan(xp, x, at_inf(xp, x, y, 0.0, 1.0))


SQUAREPLUS = elementwise(
    name="squareplus",
    example=(
        ">>> import actlab\n"
        ">>> actlab.squareplus([-2.0, 0.0, 1.5])\n"
        "array([0.41421356, 1.        , 2.        ])\n"
        ">>> actlab.get('squareplus').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.14644661, 0.5       , 0.8       ])"
    ),
    summary="(x + √(x² + b))/2: an algebraic softplus, no exp or log.",
    params=(Param("b", 4.0, "curvature near 0 (b = 0 is relu)", allowed=">= 0", check=_nonneg),),
    forward=_squareplus_f,
    derivative=_squareplus_d,
    latex=r"f(x) = \frac{x + \sqrt{x^2 + b}}{2}",
    derivative_latex=r"f'(x) = \frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
    text="f(x) = (x + sqrt(x^2 + b)) / 2",
    derivative_text="f'(x) = (1 + x / sqrt(x^2 + b)) / 2  (1/2 at 0 when b = 0)",
    facts=Facts(
        range=lambda p: R(0.0, INF, p["b"] == 0, False),
        monotonic=True,
        smoothness=INF,
        zero_centred=False,
        saturates=("negative",),
        uses=("softplus replacement where exp is slow",),
        pros=("only sqrt: fast on any hardware", "smooth"),
        cons=("approaches 0 only like b/(4|x|)",),
        init="he",
    ),
    references=(Reference("Squareplus: a softplus-like algebraic rectifier", "Barron", 2021),),
    peers=Peers(
        keras=Peer("keras.activations.squareplus", {"b": "b"}),
        jax=Peer("jax.nn.squareplus", {"b": "b"}),
    ),
)
