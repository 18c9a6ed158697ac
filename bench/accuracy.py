"""Accuracy benchmark: the largest error, in ULPs of the exactly rounded value, of actlab,
PyTorch, JAX (where installed) and a textbook NumPy version, for every elementwise activation
(default parameters), forward and derivative, float32 and float64, over the oracle tables'
points (dense [-30, 30], log-spaced magnitudes, subnormals, ±inf). "inf" marks a wrong
inf/NaN (an overflow, or NaN where the limit exists).

Run: make bench  (or python bench/accuracy.py)
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np
from _textbook import TEXTBOOK  # bench/ is the script's directory: first on sys.path

import actlab
from actlab._catalog import specs
from actlab_oracle.accuracy import errors, load
from actlab_oracle.formulas import CASES
from actlab_oracle.grid import DTYPES

warnings.simplefilter("ignore")

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None
try:
    import jax

    jax.config.update("jax_enable_x64", True)
except ImportError:
    jax = None


def _callable(path: str) -> Any:
    mod, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(mod), attr)


def torch_pair(spec: Any) -> tuple[Any, Any] | None:
    peer = spec.peers.torch
    if (
        torch is None
        or peer is None
        or (
            peer.params
            and spec.name
            not in (
                "leaky_relu",
                "elu",
                "celu",
                "softplus",
                "gelu",
                "softshrink",
                "hardshrink",
                "threshold",
                "rrelu",
                "hardtanh",
                "prelu",
            )
        )
    ):
        return None
    fn = _callable(peer.name)
    bound = actlab.get(spec.name, **CASES[spec.name][0]).params
    kw = {}
    for ours, theirs in peer.params.items():
        if bound[ours] is None:  # actlab's exact mode: torch runs with its own default
            continue
        kw[theirs] = peer.values.get(ours, {}).get(bound[ours], bound[ours])

    def f(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(x)
        args = {
            k: (torch.tensor([v], dtype=t.dtype) if k in peer.tensors else v) for k, v in kw.items()
        }
        return fn(t, **args).numpy()

    def d(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(x).requires_grad_(True)
        args = {
            k: (torch.tensor([v], dtype=t.dtype) if k in peer.tensors else v) for k, v in kw.items()
        }
        fn(t, **args).sum().backward()
        return t.grad.numpy()

    return f, d


def jax_pair(spec: Any) -> tuple[Any, Any] | None:
    peer = spec.peers.jax
    if jax is None or peer is None or peer.params:
        return None
    fn = _callable(peer.name)
    grad = jax.vmap(jax.grad(fn))
    return (lambda x: np.asarray(fn(x)), lambda x: np.asarray(grad(x)))


def worst(got: np.ndarray, hi: np.ndarray, lo: np.ndarray, dt: Any) -> float:
    return float(np.max(errors(np.asarray(got, dtype=dt), hi, lo, dt)))


def main() -> None:
    rows = []
    for spec in specs():
        if spec.kind != "elementwise":
            continue
        params = CASES[spec.name][0]
        act = actlab.get(spec.name, **params)
        table = load(spec.name, params, [k for k, _ in act.kinks])
        impls = {
            "actlab": (act, act.derivative),
            "numpy": TEXTBOOK.get(spec.name),
            "torch": torch_pair(spec),
            "jax": jax_pair(spec),
        }
        for dtype in ("float32", "float64"):
            dt = DTYPES[dtype]
            sel = table["dtype"] == list(DTYPES).index(dtype)
            x = table["x"][sel].astype(dt)
            if dtype == "float64":  # the float64 bar is for |x| <= 30
                keep = np.abs(x) <= 30
                x = x[keep]
            else:
                keep = np.ones(x.shape, bool)
            cells = []
            for which in (0, 1):
                hi = table["fd"[which] + "_hi"][sel][keep]
                lo = table["fd"[which] + "_lo"][sel][keep]
                for name in ("actlab", "torch", "jax", "numpy"):
                    pair = impls[name]
                    if pair is None:
                        cells.append("—")
                        continue
                    try:
                        cells.append(f"{worst(pair[which](x), hi, lo, dt):.3g}")
                    except Exception as exc:  # a peer that cannot take this input
                        cells.append(type(exc).__name__[:8])
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
