"""The hard (piecewise-linear) family: relu6, hardtanh, hard_sigmoid, hard_swish, sparse_*."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ._common import (
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
    at_inf,
    const,
    finite,
    keep_nan,
)


def _clip(xp: ModuleType, x: Array, lo: float, hi: float) -> Array:
    return keep_nan(xp, x, xp.clip(x, lo, hi))


def _inside(xp: ModuleType, x: Array, lo: float, hi: float, value: float) -> Array:
    """value on the open interval (lo, hi), 0 outside and at its ends; NaN kept."""
    y = xp.where((x > lo) & (x < hi), const(xp, x, value), const(xp, x, 0.0))
    return keep_nan(xp, x, y)


def _interval(lo: Any, hi: Any, value: float) -> dict[str, Any]:
    """f' = value on the open interval (lo, hi) and 0 elsewhere, declared once: the spec's
    derivative and its lean backward (a boolean mask). lo/hi: numbers or functions of p."""

    def bound(v: Any, p: Params) -> float:
        return float(v(p) if callable(v) else v)

    return {
        "derivative": lambda xp, x, p: _inside(xp, x, bound(lo, p), bound(hi, p), value),
        "lean": (
            "mask",
            lambda xp, x, p: (x > bound(lo, p)) & (x < bound(hi, p)),
            lambda xp, m, p: xp.astype(m, xp.float64) * value,
        ),
    }


RELU6 = elementwise(
    name="relu6",
    example=(
        ">>> import actlab\n"
        ">>> actlab.relu6([-2.0, 0.0, 1.5])\n"
        "array([0. , 0. , 1.5])\n"
        ">>> actlab.get('relu6').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 1.])"
    ),
    summary="ReLU capped at 6: min(max(x, 0), 6) (mobile networks, quantisation-friendly).",
    forward=lambda xp, x, p: _clip(xp, x, 0.0, 6.0),
    **_interval(0.0, 6.0, 1.0),
    latex=r"f(x) = \min(\max(x, 0), 6)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}",
    text="f(x) = min(max(x, 0), 6)",
    derivative_text="f'(x) = 1 if 0 < x < 6 else 0  (0 at both kinks)",
    kinks=(Kink(0.0, 0.0, "as PyTorch"), Kink(6.0, 0.0, "as PyTorch")),
    facts=Facts(
        range=R(0.0, 6.0, True, True),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("MobileNet v1/v2", "low-precision inference"),
        pros=("bounded: robust to fixed-point quantisation",),
        cons=("dead below 0 and above 6",),
        init="he",
    ),
    references=(Reference("Convolutional deep belief networks on CIFAR-10", "Krizhevsky", 2010),),
    peers=Peers(
        torch=Peer("torch.nn.functional.relu6", module="torch.nn.ReLU6"),
        keras=Peer("keras.activations.relu6"),
        jax=Peer("jax.nn.relu6"),
    ),
)


def _hardtanh_validate(p: Params) -> None:
    if p["min_val"] > p["max_val"]:
        raise ValueError(
            f"hardtanh: min_val must be <= max_val, got min_val={p['min_val']!r} > "
            f"max_val={p['max_val']!r}"
        )


HARDTANH = elementwise(
    name="hardtanh",
    example=(
        ">>> import actlab\n"
        ">>> actlab.hardtanh([-2.0, 0.0, 1.5])\n"
        "array([-1.,  0.,  1.])\n"
        ">>> actlab.get('hardtanh').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 1., 0.])"
    ),
    aliases=("hard_tanh",),
    summary="tanh made piecewise linear: x clipped to [min_val, max_val].",
    params=(
        Param("min_val", -1.0, "the lower clip value"),
        Param("max_val", 1.0, "the upper clip value (>= min_val)"),
    ),
    validate=_hardtanh_validate,
    forward=lambda xp, x, p: _clip(xp, x, p["min_val"], p["max_val"]),
    **_interval(lambda p: p["min_val"], lambda p: p["max_val"], 1.0),
    latex=r"f(x) = \min(\max(x, a), b)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & a < x < b \\ 0 & \text{otherwise} \end{cases}",
    text="f(x) = min(max(x, min_val), max_val)",
    derivative_text="f'(x) = 1 if min_val < x < max_val else 0  (0 at the kinks, as PyTorch)",
    kinks=(
        Kink(lambda p: p["min_val"], 0.0, "as PyTorch"),
        Kink(lambda p: p["max_val"], 0.0, "as PyTorch"),
    ),
    facts=Facts(
        range=lambda p: R(p["min_val"], p["max_val"], True, True),
        monotonic=True,
        smoothness=0,
        zero_centred=True,
        saturates=("negative", "positive"),
        uses=("cheap tanh replacement", "bounded outputs"),
        pros=("cheap", "zero-centred"),
        cons=("zero gradient outside the interval",),
        init="xavier",
    ),
    references=(Reference("Large scale machine learning (PhD thesis)", "Collobert", 2004),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.hardtanh",
            {"min_val": "min_val", "max_val": "max_val"},
            module="torch.nn.Hardtanh",
        ),
        keras=Peer("keras.activations.hard_tanh", note="fixed interval [-1, 1]"),
        jax=Peer(
            "jax.nn.hard_tanh",
            grad_differs_at=(-1.0, 1.0),
            note="fixed interval [-1, 1]; JAX's autograd gives 1 at ±1",
        ),
    ),
)


def _hsig(xp: ModuleType, x: Array) -> Array:
    # (x + 3)/6: x + 3 is exact near −3 (Sterbenz), so the lower end has no cancellation.
    return _clip(xp, (x + 3.0) / 6.0, 0.0, 1.0)


HARD_SIGMOID = elementwise(
    name="hard_sigmoid",
    example=(
        ">>> import actlab\n"
        ">>> actlab.hard_sigmoid([-2.0, 0.0, 1.5])\n"
        "array([0.16666667, 0.5       , 0.75      ])\n"
        ">>> actlab.get('hard_sigmoid').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.16666667, 0.16666667, 0.16666667])"
    ),
    aliases=("hardsigmoid",),
    summary="relu6(x + 3)/6: a piecewise-linear sigmoid (MobileNetV3).",
    forward=lambda xp, x, p: _hsig(xp, x),
    **_interval(-3.0, 3.0, 1.0 / 6.0),
    latex=r"f(x) = \frac{\operatorname{relu6}(x + 3)}{6}",
    derivative_latex=r"f'(x) = \begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} "
    r"\end{cases}",
    text="f(x) = min(max(x + 3, 0), 6) / 6",
    derivative_text="f'(x) = 1/6 if -3 < x < 3 else 0  (0 at ±3)",
    kinks=(Kink(-3.0, 0.0, "as PyTorch"), Kink(3.0, 0.0, "as PyTorch")),
    facts=Facts(
        range=R(0.0, 1.0, True, True),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("gates in mobile networks (squeeze-and-excitation)",),
        pros=("no exp",),
        cons=("zero gradient outside (−3, 3)",),
        init="xavier",
    ),
    references=(Reference("Searching for MobileNetV3", "Howard et al.", 2019),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.hardsigmoid",
            module="torch.nn.Hardsigmoid",
            grad_rtol=1e-7,
            note="torch's float64 gradient uses 1/6 rounded to float32 (3e-8 off)",
        ),
        keras=Peer(
            "keras.activations.hard_sigmoid",
            note="Keras 3 uses relu6(x+3)/6; Keras 2's clip(0.2x + 0.5, 0, 1) is another function",
        ),
        jax=Peer("jax.nn.hard_sigmoid"),
    ),
)


def _hswish_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xf = finite(xp, x)
    return at_inf(xp, x, xf * _hsig(xp, xf), 0.0, INF)


def _hswish_d(xp: ModuleType, x: Array, p: Params) -> Array:
    mid = (2.0 * x + 3.0) / 6.0
    y = xp.where(x >= 3.0, const(xp, x, 1.0), xp.where(x > -3.0, mid, const(xp, x, 0.0)))
    return keep_nan(xp, x, y)


HARD_SWISH = elementwise(
    name="hard_swish",
    example=(
        ">>> import actlab\n"
        ">>> actlab.hard_swish([-2.0, 0.0, 1.5])\n"
        "array([-0.33333333,  0.        ,  1.125     ])\n"
        ">>> actlab.get('hard_swish').derivative([-2.0, 0.0, 1.5])\n"
        "array([-0.16666667,  0.5       ,  1.        ])"
    ),
    aliases=("hardswish", "hard_silu"),
    summary="x·hard_sigmoid(x): a piecewise-polynomial swish (MobileNetV3).",
    forward=_hswish_f,
    derivative=_hswish_d,
    latex=r"f(x) = x\,\frac{\operatorname{relu6}(x + 3)}{6}",
    derivative_latex=r"f'(x) = \begin{cases} 0 & x \le -3 \\ (2x + 3)/6 & -3 < x < 3 \\ 1 & x "
    r"\ge 3 \end{cases}",
    text="f(x) = x * min(max(x + 3, 0), 6) / 6",
    derivative_text="f'(x) = 0 if x <= -3, (2x + 3)/6 if -3 < x < 3, 1 if x >= 3",
    kinks=(
        Kink(-3.0, 0.0, "the value of the flat side (older PyTorch gave −0.5, a bug)"),
        Kink(3.0, 1.0, "the value of the linear side (older PyTorch gave 1.5, a bug)"),
    ),
    facts=Facts(
        range=R(-0.375, INF, True, False),
        monotonic=False,
        smoothness=0,
        zero_centred=False,
        saturates=("negative",),
        uses=("mobile CNNs (MobileNetV3)",),
        pros=("swish-like accuracy without exp",),
        cons=("kinks at ±3",),
        init="he",
    ),
    references=(Reference("Searching for MobileNetV3", "Howard et al.", 2019),),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.hardswish",
            module="torch.nn.Hardswish",
            note="PyTorch < 2.x gave −0.5 at −3 and 1.5 at 3 (a bug); 2.13 agrees with actlab",
        ),
        keras=Peer("keras.activations.hard_silu"),
        jax=Peer("jax.nn.hard_silu"),
    ),
)


def _sparse_sigmoid_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return _clip(xp, (x + 1.0) / 2.0, 0.0, 1.0)


SPARSE_SIGMOID = elementwise(
    name="sparse_sigmoid",
    example=(
        ">>> import actlab\n"
        ">>> actlab.sparse_sigmoid([-2.0, 0.0, 1.5])\n"
        "array([0. , 0.5, 1. ])\n"
        ">>> actlab.get('sparse_sigmoid').derivative([-2.0, 0.0, 1.5])\n"
        "array([0. , 0.5, 0. ])"
    ),
    summary="clip((x + 1)/2, 0, 1): the sparsemax of [x, 0]; exactly 0 or 1 outside (−1, 1).",
    forward=_sparse_sigmoid_f,
    **_interval(-1.0, 1.0, 0.5),
    latex=r"f(x) = \begin{cases} 0 & x \le -1 \\ (x + 1)/2 & -1 < x < 1 \\ 1 & x \ge 1 "
    r"\end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1/2 & -1 < x < 1 \\ 0 & \text{otherwise} "
    r"\end{cases}",
    text="f(x) = min(max((x + 1)/2, 0), 1)",
    derivative_text="f'(x) = 1/2 if -1 < x < 1 else 0  (0 at ±1)",
    kinks=(Kink(-1.0, 0.0, "the flat side"), Kink(1.0, 0.0, "the flat side")),
    facts=Facts(
        range=R(0.0, 1.0, True, True),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("sparse binary gates", "sparse attention"),
        pros=("exact zeros and ones",),
        cons=("zero gradient outside (−1, 1)",),
        init="xavier",
    ),
    references=(
        Reference("Learning with Fenchel-Young losses", "Blondel, Martins, Niculae", 2020),
    ),
    peers=Peers(
        keras=Peer("keras.activations.sparse_sigmoid"),
        jax=Peer(
            "jax.nn.sparse_sigmoid",
            grad_differs_at=(-1.0, 1.0),
            note="JAX's autograd gives 1/4 at ±1 (half of each side of its clip)",
        ),
    ),
)


def _sparse_plus_f(xp: ModuleType, x: Array, p: Params) -> Array:
    xc = xp.clip(x, -1.0, 1.0)
    mid = (xc + 1.0) * (xc + 1.0) / 4.0
    y = xp.where(x >= 1.0, x, xp.where(x > -1.0, mid, const(xp, x, 0.0)))
    return keep_nan(xp, x, y)


SPARSE_PLUS = elementwise(
    name="sparse_plus",
    example=(
        ">>> import actlab\n"
        ">>> actlab.sparse_plus([-2.0, 0.0, 1.5])\n"
        "array([0.  , 0.25, 1.5 ])\n"
        ">>> actlab.get('sparse_plus').derivative([-2.0, 0.0, 1.5])\n"
        "array([0. , 0.5, 1. ])"
    ),
    summary="The integral of sparse_sigmoid: 0, (x + 1)²/4, x — a C¹ ReLU with exact zeros.",
    forward=_sparse_plus_f,
    derivative=_sparse_sigmoid_f,  # d sparse_plus = sparse_sigmoid: the same function
    latex=r"f(x) = \begin{cases} 0 & x \le -1 \\ (x + 1)^2/4 & -1 < x < 1 \\ x & x \ge 1 "
    r"\end{cases}",
    derivative_latex=r"f'(x) = \operatorname{sparse\_sigmoid}(x)",
    text="f(x) = 0 if x <= -1, (x + 1)^2 / 4 if -1 < x < 1, x if x >= 1",
    derivative_text="f'(x) = sparse_sigmoid(x)",
    facts=Facts(
        range=R(0.0, INF, True, False),
        monotonic=True,
        smoothness=1,
        zero_centred=False,
        saturates=("negative",),
        uses=("smooth-ish rectifier with exact zeros",),
        pros=("C1", "exactly 0 for x <= -1"),
        cons=("dead below −1",),
        init="he",
    ),
    references=(
        Reference("Learning with Fenchel-Young losses", "Blondel, Martins, Niculae", 2020),
    ),
    peers=Peers(
        keras=Peer("keras.activations.sparse_plus"),
        jax=Peer("jax.nn.sparse_plus"),
    ),
)
