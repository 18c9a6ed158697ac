"""The sample points the oracle tables cover, per dtype (as float64 values exactly representable
in that dtype): dense [-30, 30], random points, log-spaced magnitudes up to the dtype's max,
zeros, subnormals, ±inf, and each kink with its neighbours."""

from __future__ import annotations

from typing import Any

import numpy as np

DTYPES: dict[str, type[np.floating[Any]]] = {
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
}
_SIZES = {"float16": (201, 300, 30), "float32": (401, 400, 60), "float64": (801, 400, 120)}


def points(dtype: str, kinks: list[float]) -> np.ndarray:
    dt = DTYPES[dtype]
    fi = np.finfo(dt)
    n_lin, n_rand, n_log = _SIZES[dtype]
    rng = np.random.default_rng(20261122 + n_lin)
    tiny_exp = np.log10(float(fi.smallest_subnormal))
    # 10 ** log10(max) rounds above float64's max: the top magnitude is the dtype's max itself
    with np.errstate(over="ignore"):
        mags = 10.0 ** np.linspace(tiny_exp, np.log10(float(fi.max)), n_log)
    mags[-1] = float(fi.max)
    special = [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        1.0,
        -1.0,
        float(fi.smallest_subnormal),
        -float(fi.smallest_subnormal),
        float(fi.smallest_normal),
        float(fi.smallest_normal) - float(fi.smallest_subnormal),
        float(fi.max),
        -float(fi.max),
        30.0,
        -30.0,
        31.0,
        -31.0,
        100.0,
        -100.0,
        1e3,
        -1e3,
    ]
    for k in kinks:
        kk = dt(k)
        special += [
            float(kk),
            float(np.nextafter(kk, dt(np.inf))),
            float(np.nextafter(kk, dt(-np.inf))),
        ]
    with np.errstate(over="ignore"):
        xs = (
            np.concatenate(
                [
                    np.linspace(-30, 30, n_lin),
                    rng.uniform(-30, 30, n_rand),
                    mags,
                    -mags,
                    np.array(special),
                ]
            )
            .astype(dt)
            .astype(np.float64)
        )
    # keep −0.0 distinct from 0.0 while removing duplicates
    _, idx = np.unique(np.stack([xs, np.signbit(xs)]), axis=1, return_index=True)
    return xs[np.sort(idx)]
