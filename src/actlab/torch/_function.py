"""The autograd functions behind every actlab module, and ``apply``: the one place where the
precision and memory options decide how an activation is computed.

Paths, chosen by ``apply`` alone (modules, functional and the lab call it):

* **fused kernel** (``actlab._kernels``; CPU, float32/float16/bfloat16 — float64 for the
  kernels exact there, ``_forms.FLOAT64`` — at least ``MIN_ELEMENTS`` elements, an activation
  with a kernel form): one pass over memory, float64 per element (selects in the input's
  dtype), rounded once — the catalog's values (≤ 1 ULP, tested). Backward is one fused pass
  g·f'(x) from the saved input (with learned parameters' sums in the same pass); no float64
  copy of the tensor. ``inplace=True`` without autograd: the kernel writes into x itself.
* **catalog** (everything else): the spec's forms in float64 (``Precision.EXACT``) or in the
  input's dtype (``Precision.NATIVE``), rounded once. An elementwise input larger than
  ``MIN_ELEMENTS`` is processed in chunks of ``CHUNK`` elements, so the float64 temporaries
  are bounded (about a megabyte) whatever the tensor's size. ``Memory.LEAN`` keeps what the spec's
  ``lean`` strategy needs (a boolean mask, or the output) instead of the input.
* **PyTorch's kernel** (``Precision.FAST`` where the catalog's torch peer computes the same
  function, ``peer_kernel``): torch's values and its gradient at kinks
  (``spec.peers.torch.grad_differs_at``). Without a peer, FAST takes the fused kernel where
  there is one, else NATIVE.

Backward is once differentiable: asking for a second derivative raises a clear error (the
catalog gives f', not f''). Under torch.compile the function runs eagerly between compiled
regions.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import torch

from .. import _kernels
from .._catalog import Activation
from .._catalog._xp import prepare

# torch's own typing leaves these untyped; typed once here so the rest of actlab.torch is strict.
_F = TypeVar("_F", bound=Callable[..., Any])
_disable: Callable[[Any], Any] = torch.compiler.disable
is_tracing: Callable[[], bool] = torch.jit.is_tracing  # type: ignore[attr-defined]


def eager(fn: _F) -> _F:
    """``torch.compiler.disable``, typed: under ``torch.compile`` a graph break, run eagerly."""
    return cast(_F, _disable(fn))


class Precision(str, enum.Enum):
    """How an activation's arithmetic is done (``apply``'s ``precision``; a plain string such
    as ``"exact"`` is accepted wherever a Precision is)."""

    #: float64 per element, rounded once: ≤ 1 ULP of the exact value (fused kernels on CPU)
    EXACT = "exact"
    #: the catalog's forms in the input's dtype (float32 for half types): a few ULP
    NATIVE = "native"
    #: PyTorch's own kernel where it computes the same function, else EXACT's fused kernel,
    #: else NATIVE
    FAST = "fast"


class Memory(str, enum.Enum):
    """What the backward pass keeps (``apply``'s ``memory``)."""

    #: the input
    DEFAULT = "default"
    #: what the spec's lean strategy needs: a boolean mask or the output (catalog path)
    LEAN = "lean"


MEMORY = tuple(m.value for m in Memory)
PRECISION = tuple(p.value for p in Precision)


def options(name: str, memory: Any, precision: Any) -> tuple[Memory, Precision]:
    """``memory`` and ``precision`` as their types, or the error naming the activation."""
    try:
        mem = Memory(memory)
    except ValueError:
        raise ValueError(
            f"{name}: memory must be one of {', '.join(map(repr, MEMORY))}, got {memory!r}"
        ) from None
    try:
        prec = Precision(precision)
    except ValueError:
        raise ValueError(
            f"{name}: precision must be one of {', '.join(map(repr, PRECISION))}, got {precision!r}"
        ) from None
    return mem, prec


def _value(t: torch.Tensor, like: torch.Tensor) -> Any:
    """A learnable parameter as the formulas want it: a float when it is one number (the
    exact scalar path), else a tensor in the compute dtype."""
    if t.numel() == 1 and t.ndim <= 1:
        return float(t.detach().reshape(()))
    return t.detach().to(dtype=like.dtype, device=like.device)


def _once_differentiable(name: str) -> None:
    if torch.is_grad_enabled():  # backward(create_graph=True): a second derivative is wanted
        raise RuntimeError(
            f"actlab.torch: {name} is once differentiable — its backward is the catalog's "
            "analytic f', and f'' is not part of the catalog; double backward "
            "(create_graph=True, gradient penalties, Hessians) needs torch.nn's own modules"
        )


class _Cfg(NamedTuple):
    act: Activation
    names: tuple[str, ...]  # the learnable parameters passed as tensors, in order
    memory: Memory
    native: bool
    where: Any
    inplace: bool


#: the exact catalog path's chunk length: its float64 temporaries then stay in L2 cache —
#: arctan forward+backward on 1e7 float32 took 0.36 s in chunks of 16,384 against 1.11 s in
#: chunks of 65,536 (and 0.54 s at 4,096, where the per-chunk cost shows), and its peak memory
#: went from 2.10–2.25 to 2.03 input sizes (bench/memory.py)
CHUNK = 1 << 14


def _chunked(x: torch.Tensor, out_dtype: torch.dtype, fn: Callable[[slice], torch.Tensor]) -> Any:
    """fn over consecutive flat slices of CHUNK elements, written into one output like x."""
    n = x.numel()
    out = torch.empty(n, dtype=out_dtype, device=x.device)
    step = CHUNK
    for i in range(0, n, step):
        out[i : i + step] = fn(slice(i, i + step))
    return out.view(x.shape)


def _chunkable(act: Activation, x: torch.Tensor, learn: tuple[torch.Tensor, ...]) -> bool:
    """Elementwise, larger than a chunk, every parameter one number, no noise to draw (a
    draw shaped like the whole input is what makes a stochastic activation reproducible)."""
    return (
        act.kind == "elementwise"
        and x.numel() > _kernels.MIN_ELEMENTS
        and act.spec.sample is None
        and all(_is_number(v) for v in act.params.values())
        and all(t.numel() == 1 for t in learn)
    )


def _is_number(v: Any) -> bool:
    return v is None or isinstance(v, bool | int | float | str)


class ActlabFunction(torch.autograd.Function):
    """The catalog path: forward from the spec, backward its analytic derivative (its vjp for
    vector and gated activations), with the same parameters and random draw as the forward."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, cfg: _Cfg, *learn: torch.Tensor) -> torch.Tensor:
        act, names, memory, native, where, inplace = cfg
        flat = x.reshape(-1)
        chunks = _chunkable(act, x, learn)
        prep = prepare(flat[:1] if chunks else x, act.name, native=native)
        p = act._call_params(prep)
        for n, t in zip(names, learn, strict=True):
            p[n] = _value(t, prep.x)
        if chunks:

            def part(s: slice) -> torch.Tensor:
                c = prepare(flat[s], act.name, native=native)
                out: torch.Tensor = c.finish(act._eval(c, p, where))
                return out

            y = cast(torch.Tensor, _chunked(x, prep.out_dtype, part))
        else:
            y = cast(torch.Tensor, prep.finish(act._eval(prep, p, where)))
        ctx.cfg, ctx.p, ctx.learn_meta = cfg, p, [(t.shape, t.dtype) for t in learn]
        ctx.x_dtype, ctx.chunks = x.dtype, chunks
        lean = act.spec.lean if ((memory is Memory.LEAN or inplace) and not names) else None
        if lean is not None and lean[0] == "mask":
            import array_api_compat.torch as xp

            ctx.mode = "mask"
            ctx.save_for_backward(lean[1](xp, x, p))
        if inplace:
            x.copy_(y)
            ctx.mark_dirty(x)
            y = x
        if lean is not None and lean[0] == "output":
            ctx.mode = "output"
            ctx.save_for_backward(y)
        elif lean is None:
            ctx.mode = "input"
            ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
        cfg: _Cfg = ctx.cfg
        act, names, native, where = cfg.act, cfg.names, cfg.native, cfg.where
        _once_differentiable(act.name)
        p = ctx.p
        (saved,) = ctx.saved_tensors
        gflat, sflat = g.reshape(-1), saved.reshape(-1)
        if ctx.mode != "input":
            assert act.spec.lean is not None  # the forward saved by its strategy
            _, fn, from_mask = act.spec.lean
            import array_api_compat.torch as xp

            wide = torch.float64 if saved.device.type != "mps" else torch.float32

            def lean_part(s: slice) -> torch.Tensor:
                if ctx.mode == "mask":
                    assert from_mask is not None
                    d = from_mask(xp, sflat[s], p)
                else:
                    d = fn(xp, sflat[s].to(wide), p)
                out: torch.Tensor = (gflat[s].to(d.dtype) * d).to(ctx.x_dtype)
                return out

            if ctx.chunks:
                return (_chunked(saved, ctx.x_dtype, lean_part), None)
            return (lean_part(slice(None)).view(saved.shape), None)
        param_vjp = act.spec.param_vjp
        assert param_vjp is not None or not names  # a spec with learnables declares it
        if ctx.chunks:  # learnable parameters here are single numbers: their sums add up
            sums: dict[str, Any] = dict.fromkeys(names, 0.0)

            def part(s: slice) -> torch.Tensor:
                c = prepare(sflat[s], act.name, native=native)
                gw = gflat[s].to(c.x.dtype)
                if param_vjp is not None and names:
                    pg = param_vjp(c.xp, c.x, gw, p)
                    for n in names:
                        sums[n] = sums[n] + pg[n]
                out: torch.Tensor = act._pullback(c, p, gw, where).to(ctx.x_dtype)
                return out

            gx = _chunked(saved, ctx.x_dtype, part)
            pgrads = [
                torch.as_tensor(sums[n]).reshape(shape).to(dtype)
                for n, (shape, dtype) in zip(names, ctx.learn_meta, strict=True)
            ]
            return (gx, None, *pgrads)
        prep = prepare(saved, act.name, native=native)
        gw = g.to(prep.x.dtype)
        gx = act._pullback(prep, p, gw, where).to(ctx.x_dtype)
        grads: list[Any] = []
        if param_vjp is not None and names:
            pg = param_vjp(prep.xp, prep.x, gw, p)
            for n, (shape, dtype) in zip(names, ctx.learn_meta, strict=True):
                grads.append(torch.as_tensor(pg[n]).reshape(shape).to(dtype))
        return (gx, None, *grads)


class KernelFunction(torch.autograd.Function):
    """The fused-kernel path: forward one pass, backward one pass g·f'(x) from the saved
    input, learnable parameters' gradients one reducing pass."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, k: _kernels.Kernel, *learn: torch.Tensor) -> Any:
        ctx.k = k
        ctx.save_for_backward(x, *learn)
        return k.forward(x, learn)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
        k: _kernels.Kernel = ctx.k
        _once_differentiable(k.name)
        x, *learn = ctx.saved_tensors
        values = tuple(learn)
        grads: list[Any] = [None] * len(learn)
        if not any(ctx.needs_input_grad[2:]):
            return (k.vjp(x, g, values) if ctx.needs_input_grad[0] else None, None, *grads)
        if ctx.needs_input_grad[0]:  # both: one pass
            gx, sums = k.vjp_and_param_grads(x, g, values)
        else:
            gx, sums = None, k.param_grads(x, g, values)
        grads = [s.reshape(t.shape).to(t.dtype) for s, t in zip(sums, learn, strict=True)]
        return (gx, None, *grads)


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


_peers: dict[Activation, Callable[[torch.Tensor], torch.Tensor] | None] = {}
_PEERS_KEPT = 4096  # cached peer lookups, keyed by activation and values; bounded


def _peer(act: Activation, learn: dict[str, torch.Tensor]) -> Any:
    """peer_kernel for ``act`` with its frozen learnable values, cached per values."""
    if any(t.numel() != 1 for t in learn.values()):
        return peer_kernel(with_values(act, learn))
    full = with_values(act, learn)
    try:
        if full not in _peers:
            if len(_peers) >= _PEERS_KEPT:  # a parameter that changes every step
                _peers.clear()
            _peers[full] = peer_kernel(full)
        return _peers[full]
    except TypeError:  # an unhashable parameter value
        return peer_kernel(full)


def _needs_grad(x: torch.Tensor, learn: dict[str, torch.Tensor]) -> bool:
    return torch.is_grad_enabled() and (
        x.requires_grad or any(t.requires_grad for t in learn.values())
    )


@eager  # compiled models call it eagerly (a graph break), not traced inside
def apply(
    act: Activation,
    x: torch.Tensor,
    learn: dict[str, torch.Tensor] | None = None,
    memory: Memory | str = Memory.DEFAULT,
    where: Any = None,
    precision: Precision | str = Precision.EXACT,
    inplace: bool = False,
) -> torch.Tensor:
    """f(x) with the catalog's backward; ``learn`` maps learnable parameter names to tensors
    that receive gradients. ``precision`` and ``memory`` choose the path (module docstring):
    EXACT is float64 per element rounded once (a fused kernel where there is one), NATIVE the
    catalog in the input's dtype, FAST PyTorch's own kernel where it computes the same
    function (not with LEAN memory, a ``where`` mask, or learnable parameters that need
    gradients). ``inplace=True`` writes f(x) into x and returns x, as torch's
    ``inplace=True`` modules do; with autograd it needs an activation whose backward can do
    without the input (a mask or the output: ``spec.lean``)."""
    mem, prec = options(act.name, memory, precision)
    learn = learn or {}
    if inplace:
        return _inplace(act, x, learn, mem, where, prec)
    frozen = not any(t.requires_grad for t in learn.values())
    if prec is Precision.FAST and mem is Memory.DEFAULT and where is None and frozen:
        peer = _peer(act, learn)
        if peer is not None:
            out: torch.Tensor = peer(x)
            return out
    if prec is not Precision.NATIVE and mem is Memory.DEFAULT and where is None:
        fused: torch.Tensor | None = _fused(act, x, learn)
        if fused is not None:
            return fused
    native = prec is not Precision.EXACT
    cfg = _Cfg(act, tuple(learn), mem, native, where, False)
    return _function_apply(x, cfg, *learn.values())


def _fused(
    act: Activation,
    x: torch.Tensor,
    learn: dict[str, torch.Tensor],
    out: torch.Tensor | None = None,
) -> Any:
    """The fused kernel's result (with autograd where needed), or None: no kernel here.
    ``out`` (no autograd only): a contiguous tensor like x that the kernel writes into."""
    wanted = tuple(n for n, t in learn.items() if t.requires_grad)
    if any(t.numel() != 1 for t in learn.values()) or (out is not None and not x.is_contiguous()):
        return None
    k = _kernels.kernel(act, x, wanted)
    if k is None:
        return None
    # learnable parameters the caller did not pass as tensors take the activation's values
    values = tuple(
        learn[n] if n in learn else torch.tensor(float(act.params[n])) for n in k.learnable
    )
    if _needs_grad(x, learn):
        if set(learn) != set(k.learnable):  # a value fixed by the caller gets no gradient
            values = tuple(v.detach() for v in values)
        return _kernels.guarded(lambda: _kernel_apply(x, k, *values))
    with torch.no_grad():
        return _kernels.guarded(lambda: k.forward(x, values, out))


def _inplace(
    act: Activation,
    x: torch.Tensor,
    learn: dict[str, torch.Tensor],
    mem: Memory,
    where: Any,
    prec: Precision,
) -> torch.Tensor:
    if not _needs_grad(x, learn):
        with torch.no_grad():
            if prec is Precision.EXACT and mem is Memory.DEFAULT and where is None:
                into = _fused(act, x, learn, out=x)  # the kernel writes x itself: one pass
                if into is not None:
                    return x
            y = apply(act, x, learn, mem, where, prec)
            return x.copy_(y)
    if act.spec.lean is None or learn:
        raise ValueError(
            f"{act.name}: inplace=True with autograd needs a backward that does without the "
            "input, and this activation's needs it; use inplace=False (the default), or "
            "inplace=True under torch.no_grad()"
        )
    cfg = _Cfg(act, (), mem, prec is not Precision.EXACT, where, True)
    return _function_apply(x, cfg)


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


# autograd.Function.apply is untyped in torch: typed once
_function_apply: Callable[..., torch.Tensor] = ActlabFunction.apply
_kernel_apply: Callable[..., torch.Tensor] = KernelFunction.apply
