"""The results store: SQLite in WAL mode. Each finished run is committed on its own, so killing
a sweep at any moment loses no completed run, and a resumed study skips what is done."""

from __future__ import annotations

import csv
import json
import math
import platform
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

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
    grad_norm REAL, dead REAL, saturated REAL, flat REAL, grad_rms REAL
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


def _add_health_columns(db: sqlite3.Connection) -> None:
    """Stores from before actlab.health's flat share and ∂loss/∂z RMS get the columns (NULL
    for their old runs)."""
    have = {r[1] for r in db.execute("PRAGMA table_info(layers)")}
    for col in ("flat", "grad_rms"):
        if col not in have:
            db.execute(f"ALTER TABLE layers ADD COLUMN {col} REAL")


class Store:
    """``Store("runs/actlab.db")``: studies, runs (config, environment, status, timings),
    per-step metrics and layer statistics, and what each was measured on (``sources``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
            _add_health_columns(self.db)
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
            self.db.executemany(
                "INSERT INTO sources (run_id, name, split, rows, mode, statistics, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, name, d["split"], d["rows"], d["mode"], d["statistics"], d["detail"])
                    for name, d in result.sources.items()
                ],
            )

    def runs(self, study_id: int | None = None) -> list[dict[str, Any]]:
        q = (
            "SELECT id, study_id, config_key, config, seed, status, diverged_step, test_metric, "
            "test_loss, val_metric, wall, steps, env FROM runs"
        )
        rows = self.db.execute(
            q + (" WHERE study_id = ?" if study_id else "") + " ORDER BY id",
            (study_id,) if study_id else (),
        )
        cols = [
            "id",
            "study_id",
            "config_key",
            "config",
            "seed",
            "status",
            "diverged_step",
            "test_metric",
            "test_loss",
            "val_metric",
            "wall",
            "steps",
            "env",
        ]
        out = []
        for r in rows:
            d = dict(zip(cols, r, strict=True))
            d["config"], d["env"] = json.loads(d["config"]), json.loads(d["env"])
            out.append(d)
        return out

    def curves(self, run_id: int) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {}
        for step, name, value in self.db.execute(
            "SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY step", (run_id,)
        ):
            out.setdefault(name, []).append((step, math.nan if value is None else value))
        return out

    def layer_stats(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT step, layer, grad_norm, dead, saturated, flat, grad_rms FROM layers "
            "WHERE run_id = ? ORDER BY step, layer",
            (run_id,),
        )
        return [dict(zip(LAYER_COLUMNS, r, strict=True)) for r in rows]

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
        rows = []
        for r in self.runs(study_id):
            flat = {k: v for k, v in r.items() if k not in ("config", "env")}
            flat.update({f"config.{k}": v for k, v in r["config"].items()})
            rows.append(flat)
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

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.runs())
