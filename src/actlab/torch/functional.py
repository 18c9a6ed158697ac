"""``actlab.torch.functional.<name>(x, **params)``: the functional style, generated from the
registry. A learnable parameter passed as a tensor receives gradients (``prelu(x, alpha=w)``);
``precision`` is apply's ("exact", "native" or "fast")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from .._catalog import Activation, Spec, specs
from ._function import apply
from ._observe import OBSERVERS


def _functional(spec: Spec) -> Callable[..., torch.Tensor]:
    def fn(
        x: torch.Tensor,
        /,
        *,
        memory: str = "default",
        where: Any = None,
        precision: str = "exact",
        **params: Any,
    ) -> torch.Tensor:
        learn = {
            k: v for k, v in params.items() if k in spec.learnable and isinstance(v, torch.Tensor)
        }
        fixed = {k: v for k, v in params.items() if k not in learn}
        placeholders = {k: spec.param(k).default for k in learn}
        # required parameters' examples, but never the example seed: no seed draws from torch's
        # global generator, as torch.nn.functional does
        shown = {k: v for k, v in spec.example_params.items() if spec.param(k).type != "seed"}
        act = Activation(spec, {**shown, **fixed, **placeholders})
        if not OBSERVERS:
            out: torch.Tensor = apply(act, x, learn, memory, where, precision)
            return out
        watching = list(OBSERVERS)  # a monitor sees the call, not the torch ops inside it
        for ob in watching:
            ob.inside(1)
        try:
            out = apply(act, x, learn, memory, where, precision)
        finally:
            for ob in watching:
                ob.inside(-1)
        for ob in watching:
            ob.functional(act, x, out)
        return out

    fn.__name__ = fn.__qualname__ = spec.name
    fn.__doc__ = f"{spec.summary}\n\n    {spec.text}\n    {spec.derivative_text}\n"
    return fn


if TYPE_CHECKING:  # the functions, typed (generated: python -m actlab._stubs)
    from ._generated_functional import *  # noqa: F403

globals().update({s.name: _functional(s) for s in specs()})
__all__ = [s.name for s in specs()]


def __getattr__(name: str) -> Callable[..., torch.Tensor]:
    """An activation registered after import (``actlab.define``): its function, made now."""
    from .._catalog import resolve
    from .._define._build import DEFINED

    if not name.startswith("_"):
        try:
            spec = resolve(name)
        except ValueError:
            pass
        else:
            if spec.name in DEFINED:
                return _functional(spec)
    raise AttributeError(f"module 'actlab.torch.functional' has no attribute {name!r}")
