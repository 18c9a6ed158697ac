"""Executors: where a study's tasks train. One interface — ``map(fn, units)`` yields each task's
result as it finishes, pulling the next unit from ``units`` only when a slot frees up (so the
driver claims work as it goes), and ``close()``. Workers only train and return results; the
driver alone writes the store, so resume, kill-safety and the report are the same everywhere.

- :class:`LocalExecutor`: this process (1 worker) or a pool of local processes. Workers die
  with the driver (Linux: the parent-death signal; elsewhere: a watchdog on the parent's pid),
  ignore Ctrl-C (the driver stops them), and run torch on one thread each.
- :class:`RayExecutor` (extra ``ray``): one Ray task per (configuration, seeds) unit, on an
  existing cluster (``address="auto"`` or ``"ray://host:10001"``) or on a local Ray instance
  bound to 127.0.0.1 (dashboard and usage statistics off) that it stops when done."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from ._guard import cap_workers

# How often a worker's watchdog checks that its parent is still there (s).
WATCHDOG_S = 1.0
# Ray: task retries for a lost worker (Ray's own fault tolerance) before the study fails.
RAY_RETRIES = 3
RAY_INSTALL = "pip install 'actlab[ray]'"


class Executor(Protocol):
    workers: int

    def map(self, fn: Callable[[Any], Any], units: Iterable[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


def _die_with_parent(parent: int) -> None:
    """In a worker: exit as soon as the driver ``parent`` is gone, even after its SIGKILL."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        ev = threading.Event()
        while not ev.wait(WATCHDOG_S):
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="actlab-parent-watchdog", daemon=True).start()


def _worker_init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides how Ctrl-C ends a sweep
    # a forked worker inherits the driver's SIGTERM handler (which raises to unwind the driver);
    # the driver stops workers with SIGTERM, which must end them quietly
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    import torch

    torch.set_num_threads(1)


class LocalExecutor:
    """Runs units in this process (workers=1) or in a pool of local processes; ``workers``
    is capped at the cores available (``note`` says so)."""

    def __init__(self, workers: int | None = None) -> None:
        try:
            self.workers, self.note = cap_workers(workers)
        except ValueError as exc:
            raise ValueError(f"LocalExecutor: {exc}") from None

    def map(self, fn: Callable[[Any], Any], units: Iterable[Any]) -> Iterator[Any]:
        it = iter(units)
        if self.workers == 1:  # in this process, on one thread like a pool's worker
            import torch

            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                for u in it:
                    yield fn(u)
            finally:
                torch.set_num_threads(threads)
            return
        pool = ProcessPoolExecutor(
            max_workers=self.workers, initializer=_worker_init, initargs=(os.getpid(),)
        )
        inflight: set[Future[Any]] = set()
        finished_all = False
        try:
            for u in it:
                inflight.add(pool.submit(fn, u))
                if len(inflight) >= self.workers:
                    break
            while inflight:
                finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                for _ in finished:
                    for u in it:  # refill the freed slot before handing the result back
                        inflight.add(pool.submit(fn, u))
                        break
                for f in finished:
                    yield f.result()
            finished_all = True
            pool.shutdown(wait=True)
        finally:
            if not finished_all:  # stopped early (Ctrl-C, SIGTERM, a failed task): stop workers
                _stop(pool)

    def close(self) -> None:
        pass


def _stop(pool: ProcessPoolExecutor) -> None:
    procs = list(getattr(pool, "_processes", {}).values())  # stable since Python 3.2
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()


def _ray_task(fn: Callable[[Any], Any], unit: Any, threads: int) -> Any:
    import torch

    torch.set_num_threads(threads)
    return fn(unit)


class RayExecutor:
    """``RayExecutor(address=None | "auto" | "ray://head:10001", num_cpus=1)``: one Ray task
    per unit with ``num_cpus`` CPUs and torch on that many threads; results stream back as
    they finish. With no address: a local Ray instance on 127.0.0.1 with ``workers`` CPUs
    (capped at the cores), dashboard and usage statistics off, stopped by ``close()``."""

    def __init__(
        self, address: str | None = None, *, num_cpus: int = 1, workers: int | None = None
    ) -> None:
        local = address is None and "ray" not in sys.modules
        if address is None:
            # a local instance: every server on the loopback interface only (Ray takes the
            # node's address from the route to the outside unless this says "no cluster")
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        try:
            import ray
        except ImportError:
            raise ValueError(f"the Ray executor needs its extra: {RAY_INSTALL}") from None
        if address is None and not local:  # imported before: the same switch, set directly
            with contextlib.suppress(ImportError, AttributeError):
                from ray._private import ray_constants

                ray_constants.ENABLE_RAY_CLUSTER = False
        if isinstance(num_cpus, bool) or not isinstance(num_cpus, int) or num_cpus < 1:
            raise ValueError(f"RayExecutor: num_cpus must be a positive int, got {num_cpus!r}")
        self.ray, self.num_cpus, self.started, self.note = ray, num_cpus, False, None
        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            if address is None:
                n, self.note = cap_workers(workers)
                ray.init(
                    num_cpus=n,
                    include_dashboard=False,
                    _node_ip_address="127.0.0.1",
                    configure_logging=False,
                    log_to_driver=False,
                )
            else:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
            self.started = True
        resources: Callable[[], dict[str, float]] = ray.cluster_resources
        cpus = int(resources().get("CPU", 1))
        self.workers = max(cpus // num_cpus, 1)

    def map(self, fn: Callable[[Any], Any], units: Iterable[Any]) -> Iterator[Any]:
        ray = self.ray
        task = ray.remote(num_cpus=self.num_cpus, max_retries=RAY_RETRIES)(_ray_task)
        it = iter(units)
        # twice the cluster's slots in flight: a slot never waits on the driver
        depth = 2 * self.workers
        inflight = []
        try:
            for u in it:
                inflight.append(task.remote(fn, u, self.num_cpus))
                if len(inflight) >= depth:
                    break
            while inflight:
                done, inflight = ray.wait(inflight, num_returns=1)
                for u in it:
                    inflight.append(task.remote(fn, u, self.num_cpus))
                    break
                yield ray.get(done[0])
        finally:
            for ref in inflight:
                ray.cancel(ref, force=True)

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()
            self.started = False


def make_executor(executor: str | Executor, workers: int | None, address: str | None) -> Executor:
    """``"local"``, ``"ray"`` or an object with ``map`` and ``close``."""
    if executor == "local":
        if address is not None:
            raise ValueError("compare: address is for executor='ray'; the local executor has none")
        return LocalExecutor(workers)
    if executor == "ray":
        return RayExecutor(address, workers=workers)
    if isinstance(executor, str):
        raise ValueError(f"compare: executor must be 'local' or 'ray', got {executor!r}")
    if not (hasattr(executor, "map") and hasattr(executor, "close")):
        raise TypeError(
            f"compare: executor must be 'local', 'ray' or an Executor, got {executor!r}"
        )
    return executor
