"""The kernel engine: compile the forms once per activation, decide where they apply."""

from __future__ import annotations

import math
import threading
import warnings
from typing import Any

import numpy as np
import torch

from .._catalog import Activation
from . import _memory
from ._forms import FLOAT64, FORMS, NARROW, PARAM_FORMS, SELF_CLEAN, SELF_CLEAN_DERIVATIVE

#: Input dtypes the kernels serve. A float64 result keeps the catalog's float64 accuracy,
#: which takes its forms (double-double products, root series), so float64 input keeps the
#: catalog path — except for the kernels of ``_forms.FLOAT64``, exact in float64.
KERNEL_DTYPES = (torch.float32, torch.float16, torch.bfloat16)

#: Below this many elements the catalog path runs instead (exact as well): a compiled call
#: costs ~20 µs and its first call compiles for seconds, which a small tensor never repays.
#: The exact path chunks tensors longer than this (in ``actlab.torch._function.CHUNK``
#: elements), so no step of either path holds a float64 array longer than this.
MIN_ELEMENTS = 65536

_lock = threading.Lock()
_cache: dict[Any, Kernel] = {}
_broken: list[str] = []  # why the compiler failed, once: then every call takes the catalog path


def supported(name: str) -> bool:
    """Whether the activation ``name`` (canonical) has a fused kernel."""
    return name in FORMS


def kernel(act: Activation, x: torch.Tensor, learn: tuple[str, ...] = ()) -> Kernel | None:
    """The fused kernel for ``act`` on ``x``, or None: no form for this activation, a device
    other than the CPU, an integer input, a float64 one (unless ``_forms.FLOAT64``), fewer
    than MIN_ELEMENTS elements, a stochastic activation, an array-valued parameter, or
    learnable parameters whose gradient has no form (``learn``: those that need one)."""
    spec = act.spec
    if (
        _broken
        or spec.name not in FORMS
        or spec.stochastic
        or x.device.type != "cpu"
        or not (x.dtype in KERNEL_DTYPES or (x.dtype == torch.float64 and spec.name in FLOAT64))
        or x.numel() < MIN_ELEMENTS
        or any(n not in PARAM_FORMS.get(spec.name, {}) for n in learn)
    ):
        return None
    fixed = {k: v for k, v in act.params.items() if k not in spec.learnable}
    if not all(v is None or isinstance(v, float | int | str) for v in fixed.values()):
        return None
    # inductor writes a threaded loop (OpenMP, torch.get_num_threads() at run time) only when
    # it compiles with more than one thread: one compilation per side of that line
    threaded = torch.get_num_threads() > 1
    key = (spec.name, tuple(sorted(fixed.items())), threaded)
    with _lock:
        if key not in _cache:
            _cache[key] = Kernel(act)
        return _cache[key]


def _edges(act: Activation, derivative: bool) -> tuple[float, float]:
    """The catalog's values at +inf and −inf (the kernels' forms are not asked there)."""
    x = np.array([math.inf, -math.inf])
    y = act.derivative(x) if derivative else act(x)
    return float(y[0]), float(y[1])


class Kernel:
    """forward(x), vjp(x, g) and param_grads(x, g, values) for one activation whose fixed
    parameters are baked in; learnable parameters are runtime inputs (0-d float64 tensors),
    so training steps that change them do not recompile."""

    def __init__(self, act: Activation) -> None:
        spec = act.spec
        self.name = spec.name
        self.learnable = spec.learnable
        f, d = FORMS[spec.name]
        fixed = {k: (float(v) if isinstance(v, int) else v) for k, v in act.params.items()}
        self._fixed = {k: v for k, v in fixed.items() if k not in spec.learnable}
        #: the learnable values when a call gives none (the activation's own)
        self.values = tuple(torch.tensor(float(act.params[n])) for n in spec.learnable)
        fe, de = _edges(act, False), _edges(act, True)
        pforms = PARAM_FORMS.get(spec.name, {})
        pe = {n: (0.0, 0.0) for n in pforms}  # Σ g·∂f/∂θ: the catalog's param_vjp is 0 at ±inf
        #: computed in the input's dtype (a select needs no float64: ``_forms.NARROW``)
        self.narrow = spec.name in NARROW and all(_representable(v) for v in self._fixed.values())
        wide = None if self.narrow else torch.float64

        # each writes into ``out`` (allocated by the caller, ``_memory.empty``): inductor
        # stores the result there directly, in the same single pass
        clean = _clean if spec.name not in SELF_CLEAN else _as_is
        clean_d = _clean if spec.name not in SELF_CLEAN_DERIVATIVE else _as_is

        def fwd(x: torch.Tensor, out: torch.Tensor, *lp: torch.Tensor) -> torch.Tensor:
            t = x.to(wide or x.dtype)
            return out.copy_(clean(t, f(t, self._params(lp)), fe))

        def vjp(
            x: torch.Tensor, g: torch.Tensor, out: torch.Tensor, *lp: torch.Tensor
        ) -> torch.Tensor:
            t = x.to(wide or x.dtype)
            return out.copy_(g.to(t.dtype) * clean_d(t, d(t, self._params(lp)), de))

        def pgrad(x: torch.Tensor, g: torch.Tensor, *lp: torch.Tensor) -> tuple[torch.Tensor, ...]:
            t, gw, p = x.to(torch.float64), g.to(torch.float64), self._params(lp)
            return tuple((gw * _clean(t, pforms[n](t, p), pe[n])).sum() for n in self.learnable)

        def both(
            x: torch.Tensor, g: torch.Tensor, out: torch.Tensor, *lp: torch.Tensor
        ) -> tuple[torch.Tensor, ...]:
            # one loop: inductor fuses the store of g·f' with the parameters' sums
            return (vjp(x, g, out, *lp), *pgrad(x, g, *lp))

        self._fwd = _compile(fwd, f"{spec.name}_forward")
        self._vjp = _compile(vjp, f"{spec.name}_vjp")
        self._pgrad = _compile(pgrad, f"{spec.name}_param_grads") if pforms else None
        self._both = _compile(both, f"{spec.name}_vjp_param_grads") if pforms else None

    def _params(self, lp: tuple[torch.Tensor, ...]) -> dict[str, Any]:
        return {**self._fixed, **dict(zip(self.learnable, lp, strict=True))}

    def forward(
        self,
        x: torch.Tensor,
        values: tuple[torch.Tensor, ...] | None = None,
        out: torch.Tensor | None = None,
    ) -> Any:
        """f(x) in x's dtype; ``values``: the learnable parameters (default: the activation's);
        ``out``: a contiguous tensor like x to write into (x itself for in-place), else a new
        one."""
        return _run(self._fwd, x, (), self.values if values is None else values, out)

    def vjp(
        self, x: torch.Tensor, g: torch.Tensor, values: tuple[torch.Tensor, ...] | None = None
    ) -> torch.Tensor:
        """g·f'(x) in x's dtype, one pass."""
        return _run(self._vjp, x, (g,), self.values if values is None else values)

    def vjp_and_param_grads(
        self, x: torch.Tensor, g: torch.Tensor, values: tuple[torch.Tensor, ...] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """``vjp`` and ``param_grads`` in one pass over x and g (a module's backward when its
        parameters are learned)."""
        assert self._both is not None  # kernel() refuses learnables without a form
        values = self.values if values is None else values
        flat = [t.contiguous().view(-1) for t in (x, g)]
        dest = _memory.empty(x.numel(), x.dtype)
        gx, *sums = _quiet(self._both, *flat, dest, *_wide(values))
        return gx.view(x.shape), tuple(sums)

    def param_grads(
        self, x: torch.Tensor, g: torch.Tensor, values: tuple[torch.Tensor, ...] | None = None
    ) -> tuple[torch.Tensor, ...]:
        """Σ g·∂f/∂θ per learnable θ, summed in float64 (0-d float64 tensors)."""
        assert self._pgrad is not None  # kernel() refuses learnables without a form
        values = self.values if values is None else values
        flat = [t.contiguous().view(-1) for t in (x, g)]
        out: tuple[torch.Tensor, ...] = _quiet(self._pgrad, *flat, *_wide(values))
        return out


def _compile(fn: Any, name: str) -> Any:
    """torch.compile of ``fn`` under a code object of its own: dynamo keeps its compiled
    variants per code object (and stops at ``recompile_limit``, 8), and every kernel's
    closures share one code object unless each gets a copy."""
    fn.__code__ = fn.__code__.replace(co_name=name, co_qualname=name)
    fn.__name__ = fn.__qualname__ = name
    return torch.compile(fn, dynamic=True, fullgraph=True)


def _wide(values: tuple[torch.Tensor, ...]) -> list[torch.Tensor]:
    return [v.detach().reshape(()).to(torch.float64) for v in values]


def _representable(v: Any) -> bool:
    """Whether a parameter value is exactly a number of every dtype the kernels serve (a
    string or None is not a number the arithmetic sees)."""
    if not isinstance(v, float):
        return True
    return all(torch.tensor(v, dtype=d).item() == v for d in KERNEL_DTYPES)


def _run(
    fn: Any,
    x: torch.Tensor,
    more: tuple[torch.Tensor, ...],
    values: tuple[torch.Tensor, ...],
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """One compiled call on flat contiguous views into ``out`` (or a new output), shaped
    like x."""
    flat = [t.contiguous().view(-1) for t in (x, *more)]
    if out is None:
        dest = _memory.empty(x.numel(), x.dtype)
    elif out.shape != x.shape or out.dtype != x.dtype or not out.is_contiguous():
        raise ValueError(
            f"kernel {fn.__name__}: out must be a contiguous {x.dtype} tensor of shape "
            f"{tuple(x.shape)}, got {out.dtype} {tuple(out.shape)}"
        )
    else:
        dest = out.view(-1)
    _quiet(fn, *flat, dest, *_wide(values))
    return dest.view(x.shape)


def _quiet(fn: Any, *args: torch.Tensor) -> Any:
    """A compiled call; inductor's own deprecation notices while it compiles are torch's
    business, not the caller's (and would fail a test suite that treats warnings as errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn(*args)


def _as_is(t: torch.Tensor, y: torch.Tensor, edges: tuple[float, float]) -> torch.Tensor:
    """``_clean`` for a form that gives NaN and the limits at ±inf by itself."""
    return y


def _clean(t: torch.Tensor, y: torch.Tensor, edges: tuple[float, float]) -> torch.Tensor:
    """NaN in gives NaN out; ±inf give the catalog's values there. NaN is found as t ≠ t:
    inductor vectorizes a comparison, where ``torch.isnan`` becomes a scalar loop over each
    SIMD register's lanes (which cost the piecewise-linear kernels half their speed)."""
    y = torch.where(t == math.inf, edges[0], torch.where(t == -math.inf, edges[1], y))
    return torch.where(t != t, t, y)


def guarded(run: Any) -> Any:
    """``run()`` (a kernel call), or None when the compiler itself fails (no C++ compiler on
    this machine): said once in a RuntimeWarning, and from then on ``kernel()`` gives None so
    every call takes the catalog's exact path (the same values, slower)."""
    try:
        return run()
    except Exception as exc:  # inductor's failures have many types; only compile ones are ours
        if not _is_compile_failure(exc):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        _broken.append(f"{type(exc).__name__}: {first}")
        warnings.warn(
            f"actlab: the fused kernels could not be compiled ({_broken[0]}); activations run "
            "the catalog's exact path (same values, slower). A C++ compiler (gcc or clang) "
            "on PATH enables them.",
            RuntimeWarning,
            stacklevel=3,
        )
        return None


def _is_compile_failure(exc: Exception) -> bool:
    if type(exc).__module__.startswith(("torch._dynamo", "torch._inductor")):
        return True
    return isinstance(exc, OSError | RuntimeError) and "compil" in str(exc).lower()
