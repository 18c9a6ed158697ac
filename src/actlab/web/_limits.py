"""The explorer's bounds on compute per request, defined once: every request model reads its
caps from here, the catalog endpoint reports them to the page, and tests shrink them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """What one request may ask for. ``points``: samples of a function curve; ``seeds``:
    networks trained together (1–``seeds``); ``steps``: optimiser steps of one training;
    ``width``/``depth``: units per hidden layer and hidden layers of a network;
    ``stack``: layers of the mean-field card's deep stack; ``activations``: curves of
    one function request, or networks of one training; ``upload_bytes``: a CSV's size;
    ``samples``: rows of a generated dataset; ``jobs``: trainings that run at once (the rest
    queue, up to ``queue``); ``job_seconds``: a training's wall-clock limit; ``text``: the
    longest string field (a formula, a name)."""

    points: int = 5000
    seeds: int = 10
    steps: int = 5000
    width: int = 128
    depth: int = 8
    stack: int = 100
    activations: int = 12
    upload_bytes: int = 2_000_000
    samples: int = 5000
    jobs: int = 1
    queue: int = 4
    job_seconds: float = 300.0
    text: int = 500

    def public(self) -> dict[str, Any]:
        """The caps the page shows next to its inputs."""
        return asdict(self)
