"""Monitor overhead: the time of a training step of an MLP without the monitor, and with
``watch(model, every=1)`` and ``every=10`` — measured in the same run, interleaved (one round
times each setting once, in turn), the median of ROUNDS rounds, as a slowdown in percent.
Targets (issue 9): at most +5% at every=10 and +25% at every=1.

Run: make bench  (or python bench/monitor_overhead.py)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import actlab.torch as at

ROUNDS = 9  # interleaved rounds; the median of each setting's times


def step_time(every: int | None, steps: int = 200, repeat: int = 3) -> float:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = nn.Sequential(
        nn.Linear(64, 256),
        nn.ReLU(),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Linear(256, 256),
        nn.Tanh(),
        nn.Linear(256, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(256, 64), torch.randint(0, 10, (256,))
    mon: Any = at.watch(model, every=every) if every else None
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            if mon is not None:
                mon.step(loss)
        best = min(best, (time.perf_counter() - t0) / steps)
    if mon is not None:
        mon.close()
    return best


def main() -> None:
    # interleaved rounds, median of each: the machine's drift hits all three alike
    times: dict[int | None, list[float]] = {None: [], 1: [], 10: []}
    for _ in range(ROUNDS):
        for every in times:
            times[every].append(step_time(every, repeat=1))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med[None]
    print(f"MLP 64-256-256-256-10, batch 256, Adam, 1 thread (torch {torch.__version__})")
    print(f"median of {ROUNDS} interleaved rounds of 200 steps")
    print(f"no monitor:      {base * 1e3:7.3f} ms/step")
    for every in (1, 10):
        t = med[every]
        print(
            f"watch every={every:<3} {t * 1e3:7.3f} ms/step  slowdown {100 * (t / base - 1):+6.1f}%"
        )


if __name__ == "__main__":
    main()
