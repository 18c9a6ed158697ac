"""The results store: SQLite in WAL mode, marked as actlab's own. Each finished run is committed
on its own, so killing a sweep at any moment loses no completed run, and a resumed study skips
what is done."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import platform
import socket
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .._analysis._health import baseline
from .._io import FileFault, atomic_open, ensure_parent
from ._datasets import Data
from ._records import RUN_COLUMNS, DatasetRecord, RunRecord, config_from_json  # the typed reads
from ._run import METRICS as METRICS  # re-exported: the store records it per data set
from ._train import HIST_HI, HIST_LO, RunConfig, RunResult

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
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id);
CREATE INDEX IF NOT EXISTS layers_run ON layers(run_id);
CREATE INDEX IF NOT EXISTS sources_run ON sources(run_id);
"""


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


LAYER_COLUMNS = ("step", "layer", "grad_norm", "dead", "saturated", "flat", "grad_rms")


def _num(v: float) -> float | None:
    return v if v is not None and math.isfinite(v) else None


class StoreError(ValueError):
    """A store that cannot be used as asked, or a database fault: one line naming the path."""


def _add_columns(db: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    """ALTER TABLE ... ADD COLUMN for each column the table lacks (SQLite has no IF NOT EXISTS
    for columns; an adopted store may already have some)."""
    have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    for name, kind in columns.items():
        if name not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


# SQLite's application_id for actlab's stores ('actl'); another program's database never has it.
APPLICATION_ID = 0x6163746C
# The schema, one step per entry: a store at user_version v has had MIGRATIONS[:v] applied, and
# opening it to write applies the rest. A schema change appends an entry; it never edits one.
MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
    SCHEMA,
    # 2: claims per (study, configuration, seed), so that concurrent drivers share a study; a
    # claim whose lease has expired (its holder died or hung) may be taken over.
    """
    CREATE TABLE IF NOT EXISTS claims (
        study TEXT NOT NULL, config_key TEXT NOT NULL, seed INTEGER NOT NULL,
        holder TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, expires REAL NOT NULL,
        PRIMARY KEY (study, config_key, seed)
    );
    """,
    # 3: actlab.health's flat share and the RMS of dloss/dz per layer (NULL for older runs).
    lambda db: _add_columns(db, "layers", {"flat": "REAL", "grad_rms": "REAL"}),
    # 4: what a report needs without the data (datasets: task, metric, the 2-D points and
    # actlab.health's trivial baseline, which decides "did not learn"), every
    # configuration a study asked for with the command that asks again (study_configs), and
    # one study's curves by name in one pass (rows() reads val_metric and time for all runs)
    """
    CREATE TABLE IF NOT EXISTS datasets (
        key TEXT PRIMARY KEY, name TEXT NOT NULL, identity TEXT NOT NULL, task TEXT NOT NULL,
        metric TEXT NOT NULL, features INTEGER NOT NULL, outputs INTEGER NOT NULL,
        image_shape TEXT, note TEXT NOT NULL, summary TEXT NOT NULL, points BLOB,
        baseline TEXT
    );
    CREATE TABLE IF NOT EXISTS study_configs (
        study_id INTEGER NOT NULL REFERENCES studies(id), config_key TEXT NOT NULL,
        config TEXT NOT NULL, seeds TEXT NOT NULL, command TEXT NOT NULL, added REAL NOT NULL,
        UNIQUE (study_id, config_key)
    );
    CREATE INDEX IF NOT EXISTS metrics_run_name ON metrics(run_id, name, step);
    """,
    # 5: per-layer histograms of the probe's pre-activations ("pre") and activations ("post")
    # at the steps a configuration asks for (RunConfig.histograms): counts below lo, in
    # equal-width bins over [lo, hi), and at or above hi (JSON), as _train.histogram bins them
    """
    CREATE TABLE IF NOT EXISTS histograms (
        run_id INTEGER NOT NULL REFERENCES runs(id), step INTEGER NOT NULL,
        layer INTEGER NOT NULL, kind TEXT NOT NULL, lo REAL NOT NULL, hi REAL NOT NULL,
        counts TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS histograms_run ON histograms(run_id);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
# The tables of a store written before stores were marked (application_id 0): adopted, migrated.
LEGACY_TABLES = {"studies", "runs", "metrics", "layers", "sources"}
# How long a claim holds without renewal (s); the driver renews its claims every third of it.
LEASE_S = 60.0


def _alive(host: str, pid: int) -> bool:
    """Whether a claim's holder may still be running: on another host, assume so (its lease
    decides); on this one, ask the kernel."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    """``Store("runs/actlab.db")``: studies, runs (config, environment, status, timings),
    per-step metrics and layer statistics, and what each was measured on (``sources``).

    The file is actlab's own (SQLite ``application_id`` 'actl', schema ``user_version``); a
    database that is not one is refused, unchanged. ``readonly=True`` (report, export) opens
    with ``mode=ro`` and never changes the file; a store on a read-only filesystem reads too."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.db = self._connect()
        try:
            self._check_and_migrate()
        except BaseException:
            self.db.close()
            raise

    # ------------------------------------------------------------------ opening

    def _connect(self) -> sqlite3.Connection:
        p = self.path
        if p.is_dir():
            raise StoreError(f"Store: {str(p)!r} is a folder, not a results store")
        if self.readonly:
            if not p.exists():
                raise StoreError(f"Store: no such store {str(p)!r}")
            uri = "file:" + urllib.parse.quote(str(p.resolve())) + "?mode=ro"
            try:
                db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
                db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                return db
            except sqlite3.OperationalError:
                # a WAL store on a read-only filesystem: no -shm can be made; read it as a
                # file nobody changes while we read (immutable)
                db = sqlite3.connect(
                    uri + "&immutable=1", uri=True, timeout=30, isolation_level=None
                )
                return db
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Store: {p} is not an actlab results store ({exc})") from None
        try:
            ensure_parent(p, "open the store")
        except FileFault as exc:
            raise StoreError(f"Store: {exc}") from None
        try:
            return sqlite3.connect(p, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"Store: cannot open {str(p)!r}: {exc}") from None

    def _check_and_migrate(self) -> None:
        p = self.path
        try:
            app = int(self.db.execute("PRAGMA application_id").fetchone()[0])
            version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
            tables = {
                r[0]
                for r in self.db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            }
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"Store: {p} is not an actlab results store ({exc})") from None
        if app == APPLICATION_ID:
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"Store: {p} has schema version {version}; this actlab reads up to "
                    f"{SCHEMA_VERSION} (upgrade actlab)"
                )
        elif app == 0 and not tables and version == 0:
            version = 0  # a new, empty database: made ours below
        elif app == 0 and version == 0 and {"studies", "runs"} <= tables <= LEGACY_TABLES:
            version = 0  # written before stores were marked: adopted and migrated below
        else:
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(
                f"Store: {p} is not an actlab results store (application_id {app:#x}, "
                f"tables: {shown or 'none'}); actlab never writes into another database"
            )
        self.version = version
        if self.readonly:
            return
        try:
            if version < SCHEMA_VERSION or app != APPLICATION_ID:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    for step in MIGRATIONS[version:]:
                        if callable(step):
                            step(self.db)
                            continue
                        for stmt in filter(str.strip, step.split(";")):
                            self.db.execute(stmt)
                    self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    self.db.execute("COMMIT")
                except BaseException:
                    self.db.execute("ROLLBACK")
                    raise
                self.version = SCHEMA_VERSION
        except sqlite3.Error as exc:
            raise StoreError(f"Store: cannot write {str(p)!r}: {exc}") from None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE: no lock upgrade to fail
        between two writers); a database fault is one StoreError line."""
        if self.readonly:
            raise StoreError(f"Store: {self.path} was opened read-only")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"Store: cannot write {str(self.path)!r}: {exc}") from None
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"Store: cannot write {str(self.path)!r}: {exc}") from None
            raise

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ studies

    def find(self, name: str) -> int | None:
        """The id of the study ``name``, or None when no run of it has landed yet."""
        row = self.db.execute("SELECT id FROM studies WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    def study(self, name: str, config: dict[str, Any]) -> int:
        """The id of the study ``name``, created with ``config`` if new (resuming otherwise).
        ``compare`` does not call this: its study row is written with its first run."""
        with self._tx() as db:
            return self._study_id(db, name, config)

    @staticmethod
    def _study_id(db: sqlite3.Connection, name: str, config: dict[str, Any] | None) -> int:
        row = db.execute("SELECT id FROM studies WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        cur = db.execute(
            "INSERT INTO studies (name, config, created) VALUES (?, ?, ?)",
            (name, json.dumps(config or {}, default=str), time.time()),
        )
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def studies(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT id, name, config, created FROM studies ORDER BY id")
        return [
            {"id": r[0], "name": r[1], "config": json.loads(r[2]), "created": r[3]} for r in rows
        ]

    def done(self, study_id: int | None, cfg: RunConfig) -> set[int]:
        if study_id is None:
            return set()
        rows = self.db.execute(
            "SELECT seed FROM runs WHERE study_id = ? AND config_key = ?", (study_id, cfg.key())
        )
        return {int(r[0]) for r in rows}

    def add(
        self,
        study: int | str,
        cfg: RunConfig,
        result: RunResult,
        *,
        config: dict[str, Any] | None = None,
    ) -> int:
        """Record one finished run and its metrics in one transaction; returns the study's id.
        ``study``: an id, or a name — then the study row (with ``config``) is written in the
        same transaction as its first run, so no study exists without a run. A run already
        stored (another driver finished the same configuration and seed) is kept, not doubled,
        and any claim on it is released."""
        with self._tx() as db:
            if isinstance(study, str):
                study_id, name = self._study_id(db, study, config), study
            else:
                study_id = study
                row = db.execute("SELECT name FROM studies WHERE id = ?", (study,)).fetchone()
                if row is None:
                    raise StoreError(f"Store: {self.path} has no study with id {study!r}")
                name = row[0]
            key = cfg.key()
            if self.version >= 2:
                db.execute(
                    "DELETE FROM claims WHERE study = ? AND config_key = ? AND seed = ?",
                    (name, key, result.seed),
                )
            if db.execute(
                "SELECT 1 FROM runs WHERE study_id = ? AND config_key = ? AND seed = ?",
                (study_id, key, result.seed),
            ).fetchone():
                return study_id
            self._insert_run(db, study_id, cfg, result)
        return study_id

    def _insert_run(
        self, db: sqlite3.Connection, study_id: int, cfg: RunConfig, result: RunResult
    ) -> None:
        cur = db.execute(
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
        db.executemany(
            "INSERT INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)",
            [(run_id, st, name, _num(v)) for name, pts in result.curves.items() for st, v in pts],
        )
        db.executemany(
            "INSERT INTO layers (run_id, step, layer, grad_norm, dead, saturated, flat, "
            "grad_rms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    r["step"],
                    r["layer"],
                    _num(r["grad_norm"]),
                    _num(r["dead"]),
                    _num(r["saturated"]),
                    _num(r.get("flat", math.nan)),
                    _num(r.get("grad_rms", math.nan)),
                )
                for r in result.layers
            ],
        )
        db.executemany(
            "INSERT INTO histograms (run_id, step, layer, kind, lo, hi, counts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    h["step"],
                    h["layer"],
                    h["kind"],
                    HIST_LO,
                    HIST_HI,
                    json.dumps(h["counts"]),
                )
                for h in result.histograms
            ],
        )
        db.executemany(
            "INSERT INTO sources (run_id, name, split, rows, mode, statistics, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (run_id, name, d["split"], d["rows"], d["mode"], d["statistics"], d["detail"])
                for name, d in result.sources.items()
            ],
        )

    # ------------------------------------------------------------------ claims

    def claim(
        self, study: str, cfg: RunConfig, seeds: list[int], holder: str, lease: float = LEASE_S
    ) -> list[int]:
        """Take the seeds of ``cfg`` in study ``study`` that no run holds and no live claim
        holds; returns those now held by ``holder`` (for ``lease`` seconds unless renewed)."""
        key, now = cfg.key(), time.time()
        host, pid = socket.gethostname(), os.getpid()
        got: list[int] = []
        with self._tx() as db:
            row = db.execute("SELECT id FROM studies WHERE name = ?", (study,)).fetchone()
            finished = (
                {
                    int(r[0])
                    for r in db.execute(
                        "SELECT seed FROM runs WHERE study_id = ? AND config_key = ?",
                        (row[0], key),
                    )
                }
                if row
                else set()
            )
            held = {
                int(r[0]): r[1:]
                for r in db.execute(
                    "SELECT seed, holder, host, pid, expires FROM claims "
                    "WHERE study = ? AND config_key = ?",
                    (study, key),
                )
            }
            for s in seeds:
                if s in finished:
                    continue
                other = held.get(s)
                if other and other[0] != holder and other[3] > now and _alive(other[1], other[2]):
                    continue
                db.execute(
                    "INSERT OR REPLACE INTO claims (study, config_key, seed, holder, host, pid, "
                    "expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (study, key, s, holder, host, pid, now + lease),
                )
                got.append(s)
        return got

    def renew(self, holder: str, lease: float = LEASE_S) -> None:
        """Extend every claim ``holder`` has (the driver's heartbeat)."""
        with self._tx() as db:
            db.execute(
                "UPDATE claims SET expires = ? WHERE holder = ?", (time.time() + lease, holder)
            )

    def release(self, holder: str) -> None:
        """Drop ``holder``'s remaining claims (a driver that stops early)."""
        with self._tx() as db:
            db.execute("DELETE FROM claims WHERE holder = ?", (holder,))

    def pending(self, study: str, holder: str) -> int:
        """How many (configuration, seed) claims of ``study`` other holders have, alive."""
        now = time.time()
        rows = self.db.execute(
            "SELECT host, pid, expires FROM claims WHERE study = ? AND holder != ?",
            (study, holder),
        ).fetchall()
        return sum(1 for host, pid, exp in rows if exp > now and _alive(host, pid))

    def runs(self, study_id: int | None = None) -> list[RunRecord]:
        """The stored runs (of one study), oldest first, as typed records."""
        q = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs"
        rows = self.db.execute(
            q + (" WHERE study_id = ?" if study_id else "") + " ORDER BY id",
            (study_id,) if study_id else (),
        )
        # a study's runs share few configurations and one environment: each text parsed once
        parsed: dict[str, Any] = {}
        return [RunRecord.from_row(r, parsed) for r in rows]

    def curves(self, run_id: int) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {}
        for step, name, value in self.db.execute(
            "SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY step", (run_id,)
        ):
            out.setdefault(name, []).append((step, math.nan if value is None else value))
        return out

    def layer_stats(self, run_id: int) -> list[dict[str, Any]]:
        # a store read read-only before migration 3 has no flat/grad_rms: they read as NULL
        have = {r[1] for r in self.db.execute("PRAGMA table_info(layers)")}
        cols = ", ".join(c if c in have else f"NULL AS {c}" for c in LAYER_COLUMNS)
        rows = self.db.execute(
            f"SELECT {cols} FROM layers WHERE run_id = ? ORDER BY step, layer", (run_id,)
        )
        return [dict(zip(LAYER_COLUMNS, r, strict=True)) for r in rows]

    def histograms(self, run_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """The stored histograms of these runs (one query): run id → [{step, layer, kind,
        lo, hi, counts}] by step, layer and kind. None in a store from before schema 5."""
        out: dict[int, list[dict[str, Any]]] = {r: [] for r in run_ids}
        if self.version < 5 or not run_ids:
            return out
        rows = self.db.execute(  # the ids as one JSON argument: any number of runs
            "SELECT run_id, step, layer, kind, lo, hi, counts FROM histograms "
            "WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, step, layer, kind",
            (json.dumps([int(i) for i in run_ids]),),
        )
        for run_id, step, layer, kind, lo, hi, counts in rows:
            out[run_id].append(
                {"step": step, "layer": layer, "kind": kind, "lo": lo, "hi": hi,
                 "counts": json.loads(counts)}
            )  # fmt: skip
        return out

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
        if p.suffix not in (".json", ".csv"):
            raise ValueError(f"export: {p.name} must end in .csv or .json")
        if p.suffix == ".json":
            with atomic_open(p, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(rows, indent=2, default=str))
        else:
            keys = sorted({k for r in rows for k in r})
            with atomic_open(p, "w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=keys)
                w.writeheader()
                w.writerows(rows)
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
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO datasets (key, name, identity, task, metric, features, "
                "outputs, image_shape, note, summary, points, baseline) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
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
                    json.dumps(asdict(baseline(data.task, data.y_train, data.y_test))),
                ),
            )
        return key

    def datasets(self) -> dict[str, DatasetRecord]:
        """Every recorded data identity by key (none in a store from before schema 4)."""
        if self.version < 4:
            return {}
        rows = self.db.execute(
            "SELECT key, name, identity, task, metric, features, outputs, image_shape, note, "
            "summary, points, baseline FROM datasets"
        )
        return {r[0]: DatasetRecord.from_row(r) for r in rows}

    def add_study_configs(
        self, study_id: int, configs: list[RunConfig], seeds: list[int], command: str
    ) -> None:
        """Record the configurations a study run asked for (new ones only)."""
        with self._tx() as db:
            db.executemany(
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
        if self.version < 4:
            return []
        rows = self.db.execute(
            "SELECT config, seeds, command FROM study_configs WHERE study_id = ? ORDER BY rowid",
            (study_id,),
        )
        return [(config_from_json(r[0]), json.loads(r[1]), r[2]) for r in rows]

    def series(
        self, study_id: int, *names: str, runs: Iterable[int] | None = None
    ) -> dict[str, dict[int, list[tuple[int, float]]]]:
        """Curves (``val_metric``, ``time``, ...) of every run of a study (or of the ``runs``
        given by id), one query per name: name → run id → [(step, value)]."""
        out: dict[str, dict[int, list[tuple[int, float]]]] = {}
        where, args = self._study_runs(study_id, runs)
        for name in names:
            rows = self.db.execute(
                "SELECT run_id, step, value FROM metrics WHERE name = ? AND run_id IN "
                f"({where}) ORDER BY run_id, step",
                (name, *args),
            ).fetchall()
            curves: dict[int, list[tuple[int, float]]] = {}
            for run_id, group in itertools.groupby(rows, key=lambda r: r[0]):
                curves[run_id] = [(st, math.nan if v is None else v) for _, st, v in group]
            out[name] = curves
        return out

    @staticmethod
    def _study_runs(study_id: int, runs: Iterable[int] | None) -> tuple[str, tuple[Any, ...]]:
        """The subquery (and its arguments) selecting a study's run ids, or those of ``runs``
        among them (one JSON argument, however many)."""
        if runs is None:
            return "SELECT id FROM runs WHERE study_id = ?", (study_id,)
        return (
            "SELECT id FROM runs WHERE study_id = ? AND id IN (SELECT value FROM json_each(?))",
            (study_id, json.dumps(sorted({int(i) for i in runs}))),
        )

    def study_layers(
        self, study_id: int, runs: Iterable[int] | None = None, *, ends: bool = False
    ) -> dict[int, list[dict[str, Any]]]:
        """``layer_stats`` of every run of a study (or of ``runs``) in one query, by run id;
        ``ends``: only each run's first and last recorded step (what the findings compare)."""
        have = {r[1] for r in self.db.execute("PRAGMA table_info(layers)")}
        cols = ", ".join(f"l.{c}" if c in have else f"NULL AS {c}" for c in LAYER_COLUMNS)
        where, args = self._study_runs(study_id, runs)
        if ends:
            q = (
                f"SELECT l.run_id, {cols} FROM layers l JOIN (SELECT run_id, MIN(step) AS lo, "
                f"MAX(step) AS hi FROM layers WHERE run_id IN ({where}) GROUP BY run_id) e "
                "ON l.run_id = e.run_id AND (l.step = e.lo OR l.step = e.hi) "
                "ORDER BY l.run_id, l.step, l.layer"
            )
        else:
            q = (
                f"SELECT l.run_id, {cols} FROM layers l WHERE l.run_id IN ({where}) "
                "ORDER BY l.run_id, l.step, l.layer"
            )
        out: dict[int, list[dict[str, Any]]] = {}
        for run_id, group in itertools.groupby(self.db.execute(q, args), key=lambda r: r[0]):
            out[run_id] = [dict(zip(LAYER_COLUMNS, r[1:], strict=True)) for r in group]
        return out

    def study_sources(self, study_id: int) -> dict[str, dict[str, list[str]]]:
        """What each recorded number of a study was measured on, in one query: per
        configuration key, per number, the distinct descriptions (``sources``' detail) of
        its runs, oldest first."""
        rows = self.db.execute(
            "SELECT r.config_key, s.name, s.detail, MIN(s.run_id) AS first FROM sources s "
            "JOIN runs r ON r.id = s.run_id WHERE r.study_id = ? "
            "GROUP BY r.config_key, s.name, s.detail ORDER BY first, s.name",
            (study_id,),
        )
        out: dict[str, dict[str, list[str]]] = {}
        for key, name, detail, _ in rows:
            out.setdefault(key, {}).setdefault(name, []).append(detail)
        return out

    def study_params(self, study_id: int, runs: Iterable[int]) -> dict[int, bytes]:
        """The stored parameters of ``runs`` (ids of the study's runs) in one query."""
        where, args = self._study_runs(study_id, runs)
        rows = self.db.execute(f"SELECT id, params FROM runs WHERE id IN ({where})", args)
        return {i: bytes(p) if p is not None else b"" for i, p in rows}
