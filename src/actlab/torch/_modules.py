"""nn.Modules generated from the registry: ``module(name, **params)`` for every activation, and
drop-in classes under torch's names (``ELU(alpha=1.0, inplace=False)``) for those torch has.
Learnable parameters are nn.Parameters; stochastic ones follow train()/eval()."""

from __future__ import annotations

import inspect
import math
from typing import Any

import torch
from torch import nn

from .._catalog import Activation, Spec, resolve, specs
from ._function import apply, check_options, peer_kernel, with_values


class ActlabModule(nn.Module):
    """An activation as an nn.Module, its forward and backward from the actlab catalog.

    ``memory="lean"`` keeps only what the backward needs (a boolean mask for relu-like
    activations, the output for sigmoid/tanh/elu-like ones) instead of the input.
    ``generator``: the torch.Generator a stochastic activation draws from in training
    (default: torch's global generator).
    """

    def __init__(
        self,
        name: str,
        *,
        memory: str = "default",
        generator: Any = None,
        precision: str = "exact",
        **params: Any,
    ) -> None:
        super().__init__()
        spec = resolve(name)
        check_options(spec.name, memory, precision)
        self.precision = precision
        self.spec: Spec = spec
        self.memory = memory
        self.generator = generator
        if "training" in params:
            raise TypeError(f"{spec.name}: a module follows train()/eval(); do not pass training=")
        learn = {k: params.pop(k) for k in list(params) if k in spec.learnable}
        check = Activation(spec, {**params, **_plain(learn), **_stochastic(spec, params, None)})
        for k in spec.learnable:
            value = learn.get(k, spec.param(k).default)
            self.register_parameter(k, nn.Parameter(_tensor(value)))
        self._fixed = {k: v for k, v in check.params.items() if k not in spec.learnable}
        self._user = params
        self._cache: dict[bool, Activation] = {}
        # precision="fast": torch's own kernel (or None) per training mode and frozen values
        self._kernel: dict[tuple[bool, tuple[float, ...]], Any] = {}

    def _activation(self) -> Activation:
        key = bool(self.training)
        if key not in self._cache:
            fixed = {**self._fixed}
            if self.spec.stochastic:
                fixed.update(_stochastic(self.spec, self._user, self))
            placeholders = {k: self.spec.param(k).default for k in self.spec.learnable}
            self._cache[key] = Activation(self.spec, {**fixed, **placeholders})
        return self._cache[key]

    @torch.compiler.disable  # under torch.compile: a graph break, run eagerly
    def forward(self, x: torch.Tensor, where: torch.Tensor | None = None) -> torch.Tensor:
        if self.precision == "fast" and self.memory == "default" and where is None:
            kernel = self._fast_kernel()
            if kernel is not None:
                return kernel(x)
        learn = {k: getattr(self, k) for k in self.spec.learnable}
        return apply(self._activation(), x, learn, self.memory, where, self.precision)

    def _fast_kernel(self) -> Any:
        """PyTorch's kernel for this module now (peer_kernel), or None: learnable parameters
        must be frozen single numbers, and are part of the cache key."""
        learn = {k: getattr(self, k) for k in self.spec.learnable}
        if any(t.requires_grad or t.numel() != 1 for t in learn.values()):
            return None
        key = (bool(self.training), tuple(float(t.detach().reshape(())) for t in learn.values()))
        if key not in self._kernel:
            self._kernel[key] = peer_kernel(with_values(self._activation(), learn))
        return self._kernel[key]

    def train(self, mode: bool = True) -> ActlabModule:
        self._cache.clear()
        self._kernel.clear()
        return super().train(mode)

    def extra_repr(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self._user.items() if k not in ("seed", "generator")]
        if type(self) is ActlabModule:  # the generic class names its activation
            parts.insert(0, repr(self.spec.name))
        if self.memory != "default":
            parts.append(f"memory={self.memory!r}")
        if getattr(self, "precision", "exact") != "exact":
            parts.append(f"precision={self.precision!r}")
        return ", ".join(parts)


def _tensor(value: Any) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().clone().to(torch.get_default_dtype())
    return torch.as_tensor(value, dtype=torch.get_default_dtype())


def _plain(learn: dict[str, Any]) -> dict[str, Any]:
    """Learnable values as the catalog validates them (tensors → NumPy)."""
    return {
        k: (v.detach().cpu().numpy() if isinstance(v, torch.Tensor) and v.numel() > 1 else float(v))
        for k, v in learn.items()
    }


def _stochastic(spec: Spec, params: dict[str, Any], module: ActlabModule | None) -> dict[str, Any]:
    """Training flag and generator for a stochastic activation inside a module."""
    if not spec.stochastic:
        return {}
    out: dict[str, Any] = {}
    if "training" in spec.defaults:
        out["training"] = (
            bool(module.training) if module is not None else bool(params.get("training", False))
        )
    if params.get("seed") is None and params.get("generator") is None:
        gen = module.generator if module is not None else None
        out["generator"] = gen if gen is not None else torch.default_generator
    return out


def module(
    name: str,
    *,
    memory: str = "default",
    generator: Any = None,
    precision: str = "exact",
    **params: Any,
) -> ActlabModule:
    """The activation ``name`` as an nn.Module (``actlab.torch.module("snake", a=0.5)``).
    ``precision="native"`` computes in the input's dtype instead of float64: faster;
    ``precision="fast"`` runs PyTorch's own kernel where torch computes the same function
    (``actlab.torch.peer_kernel``), else "native"."""
    return ActlabModule(name, memory=memory, generator=generator, precision=precision, **params)


# ---------------------------------------------------------------------- drop-in torch classes


def _dropin(spec: Spec) -> type[ActlabModule]:
    peer = spec.peers.torch
    assert peer is not None and peer.module is not None  # only called for specs with one
    tname = peer.module.rpartition(".")[2]
    sig = inspect.signature(getattr(nn, tname).__init__)
    inverse = {theirs: ours for ours, theirs in peer.params.items()}

    def __init__(
        self: ActlabModule,
        *args: Any,
        memory: str = "default",
        generator: Any = None,
        precision: str = "exact",
        **kwargs: Any,
    ) -> None:
        try:
            bound = sig.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"actlab.torch.{tname}: {exc}") from None
        bound.apply_defaults()
        params: dict[str, Any] = {}
        for k, v in bound.arguments.items():
            if k in inverse:
                if k == "dim" and v is None:
                    v = -1  # torch's implicit dim is legacy; actlab's default axis is the last
                params[inverse[k]] = v
        ActlabModule.__init__(
            self, spec.name, memory=memory, generator=generator, precision=precision, **params
        )
        self.__dict__["inplace"] = bool(bound.arguments.get("inplace", False))  # a plain flag

    def extra_repr(self: ActlabModule) -> str:
        base = ActlabModule.extra_repr(self)
        return base + (", inplace=True" if getattr(self, "inplace", False) else "")

    doc = (
        f"Drop-in for torch.nn.{tname}{sig.replace(parameters=list(sig.parameters.values())[1:])}"
        f": same arguments, forward and backward from actlab's {spec.name} spec.\n\n"
        f"inplace is accepted for compatibility; actlab computes out of place."
    )
    return type(
        tname,
        (ActlabModule,),
        {
            "__init__": __init__,
            "extra_repr": extra_repr,
            "__doc__": doc,
            "__module__": "actlab.torch",
        },
    )


class PReLU(ActlabModule):
    """Drop-in for torch.nn.PReLU(num_parameters=1, init=0.25): one learnable slope, or one per
    channel (dim 1), stored as ``weight`` like torch's."""

    def __init__(
        self,
        num_parameters: int = 1,
        init: float = 0.25,
        device: Any = None,
        dtype: Any = None,
        *,
        memory: str = "default",
    ) -> None:
        if not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(
                f"PReLU: num_parameters must be a positive int, got {num_parameters!r}"
            )
        if not math.isfinite(init):
            raise ValueError(f"PReLU: init must be finite, got {init!r}")
        check_options("PReLU", memory, "exact")
        nn.Module.__init__(self)
        self.spec = resolve("prelu")
        self.memory = memory
        self.precision = "exact"
        self.generator = None
        self.num_parameters = num_parameters
        self.weight = nn.Parameter(
            torch.full((num_parameters,), float(init), device=device, dtype=dtype)
        )
        self._fixed, self._user, self._cache, self._kernel = {}, {}, {}, {}

    @torch.compiler.disable
    def forward(self, x: torch.Tensor, where: torch.Tensor | None = None) -> torch.Tensor:
        return apply(self._activation(), x, {"alpha": self.weight}, self.memory)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


def dropin_classes() -> dict[str, type[ActlabModule]]:
    out: dict[str, type[ActlabModule]] = {"PReLU": PReLU}
    for spec in specs():
        peer = spec.peers.torch
        if peer is not None and peer.module and spec.name != "prelu":
            cls = _dropin(spec)
            out[cls.__name__] = cls
    return out
