"""Memory benchmark: bytes the activation layers keep for backward, per activation element, in
one training step of a deep MLP — actlab's memory="lean" modules against torch.nn's own — and
their ratio. Counted with torch's saved-tensor hooks around each activation layer only.

Second table: the peak resident memory of one forward+backward on 10^7 float32 values (a
fresh process per case, sampled every millisecond from /proc/self/statm), above what was
resident before it, in multiples of the input's size. The output and the gradient are one
input's size each, so 2.0 is the floor for any implementation that keeps its input.

Run: make bench  (or python bench/memory.py)
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import actlab.torch as at
from actlab._catalog import specs


class Counted(nn.Module):
    """Runs a module while counting the bytes autograd saves inside it."""

    def __init__(self, inner: nn.Module, tally: dict[str, int]) -> None:
        super().__init__()
        self.inner, self.tally = inner, tally

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        def pack(t: torch.Tensor) -> torch.Tensor:
            self.tally["bytes"] += t.numel() * t.element_size()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = self.inner(x)
        self.tally["elements"] += y.numel()
        return y


def per_element(make: Any, depth: int = 8, width: int = 256, batch: int = 512) -> float:
    torch.manual_seed(0)
    tally = {"bytes": 0, "elements": 0}
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(width if i else 32, width), Counted(make(), tally)]
    model = nn.Sequential(*layers, nn.Linear(width, 1))
    loss = model(torch.randn(batch, 32)).square().mean()
    loss.backward()
    return tally["bytes"] / tally["elements"]


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_case(impl: str, name: str, n: int) -> float:
    """In this process: the peak RSS of one forward+backward above the resident baseline,
    over the input's bytes."""
    torch.set_num_threads(1)
    make = (lambda: at.module(name)) if impl == "actlab" else (lambda: getattr(nn, name)())
    m = make()
    warm = torch.randn(1 << 17, requires_grad=True)  # compile (actlab) before measuring
    m(warm).sum().backward()
    x = torch.randn(n)
    g = torch.randn(n)
    xg = x.requires_grad_(True)
    base, peak, done = _rss(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.001)

    t = threading.Thread(target=sample)
    t.start()
    m(xg).backward(g)
    peak[0] = max(peak[0], _rss())
    done.set()
    t.join()
    return (peak[0] - base) / (n * 4)


RSS_CASES = [
    ("GELU", "gelu"),
    ("SiLU", "silu"),
    ("Sigmoid", "sigmoid"),
    ("Mish", "mish"),
    ("Softplus", "softplus"),
]
RSS_CATALOG = ["snake", "arctan"]  # no fused kernel: the chunked exact path


def rss_table(n: int = 10_000_000) -> None:
    print(f"\npeak RSS of forward+backward above baseline, in input sizes ({n:.0e} float32)")
    print(f"{'activation':14} {'torch.nn':>9} {'actlab':>9}")
    here = str(Path(__file__).resolve())

    def child(impl: str, name: str) -> float:
        out = subprocess.run(
            [sys.executable, here, "--peak", impl, name, str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        return float(out.stdout.strip().splitlines()[-1])

    for tname, name in RSS_CASES:
        print(f"{name:14} {child('torch', tname):9.2f} {child('actlab', name):9.2f}", flush=True)
    for name in RSS_CATALOG:
        print(f"{name:14} {'—':>9} {child('actlab', name):9.2f}", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--peak"]:
        impl, name, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
        print(peak_case(impl, name, n))
        return
    if sys.argv[1:2] == ["--rss"]:
        rss_table()
        return
    print(
        "bytes kept for backward per activation element, float32, MLP depth 8 width 256, "
        f"batch 512 (torch {torch.__version__})"
    )
    print(
        f"{'activation':14} {'torch.nn':>9} {'actlab lean':>12} {'actlab default':>15} "
        f"{'lean/torch':>11}  strategy"
    )
    for spec in specs():
        peer = spec.peers.torch
        if (
            spec.kind != "elementwise"
            or peer is None
            or not peer.module
            or spec.name in ("threshold", "prelu")
        ):
            continue
        tname = peer.module.rpartition(".")[2]
        native = per_element(lambda t=tname: getattr(nn, t)())
        lean = per_element(lambda t=tname: getattr(at, t)(memory="lean"))
        default = per_element(lambda t=tname: getattr(at, t)())
        strategy = spec.lean[0] if spec.lean else "input (recompute)"
        print(
            f"{spec.name:14} {native:9.2f} {lean:12.2f} {default:15.2f} {lean / native:11.2f}"
            f"  {strategy}"
        )
    rss_table()


if __name__ == "__main__":
    main()
