"""Print the Taylor coefficients actlab uses for f' next to its roots (``_ROOT_SERIES`` in
src/actlab/_catalog/_elementwise.py). Near a root, f' = a − b with a ≈ b; its Taylor series in
(x − x0), with x0 as a double-double, has no cancellation. Run: python tools/root_series.py
"""

from __future__ import annotations

import mpmath as mp

mp.mp.dps = 80


def sig(t):
    return 1 / (1 + mp.exp(-t))


C = mp.mpf("0.044715")
S = mp.sqrt(2 / mp.pi)


def dgelu_tanh(x):
    u2 = 2 * S * (x + C * x**3)
    return sig(u2) + x * sig(u2) * sig(-u2) * 2 * S * (1 + 3 * C * x**2)


def dsinc(x):
    return (x * mp.cos(x) - mp.sin(x)) / x**2


# name: (f', guess, terms); the radius each series is used within is _ROOT_RADIUS in actlab
SERIES = {
    "gelu": (lambda x: mp.ncdf(x) + x * mp.npdf(x), -0.75, 30),
    "gelu_tanh": (dgelu_tanh, -0.75, 30),
    "silu": (lambda t: sig(t) * (1 + t * sig(-t)), -1.28, 48),
    "mish": (
        lambda x: mp.tanh(mp.log1p(mp.exp(x))) + x * mp.sech(mp.log1p(mp.exp(x))) ** 2 * sig(x),
        -1.19,
        30,
    ),
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
