"""Rectifiers: relu and its leaky, parametric and randomised variants."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

from ._common import (
    ALL_REAL,
    INF,
    R,
    _as_floats,
    _nonneg,
    elementwise,
)
from ._spec import (
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
    draw,
    keep_nan,
    mul_zero_safe,
)


def _relu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.where(x > 0, x, const(xp, x, 0.0)))


def _relu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.where(x > 0, const(xp, x, 1.0), const(xp, x, 0.0)))


RELU = elementwise(
    name="relu",
    lean=("mask", lambda xp, x, p: x > 0, lambda xp, m, p: xp.astype(m, xp.float64)),
    torch_gain=lambda p: math.sqrt(2.0),
    example=(
        ">>> import actlab\n"
        ">>> actlab.relu([-2.0, 0.0, 1.5])\n"
        "array([0. , 0. , 1.5])\n"
        ">>> actlab.get('relu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0., 0., 1.])"
    ),
    summary="Rectified linear unit max(x, 0): the default hidden activation.",
    forward=_relu_f,
    derivative=_relu_d,
    latex=r"f(x) = \max(x, 0)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
    text="f(x) = max(x, 0)",
    derivative_text="f'(x) = 1 if x > 0 else 0  (0 at x = 0)",
    kinks=(Kink(0.0, 0.0, "PyTorch, JAX (custom rule) and TensorFlow all use 0"),),
    facts=Facts(
        range=R(0.0, INF, True, False),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative",),
        uses=("default for hidden layers of MLPs and CNNs", "speed-critical models"),
        pros=("cheap", "no saturation for x > 0", "sparse activations"),
        cons=("dying ReLU: units stuck at x < 0 get no gradient", "not zero-centred"),
        init="he",
    ),
    references=(
        Reference(
            "Rectified linear units improve restricted Boltzmann machines", "Nair, Hinton", 2010
        ),
        Reference("Deep sparse rectifier neural networks", "Glorot, Bordes, Bengio", 2011),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.relu", module="torch.nn.ReLU"),
        keras=Peer("keras.activations.relu"),
        jax=Peer("jax.nn.relu"),
    ),
)


def _leaky(xp: ModuleType, x: Array, s: Any) -> Array:
    return xp.where(x >= 0, x, mul_zero_safe(xp, s, x))


def _leaky_d(xp: ModuleType, x: Array, s: Any) -> Array:
    one = const(xp, x, 1.0)
    slope = s if not isinstance(s, float) else const(xp, x, s)
    return keep_nan(xp, x, xp.where(x > 0, one, slope) + xp.zeros_like(x))


def _slope_range(s: float) -> Range:
    return ALL_REAL if s > 0 else R(0.0, INF, True, False)


LEAKY_RELU = elementwise(
    name="leaky_relu",
    lean=("mask", lambda xp, x, p: x > 0, lambda xp, m, p: xp.where(m, 1.0, p["negative_slope"])),
    torch_gain=lambda p: math.sqrt(2.0 / (1.0 + p["negative_slope"] ** 2)),
    example=(
        ">>> import actlab\n"
        ">>> actlab.leaky_relu([-2.0, 0.0, 1.5])\n"
        "array([-0.02,  0.  ,  1.5 ])\n"
        ">>> actlab.get('leaky_relu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.01, 0.01, 1.  ])"
    ),
    aliases=("lrelu",),
    summary="ReLU with a small slope for x < 0, so no unit is ever without gradient.",
    params=(Param("negative_slope", 0.01, "the slope for x < 0 (Keras' default is 0.2)"),),
    forward=lambda xp, x, p: _leaky(xp, x, p["negative_slope"]),
    derivative=lambda xp, x, p: _leaky_d(xp, x, p["negative_slope"]),
    latex=r"f(x) = \begin{cases} x & x \ge 0 \\ a x & x < 0 \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
    text="f(x) = x if x >= 0 else negative_slope * x",
    derivative_text="f'(x) = 1 if x > 0 else negative_slope  (negative_slope at 0, as PyTorch)",
    kinks=(Kink(0.0, lambda p: p["negative_slope"], "PyTorch's convention; JAX gives 1"),),
    facts=Facts(
        range=lambda p: _slope_range(p["negative_slope"]),
        monotonic=lambda p: p["negative_slope"] >= 0,
        smoothness=0,
        zero_centred=False,
        saturates=(),
        uses=("GAN discriminators", "a fix for dying ReLUs"),
        pros=("never dead", "cheap"),
        cons=("one more hyper-parameter", "gains over ReLU are often small"),
        init="he",
    ),
    references=(
        Reference(
            "Rectifier nonlinearities improve neural network acoustic models",
            "Maas, Hannun, Ng",
            2013,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.leaky_relu",
            {"negative_slope": "negative_slope"},
            module="torch.nn.LeakyReLU",
        ),
        keras=Peer("keras.activations.leaky_relu", {"negative_slope": "negative_slope"}),
        jax=Peer(
            "jax.nn.leaky_relu",
            {"negative_slope": "negative_slope"},
            grad_differs_at=(0.0,),
            note="JAX's autograd gives f'(0) = 1",
        ),
    ),
)


def _channel(xp: ModuleType, a: Any, x: Array) -> Any:
    """PReLU's weight along the channel axis: dim 1, or dim 0 for 1-D input (as torch)."""
    if isinstance(a, float) or a.ndim == 0 or (a.ndim == 1 and a.shape[0] == 1):
        return a if isinstance(a, float) else xp.reshape(a, ())
    if a.ndim != 1:
        raise ValueError(
            f"prelu: alpha must be a scalar or 1-D (one per channel), got shape {a.shape}"
        )
    ch = 1 if x.ndim >= 2 else 0
    if x.ndim == 0 or x.shape[ch] != a.shape[0]:
        raise ValueError(
            f"prelu: alpha has {a.shape[0]} channels but x has "
            f"{x.shape[ch] if x.ndim else 'no'} along its channel axis {ch} "
            f"(shape {tuple(x.shape)})"
        )
    shape = [1] * x.ndim
    shape[ch] = a.shape[0]
    return xp.reshape(a, tuple(shape))


def _prelu_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    a = p["alpha"]
    _channel(xp, a, x)  # alpha's channels must match x's
    neg = xp.where(x > 0, const(xp, x, 0.0), x)
    t = g * neg
    if isinstance(a, float) or a.ndim == 0 or a.shape == (1,):
        s = xp.sum(t)
        return {"alpha": s if isinstance(a, float) or a.ndim == 0 else xp.reshape(s, (1,))}
    ch = 1 if x.ndim >= 2 else 0
    axes = tuple(i for i in range(x.ndim) if i != ch)
    return {"alpha": xp.sum(t, axis=axes)}


PRELU = elementwise(
    name="prelu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.prelu([-2.0, 0.0, 1.5])\n"
        "array([-0.5,  0. ,  1.5])\n"
        ">>> actlab.get('prelu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.25, 0.25, 1.  ])"
    ),
    summary="Parametric ReLU: leaky ReLU whose negative slope α is learned (per channel).",
    params=(
        Param(
            "alpha",
            0.25,
            "the learnable slope for x < 0; a scalar, or one per channel (dim 1, or dim 0 "
            "for 1-D input, as torch.nn.functional.prelu)",
            learnable=True,
            layout="channel",
        ),
    ),
    forward=lambda xp, x, p: _leaky(xp, x, _channel(xp, p["alpha"], x)),
    derivative=lambda xp, x, p: _leaky_d(xp, x, _channel(xp, p["alpha"], x)),
    param_vjp=_prelu_vjp,
    latex=r"f(x) = \begin{cases} x & x \ge 0 \\ \alpha x & x < 0 \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases},"
    r"\quad \frac{\partial f}{\partial \alpha} = \min(x, 0)",
    text="f(x) = x if x >= 0 else alpha * x",
    derivative_text="f'(x) = 1 if x > 0 else alpha (alpha at 0); df/dalpha = min(x, 0)",
    kinks=(Kink(0.0, lambda p: p["alpha"], "as PyTorch's prelu backward"),),
    facts=Facts(
        range=lambda p: _slope_range(float(min(_as_floats(p["alpha"])))),
        monotonic=lambda p: min(_as_floats(p["alpha"])) >= 0,
        smoothness=0,
        zero_centred=False,
        saturates=(),
        uses=("image classification CNNs (ImageNet ResNets in the paper)",),
        pros=("learns the slope", "never dead"),
        cons=("extra parameters can overfit small data",),
        init="he",
    ),
    references=(
        Reference(
            "Delving deep into rectifiers: surpassing human-level performance on ImageNet "
            "classification",
            "He, Zhang, Ren, Sun",
            2015,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.prelu",
            {"alpha": "weight"},
            tensors=("weight",),
            module="torch.nn.PReLU",
            note="weight is a tensor; actlab takes a scalar or an array",
        ),
        keras=Peer("keras.layers.PReLU", note="a layer only"),
    ),
)


def _rrelu_slope(xp: ModuleType, x: Array, p: Params) -> Any:
    noise = p.get("_noise")
    return (p["lower"] + p["upper"]) / 2.0 if noise is None else noise


def _uniform_noise(xp: ModuleType, x: Array, p: Params, lo: float, hi: float) -> Array:
    return lo + (hi - lo) * draw(xp, x, p, "uniform")


def _rrelu_sample(xp: ModuleType, x: Array, p: Params) -> Array | None:
    if not p["training"]:
        return None
    return _uniform_noise(xp, x, p, p["lower"], p["upper"])


def _rrelu_validate(p: Params) -> None:
    if p["lower"] > p["upper"]:
        raise ValueError(
            f"rrelu: lower must be <= upper, got lower={p['lower']!r} > upper={p['upper']!r}"
        )
    if p["seed"] is not None and p["generator"] is not None:
        raise ValueError("rrelu: pass seed or generator, not both")
    if p["training"] and p["seed"] is None and p["generator"] is None:
        raise ValueError(
            "rrelu: training=True draws a random slope per element; pass seed=<int> or "
            "generator=<numpy.random.Generator | torch.Generator> so the draw is reproducible"
        )


_SEED = Param(
    "seed",
    None,
    "seed for the random draw (same seed, same noise)",
    type="seed",
    allowed="None or a non-negative int",
)
_GENERATOR = Param(
    "generator", None, "a numpy.random.Generator or torch.Generator to draw from", type="generator"
)

RRELU = elementwise(
    name="rrelu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.rrelu([-2.0, 0.0, 1.5])\n"
        "array([-0.45833333,  0.        ,  1.5       ])\n"
        ">>> actlab.get('rrelu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.22916667, 0.22916667, 1.        ])"
    ),
    summary="Randomized leaky ReLU: in training the negative slope is drawn per element.",
    params=(
        Param("lower", 1.0 / 8.0, "the smallest random slope", allowed=">= 0", check=_nonneg),
        Param("upper", 1.0 / 3.0, "the largest random slope", allowed=">= 0", check=_nonneg),
        Param(
            "training", False, "draw slopes ~ U(lower, upper) (else use their mean)", type="bool"
        ),
        _SEED,
        _GENERATOR,
    ),
    forward=lambda xp, x, p: _leaky(xp, x, _rrelu_slope(xp, x, p)),
    derivative=lambda xp, x, p: _leaky_d(xp, x, _rrelu_slope(xp, x, p)),
    sample=_rrelu_sample,
    validate=_rrelu_validate,
    stochastic=True,
    latex=r"f(x) = \begin{cases} x & x \ge 0 \\ a x & x < 0 \end{cases},\ "
    r"a \sim U(l, u) \text{ (training)},\ a = \tfrac{l+u}{2} \text{ (eval)}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
    text="f(x) = x if x >= 0 else a * x, a ~ U(lower, upper) in training, (lower+upper)/2 in eval",
    derivative_text="f'(x) = 1 if x > 0 else a (a at 0), with the same a as the forward pass",
    kinks=(Kink(0.0, lambda p: (p["lower"] + p["upper"]) / 2, "as leaky_relu (eval mode)"),),
    facts=Facts(
        range=ALL_REAL,
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=(),
        uses=("small-data image classification (regularising noise)",),
        pros=("never dead", "acts as a regulariser"),
        cons=("stochastic: training and eval differ",),
        init="he",
    ),
    references=(
        Reference(
            "Empirical evaluation of rectified activations in convolutional network",
            "Xu, Wang, Chen, Li",
            2015,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.rrelu",
            {"lower": "lower", "upper": "upper", "training": "training"},
            module="torch.nn.RReLU",
            note="parity in eval mode; torch draws from its global RNG in training",
        ),
    ),
)
