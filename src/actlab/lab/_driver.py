"""Running a study: executor tasks (one configuration with its missing seeds), the driver
that claims, runs and stores them until every (configuration, seed) has a run, and its
progress bar. Only the driver writes the store."""

from __future__ import annotations

import functools
import math
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from ._executors import Executor
from ._identity import _data_for
from ._store import LEASE_S, Store
from ._train import RunConfig, RunResult, train


def run_unit(unit: tuple[RunConfig, list[int]]) -> tuple[RunConfig, list[RunResult]]:
    """One executor task: all missing seeds of one configuration, trained together."""
    cfg, seeds = unit
    if cfg.model.startswith("user:"):
        from ._models import train_user

        return cfg, train_user(cfg, _data_for(cfg), seeds)
    return cfg, train(cfg, _data_for(cfg), seeds)


def run_defined_unit(
    definitions: dict[str, Any], unit: tuple[RunConfig, list[int]]
) -> tuple[RunConfig, list[RunResult]]:
    """run_unit in a worker (a local process or a Ray task) that first defines the study's
    user-defined activations (a no-op where they are defined already)."""
    from .._define import register_all

    register_all(definitions, "the study's definitions")
    return run_unit(unit)


def _unit_fn(conf: dict[str, Any]) -> Callable[[Any], Any]:
    """What the executor runs per unit: run_unit, carrying the study's definitions if any."""
    defs = conf.get("definitions")
    return functools.partial(run_defined_unit, dict(defs)) if defs else run_unit


class _Interrupted(KeyboardInterrupt):
    """SIGTERM, raised in the driver like Ctrl-C (the CLI exits 128 + its number)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Interrupted(signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def _heartbeat(path: Path, holder: str) -> Iterator[None]:
    """Renews ``holder``'s claims every third of the lease, on its own connection."""
    stop = threading.Event()

    def beat() -> None:
        try:
            own = Store(path)
        except ValueError:
            return
        try:
            while not stop.wait(LEASE_S / 3):
                with suppress(ValueError):
                    own.renew(holder)
        finally:
            own.close()

    t = threading.Thread(target=beat, name="actlab-claims-heartbeat", daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(timeout=5)


# How often a driver whose remaining work is claimed by another one looks again (s).
POLL_S = 1.0


def _drive(
    st: Store,
    name: str,
    conf: dict[str, Any],
    configs: list[RunConfig],
    seeds: list[int],
    executor: Executor,
    show: bool,
) -> None:
    """Claim, run and store until every (configuration, seed) of the study has a run —
    ours or another driver's. Claims are taken as slots free up, so concurrent drivers
    interleave; a driver that stops releases what it had not finished."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def missing() -> list[tuple[RunConfig, list[int]]]:
        sid = st.find(name)
        out = []
        for cfg in configs:
            have = st.done(sid, cfg)
            rest = [s for s in seeds if s not in have]
            if rest:
                out.append((cfg, rest))
        return out

    def claimed(todo: list[tuple[RunConfig, list[int]]]) -> Iterator[tuple[RunConfig, list[int]]]:
        for cfg, rest in todo:
            got = st.claim(name, cfg, rest, holder)
            if got:
                yield cfg, got

    total = sum(len(s) for _, s in missing())
    with _sigterm_as_interrupt(), _heartbeat(st.path, holder), _Progress(show, total) as prog:
        try:
            while True:
                todo = missing()
                if not todo:
                    break
                ran = False
                for cfg, results in executor.map(_unit_fn(conf), claimed(todo)):
                    ran = True
                    for r in results:
                        st.add(name, cfg, r, config=conf)
                    prog.landed(cfg, results)
                if not ran:  # the rest is another driver's: wait for it (or its lease)
                    prog.others(total - sum(len(s) for _, s in missing()))
                    time.sleep(POLL_S)
        finally:
            with suppress(ValueError):
                st.release(holder)


class _Progress:
    def __init__(self, show: bool, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        from rich.console import Console

        # progress is for a person at a terminal: on stderr, and only when that is a terminal
        console = Console(stderr=True)
        self.bar = Progress(
            *columns, console=console, disable=not (show and console.is_terminal), transient=False
        )
        self.task = self.bar.add_task("runs", total=total)
        self.best: tuple[float, str] = (-math.inf, "")
        self.mine = 0

    def __enter__(self) -> _Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def landed(self, cfg: RunConfig, results: list[RunResult]) -> None:
        for r in results:
            m = r.final["test_metric"]
            if math.isfinite(m) and m > self.best[0]:
                self.best = (m, f"{cfg.dataset}/{cfg.label()}")
        self.mine += len(results)
        self.bar.update(
            self.task,
            advance=len(results),
            description=(
                f"runs (best so far: {self.best[1]} {self.best[0]:.3f})" if self.best[1] else "runs"
            ),
        )

    def others(self, stored: int) -> None:
        self.bar.update(self.task, completed=stored, description="runs (waiting on another driver)")
