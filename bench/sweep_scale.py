"""Sweep scale: runs per second of one small study through the local executor with 1 and 2
workers and through Ray (a local instance on 127.0.0.1), the driver's own cost per run (the
store, the claims, the progress bar: measured with training replaced by stored results), and
what a cluster of N nodes would do for the default study × 100 seeds, scheduled from measured
task times.

Run: make bench  (or python bench/sweep_scale.py [steps])
"""

from __future__ import annotations

import copy
import heapq
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from actlab.lab import DEFAULT_STUDY, RunConfig, _driver, compare, load, train

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
# many small tasks: 8 activations × 3 widths on xor, 2 seeds each (24 tasks, 48 runs)
STUDY = dict(
    dataset="xor",
    activations=["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "mish"],
    seeds=2,
    widths=[8, 16, 32],
    steps=STEPS,
    progress=False,
)
RUNS = 8 * 3 * 2


def timed(tmp: Path, label: str, **kw: object) -> float:
    t0 = time.perf_counter()
    study = compare(store=tmp / f"{label}.db", name=label, **STUDY, **kw)  # type: ignore[arg-type]
    dt = time.perf_counter() - t0
    assert len(study.runs) == RUNS
    study.store.close()
    print(f"  {label:<22} {RUNS / dt:7.1f} runs/s  ({dt:.1f} s for {RUNS} runs)")
    return dt


def driver_overhead(tmp: Path) -> float:
    """Seconds the driver spends per run with training free: every task returns stored results."""
    cfg = RunConfig(dataset="xor", steps=STEPS)
    cached = train(cfg, load("xor"), [0, 1])
    real = _driver.train

    def free(c: RunConfig, data: object, seeds: list[int]) -> list:  # type: ignore[type-arg]
        out = []
        for s, r in zip(seeds, cached * len(seeds), strict=False):
            r = copy.copy(r)
            r.seed = s
            out.append(r)
        return out

    _driver.train = free  # type: ignore[assignment]
    try:
        n = 0
        t0 = time.perf_counter()
        for rep in range(3):
            st = compare(store=tmp / "free.db", name=f"free{rep}", workers=1, **STUDY)  # type: ignore[arg-type]
            n += len(st.runs)
            st.store.close()
        return (time.perf_counter() - t0) / n
    finally:
        _driver.train = real


def default_units(seeds: int) -> dict[str, float]:
    """Measured seconds of one default-study task per dataset (relu, `seeds` seeds), on one
    thread as an executor's task runs."""
    import torch

    torch.set_num_threads(1)
    out = {}
    for ds in DEFAULT_STUDY["datasets"]:
        cfg = RunConfig(dataset=ds, activation="relu", steps=DEFAULT_STUDY["steps"])
        data = load(ds)
        t0 = time.perf_counter()
        train(cfg, data, list(range(seeds)))
        out[ds] = time.perf_counter() - t0
    return out


def makespan(tasks: list[float], slots: int) -> float:
    """Longest-first list scheduling of ``tasks`` on ``slots`` equal slots."""
    heap = [0.0] * slots
    for t in sorted(tasks, reverse=True):
        heapq.heappush(heap, heapq.heappop(heap) + t)
    return max(heap)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"sweep scale: {RUNS} runs (24 tasks of 2 seeds, xor, {STEPS} steps)")
        t1 = timed(tmp, "local, 1 worker", workers=1)
        t2 = timed(tmp, "local, 2 workers", workers=2)
        try:
            from actlab.lab import RayExecutor

            t0 = time.perf_counter()
            ex = RayExecutor(workers=2)
            start = time.perf_counter() - t0
            tr = timed(tmp, "ray, 2 CPUs (local)", executor=ex)
            print(f"  (ray start-up {start:.1f} s, not counted above)")
        except ValueError as exc:
            print(f"  ray: skipped ({exc})")
            tr = float("nan")
        over = driver_overhead(tmp)
        print(f"  driver overhead        {1e3 * over:7.2f} ms/run (store, claims, progress)")
        print(f"  speed-up 2 workers {t1 / t2:.2f}x, ray {t1 / tr:.2f}x over 1 worker")

    seeds = 10
    per = default_units(seeds)
    # a task's time grows at most linearly in its seeds (the batched trainer shares the
    # per-step work): × 10 from 10 to 100 seeds is the upper bound used below
    unit100 = {ds: t * 100 / seeds for ds, t in per.items()}
    n_act = len(DEFAULT_STUDY["activations"])
    tasks = [t for t in unit100.values() for _ in range(n_act)]
    runs = len(tasks) * 100
    serial = sum(tasks)
    print(
        f"\ndefault study × 100 seeds: {len(tasks)} tasks, {runs} runs; measured per task "
        f"(10 seeds, scaled ×10): " + ", ".join(f"{ds} {t:.0f} s" for ds, t in unit100.items())
    )
    print(f"  {'nodes × cores':<14} {'wall (est.)':>12} {'speed-up':>9}")
    for nodes in (1, 2, 4, 8, 16):
        slots = nodes * 2
        wall = max(makespan(tasks, slots), runs * over)
        print(f"  {nodes:>3} × 2       {wall / 60:9.1f} min {serial / wall:8.1f}x")
    print(
        f"  past {len(tasks)} slots nothing gains: one task per (configuration, seeds); the "
        f"driver's {1e3 * over:.1f} ms/run bounds it at {1 / over:.0f} runs/s"
    )


if __name__ == "__main__":
    main()
