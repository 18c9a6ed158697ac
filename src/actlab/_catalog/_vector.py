"""Vector activations: functions of a whole axis (softmax, softmin, log_softmax, sparsemax,
gumbel_softmax). Every function here works along the last axis; ``Activation`` moves ``axis``
there and back.

The softmax policy (CATALOG.md): shift by the row maximum; an optional boolean ``where`` mask
excludes entries; a row with no included finite entry (all masked, or all −inf) gives zeros and a
zero gradient (log_softmax: −inf); an entry of −inf is treated as excluded; a single +inf entry
gives the limit (1 there, 0 elsewhere), two or more make the row undefined (NaN); NaN anywhere in
a row makes that row NaN.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import array_api_compat as aac

from ._registry import register
from ._spec import Facts, Param, Params, Peer, Peers, Range, Reference, Spec
from ._xp import Array, const, draw, two_sum

INF = math.inf
_AXIS = Param("axis", -1, "the axis the activation works along", type="axis", allowed="an int")


def vector(**kw: Any) -> Spec:
    return register(Spec(kind="vector", **kw))


# =============================================================================== softmax core


class _Rows:
    """The pieces of a softmax of z along the last axis, computed once for f, vjp, jvp, J."""

    def __init__(self, xp: ModuleType, z: Array, mask: Array | None) -> None:
        self.xp = xp
        ninf = const(xp, z, -INF)
        zm = z if mask is None else xp.where(mask, z, ninf)
        self.included = ~(zm == -INF)  # NaN stays included, so it reaches the row
        m = xp.max(zm, axis=-1, keepdims=True)
        self.n_posinf = xp.sum(xp.astype(zm == INF, z.dtype), axis=-1, keepdims=True)
        m_fin = xp.where(xp.isinf(m), const(xp, z, 0.0), m)
        zf = xp.where(xp.isinf(zm), m_fin, zm)
        # z − m carried exactly: exp sees the true difference, not a rounded one. Entries more
        # than 1000 below the maximum have exp(z − m) = 0; clamping them keeps the error-free
        # transformation away from overflow (their log-probability uses the plain difference).
        self.diff = zf - m_fin
        near = ~(zf < m_fin - 1000.0)  # NaN stays 'near', so it reaches its row
        zc = xp.where(near, zf, m_fin)
        d_hi, d_lo = two_sum(zc, -m_fin)
        self.d_lo = xp.where(near, d_lo, const(xp, z, 0.0))
        e = xp.where(near, xp.exp(d_hi) * (1.0 + self.d_lo), const(xp, z, 0.0))
        self.d_hi = self.diff
        self.e = xp.where(self.included & ~(zm == INF), e, const(xp, z, 0.0))
        self.s = xp.sum(self.e, axis=-1, keepdims=True)
        self.empty = m == -INF
        self.posinf = m == INF
        self.zm = zm

    def softmax(self) -> Array:
        xp, z = self.xp, self.e
        s = xp.where(self.s > 0, self.s, const(xp, z, 1.0))
        y = self.e / s
        onehot = xp.where(self.zm == INF, const(xp, z, 1.0), const(xp, z, 0.0))
        several = xp.where(self.n_posinf > 1, const(xp, z, math.nan), const(xp, z, 0.0))
        y = xp.where(self.posinf, onehot + several, y)
        return y

    def log_softmax(self) -> Array:
        # log Σ = log(k + r), k the count of entries at the maximum (each contributes exactly 1)
        # and r the rest: log k + log1p(r/k), so the maximum's log-probability keeps its digits.
        xp, z = self.xp, self.e
        top = (self.d_hi == 0) & (self.d_lo == 0) & self.included
        k = xp.sum(xp.astype(top, z.dtype), axis=-1, keepdims=True)
        k = xp.where(k > 0, k, const(xp, z, 1.0))
        r = xp.sum(xp.where(top, const(xp, z, 0.0), self.e), axis=-1, keepdims=True)
        y = (self.d_hi - (xp.log(k) + xp.log1p(r / k))) + self.d_lo
        y = xp.where(self.included, y, const(xp, z, -INF))
        onehot = xp.where(self.zm == INF, const(xp, z, 0.0), const(xp, z, -INF))
        several = xp.where(self.n_posinf > 1, const(xp, z, math.nan), const(xp, z, 0.0))
        return xp.where(self.posinf, onehot + several, y)


def _softmax_vjp(xp: ModuleType, y: Array, g: Array) -> Array:
    return y * (g - xp.sum(g * y, axis=-1, keepdims=True))


def _softmax_jac(xp: ModuleType, y: Array) -> Array:
    n = y.shape[-1]
    eye = xp.eye(n, dtype=y.dtype, device=aac.device(y))
    return y[..., :, None] * eye - y[..., :, None] * y[..., None, :]


_SOFTMAX_REF = Reference(
    "Probabilistic interpretation of feedforward classification network outputs, with "
    "relationships to statistical pattern recognition",
    "Bridle",
    1990,
)


def _sm_facts(uses: tuple[str, ...], rng: Range) -> Facts:
    return Facts(
        range=rng,
        monotonic=False,
        smoothness=math.inf,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=uses,
        pros=("a probability distribution over the axis", "shift-invariant"),
        cons=("saturates when one logit dominates",),
        init="xavier",
    )


def _softmax_f(xp: ModuleType, x: Array, p: Params, mask: Array | None) -> Array:
    return _Rows(xp, x, mask).softmax()


SOFTMAX = vector(
    name="softmax",
    example=(
        ">>> import actlab\n"
        ">>> actlab.softmax([[1.0, 2.0, 3.0]])\n"
        "array([[0.09003057, 0.24472847, 0.66524096]])"
    ),
    summary="exp(x)/Σexp(x) along an axis: logits to a probability distribution.",
    params=(_AXIS,),
    masked=True,
    forward=_softmax_f,
    vjp=lambda xp, x, g, p, m: _softmax_vjp(xp, _softmax_f(xp, x, p, m), g),
    jvp=lambda xp, x, v, p, m: _softmax_vjp(xp, _softmax_f(xp, x, p, m), v),
    jacobian=lambda xp, x, p, m: _softmax_jac(xp, _softmax_f(xp, x, p, m)),
    latex=r"f(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
    derivative_latex=r"\frac{\partial f_i}{\partial x_j} = f_i(\delta_{ij} - f_j)",
    text="f(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x)",
    derivative_text="J = diag(f) - f f^T;  vjp(g) = f * (g - <g, f>)",
    facts=_sm_facts(
        ("multi-class single-label output", "attention weights"), Range(0.0, 1.0, False, False)
    ),
    references=(_SOFTMAX_REF,),
    peers=Peers(
        torch=Peer("torch.nn.functional.softmax", {"axis": "dim"}, module="torch.nn.Softmax"),
        keras=Peer("keras.activations.softmax", {"axis": "axis"}),
        jax=Peer("jax.nn.softmax", {"axis": "axis"}),
    ),
)


def _softmin_f(xp: ModuleType, x: Array, p: Params, mask: Array | None) -> Array:
    # the policy reads softmin's own input: a row whose included entries are all −inf (each
    # exp(−x) infinite) gives zeros, like an empty row, not the NaN of several +inf in −x
    rows = _Rows(xp, -x, mask)
    y = rows.softmax()
    included = ~(x == -INF) if mask is None else mask & ~(x == -INF)  # NaN stays included
    all_ninf = ~xp.any(included, axis=-1, keepdims=True)
    return xp.where(all_ninf, const(xp, x, 0.0), y)


SOFTMIN = vector(
    name="softmin",
    example=(
        ">>> import actlab\n"
        ">>> actlab.softmin([[1.0, 2.0, 3.0]])\n"
        "array([[0.66524096, 0.24472847, 0.09003057]])"
    ),
    summary="softmax(−x): a distribution that favours the smallest entries.",
    params=(_AXIS,),
    masked=True,
    forward=_softmin_f,
    vjp=lambda xp, x, g, p, m: -_softmax_vjp(xp, _softmin_f(xp, x, p, m), g),
    jvp=lambda xp, x, v, p, m: -_softmax_vjp(xp, _softmin_f(xp, x, p, m), v),
    jacobian=lambda xp, x, p, m: -_softmax_jac(xp, _softmin_f(xp, x, p, m)),
    latex=r"f(x)_i = \frac{e^{-x_i}}{\sum_j e^{-x_j}}",
    derivative_latex=r"\frac{\partial f_i}{\partial x_j} = -f_i(\delta_{ij} - f_j)",
    text="f(x) = softmax(-x)",
    derivative_text="J = -(diag(f) - f f^T)",
    facts=_sm_facts(
        ("soft minimum / soft assignment to the nearest",), Range(0.0, 1.0, False, False)
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.softmin", {"axis": "dim"}, module="torch.nn.Softmin"),
    ),
)


def _log_softmax_f(xp: ModuleType, x: Array, p: Params, mask: Array | None) -> Array:
    return _Rows(xp, x, mask).log_softmax()


def _log_softmax_vjp(xp: ModuleType, x: Array, g: Array, p: Params, mask: Array | None) -> Array:
    rows = _Rows(xp, x, mask)
    y = rows.softmax()
    ge = xp.where(rows.included, g, const(xp, x, 0.0))
    return ge - y * xp.sum(ge, axis=-1, keepdims=True)


def _log_softmax_jvp(xp: ModuleType, x: Array, v: Array, p: Params, mask: Array | None) -> Array:
    rows = _Rows(xp, x, mask)
    y = rows.softmax()
    ve = xp.where(rows.included, v, const(xp, x, 0.0))
    out = ve - xp.sum(y * ve, axis=-1, keepdims=True)
    return xp.where(rows.included, out, const(xp, x, 0.0))


def _log_softmax_jac(xp: ModuleType, x: Array, p: Params, mask: Array | None) -> Array:
    rows = _Rows(xp, x, mask)
    y = rows.softmax()
    inc = xp.astype(rows.included, x.dtype)
    n = x.shape[-1]
    eye = xp.eye(n, dtype=x.dtype, device=aac.device(x))
    return inc[..., :, None] * (eye * inc[..., None, :] - y[..., None, :])


LOG_SOFTMAX = vector(
    name="log_softmax",
    example=(
        ">>> import actlab\n"
        ">>> actlab.log_softmax([[1.0, 2.0, 3.0]])\n"
        "array([[-2.40760596, -1.40760596, -0.40760596]])"
    ),
    summary="x − logsumexp(x) along an axis: log-probabilities, stable for any logits.",
    params=(_AXIS,),
    masked=True,
    forward=_log_softmax_f,
    vjp=_log_softmax_vjp,
    jvp=_log_softmax_jvp,
    jacobian=_log_softmax_jac,
    latex=r"f(x)_i = x_i - \log\sum_j e^{x_j}",
    derivative_latex=r"\frac{\partial f_i}{\partial x_j} = \delta_{ij} - \operatorname{softmax}"
    r"(x)_j",
    text="f(x)_i = (x_i - max x) - log(sum_j exp(x_j - max x))",
    derivative_text="J = I - 1 softmax(x)^T;  vjp(g) = g - softmax(x) * sum(g)",
    facts=_sm_facts(
        ("with negative log-likelihood loss (classification)",), Range(-INF, 0.0, False, False)
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.log_softmax", {"axis": "dim"}, module="torch.nn.LogSoftmax"
        ),
        keras=Peer("keras.activations.log_softmax", {"axis": "axis"}),
        jax=Peer("jax.nn.log_softmax", {"axis": "axis"}),
    ),
)


# =============================================================================== sparsemax


def _sparsemax_f(xp: ModuleType, x: Array, p: Params, mask: Array | None) -> Array:
    zero, one = const(xp, x, 0.0), const(xp, x, 1.0)
    m = xp.max(x, axis=-1, keepdims=True)
    n_posinf = xp.sum(xp.astype(x == INF, x.dtype), axis=-1, keepdims=True)
    empty = m == -INF
    # −inf entries can never be in the support: put them 2 below the largest finite entry.
    fin = xp.where(xp.isinf(x), const(xp, x, -INF), x)
    m_fin = xp.max(fin, axis=-1, keepdims=True)
    m_fin = xp.where(xp.isinf(m_fin), zero, m_fin)
    z = xp.where(x == -INF, m_fin - 2.0, x)
    z = xp.where(xp.isinf(z), m_fin, z)  # +inf rows are replaced below
    z = z - m_fin  # the projection is shift-invariant; this keeps the sums small
    zs = xp.flip(xp.sort(z, axis=-1), axis=-1)
    csum = xp.cumulative_sum(zs, axis=-1)
    k = xp.arange(1, z.shape[-1] + 1, dtype=x.dtype, device=aac.device(x))
    support = 1.0 + k * zs > csum
    kmax = xp.sum(xp.astype(support, x.dtype), axis=-1, keepdims=True)
    ssum = xp.sum(xp.where(support, zs, zero), axis=-1, keepdims=True)
    tau = (ssum - 1.0) / xp.where(kmax > 0, kmax, one)
    y = xp.maximum(z - tau, zero)
    onehot = xp.where(x == INF, one, zero)
    several = xp.where(n_posinf > 1, const(xp, x, math.nan), zero)
    y = xp.where(n_posinf > 0, onehot + several, y)
    y = xp.where(empty, zero, y)
    return xp.where(xp.isnan(m), const(xp, x, math.nan), y)


def _sparsemax_vjp(xp: ModuleType, x: Array, g: Array, p: Params, mask: Array | None) -> Array:
    y = _sparsemax_f(xp, x, p, mask)
    s = xp.astype(y > 0, x.dtype)
    k = xp.sum(s, axis=-1, keepdims=True)
    mean = xp.sum(s * g, axis=-1, keepdims=True) / xp.where(k > 0, k, const(xp, x, 1.0))
    out = s * (g - mean)
    return xp.where(xp.isnan(y), y, out)


def _sparsemax_jac(xp: ModuleType, x: Array, p: Params, mask: Array | None) -> Array:
    y = _sparsemax_f(xp, x, p, mask)
    s = xp.astype(y > 0, x.dtype)
    k = xp.sum(s, axis=-1, keepdims=True)[..., None]
    n = x.shape[-1]
    eye = xp.eye(n, dtype=x.dtype, device=aac.device(x))
    return s[..., :, None] * eye - s[..., :, None] * s[..., None, :] / xp.where(
        k > 0, k, const(xp, x, 1.0)
    )


SPARSEMAX = vector(
    name="sparsemax",
    example=(">>> import actlab\n>>> actlab.sparsemax([[1.0, 2.0, 3.0]])\narray([[0., 0., 1.]])"),
    summary="Euclidean projection onto the probability simplex: a softmax with exact zeros.",
    params=(_AXIS,),
    forward=_sparsemax_f,
    vjp=_sparsemax_vjp,
    jvp=_sparsemax_vjp,  # the Jacobian is symmetric
    jacobian=_sparsemax_jac,
    latex=r"f(x) = \arg\min_{p \in \Delta} \|p - x\|^2 = \max(x - \tau(x), 0)",
    derivative_latex=r"J = \operatorname{diag}(s) - \frac{s s^\top}{|S|},\ s = [f(x) > 0]",
    text="f(x) = max(x - tau, 0), tau chosen so that the entries sum to 1",
    derivative_text="J = diag(s) - s s^T / |S| with s the support indicator (f > 0)",
    facts=Facts(
        range=Range(0.0, 1.0, True, True),
        monotonic=False,
        smoothness=0,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("sparse attention", "multi-label classification with sparse outputs"),
        pros=("exact zeros: interpretable, sparse distributions",),
        cons=("zero gradient outside the support",),
        init="xavier",
    ),
    references=(
        Reference(
            "From softmax to sparsemax: a sparse model of attention and multi-label classification",
            "Martins, Astudillo",
            2016,
        ),
    ),
    peers=Peers(keras=Peer("keras.activations.sparsemax", {"axis": "axis"})),
)


# =============================================================================== gumbel-softmax


def _gumbel_validate(p: Params) -> None:
    if p["seed"] is not None and p["generator"] is not None:
        raise ValueError("gumbel_softmax: pass seed or generator, not both")


def _gumbel_soft(xp: ModuleType, x: Array, p: Params, mask: Array | None) -> Array:
    return _Rows(xp, (x + p["_noise"]) / p["tau"], mask).softmax()


def _gumbel_f(xp: ModuleType, x: Array, p: Params, mask: Array | None) -> Array:
    y = _gumbel_soft(xp, x, p, mask)
    if not p["hard"]:
        return y
    idx = xp.argmax(y, axis=-1, keepdims=True)
    k = xp.arange(x.shape[-1], device=aac.device(x))
    hard = xp.where(k == idx, const(xp, x, 1.0), const(xp, x, 0.0))
    return xp.where(xp.isnan(y), y, hard)


def _gumbel_vjp(xp: ModuleType, x: Array, g: Array, p: Params, mask: Array | None) -> Array:
    # hard=True: the straight-through estimator — the soft sample's gradient.
    return _softmax_vjp(xp, _gumbel_soft(xp, x, p, mask), g) / p["tau"]


GUMBEL_SOFTMAX = vector(
    name="gumbel_softmax",
    example_params={"seed": 0},
    example=(
        ">>> import actlab\n"
        ">>> actlab.gumbel_softmax([[1.0, 2.0, 3.0]], seed=0)\n"
        "array([[0.00389913, 0.00706804, 0.98903283]])"
    ),
    summary="softmax((x + Gumbel noise)/τ): a differentiable sample of a categorical variable.",
    params=(
        Param(
            "tau", 1.0, "temperature τ (→ 0: one-hot samples)", allowed="> 0", check=lambda v: v > 0
        ),
        Param(
            "hard",
            False,
            "return one-hot samples with the soft sample's gradient (straight-through)",
            type="bool",
        ),
        _AXIS,
        Param(
            "seed",
            None,
            "seed for the Gumbel noise (same seed, same noise)",
            type="seed",
            allowed="None or a non-negative int",
        ),
        Param(
            "generator",
            None,
            "a numpy.random.Generator or torch.Generator to draw from",
            type="generator",
        ),
    ),
    masked=True,
    stochastic=True,
    validate=_gumbel_validate,
    sample=lambda xp, x, p: draw(xp, x, p, "gumbel", "gumbel_softmax"),
    forward=_gumbel_f,
    vjp=_gumbel_vjp,
    jvp=_gumbel_vjp,  # softmax's Jacobian is symmetric
    jacobian=lambda xp, x, p, m: _softmax_jac(xp, _gumbel_soft(xp, x, p, m)) / p["tau"],
    latex=r"f(x) = \operatorname{softmax}\left(\frac{x + g}{\tau}\right),\ g_i \sim "
    r"\operatorname{Gumbel}(0, 1)",
    derivative_latex=r"J = \frac{1}{\tau}\left(\operatorname{diag}(f) - f f^\top\right)",
    text="f(x) = softmax((x + g) / tau), g = -log(Exponential(1)) noise; hard: one_hot(argmax)",
    derivative_text="J = (diag(f) - f f^T) / tau (hard: the same, straight-through)",
    facts=Facts(
        range=Range(0.0, 1.0, False, False),
        monotonic=False,
        smoothness=math.inf,
        zero_centred=False,
        saturates=("negative", "positive"),
        uses=("discrete latent variables", "differentiable sampling of categories"),
        pros=("reparameterised gradient for categorical samples",),
        cons=("biased gradient; temperature needs annealing",),
        init="xavier",
    ),
    references=(
        Reference("Categorical reparameterization with Gumbel-softmax", "Jang, Gu, Poole", 2017),
        Reference(
            "The concrete distribution: a continuous relaxation of discrete random variables",
            "Maddison, Mnih, Teh",
            2017,
        ),
    ),
    peers=Peers(
        torch=Peer(
            "torch.nn.functional.gumbel_softmax",
            {"tau": "tau", "hard": "hard", "axis": "dim"},
            note="torch draws from its global RNG: compared in distribution, not value",
        ),
    ),
)
