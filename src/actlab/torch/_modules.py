"""nn.Modules generated from the registry: ``module(name, **params)`` for every activation, and
drop-in classes under torch's names (``ELU(alpha=1.0, inplace=False)``) for those torch has.
Learnable parameters are nn.Parameters; stochastic ones follow train()/eval()."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any, cast

import torch
from torch import nn

from .._catalog import Activation, Spec, resolve, specs
from ._function import Memory, Precision, apply, eager, is_tracing, options


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
        memory: Memory | str = Memory.DEFAULT,
        generator: Any = None,
        precision: Precision | str = Precision.EXACT,
        **params: Any,
    ) -> None:
        super().__init__()
        spec = resolve(name)
        self.memory, self.precision = options(spec.name, memory, precision)
        self.spec: Spec = spec
        self.generator = generator
        self.inplace = False
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

    def _activation(self) -> Activation:
        key = bool(self.training)
        if key not in self._cache:
            fixed = {**self._fixed}
            if self.spec.stochastic:
                fixed.update(_stochastic(self.spec, self._user, self))
            placeholders = {k: self.spec.param(k).default for k in self.spec.learnable}
            self._cache[key] = Activation(self.spec, {**fixed, **placeholders})
        return self._cache[key]

    @eager  # under torch.compile: a graph break, run eagerly
    def forward(self, x: torch.Tensor, where: torch.Tensor | None = None) -> torch.Tensor:
        if is_tracing() or torch.onnx.is_in_onnx_export():
            raise RuntimeError(_NOT_EXPORTABLE.format(name=type(self).__name__))
        learn = {k: getattr(self, k) for k in self.spec.learnable}
        return apply(self._activation(), x, learn, self.memory, where, self.precision, self.inplace)

    def train(self, mode: bool = True) -> ActlabModule:
        self._cache.clear()
        return super().train(mode)

    # copy, pickle, torch.save: the per-mode Activation cache is derived, never carried
    def __getstate__(self) -> dict[str, Any]:
        getstate = cast(Callable[[], dict[str, Any]], super().__getstate__)  # untyped in torch
        state = getstate()
        state["_cache"] = {}
        return state

    def __prepare_scriptable__(self) -> nn.Module:  # torch.jit.script calls it first
        raise RuntimeError(_NOT_EXPORTABLE.format(name=type(self).__name__))

    def extra_repr(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self._user.items() if k not in ("seed", "generator")]
        if type(self) is ActlabModule:  # the generic class names its activation
            parts.insert(0, repr(self.spec.name))
        if self.memory is not Memory.DEFAULT:
            parts.append(f"memory={self.memory.value!r}")
        if self.precision is not Precision.EXACT:
            parts.append(f"precision={self.precision.value!r}")
        return ", ".join(parts)


_NOT_EXPORTABLE = (
    "actlab.torch.{name}: TorchScript (torch.jit.script/trace) and ONNX export cannot see "
    "inside actlab's autograd function; use torch.compile (actlab runs eagerly inside it), "
    "or put torch.nn's module of the same name in its place to script or export"
)


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
    memory: Memory | str = Memory.DEFAULT,
    generator: Any = None,
    precision: Precision | str = Precision.EXACT,
    **params: Any,
) -> ActlabModule:
    """The activation ``name`` as an nn.Module (``actlab.torch.module("snake", a=0.5)``).
    ``precision`` and ``memory`` are ``actlab.torch.apply``'s: EXACT (the default) is float64
    per element rounded once, through a fused kernel on CPU where there is one; NATIVE the
    catalog in the input's dtype; FAST PyTorch's own kernel where torch computes the same
    function (``actlab.torch.peer_kernel``)."""
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
        memory: Memory | str = Memory.DEFAULT,
        generator: Any = None,
        precision: Precision | str = Precision.EXACT,
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
        self.inplace = bool(bound.arguments.get("inplace", False))

    def extra_repr(self: ActlabModule) -> str:
        base = ActlabModule.extra_repr(self)
        return base + (", inplace=True" if getattr(self, "inplace", False) else "")

    doc = (
        f"Drop-in for torch.nn.{tname}{sig.replace(parameters=list(sig.parameters.values())[1:])}"
        f": same arguments, forward and backward from actlab's {spec.name} spec.\n\n"
        f"inplace=True writes the result into the input and returns it, as torch's does "
        f"(with autograd only where the backward can do without the input; else a clear "
        f"error)."
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
        memory: Memory | str = Memory.DEFAULT,
    ) -> None:
        if not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(
                f"PReLU: num_parameters must be a positive int, got {num_parameters!r}"
            )
        if not math.isfinite(init):
            raise ValueError(f"PReLU: init must be finite, got {init!r}")
        mem, prec = options("PReLU", memory, Precision.EXACT)
        nn.Module.__init__(self)
        self.spec = resolve("prelu")
        self.memory, self.precision = mem, prec
        self.generator = None
        self.inplace = False
        self.num_parameters = num_parameters
        self.weight = nn.Parameter(
            torch.full((num_parameters,), float(init), device=device, dtype=dtype)
        )
        self._fixed, self._user, self._cache = {}, {}, {}

    @eager
    def forward(self, x: torch.Tensor, where: torch.Tensor | None = None) -> torch.Tensor:
        if is_tracing() or torch.onnx.is_in_onnx_export():
            raise RuntimeError(_NOT_EXPORTABLE.format(name="PReLU"))
        return apply(self._activation(), x, {"alpha": self.weight}, self.memory)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


def dropin_classes() -> dict[str, type[ActlabModule]]:
    """The drop-in classes by torch's name: always the same class objects (the ones
    ``actlab.torch`` exports), so pickle finds an instance's class by its name."""
    return dict(_dropin_classes())


@functools.cache
def _dropin_classes() -> dict[str, type[ActlabModule]]:
    out: dict[str, type[ActlabModule]] = {"PReLU": PReLU}
    for spec in specs():
        peer = spec.peers.torch
        if peer is not None and peer.module and spec.name != "prelu":
            cls = _dropin(spec)
            out[cls.__name__] = cls
    return out
