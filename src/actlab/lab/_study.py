"""Studies: a grid of configurations × seeds, run through an executor into the store, and the
ranked comparison with confidence intervals.

``compare()`` expands a study's settings into configurations (here), runs them (``_driver``)
and returns a ``Study``, whose rows and cross-dataset summary ``_rows`` computes."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from .._io import write_text
from . import _rows
from ._config import AXES, normalise, parse_activation
from ._datasets import file_hash, resolve_dataset
from ._driver import _drive, run_defined_unit, run_unit
from ._executors import Executor, LocalExecutor, make_executor
from ._guard import WORKER_BASE_BYTES, Estimate, available_bytes, cap_workers, estimate
from ._identity import _USER_DATA, _data_for, _show, labels
from ._records import DatasetRecord, RunRecord
from ._rows import ALPHA, REACH, WARMUP_STEPS, Row, step_time, verdict
from ._store import Store
from ._train import RunConfig, check_fits

__all__ = [
    "ALPHA",  # ALPHA … verdict and run_unit: re-exported from _rows and _driver
    "DEFAULT_STUDY",
    "REACH",
    "WARMUP_STEPS",
    "LocalExecutor",
    "Row",
    "Study",
    "compare",
    "grid",
    "labels",
    "parse_activation",  # re-exported: the one parser of "name:param=value"
    "read_config",
    "run_defined_unit",
    "run_unit",
    "step_time",
    "verdict",
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
        better; ties by steps to 90%), each against the best with Holm-corrected Welch tests."""
        return _rows.rows(self.store, self.id, self.runs if runs is None else runs, self.margin)

    def scores(self, runs: list[RunRecord] | None = None) -> dict[str, dict[str, np.ndarray]]:
        """Per configuration label (its data removed), per section, its seeds' test metrics."""
        return _rows.scores(self.runs if runs is None else runs)

    def overall(self, runs: list[RunRecord] | None = None) -> dict[str, Any]:
        """The cross-dataset summary (``_rows.overall``): mean rank with its interval, the
        performance profile and the probability-of-improvement matrix."""
        return _rows.overall(self.runs if runs is None else runs)

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
