"""``swap(model, target, replacement)``: replace every matching activation module of a model in
place — the practitioner's "which activation for MY network" starts here."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

Target = type | tuple[type, ...] | Callable[[nn.Module], bool]
_ALLOWED_TARGET = "an nn.Module class, a tuple of them, or a predicate module -> bool"
_ALLOWED_REPLACEMENT = (
    "an activation name (see actlab.names()), an nn.Module (copied per place), "
    "an nn.Module class, or a callable returning a fresh nn.Module"
)


def matcher(target: Any) -> Callable[[nn.Module], bool]:
    """``target`` (a module class, a tuple of them, or a predicate) as a predicate."""
    if isinstance(target, type) and issubclass(target, nn.Module):
        return lambda m: isinstance(m, target)
    if (
        isinstance(target, tuple)
        and target
        and all(isinstance(t, type) and issubclass(t, nn.Module) for t in target)
    ):
        return lambda m: isinstance(m, target)
    if callable(target) and not isinstance(target, type | nn.Module):
        return lambda m: bool(target(m))
    raise TypeError(f"swap: target must be {_ALLOWED_TARGET}; got {target!r}")


def maker(replacement: Any, precision: str = "fast", **params: Any) -> Callable[[], nn.Module]:
    """``replacement`` as a function that returns a new module for each place it goes."""
    if isinstance(replacement, str):
        from ._modules import module

        # unknown names and bad parameters fail here, once
        module(replacement, precision=precision, **params)
        return lambda: module(replacement, precision=precision, **params)
    if params:
        raise TypeError(
            f"swap: parameters ({', '.join(params)}) go with an activation name only; "
            f"got replacement {replacement!r}"
        )
    if isinstance(replacement, nn.Module):
        return lambda: copy.deepcopy(replacement)
    if inspect.isclass(replacement) and not issubclass(replacement, nn.Module):
        raise TypeError(f"swap: replacement must be {_ALLOWED_REPLACEMENT}; got {replacement!r}")
    if callable(replacement):

        def make() -> nn.Module:
            out = replacement()
            if not isinstance(out, nn.Module):
                raise TypeError(
                    f"swap: replacement {_name(replacement)}() returned "
                    f"{type(out).__name__}, not an nn.Module"
                )
            return out

        return make
    raise TypeError(f"swap: replacement must be {_ALLOWED_REPLACEMENT}; got {replacement!r}")


def _name(obj: Any) -> str:
    return getattr(obj, "__qualname__", None) or type(obj).__name__


def swap(
    model: nn.Module, target: Target, replacement: Any, *, precision: str = "fast", **params: Any
) -> int:
    """Replace, in place, every submodule of ``model`` that ``target`` matches by a new
    activation module; return how many were replaced.

    Args:
        model: any nn.Module (nested Sequential, ModuleList, ModuleDict and attributes alike).
        target: an nn.Module class (``torch.nn.ReLU``), a tuple of classes, or a predicate
            ``module -> bool``. A matched module's own children are not searched.
        replacement: an activation name (``"gelu"``, with ``**params``), an nn.Module (each
            place gets its own deep copy), a module class or a factory returning a module.
        precision: for a name, how actlab.torch.module computes it — "fast" (PyTorch's own
            kernel where torch has the same function: a swapped model trains at torch's speed),
            "native" or "exact".

    Returns:
        The number of modules replaced (0 when nothing matched; the model is then unchanged).

    >>> import torch, actlab.torch as at
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.ReLU())
    >>> at.swap(net, torch.nn.ReLU, "gelu"), net[1].spec.name
    (2, 'gelu')
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"swap: model must be an nn.Module, got {type(model).__name__}")
    match = matcher(target)
    make = maker(replacement, precision, **params)
    if match(model):
        raise ValueError(
            f"swap: the model itself ({type(model).__name__}) matches the target; "
            "swap replaces submodules — replace the model yourself"
        )
    places: list[tuple[nn.Module, str]] = []

    def walk(parent: nn.Module) -> None:
        # _modules, not named_children(): one module registered in two places is two places
        for name, child in list(parent._modules.items()):
            if child is None:
                continue
            if match(child):
                places.append((parent, name))
            else:
                walk(child)

    walk(model)
    new = [make() for _ in places]  # every replacement built before anything changes
    for (parent, name), mod in zip(places, new, strict=True):
        setattr(parent, name, mod)  # Sequential, ModuleList and ModuleDict keep their order
    return len(places)
