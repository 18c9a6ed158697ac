"""Studies: a grid of configurations × seeds, run through an executor into the store, and the
ranked comparison with confidence intervals."""

from __future__ import annotations

import itertools
import math
import os
import signal
import socket
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from .._catalog import get
from .._io import write_text
from ._datasets import Data, load
from ._executors import Executor, LocalExecutor, make_executor
from ._guard import WORKER_BASE_BYTES, Estimate, available_bytes, cap_workers, estimate
from ._store import LEASE_S, Store
from ._train import RunConfig, RunResult, check_fits, train

__all__ = ["DEFAULT_STUDY", "LocalExecutor", "Study", "compare", "grid", "read_config"]

DEFAULT_STUDY: dict[str, Any] = {
    "name": "default",
    "datasets": ["xor", "spiral", "digits"],
    "activations": ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "mish"],
    "depths": [4],
    "widths": [32],
    "seeds": 5,
    "steps": 400,
}
GRID_KEYS = {
    "datasets": "dataset",
    "activations": "activation",
    "depths": "depth",
    "widths": "width",
    "inits": "init",
    "lrs": "lr",
}


def parse_activation(text: str) -> tuple[str, dict[str, Any]]:
    """ "leaky_relu" or "leaky_relu:negative_slope=0.2" → (name, params)."""
    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for part in filter(None, rest.split(";")):
        k, _, v = part.partition("=")
        try:
            params[k.strip()] = (
                float(v) if v.strip().replace(".", "", 1).lstrip("-").isdigit() else v.strip()
            )
        except ValueError:
            params[k.strip()] = v.strip()
    get(name.strip(), **params)  # unknown names and bad parameters fail here, with suggestions
    return name.strip(), params


def grid(config: dict[str, Any]) -> tuple[list[RunConfig], list[int]]:
    """The configurations and seeds a study config describes, each once."""
    configs, seeds = _grid(config)
    return _unique(configs), list(dict.fromkeys(seeds))


def _grid(config: dict[str, Any]) -> tuple[list[RunConfig], list[int]]:
    allowed = set(GRID_KEYS) | {f.name for f in fields(RunConfig)} | {"name", "seeds"}
    unknown = set(config) - allowed
    if unknown:
        raise ValueError(f"study: unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")
    seeds_v = config.get("seeds", 5)
    seeds = list(range(seeds_v)) if isinstance(seeds_v, int) else [int(s) for s in seeds_v]
    if not seeds or (isinstance(seeds_v, int) and seeds_v < 1):
        raise ValueError(f"study: seeds must be a positive int or a list of ints, got {seeds_v!r}")
    base = {k: v for k, v in config.items() if k in {f.name for f in fields(RunConfig)}}
    axes = []
    for key, field_name in GRID_KEYS.items():
        values = config.get(key)
        if values is None:
            continue
        if isinstance(values, str | int | float):
            values = [values]
        if not values:
            raise ValueError(f"study: {key} is empty")
        axes.append((field_name, list(values)))
    configs = []
    for combo in itertools.product(*(v for _, v in axes)):
        kw = dict(base)
        for (field_name, _), value in zip(axes, combo, strict=True):
            if field_name == "activation":
                value, params = parse_activation(str(value))
                kw["params"] = params
            kw[field_name] = value
        cfg = RunConfig(**kw)
        cfg.validate()
        configs.append(cfg)
    return configs, seeds


def _unique(configs: list[RunConfig]) -> list[RunConfig]:
    """The grid's configurations, each once (``relu,relu`` is one configuration), in order."""
    return list({c.key(): c for c in reversed(configs)}.values())[::-1]


def read_config(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        raise ValueError(f"study: no such config file {str(p)!r}")
    if p.is_dir():
        raise ValueError(f"study: config {str(p)!r} is a folder; give a study .toml file")
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"study: {p.name} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ValueError(f"study: cannot read config {str(p)!r}: {exc.strerror or exc}") from None
    return data.get("study", data)


# ---------------------------------------------------------------------- executors

_DATA_CACHE: dict[tuple[Any, ...], Data] = {}


def _data_for(cfg: RunConfig) -> Data:
    key = (cfg.dataset, cfg.data_seed, cfg.noise, cfg.n, cfg.path, cfg.target)
    if key not in _DATA_CACHE:
        if cfg.path:
            _DATA_CACHE[key] = load(path=cfg.path, target=cfg.target, seed=cfg.data_seed)
        else:
            _DATA_CACHE[key] = load(cfg.dataset, seed=cfg.data_seed, noise=cfg.noise, n=cfg.n)
    return _DATA_CACHE[key]


def run_unit(unit: tuple[RunConfig, list[int]]) -> tuple[RunConfig, list[RunResult]]:
    """One executor task: all missing seeds of one configuration, trained together."""
    cfg, seeds = unit
    return cfg, train(cfg, _data_for(cfg), seeds)


# ---------------------------------------------------------------------- studies


@dataclass
class Row:
    dataset: str
    label: str
    n: int
    mean: float
    ci95: float
    steps_to_90: float
    time_per_step: float
    diverged: int
    p_vs_best: float
    within_noise: bool
    metric: str

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class Study:
    """A study in a store: its runs, the ranked comparison, the report."""

    def __init__(self, store: Store, study_id: int, name: str) -> None:
        self.store, self.id, self.name = store, study_id, name

    @property
    def runs(self) -> list[dict[str, Any]]:
        return self.store.runs(self.id)

    def rows(self) -> list[Row]:
        """Per dataset, configurations ranked by mean test metric (higher is better)."""
        from scipy import stats

        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in self.runs:
            c = r["config"]
            label = RunConfig(**{k: v for k, v in c.items()}).label()
            extra = [
                f"{k}={c[k]}"
                for k in ("depth", "width", "init", "lr")
                if len(
                    {
                        str(x["config"][k])
                        for x in self.runs
                        if x["config"]["dataset"] == c["dataset"]
                    }
                )
                > 1
            ]
            label = label + (" " + " ".join(extra) if extra else "")
            groups.setdefault((c["dataset"], label), []).append(r)
        out: list[Row] = []
        for ds in sorted({k[0] for k in groups}):
            entries = {lab: runs for (d, lab), runs in groups.items() if d == ds}
            finals = {
                lab: np.array(
                    [x["test_metric"] for x in runs if x["test_metric"] is not None], float
                )
                for lab, runs in entries.items()
            }
            means = {lab: float(v.mean()) if len(v) else -math.inf for lab, v in finals.items()}
            best = max(means, key=lambda k: means[k])
            best_val = max(
                (
                    np.nanmean([_last(self.store.curves(x["id"]), "val_metric") for x in runs])
                    for runs in entries.values()
                ),
                default=math.nan,
            )
            task = entries[best][0]["config"]
            metric = "R²" if _task(task) == "regression" else "accuracy"
            for lab, runs in entries.items():
                v = finals[lab]
                n = len(v)
                sd = float(v.std(ddof=1)) if n > 1 else 0.0
                ci = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
                if lab == best or n < 2 or len(finals[best]) < 2:
                    p = 1.0 if lab == best else math.nan
                else:
                    with warnings.catch_warnings():  # nearly identical seeds: p is still right
                        warnings.simplefilter("ignore", RuntimeWarning)
                        p = float(stats.ttest_ind(v, finals[best], equal_var=False).pvalue)
                    if math.isnan(p):  # identical samples: no difference at all
                        p = 1.0
                reach = [_steps_to(self.store.curves(x["id"]), 0.9 * best_val) for x in runs]
                out.append(
                    Row(
                        ds,
                        lab,
                        n,
                        float(v.mean()) if n else math.nan,
                        ci,
                        float(np.mean(reach)) if reach else math.nan,
                        float(np.mean([x["wall"] / max(x["steps"], 1) for x in runs])),
                        sum(x["status"] == "diverged" for x in runs),
                        p,
                        bool(p > 0.05) if not math.isnan(p) else False,
                        metric,
                    )
                )
        order = {ds: i for i, ds in enumerate(sorted({r.dataset for r in out}))}
        return sorted(
            out,
            key=lambda r: (order[r.dataset], -(r.mean if not math.isnan(r.mean) else -math.inf)),
        )

    def summary(self, console: Any = None) -> list[dict[str, Any]]:
        """Print the ranked table (mean ± 95% CI) and return it as dicts."""
        from rich.console import Console
        from rich.table import Table

        rows = self.rows()
        table = Table(title=f"study {self.name!r}: test metric, mean ± 95% CI over seeds")
        for col in (
            "dataset",
            "activation",
            "seeds",
            "test metric",
            "± 95% CI",
            "steps to 90%",
            "ms/step",
            "diverged",
            "vs best",
        ):
            table.add_column(col)
        firsts = {id(next(x for x in rows if x.dataset == ds)) for ds in {r.dataset for r in rows}}
        for r in rows:
            vs = (
                "best"
                if id(r) in firsts
                else ("within noise" if r.within_noise else f"p={r.p_vs_best:.2g}")
            )
            table.add_row(
                r.dataset,
                r.label,
                str(r.n),
                f"{r.mean:.4f}",
                f"{r.ci95:.4f}",
                "never" if math.isinf(r.steps_to_90) else f"{r.steps_to_90:.0f}",
                f"{1e3 * r.time_per_step:.2f}",
                str(r.diverged),
                vs,
            )
        (console or Console(markup=False)).print(table)
        return [r.to_dict() for r in rows]

    def report(self, path: str | Path) -> Path:
        from ._report import render

        return write_text(path, render(self))


def _task(cfg: dict[str, Any]) -> str:
    return _data_for(RunConfig(**cfg)).task


def _last(curves: dict[str, list[tuple[int, float]]], name: str) -> float:
    pts = curves.get(name) or []
    return pts[-1][1] if pts else math.nan


def _steps_to(curves: dict[str, list[tuple[int, float]]], threshold: float) -> float:
    for step, v in curves.get("val_metric", []):
        if v >= threshold:
            return float(step)
    return math.inf


def compare(
    dataset: str | Iterable[str] | None = None,
    activations: Iterable[str] | None = None,
    seeds: int | list[int] | None = None,
    *,
    config: str | Path | dict[str, Any] | None = None,
    store: str | Path = "runs/actlab.db",
    name: str | None = None,
    workers: int | None = None,
    executor: str | Executor = "local",
    address: str | None = None,
    progress: bool = True,
    **settings: Any,
) -> Study:
    """Train one network per activation on the same data, every seed at once, into ``store``.

    With no arguments: the default study (8 activations × xor, spiral, digits; MLP depth 4,
    width 32; 5 seeds). ``settings`` are RunConfig fields (depth, width, steps, lr, optimizer,
    init, batch_norm, dropout, model, ...) or grid axes (depths, widths, inits, lrs). A study
    with the same name in the same store resumes: finished runs are skipped, and two drivers
    on one study share its work. ``executor``: "local" (``workers`` processes, capped at the
    cores) or "ray" (``address``: None starts a local Ray on 127.0.0.1; "auto" or
    "ray://head:10001" joins a cluster). Everything is checked (configuration, data, model,
    memory) before the store is touched; a study row is written with its first run.
    """
    if isinstance(config, str | Path):
        conf = read_config(config)
    elif isinstance(config, dict):
        conf = dict(config)
    else:
        conf = dict(DEFAULT_STUDY)
        if dataset is not None or activations is not None or seeds is not None or settings:
            conf.pop("name")  # not the default study any more: it gets a name of its own
    if dataset is not None:
        conf["datasets"] = [dataset] if isinstance(dataset, str) else list(dataset)
    if activations is not None:
        conf["activations"] = list(activations)
    if seeds is not None:
        conf["seeds"] = seeds
    for k, v in settings.items():
        if k in ("depth", "width", "init", "lr"):
            conf[k + "s"] = [v]
        else:
            conf[k] = v
    study_name = name or conf.pop("name", None) or _auto_name(conf)
    conf.pop("name", None)
    listed, seed_list = _grid(conf)
    configs, seed_list = _unique(listed), list(dict.fromkeys(seed_list))
    say = _notes(progress)
    if len(listed) > len(configs):
        say(
            f"note: the grid lists {len(listed) - len(configs)} configuration(s) more than "
            "once; each runs once"
        )
    data_for = {}
    for cfg in configs:  # data and model checked before anything is stored
        data_for[cfg.key()] = data = _data_for(cfg)
        check_fits(cfg, data)
    if executor == "local" and address is not None:
        raise ValueError("compare: address is for executor='ray'; the local executor has none")
    if isinstance(executor, str) and executor not in ("local", "ray"):
        raise ValueError(f"compare: executor must be 'local' or 'ray', got {executor!r}")
    if executor == "local":
        n_workers, note = cap_workers(workers)
        if note:
            say(note)
    elif executor == "ray":
        n_workers = 1  # per task on its node; the guard checks one task against this machine
    else:
        n_workers = getattr(executor, "workers", 1)
    full = [(c, seed_list) for c in configs]
    is_local = executor == "local" or isinstance(executor, LocalExecutor)
    est = estimate(full, data_for, n_workers, local=is_local)
    if executor == "ray":  # a task must fit on a node like this one
        est = Estimate(
            est.largest + WORKER_BASE_BYTES,
            est.largest,
            est.largest_label,
            est.seconds,
            1,
            available_bytes(),
        )
    est.check()
    if est.large:
        say(est.line())
    run = make_executor(executor, n_workers if executor == "local" else workers, address)
    try:
        note = getattr(run, "note", None)
        if executor == "ray" and note:
            say(note)
        st = Store(store)
        try:
            _drive(st, study_name, conf, configs, seed_list, run, progress)
            study_id = st.find(study_name)
        except BaseException:
            st.close()
            raise
    finally:
        run.close()
    if study_id is None:  # unreachable: every configuration has a seed, every run landed
        raise ValueError(f"compare: study {study_name!r} stored no run")
    return Study(st, study_id, study_name)


def _notes(show: bool) -> Callable[[str], None]:
    def say(text: str) -> None:
        if show:
            print(text, file=sys.stderr, flush=True)

    return say


def _auto_name(conf: dict[str, Any]) -> str:
    import hashlib
    import json

    return (
        "study-"
        + hashlib.sha256(json.dumps(conf, sort_keys=True, default=str).encode()).hexdigest()[:8]
    )


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
                for cfg, results in executor.map(run_unit, claimed(todo)):
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
        self.bar = Progress(*columns, disable=not show, transient=False)
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
