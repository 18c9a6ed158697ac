"""``actlab.check``: a defined activation measured against mpmath evaluating the same formula.

Over the oracle's grid (``actlab_oracle.grid``: dense [-30, 30], random points, magnitudes up to
each dtype's max, subnormals, ±inf, the kinks), per dtype, for f and f': the max error in ULP
of the exactly rounded value, and the regions where the error exceeds the catalog's bars
(float16/float32: 1 ULP; float64: 4 ULP for |x| <= 30, relative 1e-12 beyond — the bars of
issue #2, ``BARS``), overflows (inf where the value is finite) and NaNs (where the value is a
number). Each stable rewrite that was applied is measured against the formula as written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._catalog._activation import Activation
from ._build import DEFINED, Definition

#: the catalog's accuracy bars (tests/test_oracle.py): (ULP bar, float64's outer |x|, rel bar)
BARS = {"float16": 1.0, "float32": 1.0, "float64": 4.0}
F64_OUTER, F64_REL = 30.0, 1e-12


@dataclass(frozen=True)
class Region:
    """An interval of x where something is wrong, with the worst error seen in it."""

    what: str  # "inaccurate", "overflow", "nan"
    lo: float
    hi: float
    max_ulp: float

    def __str__(self) -> str:
        span = (
            f"x = {self.lo:.6g}" if self.lo == self.hi else f"{self.lo:.6g} <= x <= {self.hi:.6g}"
        )
        if self.what == "overflow":
            return f"overflows to inf for {span}"
        if self.what == "nan":
            return f"NaN for {span} (the value is a number)"
        return f"{self.max_ulp:.3g} ULP for {span}"


@dataclass(frozen=True)
class Measure:
    dtype: str
    which: str  # "f" or "d"
    max_ulp: float
    at: float
    bar: float
    regions: tuple[Region, ...]

    @property
    def passes(self) -> bool:
        return self.max_ulp <= self.bar


@dataclass(frozen=True)
class RewriteEffect:
    rewrite: str  # the REWRITES description
    as_written: float  # max float64 ULP of f as written (inf: overflow or NaN)
    rewritten: float
    where: tuple[Region, ...]  # where the formula as written fails


@dataclass(frozen=True)
class Report:
    """What ``actlab.check`` measured."""

    name: str
    formula: str
    measures: tuple[Measure, ...]
    rewrites: tuple[RewriteEffect, ...]
    roots: tuple[tuple[str, float, float], ...]  # (f or d, root, max float64 ULP within 0.05)
    suggestions: tuple[str, ...]
    facts: dict[str, Any] = field(default_factory=dict)

    def max_ulp(self, dtype: str, which: str = "f") -> float:
        return next(m.max_ulp for m in self.measures if m.dtype == dtype and m.which == which)

    @property
    def passes(self) -> bool:
        return all(m.passes for m in self.measures)

    def lines(self) -> list[str]:
        out = [f"numerics of {self.name} = {self.formula} (max ULP vs mpmath, catalog bars):"]
        if self.facts:
            out.append("  facts: " + "; ".join(f"{k} {v}" for k, v in self.facts.items()))
        for m in self.measures:
            mark = "ok" if m.passes else "ABOVE BAR"
            label = "f " if m.which == "f" else "f'"
            out.append(
                f"  {label} {m.dtype:<8} {m.max_ulp:9.3g} ULP (bar {m.bar:g}) at x = "
                f"{m.at:.6g}  {mark}"
            )
            for r in m.regions[:3]:
                out.append(f"      {r}")
            if len(m.regions) > 3:
                out.append(f"      ... and {len(m.regions) - 3} more regions")
        for w in self.rewrites:
            out.append(
                f"  rewrite {w.rewrite}: as written {w.as_written:.3g} ULP, rewritten "
                f"{w.rewritten:.3g} ULP (float64)"
            )
            for reg in sorted(w.where, key=lambda g: g.what == "inaccurate")[:3]:
                out.append(f"      as written: {reg}")
        for which, root, ulp in self.roots:
            note = " — cancellation" if ulp > BARS["float64"] else ""
            out.append(
                f"  root of {_label(which)} at x = {root:.6g}: {ulp:.3g} ULP nearby (float64){note}"
            )
        out += [f"  suggestion: {s}" for s in self.suggestions]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _label(which: str) -> str:
    return "f" if which == "f" else "f'"


def _definition(name: str) -> Definition:
    from .._catalog import resolve

    spec = resolve(name)
    if spec.name not in DEFINED:
        raise ValueError(
            f"check: {spec.name} is a catalog activation (its accuracy is tested against the "
            "committed oracle tables); check measures activations made with actlab.define"
        )
    return DEFINED[spec.name]


def _oracle(d: Definition, expr: Any, xs: np.ndarray, which: str) -> tuple[np.ndarray, np.ndarray]:
    import mpmath as mp

    from actlab_oracle.formulas import evaluate

    from ._compile import eval_mp

    def fn(x: Any, **p: Any) -> Any:
        return eval_mp(expr, {"x": x, **{k: mp.mpf(v) for k, v in p.items()}})

    vals = [evaluate(fn, float(v), dict(d.params), which, f"defined:{d.name}") for v in xs]
    return np.array([v[0] for v in vals]), np.array([v[1] for v in vals])


def _errors(got: np.ndarray, hi: np.ndarray, lo: np.ndarray, dt: Any, x: np.ndarray) -> np.ndarray:
    from actlab_oracle.accuracy import errors, relative, underflow_ok

    err = np.where(underflow_ok(got, hi, lo, dt), 0.0, errors(got, hi, lo, dt))
    if dt is np.float64:
        outer = np.abs(x) > F64_OUTER
        rel = relative(got, hi, lo)
        # beyond |x| = 30 the bar is relative: count it as within the bar where it is met
        err = np.where(outer & (rel <= F64_REL), np.minimum(err, BARS["float64"]), err)
    return err


def _regions(x: np.ndarray, bad: np.ndarray, err: np.ndarray, what: str) -> list[Region]:
    """Contiguous runs (in sorted x) of bad points, as intervals."""
    order = np.argsort(x, kind="stable")
    xs, bs, es = x[order], bad[order], err[order]
    out: list[Region] = []
    i, n = 0, len(xs)
    while i < n:
        if not bs[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and bs[j + 1]:
            j += 1
        e = es[i : j + 1]
        e = e[np.isfinite(e)]
        out.append(Region(what, float(xs[i]), float(xs[j]), float(e.max()) if e.size else math.inf))
        i = j + 1
    return out


def _problems(
    x: np.ndarray, got: np.ndarray, hi: np.ndarray, err: np.ndarray, bar: float
) -> tuple[Region, ...]:
    over = np.isinf(got) & np.isfinite(hi)
    nan = np.isnan(got) & ~np.isnan(hi)
    bad = (err > bar) & ~over & ~nan
    regs = _regions(x, over, err, "overflow") + _regions(x, nan, err, "nan")
    regs += _regions(x, bad, err, "inaccurate")
    return tuple(sorted(regs, key=lambda r: r.lo))


def check(name: str, dtypes: tuple[str, ...] = ("float16", "float32", "float64")) -> Report:
    """Measure a defined activation against mpmath: see the module docstring.

    Args:
        name: the name given to ``actlab.define``.
        dtypes: which of float16, float32, float64 to measure.

    Returns:
        A Report: ``print(report)`` shows it; ``.max_ulp(dtype, "f" | "d")``, ``.measures``,
        ``.rewrites``, ``.roots``, ``.suggestions``.
    """
    from actlab_oracle.grid import DTYPES, points

    from ._build import _d_work
    from ._compile import compile_xp, numpy_fn

    d = _definition(name)
    bad = [t for t in dtypes if t not in DTYPES]
    if bad:
        raise ValueError(f"check: dtypes must be among {', '.join(DTYPES)}, got {bad}")
    act = Activation(d.spec, {})  # type: ignore[arg-type]
    kinks = [k for k, _ in act.kinks]
    measures = []
    f64: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    grids = {dtype: points(dtype, kinks) for dtype in dtypes}
    # one mpmath evaluation per distinct point (the dtypes' grids share many)
    allx = np.concatenate(list(grids.values()))
    keys = np.stack([allx, np.signbit(allx)])
    uniq, inverse = np.unique(keys, axis=1, return_inverse=True)
    inverse = inverse.ravel()
    exact = {w: _oracle(d, e, uniq[0], w) for w, e in (("f", d.f_work), ("d", _d_work(d)))}
    offsets = np.cumsum([0] + [len(g) for g in grids.values()])
    for n, dtype in enumerate(dtypes):
        dt = DTYPES[dtype]
        x = grids[dtype]
        idx = inverse[offsets[n] : offsets[n + 1]]
        for which in ("f", "d"):
            hi, lo = exact[which][0][idx], exact[which][1][idx]
            got = np.asarray(act(x.astype(dt)) if which == "f" else act.derivative(x.astype(dt)))
            err = _errors(got, hi, lo, dt, x)
            bar = BARS[dtype]
            j = int(np.argmax(np.where(np.isnan(err), np.inf, err)))
            measures.append(
                Measure(
                    dtype, which, float(err[j]), float(x[j]), bar, _problems(x, got, hi, err, bar)
                )
            )
            if dtype == "float64":
                f64[which] = (x, hi, lo, err)
    effects = []
    suggestions: list[str] = []
    if "f" in f64 and d.rewrites:
        from ._symbolic import REWRITES

        x, hi, lo, err = f64["f"]
        literal = numpy_fn(compile_xp(d.f_work))(x, d.params)
        lerr = _errors(literal, hi, lo, np.float64, x)
        where = _problems(x, literal, hi, lerr, BARS["float64"])
        for r in d.rewrites:
            effects.append(
                RewriteEffect(REWRITES[r], float(np.nanmax(lerr)), float(np.nanmax(err)), where)
            )
    roots = _roots(f64)
    for m in measures:
        if not m.passes and m.dtype == "float64":
            for reg in m.regions:
                if reg.what == "overflow":
                    suggestions.append(
                        f"{_label(m.which)} overflows ({reg}): "
                        "keep exp's argument non-positive, e.g. softplus(x) for log(1+exp(x)), "
                        "sigmoid(x) for exp(x)/(1+exp(x))"
                    )
                    break
    for which, root, ulp in roots:
        if ulp > BARS["float64"]:
            suggestions.append(
                f"near the root x = {root:.6g} of {_label(which)} "
                f"terms cancel ({ulp:.3g} ULP): write the formula as a product with the root as "
                "a factor there, or accept an absolute error (it is tiny next to f's scale)"
            )
    rf = act.facts  # measured as analyze measures them (actlab._define._build)
    facts = {
        "range": str(rf.range),
        "bounded": rf.bounded,
        "monotonic": rf.monotonic,
        "zero_centred": rf.zero_centred,
        "smoothness": rf.smoothness,
        "saturates": rf.saturates,
    }
    return Report(
        d.name, d.formula, tuple(measures), tuple(effects), tuple(roots), tuple(suggestions), facts
    )


def _roots(
    f64: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> list[tuple[str, float, float]]:
    """Sign changes of f and f' in [-30, 30] (from the exact values) and the float64 error
    within 0.05 of each: where a sum of terms cancels to a small value."""
    out: list[tuple[str, float, float]] = []
    for which, (x, hi, _, err) in f64.items():
        sel = np.isfinite(hi) & (np.abs(x) <= 30)
        order = np.argsort(x[sel])
        xs, hs, es = x[sel][order], hi[sel][order], err[sel][order]
        for i in range(len(xs) - 1):
            if hs[i] == 0 or hs[i] * hs[i + 1] < 0:
                r = float(xs[i]) if hs[i] == 0 else float((xs[i] + xs[i + 1]) / 2)
                r = 0.0 if abs(r) < 1e-300 else r  # a root at 0, seen between ±subnormals
                near = np.abs(xs - r) <= 0.05
                e = float(np.max(es[near])) if near.any() else 0.0
                if not out or out[-1][0] != which or abs(out[-1][1] - r) > 0.05:
                    out.append((which, r, e))
    return out[:8]
