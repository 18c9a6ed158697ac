"""f' next to its roots, by Taylor series: no cancellation.

Near a root x0 of f', f' = a − b with a ≈ b loses all relative accuracy (~500 ULP for gelu at
x = −0.75). There f' is evaluated as its Taylor series in d = x − x0, with x0 a double-double.
The series live in the generated ``_root_series.py`` (tools/root_series.py writes it from the
oracle's mpmath derivatives), keyed by spec name and case.
"""

from __future__ import annotations

from types import ModuleType

import array_api_compat as aac
import numpy as np

from ._root_series import ROOT_SERIES
from ._xp import Array, const, is_meta


def near_root(
    xp: ModuleType, t: Array, t_lo: Array | float, name: str, general: Array, case: str = ""
) -> Array:
    """f' from the series of spec ``name`` (``case``) where t + t_lo is within its radius of
    the root, else ``general``."""
    hi, lo, radius, coeffs = ROOT_SERIES[name][case]
    d = (t - hi) + (t_lo - lo)
    inside = xp.abs(d) < radius
    if (isinstance(general, np.ndarray) or aac.is_torch_array(general)) and not is_meta(general):
        # evaluate the series only where it is used (boolean indexing, then scatter back)
        if not bool(xp.any(inside)):
            return general
        ds = d[inside]
        acc = xp.zeros_like(ds)
        for c in reversed(coeffs):
            acc = acc * ds + c
        out = general.clone() if aac.is_torch_array(general) else general.copy()
        out[inside] = acc * ds
        return out
    dc = xp.where(inside, d, const(xp, t, 0.0))  # namespaces without item assignment (JAX)
    acc = xp.zeros_like(t)
    for c in reversed(coeffs):
        acc = acc * dc + c
    return xp.where(inside, acc * dc, general)
