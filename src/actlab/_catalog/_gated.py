"""Gated activations: split the axis into halves (a, b) and return a·gate(b).

A gated spec names its gate (an elementwise spec) instead of restating its formula; forward,
vjp, jvp and the Jacobian follow from the gate's forward and derivative (see ``_activation``).
"""

from __future__ import annotations

import math
from typing import Any

from ._registry import register
from ._spec import Facts, Param, Params, Peer, Peers, Range, Reference, Spec

_AXIS = Param(
    "axis", -1, "the axis split into halves (a, b), a first", type="axis", allowed="an int"
)
_SHAZEER = Reference("GLU variants improve transformer", "Shazeer", 2020)


def gated(
    name: str, gate: str, gate_params: Any, summary: str, gate_tex: str, smooth: float, **kw: Any
) -> Spec:
    return register(
        Spec(
            name=name,
            kind="gated",
            summary=summary,
            gate=(gate, gate_params),
            latex=rf"f(x) = a \odot {gate_tex}(b),\ x = [a, b]",
            derivative_latex=rf"\frac{{\partial f}}{{\partial a}} = {gate_tex}(b),\ "
            rf"\frac{{\partial f}}{{\partial b}} = a \odot {gate_tex}'(b)",
            text=f"f(x) = a * {gate}(b), where a, b = the two halves of x along axis",
            derivative_text=f"df/da = {gate}(b), df/db = a * {gate}'(b)",
            facts=Facts(
                range=Range(-math.inf, math.inf, False, False),
                monotonic=False,
                smoothness=smooth,
                zero_centred=True,
                saturates=(),
                uses=kw.pop("uses"),
                pros=kw.pop("pros"),
                cons=("halves the width: the layer before must output twice the units",),
                init="xavier",
            ),
            **kw,
        )
    )


def _none(p: Params) -> dict[str, Any]:
    return {}


GLU = gated(
    "glu",
    "sigmoid",
    _none,
    "Gated linear unit a·σ(b): the input's second half gates its first.",
    r"\sigma",
    math.inf,
    params=(_AXIS,),
    uses=("gated convolutional language models", "transformer feed-forward blocks"),
    pros=("multiplicative gating eases gradient flow",),
    references=(
        Reference("Language modeling with gated convolutional networks", "Dauphin et al.", 2017),
    ),
    peers=Peers(
        torch=Peer("torch.nn.functional.glu", {"axis": "dim"}, module="torch.nn.GLU"),
        keras=Peer("keras.activations.glu", {"axis": "axis"}),
        jax=Peer("jax.nn.glu", {"axis": "axis"}),
    ),
    example=(
        ">>> import actlab\n"
        ">>> actlab.glu([[1.0, -2.0, 0.5, 3.0]])\n"
        "array([[ 0.62245933, -1.90514825]])"
    ),
)

SWIGLU = gated(
    "swiglu",
    "silu",
    lambda p: {"beta": 1.0},
    "a·silu(b): the gated feed-forward of LLaMA and PaLM.",
    r"\operatorname{silu}",
    math.inf,
    params=(_AXIS,),
    uses=("transformer feed-forward blocks (LLaMA, PaLM)",),
    pros=("best perplexity among GLU variants in Shazeer (2020)",),
    references=(_SHAZEER,),
    example=(
        ">>> import actlab\n"
        ">>> actlab.swiglu([[1.0, -2.0, 0.5, 3.0]])\n"
        "array([[ 0.31122967, -5.71544476]])"
    ),
)

GEGLU = gated(
    "geglu",
    "gelu",
    lambda p: {"approximate": p["approximate"]},
    "a·gelu(b): GELU-gated feed-forward (T5 v1.1).",
    r"\operatorname{gelu}",
    math.inf,
    params=(
        _AXIS,
        Param(
            "approximate",
            "none",
            'the gelu form of the gate: "none" or "tanh"',
            type="choice",
            choices=("none", "tanh"),
            allowed='"none" or "tanh"',
        ),
    ),
    uses=("transformer feed-forward blocks (T5 v1.1)",),
    pros=("strong GLU variant",),
    references=(_SHAZEER,),
    example=(
        ">>> import actlab\n"
        ">>> actlab.geglu([[1.0, -2.0, 0.5, 3.0]])\n"
        "array([[ 0.34573123, -5.99190061]])"
    ),
)

REGLU = gated(
    "reglu",
    "relu",
    _none,
    "a·relu(b): ReLU-gated feed-forward.",
    r"\operatorname{relu}",
    0,
    params=(_AXIS,),
    uses=("transformer feed-forward blocks",),
    pros=("cheapest GLU variant",),
    references=(_SHAZEER,),
    example=(">>> import actlab\n>>> actlab.reglu([[1.0, -2.0, 0.5, 3.0]])\narray([[ 0.5, -6. ]])"),
)
