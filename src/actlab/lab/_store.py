"""The results store: SQLite in WAL mode. Each finished run is committed on its own, so killing
a sweep at any moment loses no completed run, and a resumed study skips what is done."""

from __future__ import annotations

import csv
import io
import json
import math
import platform
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from ._datasets import Data
from ._train import RunConfig, RunResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, config TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL REFERENCES studies(id),
    config_key TEXT NOT NULL, config TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
    diverged_step INTEGER, test_metric REAL, test_loss REAL, val_metric REAL, wall REAL,
    steps INTEGER, env TEXT NOT NULL, finished REAL NOT NULL, params BLOB,
    UNIQUE (study_id, config_key, seed)
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id), step INTEGER NOT NULL, name TEXT NOT NULL,
    value REAL
);
CREATE TABLE IF NOT EXISTS layers (
    run_id INTEGER NOT NULL REFERENCES runs(id), step INTEGER NOT NULL, layer INTEGER NOT NULL,
    grad_norm REAL, dead REAL, saturated REAL
);
CREATE TABLE IF NOT EXISTS sources (
    run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL, split TEXT NOT NULL,
    rows INTEGER NOT NULL, mode TEXT NOT NULL, statistics TEXT NOT NULL, detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS datasets (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, identity TEXT NOT NULL, task TEXT NOT NULL,
    metric TEXT NOT NULL, features INTEGER NOT NULL, outputs INTEGER NOT NULL,
    image_shape TEXT, note TEXT NOT NULL, summary TEXT NOT NULL, points BLOB
);
CREATE TABLE IF NOT EXISTS study_configs (
    study_id INTEGER NOT NULL REFERENCES studies(id), config_key TEXT NOT NULL,
    config TEXT NOT NULL, seeds TEXT NOT NULL, command TEXT NOT NULL, added REAL NOT NULL,
    UNIQUE (study_id, config_key)
);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id);
CREATE INDEX IF NOT EXISTS metrics_run_name ON metrics(run_id, name, step);
CREATE INDEX IF NOT EXISTS layers_run ON layers(run_id);
CREATE INDEX IF NOT EXISTS sources_run ON sources(run_id);
"""


def create(db: sqlite3.Connection) -> None:
    """Create every table and index of an actlab store (SCHEMA, the one definition)."""
    db.executescript(SCHEMA)


def environment() -> dict[str, str]:
    import numpy
    import torch

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": numpy.__version__,
        "torch": torch.__version__,
        "threads": str(torch.get_num_threads()),
    }


def _num(v: float) -> float | None:
    return v if v is not None and math.isfinite(v) else None


class Store:
    """``Store("runs/actlab.db")``: studies, runs (config, environment, status, timings),
    per-step metrics and layer statistics, and what each was measured on (``sources``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            create(self.db)
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"Store: {self.path} is not an actlab results store ({exc})") from None

    def close(self) -> None:
        self.db.close()

    def study(self, name: str, config: dict[str, Any]) -> int:
        """The id of the study ``name``, created with ``config`` if new (resuming otherwise)."""
        row = self.db.execute("SELECT id FROM studies WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        with self.db:
            cur = self.db.execute(
                "INSERT INTO studies (name, config, created) VALUES (?, ?, ?)",
                (name, json.dumps(config, default=str), time.time()),
            )
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def studies(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT id, name, config, created FROM studies ORDER BY id")
        return [
            {"id": r[0], "name": r[1], "config": json.loads(r[2]), "created": r[3]} for r in rows
        ]

    def done(self, study_id: int, cfg: RunConfig) -> set[int]:
        rows = self.db.execute(
            "SELECT seed FROM runs WHERE study_id = ? AND config_key = ?", (study_id, cfg.key())
        )
        return {int(r[0]) for r in rows}

    def add(self, study_id: int, cfg: RunConfig, result: RunResult) -> None:
        """Record one finished run and its metrics in one transaction."""
        with self.db:
            cur = self.db.execute(
                "INSERT INTO runs (study_id, config_key, config, seed, status, diverged_step, "
                "test_metric, test_loss, val_metric, wall, steps, env, finished, params) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    study_id,
                    cfg.key(),
                    json.dumps(asdict(cfg), default=str),
                    result.seed,
                    result.status,
                    result.diverged_step,
                    _num(result.final["test_metric"]),
                    _num(result.final["test_loss"]),
                    _num(result.final["val_metric"]),
                    result.wall,
                    result.steps_done,
                    json.dumps(environment()),
                    time.time(),
                    result.params,
                ),
            )
            run_id = cur.lastrowid
            self.db.executemany(
                "INSERT INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)",
                [
                    (run_id, st, name, _num(v))
                    for name, pts in result.curves.items()
                    for st, v in pts
                ],
            )
            self.db.executemany(
                "INSERT INTO layers (run_id, step, layer, grad_norm, dead, saturated) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        r["step"],
                        r["layer"],
                        _num(r["grad_norm"]),
                        _num(r["dead"]),
                        _num(r["saturated"]),
                    )
                    for r in result.layers
                ],
            )
            self.db.executemany(
                "INSERT INTO sources (run_id, name, split, rows, mode, statistics, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, name, d["split"], d["rows"], d["mode"], d["statistics"], d["detail"])
                    for name, d in result.sources.items()
                ],
            )

    def runs(self, study_id: int | None = None) -> list[RunRecord]:
        """The stored runs (of one study), oldest first, as typed records."""
        q = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs"
        rows = self.db.execute(
            q + (" WHERE study_id = ?" if study_id else "") + " ORDER BY id",
            (study_id,) if study_id else (),
        )
        return [RunRecord.from_row(r) for r in rows]

    def curves(self, run_id: int) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {}
        for step, name, value in self.db.execute(
            "SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY step", (run_id,)
        ):
            out.setdefault(name, []).append((step, math.nan if value is None else value))
        return out

    def layer_stats(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT step, layer, grad_norm, dead, saturated FROM layers "
            "WHERE run_id = ? ORDER BY step, layer",
            (run_id,),
        )
        return [
            dict(zip(("step", "layer", "grad_norm", "dead", "saturated"), r, strict=True))
            for r in rows
        ]

    def sources(self, run_id: int) -> dict[str, dict[str, Any]]:
        """Per recorded number (curve, final metric, layer statistic) of a run: the split and
        rows it was measured on, the network's mode ("train" or "eval") and the batch-norm
        statistics ("batch", "running" or "none"), and a sentence saying so. Empty for runs
        stored before actlab recorded them."""
        rows = self.db.execute(
            "SELECT name, split, rows, mode, statistics, detail FROM sources WHERE run_id = ?",
            (run_id,),
        )
        keys = ("split", "rows", "mode", "statistics", "detail")
        return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}

    def params(self, run_id: int) -> bytes:
        row = self.db.execute("SELECT params FROM runs WHERE id = ?", (run_id,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else b""

    def export(self, path: str | Path, study_id: int | None = None) -> Path:
        """Runs with their configuration and final metrics, as CSV or JSON by extension."""
        p = Path(path)
        rows = [r.flat() for r in self.runs(study_id)]
        if p.suffix == ".json":
            p.write_text(json.dumps(rows, indent=2, default=str))
        elif p.suffix == ".csv":
            keys = sorted({k for r in rows for k in r})
            with p.open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=keys)
                w.writeheader()
                w.writerows(rows)
        else:
            raise ValueError(f"export: {p.name} must end in .csv or .json")
        return p

    def __iter__(self) -> Iterator[RunRecord]:
        return iter(self.runs())

    # ------------------------------------------------------------------ identity (issue 10):
    # what a report needs without the data (datasets) and every configuration a study asked
    # for, with the command that asks for it again (study_configs)

    def add_dataset(self, cfg: RunConfig, data: Data) -> str:
        """Record the data ``cfg`` trains on, once per data identity; returns its key."""
        key = cfg.data_key()
        if self.db.execute("SELECT 1 FROM datasets WHERE key = ?", (key,)).fetchone():
            return key
        points = None
        if data.n_features == 2 and data.image_shape is None:  # the decision-boundary figure
            buf = io.BytesIO()
            X = np.concatenate([data.X_train, data.X_test])
            y = np.concatenate([data.y_train, data.y_test])
            np.savez_compressed(buf, X=X, y=y)
            points = buf.getvalue()
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO datasets (key, name, identity, task, metric, features, "
                "outputs, image_shape, note, summary, points) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    key,
                    data.name,
                    json.dumps(cfg.data_identity(), default=str),
                    data.task,
                    METRICS[data.task],
                    data.n_features,
                    data.n_outputs,
                    json.dumps(data.image_shape) if data.image_shape else None,
                    data.task_note,
                    json.dumps(data.summary()),
                    points,
                ),
            )
        return key

    def datasets(self) -> dict[str, DatasetRecord]:
        """Every recorded data identity by key."""
        rows = self.db.execute(
            "SELECT key, name, identity, task, metric, features, outputs, image_shape, note, "
            "summary, points FROM datasets"
        )
        return {r[0]: DatasetRecord.from_row(r) for r in rows}

    def add_study_configs(
        self, study_id: int, configs: list[RunConfig], seeds: list[int], command: str
    ) -> None:
        """Record the configurations a study run asked for (new ones only)."""
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO study_configs (study_id, config_key, config, seeds, "
                "command, added) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        study_id,
                        c.key(),
                        json.dumps(asdict(c), default=str),
                        json.dumps(seeds),
                        command,
                        time.time(),
                    )
                    for c in configs
                ],
            )

    def study_configs(self, study_id: int) -> list[tuple[RunConfig, list[int], str]]:
        """(configuration, seeds, command) for each configuration the study asked for."""
        rows = self.db.execute(
            "SELECT config, seeds, command FROM study_configs WHERE study_id = ? ORDER BY rowid",
            (study_id,),
        )
        return [(config_from_json(r[0]), json.loads(r[1]), r[2]) for r in rows]

    def series(self, study_id: int, *names: str) -> dict[str, dict[int, list[tuple[int, float]]]]:
        """Curves (``val_metric``, ``time``, ...) of every run of a study, in one query:
        name → run id → [(step, value)]."""
        out: dict[str, dict[int, list[tuple[int, float]]]] = {n: {} for n in names}
        marks = ", ".join("?" * len(names))
        rows = self.db.execute(
            "SELECT m.name, m.run_id, m.step, m.value FROM runs r JOIN metrics m "
            f"ON m.run_id = r.id AND m.name IN ({marks}) WHERE r.study_id = ? "
            "ORDER BY m.run_id, m.step",
            (*names, study_id),
        ).fetchall()
        for name, run_id, step, value in rows:
            out[name].setdefault(run_id, []).append((step, math.nan if value is None else value))
        return out


METRICS = {  # the test metric of each task, in words (higher is better for all)
    "binary": "accuracy",
    "multiclass": "accuracy",
    "multilabel": "accuracy (per label)",
    "regression": "R²",
}
RUN_COLUMNS = (
    "id", "study_id", "config_key", "config", "seed", "status", "diverged_step",
    "test_metric", "test_loss", "val_metric", "wall", "steps", "env",
)  # fmt: skip


_FIELDS = frozenset(f.name for f in fields(RunConfig))


def config_from_json(text: str) -> RunConfig:
    """A stored configuration; fields a newer actlab added take their defaults."""
    raw = json.loads(text)
    return RunConfig(**{k: v for k, v in raw.items() if k in _FIELDS})


@dataclass(frozen=True)
class RunRecord:
    """One stored run: its configuration (resolved once) and its final numbers."""

    id: int
    study_id: int
    config_key: str
    config: RunConfig
    seed: int
    status: str
    diverged_step: int | None
    test_metric: float | None
    test_loss: float | None
    val_metric: float | None
    wall: float
    steps: int
    env: dict[str, str]

    @classmethod
    def from_row(cls, r: tuple[Any, ...]) -> RunRecord:
        d = dict(zip(RUN_COLUMNS, r, strict=True))
        d["config"], d["env"] = config_from_json(d["config"]), json.loads(d["env"])
        return cls(**d)

    def flat(self) -> dict[str, Any]:
        """One flat dict (export): the numbers and ``config.<field>`` for each field."""
        out = {k: getattr(self, k) for k in RUN_COLUMNS if k not in ("config", "env")}
        out.update({f"config.{k}": v for k, v in asdict(self.config).items()})
        return out


@dataclass(frozen=True)
class DatasetRecord:
    """What the store knows about one data identity: enough to report without the data."""

    key: str
    name: str
    identity: dict[str, Any]
    task: str
    metric: str
    features: int
    outputs: int
    image_shape: tuple[int, ...] | None
    note: str
    summary: dict[str, Any]
    points: tuple[np.ndarray, np.ndarray] | None  # (X, y) of a 2-D set, standardised

    @classmethod
    def from_row(cls, r: tuple[Any, ...]) -> DatasetRecord:
        points = None
        if r[10] is not None:
            with np.load(io.BytesIO(bytes(r[10]))) as z:
                points = (z["X"], z["y"])
        shape = tuple(json.loads(r[7])) if r[7] else None
        return cls(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6], shape, r[8],
                   json.loads(r[9]), points)  # fmt: skip

    def data(self) -> Data:
        """A stand-in Data with the stored points as its training split: what building the
        network and drawing the boundary need."""
        X, y = (
            self.points if self.points is not None else (np.zeros((0, self.features)), np.zeros(0))
        )
        return Data(self.name, self.task, X, y, X[:0], y[:0], X[:0], y[:0], self.outputs,
                    self.image_shape, None, None, self.note)  # fmt: skip
