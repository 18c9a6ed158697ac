"""Exponential units: elu, selu, celu."""

from __future__ import annotations

from types import ModuleType

from ._common import (
    ALL_REAL,
    INF,
    R,
    _pos,
    elementwise,
)
from ._spec import (
    Facts,
    Kink,
    Param,
    Params,
    Peer,
    Peers,
    Reference,
)
from ._xp import (
    Array,
    const,
)


def _elu(xp: ModuleType, x: Array, alpha: float) -> Array:
    return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, const(xp, x, 0.0))))


def _elu_d(xp: ModuleType, x: Array, alpha: float) -> Array:
    return xp.where(x > 0, const(xp, x, 1.0), alpha * xp.exp(xp.minimum(x, const(xp, x, 0.0))))


ELU = elementwise(
    name="elu",
    lean=("output", lambda xp, y, p: xp.where(y > 0, 1.0, y + p["alpha"]), None),
    example=(
        ">>> import actlab\n"
        ">>> actlab.elu([-2.0, 0.0, 1.5])\n"
        "array([-0.86466472,  0.        ,  1.5       ])\n"
        ">>> actlab.get('elu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.13533528, 1.        , 1.        ])"
    ),
    summary="Exponential linear unit: x for x > 0, α(eˣ − 1) below — smooth, negative, bounded.",
    params=(
        Param("alpha", 1.0, "the negative saturation value is −alpha", allowed="> 0", check=_pos),
    ),
    forward=lambda xp, x, p: _elu(xp, x, p["alpha"]),
    derivative=lambda xp, x, p: _elu_d(xp, x, p["alpha"]),
    latex=r"f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
    text="f(x) = x if x > 0 else alpha * expm1(x)",
    derivative_text="f'(x) = 1 if x > 0 else alpha * exp(x)  (alpha at 0)",
    kinks=(Kink(0.0, lambda p: p["alpha"], "left derivative, as PyTorch and JAX"),),
    facts=Facts(
        range=lambda p: R(-p["alpha"], INF, False, False),
        monotonic=True,
        # f'(0⁻) = alpha, f'(0⁺) = 1: C¹ only at alpha = 1
        smoothness=lambda p: 1 if p["alpha"] == 1 else 0,
        zero_centred=False,
        saturates=("negative",),
        uses=("deep MLPs and CNNs without batch-norm",),
        pros=("mean activation closer to zero", "smooth for alpha = 1", "never dead"),
        cons=("exp costs more than relu",),
        init="he",
    ),
    references=(
        Reference(
            "Fast and accurate deep network learning by exponential linear units (ELUs)",
            "Clevert, Unterthiner, Hochreiter",
            2016,
        ),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.elu", {"alpha": "alpha"}, module="torch.nn.ELU"),
        keras=Peer("keras.activations.elu", {"alpha": "alpha"}),
        jax=Peer("jax.nn.elu", {"alpha": "alpha"}),
    ),
)

#: SELU's constants to full digits (Klambauer et al. 2017, eq. 14), as the spec's record of them.
SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"
_SA, _SL = float(SELU_ALPHA), float(SELU_SCALE)

SELU = elementwise(
    name="selu",
    lean=("output", lambda xp, y, p: xp.where(y > 0, _SL, y + _SL * _SA), None),
    torch_gain=lambda p: 0.75,
    example=(
        ">>> import actlab\n"
        ">>> actlab.selu([-2.0, 0.0, 1.5])\n"
        "array([-1.52016647,  0.        ,  1.57605148])\n"
        ">>> actlab.get('selu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.23793287, 1.75809934, 1.05070099])"
    ),
    summary="Scaled ELU with the constants that make a deep MLP self-normalising.",
    forward=lambda xp, x, p: _SL * _elu(xp, x, _SA),
    derivative=lambda xp, x, p: _SL * _elu_d(xp, x, _SA),
    latex=r"f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases},"
    r"\ \alpha \approx 1.6733,\ \lambda \approx 1.0507",
    derivative_latex=r"f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 "
    r"\end{cases}",
    text=f"f(x) = scale * (x if x > 0 else alpha * expm1(x)), alpha = {SELU_ALPHA}, "
    f"scale = {SELU_SCALE}",
    derivative_text="f'(x) = scale * (1 if x > 0 else alpha * exp(x))  (scale*alpha at 0)",
    kinks=(Kink(0.0, _SL * _SA, "left derivative, as PyTorch and JAX"),),
    facts=Facts(
        range=R(-_SL * _SA, INF, False, False),
        monotonic=True,
        smoothness=0,
        zero_centred=True,
        saturates=("negative",),
        uses=("self-normalising MLPs (LeCun-normal init, no batch-norm, alpha-dropout)",),
        pros=("keeps mean 0 and variance 1 through depth without normalisation layers",),
        cons=("the guarantee needs LeCun init and plain MLPs; breaks with batch-norm/dropout",),
        init="lecun",
    ),
    references=(
        Reference(
            "Self-normalizing neural networks",
            "Klambauer, Unterthiner, Mayr, Hochreiter",
            2017,
        ),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.selu", module="torch.nn.SELU"),
        keras=Peer("keras.activations.selu"),
        jax=Peer("jax.nn.selu"),
    ),
)


def _celu_f(xp: ModuleType, x: Array, p: Params) -> Array:
    a = p["alpha"]
    zero = const(xp, x, 0.0)
    u = xp.minimum(x, zero) / a
    # α·expm1(x/α) = x·(1 + u/2 + ...): below |u| = 1e-17 that is x (u may have underflowed)
    neg = xp.where(xp.abs(u) < 1e-17, xp.minimum(x, zero), a * xp.expm1(u))
    return xp.maximum(x, zero) + xp.minimum(zero, neg)


def _celu_d(xp: ModuleType, x: Array, p: Params) -> Array:
    return xp.where(x > 0, const(xp, x, 1.0), xp.exp(xp.minimum(x, const(xp, x, 0.0)) / p["alpha"]))


CELU = elementwise(
    name="celu",
    lean=("output", lambda xp, y, p: xp.where(y > 0, 1.0, y / p["alpha"] + 1.0), None),
    example=(
        ">>> import actlab\n"
        ">>> actlab.celu([-2.0, 0.0, 1.5])\n"
        "array([-0.86466472,  0.        ,  1.5       ])\n"
        ">>> actlab.get('celu').derivative([-2.0, 0.0, 1.5])\n"
        "array([0.13533528, 1.        , 1.        ])"
    ),
    summary="Continuously differentiable ELU: max(0, x) + min(0, α(e^{x/α} − 1)).",
    params=(
        Param("alpha", 1.0, "scale of the negative part", allowed="!= 0", check=lambda v: v != 0),
    ),
    forward=_celu_f,
    derivative=_celu_d,
    latex=r"f(x) = \max(0, x) + \min\left(0, \alpha\left(e^{x/\alpha} - 1\right)\right)",
    derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}",
    text="f(x) = max(0, x) + min(0, alpha * expm1(x / alpha))",
    derivative_text="f'(x) = 1 if x > 0 else exp(x / alpha)  (continuous: 1 at 0)",
    facts=Facts(
        range=lambda p: R(-p["alpha"], INF, False, False) if p["alpha"] > 0 else ALL_REAL,
        monotonic=True,
        smoothness=1,
        zero_centred=False,
        saturates=("negative",),
        uses=("as ELU, when alpha != 1 is wanted with a continuous derivative",),
        pros=("C1 for every alpha",),
        cons=("exp cost",),
        init="he",
    ),
    references=(Reference("Continuously differentiable exponential linear units", "Barron", 2017),),
    peers=Peers(
        torch=Peer("torch.nn.functional.celu", {"alpha": "alpha"}, module="torch.nn.CELU"),
        keras=Peer("keras.activations.celu", {"alpha": "alpha"}),
        jax=Peer("jax.nn.celu", {"alpha": "alpha"}),
    ),
)
