"""Print the Taylor coefficients actlab uses for f' next to its roots (``_ROOT_SERIES`` in
src/actlab/_catalog/_elementwise.py). Near a root, f' = a − b with a ≈ b; its Taylor series in
(x − x0), with x0 as a double-double, has no cancellation. Run: python tools/root_series.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.oracle.formulas import FORMULAS

mp.mp.dps = 80


def derivative(name: str, **params: object):
    """f' from the test oracle's independent mpmath formulas (one definition for both)."""
    d = FORMULAS[name][1]
    return lambda x: d(x, **params)


def dsinc(x):
    return FORMULAS["sinc"][1](x)


# name: (f', guess, terms); the radius each series is used within is _ROOT_RADIUS in actlab
SERIES = {
    "gelu": (derivative("gelu"), -0.75, 30),
    "gelu_tanh": (derivative("gelu", approximate="tanh"), -0.75, 30),
    "silu": (derivative("silu"), -1.28, 48),  # β = 1: the series is in t = βx
    "mish": (derivative("mish"), -1.19, 30),
}
# sinc' has a root near every (k + 1/2)π; the ones below 31 (f' is odd: the negatives mirror)
for k in range(1, 10):
    SERIES[f"sinc{k}"] = (dsinc, (k + 0.5) * mp.pi - 1 / ((k + 0.5) * mp.pi), 30)

for name, (d, guess, n) in SERIES.items():
    x0 = mp.findroot(d, guess)
    hi = float(x0)
    lo = float(x0 - hi)
    coeffs = mp.taylor(d, x0, n)[1:]
    print(f'    "{name}": ({hi.hex()!r}, {lo.hex()!r}, (')
    for c in coeffs:
        print(f"        {float(c)!r},")
    print("    )),")
