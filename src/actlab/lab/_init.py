"""Layer initialisation for the lab: PyTorch's default (``init="torch"``), He/Xavier/LeCun and
the advisor's match ("auto"), with a gain or a fixed std, normal or uniform, and the bias
(zeros, a constant, or PyTorch's default). The schemes' fans and gains are
actlab._analysis._init's (SCHEMES, TORCH_DEFAULT) — one place.

Two ways to draw, each tested against its reference:

- ``init_layer(weight, bias, ...)`` fills a torch-layout tensor (out, in, *kernel) in place
  with ``tensor.uniform_``/``normal_`` of the generator — for ``init="torch"`` exactly what a
  freshly built ``nn.Linear``/``nn.Conv2d`` holds after ``torch.manual_seed`` of the same state.
- ``seed_layer(...)``: one seed's layer of the lab's batched network, the same draws in the
  same order, except normal weights, which keep the lab's own draw (float64 standard normals
  in the lab's (in, out) layout × std: the same start whatever dtype the network trains in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from .._analysis import recommended_init
from .._analysis._init import DISTRIBUTIONS, SCHEMES, TORCH_DEFAULT, _fan

INITS = ("auto", "torch", "he", "xavier", "lecun")
BIAS_INITS = ("zeros", "torch")  # or a float: every bias that constant


@dataclass(frozen=True)
class WeightRule:
    """std = gain / sqrt(fan) (or the fixed ``std``); uniform draws from ±√3·std."""

    mode: str
    gain: float
    distribution: str
    fixed_std: float | None = None

    def std(self, torch_shape: tuple[int, ...]) -> float:
        if self.fixed_std is not None:
            return self.fixed_std
        return self.gain / math.sqrt(_fan(torch_shape, self.mode))

    def bound(self, torch_shape: tuple[int, ...]) -> float:
        return math.sqrt(3.0) * self.std(torch_shape)  # torch.nn.init's kaiming/xavier_uniform_


def check_init(
    init: str,
    gain: float | None = None,
    std: float | None = None,
    distribution: str | None = None,
    bias: float | str | None = None,
    who: str = "init",
) -> None:
    """One-line errors for an init setting: the name, the value, what is allowed."""
    if init not in INITS:
        raise ValueError(f"{who}: init must be one of {', '.join(INITS)}; got {init!r}")
    for name, v in (("gain", gain), ("std", std)):
        ok = v is None or (
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        )
        if not ok:
            raise ValueError(f"{who}: {name} must be a finite number > 0 (or unset); got {v!r}")
    if gain is not None and std is not None:
        raise ValueError(f"{who}: give gain or std, not both (std fixes the weights' spread)")
    if distribution is not None and distribution not in DISTRIBUTIONS:
        raise ValueError(
            f"{who}: distribution must be one of {', '.join(DISTRIBUTIONS)} (or unset); "
            f"got {distribution!r}"
        )
    is_num = isinstance(bias, int | float) and not isinstance(bias, bool)
    if not (bias is None or bias in BIAS_INITS or (is_num and math.isfinite(float(bias)))):
        raise ValueError(
            f"{who}: bias must be 'zeros', 'torch' or a finite number (or unset); got {bias!r}"
        )


def weight_rule(
    init: str,
    activation: str | None = None,
    params: dict[str, Any] | None = None,
    *,
    gain: float | None = None,
    std: float | None = None,
    distribution: str | None = None,
) -> WeightRule:
    """The hidden layers' rule: the scheme's fan and gain, overridden by ``gain``/``std``/
    ``distribution``. "auto" is the advisor's match for ``activation`` (recommended_init);
    "torch" PyTorch's default (kaiming_uniform_ a=√5: U(±1/√fan_in))."""
    check_init(init, gain, std, distribution)
    if init == "auto":
        if activation is None:
            raise ValueError("init: 'auto' needs the activation it is matched to")
        rec = recommended_init(activation, **(params or {}))
        mode, g, dist = rec.mode, rec.gain, "normal"
    elif init == "torch":
        mode, g, dist = TORCH_DEFAULT
    else:
        mode, g = SCHEMES[init]
        dist = "normal"
    return WeightRule(
        mode, float(g if gain is None else gain), distribution or dist, None if std is None else std
    )


def output_rule(hidden: WeightRule, init: str) -> WeightRule:
    """The output layer: PyTorch's default under "torch" (as nn.Linear), else gain 1 on the
    hidden layers' fan and distribution (a linear layer)."""
    if init == "torch":
        return WeightRule(*TORCH_DEFAULT)
    return WeightRule(hidden.mode, 1.0, hidden.distribution)


def bias_value(init: str, bias: float | str | None) -> float | str:
    """The bias rule: unset → "torch" under init="torch" (as nn.Linear), else 0."""
    if bias is None:
        return "torch" if init == "torch" else 0.0
    return 0.0 if bias == "zeros" else bias


def _fill_bias(b: torch.Tensor, rule: float | str, fan_in: int, gen: torch.Generator) -> None:
    if rule == "torch":  # nn.Linear / nn.Conv2d reset_parameters
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        b.uniform_(-bound, bound, generator=gen)
    else:
        b.fill_(float(rule))


def init_layer(
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    init: str = "torch",
    *,
    generator: torch.Generator,
    activation: str | None = None,
    params: dict[str, Any] | None = None,
    gain: float | None = None,
    std: float | None = None,
    distribution: str | None = None,
    bias_init: float | str | None = None,
) -> None:
    """Fill a layer's ``weight`` (torch layout: out, in, *kernel) and ``bias`` in place.

    ``init="torch"`` reproduces ``nn.Linear``/``nn.Conv2d``'s own initialisation draw for draw
    (weight, then bias, from ``generator``). He/Xavier/LeCun as torch.nn.init's
    kaiming/xavier_normal_/uniform_; "auto" the advisor's gain for ``activation``.

    >>> import torch
    >>> lin = torch.nn.Linear(5, 3)
    >>> init_layer(lin.weight, lin.bias, "he", generator=torch.Generator().manual_seed(0))
    >>> bool((lin.bias == 0).all())
    True
    """
    check_init(init, gain, std, distribution, bias_init)
    rule = weight_rule(init, activation, params, gain=gain, std=std, distribution=distribution)
    shape = tuple(weight.shape)
    with torch.no_grad():
        if rule.distribution == "uniform":
            b = rule.bound(shape)
            weight.uniform_(-b, b, generator=generator)
        else:
            weight.normal_(0.0, rule.std(shape), generator=generator)
        if bias is not None:
            fan_in = int(_fan(shape, "fan_in"))
            _fill_bias(bias, bias_value(init, bias_init), fan_in, generator)


def seed_layer(
    torch_shape: tuple[int, ...],
    dense: bool,
    rule: WeightRule,
    bias_rule: float | str,
    gen: torch.Generator,
    dtype: torch.dtype,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One seed's weight (the lab's layout: (in, out) for a dense layer, torch's for a
    convolution) and bias (units,) from ``gen``: uniform weights and "torch" biases as
    init_layer draws them (so init="torch" starts where torch.manual_seed + nn.Linear does),
    normal weights as the lab's float64 standard normals in its own layout × std."""
    out = torch_shape[0]
    if rule.distribution == "normal":
        layout = (torch_shape[1], torch_shape[0]) if dense else torch_shape
        w = torch.randn(layout, generator=gen, dtype=torch.float64) * rule.std(torch_shape)
        w = w.to(dtype)
    else:
        wt = torch.empty(torch_shape, dtype=dtype)
        b = rule.bound(torch_shape)
        wt.uniform_(-b, b, generator=gen)
        w = wt.T if dense else wt
    bias = torch.empty(out, dtype=dtype)
    _fill_bias(bias, bias_rule, int(_fan(torch_shape, "fan_in")), gen)
    return w.contiguous(), bias
