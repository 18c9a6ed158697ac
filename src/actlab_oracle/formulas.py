"""The independent oracle: every elementwise activation's defining formula and its derivative,
written plainly in mpmath (no stable forms, no shared code with actlab), evaluated with enough
precision that the result is exact to far beyond float64.

``FORMULAS[name] = (f, df)``; both take an mpf x and the parameters as keywords.
``CASES[name]`` lists the parameter sets the tables cover (the defaults first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp
import numpy as np

mpf = mp.mpf


def sig(x: Any) -> Any:
    return 1 / (1 + mp.exp(-x))


def ncdf(x: Any) -> Any:
    if abs(x) > 1e10:  # mpmath's erfc overflows for |x| ~ 1e400; Φ is 0 or 1 to 10^(-10^19)
        return mpf(1) if x > 0 else mpf(0)
    return mp.erfc(-x / mp.sqrt(2)) / 2


def npdf(x: Any) -> Any:
    return mp.exp(-(x**2) / 2) / mp.sqrt(2 * mp.pi)


def relu(x: Any) -> Any:
    return x if x > 0 else mpf(0)


def step(c: bool) -> Any:
    return mpf(1) if c else mpf(0)


# Constants as strings: an mpf made at import would be rounded to mpmath's default 53 bits.
SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"
GT_C = "0.044715"


def _gelu(x: Any, approximate: str = "none") -> Any:
    if approximate == "tanh":
        return x / 2 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (x + mpf(GT_C) * x**3)))
    return x * ncdf(x)


def _dgelu(x: Any, approximate: str = "none") -> Any:
    if approximate == "tanh":
        u = mp.sqrt(2 / mp.pi) * (x + mpf(GT_C) * x**3)
        du = mp.sqrt(2 / mp.pi) * (1 + 3 * mpf(GT_C) * x**2)
        return (1 + mp.tanh(u)) / 2 + x / 2 * mp.sech(u) ** 2 * du
    return ncdf(x) + x * npdf(x)


def _sp(x: Any) -> Any:
    return mp.log(1 + mp.exp(x))


def _hsig(x: Any) -> Any:
    return min(max(x + 3, mpf(0)), mpf(6)) / 6


def _tanh_exp(x: Any) -> Any:
    # for x > 50, 1 − tanh(eˣ) < 10^(−10^21): 1 at any precision used (mpmath overflows there)
    return mpf(1) if x > 50 else mp.tanh(mp.exp(x))


def _dtanhexp(x: Any) -> Any:
    if x > 50:
        return mpf(1)  # x·eˣ·sech²(eˣ) < 10^(−10^21)
    u = mp.exp(x)
    return mp.tanh(u) + x * u * mp.sech(u) ** 2


def _erf_sp(x: Any) -> Any:
    s = _sp(x) if x < 1e10 else x  # log(1 + eˣ) = x to 10^(−10^9) there; mpmath overflows
    return mpf(1) if s > 1e5 else mp.erf(s)


def _dserf(x: Any) -> Any:
    s = _sp(x) if x < 1e10 else x
    if s > 1e5:
        return mpf(1)  # the second term is below 10^(−10^9)
    return mp.erf(s) + x * 2 / mp.sqrt(mp.pi) * mp.exp(-(s**2)) * sig(x)


# PAU's start, from rational_activations' rationals_config.json ("Rational_version_B5/4",
# "leaky_relu"), written out here rather than imported: the oracle shares no code with actlab
PAU_W = (
    0.03355815733452378,
    0.5050059186781659,
    1.6534697310952233,
    2.0100501552600014,
    0.9319195586484518,
    0.15242646398275836,
)
PAU_D = (4.812831860534153e-05, 3.9802479055059194, 1.5837587665720168e-05, 0.30183382839661377)


def _pau_polys(x: Any, numerator: Any, denominator: Any) -> tuple[Any, Any, Any, Any]:
    """P, P', R, R' at x for P = Σ w_i x^i and R = Σ_{j>=1} d_j x^j."""
    w = [mpf(float(c)) for c in np.ravel(numerator)]
    d = [mpf(float(c)) for c in np.ravel(denominator)]
    p = sum(c * x**i for i, c in enumerate(w))
    dp = sum(i * c * x ** (i - 1) for i, c in enumerate(w) if i > 0)
    r = sum(c * x**j for j, c in enumerate(d, start=1))
    dr = sum(j * c * x ** (j - 1) for j, c in enumerate(d, start=1))
    return p, dp, r, dr


def _pau(x: Any, numerator: Any = PAU_W, denominator: Any = PAU_D) -> Any:
    p, _, r, _ = _pau_polys(x, numerator, denominator)
    return p / (1 + abs(r))


def _dpau(x: Any, numerator: Any = PAU_W, denominator: Any = PAU_D) -> Any:
    # sign(0) = 0 at the roots of R: the mean of the one-sided derivatives
    p, dp, r, dr = _pau_polys(x, numerator, denominator)
    q = 1 + abs(r)
    return (dp * q - mp.sign(r) * p * dr) / q**2


Fn = Callable[..., Any]

FORMULAS: dict[str, tuple[Fn, Fn]] = {
    "binary_step": (
        lambda x, threshold=0.0: step(x >= threshold),
        lambda x, threshold=0.0: mpf(0),
    ),
    "linear": (lambda x, slope=1.0: slope * x, lambda x, slope=1.0: mpf(slope)),
    "sigmoid": (sig, lambda x: sig(x) * sig(-x)),
    "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2),
    "relu": (relu, lambda x: step(x > 0)),
    "leaky_relu": (
        lambda x, negative_slope=0.01: x if x >= 0 else negative_slope * x,
        lambda x, negative_slope=0.01: mpf(1) if x > 0 else mpf(negative_slope),
    ),
    "prelu": (
        lambda x, alpha=0.25: x if x >= 0 else alpha * x,
        lambda x, alpha=0.25: mpf(1) if x > 0 else mpf(alpha),
    ),
    "rrelu": (
        lambda x, lower=1 / 8, upper=1 / 3: x if x >= 0 else (mpf(lower) + upper) / 2 * x,
        lambda x, lower=1 / 8, upper=1 / 3: mpf(1) if x > 0 else (mpf(lower) + upper) / 2,
    ),
    "elu": (
        lambda x, alpha=1.0: x if x > 0 else alpha * (mp.exp(x) - 1),
        lambda x, alpha=1.0: mpf(1) if x > 0 else alpha * mp.exp(x),
    ),
    "selu": (
        lambda x: mpf(SELU_SCALE) * (x if x > 0 else mpf(SELU_ALPHA) * (mp.exp(x) - 1)),
        lambda x: mpf(SELU_SCALE) * (1 if x > 0 else mpf(SELU_ALPHA) * mp.exp(x)),
    ),
    "gelu": (_gelu, _dgelu),
    "silu": (
        lambda x, beta=1.0: x * sig(beta * x),
        lambda x, beta=1.0: sig(beta * x) + beta * x * sig(beta * x) * sig(-beta * x),
    ),
    "mish": (
        lambda x: x * mp.tanh(_sp(x)),
        lambda x: mp.tanh(_sp(x)) + x * mp.sech(_sp(x)) ** 2 * sig(x),
    ),
    "relu6": (lambda x: min(relu(x), mpf(6)), lambda x: step(0 < x < 6)),
    "hardtanh": (
        lambda x, min_val=-1.0, max_val=1.0: min(max(x, mpf(min_val)), mpf(max_val)),
        lambda x, min_val=-1.0, max_val=1.0: step(min_val < x < max_val),
    ),
    "hard_sigmoid": (_hsig, lambda x: mpf(1) / 6 if -3 < x < 3 else mpf(0)),
    "hard_swish": (
        lambda x: x * _hsig(x),
        lambda x: mpf(0) if x <= -3 else ((2 * x + 3) / 6 if x < 3 else mpf(1)),
    ),
    "celu": (
        lambda x, alpha=1.0: max(mpf(0), x) + min(mpf(0), alpha * (mp.exp(x / alpha) - 1)),
        lambda x, alpha=1.0: mpf(1) if x > 0 else mp.exp(x / alpha),
    ),
    "softplus": (
        lambda x, beta=1.0, threshold=None: mp.log(1 + mp.exp(beta * x)) / beta,
        lambda x, beta=1.0, threshold=None: sig(beta * x),
    ),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    "tanhshrink": (lambda x: x - mp.tanh(x), lambda x: mp.tanh(x) ** 2),
    "softshrink": (
        lambda x, lambd=0.5: x - lambd if x > lambd else (x + lambd if x < -lambd else mpf(0)),
        lambda x, lambd=0.5: step(abs(x) > lambd),
    ),
    "hardshrink": (
        lambda x, lambd=0.5: x if abs(x) > lambd else mpf(0),
        lambda x, lambd=0.5: step(abs(x) > lambd),
    ),
    "threshold": (
        lambda x, threshold, value: x if x > threshold else mpf(value),
        lambda x, threshold, value: step(x > threshold),
    ),
    "log_sigmoid": (lambda x: -mp.log(1 + mp.exp(-x)), lambda x: sig(-x)),
    "exponential": (mp.exp, mp.exp),
    "squareplus": (
        lambda x, b=4.0: (x + mp.sqrt(x**2 + b)) / 2,
        lambda x, b=4.0: (1 + x / mp.sqrt(x**2 + b)) / 2,
    ),
    "sparse_plus": (
        lambda x: mpf(0) if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4),
        lambda x: mpf(0) if x <= -1 else (mpf(1) if x >= 1 else (x + 1) / 2),
    ),
    "sparse_sigmoid": (
        lambda x: mpf(0) if x <= -1 else (mpf(1) if x >= 1 else (x + 1) / 2),
        lambda x: mpf(1) / 2 if -1 < x < 1 else mpf(0),
    ),
    "bent_identity": (
        lambda x: (mp.sqrt(x**2 + 1) - 1) / 2 + x,
        lambda x: x / (2 * mp.sqrt(x**2 + 1)) + 1,
    ),
    "arctan": (mp.atan, lambda x: 1 / (1 + x**2)),
    "isru": (
        lambda x, alpha=1.0: x / mp.sqrt(1 + alpha * x**2),
        lambda x, alpha=1.0: (1 + alpha * x**2) ** mpf(-1.5),
    ),
    "isrlu": (
        lambda x, alpha=1.0: x if x >= 0 else x / mp.sqrt(1 + alpha * x**2),
        lambda x, alpha=1.0: mpf(1) if x >= 0 else (1 + alpha * x**2) ** mpf(-1.5),
    ),
    "sine": (lambda x, w0=1.0: mp.sin(w0 * x), lambda x, w0=1.0: w0 * mp.cos(w0 * x)),
    "sinc": (
        lambda x: mpf(1) if x == 0 else mp.sin(x) / x,
        lambda x: mpf(0) if x == 0 else (x * mp.cos(x) - mp.sin(x)) / x**2,
    ),
    "gaussian": (lambda x: mp.exp(-(x**2)), lambda x: -2 * x * mp.exp(-(x**2))),
    "squared_relu": (lambda x: relu(x) ** 2, lambda x: 2 * relu(x)),
    "star_relu": (
        lambda x, scale=0.8944, bias=-0.4472: scale * relu(x) ** 2 + bias,
        lambda x, scale=0.8944, bias=-0.4472: 2 * scale * relu(x),
    ),
    "snake": (
        lambda x, a=1.0: x + mp.sin(a * x) ** 2 / a,
        lambda x, a=1.0: 1 + mp.sin(2 * a * x),
    ),
    "lisht": (lambda x: x * mp.tanh(x), lambda x: mp.tanh(x) + x * mp.sech(x) ** 2),
    "logish": (
        lambda x: x * mp.log(1 + sig(x)),
        lambda x: mp.log(1 + sig(x)) + x * sig(x) * sig(-x) / (1 + sig(x)),
    ),
    "elliott": (
        lambda x: x / (2 * (1 + abs(x))) + mpf(1) / 2,
        lambda x: 1 / (2 * (1 + abs(x)) ** 2),
    ),
    "gcu": (lambda x: x * mp.cos(x), lambda x: mp.cos(x) - x * mp.sin(x)),
    "tanhexp": (lambda x: x * _tanh_exp(x), _dtanhexp),
    "smish": (
        lambda x: x * mp.tanh(mp.log(1 + sig(x))),
        lambda x: (
            mp.tanh(mp.log(1 + sig(x)))
            + x * mp.sech(mp.log(1 + sig(x))) ** 2 * sig(x) * sig(-x) / (1 + sig(x))
        ),
    ),
    "serf": (lambda x: x * _erf_sp(x), _dserf),
    "acon_c": (
        lambda x, p1=1.0, p2=0.0, beta=1.0: (
            (mpf(p1) - p2) * x * sig(beta * (mpf(p1) - p2) * x) + p2 * x
        ),
        lambda x, p1=1.0, p2=0.0, beta=1.0: (
            (mpf(p1) - p2)
            * (
                sig(beta * (mpf(p1) - p2) * x)
                + beta
                * (mpf(p1) - p2)
                * x
                * sig(beta * (mpf(p1) - p2) * x)
                * sig(-beta * (mpf(p1) - p2) * x)
            )
            + p2
        ),
    ),
    "tlu": (lambda x, tau=0.0: max(x, mpf(tau)), lambda x, tau=0.0: step(x > tau)),
    "apl": (
        lambda x, a=-0.2, b=0.0: relu(x) + a * max(mpf(0), -x + b),
        lambda x, a=-0.2, b=0.0: step(x > 0) - a * step(x < b),
    ),
    "pau": (_pau, _dpau),
    "srelu": (
        lambda x, t_l=0.0, a_l=0.2, t_r=1.0, a_r=1.0: (
            t_l + mpf(a_l) * (x - t_l)
            if x <= t_l
            else (x if x < t_r else t_r + mpf(a_r) * (x - t_r))
        ),
        lambda x, t_l=0.0, a_l=0.2, t_r=1.0, a_r=1.0: (
            mpf(a_l) if x <= t_l else (mpf(1) if x < t_r else mpf(a_r))
        ),
    ),
}

#: Parameter sets covered by the tables; the first is the spec's defaults (or, for a spec with
#: required parameters, a representative choice).
CASES: dict[str, list[dict[str, Any]]] = {name: [{}] for name in FORMULAS}
CASES.update(
    {
        "binary_step": [{}, {"threshold": 0.5}],
        "linear": [{}, {"slope": -2.5}],
        "leaky_relu": [{}, {"negative_slope": 0.2}],
        "prelu": [{}, {"alpha": -0.3}],
        "elu": [{}, {"alpha": 0.5}],
        "gelu": [{}, {"approximate": "tanh"}],
        "silu": [{}, {"beta": 1.7}],
        "celu": [{}, {"alpha": 2.0}],
        "softplus": [{}, {"beta": 2.0}, {"beta": 0.3}],
        "squareplus": [{}, {"b": 1.5}],
        "hardtanh": [{}, {"min_val": -2.0, "max_val": 0.5}],
        "softshrink": [{}, {"lambd": 1.25}],
        "hardshrink": [{}, {"lambd": 1.25}],
        "threshold": [{"threshold": 0.5, "value": -1.0}],
        "isru": [{}, {"alpha": 3.0}],
        "isrlu": [{}, {"alpha": 3.0}],
        "sine": [{}, {"w0": 30.0}],
        "snake": [{}, {"a": 0.5}],
        "star_relu": [{}, {"scale": -1.5, "bias": 0.25}],
        "tlu": [{}, {"tau": -0.75}],
        "apl": [{}, {"a": 0.5, "b": -1.0}],
        "acon_c": [{}, {"p1": 1.5, "p2": 0.25, "beta": 0.5}],
        "srelu": [{}, {"t_l": -1.0, "a_l": 0.25, "t_r": 2.0, "a_r": 0.5}],
        # rational_activations' "Rational_version_B3/2" start for leaky_relu(0.1): degrees (3, 2)
        "pau": [
            {},
            {
                "numerator": (
                    0.11143814042285753,
                    0.5500043254094745,
                    0.38748030194742117,
                    0.10859116398267224,
                ),
                "denominator": (7.370237749086212e-06, 0.19743788349488567),
            },
        ],
    }
)

#: (name, "f" | "d") with no limit at ±inf: the expected value there is NaN.
NO_LIMIT = {("sine", "f"), ("sine", "d"), ("snake", "d"), ("gcu", "f"), ("gcu", "d")}

#: Documented choices where a finite x has no float answer actlab can compute: sine when w0·x
#: is beyond the float range returns NaN (the argument itself is not representable).
NO_ANSWER: dict[str, Callable[..., bool]] = {
    "sine": lambda x, w0=1.0: abs(w0 * x) > np.finfo(np.float64).max,
}


def _shown(v: Any) -> str:
    if isinstance(v, tuple | list | np.ndarray):  # coefficients: [a,b,...] to 6 digits
        return "[" + ",".join(f"{float(a):.6g}" for a in np.ravel(v)) + "]"
    return str(v)


def case_id(name: str, params: dict[str, Any]) -> str:
    return name + "".join(f"--{k}={_shown(v)}" for k, v in sorted(params.items()))


def evaluate(
    fn: Fn, x: float, params: dict[str, Any], which: str, name: str
) -> tuple[float, float]:
    """(hi, lo): the exact value of fn(x) as a float64 pair, hi + lo to ~106 bits.

    The working precision doubles until two evaluations agree, so cancellation (x − tanh x at
    x = 1e−300 needs ~700 digits) is resolved instead of trusted.
    """
    if np.isnan(x) or (name in NO_ANSWER and NO_ANSWER[name](float(x), **params)):
        return np.nan, 0.0
    if np.isinf(x):
        if (name, which) in NO_LIMIT:
            return np.nan, 0.0
        x_mp = mpf("1e400") if x > 0 else mpf("-1e400")
    else:
        x_mp = None
    prev = None
    # Then double until two evaluations agree.
    # 360 digits resolve any cancellation whose result is still above float64's underflow
    # threshold when the terms are O(1); large or tiny |x| need proportionally more.
    lg = 0.0 if x_mp is not None or x == 0 else float(np.log10(abs(x)))
    start = max(360, 40 + int(3 * -lg if lg < 0 else 2 * lg))
    for dps in (start, 2 * start, 4 * start, 8 * start):
        with mp.workdps(dps):
            v = fn(x_mp if x_mp is not None else mpf(float(x)), **params)
            v = mpf(v)
        if prev is not None and (v == prev or abs(v - prev) <= abs(v) * mpf(10) ** (-32)):
            break
        prev = v
    with mp.workdps(60):
        hi = float(v)
        lo = float(v - mpf(hi)) if np.isfinite(hi) else 0.0
    return hi, lo
