"""The record that declares one activation: everything about it, in one place."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["elementwise", "vector", "gated"]
Params = Mapping[str, Any]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Param:
    """One parameter: its default, what values are allowed, and what it means.

    ``type`` is "real" (a finite real number; an array too when ``learnable``), "int", "bool",
    "choice" (one of ``choices``), "axis" (an int), "seed" (int or None) or "generator".
    ``allowed`` is the rule in words (it is what an error message says) and ``check`` the rule
    as code, applied to real numbers.
    """

    name: str
    default: Any
    doc: str
    type: str = "real"
    allowed: str = "any finite real"
    check: Callable[[float], bool] | None = None
    choices: tuple[Any, ...] = ()
    learnable: bool = False
    #: how an array value lines up with x: "broadcast" (NumPy broadcasting, x's shape kept),
    #: "channel" (one value per channel, dim 1: PReLU's weight; the spec checks it) or
    #: "leading" (a first axis of hinges or coefficients, the rest broadcasting to x: APL, PAU)
    layout: str = "broadcast"


@dataclass(frozen=True)
class Range:
    """The image of f: (lo, hi) with whether each end is attained."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool

    @property
    def bounded_below(self) -> bool:
        return math.isfinite(self.lo)

    @property
    def bounded_above(self) -> bool:
        return math.isfinite(self.hi)

    def __str__(self) -> str:
        lo = "−∞" if self.lo == -math.inf else f"{self.lo:g}"
        hi = "∞" if self.hi == math.inf else f"{self.hi:g}"
        return f"{'[' if self.lo_closed else '('}{lo}, {hi}{']' if self.hi_closed else ')'}"


@dataclass(frozen=True)
class Facts:
    """What is true of f, as declared; every entry is checked against measurement in the tests.

    ``range``, ``monotonic`` and ``smoothness`` may depend on parameters: then they are functions
    of the bound parameters. ``smoothness`` is the largest k with f ∈ Cᵏ (−1: discontinuous,
    math.inf: C∞).
    ``zero_centred``: |E[f(z)]| / √E[f(z)²] < 0.1 under z ~ N(0, 1) (``analyze(...).centring``
    measures it): the mean output is small next to its spread, like tanh, unlike relu or gelu.
    ``saturates`` names the sides ("negative", "positive") where f' → 0.
    For a vector or gated activation the range is that of each output entry.
    """

    range: Range | Callable[[Params], Range]
    monotonic: bool | Callable[[Params], bool]
    smoothness: float | Callable[[Params], float]
    zero_centred: bool
    saturates: tuple[str, ...]
    uses: tuple[str, ...]
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    init: Literal["he", "xavier", "lecun"]


@dataclass(frozen=True)
class ResolvedFacts:
    """Facts for one parameterisation, with what follows from the spec filled in."""

    range: Range
    bounded: bool
    monotonic: bool
    smoothness: float
    zero_centred: bool
    saturates: tuple[str, ...]
    learnable: bool
    stochastic: bool
    uses: tuple[str, ...]
    pros: tuple[str, ...]
    cons: tuple[str, ...]
    init: str


@dataclass(frozen=True)
class Kink:
    """A point where f is not differentiable and the derivative value actlab returns there."""

    at: float | Callable[[Params], float]
    derivative: float | Callable[[Params], float]
    why: str

    def point(self, params: Params) -> float:
        return float(self.at(params) if callable(self.at) else self.at)

    def value(self, params: Params) -> float:
        return float(self.derivative(params) if callable(self.derivative) else self.derivative)


@dataclass(frozen=True)
class Peer:
    """The same function in another framework, and how our parameters map onto it.

    ``params`` maps our parameter name to theirs; ``fixed`` holds keyword arguments that make
    their defaults ours; ``values`` translates parameter values that are spelled differently
    (``approximate="tanh"`` is ``approximate=True`` in JAX). ``grad_differs_at`` lists inputs
    where their autograd gradient differs
    from our kink convention (parity tests assert the difference). ``note`` says the rest.
    """

    name: str
    params: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    tensors: tuple[str, ...] = ()  # their arguments that must be tensors, not numbers
    grad_rtol: float = 1e-10  # how closely their float64 gradient is known to agree
    module: str | None = None
    grad_differs_at: tuple[float, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Peers:
    torch: Peer | None = None
    keras: Peer | None = None
    jax: Peer | None = None

    def items(self) -> list[tuple[str, Peer]]:
        return [
            (k, p)
            for k, p in (("torch", self.torch), ("keras", self.keras), ("jax", self.jax))
            if p is not None
        ]


@dataclass(frozen=True)
class Reference:
    title: str
    authors: str
    year: int
    url: str = ""

    def __str__(self) -> str:
        return f"{self.authors} ({self.year}). {self.title}." + (f" {self.url}" if self.url else "")


@dataclass(frozen=True)
class Spec:
    """One activation, declared once.

    Elementwise specs give ``forward(xp, x, p)`` and ``derivative(xp, x, p)``. Vector specs
    give ``forward``, ``vjp(xp, x, g, p)``, ``jvp(xp, x, v, p)`` and ``jacobian(xp, x, p)``,
    all along the last axis (the Activation moves ``axis`` there). Gated specs name their
    ``gate``: an elementwise spec and a map from their parameters to its parameters.
    ``param_vjp(xp, x, g, p)`` gives Σ g·∂f/∂θ, reduced to θ's shape, for each learnable θ.
    ``sample(xp, x, p)`` draws the noise of a stochastic activation (an array, or None when the
    parameters make it deterministic); forward and derivative then receive it as ``p["_noise"]``.
    """

    name: str
    summary: str
    kind: Kind
    latex: str
    derivative_latex: str
    text: str
    derivative_text: str
    facts: Facts
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    forward: Callable[..., Any] | None = None
    derivative: Callable[..., Any] | None = None
    vjp: Callable[..., Any] | None = None
    jvp: Callable[..., Any] | None = None
    jacobian: Callable[..., Any] | None = None
    gate: tuple[str, Callable[[Params], dict[str, Any]]] | None = None
    param_vjp: Callable[..., dict[str, Any]] | None = None
    sample: Callable[..., Any] | None = None
    kinks: tuple[Kink, ...] = ()
    references: tuple[Reference, ...] = ()
    peers: Peers = Peers()
    stochastic: bool = False
    masked: bool = False  # accepts a boolean ``where`` mask (the softmax family)
    #: a reducing vector activation (maxout): the output's length along the axis for an input
    #: of length n (None: the same length)
    out_size: Callable[[Params, int], int] | None = None
    validate: Callable[[Params], None] | None = None  # checks that involve several parameters
    #: What a memory-lean backward keeps instead of x (an internal optimisation; the API's
    #: derivative is always taken at x): ("mask", mask(xp, x, p), d_from_mask(xp, m, p)) keeps
    #: a boolean mask, ("output", d_from_output(xp, y, p), None) recovers f' from the output.
    lean: tuple[str, Callable[..., Any], Callable[..., Any] | None] | None = None
    #: torch.nn.init.calculate_gain's value for this activation, where PyTorch defines one
    torch_gain: Callable[[Params], float] | None = None
    example: str = ""
    #: parameters for showing this activation when the user gave none (required ones, a seed)
    example_params: Mapping[str, Any] = field(default_factory=dict)

    # A spec is immutable and registered once: a copy is the spec itself, and a pickle names
    # it (its forms are functions and lambdas, which pickle cannot carry). A model that holds
    # an activation then deep-copies, pickles and torch.save()s like any other.
    def __copy__(self) -> Spec:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Spec:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        from ._registry import resolve

        try:
            registered = resolve(self.name) is self
        except (KeyError, ValueError):
            registered = False
        if not registered:
            raise TypeError(
                f"{self.name}: an activation spec that is not in the registry cannot be pickled "
                "(its forms are functions); register it first (actlab.register) or pickle the "
                "formula that defines it"
            )
        return (resolve, (self.name,))

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def learnable(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.learnable)

    @property
    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def example_activation(self, **params: Any) -> Any:
        """This activation bound to its example parameters (overridden by ``params``)."""
        from ._activation import Activation

        return Activation(self, {**self.example_params, **params})


def is_real_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)
