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


def step_time(every: int | None, steps: int = 200, repeat: int = 3) -> tuple[float, float]:
    """(wall, CPU) seconds per step, the best of ``repeat`` runs of ``steps`` steps. CPU time
    (this process's) is the steadier figure on a shared machine: others' load does not count."""
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
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            if mon is not None:
                mon.step(loss)
        best = min(best, (time.perf_counter() - t0) / steps)
        best_cpu = min(best_cpu, (time.process_time() - c0) / steps)
    if mon is not None:
        mon.close()
    return best, best_cpu


def main() -> None:
    # interleaved rounds, median of each: the machine's drift hits all three alike
    times: dict[int | None, list[tuple[float, float]]] = {None: [], 1: [], 10: []}
    for _ in range(ROUNDS):
        for every in times:
            times[every].append(step_time(every, repeat=1))
    print(f"MLP 64-256-256-256-10, batch 256, Adam, 1 thread (torch {torch.__version__})")
    print(f"median of {ROUNDS} interleaved rounds of 200 steps; wall and process CPU time")
    for i, what in ((0, "wall"), (1, "cpu")):
        med = {k: statistics.median(t[i] for t in v) for k, v in times.items()}
        base = med[None]
        print(f"{what:4} no monitor:       {base * 1e3:7.3f} ms/step")
        for every in (1, 10):
            t = med[every]
            print(
                f"{what:4} watch every={every:<3}  {t * 1e3:7.3f} ms/step  "
                f"slowdown {100 * (t / base - 1):+6.1f}%"
            )


if __name__ == "__main__":
    main()
