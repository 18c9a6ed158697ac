"""What the elementwise family files share: the spec constructor and numeric helpers.

Every function receives ``xp`` (the input's array namespace), ``x`` (already widened to float64)
and ``p`` (the bound parameters). Conventions used throughout:

* piecewise forms evaluate exp/log only on arguments clamped to their branch;
* ``keep_nan`` makes NaN in give NaN out where a comparison would drop it;
* ``finite`` + ``at_inf`` give the limits at ±inf where a formula would meet inf/inf or 0·inf.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

from ._registry import register
from ._spec import (
    Range,
    Spec,
)
from ._xp import (
    Array,
    const,
    dd_mul_const,
)

NAN = math.nan
INF = math.inf
R = Range
ALL_REAL = Range(-INF, INF, False, False)


def _pos(v: float) -> bool:
    return v > 0


def _nonneg(v: float) -> bool:
    return v >= 0


def elementwise(**kw: Any) -> Spec:
    return register(Spec(kind="elementwise", **kw))


def sum_to(xp: ModuleType, t: Array, like: Any) -> Array:
    """Σ of t over the axes a parameter was broadcast along, so the result has its shape."""
    if isinstance(like, float):
        return xp.sum(t)
    shape = tuple(like.shape)
    lead = t.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and t.shape[lead + i] != 1
    )
    out = xp.sum(t, axis=axes, keepdims=True) if axes else t
    return xp.reshape(out, shape)


def _mul_dd(xp: ModuleType, c: float, x: Array) -> tuple[Array, Array]:
    """c·x as a double-double (c a Python float): exact wherever c·x is finite."""
    if c == 1.0:
        return x, xp.zeros_like(x)
    # Dekker's splitting overflows above ~1e300: scale a large |x| and a large |c| by 2^-600
    # first (exact) and the parts back by 2^600 (exact, unless c·x itself overflows: ±inf).
    c_big = abs(c) > 1e150
    cs = c * 2.0**-600 if c_big else c
    big = xp.abs(x) > 1e150
    xs = xp.where(big, x * 2.0**-600, x)
    h, lo = dd_mul_const(xp, xs, cs, 0.0)
    h = xp.where(big, h * 2.0**600, h)
    lo = xp.where(big, lo * 2.0**600, lo)
    if c_big:
        h, lo = h * 2.0**600, lo * 2.0**600
    return h, xp.where(xp.isinf(h), const(xp, x, 0.0), lo)


def _as_floats(v: Any) -> list[float]:
    if isinstance(v, int | float):
        return [float(v)]
    return [float(a) for a in np.asarray(v.detach().cpu() if hasattr(v, "detach") else v).ravel()]


def _sin_cos_dd(xp: ModuleType, h: Array, lo: Array) -> tuple[Array, Array, Array]:
    """sin(h + lo), cos(h + lo) by the addition formulas (lo need not be small), and where
    h is ±inf (x infinite, or w0·x beyond the float range: no answer, NaN)."""
    bad = xp.isinf(h)
    hf = xp.where(bad, const(xp, h, 0.0), h)
    sh, ch, sl, cl = xp.sin(hf), xp.cos(hf), xp.sin(lo), xp.cos(lo)
    return sh * cl + ch * sl, ch * cl - sh * sl, bad
