"""The file-backed real sets: the IDX reader on files written here, the search order
(data_dir, ACTLAB_DATA, the Debian package), the errors, and — where Debian's
dataset-fashion-mnist is installed — the real FashionMNIST."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from actlab.lab import load
from actlab.lab._real import IDX_FILES, locate, read_set


def _write_idx(path: Path, arr: np.ndarray, gz: bool = False) -> None:
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    raw = header + arr.astype(">u1").tobytes()
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(raw))
    else:
        path.write_bytes(raw)


def _fake_set(d: Path, n_train: int = 120, n_test: int = 30, gz: bool = False) -> tuple:
    """A tiny MNIST-format set: 6x6 images whose class is the row the bright bar is in."""
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = []
    for n in (n_train, n_test):
        y = np.arange(n) % 6
        x = rng.integers(0, 40, size=(n, 6, 6))
        x[np.arange(n), y, :] = 250
        arrays += [x, y]
    for name, arr in zip(IDX_FILES, arrays, strict=True):
        _write_idx(d / name, arr, gz)
    return tuple(arrays)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_reader_on_written_files(tmp_path: Path, gz: bool) -> None:
    xtr, ytr, xte, yte = _fake_set(tmp_path / "fashion-mnist", gz=gz)
    files = locate("fashion_mnist", tmp_path)
    assert [f.parent.name for f in files] == ["fashion-mnist"] * 4
    X, y, n_test = read_set(files)
    assert n_test == 30
    np.testing.assert_array_equal(X[:120], xtr.reshape(120, -1) / 255.0)
    np.testing.assert_array_equal(X[120:], xte.reshape(30, -1) / 255.0)
    np.testing.assert_array_equal(y, np.concatenate([ytr, yte]))
    d = load("fashion_mnist", data_dir=tmp_path, seed=1)
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (100, 20, 30)
    np.testing.assert_array_equal(d.y_test, yte)  # the official test rows, in their order
    raw_test = (xte.reshape(30, -1) / 255.0 - d.mean) / d.std
    np.testing.assert_allclose(d.X_test, raw_test)  # standardised with the training rows' stats
    small = load("fashion_mnist", data_dir=tmp_path, seed=1, n=60)
    assert (len(small.X_train), len(small.X_val), len(small.X_test)) == (50, 10, 30)


def test_search_order_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_set(tmp_path / "env" / "mnist")
    monkeypatch.setenv("ACTLAB_DATA", str(tmp_path / "env"))
    assert locate("mnist")[0].parent == tmp_path / "env" / "mnist"
    with pytest.raises(ValueError, match=r"load: fashion_mnist not found \(looked in .*env"):
        locate("fashion_mnist")
    monkeypatch.delenv("ACTLAB_DATA")
    with pytest.raises(ValueError, match="apt-get install dataset-fashion-mnist"):
        load("fashion_mnist", data_dir=tmp_path / "nowhere")
    _fake_set(tmp_path / "bad")
    (tmp_path / "bad" / IDX_FILES[1]).write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05abc")
    with pytest.raises(ValueError, match="header says"):
        read_set(locate("mnist", tmp_path / "bad"))


def _installed() -> bool:
    try:
        locate("fashion_mnist")
    except ValueError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason="dataset-fashion-mnist not installed (make data)")
def test_real_fashion_mnist() -> None:
    X, y, n_test = read_set(locate("fashion_mnist"))
    assert n_test == 10000
    assert X.shape == (70000, 784)
    np.testing.assert_array_equal(np.bincount(y[60000:]), [1000] * 10)
    np.testing.assert_array_equal(np.bincount(y[:60000]), [6000] * 10)
    assert X.min() == 0.0 and X.max() == 1.0
    d = load("fashion_mnist", seed=0, n=1200)
    assert d.image_shape == (1, 28, 28) and len(d.X_test) == 10000


def test_mnist1d_offline() -> None:
    pytest.importorskip("mnist1d")
    state = np.random.get_state()
    d = load("mnist1d", seed=0)
    assert np.array_equal(np.random.get_state()[1], state[1])  # global state left alone
    assert d.n_features == 40 and d.n_outputs == 10 and len(d.X_test) == 1000
    assert len(d.X_train) + len(d.X_val) == 4000
    np.testing.assert_array_equal(np.bincount(np.concatenate([d.y_train, d.y_val, d.y_test])),
                                  [500] * 10)  # fmt: skip
