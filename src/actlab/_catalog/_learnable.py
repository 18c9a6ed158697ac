"""Piecewise-linear activations with learnable thresholds: tlu (FRN's thresholded linear unit)
and srelu (the S-shaped ReLU). Their parameters are scalars or arrays that broadcast to x (one
per channel along the last axis, say); ``param_vjp`` gives their gradients."""

from __future__ import annotations

import itertools
import math
from types import ModuleType
from typing import Any

import numpy as np

from ._common import ALL_REAL, INF, R, _as_floats, elementwise, sum_to
from ._spec import Facts, Kink, Param, Params, Range, Reference
from ._xp import Array, const, finite, keep_nan


def _tlu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    tau = p["tau"]
    return keep_nan(xp, x, xp.where(x > tau, x, xp.zeros_like(x) + tau))


def _tlu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return keep_nan(xp, x, xp.where(x > p["tau"], const(xp, x, 1.0), const(xp, x, 0.0)))


def _tlu_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    tau = p["tau"]
    flat = xp.where(x > tau, const(xp, x, 0.0), const(xp, x, 1.0))  # ∂f/∂τ: 1 where x ≤ τ
    return {"tau": sum_to(xp, keep_nan(xp, x, g * flat), tau)}


TLU = elementwise(
    name="tlu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.tlu([-2.0, 0.0, 1.5], tau=-0.5)\n"
        "array([-0.5,  0. ,  1.5])\n"
        ">>> actlab.get('tlu', tau=-0.5).derivative([-2.0, -0.5, 1.5])\n"
        "array([0., 0., 1.])"
    ),
    summary="Thresholded linear unit max(x, τ) with a learned threshold τ (filter response norm).",
    params=(Param("tau", 0.0, "the learnable threshold τ: f = max(x, τ)", learnable=True),),
    forward=_tlu_f,
    derivative=_tlu_d,
    param_vjp=_tlu_vjp,
    latex=r"f(x) = \max(x, \tau)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > \tau \\ 0 & x \le \tau \end{cases},\quad "
    r"\frac{\partial f}{\partial \tau} = [x \le \tau]",
    text="f(x) = max(x, tau)",
    derivative_text="f'(x) = 1 if x > tau else 0;  df/dtau = 1 if x <= tau else 0",
    kinks=(
        Kink(
            lambda p: min(_as_floats(p["tau"])),
            0.0,
            "the flat side, like relu'(0) = 0; the gradient goes to τ there",
        ),
    ),
    facts=Facts(
        range=lambda p: R(min(_as_floats(p["tau"])), INF, True, False),
        monotonic=True,
        smoothness=0,
        zero_centred=False,
        saturates=("negative",),
        uses=("after filter response normalisation (FRN) in CNNs, replacing relu",),
        pros=("learns where to cut: no dead units when τ moves below the inputs",),
        cons=("one more parameter per channel", "a relu at τ = 0: dead below τ"),
        init="he",
    ),
    references=(
        Reference(
            "Filter response normalization layer: eliminating batch dependence in the training "
            "of deep neural networks",
            "Singh, Krishnan",
            2020,
            "https://arxiv.org/abs/1911.09737",
        ),
    ),
)


def _srelu_parts(xp: ModuleType, x: Array, p: Params) -> tuple[Array, Array]:
    return x <= p["t_l"], x >= p["t_r"]


def _srelu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    # t + a(x − t) as a·x + t(1 − a): exact where a = 1 (the right piece at the paper's start)
    left, right = _srelu_parts(xp, x, p)
    tl, al, tr, ar = p["t_l"], p["a_l"], p["t_r"], p["a_r"]
    y = xp.where(left, al * x + tl * (1.0 - al), x)
    return keep_nan(xp, x, xp.where(right, ar * x + tr * (1.0 - ar), y))


def _srelu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    left, right = _srelu_parts(xp, x, p)
    one = const(xp, x, 1.0)
    y = xp.where(left, xp.zeros_like(x) + p["a_l"], one)
    return keep_nan(xp, x, xp.where(right, xp.zeros_like(x) + p["a_r"], y))


def _srelu_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    left, right = _srelu_parts(xp, x, p)
    zero = const(xp, x, 0.0)
    tl, al, tr, ar = p["t_l"], p["a_l"], p["t_r"], p["a_r"]
    parts = {
        "t_l": xp.where(left, g * (1.0 - al), zero),
        "a_l": xp.where(left, g * (x - tl), zero),
        "t_r": xp.where(right, g * (1.0 - ar), zero),
        "a_r": xp.where(right, g * (x - tr), zero),
    }
    return {k: sum_to(xp, keep_nan(xp, x, v), p[k]) for k, v in parts.items()}


def _srelu_validate(p: Params) -> None:
    tl, tr = np.asarray(_as_floats(p["t_l"])), np.asarray(_as_floats(p["t_r"]))
    if (tl.shape == tr.shape or tl.size == 1 or tr.size == 1) and np.any(tl > tr):
        raise ValueError(f"srelu: t_l must be <= t_r, got t_l={p['t_l']!r} > t_r={p['t_r']!r}")


def _srelu_range(p: Params) -> Range:
    # left piece: (−∞, t_l] for a_l > 0, [t_l, ∞) for a_l < 0, {t_l} for 0; the right likewise
    al, ar = min(_as_floats(p["a_l"])), min(_as_floats(p["a_r"]))
    lo = -INF if (al > 0 or ar < 0) else min(_as_floats(p["t_l"]))
    hi = INF if (ar > 0 or al < 0) else max(_as_floats(p["t_r"]))
    return R(lo, hi, math.isfinite(lo), math.isfinite(hi))


SRELU = elementwise(
    name="srelu",
    example=(
        ">>> import actlab\n"
        ">>> actlab.srelu([-2.0, 0.5, 3.0], t_r=2.0, a_r=0.5)\n"
        "array([-0.4,  0.5,  2.5])\n"
        ">>> actlab.get('srelu', t_r=2.0, a_r=0.5).derivative([-2.0, 0.5, 3.0])\n"
        "array([0.2, 1. , 0.5])"
    ),
    summary="S-shaped ReLU: slope a_l below t_l, identity between, slope a_r above t_r; all "
    "four learned.",
    params=(
        Param("t_l", 0.0, "the left threshold t_l (the paper starts it at 0)", learnable=True),
        Param("a_l", 0.2, "the slope below t_l (a leaky-ReLU start)", learnable=True),
        Param(
            "t_r",
            1.0,
            "the right threshold t_r (the paper sets it from the data; 1 here)",
            learnable=True,
        ),
        Param("a_r", 1.0, "the slope above t_r (the paper starts it at 1)", learnable=True),
    ),
    forward=_srelu_f,
    derivative=_srelu_d,
    param_vjp=_srelu_vjp,
    validate=_srelu_validate,
    latex=r"f(x) = \begin{cases} t_l + a_l (x - t_l) & x \le t_l \\ x & t_l < x < t_r \\ "
    r"t_r + a_r (x - t_r) & x \ge t_r \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} a_l & x \le t_l \\ 1 & t_l < x < t_r \\ "
    r"a_r & x \ge t_r \end{cases}",
    text="f(x) = t_l + a_l (x - t_l) if x <= t_l; x if t_l < x < t_r; "
    "t_r + a_r (x - t_r) if x >= t_r",
    derivative_text="f'(x) = a_l if x <= t_l; 1 between; a_r if x >= t_r",
    kinks=(
        Kink(
            lambda p: min(_as_floats(p["t_l"])),
            lambda p: min(_as_floats(p["a_l"])),
            "the left piece's slope (its closed end)",
        ),
        Kink(
            lambda p: max(_as_floats(p["t_r"])),
            lambda p: max(_as_floats(p["a_r"])),
            "the right piece's slope (its closed end)",
        ),
    ),
    facts=Facts(
        range=_srelu_range,
        monotonic=lambda p: min(_as_floats(p["a_l"])) >= 0 and min(_as_floats(p["a_r"])) >= 0,
        smoothness=0,
        zero_centred=False,
        saturates=(),
        uses=("image classification CNNs in the paper (CIFAR, ImageNet NIN and GoogLeNet)",),
        pros=("learns both convex and non-convex shapes", "never dead while a_l ≠ 0"),
        cons=("four parameters per channel", "the paper's t_r initialisation needs data"),
        init="he",
    ),
    references=(
        Reference(
            "Deep learning with S-shaped rectified linear activation units",
            "Jin, Xu, Feng, Wei, Xiong, Yan",
            2016,
            "https://arxiv.org/abs/1512.07030",
        ),
    ),
)


def _hinges(xp: ModuleType, v: Any, x: Array) -> Array:
    """An APL parameter (one value per hinge s, or an array (S, ...) whose trailing axes
    broadcast to x) shaped (S, 1, ..., 1, *rest) against x[None]."""
    if isinstance(v, float):
        return xp.reshape(const(xp, x, v), (1,) + (1,) * x.ndim)
    if v.ndim == 0:
        v = xp.reshape(v, (1,))
    rest = tuple(v.shape[1:])
    tail = tuple(x.shape[x.ndim - len(rest) :])
    if len(rest) > x.ndim or np.broadcast_shapes(rest, tail) != tail:
        raise ValueError(
            f"apl: a hinge parameter of shape {tuple(v.shape)} (hinges first) does not broadcast "
            f"to x's shape {tuple(x.shape)} after its first axis"
        )
    return xp.reshape(v, (v.shape[0],) + (1,) * (x.ndim - len(rest)) + rest)


def _apl_ab(xp: ModuleType, x: Array, p: Params) -> tuple[Array, Array]:
    a, b = _hinges(xp, p["a"], x), _hinges(xp, p["b"], x)
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"apl: a and b must have one value per hinge each, got {a.shape[0]} and {b.shape[0]}"
        )
    return a, b


def _apl_f(xp: ModuleType, x: Array, p: Params) -> Array:
    a, b = _apl_ab(xp, x, p)
    zero = const(xp, x, 0.0)
    xf = finite(xp, x)
    hinge = xp.maximum(b - xf[None, ...], zero)  # max(0, −x + b_s)
    y = xp.maximum(xf, zero) + xp.sum(a * hinge, axis=0)
    # x → −∞: −Σa·x, so +∞ for Σa > 0, −∞ for Σa < 0, Σ a_s·b_s for Σa = 0
    sa, sab = xp.sum(a, axis=0) + 0.0 * y, xp.sum(a * b, axis=0) + 0.0 * y
    neg = xp.where(sa > 0, const(xp, x, INF), xp.where(sa < 0, const(xp, x, -INF), sab))
    y = xp.where(x == -INF, neg, xp.where(x == INF, const(xp, x, INF), y))
    return keep_nan(xp, x, y)


def _apl_d(xp: ModuleType, x: Array, p: Params) -> Array:
    a, b = _apl_ab(xp, x, p)
    zero = const(xp, x, 0.0)
    active = xp.where(b - x[None, ...] > 0, a + 0.0 * b, zero)  # hinges at x = b_s: inactive
    y = xp.where(x > 0, const(xp, x, 1.0), zero) - xp.sum(active, axis=0)
    return keep_nan(xp, x, y)


def _reduce_hinges(xp: ModuleType, t: Array, like: Any) -> Array:
    """Σ of t (S, *x.shape) down to the parameter's shape (S, *rest) or a scalar."""
    if isinstance(like, float):
        return xp.sum(t)
    shape = (1,) if like.ndim == 0 else tuple(like.shape)
    out = xp.stack([sum_to(xp, t[s], like[s] if like.ndim > 1 else 0.0) for s in range(t.shape[0])])
    out = xp.reshape(out, shape)
    return xp.reshape(out, ()) if like.ndim == 0 else out


def _apl_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    a, b = _apl_ab(xp, x, p)
    zero = const(xp, x, 0.0)
    d = b - x[None, ...]
    da = xp.where(d > 0, d, zero) * g[None, ...]
    db = xp.where(d > 0, a + 0.0 * d, zero) * g[None, ...]
    return {"a": _reduce_hinges(xp, da, p["a"]), "b": _reduce_hinges(xp, db, p["b"])}


def _apl_points(p: Params) -> tuple[np.ndarray, np.ndarray]:
    return np.atleast_1d(np.asarray(_as_floats(p["a"]))), np.atleast_1d(
        np.asarray(_as_floats(p["b"]))
    )


def _apl_value(p: Params, x: float) -> float:
    a, b = _apl_points(p)
    return max(x, 0.0) + float(np.sum(a * np.maximum(b - x, 0.0)))


def _apl_range(p: Params) -> Range:
    # piecewise linear: slope 1 beyond the hinges, −Σa below all of them; min at a kink
    a, b = _apl_points(p)
    kinks = [0.0, *b.tolist()]
    low_slope = 0.0 - float(np.sum(a)) if a.size == b.size else 0.0
    if low_slope > 0:
        return ALL_REAL
    lo = min(_apl_value(p, k) for k in kinks)
    if low_slope == 0:
        lo = min(lo, _apl_value(p, min(kinks) - 1.0))
    return R(lo, INF, True, False)


def _apl_monotonic(p: Params) -> bool:
    pts = sorted({0.0, *_apl_points(p)[1].tolist()})
    probes = [pts[0] - 1.0, *[(u + v) / 2 for u, v in itertools.pairwise(pts)], pts[-1] + 1.0]
    return all(_apl_value(p, t + 1e-9) >= _apl_value(p, t) for t in probes)


APL = elementwise(
    name="apl",
    example=(
        ">>> import actlab\n"
        ">>> actlab.apl([-2.0, 0.0, 1.5])\n"
        "array([-0.4,  0. ,  1.5])\n"
        ">>> import numpy as np\n"
        ">>> apl2 = actlab.get('apl', a=np.array([-0.2, 0.5]), b=np.array([0.0, -1.0]))\n"
        ">>> apl2.derivative([-2.0, -0.5, 1.5])\n"
        "array([-0.3,  0.2,  1. ])"
    ),
    summary="Adaptive piecewise linear unit: relu plus S learned hinges a_s·max(0, b_s − x).",
    params=(
        Param(
            "a",
            -0.2,
            "the hinges' slopes a_s: a scalar (one hinge) or an array, hinges first",
            learnable=True,
            layout="hinges",
        ),
        Param(
            "b",
            0.0,
            "the hinges' locations b_s, shaped like a",
            learnable=True,
            layout="hinges",
        ),
    ),
    forward=_apl_f,
    derivative=_apl_d,
    param_vjp=_apl_vjp,
    latex=r"f(x) = \max(0, x) + \sum_{s=1}^{S} a_s \max(0, -x + b_s)",
    derivative_latex=r"f'(x) = [x > 0] - \sum_s a_s [x < b_s],\quad "
    r"\frac{\partial f}{\partial a_s} = \max(0, b_s - x),\ \frac{\partial f}{\partial b_s} = "
    r"a_s [x < b_s]",
    text="f(x) = max(0, x) + sum_s a_s * max(0, -x + b_s)",
    derivative_text="f'(x) = [x > 0] - sum_s a_s [x < b_s]",
    kinks=(
        Kink(
            0.0,
            lambda p: (
                1.0 * 0 - float(np.sum(np.where(_apl_points(p)[1] > 0, _apl_points(p)[0], 0.0)))
            ),
            "relu's kink: its left value, hinges at b_s > 0 active",
        ),
        Kink(
            lambda p: float(_apl_points(p)[1][0]),
            lambda p: (
                (1.0 if _apl_points(p)[1][0] > 0 else 0.0)
                - float(
                    np.sum(
                        np.where(_apl_points(p)[1] > _apl_points(p)[1][0], _apl_points(p)[0], 0.0)
                    )
                )
            ),
            "the first hinge's kink: the hinge is off at x = b_s (its right side)",
        ),
    ),
    facts=Facts(
        range=_apl_range,
        monotonic=_apl_monotonic,
        smoothness=0,
        zero_centred=False,
        saturates=(),
        uses=("CIFAR and high-energy-physics networks in the paper",),
        pros=("learns a piecewise-linear shape per unit", "convex or not, as the data asks"),
        cons=("2S parameters per unit", "S is a hyperparameter"),
        init="he",
    ),
    references=(
        Reference(
            "Learning activation functions to improve deep neural networks",
            "Agostinelli, Hoffman, Sadowski, Baldi",
            2015,
            "https://arxiv.org/abs/1412.6830",
        ),
    ),
)
