"""Memory benchmark: bytes the activation layers keep for backward, per activation element, in
one training step of a deep MLP — actlab's memory="lean" modules against torch.nn's own — and
their ratio. Counted with torch's saved-tensor hooks around each activation layer only.

Run: make bench  (or python bench/memory.py)
"""

from __future__ import annotations

import sys
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


def main() -> None:
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


if __name__ == "__main__":
    main()
