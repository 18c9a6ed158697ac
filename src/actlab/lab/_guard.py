"""The resource guard: before anything trains, what a study will take — peak memory (parameters,
gradients, optimiser state and activations, × seeds trained together, × workers at once) and
time — against what the machine has. A study that cannot fit is refused with the estimate,
before a single tensor is allocated."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

from ._datasets import Data
from ._train import RunConfig

FLOAT_BYTES = 4  # the trainer trains in float32
# Copies of the flat (seeds, parameters) buffer the trainer keeps: the parameters, their
# gradient and Adam's two moments (_train._Flat); SGD keeps the same buffers.
STATE_COPIES = 4
# Each parameter tensor is first drawn in float64 and then cast (8 + 4 bytes per entry), and
# the flat buffer is built by concatenation (a second copy of every parameter, briefly).
INIT_BYTES_PER_ENTRY = 12
# Per hidden unit and batch row, a training step keeps the pre-activation, the activation and
# their gradients.
ACTIVATION_COPIES = 4
# A worker process's own footprint once torch is imported (resident set measured on Linux,
# torch 2.x CPU: ~330 MB per worker).
WORKER_BASE_BYTES = 330 * 2**20
# Arithmetic rate assumed per worker for the time estimate: one core of a recent x86 CPU on the
# small batched products of a study (~2 GFLOP/s sustained, well below peak) ...
FLOPS_PER_WORKER = 2e9
# ... plus the fixed cost of one step of the batched trainer (operations, not arithmetic, bound
# the small networks: ~1 ms a step on this class of machine, bench/lab_throughput.py).
STEP_OVERHEAD_S = 1e-3
# A study is "large" (its estimate is printed before it runs) past either of these.
LARGE_BYTES = 2**30
LARGE_SECONDS = 300.0


def _layers(cfg: RunConfig, data: Data) -> tuple[list[tuple[int, int]], int]:
    """The (weights, units per row) of each layer, as _train.BatchedNet builds them, and the
    multiply-adds of one row's forward pass."""
    from .._catalog import get

    first = cfg.layer_activations()[0]
    mult = 2 if get(first, **cfg.params).kind == "gated" else 1
    out: list[tuple[int, int]] = []
    macs = 0
    if cfg.model == "cnn" and data.image_shape is not None:
        c, h, w = data.image_shape
        chans = [c, *cfg.channels]
        for cin, cout in itertools.pairwise(chans):
            out.append((cout * mult * cin * 9 + cout * mult, cout * mult * h * w))
            macs += cout * mult * cin * 9 * h * w
        din = chans[-1] * h * w
    else:
        din = data.n_features
    for width in cfg.widths():
        out.append((din * width * mult + width * mult, width * mult))
        macs += din * width * mult
        din = width
    out.append((din * data.n_outputs + data.n_outputs, data.n_outputs))
    macs += din * data.n_outputs
    return out, macs


def unit_bytes(cfg: RunConfig, data: Data, seeds: int) -> int:
    """Peak bytes of one task: ``seeds`` networks of ``cfg`` trained together on ``data``."""
    layers, _ = _layers(cfg, data)
    params = sum(w for w, _ in layers)
    state = STATE_COPIES * params * seeds * FLOAT_BYTES
    init = max(w for w, _ in layers) * seeds * INIT_BYTES_PER_ENTRY + params * seeds * FLOAT_BYTES
    rows = min(cfg.batch_size, len(data.X_train))
    units = sum(u for _, u in layers)
    train_acts = ACTIVATION_COPIES * rows * units * seeds * FLOAT_BYTES
    # evaluation: the whole validation set through the network (no gradients), two layers live
    widest = max(u for _, u in layers)
    eval_acts = 2 * max(len(data.X_val), 1) * widest * seeds * FLOAT_BYTES
    # the per-seed shuffled copy of the training set the trainer keeps
    data_bytes = (seeds + 1) * data.X_train.size * FLOAT_BYTES
    return int(state + max(init, train_acts, eval_acts) + data_bytes)


def unit_seconds(cfg: RunConfig, data: Data, seeds: int) -> float:
    """Estimated seconds of one task on one worker (forward + backward ≈ 3 × forward)."""
    _, macs = _layers(cfg, data)
    rows = min(cfg.batch_size, len(data.X_train))
    flops = 2 * macs * 3 * rows * seeds * cfg.steps
    evals = cfg.steps // cfg.eval_every + 1
    flops += 2 * macs * len(data.X_val) * seeds * evals
    return flops / FLOPS_PER_WORKER + cfg.steps * STEP_OVERHEAD_S


def available_bytes() -> int | None:
    """Memory this process may still use: the smaller of the kernel's MemAvailable and what
    the cgroup (container) limit leaves; None where neither can be read."""
    found: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            found.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return None
    return min(found)


def _size(n: float) -> str:
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 2**10:.0f} kB"


def _duration(s: float) -> str:
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    if s >= 60:
        return f"{s / 60:.0f} min"
    return f"{s:.0f} s"


@dataclass(frozen=True)
class Estimate:
    """What a study will take: ``peak_bytes`` with ``workers`` tasks at once (the largest
    tasks), ``largest`` (the one task that needs most, and its label) and ``seconds`` of wall
    time spread over the workers."""

    peak_bytes: int
    largest: int
    largest_label: str
    seconds: float
    workers: int
    available: int | None

    @property
    def large(self) -> bool:
        return self.peak_bytes > LARGE_BYTES or self.seconds > LARGE_SECONDS

    def line(self) -> str:
        avail = f" of {_size(self.available)} available" if self.available is not None else ""
        return (
            f"estimate: peak memory {_size(self.peak_bytes)}{avail} ({self.workers} worker(s); "
            f"largest task {self.largest_label}: {_size(self.largest)}), "
            f"time ~{_duration(self.seconds)}"
        )

    def check(self) -> None:
        """Refuse (ValueError, one line with the estimate) a study that cannot fit."""
        if self.available is not None and self.peak_bytes > self.available:
            raise ValueError(
                f"study needs ~{_size(self.peak_bytes)} of memory ({self.workers} worker(s); "
                f"largest task {self.largest_label}: {_size(self.largest)}) but "
                f"{_size(self.available)} is available; use fewer seeds, workers, a smaller "
                "width/depth or batch_size"
            )


def estimate(
    units: list[tuple[RunConfig, list[int]]],
    data_for: dict[str, Data],
    workers: int,
    *,
    local: bool = True,
) -> Estimate:
    """The estimate for ``units`` (configuration, seeds) run ``workers`` at a time;
    ``data_for`` maps each configuration's key to its data. ``local=False`` (a cluster): each
    task on its own node, so the peak is one task's."""
    sizes = sorted(
        (
            (unit_bytes(c, data_for[c.key()], len(s)), f"{c.dataset}/{c.label()} width={c.width}")
            for c, s in units
        ),
        reverse=True,
    )
    if not sizes:
        return Estimate(0, 0, "-", 0.0, workers, available_bytes())
    at_once = sizes[: workers if local else 1]
    peak = sum(b + WORKER_BASE_BYTES for b, _ in at_once)
    secs = sum(unit_seconds(c, data_for[c.key()], len(s)) for c, s in units)
    return Estimate(
        peak,
        sizes[0][0],
        sizes[0][1],
        secs / max(min(workers, len(units)), 1),
        workers,
        available_bytes() if local else None,
    )


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def cap_workers(asked: int | None) -> tuple[int, str | None]:
    """Workers to use (default: up to 2) and a note when ``asked`` exceeds the cores."""
    cores = usable_cores()
    if asked is None:
        return min(2, cores), None
    if isinstance(asked, bool) or not isinstance(asked, int) or asked < 1:
        raise ValueError(f"workers must be a positive int, got {asked!r}")
    if asked > cores:
        return cores, f"note: {asked} workers asked, {cores} core(s) available: using {cores}"
    return asked, None
