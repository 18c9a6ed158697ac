"""Error measures against the oracle tables: ULPs from the exactly rounded value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from actlab_oracle.formulas import FORMULAS, case_id, evaluate
from actlab_oracle.grid import DTYPES, points

TABLES = Path(__file__).with_name("tables")


def load(name: str, params: dict[str, Any], kinks: list[float]) -> dict[str, np.ndarray]:
    """The committed table, or (for a new spec or case) the same values computed now."""
    path = TABLES / f"{case_id(name, params)}.npz"
    if path.exists():
        with np.load(path) as z:
            return dict(z)
    f, d = FORMULAS[name]
    xs = [points(dt, kinks) for dt in DTYPES]
    x = np.concatenate(xs)
    out = {
        "x": x,
        "dtype": np.concatenate([np.full(p.shape, i, np.int8) for i, p in enumerate(xs)]),
    }
    for key, fn in (("f", f), ("d", d)):
        vals = [evaluate(fn, float(v), params, key, name) for v in x]
        out[key + "_hi"] = np.array([v[0] for v in vals])
        out[key + "_lo"] = np.array([v[1] for v in vals])
    return out


def rounded(hi: np.ndarray, lo: np.ndarray, dt: Any) -> np.ndarray:
    """hi + lo correctly rounded to dt (hi alone would double-round near ties)."""
    with np.errstate(over="ignore", invalid="ignore"):
        r = hi.astype(dt)
        if dt is np.float64:
            return r
        resid = (hi - r.astype(np.float64)) + lo
        half = np.spacing(np.abs(r)).astype(np.float64) / 2
        up = np.nextafter(r, dt(np.inf))
        down = np.nextafter(r, dt(-np.inf))
        r = np.where(np.isfinite(r) & (resid > half), up, r)
        r = np.where(np.isfinite(r) & (resid < -half), down, r)
    return r


def errors(computed: np.ndarray, hi: np.ndarray, lo: np.ndarray, dt: Any) -> np.ndarray:
    """Error of each computed value in ULPs of the exactly rounded value; 0 where both are the
    same inf or both NaN, inf where one is NaN/inf and the other is not."""
    c = computed.astype(np.float64)
    r = rounded(hi, lo, dt).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        # float64: against the exact hi + lo; narrower: against the correctly rounded value
        diff = np.abs((c - hi) - lo) if dt is np.float64 else np.abs(c - r)
        ulp = np.spacing(np.abs(r.astype(dt))).astype(np.float64)
        err = diff / ulp
    same = (c == r) | (np.isnan(c) & np.isnan(r))
    err = np.where(same, 0.0, err)
    bad = ~same & (~np.isfinite(c) | ~np.isfinite(r))
    return np.where(bad, np.inf, err)


def underflow_ok(computed: np.ndarray, hi: np.ndarray, lo: np.ndarray, dt: Any) -> np.ndarray:
    """Where the true value is below the smallest normal, an absolute error of at most the
    smallest subnormal also passes."""
    fi = np.finfo(dt)
    with np.errstate(invalid="ignore"):
        tiny = np.abs(hi) < float(fi.smallest_normal)
        ok: np.ndarray = tiny & (
            np.abs((computed.astype(np.float64) - hi) - lo) <= float(fi.smallest_subnormal)
        )
    return ok


def relative(computed: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    c = computed.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        rel = np.abs((c - hi) - lo) / np.abs(hi)
    same = (c == hi) | (np.isnan(c) & np.isnan(hi))
    return np.where(same, 0.0, np.where(np.isfinite(rel), rel, np.inf))
