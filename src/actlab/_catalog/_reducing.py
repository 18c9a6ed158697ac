"""Reducing vector activations: maxout, the maximum over consecutive groups of k entries along
an axis (the output is k times shorter there). Its vjp routes the cotangent to each group's
maximum (the first one at a tie, as an index-returning max does); NaN in a group makes that
group's output and gradient NaN."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import array_api_compat as aac

from ._registry import register
from ._spec import Facts, Param, Params, Range, Reference, Spec
from ._xp import Array, const


def _groups(xp: ModuleType, x: Array, p: Params) -> Array:
    """x along its last axis as (..., n/k, k); a size that k does not divide is an error."""
    k, n = p["k"], x.shape[-1]
    if n % k:
        raise ValueError(
            f"maxout: axis {p['axis']} has size {n}, which k = {k} does not divide; maxout "
            f"takes the maximum over consecutive groups of k, so the size must be a multiple of k"
        )
    return xp.reshape(x, (*x.shape[:-1], n // k, k))


def _winner(xp: ModuleType, xg: Array) -> tuple[Array, Array]:
    """One-hot of each group's first maximum, and which groups hold a NaN."""
    nan = xp.any(xp.isnan(xg), axis=-1, keepdims=True)
    idx = xp.argmax(xp.where(xp.isnan(xg), const(xp, xg, -math.inf), xg), axis=-1, keepdims=True)
    k = xp.arange(xg.shape[-1], device=aac.device(xg))
    return k == idx, nan


def _maxout_f(xp: ModuleType, x: Array, p: Params, mask: Any) -> Array:
    xg = _groups(xp, x, p)
    _, nan = _winner(xp, xg)
    y = xp.max(xp.where(xp.isnan(xg), const(xp, xg, -math.inf), xg), axis=-1)
    return xp.where(nan[..., 0], const(xp, x, math.nan), y)


def _maxout_vjp(xp: ModuleType, x: Array, g: Array, p: Params, mask: Any) -> Array:
    xg = _groups(xp, x, p)
    onehot, nan = _winner(xp, xg)
    out = xp.where(onehot, g[..., None], const(xp, x, 0.0))
    out = xp.where(nan, const(xp, x, math.nan), out)
    return xp.reshape(out, tuple(x.shape))


def _maxout_jvp(xp: ModuleType, x: Array, v: Array, p: Params, mask: Any) -> Array:
    xg = _groups(xp, x, p)
    onehot, nan = _winner(xp, xg)
    picked = xp.sum(xp.where(onehot, _groups(xp, v, p), const(xp, x, 0.0)), axis=-1)
    return xp.where(nan[..., 0], const(xp, x, math.nan), picked)


def _maxout_jac(xp: ModuleType, x: Array, p: Params, mask: Any) -> Array:
    xg = _groups(xp, x, p)
    onehot, nan = _winner(xp, xg)
    m = xg.shape[-2]
    eye = xp.eye(m, dtype=x.dtype, device=aac.device(x))
    hot = xp.where(nan, const(xp, x, math.nan), xp.astype(onehot, x.dtype))
    # J[i, j·k + c] = δᵢⱼ·onehot[j, c]: one non-zero per row, in its own group
    jac = xp.where(eye[:, :, None] == 1, hot[..., None, :, :], const(xp, x, 0.0))
    return xp.reshape(jac, (*x.shape[:-1], m, x.shape[-1]))


def _positive_int(v: float) -> bool:
    return v >= 1


MAXOUT = register(
    Spec(
        name="maxout",
        kind="vector",
        example=(
            ">>> import actlab\n>>> actlab.maxout([[1.0, -2.0, 0.5, 3.0]], k=2)\narray([[1., 3.]])"
        ),
        summary="The maximum over consecutive groups of k entries along an axis (k-fold "
        "shorter output): a learned piecewise-linear convex activation.",
        params=(
            Param(
                "k",
                2,
                "the group size: entries per maximum",
                type="int",
                allowed="an int >= 1",
                check=_positive_int,
            ),
            Param("axis", -1, "the axis the groups run along", type="axis", allowed="an int"),
        ),
        out_size=lambda p, n: n // p["k"],
        forward=_maxout_f,
        vjp=_maxout_vjp,
        jvp=_maxout_jvp,
        jacobian=_maxout_jac,
        latex=r"f(x)_i = \max_{0 \le c < k} x_{ik + c}",
        derivative_latex=r"\frac{\partial f_i}{\partial x_j} = [\,j = ik + "
        r"\operatorname{argmax}_c x_{ik + c}\,]",
        text="f(x)_i = max(x[i*k], ..., x[i*k + k - 1])",
        derivative_text="df_i/dx_j = 1 at each group's (first) maximum, else 0",
        facts=Facts(
            range=Range(-math.inf, math.inf, False, False),
            monotonic=True,
            smoothness=0,
            zero_centred=False,
            saturates=(),
            uses=("with dropout in MLPs and CNNs (the paper: MNIST, CIFAR, SVHN)",),
            pros=(
                "learns its own convex piecewise-linear activation",
                "never saturates, a unit is dead only if every piece is",
            ),
            cons=("k times the pre-activations: k times the weights", "not smooth"),
            init="he",
        ),
        references=(
            Reference(
                "Maxout networks",
                "Goodfellow, Warde-Farley, Mirza, Courville, Bengio",
                2013,
                "https://arxiv.org/abs/1302.4389",
            ),
        ),
    )
)
