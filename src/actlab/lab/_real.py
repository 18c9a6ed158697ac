"""Real image sets read from local files, never downloaded: FashionMNIST and MNIST from their
IDX files (Debian's ``dataset-fashion-mnist`` package, or a directory you name), and MNIST-1D
from the ``mnist1d`` package's offline generator (``make_dataset``, never its download).

Where the files are looked for, first hit wins: ``data_dir=`` (``--data-dir``), then
``$ACTLAB_DATA``, then where ``dpkg -L dataset-fashion-mnist`` lists them. A directory may hold
the four files itself or in a subdirectory named after the set (``fashion-mnist/``,
``mnist/``); each file may be gzipped."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from ._datasets import DatasetSpec, dataset, read_idx

DEBIAN_PACKAGE = "dataset-fashion-mnist"
DEBIAN_DIR = Path("/usr/share/datasets")  # where the package puts fashion-mnist/
IDX_FILES = (  # (train images, train labels, test images, test labels): the sets' own names
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
SUBDIRS = {"fashion_mnist": ("fashion-mnist", "fashion_mnist"), "mnist": ("mnist",)}
_CACHE: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray, int]] = {}


def _debian_dirs() -> list[Path]:
    """The directories ``dpkg -L dataset-fashion-mnist`` lists IDX files in (none without
    dpkg or the package)."""
    if shutil.which("dpkg") is None:
        return []
    try:
        out = subprocess.run(
            ["dpkg", "-L", DEBIAN_PACKAGE], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    found = {Path(line).parent for line in out.stdout.splitlines() if "idx" in line}
    return sorted(found)


def _find(d: Path) -> list[Path] | None:
    files = []
    for name in IDX_FILES:
        hit = next((d / (name + ext) for ext in ("", ".gz") if (d / (name + ext)).is_file()), None)
        if hit is None:
            return None
        files.append(hit)
    return files


def locate(name: str, data_dir: str | Path | None = None) -> list[Path]:
    """The four IDX files of ``name`` ("fashion_mnist" or "mnist"), or a one-line error that
    says where they were looked for and how to get them."""
    roots: list[Path] = []
    if data_dir is not None:
        roots.append(Path(data_dir))
    elif os.environ.get("ACTLAB_DATA"):
        roots.append(Path(os.environ["ACTLAB_DATA"]))
    else:
        if name == "fashion_mnist":
            roots.extend(_debian_dirs())
        roots.append(DEBIAN_DIR)
    tried = []
    for root in roots:
        for d in (root, *(root / s for s in SUBDIRS[name])):
            tried.append(str(d))
            files = _find(d)
            if files is not None:
                return files
    where = ", ".join(dict.fromkeys(tried))
    how = (
        f"apt-get install {DEBIAN_PACKAGE} (or `make data`), or put "
        if name == "fashion_mnist"
        else "put "
    )
    raise ValueError(
        f"load: {name} not found (looked in {where}); {how}its IDX files "
        f"({', '.join(IDX_FILES)}, optionally .gz) in a directory and pass data_dir= / "
        "--data-dir or set ACTLAB_DATA"
    )


def read_set(files: list[Path]) -> tuple[np.ndarray, np.ndarray, int]:
    """Training then test rows: images (rows, pixels) in [0, 1], labels, and how many of the
    rows (the last) are the test split; checked."""
    key = tuple(str(f) for f in files)
    if key in _CACHE:
        return _CACHE[key]
    xtr, ytr, xte, yte = (read_idx(f) for f in files)
    for x, y, part in ((xtr, ytr, "training"), (xte, yte, "test")):
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(
                f"load: the {part} IDX files hold images {x.shape} and labels {y.shape}; "
                "expected (rows, height, width) and (rows,)"
            )
    if xtr.shape[1:] != xte.shape[1:]:
        raise ValueError(f"load: training images are {xtr.shape[1:]}, test images {xte.shape[1:]}")
    X = np.concatenate([xtr, xte]).reshape(len(xtr) + len(xte), -1) / 255.0
    y = np.concatenate([ytr, yte]).astype(int)
    _CACHE[key] = (X, y, len(xte))
    return _CACHE[key]


def _idx_set(name: str) -> Any:
    def make(
        n: int | None, noise: float, rng: np.random.Generator, data_dir: Any = None
    ) -> tuple[np.ndarray, np.ndarray, int]:
        return read_set(locate(name, data_dir))

    return make


def mnist1d(n: int | None, noise: float, rng: np.random.Generator) -> tuple[Any, ...]:
    """MNIST-1D's default set (5000 sequences of 40, 4000 train / 1000 test) from the
    package's generator with its own seed (42): the published set, made offline. Its global
    NumPy and ``random`` states are restored afterwards."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise ValueError(
            "load: mnist1d needs the mnist1d package: pip install 'actlab[lab]' "
            "(or pip install mnist1d)"
        ) from None
    import random

    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    X = np.concatenate([d["x"], d["x_test"]]).astype(float)
    y = np.concatenate([d["y"], d["y_test"]]).astype(int)
    return X, y, len(d["y_test"])


dataset(
    DatasetSpec(
        "fashion_mnist",
        "multiclass",
        _idx_set("fashion_mnist"),
        "Zalando's 28x28 clothing images (60000 + 10000 test; local IDX files)",
        image_shape=(1, 28, 28),
        fixed_test=True,
        files=True,
    )
)
dataset(
    DatasetSpec(
        "mnist",
        "multiclass",
        _idx_set("mnist"),
        "28x28 handwritten digits (60000 + 10000 test; local IDX files)",
        image_shape=(1, 28, 28),
        fixed_test=True,
        files=True,
    )
)
dataset(
    DatasetSpec(
        "mnist1d",
        "multiclass",
        mnist1d,
        "MNIST-1D: 40-point sequences, 10 classes (4000 + 1000 test; offline generator)",
        fixed_test=True,
    )
)
