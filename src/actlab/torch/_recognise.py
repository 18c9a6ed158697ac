"""Which catalog activation a module or a torch function computes, and its f' as the network's
backward forms it — how the monitor (``watch``) recognises activation layers in any model:
actlab's modules, torch.nn's (mapped through each spec's ``peers.torch``) and functional calls.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import torch
from torch import nn

from .._catalog import Activation, get, resolve, specs
from ._function import apply, peer_kernel
from ._modules import ActlabModule, PReLU


def _torch_types() -> dict[type, tuple[str, dict[str, str]]]:
    """torch.nn activation classes → (catalog name, {our param: their attribute})."""
    out: dict[type, tuple[str, dict[str, str]]] = {}
    for spec in specs():
        peer = spec.peers.torch
        if peer is not None and peer.module and peer.module.startswith("torch.nn."):
            cls = getattr(nn, peer.module.rpartition(".")[2], None)
            if isinstance(cls, type):
                out[cls] = (spec.name, dict(peer.params))
    return out


_FUNCTIONS: dict[Any, tuple[str, dict[str, str]]] | None = None


def _torch_functions() -> dict[Any, tuple[str, dict[str, str]]]:
    """torch functions and Tensor methods that compute a catalog activation → (name, params)."""
    global _FUNCTIONS
    if _FUNCTIONS is None:
        out: dict[Any, tuple[str, dict[str, str]]] = {}
        for spec in specs():
            peer = spec.peers.torch
            if peer is None or not peer.name.startswith("torch.") or spec.stochastic:
                continue
            mod, _, attr = peer.name.rpartition(".")
            fn = getattr(importlib.import_module(mod), attr, None)
            if fn is not None:
                out[fn] = (spec.name, dict(peer.params))
        for name in ("relu", "tanh", "sigmoid"):  # the same functions under their other names
            for owner in (torch, torch.Tensor, torch.nn.functional):
                fn = getattr(owner, name, None)
                if fn is not None and fn not in out:
                    out[fn] = (name, {})
        _FUNCTIONS = out
    return _FUNCTIONS


def _activation_of(
    module: nn.Module, types: dict[type, tuple[str, dict[str, str]]]
) -> Activation | None:
    """The catalog activation a module computes (with its current parameter values), or None.

    A stochastic one is taken in eval form: the monitor needs where f' vanishes, not a draw."""
    if isinstance(module, ActlabModule):
        params = dict(module._activation().params)
        for k in module.spec.learnable:
            v = getattr(module, "weight" if isinstance(module, PReLU) else k).detach()
            params[k] = v if v.numel() > 1 else v.item()
        spec = module.spec
    elif type(module) in types:
        name, mapping = types[type(module)]
        spec = resolve(name)
        params = {}
        for ours, theirs in mapping.items():
            v = getattr(module, theirs, None)
            if isinstance(v, torch.Tensor):  # PReLU's weight
                v = v.detach() if v.numel() > 1 else v.detach().item()
            if ours == "axis" and v is None:
                v = -1
            if v is not None:
                params[ours] = v
    else:
        return None
    if "training" in params:
        params["training"] = False
    return Activation(spec, params)


_KERNELS: dict[Any, Any] = {}


def _key(act: Activation) -> Any:
    """A dict key for an activation: itself, or its identity where a parameter is a tensor."""
    plain = all(isinstance(v, int | float | str | bool | type(None)) for v in act.params.values())
    return act if plain else id(act)


def _kernel(act: Activation) -> Any:
    """The activation as the network computes it: PyTorch's kernel where it has one, else
    actlab's native form — its autograd backward is the f' the monitor inspects."""
    key = _key(act)
    if key not in _KERNELS:
        k = peer_kernel(act)
        _KERNELS[key] = k if k is not None else (lambda x: apply(act, x, precision="native"))
    return _KERNELS[key]


_LEAN: dict[Any, Any] = {}


def _derivative(act: Activation, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """f'(z) as the network's backward forms it: from the spec's lean form where it has one
    (relu-like: the mask z > 0; sigmoid, tanh, elu: from the output y — elementwise, no
    autograd), else the autograd backward of the kernel the network runs."""
    key = _key(act)
    if key not in _LEAN:
        lean = act.spec.lean if isinstance(key, Activation) else None
        if lean is not None:
            import array_api_compat.torch as xp

            from .._catalog._xp import prepare

            p = act._call_params(prepare(torch.zeros(1), act.name, native=True))
            _LEAN[key] = (lean, xp, p)
        else:
            _LEAN[key] = None
    entry = _LEAN[key]
    if entry is not None:
        (kind, fn, from_mask), xp, p = entry
        with torch.no_grad():
            if kind == "mask" and from_mask is not None:
                return torch.as_tensor(from_mask(xp, fn(xp, z, p), p))
            if kind == "output" and y.shape == z.shape:
                return torch.as_tensor(fn(xp, y, p))
    zz = z.detach().requires_grad_(True)
    with torch.enable_grad():
        (d,) = torch.autograd.grad(_kernel(act)(zz).sum(), zz)
    return d


def _function_activation(
    fn: Any, name: str, mapping: dict[str, str], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Activation:
    """The activation a functional call computes, its parameters read from the call where the
    signature can be bound (torch.nn.functional's Python functions); else the defaults."""
    params: dict[str, Any] = {}
    if mapping:
        try:
            bound = inspect.signature(fn).bind(*args, **kwargs).arguments
        except (TypeError, ValueError):
            bound = dict(kwargs)
        for ours, theirs in mapping.items():
            v = bound.get(theirs)
            if isinstance(v, int | float) and not isinstance(v, bool):
                params[ours] = v
    try:
        return get(name, **params)
    except (ValueError, TypeError):
        return get(name)
