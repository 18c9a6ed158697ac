"""Properties of an activation, measured from its own forward and derivative.

Nothing here reads a spec's declared facts: the tests compare the two, so a wrong declaration
fails. Expectations under z ~ N(0, q) are adaptive quadrature split at the kinks (exact to
~1e-10 for the piecewise functions where Gauss–Hermite converges slowly).
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._catalog import Activation, Range, get

SAMPLE = np.linspace(-15.0, 15.0, 30001)  # step 1e-3: kinks at multiples of 1e-3 are hit exactly
FAR = 15.0  # beyond this float64 rounds tanh, sigmoid, ... onto their limits
#: |f'| below this fraction of max|f'| is the flat (saturated) region — actlab.health's FLAT
#: threshold (its reason is stated there); relative, so sigmoid (max 1/4) and tanh are alike
SATURATION = 1e-3
#: f counts as zero-centred when its mean under z ~ N(0, 1) is below a tenth of its RMS,
#: |E[f(z)]| / √E[f(z)²] < 0.1: what practitioners mean (tanh, softsign, selu: 0; elu 0.20,
#: gelu 0.43, relu 0.56, sigmoid 0.92 are not). A sign test would call gelu zero-centred.
ZERO_CENTRED = 0.1
DEPTH_FACTOR = 1e6  # "gradients shrink or grow by 10^6"
# the variance map's fixed point (gradient_flow, phase_grid, depth_profile): iterate from q = 1
# at most this often; settled when a step changes q by at most FIXED_POINT_RTOL of it; no fixed
# point when q leaves [Q_MIN, Q_MAX] (it runs off to 0 or ∞) — χ is then taken at the edge
FIXED_POINT_ITERATIONS = 200
FIXED_POINT_RTOL = 1e-10
Q_MIN, Q_MAX = 1e-12, 1e12


@dataclass(frozen=True)
class Expectations:
    """E[f(z)], E[f(z)²], E[f'(z)], E[f'(z)²] for z ~ N(0, q)."""

    q: float
    mean: float
    second_moment: float
    mean_derivative: float
    derivative_second_moment: float


@dataclass(frozen=True)
class GradientFlow:
    """The mean-field story of a deep stack (Poole et al. 2016; Schoenholz et al. 2017).

    The variance map q ↦ σ_w²·E[f(√q z)²] + σ_b² has the fixed point ``q_star`` (None when it
    runs off to 0 or ∞); ``chi`` = σ_w²·E[f'(√q* z)²] is the factor by which the squared
    gradient norm changes per layer, and ``depth_1e6`` the depth at which it has changed by 10^6
    (inf when χ = 1). ``stable``: the map's slope at q* is below 1 (or exactly 1: marginal).
    """

    sigma_w2: float
    sigma_b2: float
    q_star: float | None
    chi: float
    depth_1e6: float
    stable: bool
    slope: float


@dataclass(frozen=True)
class Analysis:
    """What an activation does, measured. See ``analyze``."""

    name: str
    params: dict[str, Any]
    range: Range
    bounded: bool
    monotonic: bool
    zero_centred: bool  # centring < ZERO_CENTRED
    centring: float  # |E[f(z)]| / √E[f(z)²], z ~ N(0, 1): 0 for odd f, 1 for a constant
    negative_side_sign: int  # the sign f takes for x < 0: −1, 0 or +1 (0: mixed or zero)
    positive_side_sign: int
    max_abs_derivative: float
    argmax_abs_derivative: float
    saturation_region: tuple[tuple[float, float], ...]
    saturation_mass: float  # P(|f'(z)| < 1e-3·max|f'|), z ~ N(0, 1)
    dead_mass: float  # P(f'(z) = 0)
    saturates: tuple[str, ...]  # sides where f' → 0
    smoothness: int  # −1 jump in f, 0 jump in f', 1 jump in f'', 2: none seen (C² or better)
    expectations: Expectations
    flow: GradientFlow
    gain: float  # 1/sqrt(E[f(z)²]), the variance-preserving gain
    relative_cost: float = field(default=math.nan)  # time(f + f') / time(relu's), same input

    def expectations_at(self, q: float) -> Expectations:
        return expectations(get(self.name, **self.params), q)


def _act(name_or_act: str | Activation, params: dict[str, Any]) -> Activation:
    act = get(name_or_act, **params)
    if act.kind != "elementwise":
        raise ValueError(
            f"analyze: {act.name} is a {act.kind} activation; analysis measures elementwise "
            f"activations (a vector activation has no single f(x) to sample)"
        )
    return act


def analyze(
    name_or_act: str | Activation,
    *,
    q: float = 1.0,
    init: str | None = None,
    sigma_w2: float | None = None,
    sigma_b2: float = 0.0,
    cost: bool = False,
    **params: Any,
) -> Analysis:
    """Measure an elementwise activation: range, monotonicity, zero-centring, derivative
    extremes, saturation and dead zones, smoothness, Gaussian expectations at variance ``q``, the
    gradient flow of a deep stack initialised with weight variance ``sigma_w2``/fan_in (default:
    the exact gain², so that q* = 1; or ``init`` = "he" (2), "xavier"/"lecun" (1, square
    layers)) and bias variance ``sigma_b2``, and (``cost=True``) the time of forward +
    derivative relative to relu.

    Args:
        name_or_act: an elementwise activation's name or an Activation.
        q: the variance of the Gaussian input for ``expectations``.
        init, sigma_w2, sigma_b2: the deep stack ``flow`` is computed for (one of init/sigma_w2).
        cost: also time it (``relative_cost``).
        **params: the activation's parameters.

    Returns:
        An Analysis (range, monotonic, zero_centred and its measured ``centring``, ...).

    >>> import actlab
    >>> a = actlab.analyze("relu")
    >>> round(a.expectations.second_moment, 12), round(a.gain ** 2, 12)
    (0.5, 2.0)
    """
    if not (isinstance(q, int | float) and math.isfinite(q) and q > 0):
        raise ValueError(f"analyze: q must be a finite number > 0, got {q!r}")
    act = _act(name_or_act, params)
    y, d = act(SAMPLE), act.derivative(SAMPLE)
    lim = act(np.array([-np.inf, np.inf]))
    rng = _range(act, y, lim)
    neg, pos = _side_sign(y[SAMPLE < 0]), _side_sign(y[SAMPLE > 0])
    ad = np.abs(d)
    i = int(np.nanargmax(ad))
    flat_below = _flat_below(ad)
    sat = _regions(ad < flat_below)
    dead = _regions(d == 0)
    dlim = act.derivative(np.array([-np.inf, np.inf]))
    saturates = tuple(
        side for side, v in zip(("negative", "positive"), dlim, strict=True) if abs(v) < flat_below
    )
    ex = expectations(act, 1.0)
    if init is not None:
        if sigma_w2 is not None:
            raise ValueError("analyze: pass init or sigma_w2, not both")
        inits = {"he": 2.0, "kaiming": 2.0, "xavier": 1.0, "glorot": 1.0, "lecun": 1.0}
        if init not in inits:
            raise ValueError(f"analyze: init must be one of {', '.join(inits)}, got {init!r}")
        sigma_w2 = inits[init]
    if sigma_w2 is not None and not (math.isfinite(sigma_w2) and sigma_w2 > 0):
        raise ValueError(f"analyze: sigma_w2 must be a finite number > 0, got {sigma_w2!r}")
    gain = 1.0 / math.sqrt(ex.second_moment) if ex.second_moment > 0 else math.inf
    centring = abs(ex.mean) / math.sqrt(ex.second_moment) if ex.second_moment > 0 else math.nan
    flow = gradient_flow(act, gain**2 if sigma_w2 is None else sigma_w2, sigma_b2)
    return Analysis(
        name=act.name,
        params=dict(act.params),
        range=rng,
        bounded=rng.bounded_below and rng.bounded_above,
        monotonic=bool(np.all(y[1:] >= y[:-1]) and lim[0] <= y[0] and y[-1] <= lim[1]),
        zero_centred=centring < ZERO_CENTRED,
        centring=centring,
        negative_side_sign=neg,
        positive_side_sign=pos,
        max_abs_derivative=float(ad[i]),
        argmax_abs_derivative=float(SAMPLE[i]),
        saturation_region=sat,
        saturation_mass=_mass(sat),
        dead_mass=_mass(dead),
        saturates=saturates,
        smoothness=_smoothness(act),
        expectations=expectations(act, q),
        flow=flow,
        gain=gain,
        relative_cost=relative_cost(act) if cost else math.nan,
    )


def _flat_below(ad: np.ndarray) -> float:
    """|f'| below this is flat: SATURATION·max|f'| over SAMPLE (f' ≡ 0: flat everywhere)."""
    top = float(np.nanmax(ad))
    return SATURATION * top if top > 0 else math.inf


def saturation_region(act: Activation) -> tuple[tuple[float, float], ...]:
    """The intervals where |f'| < SATURATION·max|f'| (``analyze(...).saturation_region``,
    without the rest of the analysis): sampled on SAMPLE, an interval that reaches ±15 runs
    to ±inf.

    >>> import actlab
    >>> from actlab._analysis._measure import saturation_region
    >>> saturation_region(actlab.get("relu"))
    ((-inf, 0.0),)
    """
    ad = np.abs(_act(act, {}).derivative(SAMPLE))
    return _regions(ad < _flat_below(ad))


def second_derivative(act: Activation, x: np.ndarray) -> np.ndarray:
    """f''(x) of an elementwise activation, as the central difference of its analytic f'
    with step h = 1e-5·max(1, |x|) (error O(h²·f⁗) + O(ε·|f'|/h): ~1e-10 against mpmath for
    tanh, gelu, softplus); NaN within 2h of a declared kink (there f'' does not exist) and
    where x is not finite. The catalog declares f and f', not f''.

    >>> import actlab, numpy as np
    >>> from actlab._analysis._measure import second_derivative
    >>> round(float(second_derivative(actlab.get("softplus"), np.array([0.0]))[0]), 9)
    0.25
    """
    a = _act(act, {})
    x = np.asarray(x, dtype=np.float64)
    h = 1e-5 * np.maximum(1.0, np.abs(np.where(np.isfinite(x), x, 0.0)))
    with np.errstate(invalid="ignore", over="ignore"):
        out = (a.derivative(x + h) - a.derivative(x - h)) / (2 * h)
        out = np.asarray(out, dtype=np.float64)
        for k, _ in a.kinks:
            out = np.where(np.abs(x - k) <= 2 * h, np.nan, out)
    return np.where(np.isfinite(x), out, np.nan)


# ----------------------------------------------------------------------------- range and shape


def _range(act: Activation, y: np.ndarray, lim: np.ndarray) -> Range:
    """Min and max over [-15, 15] (refined by a bounded search around the sample extremum) and
    the limits at ±inf; an end is attained when a finite x reaches it."""
    from scipy.optimize import minimize_scalar

    def extreme(sign: float) -> tuple[float, bool]:
        j = int(np.argmin(sign * y))
        best = float(y[j])
        if 0 < j < len(SAMPLE) - 1:  # interior: polish the sampled extremum
            res = minimize_scalar(
                lambda t: sign * float(act(float(t))),
                bounds=(SAMPLE[j - 1], SAMPLE[j + 1]),
                method="bounded",
                options={"xatol": 1e-12},
            )
            best = float(sign * min(sign * best, res.fun))
        finite_best = best
        if np.isnan(lim).any():  # no limit at ±∞ (sine, gcu): does f grow without bound?
            far = np.logspace(1, 300, 600)
            with np.errstate(invalid="ignore"):
                probe = np.asarray(act(np.concatenate([-far, far])), dtype=np.float64)
            if np.nanmax(sign * -probe) > 1e100:
                return -sign * math.inf, False
        limit = float(np.min(sign * lim) * sign)
        if sign * limit < sign * finite_best:
            return limit, False
        return finite_best, True

    lo, lo_c = extreme(1.0)
    hi, hi_c = extreme(-1.0)
    return Range(lo, hi, lo_c, hi_c)


def _side_sign(y: np.ndarray) -> int:
    if np.all(y <= 0) and np.any(y < 0):
        return -1
    if np.all(y >= 0) and np.any(y > 0):
        return 1
    return 0


def _regions(mask: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Intervals of SAMPLE where mask holds; an interval touching an end extends to ±inf."""
    out = []
    n = len(mask)
    i = 0
    while i < n:
        if not mask[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and mask[j + 1]:
            j += 1
        a = -math.inf if i == 0 else float(SAMPLE[i])
        b = math.inf if j == n - 1 else float(SAMPLE[j])
        out.append((a, b))
        i = j + 1
    return tuple(out)


def _mass(regions: tuple[tuple[float, float], ...]) -> float:
    from scipy.special import ndtr

    return float(sum(ndtr(b) - ndtr(a) for a, b in regions))


def _smoothness(act: Activation) -> int:
    """The largest k ≤ 2 for which no jump in f^(k) is seen on a fine grid of [-8, 8].

    A jump in f, f' or f'' shows as a first difference far larger than the neighbouring ones
    (a smooth function's differences change by O(h) from one step to the next).
    """
    h = 1e-3
    x = np.linspace(-8.0, 8.0, 16001)
    y, d = act(x), act.derivative(x)
    scale = max(1.0, float(np.max(np.abs(d))))
    if np.max(np.abs(np.diff(y))) > 50 * h * scale:
        return -1
    dd = np.diff(d)
    if _jumps(dd, 0.05):
        return 0
    if _jumps(np.diff(dd / h), 0.05):
        return 1
    return 2


def _jumps(steps: np.ndarray, tol: float) -> bool:
    """A step larger than tol that is not matched by its neighbours (an isolated jump)."""
    a = np.abs(steps)
    if a.size < 3:
        return bool(np.any(a > tol))
    big = a > tol
    neighbours = np.minimum(np.r_[a[1:], a[-1]], np.r_[a[0], a[:-1]])
    return bool(np.any(big & (a > 10 * neighbours)))


# ----------------------------------------------------------------------------- expectations


GAUSS_FAR = 38.0  # φ(38) ≈ 1e-314: past it, nothing of a Gaussian expectation is left


def _gauss_integral(g: Any, q: float, breaks: list[float]) -> float:
    """E[g(z)] for z ~ N(0, q) as ∫ g(√q·u)·φ(u) du, split at the kinks (scaled to u).

    Integrating in u keeps a very small or very large q as well resolved as q = 1. quad's own
    roundoff notices (from integrands that overflow, e.g. exp) are its error estimate speaking,
    not a failure: they are not raised.
    """
    from scipy.integrate import IntegrationWarning, quad

    s = math.sqrt(q)
    inv = 1.0 / math.sqrt(2 * math.pi)

    def integrand(u: float) -> float:
        return float(g(s * u)) * math.exp(-0.5 * u * u) * inv

    # a kink far out in the tail (|u| > GAUSS_FAR: a small q) is no break: φ is below 1e-300
    # there, and a finite piece reaching it ([0, 6/√q] for relu6) would hide the mass at 0
    # from quad's sampling (it returned 1.6e-38 for relu6's E[f'²] at q = 1e-12, not 1/2)
    pts = sorted({b / s for b in breaks if math.isfinite(b) and abs(b / s) <= GAUSS_FAR})
    edges = [-math.inf, *pts, math.inf]
    total = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        for a, b in itertools.pairwise(edges):
            val, _ = quad(integrand, a, b, limit=200, epsabs=1e-13, epsrel=1e-12)
            total += val
    return total


def moment(act: Activation, q: float, of: str, power: int) -> float:
    """E[g(z)^power] for z ~ N(0, q), g = f (of="f") or f' (of="d"), split at the kinks."""
    g = act if of == "f" else act.derivative

    def value(x: float) -> float:
        v = float(g(x))
        return v if power == 1 else v * v  # (v * v overflows to inf; v ** 2 would raise)

    if power not in (1, 2):
        raise ValueError(f"moment: power must be 1 or 2, got {power!r}")
    return _gauss_integral(value, q, [k for k, _ in act.kinks])


def expectations(act: Activation, q: float = 1.0) -> Expectations:
    """E[f], E[f²], E[f'], E[f'²] under z ~ N(0, q)."""
    return Expectations(
        q=q,
        mean=moment(act, q, "f", 1),
        second_moment=moment(act, q, "f", 2),
        mean_derivative=moment(act, q, "d", 1),
        derivative_second_moment=moment(act, q, "d", 2),
    )


def gradient_flow(act: Activation, sigma_w2: float, sigma_b2: float = 0.0) -> GradientFlow:
    """Iterate the variance map to its fixed point and measure χ there."""

    def vmap(q: float) -> float:
        return sigma_w2 * moment(act, q, "f", 2) + sigma_b2

    q = 1.0
    q_star: float | None = None
    for _ in range(FIXED_POINT_ITERATIONS):
        nq = vmap(q)
        if not math.isfinite(nq) or nq > Q_MAX or nq < Q_MIN:
            break
        if abs(nq - q) <= FIXED_POINT_RTOL * q:
            q_star = nq
            break
        q = nq
    q_eval = q_star if q_star is not None else max(min(q, Q_MAX), Q_MIN)
    chi = sigma_w2 * moment(act, q_eval, "d", 2)
    delta = 1e-3 * q_eval
    slope = (vmap(q_eval + delta) - vmap(q_eval - delta)) / (2 * delta)
    if chi <= 0:
        depth = 1.0  # no gradient passes at all
    elif abs(math.log(chi)) < 1e-9:
        depth = math.inf
    else:
        depth = math.log(DEPTH_FACTOR) / abs(math.log(chi))
    return GradientFlow(
        sigma_w2=sigma_w2,
        sigma_b2=sigma_b2,
        q_star=q_star,
        chi=chi,
        depth_1e6=depth,
        stable=q_star is not None and slope <= 1.0 + 1e-6,
        slope=slope,
    )


# phase_grid's quadrature in u (z = √q·u, u ~ N(0, 1)): Gauss–Legendre on unit-2 pieces of
# [−PHASE_U, PHASE_U], also split at the kinks; φ(12) ≈ 5e-32, so the tails are below float64
PHASE_U = 12.0
_PHASE_NODES = 24


def _moments_at(act: Activation, qs: np.ndarray, of: str) -> np.ndarray:
    """E[g(z)²] for z ~ N(0, q) at every q of ``qs`` at once (g = f or f'): the integral of
    ``moment`` by fixed Gauss–Legendre pieces split at the kinks (vectorised over q)."""
    g = act if of == "f" else act.derivative
    t, w = np.polynomial.legendre.leggauss(_PHASE_NODES)
    s = np.sqrt(qs)[:, None]
    base = np.linspace(-PHASE_U, PHASE_U, int(PHASE_U) + 1)
    kinks = np.array([k for k, _ in act.kinks if math.isfinite(k)], dtype=float)
    edges = np.broadcast_to(base, (len(qs), base.size))
    if kinks.size:
        edges = np.concatenate([edges, np.clip(kinks[None, :] / s, -PHASE_U, PHASE_U)], axis=1)
    edges = np.sort(edges, axis=1)
    lo, hi = edges[:, :-1, None], edges[:, 1:, None]
    u = 0.5 * (lo + hi) + 0.5 * (hi - lo) * t
    weight = 0.5 * (hi - lo) * w * np.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)
    with np.errstate(all="ignore"):
        v = np.asarray(g(s[:, :, None] * u), dtype=float)
        out: np.ndarray = (v * v * weight).sum(axis=(1, 2))
    return out


def phase_grid(act: Activation, sigma_w2: Any, sigma_b2: Any) -> np.ndarray:
    """χ₁ = σ_w²·E[f'(√q* z)²] over the grid ``sigma_b2`` × ``sigma_w2`` (rows × columns): the
    order/chaos phase diagram (Poole et al. 2016; Schoenholz et al. 2017). The same variance
    map, start, stopping rule and edge as ``gradient_flow`` — cell by cell equal to it (tested
    to 1e-7) — with every cell iterated at once."""
    w = np.asarray(sigma_w2, dtype=float)
    b = np.asarray(sigma_b2, dtype=float)
    for label, v in (("sigma_w2", w), ("sigma_b2", b)):
        if v.ndim != 1 or not v.size or not (np.isfinite(v).all() and (v >= 0).all()):
            raise ValueError(f"phase_grid: {label} must be a non-empty list of finite numbers >= 0")
    W, B = (a.ravel() for a in np.meshgrid(w, b))
    q = np.ones_like(W)
    q_star = np.full_like(W, np.nan)
    active = np.ones(W.shape, dtype=bool)
    for _ in range(FIXED_POINT_ITERATIONS):
        if not active.any():
            break
        i = np.flatnonzero(active)
        nq = W[i] * _moments_at(act, q[i], "f") + B[i]
        off = ~np.isfinite(nq) | (nq > Q_MAX) | (nq < Q_MIN)
        done = ~off & (np.abs(nq - q[i]) <= FIXED_POINT_RTOL * q[i])
        q_star[i[done]] = nq[done]
        moving = ~off & ~done
        q[i[moving]] = nq[moving]
        active[i[off | done]] = False
    q_eval = np.where(np.isfinite(q_star), q_star, np.clip(q, Q_MIN, Q_MAX))
    chi: np.ndarray = (W * _moments_at(act, q_eval, "d")).reshape(b.size, w.size)
    return chi


@dataclass(frozen=True)
class DepthProfile:
    """A deep stack layer by layer (the same variance map as ``gradient_flow``): ``variance[l]``
    is q_l, the pre-activation variance at layer l (q_0 = 1: standardised inputs), and
    ``grad[l]`` the squared gradient norm at layer l relative to the last layer's,
    ∏_{k=l+1}^{L-1} χ_k with χ_k = σ_w²·E[f'(√q_k z)²] (the backward pass through the
    layers above)."""

    sigma_w2: float
    sigma_b2: float
    variance: tuple[float, ...]
    grad: tuple[float, ...]


def depth_profile(act: Activation, sigma_w2: float, sigma_b2: float, depth: int) -> DepthProfile:
    """q_l and the relative squared gradient through ``depth`` layers; once the variance has
    reached its fixed point (relative change ≤ 1e-10, gradient_flow's criterion) the remaining
    layers repeat it, so a deep stack costs no more than its transient.

    >>> import actlab
    >>> p = depth_profile(actlab.get("relu"), 2.0, 0.0, 3)
    >>> [round(v, 12) for v in p.variance], [round(g, 12) for g in p.grad]
    ([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth_profile: depth must be an int >= 1, got {depth!r}")
    for label, v in (("sigma_w2", sigma_w2), ("sigma_b2", sigma_b2)):
        if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
            raise ValueError(f"depth_profile: {label} must be a finite number >= 0, got {v!r}")
    qs = [1.0]
    chis: list[float] = []
    settled = False
    for _ in range(depth):
        q = qs[-1]
        if not settled:
            chis.append(sigma_w2 * moment(act, q, "d", 2) if q > 0 and math.isfinite(q) else 0.0)
            nq = sigma_w2 * moment(act, q, "f", 2) + sigma_b2 if 0 < q < 1e300 else q
            settled = len(qs) > 1 and abs(nq - q) <= FIXED_POINT_RTOL * q
        else:
            chis.append(chis[-1])
            nq = q
        qs.append(nq if math.isfinite(nq) else math.inf)
    grads = [1.0] * depth
    for layer in range(depth - 2, -1, -1):
        grads[layer] = grads[layer + 1] * chis[layer + 1]
    return DepthProfile(sigma_w2, sigma_b2, tuple(qs[:depth]), tuple(grads))


# ----------------------------------------------------------------------------- cost


def relative_cost(act: Activation, n: int = 200_000, repeat: int = 5) -> float:
    """Time of forward + derivative on n float32 values, relative to relu's (best of repeat)."""
    x = np.random.default_rng(0).normal(0, 3, n).astype(np.float32)

    def clock(a: Activation) -> float:
        best = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            a(x)
            a.derivative(x)
            best = min(best, time.perf_counter() - t0)
        return best

    return clock(act) / clock(get("relu"))


@dataclass(frozen=True)
class Cost:
    """A relative cost and its spread: ``ratio`` is the median over rounds of (the
    activation's time / relu's time), ``low``/``high`` the smallest and largest round."""

    ratio: float
    low: float
    high: float
    rounds: int


def cost_protocol(act: Activation, n: int = 50_000, rounds: int = 5, best_of: int = 3) -> Cost:
    """``actlab list --sort cost``'s fixed protocol: forward + derivative on the same n float32
    inputs (N(0, 3²), seed 0); each round times the activation and relu back to back (the
    best of ``best_of`` calls each, after one untimed warm-up call) and takes their ratio, so
    machine load that drifts between rounds cancels; the cost is the median round, its spread
    the min and max. relu is 1 by definition (exactly: its ratio with itself is not measured)."""
    if act.name == "relu" and not act.params:
        return Cost(1.0, 1.0, 1.0, rounds)
    x = np.random.default_rng(0).normal(0, 3, n).astype(np.float32)
    relu = get("relu")

    def clock(a: Activation) -> float:
        a(x)
        a.derivative(x)  # warm-up: first-call allocation and dispatch are not the cost
        best = math.inf
        for _ in range(best_of):
            t0 = time.perf_counter()
            a(x)
            a.derivative(x)
            best = min(best, time.perf_counter() - t0)
        return best

    ratios = sorted(clock(act) / clock(relu) for _ in range(rounds))
    return Cost(float(np.median(ratios)), ratios[0], ratios[-1], rounds)
