"""Accuracy benchmark: the largest error, in ULPs of the exactly rounded value, of actlab,
PyTorch, JAX (where installed) and a textbook NumPy version, for every elementwise activation
(default parameters), forward and derivative, float32 and float64, over the oracle tables'
points (dense [-30, 30], log-spaced magnitudes, subnormals, ±inf). "inf" marks a wrong
inf/NaN (an overflow, or NaN where the limit exists).

Run: make bench  (or python bench/accuracy.py)
"""

from __future__ import annotations

import warnings

import numpy as np

from actlab._catalog import specs
from actlab_oracle.peers import max_ulps

warnings.simplefilter("ignore")

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None
try:
    import jax
except ImportError:
    jax = None


def main() -> None:
    rows = []
    for spec in specs():
        if spec.kind != "elementwise":
            continue
        ulps = max_ulps(spec.name)
        for dtype in ("float32", "float64"):
            cells = []
            for of in ("f", "f'"):
                row = next(r for r in ulps if r["dtype"] == dtype and r["of"] == of)
                for name in ("actlab", "torch", "jax", "numpy"):
                    v = row[name]
                    cells.append("—" if v is None else v[:8] if isinstance(v, str) else f"{v:.3g}")
            rows.append((spec.name, dtype, cells))
    head = (
        "function",
        "dtype",
        "f actlab",
        "f torch",
        "f jax",
        "f numpy",
        "f' actlab",
        "f' torch",
        "f' jax",
        "f' numpy",
    )
    print(
        "Max error in ULPs against mpmath (float64: |x| <= 30; float32: all points incl. "
        "±inf, subnormals, |x| up to 3.4e38)"
    )
    print(
        f"torch {torch.__version__ if torch else 'not installed'}, "
        f"jax {jax.__version__ if jax else 'not installed'}, numpy {np.__version__}"
    )
    print(" | ".join(f"{h:>9}" for h in head))
    for name, dtype, cells in rows:
        print(" | ".join(f"{c:>9}" for c in (name[:9], dtype, *cells)))


if __name__ == "__main__":
    main()
