"""Activations whose shape is learned: tlu (FRN's thresholded linear unit), srelu (the S-shaped
ReLU), apl (learned hinges) and pau (the Padé activation unit, a learned rational function).
Their parameters are scalars or arrays that broadcast to x (one per channel along the last axis,
say); apl's and pau's arrays put their hinges or coefficients first. ``param_vjp`` gives their
gradients."""

from __future__ import annotations

import itertools
import math
from types import ModuleType
from typing import Any

import numpy as np

from ._common import ALL_REAL, INF, NAN, R, _as_floats, elementwise, sum_to
from ._spec import Facts, Kink, Param, Params, Range, Reference
from ._xp import Array, const, finite, keep_nan, may_any, mul_nan_safe, two_prod, two_sum
from ._xp import _split as split


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


def _leading(
    xp: ModuleType, v: Any, x: Array, fname: str = "apl", what: str = "a hinge parameter"
) -> Array:
    """A parameter with a leading axis (APL's hinges, PAU's coefficients: a number, or an
    array (S, ...) whose trailing axes broadcast to x) shaped (S, 1, ..., 1, *rest) against
    x[None]."""
    if isinstance(v, float):
        return xp.reshape(const(xp, x, v), (1,) + (1,) * x.ndim)
    if v.ndim == 0:
        v = xp.reshape(v, (1,))
    rest = tuple(v.shape[1:])
    tail = tuple(x.shape[x.ndim - len(rest) :])
    try:
        fits = len(rest) <= x.ndim and np.broadcast_shapes(rest, tail) == tail
    except ValueError:
        fits = False
    if not fits:
        first = "hinges" if fname == "apl" else "coefficients"
        raise ValueError(
            f"{fname}: {what} of shape {tuple(v.shape)} ({first} first) does not broadcast "
            f"to x's shape {tuple(x.shape)} after its first axis"
        )
    return xp.reshape(v, (v.shape[0],) + (1,) * (x.ndim - len(rest)) + rest)


def _apl_ab(xp: ModuleType, x: Array, p: Params) -> tuple[Array, Array]:
    a, b = _leading(xp, p["a"], x), _leading(xp, p["b"], x)
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


def _reduce_leading(xp: ModuleType, t: Array, like: Any) -> Array:
    """Σ of t (S, *x.shape) down to a leading-axis parameter's shape (S, *rest) or a scalar."""
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
    return {"a": _reduce_leading(xp, da, p["a"]), "b": _reduce_leading(xp, db, p["b"])}


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
            layout="leading",
        ),
        Param(
            "b",
            0.0,
            "the hinges' locations b_s, shaped like a",
            learnable=True,
            layout="leading",
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


# ---------------------------------------------------------------------- pau: P(x) / Q(x)

#: rational_activations' start (rationals_config.json, "Rational_version_B5/4", "leaky_relu"):
#: its least-squares fit of leaky_relu (slope 0.01) on [-3, 3] with degrees (5, 4)
PAU_NUMERATOR = (
    0.03355815733452378,
    0.5050059186781659,
    1.6534697310952233,
    2.0100501552600014,
    0.9319195586484518,
    0.15242646398275836,
)
PAU_DENOMINATOR = (
    4.812831860534153e-05,
    3.9802479055059194,
    1.5837587665720168e-05,
    0.30183382839661377,
)
#: the largest |coefficient|: the double-double products below split their operands, which is
#: exact up to ~1e150 (and overflows near 1e300, see _xp.two_prod)
_PAU_MAX = 1e150
#: R(x) counts as 0 (f' takes the mean of its one-sided values) where |R| is within this many
#: times Σ|d_j x^j| (times n + 1): the compensated evaluation's error bound, ~(2n)²·2^-106, with
#: room; an exact float root of R is then surely 0, and an irrational one is never this close
_PAU_ZERO = 2.0**-96

DD = tuple[Array, Array]


def _dd_add(a: DD, b: DD) -> DD:
    s, e = two_sum(a[0], b[0])
    return two_sum(s, e + (a[1] + b[1]))


def _dd_mul(a: DD, b: DD) -> DD:
    p, e = two_prod(a[0], b[0])
    return two_sum(p, e + (a[0] * b[1] + a[1] * b[0]))


def _dd_div(xp: ModuleType, a: DD, b: DD) -> DD:
    """a / b as a double-double; b = 0 gives ±inf (NaN for 0/0) without a warning, and a
    quotient beyond two_prod's range comes back uncorrected (lo = 0)."""
    zero, one = const(xp, b[0], 0.0), const(xp, b[0], 1.0)
    nil = b[0] == 0
    bh = xp.where(nil, one, b[0])
    q = a[0] / bh
    ok = xp.abs(q) <= _PAU_MAX
    qs = xp.where(ok, q, zero)
    p, e = two_prod(qs, bh)
    h, lo = two_sum(qs, (((a[0] - p) - e) + (a[1] - qs * b[1])) / bh)
    h, lo = xp.where(ok, h, q), xp.where(ok, lo, zero)
    inf = xp.where(a[0] > 0, const(xp, h, INF), xp.where(a[0] < 0, const(xp, h, -INF), h * NAN))
    return xp.where(nil, inf, h), xp.where(nil, zero, lo)


def _horner(coeffs: list[tuple[Array, Array | None]], x: DD) -> DD:
    """Σ c_i x^i (lowest power first; a coefficient's low part None where it is exact) at the
    double-double x, compensated (Graillat, Louvet and Langlois' CompHorner, extended by the
    argument's and the coefficients' low parts): as accurate as Horner in twice the precision,
    then normalised."""
    xh, xl = x
    xh_hi, xh_lo = split(xh)  # Dekker's split of the argument, once
    s, c = coeffs[-1]
    c = c if c is not None else 0.0 * xh
    for a_hi, a_lo in reversed(coeffs[:-1]):
        p = s * xh
        s_hi, s_lo = split(s)
        pi = ((s_hi * xh_hi - p) + s_hi * xh_lo + s_lo * xh_hi) + s_lo * xh_lo  # s·xh − p
        s_new, sigma = two_sum(p, a_hi)
        err = (pi + sigma) + s * xl
        c = c * xh + (err if a_lo is None else err + a_lo)
        s = s_new
    return two_sum(s, c)


def _sign0(xp: ModuleType, r: DD, size: Array, n: int) -> Array:
    """sign(r), 0 where |r| is within the evaluation's error bound of the sum of |terms|."""
    zero = const(xp, r[0], 0.0)
    tiny = xp.abs(r[0]) <= _PAU_ZERO * (n + 1) * size
    return xp.where(tiny, zero, xp.where(r[0] > 0, const(xp, r[0], 1.0), const(xp, r[0], -1.0)))


def _times_x(xp: ModuleType, r: DD, x: Array) -> Array:
    """(r_hi + r_lo)·x rounded once, for finite x: scaled by 2^∓600 where |x| is past the
    splitter's range (exact)."""
    big = xp.abs(x) > _PAU_MAX
    xs = xp.where(big, x * 2.0**-600, x)
    ok = xp.abs(r[0]) <= _PAU_MAX
    rh = xp.where(ok, r[0], const(xp, x, 0.0))
    p, e = two_prod(rh, xs)
    v = (p + (e + r[1] * xs)) * xp.where(big, const(xp, x, 2.0**600), const(xp, x, 1.0))
    return xp.where(ok, v, r[0] * x)


class _Pau:
    """Everything f, f' and the parameter gradients need at x, in one pass over two forms:
    for |x| <= 1 the polynomials in u = x, P(x) and R(x) = x·C(x), Q = 1 + |x|·|C|; for
    |x| > 1 those in u = t = 1/x (a double-double), P(x) = x^m·P̂(t), Q(x) = |x|^n·D̂(t) with
    D̂ = |t|^n + |R̂(t)|, so nothing overflows (m = n + 1). The same Horner runs over both, the
    coefficients reversed where |x| > 1; then f = g·P/D and f' = g·(P'D − sign(R)·P·R')/D²
    with g = 1 (|x| <= 1) or sign(x)^n·x and sign(x)^n (|x| > 1)."""

    def __init__(self, xp: ModuleType, x: Array, p: Params, trim: bool = True) -> None:
        w = _leading(xp, p["numerator"], x, "pau", "numerator")
        d = _leading(xp, p["denominator"], x, "pau", "denominator")
        if w.shape[0] != d.shape[0] + 2:
            raise ValueError(_pau_degree_error(w.shape[0], d.shape[0]))
        self.xp, self.x = xp, x
        zero, one = const(xp, x, 0.0), const(xp, x, 1.0)
        self.zero, self.one = zero, one
        self.w = [w[i] for i in range(w.shape[0])]
        self.d = [d[j] for j in range(d.shape[0])]
        # zero-padded degrees (w_m = d_n = 0 for every channel): the lower pair, same function,
        # whose 1/x form has nonzero leading terms (else D̂² would underflow for |x| > 1e154)
        while trim and self.d:
            if may_any(xp, self.w[-1] != 0) or may_any(xp, self.d[-1] != 0):
                break
            self.w, self.d = self.w[:-1], self.d[:-1]
        self.n = n = len(self.d)
        if n == 0:  # Q = 1: f = w_0 + w_1·x (R ≡ 0 stands in as one zero coefficient)
            self.d = [zero]
        self.small = small = xp.abs(x) <= 1.0
        self.xs = xs = xp.where(small, x, zero)
        self.xb = xb = xp.where(small, const(xp, x, 2.0), x)
        th = 1.0 / xb
        fits = xp.abs(xb) <= _PAU_MAX
        pr, e = two_prod(xp.where(fits, xb, one), th)
        tl = xp.where(fits, ((1.0 - pr) - e) * th, zero)  # 1/x = th + tl
        self.th = th
        self.u = (xp.where(small, x, th), xp.where(small, zero, tl))
        self.sig = xp.where(small | (xb > 0), one, -one) if n % 2 else one  # sign(x)^n
        self.P = _horner(self._flip(self.w), self.u)
        cd = self._flip(self.d)
        c_u = _horner(cd, self.u)  # C(x) = Σ d_j x^(j−1), or R̂(t)
        size = zero
        for c, _ in reversed(cd):
            size = size * xp.abs(self.u[0]) + xp.abs(c)
        # sign(R) = sign(x)·sign(C) for |x| <= 1 (also where x·C underflows), sign(R̂) beyond
        sx = xp.where(xs > 0, one, xp.where(xs < 0, -one, zero))
        self.s = xp.where(small, sx, one) * _sign0(xp, c_u, size, n)
        c_abs = (xp.abs(c_u[0]), xp.where(c_u[0] < 0, -c_u[1], c_u[1]))
        at = (xp.abs(th), xp.where(th < 0, -tl, tl))
        tn = at if n else (one, zero)
        for _ in range(n - 1):
            tn = _dd_mul(tn, at)
        base = (xp.where(small, one, tn[0]), xp.where(small, zero, tn[1]))  # 1, or |t|^n
        self.D = _dd_add(base, _dd_mul(c_abs, (xp.where(small, xp.abs(x), one), zero)))

    def _flip(self, cs: list[Array] | list[DD]) -> list[tuple[Array, Array | None]]:
        """The coefficients (exact numbers, or double-doubles) as they are where |x| <= 1,
        reversed where |x| > 1."""
        xp, k, sm = self.xp, len(cs), self.small
        if not isinstance(cs[0], tuple):
            return [(xp.where(sm, cs[i], cs[k - 1 - i]), None) for i in range(k)]
        return [
            (xp.where(sm, cs[i][0], cs[k - 1 - i][0]), xp.where(sm, cs[i][1], cs[k - 1 - i][1]))
            for i in range(k)
        ]

    def limits(self, derivative: bool) -> tuple[Array, Array]:
        """f (or f') at −inf and +inf, from the leading nonzero coefficients: f ~ L·x^k at +inf
        and L·(−1)^deg Q·x^k at −inf, with k = deg P − deg Q."""
        xp, zero, one = self.xp, self.zero, self.one
        lead_w, deg_w, par_w = zero, const(xp, self.x, -1.0), one
        for i, c in enumerate(self.w):
            nz = c != 0
            lead_w = xp.where(nz, c + zero, lead_w)
            deg_w = xp.where(nz, const(xp, self.x, float(i)), deg_w)
            par_w = xp.where(nz, const(xp, self.x, (-1.0) ** i), par_w)
        lead_d, deg_d, par_d = one, zero, one
        for j, c in enumerate(self.d, start=1):
            nz = c != 0
            lead_d = xp.where(nz, xp.abs(c) + zero, lead_d)
            deg_d = xp.where(nz, const(xp, self.x, float(j)), deg_d)
            par_d = xp.where(nz, const(xp, self.x, (-1.0) ** j), par_d)
        k = deg_w - deg_d
        lim = lead_w / lead_d
        out = []
        for side in (-1.0, 1.0):
            ell = lim * (par_d if side < 0 else one)  # f ~ ell·x^k
            par_k = par_w * par_d  # (−1)^k
            if not derivative:
                grow = ell * (par_k if side < 0 else one)  # the sign of ell·x^k at this side
                y = xp.where(k > 0, grow * INF, xp.where(k == 0, ell, zero))
            else:  # f' ~ k·ell·x^(k−1)
                grow = ell * (-par_k if side < 0 else one)
                y = xp.where(k > 1, grow * INF, xp.where(k == 1, ell, zero))
            out.append(xp.where(lead_w == 0, zero, y))
        return out[0], out[1]

    def at_inf(self, y: Array, derivative: bool) -> Array:
        xp, x = self.xp, self.x
        lo, hi = self.limits(derivative)
        y = xp.where(x == INF, hi, xp.where(x == -INF, lo, y))
        return keep_nan(xp, x, y)

    def forward(self) -> Array:
        xp = self.xp
        ratio = _dd_div(xp, self.P, self.D)
        scale = xp.where(self.small | xp.isinf(self.xb), self.one, self.xb)  # 1, or x
        return self.at_inf(self.sig * _times_x(xp, ratio, scale), False)

    def _d_coeffs(self, cs: list[Array]) -> list[DD]:
        return self._flip([two_prod(c, float(i)) for i, c in enumerate(cs, start=1)])

    def derivative(self) -> Array:
        xp = self.xp
        p1 = _horner(self._d_coeffs(self.w[1:]), self.u)  # P'(x), or P̂'(t) = Σ i·w_i t^(m−i)
        r1 = _horner(self._d_coeffs(self.d), self.u)  # R'(x), or R̂'(t) = Σ j·d_j t^(n−j)
        pr = _dd_mul(self.P, r1)
        num = _dd_add(_dd_mul(p1, self.D), (-self.s * pr[0], -self.s * pr[1]))
        y = self.sig * _dd_div(xp, num, _dd_mul(self.D, self.D))[0]
        return self.at_inf(y, True)

    def param_grads(self, g: Array) -> dict[str, Array]:
        """Σ g·∂f/∂w_i = Σ g·x^i/Q and Σ g·∂f/∂d_j = −Σ g·sign(R)·f·x^j/Q, per coefficient;
        for |x| > 1, x^i/Q = sign(x)^n·x^(i−n)/D̂ (t^(n−i), or x for i = m)."""
        xp, n, small = self.xp, self.n, self.small
        dh = self.D[0]
        nil = dh == 0
        dsafe = xp.where(nil, self.one, dh)
        ratio = _dd_div(xp, self.P, self.D)[0]

        def over_d(v: Array) -> Array:  # v / D, with D = 0 (a pure polynomial, x huge): v·inf
            return xp.where(nil, mul_nan_safe(xp, v, const(xp, v, INF)), v / dsafe)

        tpow = [self.one + 0.0 * self.th]  # t^0 .. t^n
        for _ in range(n):
            tpow.append(tpow[-1] * self.th)
        xpow = [self.one + 0.0 * self.xs]  # x^0 .. x^(n+1), |x| <= 1
        for _ in range(n + 1):
            xpow.append(xpow[-1] * self.xs)
        gw, gd = [], []
        for i in range(n + 2):  # ∂f/∂w_i
            big = self.xb if i == n + 1 else tpow[n - i]
            v = self.sig * over_d(xp.where(small, xpow[i], big))
            gw.append(mul_nan_safe(xp, g, keep_nan(xp, self.x, v)))
        for j in range(1, n + 1):  # ∂f/∂d_j; for |x| > 1, f·x^j/Q = x·t^(n−j)·P̂/D̂²
            big = self.xb if j == n else tpow[n - j - 1]
            v = -self.sig * self.s * over_d(mul_nan_safe(xp, xp.where(small, xpow[j], big), ratio))
            gd.append(mul_nan_safe(xp, g, keep_nan(xp, self.x, v)))
        return {"numerator": xp.stack(gw), "denominator": xp.stack(gd)}


def _pau_degree_error(nw: int, nd: int) -> str:
    return (
        f"pau: numerator must have 2 more coefficients than denominator (degrees m = n + 1, as "
        f"rational_activations' safe versions: 6 and 4 for (5, 4); n >= 1), got {nw} and {nd}"
    )


def _pau_f(xp: ModuleType, x: Array, p: Params) -> Array:
    return _Pau(xp, x, p).forward()


def _pau_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return _Pau(xp, x, p).derivative()


def _pau_vjp(xp: ModuleType, x: Array, g: Array, p: Params) -> dict[str, Array]:
    grads = _Pau(xp, x, p, trim=False).param_grads(g)
    return {k: _reduce_leading(xp, v, p[k]) for k, v in grads.items()}


def _as_array(v: Any) -> np.ndarray:
    return np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, dtype=np.float64)


def _rows(v: Any) -> np.ndarray:
    """A leading-axis parameter as a float64 array (S, C): one column per channel."""
    a = _as_array(v)
    a = a.reshape(1) if a.ndim == 0 else a
    return a.reshape(a.shape[0], -1)


def _pau_validate(p: Params) -> None:
    nw, nd = (_as_array(p[k]).shape[:1] or (1,) for k in ("numerator", "denominator"))
    if nw[0] != nd[0] + 2 or nd[0] == 0:
        raise ValueError(_pau_degree_error(nw[0], nd[0]))


def _pau_columns(p: Params) -> list[dict[str, Any]]:
    """One parameter set of plain 1-d coefficient arrays per channel."""
    w, d = _rows(p["numerator"]), _rows(p["denominator"])
    c = max(w.shape[1], d.shape[1])
    w, d = np.broadcast_to(w, (w.shape[0], c)), np.broadcast_to(d, (d.shape[0], c))
    return [{"numerator": w[:, i].copy(), "denominator": d[:, i].copy()} for i in range(c)]


def _pau_breaks(q: dict[str, Any]) -> list[float]:
    """Where f' can change sign: the real roots of R (the kinks) and of N± = P'(1 ± R) ∓ P·R'
    (f' = N±/Q² where ±R > 0)."""
    from numpy.polynomial import Polynomial as Poly

    pw, r = Poly(q["numerator"]), Poly([0.0, *q["denominator"]])
    out: list[float] = []
    for poly in (r, pw.deriv() * (1 + r) - pw * r.deriv(), pw.deriv() * (1 - r) + pw * r.deriv()):
        if poly.degree() < 1 or not np.any(poly.coef):
            continue
        roots = poly.roots()
        out += [float(z.real) for z in roots if abs(z.imag) <= 1e-9 * (1 + abs(z.real))]
    return sorted(set(out))


def _pau_range(p: Params) -> Range:
    lo, hi, lo_closed, hi_closed = INF, -INF, False, False
    for q in _pau_columns(p):
        pts = np.array([*_pau_breaks(q)] or [0.0])
        vals = _pau_f(np, pts, q)
        ends = _Pau(np, np.array([0.0]), q).limits(False)
        lim_lo, lim_hi = (
            min(float(ends[0][0]), float(ends[1][0])),
            max(float(ends[0][0]), float(ends[1][0])),
        )
        vlo, vhi = float(np.min(vals)), float(np.max(vals))
        if min(vlo, lim_lo) < lo:
            lo, lo_closed = min(vlo, lim_lo), vlo <= lim_lo
        if max(vhi, lim_hi) > hi:
            hi, hi_closed = max(vhi, lim_hi), vhi >= lim_hi
    return R(lo, hi, lo_closed and math.isfinite(lo), hi_closed and math.isfinite(hi))


def _pau_monotonic(p: Params) -> bool:
    signs = set()
    for q in _pau_columns(p):
        b = _pau_breaks(q) or [0.0]
        probes = [b[0] - 1.0, *[(u + v) / 2 for u, v in itertools.pairwise(b)], b[-1] + 1.0]
        d = _pau_d(np, np.array(probes), q)
        signs |= {float(np.sign(v)) for v in d if v != 0}
    return len(signs) <= 1


PAU = elementwise(
    name="pau",
    aliases=("rational", "pade"),
    example=(
        ">>> import actlab\n"
        ">>> actlab.pau([-2.0, 0.0, 1.5]).round(6)\n"
        "array([-0.018846,  0.033558,  1.495215])\n"
        ">>> import numpy as np\n"
        ">>> act = actlab.get('pau', numerator=np.array([0.0, 1.0, 1.0]), "
        "denominator=np.array([1.0]))\n"
        ">>> act([-2.0, 0.0, 2.0])  # (x + x²)/(1 + |x|)\n"
        "array([0.66666667, 0.        , 2.        ])\n"
        ">>> act.derivative([0.0])  # R(0) = 0: the mean of the one-sided slopes 0 and 2\n"
        "array([1.])"
    ),
    summary="Padé activation unit, the safe rational P(x)/(1 + |R(x)|) with learned numerator "
    "and denominator (rational_activations' version B).",
    params=(
        Param(
            "numerator",
            np.array(PAU_NUMERATOR),
            "P's coefficients w_0..w_m (lowest power first; more axes: one set per channel); "
            "the default is rational_activations' leaky_relu start for degrees (5, 4)",
            allowed="|w_i| <= 1e150",
            check=lambda v: abs(v) <= _PAU_MAX,
            learnable=True,
            layout="leading",
        ),
        Param(
            "denominator",
            np.array(PAU_DENOMINATOR),
            "R's coefficients d_1..d_n of x^1..x^n (n = m − 1), shaped like numerator",
            allowed="|d_j| <= 1e150",
            check=lambda v: abs(v) <= _PAU_MAX,
            learnable=True,
            layout="leading",
        ),
    ),
    forward=_pau_f,
    derivative=_pau_d,
    param_vjp=_pau_vjp,
    validate=_pau_validate,
    latex=r"f(x) = \frac{P(x)}{Q(x)} = \frac{\sum_{i=0}^{m} w_i x^i}"
    r"{1 + \left|\sum_{j=1}^{n} d_j x^j\right|},\quad R(x) = \sum_{j=1}^{n} d_j x^j",
    derivative_latex=r"f'(x) = \frac{P'(x)\,Q(x) - \operatorname{sign}(R(x))\,P(x)\,R'(x)}"
    r"{Q(x)^2},\quad \frac{\partial f}{\partial w_i} = \frac{x^i}{Q},\ "
    r"\frac{\partial f}{\partial d_j} = -\operatorname{sign}(R)\,\frac{f\,x^j}{Q}",
    text="f(x) = P(x) / (1 + |R(x)|),  P = sum_i w_i x^i (i = 0..m),  R = sum_j d_j x^j (j = 1..n)",
    derivative_text="f'(x) = (P' Q - sign(R) P R') / Q^2, with sign(0) = 0",
    kinks=(
        Kink(
            0.0,
            lambda p: float(_rows(p["numerator"])[1, 0]),
            "R(0) = 0 always: f' = P'(0) = w_1, the mean of the one-sided slopes w_1 ∓ w_0·d_1 "
            "(sign(0) = 0, what autograd gives |·| at 0); R's other real roots are kinks too, "
            "with the same convention where R evaluates to 0 (an exact float root), and no "
            "float on them otherwise (the default's is x ≈ −1.2092e-05)",
        ),
    ),
    facts=Facts(
        range=_pau_range,
        monotonic=_pau_monotonic,
        smoothness=0,
        zero_centred=False,
        saturates=(),
        uses=(
            "learned activations for image classification CNNs in the paper (MNIST, "
            "Fashion-MNIST, CIFAR-10, ImageNet: VGG, ResNet, MobileNetV2, DenseNet)",
        ),
        pros=(
            "learns its shape: starts as leaky relu (or tanh, gelu, ... by its coefficients)",
            "no poles: Q >= 1, so f and its gradients stay finite",
        ),
        cons=(
            "10 parameters per layer (degrees 5, 4), trained with their own learning rate",
            "a polynomial ratio: f ~ (w_m/|d_n|)·x far out, and wiggles where it was not fit",
        ),
        init="he",
    ),
    references=(
        Reference(
            "Padé activation units: end-to-end learning of flexible activation functions in "
            "deep networks",
            "Molina, Schramowski, Kersting",
            2020,
            "https://arxiv.org/abs/1907.06732",
        ),
    ),
)
