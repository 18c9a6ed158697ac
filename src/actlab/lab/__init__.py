"""actlab.lab (extra ``lab``): train the same network on the same data with each activation,
many seeds at once; store, compare and report.

    from actlab.lab import compare
    study = compare(dataset="digits", activations=["sigmoid", "relu", "gelu"], seeds=5)
    study.summary()              # ranked table, mean ± 95% CI
    study.report("report.html")  # self-contained HTML
"""

from ._datasets import Data, DatasetSpec, dataset_names, load, resolve_dataset
from ._executors import RayExecutor
from ._store import Store, StoreError
from ._study import DEFAULT_STUDY, LocalExecutor, Study, compare, grid, read_config
from ._train import BatchedNet, Progress, RunConfig, RunResult, batch_order, train

__all__ = [
    "DEFAULT_STUDY",
    "BatchedNet",
    "Data",
    "DatasetSpec",
    "LocalExecutor",
    "Progress",
    "RayExecutor",
    "RunConfig",
    "RunResult",
    "Store",
    "StoreError",
    "Study",
    "batch_order",
    "compare",
    "dataset_names",
    "grid",
    "load",
    "read_config",
    "resolve_dataset",
    "train",
]
