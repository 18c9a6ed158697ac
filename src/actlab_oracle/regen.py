"""Regenerate the committed oracle tables: ``make oracle`` (or ``python -m actlab_oracle.regen
[NAME ...]``). Each table holds, for one activation and parameter set, the sample points of every
dtype and the exact f and f' there as float64 (hi, lo) pairs, from the mpmath formulas.

It also checks the oracle against itself: each hand-written mpmath derivative must agree with
mpmath's numerical differentiation of the formula away from kinks.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path
from typing import Any

import mpmath as mp
import numpy as np

import actlab
from actlab_oracle.formulas import CASES, FORMULAS, case_id, evaluate
from actlab_oracle.grid import DTYPES, points

TABLES = Path(__file__).with_name("tables")


def kinks_of(name: str, params: dict[str, Any]) -> list[float]:
    act = actlab.get(name, **params)
    return [x for x, _ in act.kinks]


def check_derivative(name: str, params: dict[str, Any]) -> None:
    f, d = FORMULAS[name]
    kinks = kinks_of(name, params)
    for x in (-7.3, -2.1, -0.6, 0.3, 1.7, 4.9, 12.5):
        if any(abs(x - k) < 1e-3 for k in kinks) or (name == "binary_step"):
            continue
        with mp.workdps(40):
            num = mp.diff(lambda t: f(t, **params), mp.mpf(x))
            ana = d(mp.mpf(x), **params)
            if abs(num - ana) > mp.mpf(10) ** -25 * max(1, abs(ana)):
                raise SystemExit(
                    f"oracle derivative of {name} {params} disagrees at {x}: "
                    f"{ana} vs numerical {num}"
                )


def table(name: str, params: dict[str, Any]) -> dict[str, np.ndarray]:
    f, d = FORMULAS[name]
    kinks = kinks_of(name, params)
    xs, codes = [], []
    for i, dt in enumerate(DTYPES):
        p = points(dt, kinks)
        xs.append(p)
        codes.append(np.full(p.shape, i, dtype=np.int8))
    x = np.concatenate(xs)
    out = {"x": x, "dtype": np.concatenate(codes)}
    for key, fn, which in (("f", f, "f"), ("d", d, "d")):
        vals = [evaluate(fn, float(v), params, which, name) for v in x]
        out[key + "_hi"] = np.array([v[0] for v in vals])
        out[key + "_lo"] = np.array([v[1] for v in vals])
    return out


def one(case: tuple[str, dict[str, Any]]) -> str:
    name, params = case
    check_derivative(name, params)
    np.savez_compressed(TABLES / f"{case_id(name, params)}.npz", **table(name, params))  # type: ignore[arg-type]
    return f"{case_id(name, params):40} written"


def main(argv: list[str]) -> None:
    TABLES.mkdir(exist_ok=True)
    cases = [(n, p) for n in (argv or sorted(FORMULAS)) for p in CASES[n]]
    with multiprocessing.Pool() as pool:
        for line in pool.imap_unordered(one, cases):
            print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
