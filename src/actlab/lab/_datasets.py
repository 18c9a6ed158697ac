"""Datasets, one registry: TensorFlow Playground's generators (reproduced draw for draw),
moons and checkerboard, scikit-learn's bundled real sets, a synthetic multi-label set, and user
files (CSV, .npz, MNIST-format IDX). Every set is deterministic given a seed and comes split
into train/validation/test with standardisation fitted on the training part only."""

from __future__ import annotations

import csv
import difflib
import gzip
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TASKS = ("binary", "multiclass", "multilabel", "regression")


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    task: str
    make: Callable[..., tuple[np.ndarray, ...]]  # (n, noise, rng) -> (X, y)
    summary: str
    n: int | None = None  # default sample count for generated sets
    noise: float = 0.0
    image_shape: tuple[int, ...] | None = None
    # a set with an official test split: make returns (X, y, test rows), the test rows last
    # (kept as the test split; validation is a fixed VAL_SHARE of the rest, drawn with the seed)
    fixed_test: bool = False
    # make reads files: it takes data_dir= (None: ACTLAB_DATA, then the Debian package)
    files: bool = False


VAL_SHARE = 1 / 6  # of an official training split: 10000 of FashionMNIST's 60000, as UvA's


@dataclass
class Data:
    """A split, standardised dataset. y: class indices (binary/multiclass), 0/1 matrix
    (multilabel) or floats (regression)."""

    name: str
    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_outputs: int
    image_shape: tuple[int, ...] | None = None
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    # how the task was decided, in a sentence (printed by ``actlab compare``)
    task_note: str = ""

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "task": self.task,
            "features": self.n_features,
            "outputs": self.n_outputs,
            "train": len(self.X_train),
            "val": len(self.X_val),
            "test": len(self.X_test),
        }


_REGISTRY: dict[str, DatasetSpec] = {}
_ALIASES = {
    "spirals": "spiral",
    "two_gauss": "gauss",
    "gaussian": "gauss",
    "regress_plane": "reg-plane",
    "regress_gauss": "reg-gauss",
    "reg_plane": "reg-plane",
    "reg_gauss": "reg-gauss",
    "checker": "checkerboard",
    "cancer": "breast_cancer",
    "fashion-mnist": "fashion_mnist",
    "fashionmnist": "fashion_mnist",
}


def dataset(spec: DatasetSpec) -> DatasetSpec:
    _REGISTRY[spec.name] = spec
    return spec


def dataset_names() -> list[str]:
    return sorted(_REGISTRY)


def resolve_dataset(name: str) -> DatasetSpec:
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key in _REGISTRY:
        return _REGISTRY[key]
    close = difflib.get_close_matches(key, list(_REGISTRY) + list(_ALIASES), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"unknown dataset {name!r}{hint} (available: {', '.join(dataset_names())}; "
        "or a file: .csv with target=, .npz, IDX)"
    )


# ---------------------------------------------------------------------- TensorFlow Playground
# Transcribed from playground/src/dataset.ts: the same draws in the same order, with NumPy's
# uniform [0, 1) generator standing in for Math.random. Labels −1/+1 become classes 0/1.


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], a: float, b: float) -> np.ndarray:
    return rng.random(shape) * (b - a) + a


def playground_circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    radius = 5.0
    half = n // 2
    parts = []
    for lo, hi in ((0.0, radius * 0.5), (radius * 0.7, radius)):
        u = rng.random((half, 4))  # per point: r, angle, noiseX, noiseY
        r = u[:, 0] * (hi - lo) + lo
        angle = u[:, 1] * 2 * math.pi
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx, ny = (u[:, 2] * 2 * radius - radius) * noise, (u[:, 3] * 2 * radius - radius) * noise
        label = np.where(np.hypot(x + nx, y + ny) < radius * 0.5, 1, -1)
        parts.append((np.stack([x, y], 1), label))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def playground_xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    u = rng.random((n, 4))  # per point: x, y, noiseX, noiseY
    x, y = u[:, 0] * 10 - 5, u[:, 1] * 10 - 5
    x = x + np.where(x > 0, 0.3, -0.3)
    y = y + np.where(y > 0, 0.3, -0.3)
    nx, ny = (u[:, 2] * 10 - 5) * noise, (u[:, 3] * 10 - 5) * noise
    label = np.where((x + nx) * (y + ny) >= 0, 1, -1)
    return np.stack([x, y], 1), label


def _normal_random(rng: np.random.Generator, mean: float, variance: float) -> float:
    while True:  # the Marsaglia polar method, as normalRandom in dataset.ts
        v1, v2 = 2 * rng.random() - 1, 2 * rng.random() - 1
        s = v1 * v1 + v2 * v2
        if s <= 1:
            break
    return mean + math.sqrt(variance) * math.sqrt(-2 * math.log(s) / s) * v1


def playground_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    variance = 0.5 + (4 - 0.5) * noise / 0.5  # d3 scale [0, .5] -> [.5, 4]
    pts, labels = [], []
    for cx, cy, label in ((2.0, 2.0, 1), (-2.0, -2.0, -1)):
        for _ in range(n // 2):
            x = _normal_random(rng, cx, variance)
            y = _normal_random(rng, cy, variance)
            pts.append((x, y))
            labels.append(label)
    return np.array(pts), np.array(labels)


def playground_spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    half = n // 2
    i = np.arange(half)
    parts = []
    for delta, label in ((0.0, 1), (math.pi, -1)):
        r = i / half * 5
        t = 1.75 * i / half * 2 * math.pi + delta
        u = rng.random((half, 2))  # per point: x noise, y noise
        x = r * np.sin(t) + (u[:, 0] * 2 - 1) * noise
        y = r * np.cos(t) + (u[:, 1] * 2 - 1) * noise
        parts.append((np.stack([x, y], 1), np.full(half, label)))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _noisy_square(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    u = rng.random((n, 4))
    x, y = u[:, 0] * 12 - 6, u[:, 1] * 12 - 6
    return x, y, (u[:, 2] * 12 - 6) * noise, (u[:, 3] * 12 - 6) * noise


def playground_reg_plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    x, y, nx, ny = _noisy_square(n, noise, rng)
    label = (x + nx + y + ny) / 10  # d3 scale [-10, 10] -> [-1, 1]
    return np.stack([x, y], 1), label


_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def playground_reg_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    x, y, nx, ny = _noisy_square(n, noise, rng)
    px, py = x + nx, y + ny
    label = np.zeros(n)
    for cx, cy, sign in _GAUSSIANS:  # the largest in absolute value wins (strictly)
        new = sign * np.clip(1 - np.hypot(px - cx, py - cy) / 2, 0, 1)
        label = np.where(np.abs(new) > np.abs(label), new, label)
    return np.stack([x, y], 1), label


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import make_moons

    xy: tuple[np.ndarray, ...] = make_moons(
        n, noise=noise, random_state=int(rng.integers(2**31 - 1))
    )
    return xy


def checkerboard(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    X = rng.random((n, 2)) * 4 - 2  # a 4×4 board on [-2, 2]²
    cells = np.floor(X + 2).astype(int)
    y = (cells[:, 0] + cells[:, 1]) % 2
    return X + rng.normal(0, noise, X.shape), y


for _name, _task, _make, _sum in (
    ("circle", "binary", playground_circle, "Playground: a disc inside a ring"),
    ("xor", "binary", playground_xor, "Playground: the four XOR quadrants"),
    ("gauss", "binary", playground_gauss, "Playground: two Gaussian blobs"),
    ("spiral", "binary", playground_spiral, "Playground: two interleaved spirals"),
):
    dataset(DatasetSpec(_name, _task, _make, _sum, n=500))
dataset(
    DatasetSpec(
        "reg-plane", "regression", playground_reg_plane, "Playground: a tilted plane", n=500
    )
)
dataset(
    DatasetSpec(
        "reg-gauss",
        "regression",
        playground_reg_gauss,
        "Playground: six signed Gaussian bumps",
        n=500,
    )
)
dataset(DatasetSpec("moons", "binary", moons, "two interleaving half circles", n=500, noise=0.1))
dataset(
    DatasetSpec("checkerboard", "binary", checkerboard, "a 4x4 checkerboard", n=1000, noise=0.0)
)


# ---------------------------------------------------------------------- scikit-learn's bundled sets


def _sk(loader: str) -> Callable[..., tuple[np.ndarray, ...]]:
    def make(n: int | None, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        import sklearn.datasets as skd

        X, y = getattr(skd, loader)(return_X_y=True)
        return np.asarray(X, float), np.asarray(y)

    return make


dataset(
    DatasetSpec(
        "digits",
        "multiclass",
        _sk("load_digits"),
        "8x8 handwritten digits (1797)",
        image_shape=(1, 8, 8),
    )
)
dataset(
    DatasetSpec(
        "breast_cancer",
        "binary",
        _sk("load_breast_cancer"),
        "Wisconsin breast cancer (569, 30 features)",
    )
)
dataset(DatasetSpec("iris", "multiclass", _sk("load_iris"), "iris flowers (150, 3 classes)"))
dataset(DatasetSpec("wine", "multiclass", _sk("load_wine"), "wine cultivars (178, 3 classes)"))
dataset(
    DatasetSpec(
        "diabetes", "regression", _sk("load_diabetes"), "diabetes progression (442, 10 features)"
    )
)


def multilabel(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(
        n_samples=n,
        n_features=10,
        n_classes=5,
        n_labels=2,
        random_state=int(rng.integers(2**31 - 1)),
    )
    return X.astype(float), Y


dataset(
    DatasetSpec("multilabel", "multilabel", multilabel, "synthetic: 5 labels, 10 features", n=1000)
)


# ---------------------------------------------------------------------- user files


def read_csv(path: Path, target: str | None) -> tuple[np.ndarray, np.ndarray]:
    if target is None:
        raise ValueError(f"load: {path.name} is a CSV file; pass target=<column name>")
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 2:
        raise ValueError(f"load: {path.name} has no data rows")
    header, body = rows[0], rows[1:]
    if target not in header:
        close = difflib.get_close_matches(target, header, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"load: {path.name} has no column {target!r}{hint} (columns: {', '.join(header)})"
        )
    t = header.index(target)
    X, y = [], []
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(
                f"load: {path.name} line {i} has {len(row)} fields, the header {len(header)}"
            )
        feats = []
        for j, v in enumerate(row):
            if j == t:
                continue
            try:
                feats.append(float(v))
            except ValueError:
                raise ValueError(
                    f"load: {path.name} line {i}, column {header[j]!r}: non-numeric feature {v!r}"
                ) from None
        X.append(feats)
        y.append(row[t])
    yarr = np.array(y)
    try:
        yarr = yarr.astype(float)
    except ValueError:
        yarr = np.unique(yarr, return_inverse=True)[1]
    return np.array(X, float), yarr


def read_idx(path: Path) -> np.ndarray:
    """An MNIST-format IDX array (optionally .gz)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"load: {path.name} is not an IDX file (bad magic number)")
    code, ndim = raw[2], raw[3]
    types = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if code not in types:
        raise ValueError(f"load: {path.name}: unknown IDX type code {code:#x}")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=types[code], offset=4 + 4 * ndim)
    if data.size != math.prod(dims):
        raise ValueError(f"load: {path.name}: header says {dims}, file holds {data.size} values")
    return data.reshape(dims).astype(np.float64)


def read_file(
    path: str | Path, target: str | None = None, labels: str | Path | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...] | None]:
    p = Path(path)
    if not p.exists():
        raise ValueError(f"load: no such file {str(p)!r}")
    if p.suffix == ".csv":
        X, y = read_csv(p, target)
        return X, y, None
    if p.suffix == ".npz":
        with np.load(p) as z:
            if "X" not in z or "y" not in z:
                raise ValueError(
                    f"load: {p.name} must hold arrays 'X' and 'y', has {', '.join(z.files)}"
                )
            return np.asarray(z["X"], float), np.asarray(z["y"]), None
    if "idx" in p.name:
        if labels is None:
            raise ValueError(f"load: {p.name} is an IDX image file; pass labels=<IDX labels file>")
        images = read_idx(p)
        y = read_idx(Path(labels)).astype(int)
        if len(y) != len(images):
            raise ValueError(f"load: {len(images)} images but {len(y)} labels")
        shape = (1, *images.shape[1:]) if images.ndim == 3 else None
        return images.reshape(len(images), -1) / 255.0, y, shape
    raise ValueError(f"load: {p.name}: unknown file type (use .csv, .npz or IDX)")


# ---------------------------------------------------------------------- load and split


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes: the identity of user data (a changed file is other data)."""
    import hashlib

    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def task_note(name: str, y: np.ndarray, task: str, given: bool) -> str:
    """Why the task is what it is: ``age: 61 distinct integer values → multiclass; pass --task
    regression if it is a quantity``."""
    if given:
        return f"{name}: task {task} (given)"
    if y.ndim == 2:
        return f"{name}: a 0/1 matrix of {y.shape[1]} labels → multilabel"
    k = len(np.unique(y))
    if task == "regression":
        return f"{name}: {k} distinct non-integer values → regression"
    hint = "; pass --task regression if it is a quantity" if k > 2 else ""
    kind = "integer values" if np.issubdtype(np.asarray(y).dtype, np.number) else "labels"
    return f"{name}: {k} distinct {kind} → {task}{hint}"


def _override(y: np.ndarray, task: str, name: str) -> np.ndarray:
    """The targets for an explicitly given task, or the reason they cannot be."""
    if task not in TASKS:
        raise ValueError(f"load: task must be one of {', '.join(TASKS)}, got {task!r}")
    if task == "multilabel":
        if y.ndim != 2 or not np.isin(y, (0, 1)).all():
            raise ValueError(f"load: task multilabel needs a 0/1 target matrix; {name}'s is not")
        return y
    if y.ndim == 2:
        raise ValueError(f"load: {name} has a target matrix; only task multilabel fits it")
    if task == "regression":
        try:
            return np.asarray(y, float)
        except ValueError:
            raise ValueError(
                f"load: task regression needs numeric targets; {name}'s are not"
            ) from None
    k = len(np.unique(y))
    if task == "binary" and k != 2:
        raise ValueError(f"load: task binary needs 2 classes; {name} has {k}")
    if k < 2:
        raise ValueError(f"load: {name} has a single class; nothing to classify")
    return np.unique(y, return_inverse=True)[1]


def name_of_arrays(X: np.ndarray, y: np.ndarray) -> str:
    """arrays-<hash of the values>: two different array sets never share a name (a row of a
    comparison is one data identity)."""
    import hashlib

    h = hashlib.sha256()
    for a in (X, y):
        a = np.ascontiguousarray(a)
        h.update(str((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    return "arrays-" + h.hexdigest()[:10]


def _task_of(y: np.ndarray) -> str:
    if y.ndim == 2:
        return "multilabel"
    if np.issubdtype(y.dtype, np.floating) and not np.all(y == np.round(y)):
        return "regression"
    k = len(np.unique(y))
    return "binary" if k == 2 else ("multiclass" if k > 2 else "single")


def load(
    name: str | None = None,
    *,
    seed: int = 0,
    n: int | None = None,
    noise: float | None = None,
    path: str | Path | None = None,
    target: str | None = None,
    labels: str | Path | None = None,
    split: tuple[float, float, float] = (0.6, 0.2, 0.2),
    task: str | None = None,
    data_dir: str | Path | None = None,
    arrays: tuple[Any, Any] | None = None,
) -> Data:
    """A dataset by name (``load("spiral", seed=0, noise=0.1)``) or from a file
    (``load(path="data.csv", target="label")``), split and standardised on train. ``task``
    overrides the inferred task (an integer-valued quantity is multiclass unless told).
    A set with an official test split (fashion_mnist, mnist, mnist1d) keeps it; ``n`` then
    subsamples the training part (train + validation rows). ``data_dir``: where a file-backed
    set's files are (default: $ACTLAB_DATA, then the Debian package's directory).
    ``arrays=(X, y)``: your own arrays (X: rows × features, or images rows × C × H × W)."""
    if sum(x is not None for x in (name, path, arrays)) != 1:
        raise ValueError("load: give a dataset name, path= or arrays=, exactly one")
    if not (len(split) == 3 and all(s > 0 for s in split) and abs(sum(split) - 1) < 1e-9):
        raise ValueError(f"load: split must be three positive fractions summing to 1, got {split}")
    rng = np.random.default_rng(seed)
    image_shape = None
    fixed_test: int | None = None
    if arrays is not None:
        X, y = (np.asarray(a) for a in arrays)
        if X.ndim == 4:  # images (rows, C, H, W): the model sees them as such
            image_shape = tuple(int(k) for k in X.shape[1:])
            X = X.reshape(len(X), -1)
        dname = name_of_arrays(X, y)
        inferred = _task_of(y) if task is None else task
        if inferred == "single":
            raise ValueError(f"load: {dname} has a single class; nothing to classify")
        note = task_note(dname, y, inferred, task is not None)
        y = _override(y, inferred, dname)
        task = inferred
    elif path is not None:
        X, y, image_shape = read_file(path, target, labels)
        dname = Path(path).stem
        what = target or dname
        inferred = _task_of(y) if task is None else task
        if inferred == "single":
            raise ValueError(f"load: {dname} has a single class; nothing to classify")
        note = task_note(what, y, inferred, task is not None)
        y = _override(y, inferred, what)
        task = inferred
    else:
        spec = resolve_dataset(str(name))
        count = n if n is not None else spec.n
        if count is not None and (not isinstance(count, int) or count < 10):
            raise ValueError(f"load: n must be an int >= 10, got {count!r}")
        nz = spec.noise if noise is None else noise
        if not (isinstance(nz, int | float) and math.isfinite(nz) and nz >= 0):
            raise ValueError(f"load: noise must be a finite number >= 0, got {noise!r}")
        extra = {"data_dir": data_dir} if spec.files else {}
        made = spec.make(count, float(nz), rng, **extra)
        X, y = made[0], made[1]
        dname, image_shape = spec.name, spec.image_shape
        fixed_test = int(made[2]) if spec.fixed_test else None
        if spec.task == "binary" and y.min() < 0:
            y = (y > 0).astype(int)
        if task is not None and task != spec.task:
            y = _override(y, task, dname)
            note = f"{dname}: task {task} (given; the set's own is {spec.task})"
        else:
            task = spec.task
            note = f"{dname}: task {task} (the set's own)"
    X = np.asarray(X, float)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(
            f"load: features must be a 2-D array with one row per target, got "
            f"{X.shape} and {len(y)} targets"
        )
    if not np.all(np.isfinite(X)) or (
        np.issubdtype(np.asarray(y).dtype, np.floating) and not np.all(np.isfinite(y))
    ):
        raise ValueError(f"load: {dname} contains NaN or inf; clean or impute it first")
    if task == "single":
        raise ValueError(f"load: {dname} has a single class; nothing to classify")
    if fixed_test is not None:  # the official test rows; a fixed validation share of the rest
        pool = len(X) - fixed_test
        idx = rng.permutation(pool)
        if n is not None:
            idx = idx[:n]
        v = round(VAL_SHARE * len(idx))
        tr, va, te = idx[v:], idx[:v], np.arange(pool, len(X))
    else:
        idx = rng.permutation(len(X))
        a = round(split[0] * len(X))
        b = a + round(split[1] * len(X))
        tr, va, te = idx[:a], idx[a:b], idx[b:]
    mean = X[tr].mean(0)
    std = X[tr].std(0)
    std = np.where(std > 0, std, 1.0)
    Z = (X - mean) / std
    if task == "regression":
        y = np.asarray(y, float)
        n_out = 1
    elif task == "multilabel":
        y = np.asarray(y, float)
        n_out = y.shape[1]
    else:
        y = np.asarray(y, int)
        n_out = 1 if task == "binary" else int(y.max()) + 1
    return Data(
        dname, task, Z[tr], y[tr], Z[va], y[va], Z[te], y[te], n_out, image_shape, mean, std, note
    )


from . import _real as _real  # noqa: E402  (registers the file-backed sets: fashion_mnist, ...)
