"""The fused kernels' formulas: plain float64 torch expressions, one per elementwise spec.

These are the formulas a float32 (or float16/bfloat16) result needs, and no more. Each input
value is widened to float64 inside the kernel, the formula runs there, and the result is
rounded once to the input's dtype. The catalog's forms go further (double-double products,
root series) because a float64 *output* must be right to the last float64 bit; a float32
output only needs a relative error far below 2⁻²⁴, which these stable forms give with a wide
margin (every input of a float32 is exactly representable in float64, x² is exact, and no form
subtracts nearly equal numbers: gelu' is written about its root, mish' and silu' lean on
float64's absolute error ~1e-16 staying far below a float32 ULP of their value at the float32
input nearest their root). Where SLEEF's float64 erfc and log1p were too slow, a polynomial
fitted against mpmath (``_polys``, written by tools/kernel_polys.py) stands in, to a relative
error of ~1e-14. The kernel tests hold the forms to the catalog bitwise or within 1 ULP on the
oracle grid, and ``bench/exhaustive.py`` over all 2³² float32 inputs.

NaN and ±inf are in general not the forms' business: the engine maps NaN to NaN and ±inf to
the catalog's own values at ±inf, so a form may produce anything there (inf − inf, 0·inf) —
except the forms of ``SELF_CLEAN`` (and ``SELF_CLEAN_DERIVATIVE``), which give those values
themselves and spare the kernel the selects.

A form is ``form(t, p)``: ``t`` a float64 tensor, ``p`` the activation's parameters as floats.
``PARAM_FORMS[name][param]`` is ∂f/∂param for a learnable parameter (reduced by the engine).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from . import _polys
from ._poly import estrin

Form = Callable[[torch.Tensor, dict[str, Any]], torch.Tensor]

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715
SELU_ALPHA = float("1.6732632423543772848170429916717")
SELU_SCALE = float("1.0507009873554804934193349852946")


def _sigmoid(z: torch.Tensor) -> torch.Tensor:
    return 1.0 / (1.0 + torch.exp(-z))


def _sigmoid_d(z: torch.Tensor) -> torch.Tensor:
    """σ(z)·σ(−z) as e/(1+e)², e = exp(−|z|): no cancellation in the tails."""
    e = torch.exp(-z.abs())
    return e / ((1.0 + e) * (1.0 + e))


def _sigmoid_both(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """σ(z) and σ'(z) from one exp (e = exp(−|z|), r = 1/(1+e): σ = r or e·r, σ' = e·r²),
    for forms that need both: SLEEF's float64 exp is most of such a kernel's time."""
    e = torch.exp(-z.abs())
    r = 1.0 / (1.0 + e)
    return torch.where(z >= 0, r, e * r), e * r * r


def _log1p_exp_neg_abs(z: torch.Tensor) -> torch.Tensor:
    """log1p(exp(−|z|)) as 2·w·L(w²), w = e/(2 + e), e = exp(−|z|) (tools/kernel_polys.py): one
    exp, one division and a degree-8 polynomial, every term positive, where SLEEF's float64
    log1p alone cost two fifths of softplus's kernel."""
    e = torch.exp(-z.abs())
    w = e / (2.0 + e)
    poly: torch.Tensor = estrin(w * w, _polys.LOG1P_L)
    return 2.0 * w * poly


def _softplus(z: torch.Tensor) -> torch.Tensor:
    return torch.clamp_min(z, 0.0) + _log1p_exp_neg_abs(z)


def _expm1(t: torch.Tensor) -> torch.Tensor:
    """expm1 that keeps tiny and subnormal arguments (SLEEF's vectorized expm1 returns 0
    for them): below |t| = 1e-9, expm1(t) = t to a relative 5e-10."""
    return torch.where(t.abs() < 1e-9, t, torch.expm1(t))


def _full(t: torch.Tensor, v: float) -> torch.Tensor:
    """The constant v in t's dtype. A ``torch.where`` between two Python numbers is in the
    default dtype (float32), so a slope such as 0.01 or 1/6 would be rounded to float32 before
    it multiplies g, and g·f' would no longer be rounded once."""
    return torch.full_like(t, v)


def _relu(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.where(t <= 0, 0.0, t)  # NaN ≤ 0 is false: NaN stays NaN (SELF_CLEAN)


def _step(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.where(t > 0, 1.0, 0.0)


def _leaky(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.where(t >= 0, t, t * p["negative_slope"])


def _leaky_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.where(t > 0, 1.0, _full(t, p["negative_slope"]))


def _elu(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.where(t > 0, t, p["alpha"] * _expm1(torch.clamp_max(t, 0.0)))


def _elu_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.where(t > 0, 1.0, p["alpha"] * torch.exp(torch.clamp_max(t, 0.0)))


def _selu(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return SELU_SCALE * _elu(t, {"alpha": SELU_ALPHA})


def _selu_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return SELU_SCALE * _elu_d(t, {"alpha": SELU_ALPHA})


def _celu(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    a = p["alpha"]
    return torch.where(t > 0, t, a * _expm1(torch.clamp_max(t, 0.0) / a))


def _celu_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.where(t > 0, 1.0, torch.exp(torch.clamp_max(t, 0.0) / p["alpha"]))


def _tanh_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    """1 − tanh² as 4e/(1+e)², e = exp(−2|x|)."""
    e = torch.exp(-2.0 * t.abs())
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


#: above every finite float32: x·Φ(x) as max(x, −BIG)·Φ(x) is −0 at x = −inf, where the
#: product itself is −inf·0 = NaN, and is x·Φ(x) everywhere else (NaN stays NaN): so the
#: gelu forms need no NaN/inf selects (``SELF_CLEAN``)
_BIG = 3.5e38


def _gelu(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    x = torch.clamp_min(t, -_BIG)
    if p["approximate"] == "tanh":  # x·(1 + tanh u)/2 = x·σ(2u): no cancellation for x < 0
        u = _GELU_C * (t + _GELU_K * t * t * t)
        return x * _sigmoid(2.0 * u)
    e, v = _gelu_ev(t)
    h = 0.5 * e * estrin(v, _polys.GELU_R)  # Φ(−|x|)
    return x * torch.where(t < 0, h, 1.0 - h)


def _gelu_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    # the finite stand-ins for ±inf (``_BIG``) make every product with a vanishing factor 0
    # there, where inf·0 would be NaN: f' is then its limit, 1 or 0 (``SELF_CLEAN_DERIVATIVE``)
    if p["approximate"] == "tanh":
        x = torch.clamp(t, -_BIG, _BIG)
        u = _GELU_C * (t + _GELU_K * t * t * t)
        du = _GELU_C * (1.0 + 3.0 * _GELU_K * x * x)
        s, ds = _sigmoid_both(2.0 * u)
        return s + 2.0 * x * du * ds
    e, v = _gelu_ev(t)
    # d = −|x| − x_r with x_r a double-double: exact next to the root
    d = (-torch.clamp_max(t.abs(), _BIG) - _polys.GELU_XR_HI) - _polys.GELU_XR_LO
    dn = e * d * estrin(v, _polys.GELU_G)  # gelu'(−|x|), relative accuracy kept at its root
    return torch.where(t < 0, dn, 1.0 - dn)


def _gelu_ev(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """e = exp(−x²/2) and the polynomials' variable v for the exact gelu (tools/kernel_polys.py
    says why: SLEEF's float64 erfc cost 4× torch's whole float32 gelu)."""
    a = torch.clamp_max(t.abs() * _SQRT1_2, _polys.GELU_A)
    v = (_polys.GELU_P * a + _polys.GELU_Q) / (a + _polys.GELU_K)
    return torch.exp(-0.5 * t * t), v


def _silu(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return t * _sigmoid(p["beta"] * t)


def _silu_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    z: torch.Tensor = p["beta"] * t
    s, ds = _sigmoid_both(z)
    return s + z * ds


def _silu_dbeta(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return t * t * _sigmoid_d(p["beta"] * t)


#: beyond this, tanh(softplus(x)) is 1 to float64 precision (1 − 2e^(−2x)), mish' is 1, and
#: e·e would overflow
_MISH_FLAT = 20.0


def _mish_n(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """e = exp(x) and n = e·(e + 2), where tanh(softplus(x)) = ((1+e)² − 1)/((1+e)² + 1) =
    n/(n + 2): one exp instead of exp, log1p and tanh, and every term positive (no
    cancellation; for x → −∞, n/(n+2) → e with full relative accuracy)."""
    e = torch.exp(torch.clamp_max(t, _MISH_FLAT))
    return e, e * (e + 2.0)


def _mish(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    _, n = _mish_n(t)
    return torch.where(t > _MISH_FLAT, t, t * n / (n + 2.0))


def _mish_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    """tanh(sp) + x·σ(x)·sech²(sp) with sech²(sp) = 4(n+1)/(n+2)², σ = e/(1+e), (n+1) = (1+e)²:
    n/(n+2) + 4·x·e·(1+e)/(n+2)²."""
    e, n = _mish_n(t)
    q = n + 2.0
    return torch.where(t > _MISH_FLAT, 1.0, n / q + 4.0 * t * e * (1.0 + e) / (q * q))


def _softplus_f(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    b, th = p["beta"], p["threshold"]
    y = _softplus(b * t) / b
    return y if th is None else torch.where(b * t > th, t, y)


def _softplus_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    b, th = p["beta"], p["threshold"]
    y = _sigmoid(b * t)
    return y if th is None else torch.where(b * t > th, 1.0, y)


def _log_sigmoid(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.clamp_max(t, 0.0) - _log1p_exp_neg_abs(t)


def _log_sigmoid_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return _sigmoid(-t)


def _hard_sigmoid(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.clamp((t + 3.0) / 6.0, 0.0, 1.0)


def _hard_sigmoid_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return torch.where(t > -3.0, torch.where(t < 3.0, _full(t, 1.0 / 6.0), 0.0), 0.0)


def _hard_swish(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return t * torch.clamp((t + 3.0) / 6.0, 0.0, 1.0)


def _hard_swish_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    mid = (2.0 * t + 3.0) / 6.0
    return torch.where(t >= 3.0, 1.0, torch.where(t > -3.0, mid, 0.0))


def _softsign(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    return t / (1.0 + t.abs())


def _softsign_d(t: torch.Tensor, p: dict[str, Any]) -> torch.Tensor:
    r = 1.0 / (1.0 + t.abs())
    return r * r


def _clip(t: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    return torch.where(t < lo, lo, torch.where(t > hi, hi, t))


def _inside(t: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    # nested selects, not (t > lo) & (t < hi): inductor casts each mask to integers to "and"
    # them, and back, which cost the derivative half its speed
    return torch.where(t > lo, torch.where(t < hi, 1.0, 0.0), 0.0)


#: spec name → (forward, derivative), each a float64 form
FORMS: dict[str, tuple[Form, Form]] = {
    "relu": (_relu, _step),
    "leaky_relu": (_leaky, _leaky_d),
    "elu": (_elu, _elu_d),
    "selu": (_selu, _selu_d),
    "celu": (_celu, _celu_d),
    "sigmoid": (lambda t, p: _sigmoid(t), lambda t, p: _sigmoid_d(t)),
    "tanh": (lambda t, p: torch.tanh(t), _tanh_d),
    "gelu": (_gelu, _gelu_d),
    "silu": (_silu, _silu_d),
    "mish": (_mish, _mish_d),
    "softplus": (_softplus_f, _softplus_d),
    "log_sigmoid": (_log_sigmoid, _log_sigmoid_d),
    "hard_sigmoid": (_hard_sigmoid, _hard_sigmoid_d),
    "hard_swish": (_hard_swish, _hard_swish_d),
    "softsign": (_softsign, _softsign_d),
    "relu6": (lambda t, p: _clip(t, 0.0, 6.0), lambda t, p: _inside(t, 0.0, 6.0)),
    "hardtanh": (
        lambda t, p: _clip(t, p["min_val"], p["max_val"]),
        lambda t, p: _inside(t, p["min_val"], p["max_val"]),
    ),
}

#: spec name → {learnable parameter: ∂f/∂param}, for the kernels' parameter gradients
PARAM_FORMS: dict[str, dict[str, Form]] = {"silu": {"beta": _silu_dbeta}}

#: kernels whose forward and derivative are selects among x and their parameters (and g·f' a
#: select among g and 0): no rounding happens, so they run in the input's dtype with no
#: widening — exact whenever every parameter is itself exactly representable there, which the
#: engine checks (another parameter value takes the float64 forms)
NARROW = frozenset({"relu", "relu6", "hardtanh"})

#: forward forms that give NaN for NaN and the catalog's limits at ±inf by themselves (a
#: select whose conditions are false for NaN), so the engine adds no NaN/inf selects: in cache
#: those cost relu a fifth of its time
SELF_CLEAN = frozenset({"relu", "relu6", "hardtanh", "gelu", "softplus", "log_sigmoid"})

#: derivative forms that do the same (g·f' then needs no selects either)
SELF_CLEAN_DERIVATIVE = frozenset({"gelu"})

#: kernels that serve float64 input too: a select, or one product with a float64 constant
#: (leaky_relu's x·slope and g·slope), is one IEEE rounding, so float64 arithmetic gives the
#: correctly rounded float64 result. The other forms are made for a narrower output — they
#: lean on float64 having 29 bits more than float32 (SLEEF's exp is within 1 float64 ULP, the
#: fitted polynomials within ~1e-14, a form composes several, and near a root of mish' the
#: two terms cancel)
#: — so for a float64 output they would not keep the catalog's float64 accuracy (within 4 ULP,
#: with double-double forms where terms cancel), and float64 input of those takes the
#: catalog's chunked path.
FLOAT64 = NARROW | {"leaky_relu"}

#: kernels whose every branch is linear in x: their cost is memory traffic alone, so the
#: benchmark holds them to the machine's copy bandwidth as well as to torch
PIECEWISE_LINEAR = frozenset({"relu", "leaky_relu", "hard_sigmoid", "relu6", "hardtanh"})
