"""From the train panel's request to the lab's study configuration: the optimizer names the
page offers (Playground's: SGD, momentum, Adam) as RunConfig's optimizer and momentum."""

from __future__ import annotations

from ..lab._datasets import dataset_names as _all_datasets
from ..lab._run import RunConfig

#: the page's optimizer -> (RunConfig.optimizer, RunConfig.momentum)
OPTIMIZERS: dict[str, tuple[str, float]] = {
    "sgd": ("sgd", 0.0),
    "momentum": ("sgd", RunConfig.momentum),
    "adam": ("adam", RunConfig.momentum),
}


def dataset_names() -> list[str]:
    """The lab's datasets (its registry)."""
    return _all_datasets()
