"""What a configuration is called and what data it names: its label within a study (every
field that differs), its data section, and the loaded data (cached per data identity). Used by
the study and the report alike, so neither imports the other for it."""

from __future__ import annotations

from typing import Any

from ._datasets import Data, file_hash, load
from ._train import RunConfig

_DATA_CACHE: dict[tuple[Any, ...], Data] = {}
_USER_DATA: dict[str, Data] = {}  # compare(data=...): by their name, arrays-<hash>


def _data_for(cfg: RunConfig) -> Data:
    if cfg.dataset in _USER_DATA:  # compare(data=...): arrays, kept in this process
        return _USER_DATA[cfg.dataset]
    key = (cfg.data_key(), cfg.path, cfg.data_dir)
    if key not in _DATA_CACHE:
        if cfg.path:
            data = load(path=cfg.path, target=cfg.target, seed=cfg.data_seed, task=cfg.task)
            if cfg.data_hash is not None and file_hash(cfg.path) != cfg.data_hash:
                raise ValueError(
                    f"study: {cfg.path} changed since the study recorded it (its content hash "
                    f"is not {cfg.data_hash[:12]}…); a changed file is a new configuration"
                )
        else:
            data = load(
                cfg.dataset,
                seed=cfg.data_seed,
                noise=cfg.noise,
                n=cfg.n,
                task=cfg.task,
                data_dir=cfg.data_dir,
            )
        _DATA_CACHE[key] = data
    return _DATA_CACHE[key]


def arm(cfg: RunConfig) -> dict[str, Any]:
    """A configuration less its data: what is compared across datasets."""
    drop = {"dataset", "data_seed", "noise", "n", "path", "target", "data_hash", "task"}
    return {k: v for k, v in cfg.identity().items() if k not in drop}


def _show(v: Any) -> str:
    if isinstance(v, tuple | list):  # a tapered width or a CNN's channels: 512,256
        return ",".join(map(str, v))
    return v[:8] if isinstance(v, str) and len(v) == 64 else str(v)


# the last naming computed, with the configurations it was computed for (kept alive, so
# compared by identity): the rows, the cross-dataset summary and the report name the same
# configurations of one study, read once
_LAST: dict[str, tuple[tuple[RunConfig, ...], dict[str, str]]] = {}


def _once(kind: str, configs: list[RunConfig], compute: Any) -> dict[str, str]:
    hit = _LAST.get(kind)
    if (
        hit is None
        or len(hit[0]) != len(configs)
        or any(a is not b for a, b in zip(hit[0], configs, strict=True))
    ):
        hit = (tuple(configs), compute(configs))
        _LAST[kind] = hit
    return dict(hit[1])


def labels(configs: list[RunConfig]) -> dict[str, str]:
    """Per configuration key, its label: the activation with its parameters, then every other
    configuration field whose value differs within the study (``tanh steps=80 lr=0.01``)."""
    return _once("labels", configs, _labels)


def sections(configs: list[RunConfig]) -> dict[str, str]:
    """Per data key, its section name: the dataset, and the data fields that differ between
    data identities of the same name (``spiral noise=0.2``; a file's hash as 8 digits)."""
    return _once("sections", configs, _sections)


def _labels(configs: list[RunConfig]) -> dict[str, str]:
    arms = [arm(c) for c in configs]
    varying = [
        k
        for k in (arms[0] if arms else {})
        if k not in ("activation", "params") and len({repr(a.get(k)) for a in arms}) > 1
    ]
    return {
        c.key(): " ".join([c.label(), *(f"{k}={_show(a.get(k))}" for k in varying)])
        for c, a in zip(configs, arms, strict=True)
    }


def _sections(configs: list[RunConfig]) -> dict[str, str]:
    by_name: dict[str, dict[str, dict[str, Any]]] = {}
    for c in configs:
        by_name.setdefault(c.dataset, {})[c.data_key()] = c.data_identity()
    out = {}
    for name, ids in by_name.items():
        keys = sorted({k for d in ids.values() for k in d} - {"dataset"})
        varying = [k for k in keys if len({repr(d.get(k)) for d in ids.values()}) > 1]
        for dk, d in ids.items():
            out[dk] = " ".join([name, *(f"{k}={_show(d.get(k))}" for k in varying)])
    return out
