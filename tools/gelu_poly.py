"""Write src/actlab/_kernels/_gelu_poly.py: the polynomials of the exact gelu's fused kernel.

torch's float32 gelu is fast because its erf is a short polynomial, and inexact for the same
reason (hundreds of ULP on [−3, −1]); SLEEF's float64 erfc is exact to a float32 output but
costs ~7 ns an element. The kernel needs erfc only on the half line a = |x|/√2 ≥ 0, and only
to a relative error far below a float32 ULP, so it writes

    Φ(−|x|)      = ½·e·R(a),        R(a) = erfc(a)·exp(a²)          (forward)
    gelu'(−|x|)  = e·d·G(a),        G(a) = gelu'(−|x|) / (e·d)       (derivative)

with e = exp(−x²/2) (x² is exact for any float32/float16/bfloat16 x, so e has exp's error
alone) and d = −|x| − x_r, x_r the root of gelu' as a double-double, so gelu' keeps its
relative accuracy next to the root, where Φ + x·φ cancels. The other half line follows from
Φ(x) = 1 − Φ(−x) and gelu'(x) = 1 − gelu'(−x). R and G are smooth on [0, ∞) (R ~ 1/(a√π),
G → 1/√(2π)); each is one polynomial in v = (P·a + Q)/(a + K), which maps a ∈ [0, A] onto
[−1, 1] and the slow tail onto a short interval. The fit is Lawson's iteration (minimax
relative error) on Chebyshev points in v against mpmath, converted to powers of v and then
checked as the kernel evaluates it (float64, Estrin's order) on 200,000 points against the
oracle's independent mpmath gelu and gelu'.

R(0) is set a hair below 1 (``below_one`` says why). Beyond A the float32 result is 0
(forward, x < −A√2: |gelu| < 1e-48) or the limit (x > A√2), so a is clamped to A.

Run: python tools/gelu_poly.py   (then commit the regenerated file)
"""

from __future__ import annotations

import math
from pathlib import Path

import mpmath as mp
import numpy as np

from actlab._kernels._poly import estrin
from actlab_oracle.formulas import FORMULAS

mp.mp.dps = 40
OUT = Path(__file__).resolve().parents[1] / "src" / "actlab" / "_kernels" / "_gelu_poly.py"

A = 10.6  # a = |x|/√2 up to here: x down to −15, where float32 gelu and gelu' are 0
K = 4.0
P, Q = (A + 2 * K) / A, -K  # v(0) = −1, v(A) = 1
NODES = 6000
DEG_R, DEG_G = 16, 15

F, DF = FORMULAS["gelu"]
XR = mp.findroot(DF, mp.mpf("-0.75"))
XR_HI = float(XR)
XR_LO = float(XR - XR_HI)


def r_exact(a: mp.mpf) -> mp.mpf:
    return mp.erfc(a) * mp.exp(a * a)


def g_exact(a: mp.mpf) -> mp.mpf:
    x = -a * mp.sqrt(2)
    return DF(x) / (mp.exp(-x * x / 2) * (x - XR))


def a_of(v: np.ndarray) -> np.ndarray:
    return (v * K - Q) / (P - v)


def lawson(fn: object, deg: int) -> tuple[list[float], float]:
    """Powers-of-v coefficients minimising the largest relative error on Chebyshev nodes."""
    v = np.cos(np.linspace(0.0, math.pi, NODES))
    f = np.array([float(fn(mp.mpf(float(a)))) for a in a_of(v)])  # type: ignore[operator]
    basis = np.polynomial.chebyshev.chebvander(v, deg)
    w = np.full(NODES, 1.0 / NODES)
    for _ in range(80):
        s = np.sqrt(w) / np.abs(f)
        c, *_ = np.linalg.lstsq(basis * s[:, None], f * s, rcond=None)
        r = np.abs(basis @ c / f - 1)
        w = w * r / np.sum(w * r)
    return [float(m) for m in np.polynomial.chebyshev.cheb2poly(c)], float(r.max())


def check(cr: list[float], cg: list[float]) -> tuple[float, float]:
    """Largest relative error of the kernel's arithmetic for Φ(−|x|) and gelu'(−|x|), in
    float64 as the kernel runs it, against the oracle, at x uniform in [−A√2, 0] (plus float32
    neighbours of the root of gelu')."""
    rng = np.random.default_rng(0)
    x = -rng.uniform(0.0, A * math.sqrt(2), 200_000)
    root32 = np.float32(XR_HI)
    near = np.array([np.nextafter(root32, np.float32(k * np.inf)) for k in (-1, 1)])
    x = np.concatenate([x.astype(np.float32).astype(np.float64), near.astype(np.float64)])
    a = np.minimum(np.abs(x) / math.sqrt(2), A)
    v = (P * a + Q) / (a + K)
    e = np.exp(-0.5 * x * x)
    d = (-np.abs(x) - XR_HI) - XR_LO
    phi = 0.5 * e * estrin(v, cr)
    dg = e * d * estrin(v, cg)
    ref_phi = np.array([float(F(mp.mpf(t)) / mp.mpf(t)) for t in x])
    ref_d = np.array([float(DF(mp.mpf(t))) for t in x])
    return float(np.max(np.abs(phi / ref_phi - 1))), float(np.max(np.abs(dg / ref_d - 1)))


def below_one(cr: list[float]) -> list[float]:
    """R scaled so that R(0), as the kernel evaluates it, is just below 1 (by 2⁻⁴⁷, under the
    fit's own error). Where x is subnormal, x·Φ(x) is x/2 to float64 precision, often exactly
    halfway between two float32s; the true value lies above x/2 (Φ(x) − ½ has x's sign), and
    with Φ(−|x|) = ½·R(0) a hair below ½ the rounding goes the way the true value lies —
    where a fit that happened to give R(0) ≥ 1 would round those ties the wrong way."""
    target = 1.0 - 2.0**-47
    cr = [c * target / float(estrin(-1.0, cr)) for c in cr]
    assert float(estrin(-1.0, cr)) < 1.0, "R(0) must evaluate below 1"
    return cr


def main() -> None:
    cr, fit_r = lawson(r_exact, DEG_R)
    cr = below_one(cr)
    cg, fit_g = lawson(g_exact, DEG_G)
    err_phi, err_d = check(cr, cg)
    lines = [
        '"""Generated by tools/gelu_poly.py; do not edit. The polynomials of the exact gelu\'s',
        "fused kernel (its docstring says what they are). Fit error (minimax, relative): R",
        f"{fit_r:.2e}, G {fit_g:.2e}; the kernel's float64 arithmetic against mpmath on",
        f"200,000 points: Φ(−|x|) {err_phi:.2e}, gelu'(−|x|) {err_d:.2e} (a float32 ULP is",
        '2^−24 ≈ 6e-8 relative)."""',
        "",
        f"A = {A!r}",
        f"K = {K!r}",
        f"P = {P!r}",
        f"Q = {Q!r}",
        f"XR_HI = {XR_HI!r}",
        f"XR_LO = {XR_LO!r}",
        f"ERROR_PHI = {err_phi:.3e}",
        f"ERROR_DERIVATIVE = {err_d:.3e}",
        "",
        "#: R(a) = erfc(a)·exp(a²), powers of v, lowest first",
        "R = (",
        *[f"    {c!r}," for c in cr],
        ")",
        "",
        "#: G(a) = gelu'(−a√2) / (exp(−a²)·(−a√2 − x_r)), powers of v, lowest first",
        "G = (",
        *[f"    {c!r}," for c in cg],
        ")",
        "",
    ]
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}: R {fit_r:.2e}, G {fit_g:.2e}; kernel Φ {err_phi:.2e}, gelu' {err_d:.2e}")


if __name__ == "__main__":
    main()
