"""Throughput benchmark: elements per second of forward and derivative on 10^7 float32 values,
for actlab (NumPy arrays and torch tensors), PyTorch (1 thread; derivative = autograd's
backward) and the textbook NumPy formula, with the machine's memory-copy rate as the ceiling.
Every figure comes from this one run; ratios are against PyTorch measured here.

Run: make bench  (or python bench/throughput.py [N] [NAME ...])
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _textbook import TEXTBOOK  # noqa: E402

from actlab._catalog import specs  # noqa: E402

warnings.simplefilter("ignore")

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    torch = None


def best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def torch_fns(spec: Any, x: np.ndarray) -> tuple[Callable[[], Any], Callable[[], Any]] | None:
    peer = spec.peers.torch
    if torch is None or peer is None:
        return None
    mod, _, attr = peer.name.rpartition(".")
    fn = getattr(importlib.import_module(mod), attr)
    bound = spec.example_activation().params
    kw = {}
    for ours, theirs in peer.params.items():
        if bound[ours] is None:  # actlab's exact mode: torch runs with its own default
            continue
        v = peer.values.get(ours, {}).get(bound[ours], bound[ours])
        kw[theirs] = torch.tensor([v]) if theirs in peer.tensors else v
    t = torch.from_numpy(x)
    tg = t.clone().requires_grad_(True)
    y = fn(tg, **kw)
    ones = torch.ones_like(y)
    return (lambda: fn(t, **kw)), (lambda: torch.autograd.grad(y, tg, ones, retain_graph=True))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000_000
    only = [a for a in sys.argv[1:] if not a.isdigit()]
    x = np.random.default_rng(0).normal(0, 3, n).astype(np.float32)
    dst = np.empty_like(x)
    copy = n / best(lambda: np.copyto(dst, x), 5)
    print(
        f"{n:.0e} float32 values, 1 thread; memory copy: {copy / 1e9:.2f} G elements/s "
        f"({copy * 8 / 1e9:.1f} GB/s read+write) — the ceiling for any elementwise op"
    )
    print(f"torch {torch.__version__ if torch else 'not installed'}, numpy {np.__version__}")
    print(
        f"{'function':15} {'actlab f':>9} {'torch f':>9} {'numpy f':>9} {'ratio f':>8}   "
        f"{'actlab df':>9} {'torch df':>9} {'numpy df':>9} {'ratio df':>8}  (M elements/s; "
        "ratio = actlab/torch)"
    )
    for spec in specs():
        if spec.kind != "elementwise" or (only and spec.name not in only):
            continue
        act = spec.example_activation()
        rate = {}
        rate["af"] = n / best(lambda a=act: a(x), 2)
        rate["ad"] = n / best(lambda a=act: a.derivative(x), 2)
        tf = torch_fns(spec, x)
        rate["tf"] = n / best(tf[0]) if tf else float("nan")
        rate["td"] = n / best(tf[1]) if tf else float("nan")
        tb = TEXTBOOK.get(spec.name)
        with np.errstate(all="ignore"):
            rate["nf"] = n / best(lambda t=tb: t[0](x)) if tb else float("nan")
            rate["nd"] = n / best(lambda t=tb: t[1](x)) if tb else float("nan")
        m = {k: v / 1e6 for k, v in rate.items()}
        print(
            f"{spec.name:15} {m['af']:9.1f} {m['tf']:9.1f} {m['nf']:9.1f} "
            f"{m['af'] / m['tf']:8.3f}   {m['ad']:9.1f} {m['td']:9.1f} {m['nd']:9.1f} "
            f"{m['ad'] / m['td']:8.3f}"
        )


if __name__ == "__main__":
    main()
