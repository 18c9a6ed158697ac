"""A formula made into a catalog spec: parsed, differentiated, compiled, its kinks and facts
found, and registered like any other activation."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal

import numpy as np

from .._catalog import _registry
from .._catalog._activation import Activation
from .._catalog._common import sum_to
from .._catalog._spec import Facts, Kink, Param, Range, Spec
from .._catalog._xp import Array, const
from ._parse import CONSTANTS, FUNCTIONS, Parser, check_param_name

#: the one list of specs made here: name -> Definition
DEFINED: dict[str, Definition] = {}


@dataclass
class Definition:
    """What a user declared (``formula``, ``params``, ``learnable``) and what actlab made of it:
    the sympy trees, the compiled functions and the spec."""

    name: str
    formula: str
    params: dict[str, float]
    learnable: tuple[str, ...]
    f_display: Any = None
    f_work: Any = None  # the formula as written (Piecewise for max/min/relu): the oracle's tree
    f_stable: Any = None  # with the stable primitives substituted: what is compiled
    d_stable: Any = None  # ∂f/∂x of f_stable: what is compiled
    d_display: Any = None  # the same, simplified, for LaTeX and text
    param_grads: dict[str, Any] = field(default_factory=dict)
    rewrites: tuple[str, ...] = ()
    spec: Spec | None = None

    def to_dict(self) -> dict[str, Any]:
        """The declaration alone: what the TOML file and a study's config keep."""
        out: dict[str, Any] = {"formula": self.formula}
        if self.params:
            out["params"] = dict(self.params)
        if self.learnable:
            out["learnable"] = list(self.learnable)
        return out


def _catalog_names() -> list[str]:
    """Elementwise, deterministic catalog activations whose parameters all have defaults: the
    ones a formula may call by name (with their defaults)."""
    out = []
    for s in _registry.specs():
        if s.name in DEFINED or s.kind != "elementwise" or s.stochastic:
            continue
        if any(p.default is _required() for p in s.params):
            continue
        out.append(s.name)
    return out


def _required() -> Any:
    from .._catalog._spec import REQUIRED

    return REQUIRED


def _catalog_lookup() -> dict[str, str]:
    allowed = set(_catalog_names())
    table = {}
    for n in allowed:
        table[n] = n
    for alias, n in _registry.aliases().items():
        if n in allowed:
            table[alias.lower()] = n
    return table


def build(
    name: str,
    formula: str,
    params: Mapping[str, float] | None = None,
    learnable: Iterable[str] = (),
) -> Definition:
    """Parse, differentiate and compile ``formula``; the Definition with its spec (unregistered)."""
    import sympy as sp

    from . import _compile as C
    from . import _symbolic as S

    if not isinstance(formula, str):
        raise TypeError(f"define: formula must be a str, got {type(formula).__name__}")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise ValueError(
            f"define: name must be letters, digits and _ starting with a letter, got {name!r}"
        )
    if name.lower() in FUNCTIONS or name in CONSTANTS or name == "x":
        raise ValueError(f"define: {name!r} is a function or constant of the formula grammar")
    params = dict(params or {})
    for k, v in params.items():
        check_param_name(k)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
            raise ValueError(f"define: parameter {k} must be a finite real number, got {v!r}")
        params[k] = float(v)
    learn = tuple(learnable)
    for k in learn:
        if k not in params:
            raise ValueError(
                f"define: learnable parameter {k!r} is not declared (declared: "
                f"{', '.join(params) or 'none'}); give it a default in params"
            )
    lookup = _catalog_lookup()
    tree = Parser(formula, params, lambda n: n.lower() in lookup, sorted(lookup)).parse()
    used = {n.name for n in tree.walk() if n.kind == "name"}
    unused = [k for k in params if k not in used]
    if unused:
        raise ValueError(f"define: parameter(s) {', '.join(unused)} do not appear in {formula!r}")
    symbols = {k: sp.Symbol(k, real=True) for k in params}
    resolve = lambda n: lookup[n.lower()]  # noqa: E731
    d = Definition(name, formula, params, learn)
    d.f_display = S.to_sympy(tree, symbols, resolve, display=True)
    d.f_work = S.to_sympy(tree, symbols, resolve, display=False)
    if not d.f_work.has(S.X):
        raise ValueError(f"define: {formula!r} does not depend on x")
    rewrites: set[str] = set()
    d.f_stable = S.stabilize(d.f_work, rewrites)
    d.rewrites = tuple(sorted(rewrites))
    d.d_stable = S.stabilize(sp.diff(d.f_stable, S.X), rewrites)
    d.d_display = S.simplified(d.d_stable)
    d.param_grads = {k: S.stabilize(sp.diff(d.f_stable, symbols[k]), set()) for k in learn}
    fwd, der = C.compile_xp(d.f_stable), C.compile_xp(d.d_stable)
    grads = {k: C.compile_xp(g) for k, g in d.param_grads.items()}
    d.spec = _make_spec(d, fwd, der, grads)
    return d


def _limits(d: Definition, which: str, p: Mapping[str, Any]) -> tuple[float, float]:
    """f (or f') at ∓inf as the limit, evaluated in mpmath at ∓1e400 and ∓1e800: NaN where
    the two disagree (no limit: sin) — the values the oracle table holds for ±inf."""
    import mpmath as mp

    from . import _compile as C

    expr = d.f_work if which == "f" else _d_work(d)
    out = []
    for sign in (-1, 1):
        with mp.workdps(60):
            env = {k: mp.mpf(v) for k, v in p.items()}
            a = C.to_float(C.eval_mp(expr, {**env, "x": mp.mpf(f"{sign}e400")}))
            b = C.to_float(C.eval_mp(expr, {**env, "x": mp.mpf(f"{sign}e800")}))
        same = a == b or (math.isfinite(a) and abs(a - b) <= 1e-15 * max(abs(a), 1e-300))
        out.append(a if same else math.nan)
    return out[0], out[1]


def _d_work(d: Definition) -> Any:
    import sympy as sp

    from . import _symbolic as S

    if not hasattr(d, "_d_work"):
        d._d_work = sp.diff(d.f_work, S.X)  # type: ignore[attr-defined]
    return d._d_work  # type: ignore[attr-defined]


def _scalars(p: Mapping[str, Any], names: Iterable[str]) -> tuple[float, ...] | None:
    vals = []
    for k in names:
        v = p[k]
        if not isinstance(v, float | int):
            return None
        vals.append(float(v))
    return tuple(vals)


def _make_spec(d: Definition, fwd: Any, der: Any, grads: dict[str, Any]) -> Spec:
    import sympy as sp

    from . import _symbolic as S

    limit_cache: dict[tuple[str, tuple[float, ...]], tuple[float, float]] = {}
    names = tuple(d.params)

    def finish(xp: ModuleType, x: Array, y: Any, which: str, p: Mapping[str, Any]) -> Array:
        y = y if not isinstance(y, float | int) else const(xp, x, float(y))
        y = xp.broadcast_to(y, x.shape) if tuple(y.shape) != tuple(x.shape) else y
        y = xp.astype(y, x.dtype)
        key = _scalars(p, names)
        if key is not None:
            ck = (which, key)
            if ck not in limit_cache:
                limit_cache[ck] = _limits(d, which, dict(zip(names, key, strict=True)))
            neg, pos = limit_cache[ck]
            y = xp.where(x == math.inf, const(xp, x, pos), y)
            y = xp.where(x == -math.inf, const(xp, x, neg), y)
        return xp.where(xp.isnan(x), x, y)

    def forward(xp: ModuleType, x: Array, p: Mapping[str, Any]) -> Array:
        with _quiet(xp):
            return finish(xp, x, fwd(xp, x, p), "f", p)

    def derivative(xp: ModuleType, x: Array, p: Mapping[str, Any]) -> Array:
        with _quiet(xp):
            return finish(xp, x, der(xp, x, p), "d", p)

    def param_vjp(xp: ModuleType, x: Array, g: Array, p: Mapping[str, Any]) -> dict[str, Array]:
        out = {}
        with _quiet(xp):
            for k, fn in grads.items():
                t = fn(xp, x, p)
                t = const(xp, x, float(t)) if isinstance(t, float | int) else t
                out[k] = sum_to(xp, g * t, p[k])
        return out

    latex_f = "f(x) = " + sp.latex(d.f_display)
    latex_d = "f'(x) = " + sp.latex(d.d_display)
    spec = Spec(
        name=d.name,
        summary=f"user-defined: {d.formula}",
        kind="elementwise",
        latex=latex_f,
        derivative_latex=latex_d,
        text=f"f(x) = {d.formula}",
        derivative_text=f"f'(x) = {sp.sstr(d.d_display)}",
        facts=_placeholder_facts(),
        params=tuple(
            Param(k, v, f"parameter of {d.formula}", learnable=k in d.learnable)
            for k, v in d.params.items()
        ),
        forward=forward,
        derivative=derivative,
        param_vjp=param_vjp if grads else None,
    )
    spec = _with(spec, kinks=_kinks(d, spec))
    facts = _measured_facts(d, spec, smooth=S.is_smooth_everywhere(d.f_work))
    return _with(spec, facts=facts)


def _with(spec: Spec, **kw: Any) -> Spec:
    from dataclasses import replace

    return replace(spec, **kw)


class _quiet:
    """NumPy's floating-point warnings off inside a defined activation: a user's formula may
    take log or sqrt of a negative number on a branch ``where`` discards (the value is NaN, and
    ``check`` reports where)."""

    def __init__(self, xp: ModuleType) -> None:
        import array_api_compat as aac

        self.state = np.errstate(all="ignore") if aac.is_numpy_namespace(xp) else None

    def __enter__(self) -> None:
        if self.state is not None:
            self.state.__enter__()

    def __exit__(self, *exc: Any) -> None:
        if self.state is not None:
            self.state.__exit__(*exc)


def _placeholder_facts() -> Facts:
    return Facts(
        range=Range(-math.inf, math.inf, False, False),
        monotonic=False,
        smoothness=0,
        zero_centred=False,
        saturates=(),
        uses=(),
        pros=(),
        cons=(),
        init="he",
    )


# ---------------------------------------------------------------------- kinks


def kink_points(d: Definition) -> list[tuple[Any, float]]:
    """Where the work tree switches branch, at the default parameters: (exact point as an
    mpf or a sympy expression in the parameters, its float value)."""
    import mpmath as mp
    import sympy as sp

    from . import _compile as C
    from . import _symbolic as S

    out: list[tuple[Any, float]] = []
    defaults = {sp.Symbol(k, real=True): sp.Rational(repr(v)) for k, v in d.params.items()}
    for g in S.switching(d.f_work):
        sols: list[Any] = []
        try:
            sol = sp.solveset(g, S.X, sp.S.Reals)
        except (NotImplementedError, ValueError, TypeError):
            sol = None
        if isinstance(sol, sp.FiniteSet) and len(sol) <= 8:
            sols = [s for s in sol if s.subs(defaults).is_real is not False]
        else:  # transcendental: sign changes on a grid, refined in mpmath
            gd = g.subs(defaults)
            grid = np.linspace(-30.0, 30.0, 1201)
            with mp.workdps(30):
                vals = [C.to_float(C.eval_mp(gd, {"x": mp.mpf(float(t))})) for t in grid]
            for a, b, va, vb in zip(grid[:-1], grid[1:], vals[:-1], vals[1:], strict=True):
                if va == 0:
                    sols.append(mp.mpf(float(a)))
                elif math.isfinite(va) and math.isfinite(vb) and va * vb < 0:
                    with mp.workdps(60):
                        root = mp.findroot(
                            lambda t, gd=gd: C.eval_mp(gd, {"x": t}), (a, b), solver="anderson"
                        )
                    sols.append(root)
        for s in sols:
            if isinstance(s, sp.Basic):
                v = C.to_float(C.eval_mp(s, {k: mp.mpf(v) for k, v in d.params.items()}, 60))
            else:
                v = float(s)
            if math.isfinite(v) and all(abs(v - w) > 1e-12 * max(1, abs(v)) for _, w in out):
                out.append((s, v))
    return sorted(out, key=lambda t: t[1])


def one_sided(d: Definition, at: Any) -> tuple[float, float, float, float]:
    """(f' from the left, f' from the right, f from the left, f from the right) at a point
    given exactly (sympy expression or mpf), by mpmath at 60 digits, 1e-40 to each side."""
    import mpmath as mp
    import sympy as sp

    from . import _compile as C

    with mp.workdps(60):
        env = {k: mp.mpf(v) for k, v in d.params.items()}
        k = C.eval_mp(at, env) if isinstance(at, sp.Basic) else mp.mpf(at)
        h = mp.mpf("1e-40") * max(1, abs(k))
        dw = _d_work(d)
        vals = [
            C.to_float(C.eval_mp(e, {**env, "x": k + s * h}))
            for e in (dw, d.f_work)
            for s in (-1, 1)
        ]
    return vals[0], vals[1], vals[2], vals[3]


def _kinks(d: Definition, spec: Spec) -> tuple[Kink, ...]:
    import sympy as sp

    from . import _compile as C

    out = []
    for exact, v in kink_points(d):
        dl, dr, fl, fr = one_sided(d, exact)
        if abs(dl - dr) <= 1e-12 * max(1.0, abs(dl), abs(dr)) and abs(fl - fr) <= 1e-12:
            continue  # the branches meet smoothly there: not a kink
        at: Any = v
        if isinstance(exact, sp.Basic) and exact.free_symbols:
            expr = exact

            def at(p: Mapping[str, Any], expr: Any = expr) -> float:
                import mpmath as mp

                env = {k: mp.mpf(float(np.min(np.asarray(p[k])))) for k in d.params}
                return C.to_float(C.eval_mp(expr, env, 40))

        point = at

        def value(p: Mapping[str, Any], point: Any = point) -> float:
            x0 = point(p) if callable(point) else point
            pp = {k: p[k] for k in d.params}
            return float(spec.derivative(np, np.array([x0], dtype=np.float64), pp)[0])  # type: ignore[misc]

        jump = (
            "" if abs(fl - fr) <= 1e-12 * max(1.0, abs(fl)) else f"; f jumps: {fl:.6g} | {fr:.6g}"
        )
        why = (
            f"one-sided f' = {dl:.6g} (left), {dr:.6g} (right){jump}; actlab gives the branch "
            "the condition picks at the tie (relu, max, min: the second argument; abs: 0)"
        )
        out.append(Kink(at, value, why))
    return tuple(out)


# ---------------------------------------------------------------------- facts


def _measured_facts(d: Definition, spec: Spec, smooth: bool) -> Facts:
    """Facts measured as ``analyze`` measures them, with its own functions and thresholds: the
    centring and saturation at the default parameters; range and monotonicity per parameter
    values, when asked (cached)."""
    from .._analysis._measure import SAMPLE, SATURATION, ZERO_CENTRED, _range, _smoothness, moment

    act = Activation(spec, {})
    m1, m2 = moment(act, 1.0, "f", 1), moment(act, 1.0, "f", 2)
    centring = abs(m1) / math.sqrt(m2) if m2 > 0 else math.nan
    dlim = act.derivative(np.array([-np.inf, np.inf]))
    saturates = tuple(
        side for side, v in zip(("negative", "positive"), dlim, strict=True) if abs(v) < SATURATION
    )
    cache: dict[tuple[float, ...], tuple[Range, bool]] = {}
    names = tuple(d.params)

    def shape(p: Mapping[str, Any]) -> tuple[Range, bool]:
        key = _scalars(p, names)
        if key is None:  # array parameters: the facts of the defaults
            key = tuple(d.params.values())
        if key not in cache:
            a = Activation(spec, dict(zip(names, key, strict=True)))
            y, lim = a(SAMPLE), a(np.array([-np.inf, np.inf]))
            mono = bool(np.all(y[1:] >= y[:-1]) and lim[0] <= y[0] and y[-1] <= lim[1])
            cache[key] = (_range(a, y, lim), mono)
        return cache[key]

    measured = float(_smoothness(act))
    smoothness = math.inf if smooth and measured >= 2 else measured
    zero_centred = bool(centring < ZERO_CENTRED)
    # "he" for the one-sided (relu-like) shapes, "xavier" for zero-centred ones: the catalog's
    # own split (relu/gelu/silu: he; tanh/softsign: xavier)
    init: Literal["he", "xavier", "lecun"] = "xavier" if zero_centred else "he"
    return Facts(
        range=lambda p: shape(p)[0],
        monotonic=lambda p: shape(p)[1],
        smoothness=smoothness,
        zero_centred=zero_centred,
        saturates=saturates,
        uses=(f"user-defined: {d.formula}",),
        pros=(),
        cons=(),
        init=init,
    )
