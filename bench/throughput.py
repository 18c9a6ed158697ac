"""Throughput benchmark: elements per second of forward and derivative on 10^7 float32 values,
1 thread, every figure from this one run (ratios are against PyTorch measured here).

First table — actlab.torch's default path (the fused kernels, exact) against PyTorch's own
kernels: forward (no autograd), derivative (the backward pass: autograd's g·f'(x) from a kept
graph), and a module's forward+backward (actlab's drop-in class against torch.nn's), and for
the piecewise-linear kernels the forward's share of the machine's copy bandwidth: "copy" into an
existing buffer (np.copyto), and "clone" — an allocating copy (``x.clone()``), which pays what
every out-of-place op pays for a fresh output (its first-touch page faults; see
``actlab._kernels._memory``).
Second table (``--numpy``) — the catalog on NumPy arrays against the textbook NumPy formula.

Run: make bench  (or python bench/throughput.py [N] [--numpy] [NAME ...])
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

from actlab._catalog import specs  # noqa: E402
from actlab_oracle.textbook import TEXTBOOK  # noqa: E402

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


def pair(a: Callable[[], Any], b: Callable[[], Any], repeat: int = 5) -> tuple[float, float]:
    """The best time of a and of b, taken in turns (a, b, a, b, ...): on a machine shared with
    other work, a load that changes during the run then weighs on both sides alike."""
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(best(a, 1))
        tb.append(best(b, 1))
    return min(ta), min(tb)


def torch_fns(
    spec: Any, x: np.ndarray, extra: dict[str, Any] | None = None
) -> tuple[Callable[[], Any], Callable[[], Any], str, dict[str, Any]] | None:
    """torch's forward and backward calls for ``spec`` on x, its nn class name and the class's
    keyword arguments."""
    peer = spec.peers.torch
    if torch is None or peer is None:
        return None
    mod, _, attr = peer.name.rpartition(".")
    fn = getattr(importlib.import_module(mod), attr)
    bound = spec.example_activation(**(extra or {})).params
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
    tname = (peer.module or "").rpartition(".")[2]
    mkw = {k: v for k, v in kw.items() if k != "inplace"}
    return (
        (lambda: fn(t, **kw)),
        (lambda: torch.autograd.grad(y, tg, ones, retain_graph=True)),
        tname,
        mkw,
    )


def torch_table(x: np.ndarray, copy: tuple[float, float], only: list[str]) -> None:
    """actlab.torch's default (fused, exact) against torch, forward, derivative, module."""
    from actlab._kernels import kernel

    t = torch.from_numpy(x)
    print(
        f"{'function':22} {'fwd':>7} {'torch':>7} {'ratio':>6}  {'deriv':>7} {'torch':>7} "
        f"{'ratio':>6}  {'module':>7} {'nn':>7} {'ratio':>6}  {'copy':>5} {'clone':>5}"
    )
    print(
        "(M elements/s; ratio = actlab/torch; module = forward+backward; copy, clone = "
        "forward's rate over the copy's and the clone's, piecewise-linear kernels)"
    )
    for spec in specs():
        peer = spec.peers.torch
        if spec.kind != "elementwise" or peer is None or not peer.module:
            continue
        variants = [{}] + ([{"approximate": "tanh"}] if spec.name == "gelu" else [])
        for extra in variants:
            act = spec.example_activation(**extra)
            label = spec.name + (" (tanh)" if extra else "")
            if (only and spec.name not in only) or kernel(act, t) is None:
                continue
            row(label, spec, extra, x, copy)


def row(
    label: str, spec: Any, extra: dict[str, Any], x: np.ndarray, copy: tuple[float, float]
) -> None:
    """One line of the torch table."""
    import actlab.torch as at
    from actlab._kernels._forms import PIECEWISE_LINEAR

    n, t = x.size, torch.from_numpy(x)
    fns = torch_fns(spec, x, extra)
    if fns is None:
        return
    tf, td, tname, kw = fns
    af = getattr(at.functional, spec.name)
    tg = t.clone().requires_grad_(True)
    ya = af(tg, **extra)
    ones = torch.ones_like(ya)
    with torch.no_grad():
        r_af, r_tf = (n / v for v in pair(lambda: af(t, **extra), tf))
    r_ad, r_td = (
        n / v for v in pair(lambda: torch.autograd.grad(ya, tg, ones, retain_graph=True), td)
    )
    ours, theirs = getattr(at, tname)(**kw), getattr(torch.nn, tname)(**kw)

    def step(m: Any) -> None:
        xg = t.clone().requires_grad_(True)
        m(xg).backward(ones)

    step(ours)
    step(theirs)
    r_am, r_tm = (n / v for v in pair(lambda: step(ours), lambda: step(theirs)))
    share = f"{r_af / copy[0]:5.2f} {r_af / copy[1]:5.2f}" if spec.name in PIECEWISE_LINEAR else ""
    print(
        f"{label:22} {r_af / 1e6:7.1f} {r_tf / 1e6:7.1f} {r_af / r_tf:6.2f}  "
        f"{r_ad / 1e6:7.1f} {r_td / 1e6:7.1f} {r_ad / r_td:6.2f}  "
        f"{r_am / 1e6:7.1f} {r_tm / 1e6:7.1f} {r_am / r_tm:6.2f}  {share}",
        flush=True,
    )


def main() -> None:
    args = sys.argv[1:]
    n = int(args[0]) if args and args[0].isdigit() else 10_000_000
    only = [a for a in args if not a.isdigit() and not a.startswith("--")]
    x = np.random.default_rng(0).normal(0, 3, n).astype(np.float32)
    dst = np.empty_like(x)
    copy = n / best(lambda: np.copyto(dst, x), 5)
    print(
        f"{n:.0e} float32 values, 1 thread; memory copy: {copy / 1e9:.2f} G elements/s "
        f"({copy * 8 / 1e9:.1f} GB/s read+write) — the ceiling for any elementwise op"
    )
    clone = float("nan")
    if torch is not None:
        t = torch.from_numpy(x)
        clone = n / best(lambda: t.clone(), 5)
        print(
            f"allocating copy (x.clone()): {clone / 1e9:.2f} G elements/s — a fresh output's "
            "page faults included, as every out-of-place op pays them"
        )
    print(f"torch {torch.__version__ if torch else 'not installed'}, numpy {np.__version__}")
    if torch is not None:
        torch_table(x, (copy, clone), only)
    if "--numpy" not in args:
        return
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
