"""Write src/actlab/_kernels/_polys.py: the fitted polynomials of the fused kernels.

Where SLEEF's float64 function is what makes a kernel slower than torch's float32 one, the
kernel uses a polynomial fitted here instead, to a relative error far below a float32 ULP
(2⁻²⁴ ≈ 6e-8; the fits reach ~1e-14). Each fit is Lawson's iteration (minimax relative error)
on Chebyshev points against mpmath, converted to powers of the kernel's variable, and then
checked as the kernel evaluates it (float64, Estrin's order: ``actlab._kernels._poly``) on
200,000 points against mpmath.

**gelu (exact).** torch's float32 gelu is fast because its erf is a short polynomial, and
inexact for the same reason (hundreds of ULP on [−3, −1]); SLEEF's float64 erfc is exact to a
float32 output but cost 4× torch's whole gelu. The kernel needs erfc only on the half line
a = |x|/√2 ≥ 0, so it writes

    Φ(−|x|)      = ½·e·R(a),        R(a) = erfc(a)·exp(a²)          (forward)
    gelu'(−|x|)  = e·d·G(a),        G(a) = gelu'(−|x|) / (e·d)       (derivative)

with e = exp(−x²/2) (x² is exact for any float32/float16/bfloat16 x, so e has exp's error
alone) and d = −|x| − x_r, x_r the root of gelu' as a double-double, so gelu' keeps its
relative accuracy next to the root, where Φ + x·φ cancels. The other half line follows from
Φ(x) = 1 − Φ(−x) and gelu'(x) = 1 − gelu'(−x). R and G are smooth on [0, ∞) (R ~ 1/(a√π),
G → 1/√(2π)); each is one polynomial in v = (P·a + Q)/(a + K), which maps a ∈ [0, A] onto
[−1, 1] and the slow tail onto a short interval. R(0) is set a hair below 1 (``below_one``
says why). Beyond A the float32 result is 0 (forward, x < −A√2: |gelu| < 1e-48) or the limit
(x > A√2), so a is clamped to A.

**log1p(e) for e = exp(−|z|) ∈ (0, 1]** (softplus, log_sigmoid). SLEEF's float64 log1p was
two fifths of softplus's kernel. log1p(e) = 2·atanh(w) with w = e/(2 + e) ∈ [0, 1/3], and
atanh(w)/w = L(w²) is smooth on u = w² ∈ [0, 1/9] (its singularity is at u = 1), so
log1p(e) = 2·w·L(u): one division and a degree-8 polynomial, every term positive.

Run: python tools/kernel_polys.py   (then commit the regenerated file)
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mpmath as mp
import numpy as np

from actlab_oracle.formulas import FORMULAS

mp.mp.dps = 40
KERNELS = Path(__file__).resolve().parents[1] / "src" / "actlab" / "_kernels"
OUT = KERNELS / "_polys.py"
# _poly.py by its path: importing the package would import the file this tool writes
_spec = importlib.util.spec_from_file_location("_poly", KERNELS / "_poly.py")
assert _spec is not None and _spec.loader is not None
_poly = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_poly)
estrin = _poly.estrin
NODES = 6000

A = 10.6  # a = |x|/√2 up to here: x down to −15, where float32 gelu and gelu' are 0
K = 4.0
P, Q = (A + 2 * K) / A, -K  # v(0) = −1, v(A) = 1
DEG_R, DEG_G, DEG_L = 16, 15, 8
U_MAX = 1.0 / 9.0

F, DF = FORMULAS["gelu"]
XR = mp.findroot(DF, mp.mpf("-0.75"))
XR_HI = float(XR)
XR_LO = float(XR - XR_HI)


def r_exact(a: Any) -> Any:
    return mp.erfc(a) * mp.exp(a * a)


def g_exact(a: Any) -> Any:
    x = -a * mp.sqrt(2)
    return DF(x) / (mp.exp(-x * x / 2) * (x - XR))


def l_exact(u: Any) -> Any:
    return mp.mpf(1) if u == 0 else mp.atanh(mp.sqrt(u)) / mp.sqrt(u)


def lawson(
    fn: Callable[[Any], Any], deg: int, x_of: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, float]:
    """Chebyshev coefficients (in s ∈ [−1, 1], the point x_of(s)) minimising the largest
    relative error on Chebyshev nodes."""
    s = np.cos(np.linspace(0.0, math.pi, NODES))
    f = np.array([float(fn(mp.mpf(float(x)))) for x in x_of(s)])
    basis = np.polynomial.chebyshev.chebvander(s, deg)
    w = np.full(NODES, 1.0 / NODES)
    best: tuple[np.ndarray, float] | None = None
    for _ in range(80):
        scale = np.sqrt(w) / np.abs(f)
        c, *_ = np.linalg.lstsq(basis * scale[:, None], f * scale, rcond=None)
        r = np.abs(basis @ c / f - 1)
        if best is None or r.max() < best[1]:
            best = (c, float(r.max()))
        w = w * r / np.sum(w * r)  # near float64's own rounding the weights stop meaning much
    assert best is not None
    return best


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


def gelu() -> tuple[list[float], list[float], dict[str, float]]:
    a_of = lambda v: (v * K - Q) / (P - v)  # noqa: E731 — the inverse of v(a)
    cr, fit_r = lawson(r_exact, DEG_R, a_of)
    cg, fit_g = lawson(g_exact, DEG_G, a_of)
    r = below_one([float(m) for m in np.polynomial.chebyshev.cheb2poly(cr)])
    g = [float(m) for m in np.polynomial.chebyshev.cheb2poly(cg)]
    # as the kernel runs it, at x uniform in [−A√2, 0] and the float32 neighbours of the root
    rng = np.random.default_rng(0)
    x = -rng.uniform(0.0, A * math.sqrt(2), 200_000)
    root32 = np.float32(XR_HI)
    near = np.array([np.nextafter(root32, np.float32(k * np.inf)) for k in (-1, 1)])
    x = np.concatenate([x.astype(np.float32).astype(np.float64), near.astype(np.float64)])
    a = np.minimum(np.abs(x) / math.sqrt(2), A)
    v = (P * a + Q) / (a + K)
    e = np.exp(-0.5 * x * x)
    d = (-np.abs(x) - XR_HI) - XR_LO
    phi = 0.5 * e * estrin(v, r)
    dg = e * d * estrin(v, g)
    ref_phi = np.array([float(F(mp.mpf(t)) / mp.mpf(t)) for t in x])
    ref_d = np.array([float(DF(mp.mpf(t))) for t in x])
    errors = {
        "fit R": fit_r,
        "fit G": fit_g,
        "GELU_ERROR_PHI": float(np.max(np.abs(phi / ref_phi - 1))),
        "GELU_ERROR_DERIVATIVE": float(np.max(np.abs(dg / ref_d - 1))),
    }
    return r, g, errors


def log1p() -> tuple[list[float], dict[str, float]]:
    c, fit = lawson(l_exact, DEG_L, lambda s: (s + 1) * U_MAX / 2)
    cheb = np.polynomial.Chebyshev(c, domain=[0.0, U_MAX])
    coeffs = [float(m) for m in cheb.convert(kind=np.polynomial.Polynomial).coef]
    rng = np.random.default_rng(1)
    z = np.concatenate([rng.uniform(0.0, 40.0, 200_000), [0.0, 1e-300]])
    e = np.exp(-z)
    w = e / (2.0 + e)
    ours = 2.0 * w * estrin(w * w, coeffs)
    ref = np.array([float(mp.log1p(mp.exp(-mp.mpf(t)))) for t in z])
    return coeffs, {"fit L": fit, "LOG1P_ERROR": float(np.max(np.abs(ours / ref - 1)))}


def main() -> None:
    r, g, gerr = gelu()
    lc, lerr = log1p()

    def block(name: str, what: str, cs: list[float]) -> list[str]:
        return [f"#: {what}, lowest power first", f"{name} = (", *[f"    {c!r}," for c in cs], ")"]

    lines = [
        '"""Generated by tools/kernel_polys.py; do not edit: the fitted polynomials of the',
        "fused kernels (the tool's docstring says what each is and why). Minimax relative fit",
        f"errors: gelu R {gerr['fit R']:.2e}, G {gerr['fit G']:.2e}; log1p L {lerr['fit L']:.2e}.",
        "The ERROR_ constants are the kernels' own float64 arithmetic against mpmath on 200,000",
        'points (a float32 ULP is 2^−24 ≈ 6e-8 relative)."""',
        "",
        "# gelu (exact): Φ(−|x|) = ½·exp(−x²/2)·R(v), gelu'(−|x|) = exp(−x²/2)·d·G(v),",
        "# v = (P·a + Q)/(a + K), a = min(|x|/√2, A), d = (−|x| − XR_HI) − XR_LO",
        f"GELU_A = {A!r}",
        f"GELU_K = {K!r}",
        f"GELU_P = {P!r}",
        f"GELU_Q = {Q!r}",
        f"GELU_XR_HI = {XR_HI!r}",
        f"GELU_XR_LO = {XR_LO!r}",
        f"GELU_ERROR_PHI = {gerr['GELU_ERROR_PHI']:.3e}",
        f"GELU_ERROR_DERIVATIVE = {gerr['GELU_ERROR_DERIVATIVE']:.3e}",
        *block("GELU_R", "R(a) = erfc(a)·exp(a²) in powers of v", r),
        *block("GELU_G", "G(a) = gelu'(−a√2) / (exp(−a²)·(−a√2 − x_r)) in powers of v", g),
        "",
        "# log1p(e) = 2·w·L(w²), w = e/(2 + e), for e ∈ [0, 1]",
        f"LOG1P_ERROR = {lerr['LOG1P_ERROR']:.3e}",
        *block("LOG1P_L", "L(u) = atanh(√u)/√u in powers of u ∈ [0, 1/9]", lc),
        "",
    ]
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}: " + ", ".join(f"{k} {v:.2e}" for k, v in {**gerr, **lerr}.items()))


if __name__ == "__main__":
    main()
