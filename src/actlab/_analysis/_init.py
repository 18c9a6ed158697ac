"""Initialisation: the variance-preserving gain of any activation, PyTorch's conventional gains,
and He/Xavier/LeCun initialisers for NumPy shapes and torch tensors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from .._catalog import Activation, get
from ._measure import moment

SCHEMES = {  # scheme: (default mode, default gain) — std = gain / sqrt(fan)
    "he": ("fan_in", math.sqrt(2.0)),
    "xavier": ("fan_avg", 1.0),
    "lecun": ("fan_in", 1.0),
}
# PyTorch's default for nn.Linear and nn.Conv1d/2d/3d (their reset_parameters): weights
# kaiming_uniform_(a=√5) — fan_in, gain √(2/(1 + a²)) = √(1/3), so U(±1/√fan_in) — and biases
# U(±1/√fan_in). Written with torch's own arithmetic so the bounds are the same floats.
TORCH_DEFAULT_A = math.sqrt(5.0)
TORCH_DEFAULT = ("fan_in", math.sqrt(2.0 / (1 + TORCH_DEFAULT_A**2)), "uniform")
ALIASES = {"kaiming": "he", "glorot": "xavier"}
MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("normal", "uniform")
_EXACT: dict[Activation, float] = {}  # exact gains measured so far


def gain(act: str | Activation, convention: str = "exact", **params: Any) -> float:
    """The gain for weights initialised with std = gain/sqrt(fan_in).

    ``"exact"``: 1/sqrt(E[f(z)²]), z ~ N(0, 1) — the pre-activation variance is preserved
    layer to layer (√2 for relu, 1 for selu and linear, ≈1.593 for tanh).
    ``"pytorch"``: ``torch.nn.init.calculate_gain``'s value (tanh 5/3, relu √2, ...), where
    PyTorch defines one.

    Args:
        act: an activation name or Activation (elementwise for "exact").
        convention: "exact" or "pytorch".
        **params: the activation's parameters.

    Returns:
        The gain, a float.

    >>> import actlab
    >>> round(actlab.gain("relu"), 12), actlab.gain("tanh", convention="pytorch")
    (1.414213562373, 1.6666666666666667)
    """
    a = get(act, **params)
    if convention == "exact":
        if a.kind != "elementwise":
            raise ValueError(
                f"gain: {a.name} is a {a.kind} activation; gains are for "
                "elementwise hidden activations"
            )
        if a in _EXACT:  # a quadrature per call is wasteful: the value never changes
            return _EXACT[a]
        m2 = moment(a, 1.0, "f", 2)
        if m2 <= 0:
            raise ValueError(
                f"gain: {a.name} is identically 0 under N(0, 1); no gain preserves variance"
            )
        _EXACT[a] = 1.0 / math.sqrt(m2)
        return _EXACT[a]
    if convention == "pytorch":
        if a.spec.torch_gain is None:
            raise ValueError(
                f"gain: PyTorch's calculate_gain defines no gain for {a.name} (it knows linear, "
                f"sigmoid, tanh, relu, leaky_relu and selu); use convention='exact'"
            )
        return float(a.spec.torch_gain(a.params))
    raise ValueError(f"gain: convention must be 'exact' or 'pytorch', got {convention!r}")


@dataclass(frozen=True)
class Init:
    """An initialisation: std = gain / sqrt(fan) with fan chosen by ``mode``."""

    scheme: str
    mode: str
    gain: float
    distribution: str = "normal"

    def std(self, shape: tuple[int, ...]) -> float:
        return self.gain / math.sqrt(_fan(shape, self.mode))

    def __call__(
        self, shape: tuple[int, ...], *, seed: int | None = None, generator: Any = None
    ) -> np.ndarray:
        out: np.ndarray = initialize(
            shape,
            self.scheme,
            distribution=self.distribution,
            mode=self.mode,
            gain=self.gain,
            seed=seed,
            generator=generator,
        )
        return out


def recommended_init(act: str | Activation, **params: Any) -> Init:
    """The spec's init family with the exact variance-preserving gain on fan_in.

    For relu this is He; for selu LeCun (gain 1); for tanh, fan_in with gain ≈ 1.593.

    Args:
        act: an activation name or Activation.
        **params: the activation's parameters.

    Returns:
        An Init (scheme, mode, gain); call it with a shape for weights.
    """
    a = get(act, **params)
    scheme = a.facts.init
    if a.kind != "elementwise":
        return Init(scheme, SCHEMES[scheme][0], SCHEMES[scheme][1])
    return Init(scheme, "fan_in", gain(a))


def _fan(shape: tuple[int, ...], mode: str) -> float:
    if len(shape) < 2:
        raise ValueError(
            f"initialize: shape {shape} has fewer than 2 dimensions; fans need (out, in, ...)"
        )
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    if fan_in == 0 or fan_out == 0:
        raise ValueError(f"initialize: shape {shape} has a zero fan; nothing to scale")
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


def initialize(
    shape_or_tensor: Any,
    scheme: str = "he",
    *,
    distribution: str = "normal",
    mode: str | None = None,
    gain: float | None = None,
    seed: int | None = None,
    generator: Any = None,
) -> Any:
    """Initial weights of ``shape`` (out, in, *kernel) — a NumPy array — or, given a torch tensor,
    fill it in place and return it.

    Args:
        shape_or_tensor: a shape (out, in, *kernel) or a torch tensor to fill.
        scheme: "he"/"kaiming", "xavier"/"glorot" or "lecun".
        distribution, mode, gain: "normal" or "uniform"; fan override; gain override.
        seed, generator: where the randomness comes from.

    Returns:
        A NumPy array of that shape, or the filled tensor.

    std = gain/sqrt(fan): He (fan_in, gain √2), Xavier/Glorot (fan_avg, gain 1), LeCun (fan_in,
    gain 1); ``gain`` and ``mode`` override the scheme's. "uniform" draws from ±√3·std.
    Randomness comes from ``seed`` or ``generator`` (numpy.random.Generator, or torch.Generator
    for a tensor), one of which is required.

    >>> import actlab
    >>> w = actlab.initialize((256, 128), "he", seed=0)
    >>> w.shape, round(float(w.std()) * (128 ** 0.5), 1)
    ((256, 128), 1.4)
    """
    scheme = ALIASES.get(scheme, scheme)
    if scheme not in SCHEMES:
        raise ValueError(
            f"initialize: scheme must be one of he (kaiming), xavier (glorot), lecun; "
            f"got {scheme!r}"
        )
    if distribution not in DISTRIBUTIONS:
        raise ValueError(
            f"initialize: distribution must be 'normal' or 'uniform', got {distribution!r}"
        )
    mode = SCHEMES[scheme][0] if mode is None else mode
    if mode not in MODES:
        raise ValueError(f"initialize: mode must be one of {', '.join(MODES)}, got {mode!r}")
    g = SCHEMES[scheme][1] if gain is None else gain
    if not (isinstance(g, int | float) and math.isfinite(g) and g > 0):
        raise ValueError(f"initialize: gain must be a finite number > 0, got {gain!r}")
    if seed is not None and generator is not None:
        raise ValueError("initialize: pass seed or generator, not both")
    if seed is None and generator is None:
        raise ValueError(
            "initialize: pass seed=<int> or generator=<numpy.random.Generator | "
            "torch.Generator> so the weights are reproducible"
        )
    is_tensor = type(shape_or_tensor).__module__.startswith("torch")
    shape = tuple(int(n) for n in (shape_or_tensor.shape if is_tensor else shape_or_tensor))
    if any(n < 0 for n in shape):
        raise ValueError(f"initialize: shape must have non-negative sizes, got {shape}")
    std = g / math.sqrt(_fan(shape, mode))
    if is_tensor:
        import torch

        gen = generator
        if gen is None:
            gen = torch.Generator(device=shape_or_tensor.device).manual_seed(cast(int, seed))
        with torch.no_grad():
            if distribution == "normal":
                return shape_or_tensor.normal_(0.0, std, generator=gen)
            bound = math.sqrt(3.0) * std
            return shape_or_tensor.uniform_(-bound, bound, generator=gen)
    rng = generator if generator is not None else np.random.default_rng(seed)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "initialize: for a NumPy shape, generator must be a "
            f"numpy.random.Generator, got {type(generator).__name__}"
        )
    if distribution == "normal":
        return rng.normal(0.0, std, shape)
    bound = math.sqrt(3.0) * std
    return rng.uniform(-bound, bound, shape)
