"""An activation bound to its parameters: the object ``actlab.get`` returns."""

from __future__ import annotations

import contextlib
import difflib
import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType, ModuleType
from typing import Any

import array_api_compat as aac
import numpy as np

from . import _registry
from ._spec import REQUIRED, Param, ResolvedFacts, Spec, is_real_number
from ._xp import Array, Prepared, as_like, const, mul_nan_safe, prepare


def get(name: str | Activation, **params: Any) -> Activation:
    """The activation called ``name`` (case-insensitive; aliases resolve), bound to ``params``.

    Args:
        name: a canonical name or alias (``actlab.names()``, ``actlab.aliases()``), or an
            Activation (then ``params`` override its parameters).
        **params: the spec's parameters; unknown names, bad values and missing required ones
            are errors that say what is allowed.

    Returns:
        The Activation: call it, ``.derivative``, ``.vjp``, ``.jvp``, ``.jacobian``, ``.facts``.

    >>> import actlab
    >>> act = actlab.get("Swish")
    >>> act
    Activation('silu', beta=1.0)
    >>> float(act(1.0))
    0.7310585786300049
    """
    if isinstance(name, Activation):
        return name if not params else Activation(name.spec, {**name.params, **params})
    return Activation(_registry.resolve(name), params)


@contextlib.contextmanager
def _numpy_errstate(xp: ModuleType, invalid: bool = False) -> Iterator[None]:
    # An overflowing result is IEEE's ±inf, the correctly rounded value; NumPy would also warn.
    # Invalid operations and divisions by zero are *not* silenced: the forms never make them
    # (``invalid=True`` only for vjp/jvp, where the caller's cotangent may hold ±inf).
    if aac.is_numpy_namespace(xp):
        with np.errstate(over="ignore", under="ignore", invalid="ignore" if invalid else None):
            yield
    else:
        yield


class Activation:
    """One activation with its parameters: call it, differentiate it, ask what it is.

    ``act(x)`` evaluates f, ``act.derivative(x)`` evaluates f' at the input x (elementwise
    activations), ``act.vjp(x, g)``/``act.jvp(x, v)``/``act.jacobian(x)`` work for every kind,
    ``act.param_vjp(x, g)`` gives the gradients of learnable parameters.
    """

    def __init__(self, spec: Spec, params: Mapping[str, Any]) -> None:
        self.spec = spec
        self.params: Mapping[str, Any] = MappingProxyType(_bind(spec, params))
        if spec.validate is not None:
            spec.validate(self.params)

    # ------------------------------------------------------------------ identity

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind

    def __repr__(self) -> str:
        args = "".join(f", {k}={_repr(v)}" for k, v in self.params.items())
        return f"Activation({self.name!r}{args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activation):
            return NotImplemented
        # the same spec object, not only the same name: a redefined activation is another one
        return self.spec is other.spec and _same(self.params, other.params)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its spec (by name) and its parameters; copy and deepcopy follow."""
        return (Activation, (self.spec, dict(self.params)))

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))

    @property
    def facts(self) -> ResolvedFacts:
        f = self.spec.facts
        rng = f.range(self.params) if callable(f.range) else f.range
        mono = f.monotonic(self.params) if callable(f.monotonic) else f.monotonic
        return ResolvedFacts(
            range=rng,
            bounded=rng.bounded_below and rng.bounded_above,
            monotonic=mono,
            smoothness=f.smoothness(self.params) if callable(f.smoothness) else f.smoothness,
            zero_centred=f.zero_centred,
            saturates=f.saturates,
            learnable=bool(self.spec.learnable),
            stochastic=self.spec.stochastic,
            uses=f.uses,
            pros=f.pros,
            cons=f.cons,
            init=f.init,
        )

    @property
    def kinks(self) -> list[tuple[float, float]]:
        """(x, f'(x)) at every point where f is not differentiable, for these parameters."""
        return [(k.point(self.params), k.value(self.params)) for k in self.spec.kinks]

    # ------------------------------------------------------------------ evaluation

    def __call__(self, x: Any, *, where: Any = None) -> Array:
        """f(x).

        Args:
            x: a NumPy array, torch tensor, other array-API array, or Python numbers.
            where: (softmax family only) a boolean mask of the entries to include, from x's
                library and broadcasting to x.

        Returns:
            f(x) with x's shape (a gated activation: half x's size along its axis), in x's
            floating dtype and library.
        """
        prep = prepare(x, self.name)
        with _numpy_errstate(prep.xp):
            return prep.finish(self._eval(prep, self._call_params(prep), where))

    def derivative(self, x: Any) -> Array:
        """f'(x), taken at the input x (elementwise activations); at a kink, its declared value.

        Args:
            x: the input (as for calling the activation).

        Returns:
            f'(x) with x's shape, dtype and library. A vector or gated activation is an error
            that points to ``vjp``, ``jvp`` and ``jacobian``.
        """
        if self.kind != "elementwise":
            raise ValueError(
                f"{self.name}: derivative() is for elementwise activations; {self.name} is a "
                f"{self.kind} activation whose Jacobian is not diagonal — use vjp(x, g), "
                f"jvp(x, v) or jacobian(x)"
            )
        prep = prepare(x, self.name)
        with _numpy_errstate(prep.xp):
            p = self._call_params(prep)
            return prep.finish(self.spec.derivative(prep.xp, prep.x, p))  # type: ignore[misc]

    def vjp(self, x: Any, g: Any, *, where: Any = None) -> Array:
        """gᵀ·J(x): the gradient with respect to x of ⟨g, f(x)⟩ (the backward pass).

        Args:
            x: the input.
            g: the cotangent, shaped like the output f(x), from x's library.
            where: (softmax family only) the entry mask, as for calling the activation.

        Returns:
            The gradient with respect to x, shaped like x.
        """
        return self._product(x, g, "g", where, transpose=True)

    def jvp(self, x: Any, v: Any, *, where: Any = None) -> Array:
        """J(x)·v: the directional derivative of f at x along v (the forward-mode pass).

        Args:
            x: the input.
            v: the tangent, shaped like x, from x's library.
            where: (softmax family only) the entry mask, as for calling the activation.

        Returns:
            J(x)·v, shaped like the output f(x).
        """
        return self._product(x, v, "v", where, transpose=False)

    def jacobian(self, x: Any, *, where: Any = None) -> Array:
        """∂f/∂x along the activation's axis: shape (*batch, m, n), one matrix per position of
        the other axes (``batch``: x's shape without that axis, in order).

        Elementwise activations use the last axis (a diagonal matrix per row); vector and gated
        ones use their ``axis`` parameter. n is that axis' length; m = n, or n/2 for gated ones.

        Args:
            x: the input, at least 1-d for vector and gated activations.
            where: (softmax family only) the entry mask, as for calling the activation.

        Returns:
            The Jacobians, shape (*batch, m, n), in x's dtype and library.
        """
        prep = prepare(x, self.name)
        xp = prep.xp
        with _numpy_errstate(xp):
            p = self._call_params(prep)
            if self.kind == "elementwise":
                self._no_mask(where)
                xw = prep.x if prep.x.ndim else xp.reshape(prep.x, (1,))
                d = self.spec.derivative(xp, xw, p)  # type: ignore[misc]
                n = xw.shape[-1]
                eye = xp.eye(n, dtype=d.dtype, device=aac.device(d))
                return prep.finish(_diag(xp, d, eye))
            return self._along_axis(prep, p, where, _jacobian, keep_last_two=True)

    def param_vjp(self, x: Any, g: Any) -> dict[str, Array]:
        """Σ g·∂f/∂θ for each learnable parameter θ (the parameters' backward pass).

        Args:
            x: the input.
            g: the cotangent, shaped like f(x).

        Returns:
            {name: gradient} for each learnable parameter, each shaped like the parameter (a
            0-d array for a number). An activation without learnable parameters is an error.
        """
        if not self.spec.learnable:
            raise ValueError(f"{self.name}: has no learnable parameters; param_vjp needs one")
        prep = prepare(x, self.name)
        xp = prep.xp
        with _numpy_errstate(xp):
            p = self._call_params(prep)
            gw = self._cotangent(prep, g, "g")
            grads = self.spec.param_vjp(xp, prep.x, gw, p)  # type: ignore[misc]
            return {k: prep.finish(v) for k, v in grads.items()}

    # ------------------------------------------------------------------ internals

    # The three steps below, on a prepared (widened) input and its bound parameters — noise
    # included — are what the torch autograd functions call, so that forward and backward see
    # the same draw.

    def _eval(self, prep: Prepared, p: dict[str, Any], where: Any = None) -> Array:
        if self.kind == "elementwise":
            self._no_mask(where)
            return self.spec.forward(prep.xp, prep.x, p)  # type: ignore[misc]
        return self._along_axis(prep, p, where, _forward)

    def _pullback(
        self,
        prep: Prepared,
        p: dict[str, Any],
        tw: Array,
        where: Any = None,
        transpose: bool = True,
    ) -> Array:
        if self.kind == "elementwise":
            self._no_mask(where)
            return tw * self.spec.derivative(prep.xp, prep.x, p)  # type: ignore[misc]
        return self._along_axis(prep, p, where, _vjp if transpose else _jvp, extra=tw)

    def _product(self, x: Any, t: Any, tname: str, where: Any, transpose: bool) -> Array:
        prep = prepare(x, self.name)
        # an infinite cotangent entry makes inf − inf or 0·inf there: NaN, as IEEE says, quietly
        with _numpy_errstate(prep.xp, invalid=True):
            p = self._call_params(prep)
            shorter = self.kind == "gated" or self.spec.out_size is not None
            tw = self._cotangent(prep, t, tname, transpose and shorter)
            return prep.finish(self._pullback(prep, p, tw, where, transpose))

    def _cotangent(self, prep: Prepared, t: Any, tname: str, halved: bool = False) -> Array:
        xp, x = prep.xp, prep.x
        tw = as_like(xp, t, x, self.name, tname)
        want = tuple(x.shape)
        if halved:  # a gated (reducing) activation's output is shorter along its axis
            ax = _axis(self, x.ndim)
            n = want[ax] // 2 if self.kind == "gated" else self.spec.out_size(self.params, want[ax])  # type: ignore[misc]
            want = (*want[:ax], n, *want[ax + 1 :])
        if tuple(tw.shape) != want:
            raise ValueError(
                f"{self.name}: {tname} must have the shape of the "
                f"{'output' if halved or tname == 'g' else 'input'} {want}, got {tuple(tw.shape)}"
            )
        return tw

    def _call_params(self, prep: Prepared) -> dict[str, Any]:
        """Parameters as the formulas want them: floats, or arrays next to x; noise drawn."""
        xp, x = prep.xp, prep.x
        p: dict[str, Any] = {}
        for k, v in self.params.items():
            ptype = self.spec.param(k).type
            if ptype == "real" and not is_real_number(v):
                if isinstance(v, np.ndarray) and not aac.is_numpy_namespace(xp):
                    v = v.tolist()  # host numbers (an array default, say) go to x's device
                p[k] = as_like(xp, v, x, self.name, k)
                if self.spec.param(k).layout == "broadcast":
                    _broadcasts(self.name, k, tuple(p[k].shape), tuple(x.shape))
            elif ptype in ("real", "real?") and v is not None:
                p[k] = float(v)
            else:
                p[k] = v
        if self.spec.sample is not None:
            p["_noise"] = self.spec.sample(xp, x, p)
        return p

    def _no_mask(self, where: Any) -> None:
        if where is not None and not self.spec.masked:
            raise TypeError(
                f"{self.name}: where= (an entry mask) is for the softmax family only; "
                f"{self.name} takes no mask"
            )

    def _along_axis(
        self,
        prep: Prepared,
        p: dict[str, Any],
        where: Any,
        fn: Any,
        extra: Array | None = None,
        keep_last_two: bool = False,
    ) -> Array:
        """Move the activation's axis last, apply fn, and move it back."""
        xp, x = prep.xp, prep.x
        ax = _axis(self, x.ndim)
        xm = xp.moveaxis(x, ax, -1)
        mask = None
        if where is not None:
            self._no_mask(where)
            mask = _mask(xp, where, x, self.name)
            mask = xp.moveaxis(mask, ax, -1)
        em = None if extra is None else xp.moveaxis(extra, ax, -1)
        if self.kind == "vector" and xm.shape[-1] == 0:  # an empty axis: an empty result (torch)
            dev = aac.device(xm)
            if keep_last_two:
                return xp.zeros((*xm.shape[:-1], 0, 0), dtype=xm.dtype, device=dev)
            return xp.moveaxis(xp.zeros(tuple(xm.shape), dtype=xm.dtype, device=dev), -1, ax)
        if p.get("_noise") is not None:  # noise was drawn in x's layout
            p = {**p, "_noise": xp.moveaxis(p["_noise"], ax, -1)}
        if self.kind == "gated":
            n = xm.shape[-1]
            if n % 2:
                raise ValueError(
                    f"{self.name}: axis {p['axis']} has odd size {n}; {self.name} splits it into "
                    f"two halves (a, b), so its size must be even"
                )
            y = fn(self, xp, xm, p, em, gated=True)
        else:
            y = fn(self, xp, xm, p, em, mask=mask)
        if keep_last_two:  # a Jacobian: its two matrix axes stay last
            return y
        return xp.moveaxis(y, -1, ax)

    def _gate(self) -> tuple[Spec, dict[str, Any]]:
        gname, gmap = self.spec.gate  # type: ignore[misc]
        gspec = _registry.resolve(gname)
        return gspec, {**gspec.defaults, **gmap(self.params)}


# ---------------------------------------------------------------------- vector and gated kinds


def _split(xp: ModuleType, xm: Array) -> tuple[Array, Array]:
    n = xm.shape[-1] // 2
    return xm[..., :n], xm[..., n:]


def _forward(
    act: Activation,
    xp: ModuleType,
    xm: Array,
    p: dict[str, Any],
    _: Any,
    *,
    gated: bool = False,
    mask: Any = None,
) -> Array:
    if gated:
        gspec, gp = act._gate()
        a, b = _split(xp, xm)
        return mul_nan_safe(xp, a, gspec.forward(xp, b, gp))  # type: ignore[misc]
    return act.spec.forward(xp, xm, p, mask)  # type: ignore[misc]


def _vjp(
    act: Activation,
    xp: ModuleType,
    xm: Array,
    p: dict[str, Any],
    g: Array,
    *,
    gated: bool = False,
    mask: Any = None,
) -> Array:
    if gated:
        gspec, gp = act._gate()
        a, b = _split(xp, xm)
        ga = mul_nan_safe(xp, g, gspec.forward(xp, b, gp))  # type: ignore[misc]
        gb = mul_nan_safe(xp, g * a, gspec.derivative(xp, b, gp))  # type: ignore[misc]
        return xp.concat([ga, gb], axis=-1)
    return act.spec.vjp(xp, xm, g, p, mask)  # type: ignore[misc]


def _jvp(
    act: Activation,
    xp: ModuleType,
    xm: Array,
    p: dict[str, Any],
    v: Array,
    *,
    gated: bool = False,
    mask: Any = None,
) -> Array:
    if gated:
        gspec, gp = act._gate()
        a, b = _split(xp, xm)
        va, vb = _split(xp, v)
        fb = gspec.forward(xp, b, gp)  # type: ignore[misc]
        db = gspec.derivative(xp, b, gp)  # type: ignore[misc]
        return mul_nan_safe(xp, va, fb) + mul_nan_safe(xp, mul_nan_safe(xp, a, db), vb)
    return act.spec.jvp(xp, xm, v, p, mask)  # type: ignore[misc]


def _jacobian(
    act: Activation,
    xp: ModuleType,
    xm: Array,
    p: dict[str, Any],
    _: Any,
    *,
    gated: bool = False,
    mask: Any = None,
) -> Array:
    if gated:
        gspec, gp = act._gate()
        a, b = _split(xp, xm)
        m = a.shape[-1]
        eye = xp.eye(m, dtype=xm.dtype, device=aac.device(xm))
        left = _diag(xp, gspec.forward(xp, b, gp), eye)  # type: ignore[misc]
        right = _diag(xp, mul_nan_safe(xp, a, gspec.derivative(xp, b, gp)), eye)  # type: ignore[misc]
        return xp.concat([left, right], axis=-1)
    return act.spec.jacobian(xp, xm, p, mask)  # type: ignore[misc]


def _diag(xp: ModuleType, d: Array, eye: Array) -> Array:
    """A batch of diagonal matrices with d on the diagonal (inf/NaN stay off the zeros)."""
    return xp.where(eye == 1, d[..., None, :], const(xp, d, 0.0) * eye)


def _axis(act: Activation, ndim: int) -> int:
    axis = act.params["axis"]
    if ndim == 0:
        raise ValueError(
            f"{act.name}: needs an input with at least one dimension (it works along axis "
            f"{axis}); got a 0-d input"
        )
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{act.name}: axis {axis} is out of range for an input with {ndim} dimension"
            f"{'s' if ndim != 1 else ''} (allowed: {-ndim}..{ndim - 1})"
        )
    return int(axis % ndim)


def _mask(xp: ModuleType, where: Any, x: Array, fname: str) -> Array:
    if aac.is_array_api_obj(where) and not isinstance(where, np.generic):
        if aac.array_namespace(where) is not xp:
            raise TypeError(
                f"{fname}: where is a {type(where).__module__.split('.')[0]} array but x is a "
                f"{type(x).__module__.split('.')[0]} array; pass both from the same library"
            )
        m = where
    else:
        m = xp.asarray(np.asarray(where), device=aac.device(x))
    if not xp.isdtype(m.dtype, "bool"):
        raise TypeError(f"{fname}: where must be a boolean mask, got dtype {m.dtype}")
    try:
        return xp.broadcast_to(m, x.shape)
    except (ValueError, RuntimeError):
        raise ValueError(
            f"{fname}: where has shape {tuple(m.shape)}, which does not broadcast to x's shape "
            f"{tuple(x.shape)}"
        ) from None


# ---------------------------------------------------------------------- parameter binding


def _bind(spec: Spec, given: Mapping[str, Any]) -> dict[str, Any]:
    known = {p.name: p for p in spec.params}
    for k in given:
        if k not in known:
            close = difflib.get_close_matches(k, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            takes = ", ".join(known) if known else "no parameters"
            raise TypeError(
                f"{spec.name}: unknown parameter {k!r}{hint} ({spec.name} takes: {takes})"
            )
    bound: dict[str, Any] = {}
    for p in spec.params:
        v = given.get(p.name, p.default)
        if isinstance(v, np.ndarray) and v is p.default:  # an array default is never shared
            v = v.copy()
        if v is REQUIRED:
            raise TypeError(f"{spec.name}: missing required parameter {p.name!r} ({p.doc})")
        bound[p.name] = _check(spec.name, p, v)
    return bound


def _check(fname: str, p: Param, v: Any) -> Any:
    shown = repr(v) if len(repr(v)) <= 40 else f"{repr(v)[:20]}...({len(repr(v))} characters)"
    bad = f"{fname}: {p.name} must be {{}}, got {shown}"
    if p.type == "real":
        if is_real_number(v):
            try:
                fv = float(v)
            except OverflowError:  # an int or Fraction beyond the float range
                fv = math.inf
            if not math.isfinite(fv):
                raise ValueError(bad.format(f"finite ({p.allowed})"))
            if p.check is not None and not p.check(fv):
                raise ValueError(bad.format(p.allowed))
            return v
        if p.learnable and isinstance(v, list | tuple):  # array_like, as NumPy takes it
            try:
                v = np.asarray(v, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(bad.format("a real number or an array")) from None
        if p.learnable and aac.is_array_api_obj(v) and not isinstance(v, np.generic):
            arr = np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, dtype=np.float64)
            if not np.all(np.isfinite(arr)):
                raise ValueError(bad.format(f"finite ({p.allowed})"))
            if p.check is not None and not all(p.check(float(a)) for a in arr.ravel()):
                raise ValueError(bad.format(f"{p.allowed} everywhere"))
            return v
        kind = "a real number" + (" or an array" if p.learnable else "")
        raise TypeError(bad.format(kind))
    if p.type == "real?":
        if v is None:
            return None
        return _check(fname, Param(p.name, p.default, p.doc, allowed="None or a finite real"), v)
    if p.type == "int":
        if not isinstance(v, int | np.integer) or isinstance(v, bool):
            raise TypeError(bad.format(f"an int ({p.allowed})"))
        if p.check is not None and not p.check(int(v)):
            raise ValueError(bad.format(p.allowed))
        return int(v)
    if p.type == "bool":
        if not isinstance(v, bool | np.bool_):
            raise TypeError(bad.format("True or False"))
        return bool(v)
    if p.type == "choice":
        if v not in p.choices:
            raise ValueError(bad.format("one of " + ", ".join(repr(c) for c in p.choices)))
        return v
    if p.type == "axis":
        if not isinstance(v, int | np.integer) or isinstance(v, bool):
            raise TypeError(bad.format("an int"))
        return int(v)
    if p.type == "seed":
        if v is None:
            return None
        if not isinstance(v, int | np.integer) or isinstance(v, bool) or v < 0:
            raise ValueError(bad.format("None or a non-negative int"))
        return int(v)
    if p.type == "generator":
        if v is None or isinstance(v, np.random.Generator) or type(v).__name__ == "Generator":
            return v
        raise TypeError(bad.format("None, a numpy.random.Generator or a torch.Generator"))
    raise AssertionError(f"unknown parameter type {p.type!r}")  # a spec bug, not user input


def _broadcasts(fname: str, pname: str, shape: tuple[int, ...], xshape: tuple[int, ...]) -> None:
    """An array parameter must broadcast against x without changing x's shape."""
    try:
        ok = np.broadcast_shapes(shape, xshape) == xshape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{fname}: {pname} has shape {shape}, which does not broadcast to x's shape {xshape} "
            f"(allowed: a scalar, or an array that broadcasts to x like shape {xshape[-1:]})"
        )


def _repr(v: Any) -> str:
    """A parameter as repr shows it: a NumPy array on one line (pau's coefficients)."""
    if isinstance(v, np.ndarray):
        text = np.array2string(v, separator=", ", max_line_width=10**9).replace("\n", "")
        return f"array({text})"
    return repr(v)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        va, vb = a[k], b[k]
        if aac.is_array_api_obj(va) or aac.is_array_api_obj(vb):
            if not np.array_equal(np.asarray(va), np.asarray(vb)):
                return False
        elif va != vb:
            return False
    return True
