"""Self-gated activations x·g(x) from the literature (no peer in torch, Keras or JAX): lisht,
logish, smish, serf, tanhexp, acon_c. Each non-monotonic one's derivative gets a Taylor series
next to its root (tools/root_series.py) where f' = a − b would cancel, and a series form for
x ≪ 0 where both terms are ~eˣ with opposite signs."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

from ._common import INF, R, _as_floats, elementwise, sum_to
from ._roots import near_root
from ._shrink import _tanhshrink_coeffs
from ._smooth import _SILU_MIN, _silu_d, _silu_f
from ._spec import Facts, Param, Params, Range, Reference
from ._xp import Array, at_inf, const, dsigmoid, finite, mul_zero_safe, sigmoid, special


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


_TANHEXP_MIN = -0.35328577784821125  # at x ≈ −1.078860, the root of f'
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


_TANH_OVER_U = tuple(-c for c in _tanhshrink_coeffs(16))  # tanh(u)/u − 1 = Σₖ cₖ u^(2k)


def _tanhexp_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return at_inf(xp, x, xf * xp.tanh(xp.exp(xf)), 0.0, INF)


def _tanhexp_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    xc = xp.minimum(xf, const(xp, xf, 700.0))  # beyond, tanh(eˣ) = 1 and the rest is 0
    u = xp.exp(xc)
    t = xp.tanh(u)
    e = xp.exp(-2.0 * u)
    r = 1.0 / (1.0 + e)
    general = t + xc * u * (4.0 * e * r * r)  # tanh(u) + x·u·sech²(u), u = eˣ
    # x < −1.5: both terms ~ u with opposite signs: f' = u·((1 + x) + (tanh(u)/u − 1) − x·tanh²u)
    us = xp.where(xf < -1.5, u, const(xp, xf, 0.0))
    u2 = us * us
    series = const(xp, xf, 0.0)
    for c in reversed(_TANH_OVER_U):
        series = (series + c) * u2
    far = u * ((xf + 1.0) + (series - xf * (t * t)))
    general = xp.where(xf < -1.5, far, general)
    return at_inf(xp, x, near_root(xp, xf, 0.0, "tanhexp", general), 0.0, 1.0)


TANHEXP = elementwise(
    name="tanhexp",
    example=(
        ">>> import actlab\n"
        ">>> actlab.tanhexp([-2.0, 0.0, 1.5])\n"
        "array([-0.26903008,  0.        ,  1.49961601])\n"
        ">>> actlab.get('tanhexp').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.13125793,  0.76159416,  1.00318541])"
    ),
    summary="x·tanh(eˣ): a smooth, non-monotonic unit that is x for large x (lightweight nets).",
    forward=_tanhexp_f,
    derivative=_tanhexp_d,
    latex=r"f(x) = x \tanh(e^x)",
    derivative_latex=r"f'(x) = \tanh(e^x) + x e^x \operatorname{sech}^2(e^x)",
    text="f(x) = x * tanh(exp(x))",
    derivative_text="f'(x) = tanh(exp(x)) + x * exp(x) * sech(exp(x))^2",
    facts=Facts(
        range=lambda p: R(_TANHEXP_MIN, INF, True, False),
        monotonic=False,
        smoothness=math.inf,
        zero_centred=False,
        saturates=("negative",),
        uses=("lightweight CNNs in the paper (MobileNet-like, CIFAR and detection)",),
        pros=("converges fast in the paper", "near-identity for x > 1"),
        cons=("costlier than relu (exp, tanh)", "non-monotonic dip below 0"),
        init="he",
    ),
    references=(
        Reference(
            "TanhExp: a smooth activation function with high convergence speed for lightweight "
            "neural networks",
            "Liu, Di",
            2020,
            "https://arxiv.org/abs/2003.09855",
        ),
    ),
)


def _acon_parts(p: Params) -> tuple[Any, Any]:
    """d = p1 − p2 and the silu slope β·d of ACON-C = d·silu_{βd}(x) + p2·x."""
    d = p["p1"] - p["p2"]
    return d, p["beta"] * d


def _acon_f(xp: ModuleType, x: Array, p: Params) -> Array:
    d, bd = _acon_parts(p)
    xf = finite(xp, x)
    y = d * _silu_f(xp, xf, {"beta": bd}) + p["p2"] * xf
    # x → ±∞: the larger (bd > 0) or smaller linear piece, p1·x or p2·x, wins
    pos = (
        xp.where(bd > 0, p["p1"] + 0.0 * y, p["p2"] + 0.0 * y)
        if not isinstance(bd, float)
        else (p["p1"] if bd > 0 else p["p2"])
    )
    neg = (
        xp.where(bd > 0, p["p2"] + 0.0 * y, p["p1"] + 0.0 * y)
        if not isinstance(bd, float)
        else (p["p2"] if bd > 0 else p["p1"])
    )
    y = xp.where(x == INF, mul_zero_safe(xp, pos, x), y)
    return xp.where(x == -INF, mul_zero_safe(xp, neg, x), y)


def _acon_d(xp: ModuleType, x: Array, p: Params) -> Array:
    d, bd = _acon_parts(p)
    return d * _silu_d(xp, x, {"beta": bd}) + p["p2"]


def _acon_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    d, bd = _acon_parts(p)
    xf = finite(xp, x)
    t = bd * xf
    s, sm = sigmoid(xp, t), sigmoid(xp, -t)
    dd = xf * s + p["beta"] * d * xf * xf * s * sm  # ∂f/∂d
    return {
        "p1": sum_to(xp, g * dd, p["p1"]),
        "p2": sum_to(xp, g * (xf - dd), p["p2"]),
        "beta": sum_to(xp, g * (d * d) * xf * xf * s * sm, p["beta"]),
    }


def _acon_range(p: Params) -> Range:
    p1, p2, b = (min(_as_floats(p[k])) for k in ("p1", "p2", "beta"))
    if p2 == 0 and p1 > 0 and b > 0:
        return R(_SILU_MIN / b, INF, True, False)  # a scaled silu: min (1/β)·min tσ(t)
    lo = -INF if (p2 > 0 or p1 < 0) else 0.0
    return R(lo, INF, False, False)


ACON_C = elementwise(
    name="acon_c",
    example=(
        ">>> import actlab\n"
        ">>> actlab.acon_c([-2.0, 0.0, 1.5], p1=1.5, p2=0.25, beta=0.5)\n"
        "array([-1.05675035,  0.        ,  1.72236449])\n"
        ">>> actlab.get('acon_c', p1=1.5, p2=0.25, beta=0.5).derivative([-2.0, 0.0, 1.5])\n"
        "array([0.25789894, 0.875     , 1.38521544])"
    ),
    summary="ACON-C (p1 − p2)·x·σ(β(p1 − p2)x) + p2·x: a learned smooth maximum of p1·x and "
    "p2·x (silu at p1 = 1, p2 = 0, β = 1).",
    params=(
        Param("p1", 1.0, "the slope of the upper linear piece", learnable=True),
        Param("p2", 0.0, "the slope of the lower linear piece", learnable=True),
        Param("beta", 1.0, "the switching factor β: 0 gives the mean, ∞ the max", learnable=True),
    ),
    forward=_acon_f,
    derivative=_acon_d,
    param_vjp=_acon_vjp,
    latex=r"f(x) = (p_1 - p_2)\,x\,\sigma(\beta (p_1 - p_2) x) + p_2 x",
    derivative_latex=r"f'(x) = (p_1 - p_2)\,\sigma(t)\,(1 + t\,\sigma(-t)) + p_2,\quad "
    r"t = \beta (p_1 - p_2) x",
    text="f(x) = (p1 - p2) * x * sigmoid(beta * (p1 - p2) * x) + p2 * x",
    derivative_text="f'(x) = (p1 - p2) * sigmoid(t) * (1 + t * sigmoid(-t)) + p2, "
    "t = beta * (p1 - p2) * x",
    facts=Facts(
        range=_acon_range,
        monotonic=lambda p: (
            min(_as_floats(p["p2"]))
            >= 0.1 * max(abs(a - b) for a in _as_floats(p["p1"]) for b in _as_floats(p["p2"]))
        ),
        smoothness=math.inf,
        zero_centred=False,
        saturates=("negative",),  # at the defaults (silu); p2 ≠ 0 gives slope p2 there
        uses=("image classification CNNs in the paper (ShuffleNet, MobileNet, ResNet)",),
        pros=("learns between linear (β = 0) and relu-like (β → ∞) per channel",),
        cons=("three parameters per channel", "costlier than relu"),
        init="he",
    ),
    references=(
        Reference(
            "Activate or not: learning customized activation",
            "Ma, Zhang, Liu, Zhang, Sun",
            2021,
            "https://arxiv.org/abs/2009.04759",
        ),
    ),
)


def _log1p_over(xp: ModuleType, s: Array, n: int) -> Array:
    """log1p(s)/s − 1 = Σₖ (−s)ᵏ/(k + 1), k = 1..n (small s)."""
    acc = const(xp, s, 0.0)
    for k in range(n, 0, -1):
        acc = (acc + (-1.0) ** k / (k + 1)) * s
    return acc


def _smish_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    _, g = _log1p_sigmoid(xp, xf)
    return at_inf(xp, x, xf * xp.tanh(g), 0.0, INF)


def _smish_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    s, g = _log1p_sigmoid(xp, xf)
    tau, s2 = _tanh_sech2(xp, g)
    general = tau + xf * s2 * dsigmoid(xp, xf) / (1.0 + s)
    # x < −1.5: both terms ~ σ(x) = s with opposite signs: with L = log1p(s) = s·Q, tanh L =
    # L·T, f' = s·((1 + x) + (QT − 1) + x·(−2s − tanh²L·(1 − s))/(1 + s)), Q − 1, T − 1 series
    far_x = xf < -1.5
    sn = xp.where(far_x, s, const(xp, xf, 0.0))
    q1 = _log1p_over(xp, sn, 24)
    g2 = xp.where(far_x, g, const(xp, xf, 0.0)) ** 2
    t1 = const(xp, xf, 0.0)
    for c in reversed(_TANH_OVER_U):
        t1 = (t1 + c) * g2
    delta = (q1 + t1 + q1 * t1) + xf * (-2.0 * s - tau * tau * (1.0 - s)) / (1.0 + s)
    general = xp.where(far_x, s * ((xf + 1.0) + delta), general)
    return at_inf(xp, x, near_root(xp, xf, 0.0, "smish", general), 0.0, math.tanh(math.log(2.0)))


_SMISH_MIN = -0.2499936636601295  # at x ≈ −1.394519, the root of f'

SMISH = elementwise(
    name="smish",
    example=(
        ">>> import actlab\n"
        ">>> actlab.smish([-2.0, 0.0, 1.5])\n"
        "array([-0.22428614,  0.        ,  0.80290546])\n"
        ">>> actlab.get('smish').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.07311945,  0.38461538,  0.62309108])"
    ),
    summary="x·tanh(log(1 + σ(x))): a smooth, non-monotonic self-gated unit (mish's cousin).",
    forward=_smish_f,
    derivative=_smish_d,
    latex=r"f(x) = x \tanh(\log(1 + \sigma(x)))",
    derivative_latex=r"f'(x) = \tanh L + \frac{x \operatorname{sech}^2 L\ \sigma(x)\sigma(-x)}"
    r"{1 + \sigma(x)},\quad L = \log(1 + \sigma(x))",
    text="f(x) = x * tanh(log(1 + sigmoid(x)))",
    derivative_text="f'(x) = tanh(L) + x * sech(L)^2 * sigmoid(x) * sigmoid(-x) / (1 + sigmoid(x)),"
    " L = log(1 + sigmoid(x))",
    facts=Facts(
        range=lambda p: R(_SMISH_MIN, INF, True, False),
        monotonic=False,
        smoothness=math.inf,
        zero_centred=False,
        saturates=("negative",),
        uses=("image classification CNNs in the paper (EfficientNet, ResNet on CIFAR)",),
        pros=("smooth, non-monotonic, bounded below", "never dead"),
        cons=("costlier than relu (exp, log, tanh)", "slope tanh(log 2) = 0.6 for large x"),
        init="he",
    ),
    references=(
        Reference(
            "Smish: a novel activation function for deep learning methods",
            "Wang, Ren, Wang",
            2022,
            "https://doi.org/10.3390/electronics11040540",
        ),
    ),
)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erf_over(xp: ModuleType, u: Array, n: int) -> Array:
    """(√π/2)·erf(u)/u − 1 = Σₖ (−1)ᵏ u^(2k)/(k!(2k + 1)), k = 1..n (small u)."""
    u2 = u * u
    acc = const(xp, u, 0.0)
    for k in range(n, 0, -1):
        acc = (acc + (-1.0) ** k / (math.factorial(k) * (2 * k + 1))) * u2
    return acc


def _serf_parts(xp: ModuleType, xf: Array) -> tuple[Array, Array]:
    """softplus(x) = max(x, 0) + log1p(e^−|x|), and e = e^min(x, 0)."""
    e = xp.exp(-xp.abs(xf))
    sp = xp.maximum(xf, const(xp, xf, 0.0)) + xp.log1p(e)
    return sp, e


def _serf_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    sp, _ = _serf_parts(xp, xf)
    return at_inf(xp, x, xf * special(xp, "erf")(sp), 0.0, INF)


def _serf_d(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    sp, e = _serf_parts(xp, xf)
    spc = xp.minimum(sp, const(xp, xf, 40.0))  # e^(−sp²) is 0 beyond
    gauss = _TWO_OVER_SQRT_PI * xp.exp(-spc * spc) * sigmoid(xp, xf)  # 0 where x is huge
    general = special(xp, "erf")(sp) + xf * gauss
    # x < −1.5: both terms ~ (2/√π)·e with opposite signs (e = eˣ, sp = e·Q): f' = (2/√π)·e·
    # ((1 + x) + (Q·E − 1) + x·(expm1(−sp²) − e)/(1 + e)), E = (√π/2)·erf(sp)/sp
    far_x = xf < -1.5
    en = xp.where(far_x, e, const(xp, xf, 0.0))
    q1 = _log1p_over(xp, en, 30)
    e1 = _erf_over(xp, xp.where(far_x, sp, const(xp, xf, 0.0)), 14)
    delta = (q1 + e1 + q1 * e1) + xf * (xp.expm1(-(sp * sp)) - e) / (1.0 + e)
    far = _TWO_OVER_SQRT_PI * e * ((xf + 1.0) + delta)
    general = xp.where(far_x, far, general)
    return at_inf(xp, x, near_root(xp, xf, 0.0, "serf", general), 0.0, 1.0)


_SERF_MIN = -0.3484374587596064  # at x ≈ −1.193060, the root of f'

SERF = elementwise(
    name="serf",
    example=(
        ">>> import actlab\n"
        ">>> actlab.serf([-2.0, 0.0, 1.5])\n"
        "array([-0.28491497,  0.        ,  1.47581831])\n"
        ">>> actlab.get('serf').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.12225545,  0.67304129,  1.06041648])"
    ),
    summary="x·erf(log(1 + eˣ)): a smooth, non-monotonic self-gated unit (log-softplus error).",
    forward=_serf_f,
    derivative=_serf_d,
    latex=r"f(x) = x \operatorname{erf}(\log(1 + e^x))",
    derivative_latex=r"f'(x) = \operatorname{erf}(s) + \frac{2x}{\sqrt\pi} e^{-s^2} \sigma(x),"
    r"\quad s = \log(1 + e^x)",
    text="f(x) = x * erf(softplus(x))",
    derivative_text="f'(x) = erf(s) + 2x/sqrt(pi) * exp(-s^2) * sigmoid(x), s = softplus(x)",
    facts=Facts(
        range=lambda p: R(_SERF_MIN, INF, True, False),
        monotonic=False,
        smoothness=math.inf,
        zero_centred=False,
        saturates=("negative",),
        uses=("image classification and detection CNNs in the paper (CIFAR, MS-COCO)",),
        pros=("smooth, non-monotonic, bounded below", "near-identity for large x"),
        cons=("costlier than relu (exp, log, erf)", "non-monotonic dip below 0"),
        init="he",
    ),
    references=(
        Reference(
            "Serf: towards better training of deep neural networks using log-softplus error "
            "activation function",
            "Nag, Bhattacharyya",
            2023,
            "https://arxiv.org/abs/2108.09598",
        ),
    ),
)
