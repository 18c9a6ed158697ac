"""Exhaustive float32 accuracy: every one of the 2³² float32 inputs through actlab's fused
kernel, PyTorch's float32 kernel and the textbook NumPy formula in float32, each against the
correctly rounded value (the catalog's float64 result rounded once to float32; the catalog is
held to mpmath by the oracle tests; where that float64 result is exactly halfway between two
float32s, either neighbour counts as right, and the "float64 ties" column counts those
inputs). Per implementation: the largest error in ULPs and the
share of inputs not correctly rounded (NaN in both counts as right; NaN or a finite value where
the other is not counts as "inf"). Minutes per function on one core; not part of the tests
(tests/test_kernels.py checks a random sample of bit patterns on every run).

Run: python bench/exhaustive.py NAME [NAME ...] [--derivative] [--every K] [--param P=V ...]
(--every K: every K-th bit pattern only, for a quick look; the README table uses K = 1;
--param approximate=tanh: parameters other than the defaults, for which the NumPy textbook
column is left out, as its formulas are the defaults'.)
"""

from __future__ import annotations

import importlib
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import actlab
from actlab import _kernels
from actlab._kernels._forms import FORMS
from actlab_oracle.textbook import TEXTBOOK

warnings.simplefilter("ignore")
torch.set_num_threads(1)

CHUNK = 1 << 22  # 4M inputs per step: 16 MB of float32, 32 MB of float64 reference


def line(a: np.ndarray) -> np.ndarray:
    """float32 bit patterns on the ordered integer line (−0 and +0 meet)."""
    i = a.view(np.int32).astype(np.int64)
    return np.where(i < 0, -(2**31) - i, i)


def ulp_errors(y: np.ndarray, ref: np.ndarray, other: np.ndarray) -> np.ndarray:
    """ULP distance from y to the correctly rounded value, at the inputs where y and ref
    differ bitwise (the rest are 0). ``other`` is ref's other neighbour where the float64
    reference is exactly a float32 midpoint (float64 cannot tell which neighbour the true
    value rounds to, so either counts as right), else ref itself."""
    differ = np.flatnonzero(y.view(np.int32) != ref.view(np.int32))
    y, ref, other = y[differ], ref[differ], other[differ]
    d = np.minimum(np.abs(line(y) - line(ref)), np.abs(line(y) - line(other)))
    ny, nr = np.isnan(y), np.isnan(ref)
    d[ny & nr] = 0
    d[ny ^ nr] = 2**40
    return d


def reference(
    ref_fn: Callable[[torch.Tensor], torch.Tensor], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The catalog's float64 value rounded once to float32, and (``ulp_errors``' ``other``)
    the other float32 neighbour where that float64 value is exactly halfway between two
    float32s — e.g. gelu, silu and hard_swish of a subnormal x, which are x/2 to float64
    precision: the true value lies just off the midpoint, on a side float64 cannot see."""
    r64 = ref_fn(torch.from_numpy(x.astype(np.float64))).numpy()
    ref = r64.astype(np.float32)
    up = np.nextafter(ref, np.float32(np.inf))
    down = np.nextafter(ref, np.float32(-np.inf))
    beside = np.where(r64 > ref, up, down)
    tie = np.isfinite(ref) & (r64 != ref) & ((ref + beside.astype(np.float64)) * 0.5 == r64)
    return ref, np.where(tie, beside, ref)


def implementations(
    name: str, derivative: bool, params: dict[str, Any] | None = None
) -> dict[str, Callable[[np.ndarray], np.ndarray] | None]:
    act = actlab.get(name, **(params or {}))
    k = _kernels.Kernel(act)
    spec = act.spec
    peer = spec.peers.torch
    tfn: Callable[[np.ndarray], np.ndarray] | None = None
    if peer is not None:
        mod, _, attr = peer.name.rpartition(".")
        fn = getattr(importlib.import_module(mod), attr)
        kw = dict(peer.fixed)
        for ours, theirs in peer.params.items():
            v = act.params[ours]
            if v is not None:
                kw[theirs] = peer.values.get(ours, {}).get(v, v)

        def tfn(x: np.ndarray) -> np.ndarray:
            t = torch.from_numpy(x)
            if not derivative:
                with torch.no_grad():
                    return fn(t, **kw).numpy()
            t.requires_grad_(True)
            (g,) = torch.autograd.grad(fn(t, **kw).sum(), t)
            return g.numpy()

    tb = None if params else TEXTBOOK.get(name)  # the textbook formulas are the defaults
    nfn = None if tb is None else tb[1 if derivative else 0]

    def kfn(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(x)
        out = k.vjp(t, torch.ones_like(t)) if derivative else k.forward(t)
        return out.numpy()

    return {"actlab": kfn, "torch": tfn, "numpy": nfn}


def run(name: str, derivative: bool, every: int, params: dict[str, Any]) -> None:
    act = actlab.get(name, **params)
    ref_fn = act.derivative if derivative else act
    impls = implementations(name, derivative, params)
    worst = {k: 0 for k in impls}
    wrong = {k: 0 for k in impls}
    total = ties = 0
    t0 = time.perf_counter()
    span = CHUNK * every
    for start in range(0, 1 << 32, span):
        bits = np.arange(start, min(start + span, 1 << 32), every, dtype=np.uint32)
        x = bits.view(np.float32)
        with np.errstate(all="ignore"):
            ref, other = reference(ref_fn, x)
            ties += int(np.count_nonzero(other.view(np.int32) != ref.view(np.int32)))
            for key, fn in impls.items():
                if fn is None:
                    continue
                y = np.asarray(fn(x)).astype(np.float32)
                e = ulp_errors(y, ref, other)
                worst[key] = max(worst[key], int(e.max(initial=0)))
                wrong[key] += int(np.count_nonzero(e))
        total += x.size
    cells = []
    for key in impls:
        if impls[key] is None:
            cells.append("—")
            continue
        w = "inf" if worst[key] >= 2**40 else str(worst[key])
        cells.append(f"{w} ULP, {100 * wrong[key] / total:.4g}%")
    what = name + "".join(f" ({k}={v})" for k, v in params.items()) + ("'" if derivative else "")
    print(
        f"| {what} | {' | '.join(cells)} | {total:,} | {ties:,} | "
        f"{time.perf_counter() - t0:.0f} s |",
        flush=True,
    )


def main() -> None:
    args = sys.argv[1:]
    every, params = 1, {}
    while "--every" in args or "--param" in args:
        i = args.index("--every" if "--every" in args else "--param")
        if i + 1 >= len(args):
            raise SystemExit(f"exhaustive: {args[i]} needs a value")
        if args[i] == "--every":
            every = int(args[i + 1])
        else:
            key, eq, value = args[i + 1].partition("=")
            if not eq:
                raise SystemExit(f"exhaustive: --param takes NAME=VALUE, got {args[i + 1]!r}")
            params[key] = _value(value)
        del args[i : i + 2]
    derivative = "--derivative" in args
    names = [a for a in args if not a.startswith("--")]
    if not names:
        raise SystemExit("exhaustive: name one or more activations with a fused kernel")
    for n in names:
        if not _kernels.supported(actlab.get(n).name):
            raise SystemExit(f"exhaustive: {n} has no fused kernel; these do: {', '.join(FORMS)}")
    print(
        "| function | actlab (max, % not correctly rounded) | torch float32 | NumPy float32 "
        "textbook | inputs | float64 ties | time |"
    )
    print("|---|---|---|---|---|---|---|")
    for n in names:
        run(actlab.get(n).name, derivative, every, params)


def _value(text: str) -> Any:
    """A --param value: a number where it reads as one, else the string (approximate=tanh)."""
    try:
        return float(text)
    except ValueError:
        return text


if __name__ == "__main__":
    main()
