"""Estrin's scheme: a polynomial's value with a dependency chain of log₂(degree) products.

Horner's rule is one long chain of dependent multiply-adds; compiled for SIMD its cost is
the chain's latency, not the arithmetic (a degree-16 Horner ran 1.4× slower than this in the
gelu kernel, measured in the README's "Fused kernels"). Works on anything with + and *
(a torch tensor inside a compiled kernel, a NumPy array in ``tools/kernel_polys.py``), so the
fit is verified with the very order of operations the kernel runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def estrin(v: Any, coeffs: Sequence[float]) -> Any:
    """Σ coeffs[k]·v**k, lowest degree first."""
    if len(coeffs) == 1:
        return coeffs[0] + 0.0 * v
    # an odd one out stays a plain number: it meets a power of v at a later level
    terms: list[Any] = [
        coeffs[i] + coeffs[i + 1] * v if i + 1 < len(coeffs) else coeffs[i]
        for i in range(0, len(coeffs), 2)
    ]
    power = v * v
    while len(terms) > 1:
        terms = [
            terms[i] + terms[i + 1] * power if i + 1 < len(terms) else terms[i]
            for i in range(0, len(terms), 2)
        ]
        if len(terms) > 1:
            power = power * power
    return terms[0]
