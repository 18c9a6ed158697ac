"""The accuracy comparison, defined once: the largest error in ULPs of the exactly rounded value
(the oracle tables, ``accuracy.errors``) of actlab, PyTorch, JAX (where installed) and a
textbook NumPy version, for an elementwise activation at its first oracle case, f and f',
float32 (every table point: ±inf, subnormals, |x| up to the dtype's max) and float64 (|x| ≤ 30).
``bench/accuracy.py`` prints it for the catalog; the explorer's card shows one row set."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np

from actlab_oracle.accuracy import errors, load
from actlab_oracle.formulas import CASES
from actlab_oracle.grid import DTYPES
from actlab_oracle.textbook import TEXTBOOK

PEERS = ("actlab", "torch", "jax", "numpy")
#: the torch peers whose parameters map onto torch's keywords one to one (the others take
#: parameters torch spells as tensors or not at all, or only at their defaults)
TORCH_MAPPED = (
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


def _callable(path: str) -> Any:
    mod, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(mod), attr)


def _torch() -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return None
    return torch


def _jax() -> Any:
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def torch_pair(spec: Any) -> tuple[Any, Any] | None:
    """PyTorch's function and its autograd derivative on NumPy arrays, at the first oracle
    case's parameters (None: no torch, no peer, or parameters that do not map)."""
    import actlab

    torch = _torch()
    peer = spec.peers.torch
    if torch is None or peer is None or (peer.params and spec.name not in TORCH_MAPPED):
        return None
    fn = _callable(peer.name)
    bound = actlab.get(spec.name, **CASES[spec.name][0]).params
    kw = {}
    for ours, theirs in peer.params.items():
        if bound[ours] is None:  # actlab's exact mode: torch runs with its own default
            continue
        kw[theirs] = peer.values.get(ours, {}).get(bound[ours], bound[ours])

    def args(t: Any) -> dict[str, Any]:
        return {
            k: (torch.tensor([v], dtype=t.dtype) if k in peer.tensors else v) for k, v in kw.items()
        }

    def f(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(x)
        return np.asarray(fn(t, **args(t)).detach().numpy())

    def d(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(x).requires_grad_(True)
        fn(t, **args(t)).sum().backward()
        return np.asarray(t.grad.numpy())

    return f, d


def jax_pair(spec: Any) -> tuple[Any, Any] | None:
    """JAX's function and its autograd derivative (None: no JAX, no peer, or parameters)."""
    jax = _jax()
    peer = spec.peers.jax
    if jax is None or peer is None or peer.params:
        return None
    fn = _callable(peer.name)
    grad = jax.vmap(jax.grad(fn))
    return (lambda x: np.asarray(fn(x)), lambda x: np.asarray(grad(x)))


def worst(got: np.ndarray, hi: np.ndarray, lo: np.ndarray, dt: Any) -> float:
    return float(np.max(errors(np.asarray(got, dtype=dt), hi, lo, dt)))


def max_ulps(name: str) -> list[dict[str, Any]]:
    """Per dtype (float32, float64) and function (f, f'): the largest error in ULPs of each
    implementation over the oracle table's points — a float, None where the peer has no such
    function (or is not installed), or the name of the error a peer raised on these inputs.

    >>> rows = max_ulps("relu")
    >>> [(r["dtype"], r["of"], r["actlab"]) for r in rows][:2]
    [('float32', 'f', 0.0), ('float32', "f'", 0.0)]
    """
    import actlab

    spec = actlab.resolve(name)
    if spec.kind != "elementwise":
        raise ValueError(
            f"accuracy: {spec.name} is a {spec.kind} activation; the oracle "
            "tables cover elementwise activations"
        )
    params = CASES[spec.name][0]
    act = actlab.get(spec.name, **params)
    table = load(spec.name, params, [k for k, _ in act.kinks])
    impls = {
        "actlab": (act, act.derivative),
        "torch": torch_pair(spec),
        "jax": jax_pair(spec),
        "numpy": TEXTBOOK.get(spec.name),
    }
    rows = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # the textbook forms overflow on purpose
        for dtype in ("float32", "float64"):
            dt = DTYPES[dtype]
            sel = table["dtype"] == list(DTYPES).index(dtype)
            x = table["x"][sel].astype(dt)
            keep = np.abs(x) <= 30 if dtype == "float64" else np.ones(x.shape, bool)
            x = x[keep]
            for which, label in ((0, "f"), (1, "f'")):
                hi = table["fd"[which] + "_hi"][sel][keep]
                lo = table["fd"[which] + "_lo"][sel][keep]
                row: dict[str, Any] = {"dtype": dtype, "of": label, "params": dict(params)}
                for peer in PEERS:
                    pair = impls[peer]
                    if pair is None:
                        row[peer] = None
                        continue
                    try:
                        row[peer] = worst(pair[which](x), hi, lo, dt)
                    except Exception as exc:  # a peer that cannot take this input
                        row[peer] = type(exc).__name__
                rows.append(row)
    return rows
