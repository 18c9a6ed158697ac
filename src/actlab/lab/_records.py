"""What the store gives back: typed records of a stored run and of a data identity (never
dicts rebuilt into RunConfig by each reader), and the stored configuration's parser."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .._analysis._health import Baseline
from ._datasets import Data
from ._run import RunConfig

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
    def from_row(cls, r: tuple[Any, ...], parsed: dict[str, Any] | None = None) -> RunRecord:
        """A record from a ``runs`` row; ``parsed`` caches configurations and environments by
        their text (the records share them: a RunConfig is frozen, the dict is not changed)."""
        d = dict(zip(RUN_COLUMNS, r, strict=True))
        cache = {} if parsed is None else parsed
        cfg, env = d["config"], "env:" + d["env"]
        if cfg not in cache:
            cache[cfg] = config_from_json(cfg)
        if env not in cache:
            cache[env] = json.loads(d["env"])
        d["config"], d["env"] = cache[cfg], cache[env]
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
    baseline: Baseline  # actlab.health's trivial predictor on the test rows

    @classmethod
    def from_row(cls, r: tuple[Any, ...]) -> DatasetRecord:
        points = None
        if r[10] is not None:
            with np.load(io.BytesIO(bytes(r[10]))) as z:
                points = (z["X"], z["y"])
        shape = tuple(json.loads(r[7])) if r[7] else None
        return cls(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6], shape, r[8],
                   json.loads(r[9]), points, Baseline(**json.loads(r[11])))  # fmt: skip

    def data(self) -> Data:
        """A stand-in Data with the stored points as its training split: what building the
        network and drawing the boundary need."""
        X, y = (
            self.points if self.points is not None else (np.zeros((0, self.features)), np.zeros(0))
        )
        return Data(self.name, self.task, X, y, X[:0], y[:0], X[:0], y[:0], self.outputs,
                    self.image_shape, None, None, self.note)  # fmt: skip
