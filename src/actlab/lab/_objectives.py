"""What a run minimises and what it scores: the task's own loss and metric (``task_losses``,
``task_metric``) or the user's — ``compare(loss=fn, metric=fn)`` with

- ``loss(logits, y) -> tensor``: the per-sample losses (their mean is taken) or their mean;
  it must be differentiable (the trainer takes its gradient);
- ``metric(logits, y) -> float``: higher is better (the ranking and "steps to 90%" read it so).

``logits`` is one network's (batch, outputs) and ``y`` the batch's targets as the lab holds
them (class indices as int64 for binary/multiclass, float64 otherwise). The seeds of one
configuration are scored one by one, so seed s's loss is exactly what training it alone would
see. A user's callable is named ``user:<name>#<hash of its source>`` in ``RunConfig.loss`` /
``.metric``: stored runs say what was measured, and a changed function is another
configuration.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from typing import Any

import torch

from ._run import LOSSES, METRICS, USER, RunConfig

_OBJECTIVES: dict[str, Callable[..., Any]] = {}

Scorer = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (S, B, out), (S, B, ...) → (S,)


def register(kind: str, fn: Any) -> str:
    """Check a user's ``loss``/``metric`` callable and name it user:<name>#<hash>."""
    if not callable(fn) or isinstance(fn, str | type):
        raise TypeError(
            f"compare: {kind} must be a callable {kind}(logits, y) or FILE.py:NAME, got {fn!r}"
        )
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    try:
        text = inspect.getsource(fn)
    except (OSError, TypeError):  # made in a REPL, or a builtin: its code object, else its name
        code = getattr(fn, "__code__", None)
        text = repr((code.co_code, code.co_consts)) if code is not None else repr(fn)
    key = f"{USER}{name}#{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    _OBJECTIVES[key] = fn
    return key


def _user(key: str, kind: str) -> Callable[..., Any]:
    fn = _OBJECTIVES.get(key)
    if fn is None:
        raise ValueError(
            f"train: {kind} {key} is a user's callable not registered in this process "
            f"(pass compare({kind}=...) again)"
        )
    return fn


def loss_of(cfg: RunConfig, task: str) -> Scorer:
    """Per-seed mean loss on logits (S, B, outputs): the task's, or the user's per seed."""
    if cfg.loss is None:
        from ._train import task_losses

        return lambda logits, y: task_losses(task, logits, y)
    key = cfg.loss

    def user_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        fn = _user(key, "loss")  # looked up when used: a report builds nets without it
        out = []
        for s in range(logits.shape[0]):
            v = fn(logits[s], y[s])
            if not isinstance(v, torch.Tensor) or not v.is_floating_point():
                raise TypeError(
                    f"loss {key}: must return a float tensor (per sample or their mean), "
                    f"got {type(v).__name__}"
                )
            out.append(v.mean() if v.dim() else v)
        return torch.stack(out)

    return user_loss


def metric_of(cfg: RunConfig, task: str) -> Scorer:
    """Per seed, the metric on logits (S, B, outputs): the task's, or the user's per seed."""
    if cfg.metric is None:
        from ._train import task_metric

        return lambda logits, y: task_metric(task, logits, y)
    key = cfg.metric

    def user_metric(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        fn = _user(key, "metric")
        vals = []
        for s in range(logits.shape[0]):
            with torch.no_grad():
                v = fn(logits[s].detach(), y[s])
            try:
                vals.append(float(v))
            except (TypeError, ValueError):
                raise TypeError(
                    f"metric {key}: must return a float, got {type(v).__name__}"
                ) from None
        return torch.tensor(vals, dtype=torch.float64)

    return user_metric


def names(cfg: RunConfig, task: str) -> tuple[str, str]:
    """The loss's and the metric's names in words (the user's: user:<name>#<hash>)."""
    return cfg.loss or LOSSES[task], cfg.metric or METRICS[task]
