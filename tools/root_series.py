"""Print the Taylor coefficients actlab uses for f' next to its roots (``_ROOTS`` in
src/actlab/_catalog/_elementwise.py). Near a root, f' = a − b with a ≈ b; its Taylor series in
(x − x0), with x0 as a double-double, has no cancellation. Run: python tools/root_series.py
"""

from __future__ import annotations

import mpmath as mp

mp.mp.dps = 60
N = 26  # terms; with radius 0.5 the last one is below 1e-18 of the first for all four


def sig(t):
    return 1 / (1 + mp.exp(-t))


C = mp.mpf("0.044715")
S = mp.sqrt(2 / mp.pi)

DERIVATIVES = {
    "gelu": lambda x: mp.ncdf(x) + x * mp.npdf(x),
    "gelu_tanh": lambda x: sig(2 * S * (x + C * x**3))
    + x * sig(2 * S * (x + C * x**3)) * sig(-2 * S * (x + C * x**3)) * 2 * S * (1 + 3 * C * x**2),
    "silu": lambda t: sig(t) * (1 + t * sig(-t)),
    "mish": lambda x: mp.tanh(mp.log1p(mp.exp(x)))
    + x * mp.sech(mp.log1p(mp.exp(x))) ** 2 * sig(x),
}
GUESS = {"gelu": -0.75, "gelu_tanh": -0.75, "silu": -1.28, "mish": -1.19}

for name, d in DERIVATIVES.items():
    x0 = mp.findroot(d, GUESS[name])
    hi = float(x0)
    lo = float(x0 - hi)
    coeffs = mp.taylor(d, x0, N)[1:]
    print(f'    "{name}": ({hi.hex()!r}, {lo.hex()!r}, (')
    for c in coeffs:
        print(f"        {float(c)!r},")
    print("    )),")
