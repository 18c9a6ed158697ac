"""Live trainings: a bounded job manager (at most ``Limits.jobs`` at once, ``Limits.queue``
waiting, each with a wall-clock limit) whose jobs run the lab's ``compare()`` — the same study,
store rows, statistics and report as ``actlab compare`` — through an in-process executor that
trains each configuration with ``train(on_eval=...)`` and turns every evaluation into a
``progress`` event. Raising inside on_eval is how a job is cancelled or timed out: the
configuration in training is then not stored (a run is stored whole or not at all)."""

from __future__ import annotations

import math
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._explore import finite, floats
from ._limits import Limits

#: the decision-boundary grid: GRID × GRID points over the training inputs' range (padded)
GRID = 40
#: training points shown under the boundary (a fixed subsample of the training split)
SHOWN_POINTS = 400


class Cancelled(Exception):
    """Raised in on_eval: the client went away or asked to stop."""


class TimedOut(Exception):
    """Raised in on_eval: the job ran past ``Limits.job_seconds``."""


class QueueFull(Exception):
    """More jobs than ``Limits.jobs`` running plus ``Limits.queue`` waiting."""


@dataclass
class Job:
    id: str
    settings: dict[str, Any]
    activations: list[str]
    limits: Limits
    events: queue.Queue[tuple[str, dict[str, Any]]] = field(default_factory=queue.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)
    state: str = "queued"  # queued, running, done, cancelled, timed_out, error
    study: str | None = None
    started: float = math.nan
    thread: threading.Thread | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    streaming: bool = False  # one reader: the events are consumed as they are sent

    def emit(self, event: str, data: dict[str, Any]) -> None:
        self.events.put((event, data))


# ---------------------------------------------------------------------- what a progress says


def seed_band(
    per_seed: list[list[tuple[int, float]]],
) -> dict[str, list[float | None]]:
    """Mean over seeds and the seed band (min and max over seeds) at each recorded step; a
    step's statistics are over the seeds that have it (a diverged seed stops recording)."""
    by_step: dict[int, list[float]] = {}
    for pts in per_seed:
        for step, v in pts:
            by_step.setdefault(int(step), []).append(float(v))
    steps = sorted(by_step)
    mean, lo, hi = [], [], []
    for s in steps:
        arr = np.array(by_step[s], float)
        arr = arr[np.isfinite(arr)]
        mean.append(finite(arr.mean()) if arr.size else None)
        lo.append(finite(arr.min()) if arr.size else None)
        hi.append(finite(arr.max()) if arr.size else None)
    return {"step": [float(s) for s in steps], "mean": mean, "lo": lo, "hi": hi}


def boundary_grid(data: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(xs, ys, standardised grid rows) over the training inputs' range in the data's own
    units, padded by 5%; None unless the inputs are 2-D."""
    if data.n_features != 2 or data.image_shape is not None:
        return None
    X = data.X_train * data.std + data.mean
    lo, hi = X.min(0), X.max(0)
    pad = 0.05 * np.where(hi > lo, hi - lo, 1.0)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], GRID)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], GRID)
    gx, gy = np.meshgrid(xs, ys)
    rows = (np.stack([gx.ravel(), gy.ravel()], 1) - data.mean) / data.std
    return xs, ys, rows


def boundary_values(task: str, pred: np.ndarray) -> np.ndarray:
    """Per grid point, the mean over seeds of P(class 1) (binary), the value (regression), the
    most probable class of the mean probabilities (multiclass) or the mean share of labels
    predicted on (multilabel)."""
    mean = pred.mean(0)  # (points, outputs)
    if task == "multiclass":
        out: np.ndarray = mean.argmax(1).astype(float)
    elif task == "multilabel":
        out = mean.mean(1)
    else:
        out = mean[:, 0]
    return out


def layer_rows(cfg: Any, stats: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per hidden layer at the latest step (mean over seeds): RMS ∂loss/∂z, its mean-field
    prediction from the last layer's measured value (the report's ``_predicted``), the dead
    and saturated unit fractions."""
    from ..lab._findings import _by_layer, _predicted

    x, g = _by_layer(stats, "grad_rms", max)
    _, dead = _by_layer(stats, "dead", max)
    _, sat = _by_layer(stats, "saturated", max)
    out = []
    n = len(x)
    for i in range(n):
        pred = None
        if n and math.isfinite(g[-1]):
            ratio = 1.0 if i == n - 1 else _predicted(cfg, int(x[-1] - x[i]))
            pred = None if ratio is None else finite(ratio * g[-1])
        out.append(
            {
                "layer": int(x[i]),
                "grad_rms": finite(g[i]),
                "predicted": pred,
                "dead": finite(dead[i]) if i < len(dead) else None,
                "saturated": finite(sat[i]) if i < len(sat) else None,
            }
        )
    return out


def findings(
    cfg: Any,
    task: str,
    stats: list[list[dict[str, Any]]],
    diverged: list[int],
    seeds: tuple[int, ...],
    steps: tuple[int | None, ...],
) -> list[dict[str, Any]]:
    """actlab.health's findings so far, in words (the report's ``layer_findings`` and the
    divergence finding), worst first."""
    from .._analysis._health import diverged_finding, ordered
    from ..lab._findings import layer_findings

    found = list(layer_findings(cfg, task, stats))
    for s in diverged:
        step = steps[seeds.index(s)]
        found.append(
            diverged_finding(f"seed {s}'s loss", int(step or 0), cfg.layer_activations()[0], task)
        )
    return [
        {
            "kind": f.kind,
            "severity": f.severity,
            "text": f.message,
            "layer": f.layer,
            "fixes": list(f.fixes),
        }
        for f in ordered(found)
    ]


# ---------------------------------------------------------------------- the executor


class LiveExecutor:
    """compare()'s executor for one job: this thread, one configuration at a time, each
    trained with on_eval streaming its progress (the lab's Executor interface)."""

    workers = 1

    def __init__(self, job: Job) -> None:
        self.job = job
        self.index = 0

    def map(self, fn: Callable[[Any], Any], units: Iterable[Any]) -> Iterator[Any]:
        from ..lab._identity import _data_for
        from ..lab._train import train

        # fn is run_unit: train(cfg, _data_for(cfg), seeds); here with on_eval added
        for cfg, seeds in units:
            self._check()
            data = _data_for(cfg)
            label = cfg.label()
            self.index += 1
            self.job.emit(
                "start",
                {
                    "activation": label,
                    "index": self.index,
                    "of": len(self.job.activations),
                    "seeds": list(seeds),
                },
            )
            alarmed: set[int] = set()
            on_eval = self._on_eval(cfg, data, label, alarmed)
            results = train(cfg, data, list(seeds), on_eval=on_eval)
            for r in results:  # seeds that diverged after the last evaluation (all stopped)
                if r.diverged_step is not None and r.seed not in alarmed:
                    alarmed.add(r.seed)
                    self.job.emit(
                        "diverged", _diverged(label, r.seed, r.diverged_step, cfg, data.task)
                    )
            yield cfg, results

    def close(self) -> None:
        return None

    def _check(self) -> None:
        if self.job.cancel.is_set():
            raise Cancelled
        if time.monotonic() - self.job.started > self.job.limits.job_seconds:
            raise TimedOut

    def _on_eval(self, cfg: Any, data: Any, label: str, alarmed: set[int]) -> Callable[[Any], None]:
        grid = boundary_grid(data)
        rng = np.random.default_rng(0)
        pick = np.sort(rng.permutation(len(data.X_train))[:SHOWN_POINTS])
        shown = None
        if grid is not None:
            X = data.X_train[pick] * data.std + data.mean
            shown = {"X": [floats(r) for r in X], "y": floats(np.asarray(data.y_train)[pick])}
        metric = "R²" if data.task == "regression" else "accuracy"

        def on_eval(p: Any) -> None:
            self._check()
            curves = {
                k: seed_band([c[k] for c in p.curves])
                for k in ("train_loss", "val_loss", "val_metric")
            }
            diverged = [s for s, d in zip(p.seeds, p.diverged, strict=True) if d is not None]
            for s in diverged:
                if s not in alarmed:
                    alarmed.add(s)
                    step = p.diverged[p.seeds.index(s)]
                    self.job.emit("diverged", _diverged(label, s, step, cfg, data.task))
            boundary = None
            if grid is not None:
                xs, ys, rows = grid
                z = boundary_values(data.task, p.predict(rows)).reshape(GRID, GRID)
                boundary = {
                    "xs": floats(xs),
                    "ys": floats(ys),
                    "z": [floats(r) for r in z],
                    "points": shown,
                }
            self.job.emit(
                "progress",
                {
                    "activation": label,
                    "step": int(p.step),
                    "steps": int(p.steps),
                    "curves": curves,
                    "metric": metric,
                    "boundary": boundary,
                    "layers": layer_rows(cfg, p.layers),
                    "diverged": diverged,
                    "findings": findings(cfg, data.task, p.layers, diverged, p.seeds, p.diverged),
                },
            )

        return on_eval


def _diverged(label: str, seed: int, step: int, cfg: Any, task: str) -> dict[str, Any]:
    from .._analysis._health import DIVERGED, diverged_finding

    step = int(step)
    f = diverged_finding(f"seed {seed}'s loss", step, cfg.layer_activations()[0], task)
    return {
        "activation": label,
        "seed": int(seed),
        "step": step,
        "why": f"{f.message}: {DIVERGED.applies_to} ({DIVERGED.reason})",
        "fixes": list(f.fixes),
    }


# ---------------------------------------------------------------------- the manager


class JobManager:
    """At most ``limits.jobs`` trainings at once; up to ``limits.queue`` more wait (a further
    one is QueueFull: HTTP 429). Torch's thread count is set once, here: the cores shared by
    the concurrent jobs."""

    def __init__(self, store: Path, limits: Limits) -> None:
        import os

        import torch

        self.store, self.limits = store, limits
        self.jobs: dict[str, Job] = {}
        self.waiting: deque[Job] = deque()
        self.running: set[str] = set()
        self.lock = threading.Lock()
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(limits.jobs, 1)))

    def submit(self, settings: dict[str, Any], activations: list[str]) -> Job:
        with self.lock:
            if len(self.running) + len(self.waiting) >= self.limits.jobs + self.limits.queue:
                raise QueueFull(
                    f"train: {len(self.running)} training(s) running and {len(self.waiting)} "
                    f"waiting — the server's limit ({self.limits.jobs} at once, "
                    f"{self.limits.queue} queued); try again when one finishes"
                )
            job = Job(uuid.uuid4().hex[:12], settings, activations, self.limits)
            job.study = settings.get("name") or f"web-{time.strftime('%Y%m%d-%H%M%S')}-{job.id[:6]}"
            self.jobs[job.id] = job
            if len(self.running) < self.limits.jobs:
                self._start(job)
            else:
                self.waiting.append(job)
                job.emit("queued", {"position": len(self.waiting)})
            self._forget_old()
        return job

    def _start(self, job: Job) -> None:
        self.running.add(job.id)
        job.state = "running"
        job.started = time.monotonic()
        job.thread = threading.Thread(
            target=self._run, args=(job,), name=f"actlab-job-{job.id}", daemon=True
        )
        job.thread.start()

    def _run(self, job: Job) -> None:
        try:
            job.emit("started", {"study": job.study})
            done = run_study(job, self.store)
            job.state = "done"
            job.emit("done", done)
        except Cancelled:
            job.state = "cancelled"
            job.emit("cancelled", {})
        except TimedOut:
            job.state = "timed_out"
            job.emit(
                "error",
                {
                    "detail": f"train: stopped after the server's time limit of "
                    f"{self.limits.job_seconds:g} s per training; finished "
                    "activations are in the store"
                },
            )
        except (ValueError, TypeError, OSError) as exc:
            job.state = "error"
            job.emit("error", {"detail": " ".join(str(exc).split())})
        except Exception as exc:  # a fault in training must end the stream, not hang it
            job.state = "error"
            job.emit("error", {"detail": f"train: {type(exc).__name__}: {exc}"})
        finally:
            job.finished.set()
            with self.lock:
                self.running.discard(job.id)
                while self.waiting and len(self.running) < self.limits.jobs:
                    nxt = self.waiting.popleft()
                    if nxt.cancel.is_set():
                        continue
                    self._start(nxt)
                for pos, w in enumerate(self.waiting, 1):
                    w.emit("queued", {"position": pos})

    def cancel(self, job_id: str) -> Job | None:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                return None
            job.cancel.set()
            if job in self.waiting:
                self.waiting.remove(job)
                job.state = "cancelled"
                job.emit("cancelled", {})
                job.finished.set()
        return job

    def close(self, timeout: float = 30.0) -> None:
        """Cancel everything and wait for the running jobs to stop."""
        with self.lock:
            jobs = list(self.jobs.values())
        for j in jobs:
            self.cancel(j.id)
        for j in jobs:
            if j.thread is not None:
                j.thread.join(timeout)

    def _forget_old(self) -> None:
        """Keep the finished jobs' records bounded (the newest 100)."""
        ended = [j for j in self.jobs.values() if j.finished.is_set()]
        for j in ended[: max(0, len(ended) - 100)]:
            del self.jobs[j.id]


# ---------------------------------------------------------------------- the study


def run_study(job: Job, store: Path) -> dict[str, Any]:
    """The job as a lab study: ``compare()`` with the job's settings into ``store``, through
    the LiveExecutor; returns the ``done`` event (the comparison rows with the lab's
    statistics, the metric, the study, its report)."""
    from ..lab import compare

    s = dict(job.settings)
    s.pop("name", None)
    ex = LiveExecutor(job)
    dataset = s.pop("dataset", None)
    study = compare(
        dataset,
        job.activations,
        s.pop("seeds"),
        store=store,
        name=job.study,
        executor=ex,
        progress=False,
        **s,
    )
    from .._analysis._health import not_learned_finding

    try:
        found = study.rows()
        data = study.datasets()
        rows = [r.to_dict() for r in found]
        metric = rows[0]["metric"] if rows else None
        # actlab.health's did-not-learn, as the report says it: a row not above the baseline
        unlearned = [
            not_learned_finding(r.label, r.mean, data[r.data_key].baseline)
            for r in found
            if r.learned is False and r.data_key in data
        ]
    finally:
        study.store.close()
    return {
        "rows": rows,
        "metric": metric,
        "study": job.study,
        "report": f"/api/report/{job.study}",
        "findings": [
            {
                "kind": f.kind,
                "severity": f.severity,
                "text": f.message,
                "layer": f.layer,
                "fixes": list(f.fixes),
            }
            for f in unlearned
        ],
    }


__all__ = ["Cancelled", "Job", "JobManager", "QueueFull", "TimedOut"]
