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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from .._io import write_text
from ._config import AXES, normalise, parse_activation
from ._datasets import file_hash, resolve_dataset
from ._executors import Executor, LocalExecutor, make_executor
from ._guard import WORKER_BASE_BYTES, Estimate, available_bytes, cap_workers, estimate
from ._identity import _USER_DATA, _data_for, _show, labels, sections
from ._store import LEASE_S, DatasetRecord, RunRecord, Store
from ._train import RunConfig, RunResult, check_fits, train

__all__ = [
    "DEFAULT_STUDY",
    "LocalExecutor",
    "Study",
    "compare",
    "grid",
    "parse_activation",  # re-exported: the one parser of "name:param=value"
    "read_config",
]

DEFAULT_STUDY: dict[str, Any] = {  # what a study with no settings runs (CLI, TOML, compare())
    "name": "default",
    "datasets": ["xor", "spiral", "digits"],
    "activations": ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "mish"],
    "seeds": 5,
}
GRID_KEYS = AXES


def _complete(cfg: RunConfig) -> RunConfig:
    """A configuration with its data identity spelt out: a generator's default noise and size
    written in (so ``noise=None`` and the default noise are one configuration), a user file's
    content hash and its name as the dataset's."""
    if cfg.dataset in _USER_DATA:  # compare(data=...): named by the arrays' hash already
        return cfg
    if cfg.path is not None:
        p = Path(cfg.path)
        if not p.exists():
            raise ValueError(f"study: no such data file {cfg.path!r}")
        return replace(cfg, dataset=p.stem, data_hash=file_hash(p))
    spec = resolve_dataset(cfg.dataset)
    noise = spec.noise if cfg.noise is None else float(cfg.noise)
    return replace(cfg, dataset=spec.name, noise=noise, n=cfg.n if cfg.n is not None else spec.n)


def grid(
    config: dict[str, Any], notes: list[str] | None = None
) -> tuple[list[RunConfig], list[int]]:
    """The configurations and seeds a study config describes (checked by _config.normalise)."""
    conf = normalise(config, notes)
    seeds = conf.get("seeds", list(range(DEFAULT_STUDY["seeds"])))
    base = {k: v for k, v in conf.items() if k in {f.name for f in fields(RunConfig)}}
    axes = [(AXES[k], conf[k]) for k in AXES if k in conf]
    configs: list[RunConfig] = []
    for combo in itertools.product(*(v for _, v in axes)):
        kw = dict(base)
        for (field_name, _), value in zip(axes, combo, strict=True):
            if field_name == "activation":
                kw["activation"], kw["params"] = value
            else:
                kw[field_name] = value
        cfg = _complete(RunConfig(**kw))
        cfg.validate()
        if cfg.key() not in {c.key() for c in configs}:
            configs.append(cfg)
    return configs, seeds


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
    return cast(dict[str, Any], data.get("study", data))


# ---------------------------------------------------------------------- executors


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
    import functools

    defs = conf.get("definitions")
    return functools.partial(run_defined_unit, dict(defs)) if defs else run_unit


# ---------------------------------------------------------------------- studies

REACH = 0.9  # "steps to 90%": the first evaluation at ≥ 90% of the best row's validation metric
# ms/step leaves out the steps before the first evaluation at or after this step: the first
# steps pay for allocation, kernel selection and cold caches, not for training
WARMUP_STEPS = 20


def step_time(
    times: list[tuple[int, float]], wall: float, steps: int
) -> tuple[float, float, float]:
    """(seconds per step after warm-up, fastest and slowest evaluation interval) from a run's
    ``time`` curve (elapsed seconds at each evaluation, evaluations included); wall/steps
    with no spread where the curve is too short to leave out a warm-up."""
    pts = [(s, t) for s, t in times if s >= WARMUP_STEPS]
    if len(pts) < 2:
        per = wall / max(steps, 1)
        return per, per, per
    rates = [(t1 - t0) / (s1 - s0) for (s0, t0), (s1, t1) in itertools.pairwise(pts) if s1 > s0]
    total = (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])
    return total, min(rates), max(rates)


ALPHA = 0.05  # family-wise error rate of the Holm-corrected comparisons with the best


@dataclass
class Row:
    """One configuration on one data identity: its seeds' statistics and how it compares with
    the best row of its dataset (``_stats`` defines every number)."""

    dataset: str  # the section: the dataset's name and the data fields that differ
    label: str  # the activation and every configuration field that differs in the study
    config_key: str
    data_key: str
    metric: str
    n: int
    mean: float
    ci95: float  # half-width of the 95% t interval; nan with one seed
    iqm: float
    iqm_lo: float
    iqm_hi: float
    diff: float  # mean − the best row's mean
    diff_lo: float
    diff_hi: float
    p_vs_best: float  # Welch's two-sided p, Holm-corrected over the dataset's comparisons
    steps_to_90: float
    time_per_step: float  # seconds, after warm-up (step_time), mean over seeds
    diverged: int
    rank: int = 0
    verdict: str = ""
    # actlab.health: the task's trivial baseline, and whether the mean beats it (with margin);
    # None: not judged (no baseline recorded for the data)
    baseline: float = math.nan
    learned: bool | None = None
    done: int = 0  # seeds that finished (the others diverged)
    best: bool = False  # the best configuration of its dataset among those that learned
    time_lo: float = math.nan  # the fastest and slowest evaluation interval (seconds/step)
    time_hi: float = math.nan

    @property
    def seeds(self) -> str:
        """The seeds column: "n done / n diverged"."""
        return f"{self.done} / {self.diverged}"

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["seeds"] = self.seeds
        return out


def verdict(row: Row, best: Row | None, margin: float | None = None) -> str:
    """What the comparison with the best row of its dataset supports, in words:

    - ``best`` — the top row (ties in the mean broken by steps to 90%);
    - ``did not learn`` — when a health check says so (``row.learned is False``);
    - ``n/a (1 seed)`` — no interval from one seed;
    - ``worse than best (p=…)`` — Holm-corrected Welch p below ALPHA;
    - ``equivalent to best (±margin)`` — only with a stated margin, when the difference's 95%
      interval lies inside ±margin (two one-sided tests at 2.5%);
    - else ``not distinguishable at n seeds`` — absence of evidence, not equivalence."""
    if row.learned is False:
        return "did not learn"
    if best is None:  # unreachable from rows(): no best only when no row learned
        return "—"
    if row is best:
        return "best"
    if row.n < 2 or best.n < 2 or math.isnan(row.p_vs_best):
        return f"n/a ({min(row.n, best.n)} seed{'s' if min(row.n, best.n) != 1 else ''})"
    if row.p_vs_best < ALPHA:
        return f"worse than best (p={row.p_vs_best:.2g})"
    if margin is not None and -margin <= row.diff_lo and row.diff_hi <= margin:
        return f"equivalent to best (±{margin:g})"
    return f"not distinguishable at {min(row.n, best.n)} seeds"


def _last(pts: list[tuple[int, float]]) -> float:
    return pts[-1][1] if pts else math.nan


def _steps_to(pts: list[tuple[int, float]], threshold: float) -> float:
    for step, v in pts:
        if v >= threshold:
            return float(step)
    return math.inf


class Study:
    """A study in a store: its runs, the ranked comparison, the report."""

    def __init__(self, store: Store, study_id: int, name: str) -> None:
        self.store, self.id, self.name = store, study_id, name
        self.margin: float | None = None  # an equivalence margin, if the user states one

    @property
    def runs(self) -> list[RunRecord]:
        return self.store.runs(self.id)

    def configs(self) -> list[RunConfig]:
        """Every configuration of the study: those it asked for, then any only in its runs."""
        out = {c.key(): c for c, _, _ in self.store.study_configs(self.id)}
        for r in self.runs:
            out.setdefault(r.config_key, r.config)
        return list(out.values())

    def datasets(self) -> dict[str, DatasetRecord]:
        """The study's data identities (task, metric, points) from the store, by data key."""
        keys = {c.data_key() for c in self.configs()}
        return {k: v for k, v in self.store.datasets().items() if k in keys}

    def rows(self, runs: list[RunRecord] | None = None) -> list[Row]:
        """Per data identity, its configurations ranked by mean test metric (higher is
        better; ties by steps to 90%), each against the best with Holm-corrected Welch tests.
        Two queries for the whole study, whatever its size."""
        from . import _stats

        runs = self.runs if runs is None else runs
        configs = {r.config_key: r.config for r in runs}
        label_of = labels(list(configs.values()))
        section_of = sections(list(configs.values()))
        recorded = self.store.datasets()
        metric_of = {k: d.metric for k, d in recorded.items()}
        curves = self.store.series(self.id, "val_metric", "time")
        val, clock = curves["val_metric"], curves["time"]
        groups: dict[str, dict[str, list[RunRecord]]] = {}
        data_of = {ck: c.data_key() for ck, c in configs.items()}
        for r in runs:
            groups.setdefault(data_of[r.config_key], {}).setdefault(r.config_key, []).append(r)
        out: list[Row] = []
        for dk in sorted(groups, key=lambda k: section_of[k]):
            entries = groups[dk]
            finals = {
                ck: np.array([x.test_metric for x in rs if x.test_metric is not None], float)
                for ck, rs in entries.items()
            }
            # actlab.health's did-not-learn: a mean test metric not above the trivial
            # baseline (recorded with the data); the best is crowned among the rest
            base = recorded[dk].baseline if dk in recorded else None
            learned = {  # a user's metric: not judged against the task's baseline
                ck: None
                if base is None or configs[ck].metric is not None
                else base.learned(float(v.mean()) if len(v) else None)
                for ck, v in finals.items()
            }
            best_val = max(
                (
                    float(np.nanmean([_last(val.get(x.id, [])) for x in rs]))
                    for ck, rs in entries.items()
                    if learned[ck] is not False
                ),
                default=math.nan,
            )
            rows: list[Row] = []
            for ck, rs in entries.items():
                v = finals[ck]
                mean, half = _stats.t_interval(v)
                q, qlo, qhi = _stats.iqm_interval(v)
                # steps to 90% of the best: none with no best, nor for a row that did not learn
                reach = (
                    [_steps_to(val.get(x.id, []), REACH * best_val) for x in rs]
                    if learned[ck] is not False and not math.isnan(best_val)
                    else []
                )
                diverged = sum(x.status == "diverged" for x in rs)
                timing = np.array([step_time(clock.get(x.id, []), x.wall, x.steps) for x in rs])
                rows.append(
                    Row(
                        section_of[dk],
                        label_of[ck],
                        ck,
                        dk,
                        configs[ck].metric or metric_of.get(dk, "test metric"),
                        len(v),
                        mean,
                        half,
                        q,
                        qlo,
                        qhi,
                        math.nan,
                        math.nan,
                        math.nan,
                        math.nan,
                        float(np.mean(reach)) if reach else math.nan,
                        float(timing[:, 0].mean()),
                        diverged,
                        baseline=math.nan if base is None else base.value,
                        learned=learned[ck],
                        done=len(rs) - diverged,
                        time_lo=float(timing[:, 1].min()),
                        time_hi=float(timing[:, 2].max()),
                    )
                )
            rows.sort(
                key=lambda r: (-(r.mean if not math.isnan(r.mean) else -math.inf), r.steps_to_90)
            )
            # nothing learned: no best (every row says "did not learn")
            best = next((r for r in rows if r.learned is not False), None)
            if best is not None:
                others = [r for r in rows if r is not best]
                raw = []
                for row in others:
                    row.diff, row.diff_lo, row.diff_hi, p = _stats.welch_interval(
                        finals[row.config_key], finals[best.config_key]
                    )
                    raw.append(p)
                for row, p in zip(others, _stats.holm(raw), strict=True):
                    row.p_vs_best = p
                best.diff, best.diff_lo, best.diff_hi = 0.0, 0.0, 0.0
                best.best = True
            for i, row in enumerate(rows, 1):
                row.rank = i
                row.verdict = verdict(row, best, self.margin)
            out += rows
        return out

    def scores(self, runs: list[RunRecord] | None = None) -> dict[str, dict[str, np.ndarray]]:
        """Per configuration label (its data removed), per section, its seeds' test metrics."""
        runs = self.runs if runs is None else runs
        configs = {r.config_key: r.config for r in runs}
        cfgs = list(configs.values())
        arms = labels(cfgs)  # a label leaves out the data: the same across datasets
        section_of = sections(cfgs)
        out: dict[str, dict[str, list[float]]] = {}
        for r in runs:
            cell = out.setdefault(arms[r.config_key], {}).setdefault(
                section_of[r.config.data_key()], []
            )
            cell.append(math.nan if r.test_metric is None else r.test_metric)
        return {a: {k: np.array(v, float) for k, v in d.items()} for a, d in out.items()}

    def overall(self, runs: list[RunRecord] | None = None) -> dict[str, Any]:
        """The cross-dataset summary: per configuration its mean rank over the datasets every
        configuration ran on (95% bootstrap interval), the performance profile (fraction of
        runs above τ, averaged over datasets) and the probability-of-improvement matrix
        (P[row's seed beats column's seed], averaged over datasets)."""
        from . import _stats

        sc = self.scores(runs)
        arms = sorted(sc)
        common = sorted(set.intersection(*(set(sc[a]) for a in arms))) if arms else []
        cells = [[sc[a][d] for d in common] for a in arms]
        ranks = _stats.mean_ranks(cells) if common else [(math.nan,) * 3 for _ in arms]
        taus = np.linspace(0.5, 1.0, 11)
        profile = {
            a: _stats.performance_profile(c, taus).tolist()
            for a, c in zip(arms, cells, strict=True)
        }
        matrix = _stats.improvement_matrix(cells)
        poi = {a: {b: float(matrix[i, j]) for j, b in enumerate(arms)} for i, a in enumerate(arms)}
        order = sorted(range(len(arms)), key=lambda i: ranks[i][0])
        return {
            "datasets": common,
            "mean_rank": [
                {
                    "configuration": arms[i],
                    "mean_rank": ranks[i][0],
                    "lo": ranks[i][1],
                    "hi": ranks[i][2],
                }
                for i in order
            ],
            "profile": {"tau": taus.tolist(), "fraction": profile},
            "probability_of_improvement": poi,
        }

    def summary(self, console: Any = None, width: int | None = None) -> list[dict[str, Any]]:
        """Print the ranked tables (one per dataset, readable at any width) and the
        cross-dataset summary; return the rows as dicts."""
        from ._summary import render_summary

        runs = self.runs
        rows = self.rows(runs)
        text = render_summary(self.name, rows, self.overall(runs), width)
        if console is None:
            print(text)
        else:
            console.print(text, soft_wrap=True) if hasattr(console, "print") else console(text)
        return [r.to_dict() for r in rows]

    def _repr_html_(self) -> str:
        """The ranked table in a notebook (the report's table)."""
        import html

        from ._report import _table

        rows = self.rows()
        parts = [f"<p>actlab study <code>{html.escape(self.name)}</code></p>"]
        for ds in sorted({r.dataset for r in rows}):
            parts.append(
                f"<h4>{html.escape(ds)}</h4>" + _table([r for r in rows if r.dataset == ds])
            )
        return "".join(parts)

    def report(self, path: str | Path) -> Path:
        from ._report import render

        return write_text(path, render(self))


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
    command: str | None = None,
    model: Any = None,
    swap: Any = None,
    data: Any = None,
    loss: Any = None,
    metric: Any = None,
    **settings: Any,
) -> Study:
    """Train one network per activation on the same data, every seed at once, into ``store``.

    With no arguments: the default study (8 activations × xor, spiral, digits; MLP depth 4,
    width 32; 5 seeds). ``settings`` are RunConfig fields (depth, width, steps, lr, optimizer,
    init, batch_norm, dropout, model, task, path, target, ...) or grid axes (depths, widths,
    inits, lrs); every key and value is checked (_config.normalise). A study with the same name
    in the same store resumes: finished runs are skipped, configurations it did not have before
    become rows of their own, and two drivers on one study share its work. ``executor``:
    "local" (``workers`` processes, capped at the cores) or "ray" (``address``: None starts a
    local Ray on 127.0.0.1; "auto" or "ray://head:10001" joins a cluster). Everything is
    checked (configuration, data, model, memory) before the store is touched; a study row is
    written with its first run.

    Your own network: ``model=build`` (a factory ``build(activation_module) -> nn.Module``,
    or "FILE.py:FACTORY") or ``model=module, swap=torch.nn.ReLU`` (every module of that type
    replaced by each candidate, per seed a deep copy re-initialised by its own
    reset_parameters). ``data=(X, y)`` (arrays; images as rows × C × H × W), a torch
    Dataset or DataLoader, instead of a dataset name. These run in this process.

    Your own objective: ``loss=fn(logits, y) -> tensor`` (per sample or their mean) and
    ``metric=fn(logits, y) -> float`` (higher is better; "did not learn" is then not judged),
    on one network's logits, or "FILE.py:NAME"; recorded by name (lab._objectives). These run
    in this process.
    """
    for kind, fn in (("loss", loss), ("metric", metric)):
        if fn is not None:  # a user's callable, named in the run (user:<name>#<hash>)
            from ._models import is_file_spec, load_callable
            from ._objectives import register as register_objective

            if is_file_spec(fn):  # the CLI's --loss FILE.py:NAME
                fn = load_callable(fn, f"--{kind}", "FUNCTION")
            settings[kind] = register_objective(kind, fn)
            if executor != "local":
                raise ValueError(
                    f"compare: a user's {kind} runs in this process; use executor='local'"
                )
            workers = 1
    if data is not None:
        if dataset is not None:
            raise ValueError("compare: give dataset= or data=, not both")
        from ._datasets import load as load_data

        d = load_data(arrays=_arrays(data), seed=int(settings.get("data_seed", 0)))
        _USER_DATA[d.name] = d
        dataset = d.name
    if model is not None and not (isinstance(model, str) and ":" not in model):
        from ._models import load_factory, register

        build = load_factory(model) if isinstance(model, str) else model
        names = list(activations) if activations is not None else DEFAULT_STUDY["activations"]
        acts = [parse_activation(str(a)) for a in names]
        sets = [dataset] if isinstance(dataset, str) else list(dataset or ["digits"])
        keys = {register(build, swap, acts, _data_for(RunConfig(dataset=ds))) for ds in sets}
        settings["model"] = keys.pop()
        dataset = sets
        if executor != "local":
            raise ValueError("compare: a user's model runs in this process; use executor='local'")
        workers = 1  # the user's objects stay in this process
    elif model is not None:
        settings["model"] = model
    if isinstance(config, str | Path):
        conf = dict(read_config(config))
    elif isinstance(config, dict):
        conf = dict(config)
    else:
        conf = {}
    if dataset is not None:
        conf["datasets"] = [dataset] if isinstance(dataset, str) else list(dataset)
    if activations is not None:
        conf["activations"] = [activations] if isinstance(activations, str) else list(activations)
    _with_definitions(conf)
    if seeds is not None:
        conf["seeds"] = seeds
    for k, v in settings.items():
        axis = next((a for a, f in AXES.items() if f == k), None)
        if axis is not None and axis in conf:
            conf.pop(axis)  # a keyword overrides the config file's axis
        conf[k] = v
    if "path" in conf and "datasets" in conf:
        normalise(conf)  # the --data/--dataset error, in its words
    custom = bool(conf) and set(conf) != {"name"}
    conf = with_defaults(conf)
    study_name = name or conf.pop("name", None) or (_auto_name(conf) if custom else "default")
    conf.pop("name", None)
    notes: list[str] = []
    configs, seed_list = grid(conf, notes)  # a configuration given twice runs once (_config)
    say = _notes(progress)
    for n in notes:
        say(n)
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
            stored = _jsonable(normalise(conf))
            _same_definitions(st, study_name, stored)
            for cfg in configs:  # what a report needs, kept without the data (schema 4)
                st.add_dataset(cfg, data_for[cfg.key()])
            _drive(st, study_name, stored, configs, seed_list, run, progress)
            study_id = st.find(study_name)
            if study_id is not None:
                cmd = command or _command(study_name, conf)
                st.add_study_configs(study_id, configs, seed_list, cmd)
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


def with_defaults(conf: dict[str, Any]) -> dict[str, Any]:
    """``conf`` with DEFAULT_STUDY's datasets, activations and seeds where it has none (a
    TOML file, compare() and the CLI default to the same study; a data file replaces the
    datasets)."""
    out = dict(conf)
    for k in ("datasets", "activations", "seeds"):
        if k not in out and not (k == "datasets" and "path" in out):
            out[k] = DEFAULT_STUDY[k]
    return out


def _jsonable(conf: dict[str, Any]) -> dict[str, Any]:
    out = dict(conf)
    if "activations" in out:
        out["activations"] = [
            n + "".join(f":{k}={v}" for k, v in p.items()) for n, p in out["activations"]
        ]
    return out


def _command(name: str, conf: dict[str, Any]) -> str:
    """The ``actlab compare …`` line that runs this study again (resuming it)."""
    import shlex

    flags = {"datasets": "--dataset", "activations": "--activations", "depths": "--depth",
             "widths": "--width", "inits": "--init", "lrs": "--lr", "path": "--data"}  # fmt: skip
    parts = ["actlab", "compare", "--name", name]
    conf = _jsonable(normalise(conf))
    defs = conf.pop("definitions", {})
    for k, v in conf.items():
        flag = flags.get(k, "--" + k.replace("_", "-"))
        if k == "seeds":
            v = len(v) if v == list(range(len(v))) else ",".join(map(str, v))
        if k == "activations":  # a defined activation travels as name=formula
            v = [f"{a}={defs[a]['formula']}" if a in defs else a for a in v]
        if k == "widths":  # ";" between networks, "," between a tapered network's layers
            v = ";".join(_show(w) for w in v)
        if k in ("model", "loss", "metric") and str(v).startswith("user:"):
            continue  # a user's model or objective is Python, not a flag: compare() again
        if isinstance(v, bool):
            parts.append(flag if v else "--no-" + flag[2:])
            continue
        if v is None:
            v = "none"
        if isinstance(v, list | tuple):
            v = ",".join(map(str, v))
        parts += [flag, str(v)]
    return " ".join(shlex.quote(p) for p in parts)


def _arrays(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) arrays, a torch Dataset (items (x, y)) or a DataLoader, as NumPy arrays."""
    if isinstance(data, tuple | list) and len(data) == 2:
        return np.asarray(data[0]), np.asarray(data[1])
    try:
        import torch
        from torch.utils.data import DataLoader, Dataset
    except ImportError:  # pragma: no cover
        raise ValueError("compare: data= must be (X, y) arrays") from None
    if isinstance(data, Dataset):
        data = DataLoader(data, batch_size=1024, shuffle=False)
    if isinstance(data, DataLoader):
        xs, ys = [], []
        for batch in data:
            if not (isinstance(batch, tuple | list) and len(batch) == 2):
                raise ValueError("compare: a Dataset/DataLoader for data= must yield (x, y) pairs")
            xs.append(torch.as_tensor(batch[0]).numpy())
            ys.append(torch.as_tensor(batch[1]).numpy())
        return np.concatenate(xs), np.concatenate(ys)
    raise ValueError(
        f"compare: data must be (X, y) arrays, a torch Dataset or a DataLoader; got "
        f"{type(data).__name__}"
    )


def _same_definitions(st: Store, name: str, conf: dict[str, Any]) -> None:
    """Resuming a study with an activation of the same name but another formula would mix two
    functions in one row: refuse, naming both."""
    new = conf.get("definitions", {})
    for s in st.studies():
        if s["name"] != name:
            continue
        old = s["config"].get("definitions", {})
        for n in set(old) & set(new):
            if old[n] != new[n]:
                raise ValueError(
                    f"study {name!r}: {n} was {old[n]['formula']!r} in the stored study, now "
                    f"{new[n]['formula']!r}; use another study name (or another activation name)"
                )


def _with_definitions(conf: dict[str, Any]) -> None:
    """Inline ``name=formula`` activations defined, and the declarations of every defined
    activation the study uses kept in its config (the store keeps the config, so a later
    report or resume, in another process, resolves the same definitions)."""
    acts = conf.get("activations")
    if acts is None:
        return
    if conf.get("definitions"):
        from .._define import register_all

        register_all(conf["definitions"], "the study's definitions")
    from .._define import inline

    names: list[Any] = []
    used: dict[str, dict[str, Any]] = {}
    for a in [acts] if isinstance(acts, str) else list(acts):
        if not isinstance(a, str):  # already parsed: (name, params)
            names.append(a)
        elif "/" in a and "=" not in a:  # a per-layer list: each layer's name may be defined
            used.update(inline([p.strip() for p in a.split("/")])[1])
            names.append(a)
        else:
            more, u = inline([a])
            names += more
            used.update(u)
    conf["activations"] = names
    if used:
        conf["definitions"] = {**conf.get("definitions", {}), **used}


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
