"""Array-namespace plumbing: the dtype policy, the special-function shim, and stable primitives.

Every spec's forward and derivative is written once against ``xp``, the array namespace of its
input (``array_api_compat.array_namespace``), so NumPy arrays give NumPy arrays and torch tensors
give torch tensors. The helpers here are the only place a shared numerical building block
(a stable sigmoid, an exact ``exp(-x²)``, a double-double product) is written down.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import array_api_compat as aac
import numpy as np

Array = Any  # any array-API array: numpy.ndarray, torch.Tensor, ...

F64_MAX = float(np.finfo(np.float64).max)
LOG_F64_MAX = math.log(F64_MAX)  # exp(x) overflows above this


# ----------------------------------------------------------------------------- input policy


class Prepared:
    """An input made ready for computation: namespace, wide copy, and how to hand results back."""

    __slots__ = ("out_dtype", "scalar", "wrap", "x", "xp")

    def __init__(
        self, xp: ModuleType, x: Array, out_dtype: Any, scalar: bool, wrap: Any = None
    ) -> None:
        self.xp, self.x, self.out_dtype, self.scalar = xp, x, out_dtype, scalar
        #: a NumPy subclass to hand back: a masked array's mask, or the subclass (np.matrix)
        self.wrap = wrap

    def finish(self, y: Array) -> Array:
        """Round a wide result to the input's dtype (a Python scalar in gives a NumPy scalar;
        a masked array gives a masked array with the input's mask, np.matrix a matrix)."""
        y = self.xp.astype(y, self.out_dtype)
        if self.scalar:
            return y[()]
        if self.wrap is not None and isinstance(y, np.ndarray):
            if isinstance(self.wrap, np.ndarray):  # a mask: kept where the shape is x's
                return np.ma.masked_array(y, mask=self.wrap) if y.shape == self.wrap.shape else y
            if self.wrap is not np.matrix or y.ndim == 2:
                return y.view(self.wrap)
        return y


def _is_array(x: Any) -> bool:
    return aac.is_array_api_obj(x) and not isinstance(x, np.generic)


def prepare(x: Any, fname: str, pname: str = "x", native: bool = False) -> Prepared:
    """Apply the dtype policy of DESIGN.md to one input.

    Floating inputs keep their dtype for the output; float16/bfloat16/float32 are computed in
    float64 and rounded once (which is what makes them correctly rounded to within 1 ULP).
    ``native=True`` (torch modules' precision="native") computes in the input's own dtype
    (float16/bfloat16 in float32): the same stable forms, a few ULP, faster.
    Integers and bools are promoted to the default float; complex input is a TypeError.
    """
    scalar = False
    wrap: Any = None
    if isinstance(x, np.ndarray) and type(x) is not np.ndarray:  # a subclass: keep it for finish
        if isinstance(x, np.ma.MaskedArray):
            wrap, x = np.ma.getmaskarray(x).copy(), np.ma.getdata(x)
        else:
            wrap, x = type(x), np.asarray(x)
    if not _is_array(x):
        if isinstance(x, complex | np.complexfloating):
            raise TypeError(f"{fname}: {pname} must be real, got complex value {x!r}")
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as exc:
            raise TypeError(
                f"{fname}: {pname} must be an array or a (nested list of) real numbers, "
                f"got {type(x).__name__}: {exc}"
            ) from None
        scalar = arr.ndim == 0
        x = arr
    xp = aac.array_namespace(x)
    dtype = x.dtype
    if _is_numpy(xp) and dtype.kind == "c":
        raise TypeError(f"{fname}: {pname} must be real, got complex dtype {dtype}")
    if _is_numpy(xp) and dtype.kind not in "biuf":
        raise TypeError(
            f"{fname}: {pname} must have a real floating, integer or bool dtype, got {dtype}"
        )
    if xp.isdtype(dtype, "complex floating"):
        raise TypeError(f"{fname}: {pname} must be real, got complex dtype {dtype}")
    if xp.isdtype(dtype, "real floating"):
        out_dtype = dtype
    elif xp.isdtype(dtype, ("integral", "bool")):
        out_dtype = _default_float(xp, x)
    else:
        raise TypeError(f"{fname}: {pname} must have a real dtype, got {dtype}")
    if native and xp.isdtype(out_dtype, "real floating"):
        compute = out_dtype if out_dtype in (xp.float32, xp.float64) else xp.float32
    else:
        compute = wide_dtype(xp, x)
    return Prepared(xp, xp.astype(x, compute), out_dtype, scalar, wrap)


def as_like(xp: ModuleType, value: Any, like: Array, fname: str, pname: str) -> Array:
    """Bring a second array argument (a cotangent, a mask, an array parameter) next to ``like``."""
    if isinstance(value, complex | np.complexfloating):
        raise TypeError(f"{fname}: {pname} must be real, got complex value {value!r}")
    if _is_array(value):
        vxp = aac.array_namespace(value)
        if vxp is not xp and not (_is_numpy(vxp) and _is_numpy(xp)):
            raise TypeError(
                f"{fname}: {pname} is a {type(value).__module__} array but x is a "
                f"{type(like).__module__} array; pass both from the same library"
            )
        if xp.isdtype(value.dtype, "complex floating"):
            raise TypeError(f"{fname}: {pname} must be real, got complex dtype {value.dtype}")
        return xp.astype(value, like.dtype)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise TypeError(
            f"{fname}: {pname} must be an array or real numbers, got {type(value).__name__}"
        ) from None
    return xp.asarray(arr, dtype=like.dtype, device=aac.device(like))


def _is_numpy(xp: ModuleType) -> bool:
    return aac.is_numpy_namespace(xp)


def _default_float(xp: ModuleType, x: Array) -> Any:
    if aac.is_torch_namespace(xp):
        import torch

        return torch.get_default_dtype()
    return xp.float64


def wide_dtype(xp: ModuleType, x: Array) -> Any:
    """float64, except on a device that has none (Apple MPS), where float32 is the widest."""
    device = getattr(x, "device", None)
    if aac.is_torch_namespace(xp) and getattr(device, "type", None) == "mps":
        return xp.float32
    return xp.float64


# ----------------------------------------------------------------------------- special functions

_SPECIAL_NAMES = ("erf", "erfc", "erfcx")


def special(xp: ModuleType, name: str) -> Callable[[Array], Array]:
    """erf, erfc, erfcx for namespaces whose standard lacks them (NumPy via SciPy, torch, JAX)."""
    if name not in _SPECIAL_NAMES:
        raise ValueError(f"special: unknown function {name!r}; available: {_SPECIAL_NAMES}")
    if _is_numpy(xp):
        import scipy.special as sps

        fn: Callable[[Array], Array] = getattr(sps, name)
        return fn
    if aac.is_torch_namespace(xp):
        import torch

        fn = getattr(torch.special, name)
        return fn
    if aac.is_jax_namespace(xp):
        import jax.scipy.special as jsp

        if hasattr(jsp, name):
            fn = getattr(jsp, name)
            return fn
    raise TypeError(
        f"actlab: {name} is not in the array API standard and has no shim for "
        f"{getattr(xp, '__name__', xp)}; use NumPy, torch or JAX arrays for this activation"
    )


# ----------------------------------------------------------------------------- random draws


def draw(xp: ModuleType, x: Array, p: Mapping[str, Any], dist: str, fname: str = "") -> Array:
    """Noise shaped like x from the spec's seed or generator: "uniform" on [0, 1) or "gumbel".

    A torch.Generator draws with torch; a seed or a numpy Generator draws with NumPy, so the
    same seed gives the same noise on NumPy arrays and torch tensors. With neither, a torch
    tensor draws from torch's global generator (as torch.nn.functional does); a NumPy array
    needs one (there is no global NumPy generator to be reproducible from).
    """
    gen = p.get("generator")
    if gen is None and p.get("seed") is None:
        if not aac.is_torch_array(x):
            raise ValueError(
                f"{fname}: draws random noise; pass seed=<int> or "
                f"generator=<numpy.random.Generator | torch.Generator> (on torch tensors, "
                f"torch's global generator is used when neither is given)"
            )
        import torch

        gen = torch.default_generator
    if gen is not None and not isinstance(gen, np.random.Generator):
        import torch

        # draw on the generator's device (torch.default_generator is a CPU one), then move
        t = torch.empty(tuple(x.shape), dtype=torch.float64, device=gen.device)
        t = (
            t.uniform_(0.0, 1.0, generator=gen)
            if dist == "uniform"
            else -torch.log(t.exponential_(generator=gen))
        )
        return t.to(x.device)
    rng = gen if gen is not None else np.random.default_rng(p.get("seed"))
    shape = tuple(x.shape)
    arr = rng.random(shape) if dist == "uniform" else -np.log(rng.standard_exponential(shape))
    return xp.asarray(np.asarray(arr, dtype=np.float64), device=aac.device(x))


# ----------------------------------------------------------------------------- small helpers


def is_meta(x: Any) -> bool:
    """A torch tensor without data (device "meta"): shapes only, nothing to inspect."""
    return aac.is_torch_array(x) and x.device.type == "meta"


def may_any(xp: ModuleType, m: Array) -> bool:
    """Whether any entry of m is true, for skipping work: True where it cannot be looked at."""
    return True if is_meta(m) else bool(xp.any(m))


def const(xp: ModuleType, x: Array, value: float) -> Array:
    """A 0-d constant in x's dtype and device, for ``where`` branches."""
    return xp.asarray(value, dtype=x.dtype, device=aac.device(x))


def finite(xp: ModuleType, x: Array, fill: float = 0.0) -> Array:
    """x with ±inf replaced by ``fill`` (NaN kept), so a formula never meets inf − inf or 0·inf."""
    return xp.where(xp.isinf(x), const(xp, x, fill), x)


def at_inf(xp: ModuleType, x: Array, y: Array, neg: float, pos: float) -> Array:
    """Put the limits f(−inf) = neg and f(+inf) = pos into y."""
    y = xp.where(x == math.inf, const(xp, x, pos), y)
    return xp.where(x == -math.inf, const(xp, x, neg), y)


def keep_nan(xp: ModuleType, x: Array, y: Array) -> Array:
    """NaN in gives NaN out, also for piecewise forms whose comparisons drop NaN."""
    return xp.where(xp.isnan(x), x, y)


def mul_nan_safe(xp: ModuleType, a: Array, b: Array) -> Array:
    """a·b where 0·(±inf) is NaN (it has no limit) without NumPy's invalid-value warning."""
    bad = (xp.isinf(a) & (b == 0)) | ((a == 0) & xp.isinf(b))
    one = const(xp, a, 1.0)
    y = xp.where(bad, one, a) * xp.where(bad, one, b)
    return xp.where(bad, const(xp, a, math.nan), y)


def mul_zero_safe(xp: ModuleType, s: Array | float, x: Array) -> Array:
    """s·x where s is an exact parameter: 0·(±inf) is taken as 0 (the limit of s·x as s → 0)."""
    if isinstance(s, int | float):
        if s == 0:
            return xp.where(xp.isnan(x), x, const(xp, x, 0.0))
        return s * x
    xf = finite(xp, x)
    y = s * xf
    inf_part = xp.where(s == 0, const(xp, x, 0.0), s * xp.sign(x) * math.inf)
    return xp.where(xp.isinf(x), inf_part, y)


# ----------------------------------------------------------------------------- double-double
# Dekker's error-free transformations. They let a few ill-conditioned arguments (x², √(2/π)·x,
# x − max) be carried to ~106 bits, so exp and friends see the argument the formula means.

_SPLITTER = 134217729.0  # 2**27 + 1
_SPLIT_SAFE = 1e150  # |a| above this would overflow the splitter; callers clamp first


def two_sum(a: Array, b: Array) -> tuple[Array, Array]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: Array) -> tuple[Array, Array]:
    t = _SPLITTER * a
    hi = t - (t - a)
    return hi, a - hi


def two_prod(a: Array, b: Array | float) -> tuple[Array, Array]:
    """a·b = p + e exactly (for |a|, |b| ≤ 1e150 and no underflow)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b) if not isinstance(b, float) else _split_float(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _split_float(b: float) -> tuple[float, float]:
    if abs(b) > 1e300:  # the splitter would overflow: split b·2^-600, scale back (both exact)
        hi, lo = _split_float(b * 2.0**-600)
        return hi * 2.0**600, lo * 2.0**600
    t = _SPLITTER * b
    hi = t - (t - b)
    return hi, b - hi


def dd_mul_const(xp: ModuleType, x: Array, c_hi: float, c_lo: float) -> tuple[Array, Array]:
    """x·(c_hi + c_lo) as a double-double, for |x| ≤ 1e150."""
    p, e = two_prod(x, c_hi)
    return two_sum(p, e + x * c_lo)


def clamp_abs(xp: ModuleType, x: Array, bound: float) -> Array:
    return xp.clip(x, -bound, bound)


# ----------------------------------------------------------------------------- stable primitives


def exp_neg_sq(xp: ModuleType, x: Array, half: bool = False, scale: Array | None = None) -> Array:
    """scale·exp(−x²) (or scale·exp(−x²/2)) good to ~1 ULP, x² carried exactly.

    A naive exp(-x*x) loses |x²|·ε relatively: ~500 ULP at x = 26. Where the result is
    subnormal it is formed as (scale·a)·a with a = exp(−x²/2), so it is rounded once, not twice.
    """
    xc = clamp_abs(xp, xp.where(xp.isnan(x), const(xp, x, 0.0), x), 40.0)
    h, lo = two_prod(xc, xc)  # x² = h + lo exactly
    if half:
        h, lo = 0.5 * h, 0.5 * lo
    far = xp.abs(x) > 40.0
    if scale is not None:
        scale = xp.where(far | xp.isinf(scale), const(xp, x, 0.0), scale)
    s = (1.0 - lo) if scale is None else scale * (1.0 - lo)
    a = xp.exp(-0.5 * h)
    y = xp.where(h > 700.0, (s * a) * a, s * xp.exp(-h))
    y = xp.where(far, const(xp, x, 0.0), y)
    return keep_nan(xp, x, y)


def sigmoid(xp: ModuleType, x: Array) -> Array:
    """σ(x) with exp of a non-positive argument only: 1/(1+e^−x) for x ≥ 0, e^x/(1+e^x) below."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_dd(xp: ModuleType, h: Array, lo: Array, scale: Array | float = 1.0) -> Array:
    """scale·σ(h + lo) for a double-double argument: scale·σ(h)·(1 + lo·σ(−h)).

    Where σ(h) is subnormal (h < −700) it is formed as ((s·a)/(1 + e))·a with a = e^(h/2), so
    the tiny result is rounded once.
    """
    lo = xp.where(xp.abs(h) < 800.0, lo, const(xp, h, 0.0))  # beyond, σ is 0 or 1 anyway
    s = scale * (1.0 + lo * sigmoid(xp, -h))
    y = s * sigmoid(xp, h)
    deep = h < -700.0
    if not may_any(xp, deep):
        return y
    hn = xp.minimum(h, const(xp, h, 0.0))
    a = xp.exp(0.5 * hn)
    tiny = ((s * a) / (1.0 + xp.exp(hn))) * a
    return xp.where(deep, tiny, y)


def dsigmoid(xp: ModuleType, x: Array) -> Array:
    """σ'(x) = σ(x)σ(−x) = e/(1+e)² with e = exp(−|x|); no cancellation anywhere."""
    e = xp.exp(-xp.abs(x))
    r = 1.0 / (1.0 + e)
    return e * r * r


def ndtr(xp: ModuleType, x: Array, scale: Array | None = None) -> Array:
    """scale·Φ(x), Φ the standard normal CDF, accurate in the far left tail.

    Φ(x) = ½·erfc(−x/√2); for x < −1 it is ½·erfcx(−x/√2)·exp(−x²/2), which keeps the argument
    of the exponential exact (erfc(−x/√2) would see a rounded x/√2: ~900 ULP at x = −30).
    """
    erfc, erfcx = special(xp, "erfc"), special(xp, "erfcx")
    t = -x * SQRT1_2
    s = 0.5 if scale is None else 0.5 * scale
    left = exp_neg_sq(xp, x, half=True, scale=s * erfcx(xp.abs(t)))
    # for x ≥ −1, erfc's argument is at most 1/√2 and its rounding does not matter
    near = s * erfc(xp.minimum(t, const(xp, x, SQRT1_2)))
    return xp.where(x < -1.0, left, near)


def npdf(xp: ModuleType, x: Array) -> Array:
    """φ(x) = exp(−x²/2)/√(2π)."""
    return exp_neg_sq(xp, x, half=True) * INV_SQRT_2PI


def hypot(xp: ModuleType, a: Array, b: Array | float) -> Array:
    if not hasattr(xp, "hypot"):  # older array-API namespaces
        m = xp.maximum(xp.abs(a), xp.abs(b))
        ms = xp.where(m == 0, const(xp, a, 1.0), m)
        return ms * xp.sqrt((a / ms) ** 2 + (b / ms) ** 2) * (m != 0)
    if isinstance(b, float):
        b = const(xp, a, b)
    return xp.hypot(a, b)


SQRT1_2 = 0.7071067811865476  # 1/√2
INV_SQRT_2PI = 0.3989422804014327  # 1/√(2π)
