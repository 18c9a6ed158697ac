"""The catalog, function, card, mean-field and histogram answers: each a thin reading of the
library (``actlab.get``, the spec, ``analyze``, ``gradient_flow``, ``gain``, health), shaped
as JSON. Non-finite numbers become None (JSON null)."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import _analysis
from .._analysis import _measure
from .._catalog import Activation, Param, Spec, get, resolve, specs
from .._functions import _family
from ._limits import Limits


def finite(v: Any) -> float | None:
    """A float for JSON: None where it is NaN or ±inf."""
    f = float(v)
    return f if math.isfinite(f) else None


def floats(a: Any) -> list[float | None]:
    """An array as a JSON list, NaN and ±inf as None."""
    arr = np.asarray(a, dtype=np.float64).ravel()
    out: list[float | None] = arr.tolist()
    bad = np.flatnonzero(~np.isfinite(arr))
    for i in bad.tolist():
        out[i] = None
    return out


def family(spec: Spec) -> str:
    """The family a spec is declared in (its catalog file: "rectifiers", "sigmoidal", ...)."""
    return _family(spec).rpartition(".")[2].lstrip("_").replace("_", " ")


def bind(name: str, params: dict[str, Any]) -> Activation:
    """The activation with the spec's example parameters (required ones, a seed) under the
    given ones; the catalog's errors (unknown name, bad value) propagate as ValueError."""
    act: Activation = resolve(name).example_activation(**params)
    return act


# ---------------------------------------------------------------------- catalog


def _slider(p: Param) -> tuple[float | None, float | None]:
    """The ends of a real parameter's slider: its constraint's bound where it has one ("> 0",
    ">= 0": 0), else a span around the default that keeps its sign visible."""
    if p.type not in ("real", "real?", "int") or not isinstance(p.default, int | float):
        return None, None
    d = float(p.default)
    if not math.isfinite(d):
        return None, None
    span = max(1.0, 2 * abs(d))
    lo: float | None = d - span
    hi: float | None = d + span
    if p.allowed in ("> 0", ">= 0", "an int >= 1"):
        lo = 1.0 if p.type == "int" else 0.0
        hi = max(2 * d, 1.0) if p.type != "int" else max(2 * d, 8.0)
    return lo, hi


def _param(p: Param) -> dict[str, Any]:
    lo, hi = _slider(p)
    default = p.default
    if isinstance(default, np.ndarray):
        default = floats(default)
    elif isinstance(default, float):
        default = finite(default)
    elif not isinstance(default, int | str | bool | type(None)):
        default = None  # a generator, REQUIRED: no value to show
    return {
        "name": p.name,
        "type": p.type,
        "default": default,
        "doc": p.doc,
        "allowed": p.allowed,
        "min": lo,
        "max": hi,
        "choices": list(p.choices),
        "learnable": p.learnable,
    }


@functools.lru_cache(maxsize=1)
def _activations() -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "name": s.name,
            "family": family(s),
            "summary": s.summary,
            "kind": s.kind,
            "aliases": list(s.aliases),
            "plottable": s.kind == "elementwise",
            "params": [_param(p) for p in s.params],
        }
        for s in specs()
    )


def catalog(limits: Limits) -> dict[str, Any]:
    """Everything the page's pickers list: activations (by family), inits, optimizers,
    datasets, and the server's limits."""
    from ..lab._datasets import resolve_dataset
    from ..lab._init import INITS
    from ..lab._run import RunConfig

    acts = list(_activations())
    from ._train_api import OPTIMIZERS, dataset_names

    datasets = []
    for name in dataset_names():
        d = resolve_dataset(name)
        datasets.append(
            {
                "name": d.name,
                "task": d.task,
                "summary": d.summary,
                "dims": None if d.files or d.make is None else _dims(d.name),
                "playground": d.summary.startswith("Playground"),
                "noise": d.noise,
                "n": d.n,
            }
        )
    return {
        "activations": acts,
        "families": sorted({a["family"] for a in acts}),
        "inits": list(INITS),
        "optimizers": list(OPTIMIZERS),
        "datasets": datasets,
        "defaults": {
            "lr": RunConfig.lr,
            "batch_size": RunConfig.batch_size,
            "steps": RunConfig.steps,
            "eval_every": RunConfig.eval_every,
        },
        "limits": limits.public(),
    }


@functools.lru_cache(maxsize=64)
def _dims(name: str) -> int:
    from ..lab import load

    return load(name, seed=0).n_features


# ---------------------------------------------------------------------- functions


def _kink(act: Activation, at: float, d: float, why: str) -> dict[str, Any]:
    peers: dict[str, Any] = {}
    for lib, peer in act.spec.peers.items():
        peers[lib] = {
            "name": peer.name,
            "derivative": _torch_derivative(act, at) if lib == "torch" else None,
            # the parity tests hold the peers to this: where a kink is not listed, they agree
            "agrees": at not in peer.grad_differs_at,
            "note": peer.note,
        }
    return {
        "at": finite(at),
        "value": finite(act(np.array([at]))[0]),
        "derivative": finite(d),
        "why": why,
        "peers": peers,
    }


def _torch_derivative(act: Activation, at: float) -> float | None:
    """PyTorch's autograd derivative of its own kernel for ``act`` at ``at`` (None where torch
    has no kernel for exactly this function: ``actlab.torch``'s peer_kernel)."""
    try:
        import torch

        from ..torch._function import peer_kernel
    except ImportError:  # pragma: no cover - the web extra installs torch
        return None
    fn = peer_kernel(act)
    if fn is None:
        return None
    t = torch.tensor([at], dtype=torch.float64, requires_grad=True)
    fn(t).sum().backward()
    assert t.grad is not None
    return finite(t.grad[0].item())


@functools.lru_cache(maxsize=512)
def _kinks(act: Activation) -> tuple[dict[str, Any], ...]:
    return tuple(
        _kink(act, at, d, k.why) for (at, d), k in zip(act.kinks, act.spec.kinks, strict=True)
    )


@functools.lru_cache(maxsize=512)
def _saturation(act: Activation) -> tuple[tuple[float, float], ...]:
    return _measure.saturation_region(act)


def _label(act: Activation) -> str:
    shown = {k: v for k, v in act.params.items() if isinstance(v, int | float | str | bool)}
    changed = {k: v for k, v in shown.items() if act.spec.param(k).default != v}
    return act.name + "".join(f" {k}={v:g}" if isinstance(v, float) else f" {k}={v}"
                              for k, v in changed.items())  # fmt: skip


def functions(
    refs: Iterable[tuple[str, dict[str, Any]]], x_min: float, x_max: float, points: int,
    second: bool,
) -> dict[str, Any]:  # fmt: skip
    """f, f' (and f'') of each activation on ``points`` samples of [x_min, x_max], the flat
    (saturated) intervals inside that range and the kinks with the peers' derivatives there."""
    x = np.linspace(x_min, x_max, points)
    curves = []
    for name, params in refs:
        act = bind(name, params)
        if act.kind != "elementwise":
            raise ValueError(
                f"functions: {act.name} is a {act.kind} activation; only elementwise ones have "
                "a curve f(x) (its card and the training panel take it)"
            )
        sat = [
            [max(a, x_min), min(b, x_max)] for a, b in _saturation(act) if b >= x_min and a <= x_max
        ]
        curves.append(
            {
                "name": act.name,
                "label": _label(act),
                "params": {k: v for k, v in act.params.items() if _plain(v)},
                "f": floats(act(x)),
                "df": floats(act.derivative(x)),
                "d2f": floats(_measure.second_derivative(act, x)) if second else None,
                "saturation": sat,
                "kinks": [k for k in _kinks(act) if k["at"] is not None],
            }
        )
    return {"x": floats(x), "curves": curves}


def _plain(v: Any) -> bool:
    return isinstance(v, int | float | str | bool | type(None)) and not (
        isinstance(v, float) and not math.isfinite(v)
    )


__all__ = ["Limits", "_analysis", "bind", "catalog", "finite", "floats", "functions", "get"]
