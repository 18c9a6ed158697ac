"""The autograd function behind every actlab module: forward and backward from the catalog.

Forward evaluates the spec (in float64 for float16/bfloat16/float32 input, rounded once);
backward is the catalog's analytic derivative (its vjp for vector and gated activations), with
the same parameters and the same random draw as the forward pass. Memory: "default" keeps the
input; "lean" keeps what the spec's ``lean`` strategy needs (a boolean mask, or the output) and
otherwise recomputes from the input. Backward is once differentiable: asking for a second
derivative raises a clear error (the catalog gives f', not f''). Under torch.compile the
function runs eagerly between compiled regions.

``precision="fast"`` hands the work to PyTorch's own kernel where the catalog's torch peer
computes the same function for the given parameters (``peer_kernel``); its values agree with
the catalog to float rounding (the parity tests, and a float32 test over |x| <= 1e4), its
gradient at a kink is the peer's (``spec.peers.torch.grad_differs_at``). Elsewhere "fast" is
"native".
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import torch

from .._catalog import Activation
from .._catalog._xp import prepare

MEMORY = ("default", "lean")
PRECISION = ("exact", "native", "fast")


def _value(t: torch.Tensor, like: torch.Tensor) -> Any:
    """A learnable parameter as the formulas want it: a float when it is one number (the
    exact scalar path), else a tensor in the compute dtype."""
    if t.numel() == 1 and t.ndim <= 1:
        return float(t.detach().reshape(()))
    return t.detach().to(dtype=like.dtype, device=like.device)


class ActlabFunction(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        cfg: tuple[Activation, tuple[str, ...], str, Any],
        *learn: torch.Tensor,
    ) -> torch.Tensor:
        act, names, memory, where = cfg
        prep = prepare(x, act.name, native=memory.endswith("native"))
        p = act._call_params(prep)
        for n, t in zip(names, learn, strict=True):
            p[n] = _value(t, prep.x)
        y = prep.finish(act._eval(prep, p, where))
        ctx.cfg, ctx.p, ctx.learn_meta = cfg, p, [(t.shape, t.dtype) for t in learn]
        ctx.x_dtype = x.dtype
        lean = act.spec.lean if (memory.startswith("lean") and not names) else None
        if lean is not None and lean[0] == "mask":
            ctx.mode = "mask"
            ctx.save_for_backward(lean[1](prep.xp, prep.x, p))
        elif lean is not None:
            ctx.mode = "output"
            ctx.save_for_backward(y)
        else:
            ctx.mode = "input"
            ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
        act, names, memory, where = ctx.cfg
        if torch.is_grad_enabled():  # backward(create_graph=True): a second derivative is wanted
            raise RuntimeError(
                f"actlab.torch: {act.name} is once differentiable — its backward is the catalog's "
                "analytic f', and f'' is not part of the catalog; double backward "
                "(create_graph=True, gradient penalties, Hessians) needs torch.nn's own modules"
            )
        p = ctx.p
        (saved,) = ctx.saved_tensors
        if ctx.mode != "input":
            _, fn, from_mask = act.spec.lean
            import array_api_compat.torch as xp

            if ctx.mode == "mask":
                d = from_mask(xp, saved, p)
            else:
                d = fn(
                    xp, saved.to(torch.float64 if saved.device.type != "mps" else torch.float32), p
                )
            gx = (g.to(d.dtype) * d).to(ctx.x_dtype)
            return (gx, None)
        prep = prepare(saved, act.name, native=memory.endswith("native"))
        gw = g.to(prep.x.dtype)
        gx = act._pullback(prep, p, gw, where).to(ctx.x_dtype)
        grads: list[Any] = []
        if names:
            pg = act.spec.param_vjp(prep.xp, prep.x, gw, p)
            for n, (shape, dtype) in zip(names, ctx.learn_meta, strict=True):
                grads.append(torch.as_tensor(pg[n]).reshape(shape).to(dtype))
        return (gx, None, *grads)


def check_options(name: str, memory: str, precision: str) -> None:
    """The error for a memory or precision that does not exist, naming the activation."""
    if memory not in MEMORY:
        raise ValueError(f"{name}: memory must be 'default' or 'lean', got {memory!r}")
    if precision not in PRECISION:
        raise ValueError(
            f"{name}: precision must be one of {', '.join(map(repr, PRECISION))}, got {precision!r}"
        )


def peer_kernel(act: Activation) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """PyTorch's own function for ``act``, or None where torch has no kernel for exactly this
    function: no torch peer; a stochastic activation (its noise is drawn by the catalog); a
    parameter the peer does not take, unless it has the catalog's default (silu with beta = 1);
    a value the peer can only emulate (``peer.values``: softplus without a threshold — with
    ``threshold=20`` it is torch's softplus); a parameter the peer wants as a tensor (prelu's
    learnable weight)."""
    spec = act.spec
    peer = spec.peers.torch
    if peer is None or spec.stochastic or peer.tensors:
        return None
    kwargs = dict(peer.fixed)
    for name, value in act.params.items():
        if name not in peer.params:
            if not _same(value, spec.param(name).default):
                return None
            continue
        if _same_any(value, peer.values.get(name, {})):  # a value they can only emulate
            return None
        kwargs[peer.params[name]] = value
    module, _, attr = peer.name.rpartition(".")
    fn = getattr(importlib.import_module(module), attr)
    return lambda x: fn(x, **kwargs)


def _same_any(value: Any, values: Any) -> bool:
    return any(_same(value, v) for v in values)


def _same(value: Any, default: Any) -> bool:
    try:
        return bool(value == default)
    except (TypeError, ValueError):  # an array value: never a default scalar
        return False


@torch.compiler.disable  # compiled models call it eagerly (a graph break), not traced inside
def apply(
    act: Activation,
    x: torch.Tensor,
    learn: dict[str, torch.Tensor] | None = None,
    memory: str = "default",
    where: Any = None,
    precision: str = "exact",
) -> torch.Tensor:
    """f(x) with the catalog's backward; ``learn`` maps learnable parameter names to tensors
    that receive gradients. ``precision="exact"`` computes in float64 and rounds once;
    ``"native"`` computes in the input's dtype (float32 for half types): faster, a few ULP;
    ``"fast"`` runs PyTorch's own kernel where it computes the same function (``peer_kernel``;
    not with ``memory="lean"``, a ``where`` mask, or learnable parameters that need gradients),
    else "native"."""
    check_options(act.name, memory, precision)
    learn = learn or {}
    frozen = not any(t.requires_grad for t in learn.values())
    if precision == "fast" and memory == "default" and where is None and frozen:
        kernel = peer_kernel(with_values(act, learn))
        if kernel is not None:
            return kernel(x)
    names = tuple(learn)
    mode = memory if precision == "exact" else f"{memory}-native"
    return ActlabFunction.apply(x, (act, names, mode, where), *learn.values())


def with_values(act: Activation, learn: dict[str, torch.Tensor]) -> Activation:
    """``act`` with its frozen learnable parameters' current values (single numbers only)."""
    if not learn:
        return act
    values = {}
    for k, t in learn.items():
        if t.numel() != 1:
            return Activation(act.spec, {**act.params, k: t.detach().cpu().numpy()})
        values[k] = float(t.detach().reshape(()))
    return Activation(act.spec, {**act.params, **values})
