"""Who is watching ``actlab.torch.functional`` calls: the monitors now recording (``watch``).

A functional call is a plain Python function, invisible to module hooks; it tells each
observer that it starts (so that the torch functions it calls inside are not counted again)
and what it computed. Empty — one truth test per call — when nothing watches.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch

from .._catalog import Activation


class Observer(Protocol):
    def inside(self, delta: int) -> None: ...

    def functional(self, act: Activation, x: torch.Tensor, y: torch.Tensor) -> None: ...


OBSERVERS: list[Any] = []
