"""Evaluation of a sympy tree two ways, both by walking it (no ``lambdify``, no generated code):

* ``compile_xp``: a closure over the array namespace ``xp`` (NumPy, torch, ...) that uses the
  catalog's stable primitives (sigmoid, softplus, Φ, φ, expm1, log1p and the catalog
  activations themselves) — what a defined activation's forward and derivative run;
* ``eval_mp``: mpmath at the working precision, the oracle ``check`` measures against
  (catalog activations inside a formula use ``actlab_oracle``'s independent formulas).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp

from .._catalog._xp import Array, const, sigmoid, special
from .._catalog._xp import ndtr as _ndtr
from .._catalog._xp import npdf as _npdf
from . import _symbolic as S

Fn = Callable[[ModuleType, Array, Mapping[str, Any]], Any]


def _softplus(xp: ModuleType, u: Array) -> Array:
    return xp.maximum(u, const(xp, u, 0.0)) + xp.log1p(xp.exp(-xp.abs(u)))


def _heaviside(xp: ModuleType, u: Array) -> Array:
    half = const(xp, u, 0.5)
    return xp.where(u > 0, const(xp, u, 1.0), xp.where(u < 0, const(xp, u, 0.0), half))


def _catalog_fn(name: str, derivative: bool) -> Callable[[ModuleType, Array], Array]:
    from .._catalog import get

    act = get(name)
    spec = act.spec
    fn = spec.derivative if derivative else spec.forward
    params = dict(act.params)
    return lambda xp, u: fn(xp, u, params)  # type: ignore[misc]


_UNARY: dict[Any, Callable[[ModuleType, Array], Array]] = {
    sp.exp: lambda xp, u: xp.exp(u),
    sp.log: lambda xp, u: xp.log(u),
    sp.sin: lambda xp, u: xp.sin(u),
    sp.cos: lambda xp, u: xp.cos(u),
    sp.tan: lambda xp, u: xp.tan(u),
    sp.tanh: lambda xp, u: xp.tanh(u),
    sp.sinh: lambda xp, u: xp.sinh(u),
    sp.cosh: lambda xp, u: xp.cosh(u),
    sp.atan: lambda xp, u: xp.atan(u),
    sp.asinh: lambda xp, u: xp.asinh(u),
    sp.Abs: lambda xp, u: xp.abs(u),
    sp.sign: lambda xp, u: xp.sign(u),
    sp.erf: lambda xp, u: special(xp, "erf")(u),
    sp.erfc: lambda xp, u: special(xp, "erfc")(u),
    S.sigmoid: sigmoid,
    S.softplus: _softplus,
    S.expm1: lambda xp, u: xp.expm1(u),
    S.log1p: lambda xp, u: xp.log1p(u),
    S.ndtr: lambda xp, u: _ndtr(xp, u),
    S.npdf: lambda xp, u: _npdf(xp, u),
}


def _as_array(xp: ModuleType, v: Any, x: Array) -> Array:
    return const(xp, x, float(v)) if isinstance(v, float | int) else v


def compile_xp(e: Any) -> Fn:
    """fn(xp, x, p) evaluating e elementwise; p maps parameter names to floats or arrays."""
    if not e.free_symbols:  # a constant: folded once, at high precision
        value = to_float(eval_mp(e, {}, 40))
        return lambda xp, x, p: value
    if isinstance(e, sp.Symbol):
        if e == S.X:
            return lambda xp, x, p: x
        name = e.name
        return lambda xp, x, p: p[name]
    if isinstance(e, sp.Add):
        parts = [compile_xp(a) for a in e.args]

        def add(xp: ModuleType, x: Array, p: Mapping[str, Any]) -> Any:
            out = parts[0](xp, x, p)
            for f in parts[1:]:
                out = out + f(xp, x, p)
            return out

        return add
    if isinstance(e, sp.Mul):
        return _compile_mul(e)
    if isinstance(e, sp.Pow):
        return _compile_pow(e.args[0], e.args[1])
    if isinstance(e, sp.Piecewise):
        branches = [(compile_xp(v), compile_cond(c)) for v, c in e.args]

        def piecewise(xp: ModuleType, x: Array, p: Mapping[str, Any]) -> Any:
            out = _as_array(xp, branches[-1][0](xp, x, p), x)
            for val, cond in reversed(branches[:-1]):
                out = xp.where(cond(xp, x, p), _as_array(xp, val(xp, x, p), x), out)
            return out

        return piecewise
    if isinstance(e, sp.Heaviside):
        inner = compile_xp(e.args[0])
        return lambda xp, x, p: _heaviside(xp, _as_array(xp, inner(xp, x, p), x))
    if isinstance(e, sp.Max | sp.Min):
        parts = [compile_xp(a) for a in e.args]
        pick = "maximum" if isinstance(e, sp.Max) else "minimum"

        def extremum(xp: ModuleType, x: Array, p: Mapping[str, Any]) -> Any:
            out = _as_array(xp, parts[0](xp, x, p), x)
            for f in parts[1:]:
                out = getattr(xp, pick)(out, _as_array(xp, f(xp, x, p), x))
            return out

        return extremum
    cat = catalog_of(e)
    if cat is not None:
        fn = _catalog_fn(*cat)
        inner = compile_xp(e.args[0])
        return lambda xp, x, p: fn(xp, _as_array(xp, inner(xp, x, p), x))
    for cls, op in _UNARY.items():
        if isinstance(e, cls):
            inner = compile_xp(e.args[0])
            return lambda xp, x, p: op(xp, _as_array(xp, inner(xp, x, p), x))
    raise ValueError(f"define: cannot evaluate {type(e).__name__} ({e})")


def catalog_of(e: Any) -> tuple[str, bool] | None:
    return S.catalog_name(type(e)) if isinstance(e, sp.Function) else None


def _compile_mul(e: Any) -> Fn:
    """A product, with factors of negative integer power as a division (one rounding, not
    two: a/b rather than a·(1/b))."""
    num, den = [], []
    # bounded factors first and the constant last: 4·x·σ(x)·σ(−2u) at x = 1e308 is then
    # x·(σ·σ) = x·0 = 0, not (4·x)·0 = inf·0 = NaN
    for a in sorted(e.args, key=_order):
        if isinstance(a, sp.Pow) and a.args[1].is_Integer and a.args[1] < 0:
            den.append(compile_xp(a.args[0] ** -a.args[1]))
        else:
            num.append(compile_xp(a))

    def mul(xp: ModuleType, x: Array, p: Mapping[str, Any]) -> Any:
        out = num[0](xp, x, p) if num else 1.0
        for f in num[1:]:
            out = out * f(xp, x, p)
        if den:
            d = den[0](xp, x, p)
            for f in den[1:]:
                d = d * f(xp, x, p)
            out = out / _as_array(xp, d, x) if isinstance(out, float) else out / d
        return out

    return mul


_BOUNDED = (sp.tanh, sp.erf, sp.sin, sp.cos, sp.atan, S.sigmoid, S.ndtr, S.npdf)


def _order(a: Any) -> int:
    if not a.free_symbols:
        return 2
    return 0 if isinstance(a, _BOUNDED) else 1


def _compile_pow(base: Any, ex: Any) -> Fn:
    b = compile_xp(base)
    if ex == sp.Rational(1, 2):
        return lambda xp, x, p: xp.sqrt(_as_array(xp, b(xp, x, p), x))
    if ex == sp.Rational(-1, 2):
        return lambda xp, x, p: 1.0 / xp.sqrt(_as_array(xp, b(xp, x, p), x))
    if ex == 2:
        return lambda xp, x, p: _sq(b(xp, x, p))
    if ex == -1:
        return lambda xp, x, p: 1.0 / _as_array(xp, b(xp, x, p), x)
    if ex.is_Integer and ex < 0:
        n = float(-ex)
        return lambda xp, x, p: 1.0 / xp.pow(_as_array(xp, b(xp, x, p), x), n)
    if not ex.free_symbols:
        n = to_float(eval_mp(ex, {}, 40))
        return lambda xp, x, p: xp.pow(_as_array(xp, b(xp, x, p), x), n)
    e = compile_xp(ex)
    return lambda xp, x, p: xp.pow(_as_array(xp, b(xp, x, p), x), _as_array(xp, e(xp, x, p), x))


def _sq(v: Any) -> Any:
    return v * v


def compile_cond(c: Any) -> Fn:
    if c is sp.true or c == sp.true:
        return lambda xp, x, p: True
    if isinstance(c, sp.core.relational.Relational):
        a, b = compile_xp(c.lhs), compile_xp(c.rhs)
        op = {"<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}[c.rel_op]

        def rel(xp: ModuleType, x: Array, p: Mapping[str, Any]) -> Any:
            return getattr(_as_array(xp, a(xp, x, p), x), op)(_as_array(xp, b(xp, x, p), x))

        return rel
    if isinstance(c, sp.And | sp.Or):
        parts = [compile_cond(a) for a in c.args]
        both = isinstance(c, sp.And)

        def logic(xp: ModuleType, x: Array, p: Mapping[str, Any]) -> Any:
            out = parts[0](xp, x, p)
            for f in parts[1:]:
                out = (out & f(xp, x, p)) if both else (out | f(xp, x, p))
            return out

        return logic
    if isinstance(c, sp.Not):
        inner = compile_cond(c.args[0])
        return lambda xp, x, p: ~_as_bool(xp, inner(xp, x, p), x)
    if isinstance(c, sp.ITE):  # if a then b else c, as sympy writes nested conditions
        a, b, e = (compile_cond(t) for t in c.args)
        return lambda xp, x, p: xp.where(
            _as_bool(xp, a(xp, x, p), x), _as_bool(xp, b(xp, x, p), x), _as_bool(xp, e(xp, x, p), x)
        )
    if c is sp.false or c == sp.false:
        return lambda xp, x, p: False
    raise ValueError(f"define: cannot evaluate the condition {c}")


def _as_bool(xp: ModuleType, v: Any, x: Array) -> Array:
    if isinstance(v, bool):
        return xp.full(x.shape, v, dtype=xp.bool, device=aac_device(x))
    return v


def aac_device(x: Array) -> Any:
    import array_api_compat as aac

    return aac.device(x)


# ---------------------------------------------------------------------- mpmath


def to_float(v: Any) -> float:
    import mpmath as mp

    if isinstance(v, mp.mpc):
        return math.nan if v.imag != 0 else float(v.real)
    return float(v)


def eval_mp(e: Any, env: Mapping[str, Any], dps: int | None = None) -> Any:
    """e at the values ``env`` (name -> mpf) in mpmath; a complex intermediate (log or sqrt of
    a negative number) is NaN, as it is in floating point."""
    import mpmath as mp

    if dps is not None:
        with mp.workdps(dps):
            return _mp(e, env)
    return _mp(e, env)


def _real(v: Any) -> Any:
    import mpmath as mp

    if isinstance(v, mp.mpc):
        return v.real if v.imag == 0 else mp.nan
    return v


_MP_UNARY: dict[Any, Callable[[Any], Any]] = {}


def _mp_unary() -> dict[Any, Callable[[Any], Any]]:
    import mpmath as mp

    if not _MP_UNARY:
        _MP_UNARY.update(
            {
                sp.exp: mp.exp,
                sp.log: lambda u: mp.log(u) if u != 0 else -mp.inf,
                sp.sin: mp.sin,
                sp.cos: mp.cos,
                sp.tan: mp.tan,
                sp.tanh: mp.tanh,
                sp.sinh: mp.sinh,
                sp.cosh: mp.cosh,
                sp.atan: mp.atan,
                sp.asinh: mp.asinh,
                sp.Abs: abs,
                sp.sign: mp.sign,
                sp.erf: mp.erf,
                sp.erfc: mp.erfc,
                S.sigmoid: lambda u: 1 / (1 + mp.exp(-u)),
                S.softplus: lambda u: mp.log(1 + mp.exp(u)),
                S.expm1: mp.expm1,
                S.log1p: lambda u: mp.log1p(u) if u != -1 else -mp.inf,
                S.ndtr: lambda u: mp.erfc(-u / mp.sqrt(2)) / 2,
                S.npdf: lambda u: mp.exp(-(u**2) / 2) / mp.sqrt(2 * mp.pi),
                sp.Heaviside: lambda u: (
                    mp.mpf(1) if u > 0 else (mp.mpf(0) if u < 0 else mp.mpf(0.5))
                ),
            }
        )
    return _MP_UNARY


def _mp(e: Any, env: Mapping[str, Any]) -> Any:
    import mpmath as mp

    if isinstance(e, sp.Symbol):
        return env[e.name]
    if e.is_Integer:
        return mp.mpf(int(e))
    if e.is_Rational:
        return mp.mpf(int(e.p)) / int(e.q)
    if e is sp.pi:
        return +mp.pi
    if e is sp.E:
        return mp.e + 0
    if e.is_Float:
        return mp.mpf(str(e))
    if isinstance(e, sp.Add):
        return _real(mp.fsum([_mp(a, env) for a in e.args]))
    if isinstance(e, sp.Mul):
        out = mp.mpf(1)
        for a in e.args:
            out = out * _mp(a, env)
        return _real(out)
    if isinstance(e, sp.Pow):
        b, x = _mp(e.args[0], env), _mp(e.args[1], env)
        if mp.isnan(b) or mp.isnan(x):
            return mp.nan
        if b == 0 and x < 0:
            return mp.inf
        return _real(mp.power(b, x))
    if isinstance(e, sp.Piecewise):
        for v, c in e.args:
            if _mp_cond(c, env):
                return _mp(v, env)
        return mp.nan
    if isinstance(e, sp.Max | sp.Min):
        vals = [_mp(a, env) for a in e.args]
        return max(vals) if isinstance(e, sp.Max) else min(vals)
    cat = catalog_of(e)
    if cat is not None:
        from actlab_oracle.formulas import FORMULAS

        f, d = FORMULAS[cat[0]]
        u = _mp(e.args[0], env)
        return (d if cat[1] else f)(u)
    for cls, op in _mp_unary().items():
        if isinstance(e, cls):
            u = _mp(e.args[0], env)
            if mp.isnan(u):
                return mp.nan
            return _real(op(u))
    raise ValueError(f"define: cannot evaluate {type(e).__name__} ({e}) in mpmath")


def _mp_cond(c: Any, env: Mapping[str, Any]) -> bool:
    if c is sp.true or c == sp.true:
        return True
    if isinstance(c, sp.core.relational.Relational):
        a, b = _mp(c.lhs, env), _mp(c.rhs, env)
        return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[c.rel_op])
    if isinstance(c, sp.And):
        return all(_mp_cond(a, env) for a in c.args)
    if isinstance(c, sp.Or):
        return any(_mp_cond(a, env) for a in c.args)
    if isinstance(c, sp.Not):
        return not _mp_cond(c.args[0], env)
    if isinstance(c, sp.ITE):
        a, b, e = c.args
        return _mp_cond(b, env) if _mp_cond(a, env) else _mp_cond(e, env)
    if c is sp.false or c == sp.false:
        return False
    raise ValueError(f"define: cannot evaluate the condition {c} in mpmath")


def numpy_fn(fn: Fn) -> Callable[[np.ndarray, Mapping[str, Any]], np.ndarray]:
    """fn on float64 NumPy arrays, quietly (the defined activation's domain errors are NaN)."""

    def run(x: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
        with np.errstate(all="ignore"):
            y = fn(np, np.asarray(x, dtype=np.float64), p)
            out: np.ndarray = np.broadcast_to(np.asarray(y, dtype=np.float64), np.shape(x)).copy()
            return out

    return run
