"""Datasets, reports and code for the explorer: a dataset's points as the trainer sees them
(the lab's ``load``), a stored study's HTML report (the lab's ``render``), and "copy as code"
for the train panel's state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._explore import floats

#: points shown in a preview (a fixed subsample of every split together)
PREVIEW_POINTS = 1000


def preview(
    dataset: str | None, upload: Any, noise: float | None, n: int | None, seed: int
) -> dict[str, Any]:
    """The dataset's inputs (the first two features, in the data's own units) and targets,
    all splits together, as ``actlab.lab.load`` makes them."""
    from ..lab import load

    if upload is not None:
        data = load(path=upload.path, target=upload.target, seed=seed)
    else:
        data = load(dataset, seed=seed, noise=noise, n=n)
    X = np.concatenate([data.X_train, data.X_val, data.X_test])
    y = np.concatenate([data.y_train, data.y_val, data.y_test])
    X = X * data.std + data.mean if data.std is not None and data.mean is not None else X
    pick = np.sort(np.random.default_rng(0).permutation(len(X))[:PREVIEW_POINTS])
    X, y = X[pick], y[pick]
    classes = None
    if data.task in ("binary", "multiclass"):
        classes = int(data.n_outputs if data.task == "multiclass" else 2)
    return {
        "name": data.name,
        "task": data.task,
        "features": data.n_features,
        "n": int(len(data.X_train) + len(data.X_val) + len(data.X_test)),
        "X": [floats(r[:2]) for r in X],
        "y": floats(y) if y.ndim == 1 else [floats(r) for r in y],
        "classes": classes,
        "note": data.task_note,
    }


def report(store_path: Path, name: str) -> str:
    """The lab's HTML report of study ``name`` (KeyError: no such study in the store)."""
    from ..lab import Store, Study
    from ..lab._report import render

    if not store_path.exists():
        raise KeyError(f"report: no study {name!r} (the store {store_path} has none yet)")
    st = Store(store_path, readonly=True)
    try:
        sid = st.find(name)
        if sid is None:
            have = ", ".join(s["name"] for s in st.studies()[-5:]) or "none"
            raise KeyError(f"report: no study {name!r} in {store_path} (latest: {have})")
        return render(Study(st, sid, name))
    finally:
        st.close()


def code_for(body: Any, uploads: Any) -> dict[str, str]:
    """PyTorch, Keras, JAX and the ``actlab compare`` command for a train request."""
    from ..lab import load
    from . import _code, _train_api

    s, acts, upload_name = _train_api.settings(body, uploads)
    if "path" in s:
        data = load(path=s["path"], target=s["target"], task=s.get("task"))
    else:
        data = load(s["dataset"], noise=s.get("noise"), n=s.get("n"), task=s.get("task"))
    out: dict[str, str] = {}
    for a in acts:  # one network per activation: the first's code, every one's in the CLI
        snippet = _code.code(
            a,
            list(body.widths),
            data.n_features,
            data.n_outputs,
            data.task,
            float(body.lr),
            body.optimizer,
        )
        for k, v in snippet.items():
            out[k] = v if k not in out else out[k] + f"\n\n# --- {a}\n" + v.split("\n\n", 1)[1]
    name = s.get("name") or "web"
    out["cli"] = _code.cli_command(name, _train_api.study_conf(s, acts), upload_name)
    return out
