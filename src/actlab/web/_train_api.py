"""From the train panel's request to the lab's study configuration: the optimizer names the
page offers (Playground's: SGD, momentum, Adam) as RunConfig's optimizer and momentum."""

from __future__ import annotations

from typing import Any

from .._catalog import get
from ..lab._config import parse_activation
from ..lab._datasets import dataset_names as _all_datasets
from ..lab._datasets import resolve_dataset
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


def settings(body: Any, uploads: Any) -> tuple[dict[str, Any], list[str], str | None]:
    """compare()'s keywords for a train request (the lab's own names: width as a per-layer
    list, optimizer and momentum, path and target for an upload), its activations, and the
    uploaded file's own name (None for a built-in dataset)."""
    opt, momentum = OPTIMIZERS[body.optimizer]
    s: dict[str, Any] = {
        "width": list(body.widths),
        "init": body.init,
        "optimizer": opt,
        "lr": float(body.lr),
        "batch_size": body.batch_size,
        "steps": body.steps,
        "seeds": body.seeds,
    }
    if opt == "sgd":
        s["momentum"] = momentum
    if body.eval_every is not None:
        s["eval_every"] = body.eval_every
    if body.task is not None:
        s["task"] = body.task
    if body.name is not None:
        s["name"] = body.name
    upload_name = None
    if body.upload is not None:
        up = uploads.get(body.upload)
        s["path"], s["target"] = str(up.path), up.target
        upload_name = up.path.name
    else:
        resolve_dataset(body.dataset)
        s["dataset"] = body.dataset
        if body.noise is not None:
            s["noise"] = float(body.noise)
        if body.n is not None:
            s["n"] = body.n
    acts = list(body.activations)
    for a in acts:  # unknown names and bad parameters: the catalog's errors, before the job
        for layer in a.split("/"):
            name, params = parse_activation(layer.strip())
            get(name, **params)
    return s, acts, upload_name


def study_conf(s: dict[str, Any], acts: list[str]) -> dict[str, Any]:
    """The study configuration compare() builds from these keywords (for its command line)."""
    conf = {k: v for k, v in s.items() if k not in ("name", "dataset")}
    if "dataset" in s:
        conf["datasets"] = [s["dataset"]]
    conf["activations"] = acts
    return conf
