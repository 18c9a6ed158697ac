"""Your own model in the lab: a factory ``build(activation_module) -> nn.Module``, or a module
whose activations of the ``swap`` type(s) are replaced by each candidate (actlab.torch.swap).

Seed s's network is built (or deep-copied, swapped and re-initialised with each submodule's
own ``reset_parameters``) under ``torch.manual_seed(s)`` in a forked RNG, so it starts where
the same code would start in a plain PyTorch script. The seeds of one configuration train
together with ``torch.func.stack_module_state`` + ``vmap`` + ``functional_call`` when the model
allows it; a model with buffers (BatchNorm's running statistics are updated in place) or
whose forward vmap cannot batch (data-dependent control flow, random ops such as dropout)
trains seed by seed, and the log says so. Batches, loss, metric, optimiser and clipping are
the lab's own (batch_order, task_losses/task_metric, _Flat), so a seed's run is the same
either way (tested in float64 to 1e-6).
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from ..torch import module as act_module
from ..torch._swap import matcher, swap
from ._datasets import Data
from ._train import (
    PROBE_ROWS,
    RunConfig,
    RunResult,
    _epochs,
    _Flat,
    _tensor_y,
    final_numbers,
    metric_sources,
    task_losses,
    task_metric,
)

log = logging.getLogger("actlab.lab")
USER_PREFIX = "user:"  # RunConfig.model of a user's model: user:<name>#<structure hash>
_MODELS: dict[str, UserModel] = {}


@dataclass
class UserModel:
    """A factory (``build``) or a module with the type(s) to ``swap``."""

    name: str
    build: Callable[[nn.Module], nn.Module] | None = None
    module: nn.Module | None = None
    swap: Any = None

    def make(self, activation: str, params: dict[str, Any], seed: int) -> nn.Module:
        """Seed ``seed``'s network with ``activation``: built or copied + swapped, then
        (re-)initialised under torch.manual_seed(seed), the global RNG left as it was."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            if self.build is not None:
                act = act_module(activation, precision="fast", **params)
                net = self.build(act)
                if not isinstance(net, nn.Module):
                    raise TypeError(
                        f"compare: model factory {self.name} returned "
                        f"{type(net).__name__}, not an nn.Module"
                    )
                return net
            assert self.module is not None
            net = copy.deepcopy(self.module)
            if swap(net, self.swap, activation, **params) == 0:
                raise ValueError(
                    f"compare: model {self.name} has no module matching swap={self.swap!r}; "
                    "nothing to compare"
                )
            for m in net.modules():  # each submodule's own init, in module order
                reset = getattr(m, "reset_parameters", None)
                if callable(reset):
                    reset()
            return net


def structure(net: nn.Module) -> str:
    """The model's identity: a hash of its structure — every submodule's path, class and
    settings (extra_repr) and every parameter's and buffer's shape, with actlab activation
    modules (the candidates, different by design) written as "activation" — so runs of
    different models never pool."""
    from ..torch import ActlabModule

    parts = []
    for path, m in net.named_modules(remove_duplicate=False):
        kind = "activation" if isinstance(m, ActlabModule) else type(m).__qualname__
        extra = "" if isinstance(m, ActlabModule) else m.extra_repr()
        parts.append(f"{path}:{kind}({extra})")
    if not any(True for m in net.modules() if isinstance(m, ActlabModule)):
        parts.append(repr(net))  # a factory that ignores its activation: still one identity
    for k, v in net.state_dict().items():
        parts.append(f"{k}:{tuple(v.shape)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def register(
    model: Any, swap_: Any, activations: list[tuple[str, dict[str, Any]]], data: Data
) -> str:
    """Check the user's model against every candidate and the task (output shape) before
    anything runs; return its RunConfig.model, user:<name>#<hash of the structure>."""
    if isinstance(model, nn.Module):
        if swap_ is None:
            raise ValueError(
                "compare: a model module needs swap=<the activation type(s) to replace>, "
                "e.g. swap=torch.nn.ReLU (or pass a factory build(activation) -> nn.Module)"
            )
        matcher(swap_)  # a bad target fails here, with what is allowed
        um = UserModel(type(model).__name__, module=model, swap=swap_)
    elif callable(model) and not isinstance(model, str | type):
        if swap_ is not None:
            raise ValueError("compare: swap= goes with a model module, not a factory")
        um = UserModel(getattr(model, "__qualname__", "factory"), build=model)
    else:
        raise TypeError(
            "compare: model must be an nn.Module (with swap=), a factory "
            f"build(activation) -> nn.Module, 'mlp' or 'cnn'; got {model!r}"
        )
    hashes = []
    for name, params in activations:
        net = um.make(name, params, 0)
        check_output(net, data, um.name)
        # the candidate's own modules differ by design; the rest must be one structure
        hashes.append(structure(net))
    if len(set(hashes)) > 1:
        raise ValueError(
            f"compare: model {um.name} builds a different network for different activations "
            "(beyond the activation modules); a comparison needs one network"
        )
    key = f"{USER_PREFIX}{um.name}#{hashes[0]}"
    _MODELS[key] = um
    return key


def inputs(X: torch.Tensor, data: Data) -> torch.Tensor:
    """Rows as the model sees them: images (rows, C, H, W) for an image set, else features."""
    return X.reshape(len(X), *data.image_shape) if data.image_shape else X


def check_output(net: nn.Module, data: Data, name: str) -> None:
    x = inputs(torch.as_tensor(data.X_train[:2], dtype=torch.float32), data)
    net.eval()
    try:
        with torch.no_grad():
            out = net(x)
    except Exception as exc:  # the user's code: say where it broke, in one line
        raise ValueError(
            f"compare: model {name} fails on a batch of shape {tuple(x.shape)} from "
            f"{data.name}: {type(exc).__name__}: {exc}"
        ) from None
    want = (2, data.n_outputs)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != want:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"compare: model {name} outputs {got} for a batch of 2; {data.name} "
            f"({data.task}) needs (batch, {data.n_outputs}) logits"
        )


def load_factory(spec: str) -> Callable[[nn.Module], nn.Module]:
    """``FILE.py:FACTORY`` → the factory, the file imported as pytest imports a test file
    (its directory on sys.path, under its own module name)."""
    path_s, sep, attr = spec.rpartition(":")
    if not sep or not path_s.endswith(".py") or not attr:
        raise ValueError(f"--model: expected FILE.py:FACTORY, got {spec!r}")
    path = Path(path_s).resolve()
    if not path.is_file():
        raise ValueError(f"--model: no such file {path_s!r}")
    mod_name = f"actlab_user_{path.stem}"
    sys.path.insert(0, str(path.parent))
    try:
        loader = importlib.util.spec_from_file_location(mod_name, path)
        assert loader is not None and loader.loader is not None
        mod = importlib.util.module_from_spec(loader)
        sys.modules[mod_name] = mod
        loader.loader.exec_module(mod)
    finally:
        sys.path.remove(str(path.parent))
    fn = getattr(mod, attr, None)
    if not callable(fn):
        names = [n for n in dir(mod) if callable(getattr(mod, n)) and not n.startswith("_")]
        raise ValueError(f"--model: {path.name} has no callable {attr!r} (it has: {names})")
    return cast(Callable[[nn.Module], nn.Module], fn)


def batchable(nets: list[nn.Module], x: torch.Tensor) -> str | None:
    """None if the seeds can train under vmap; else the reason they cannot."""
    if any(True for _ in nets[0].buffers()):
        return "it has buffers (running statistics are updated in place)"
    from torch.func import functional_call, stack_module_state, vmap

    params, _ = stack_module_state(nets)
    base = copy.deepcopy(nets[0]).to("meta")
    try:
        vmap(lambda p, xb: functional_call(base, p, (xb,)))(params, x.expand(len(nets), *x.shape))
    except Exception as exc:
        return f"vmap cannot batch its forward ({type(exc).__name__}: {str(exc)[:80]})"
    return None


def train_user(
    cfg: RunConfig,
    data: Data,
    seeds: list[int],
    dtype: torch.dtype = torch.float32,
    *,
    batched: bool | None = None,
) -> list[RunResult]:
    """Train the user's model of ``cfg.model`` with ``cfg.activation``, one RunResult per
    seed. ``batched``: None — vmap where the model allows it; False — seed by seed."""
    from torch.func import stack_module_state

    um = _MODELS.get(cfg.model)
    if um is None:
        raise ValueError(f"train: {cfg.model} is not a registered user model (compare model=)")
    nets = [um.make(cfg.activation, cfg.params, s).to(dtype).train() for s in seeds]
    Xtr = torch.as_tensor(data.X_train, dtype=dtype)
    why = batchable(nets, inputs(Xtr[:2], data)) if batched is not False else "asked to"
    if why is not None:
        if batched is None:
            log.info("%s: training seed by seed: %s", cfg.model, why)
        results: list[RunResult] = []
        for s, net in zip(seeds, nets, strict=True):
            params, buffers = stack_module_state([net])
            with torch.random.fork_rng(devices=[]):  # the seed's own dropout and noise
                torch.manual_seed(10_000 + int(s))
                results += _loop(cfg, data, [s], net, params, buffers, dtype, vmapped=False)
        return results
    params, buffers = stack_module_state(nets)
    base = copy.deepcopy(nets[0]).to("meta")
    return _loop(cfg, data, seeds, base, params, buffers, dtype, vmapped=True)


def _loop(
    cfg: RunConfig,
    data: Data,
    seeds: list[int],
    base: nn.Module,
    params: dict[str, torch.Tensor],
    buffers: dict[str, torch.Tensor],
    dtype: torch.dtype,
    vmapped: bool,
) -> list[RunResult]:
    from torch.func import functional_call, vmap

    S = len(seeds)
    names = list(params)
    flat = _Flat([params[k] for k in names], S)  # type: ignore[misc]

    def forward(x: torch.Tensor) -> torch.Tensor:  # x: (S, B, ...) → (S, B, outputs)
        if vmapped:
            f = vmap(lambda p, xb: functional_call(base, p, (xb,)))
            return cast(torch.Tensor, f(params, x))
        one = {k: v[0] for k, v in params.items()}
        bufs = {k: v[0] for k, v in buffers.items()}
        return cast(torch.Tensor, functional_call(base, (one, bufs), (x[0],))[None])

    def shaped(X: torch.Tensor) -> torch.Tensor:
        return inputs(X, data)

    Xtr = torch.as_tensor(data.X_train, dtype=dtype)
    ytr = _tensor_y(data.y_train, data.task)
    Xva = shaped(torch.as_tensor(data.X_val, dtype=dtype))
    yva = _tensor_y(data.y_val, data.task)
    Xte = shaped(torch.as_tensor(data.X_test, dtype=dtype))
    yte = _tensor_y(data.y_test, data.task)
    n, bs = len(Xtr), min(cfg.batch_size, len(Xtr))
    orders = [_epochs(s, n) for s in seeds]
    perms = [next(o) for o in orders]
    pos = 0
    curves: list[dict[str, list[tuple[int, float]]]] = [
        {"train_loss": [], "val_loss": [], "val_metric": [], "time": []} for _ in range(S)
    ]
    layers: list[list[dict[str, Any]]] = [[] for _ in range(S)]
    window: list[torch.Tensor] = []
    diverged: list[int | None] = [None] * S
    active = torch.ones(S, dtype=torch.bool)
    limit: torch.Tensor | None = None
    t0 = time.perf_counter()
    step = 0

    def evaluate(X: torch.Tensor, y: torch.Tensor) -> tuple[list[float], list[float]]:
        base.eval()
        with torch.no_grad():
            out = forward(X.expand(S, *X.shape))
            yy = y.expand(S, *y.shape)
            res = task_losses(data.task, out, yy).tolist(), task_metric(data.task, out, yy).tolist()
        base.train()
        return res

    for step in range(cfg.steps + 1):
        last = step == cfg.steps
        record = step % cfg.eval_every == 0 or last
        if record:
            elapsed = time.perf_counter() - t0
            va, vm = evaluate(Xva, yva)
        if pos + bs > n:
            perms, pos = [next(o) for o in orders], 0
        ix = torch.as_tensor(np.stack([p[pos : pos + bs] for p in perms]))
        pos += bs
        xb = shaped(Xtr[ix.reshape(-1)]).reshape(S, bs, *Xva.shape[1:])
        per_seed = task_losses(data.task, forward(xb), ytr[ix])
        loss = per_seed.detach()
        window.append(loss)
        if limit is None:
            limit = 1e6 * (loss.abs() + 1e-12)
        ok = loss <= limit
        for s in torch.nonzero(~ok & active).flatten().tolist():
            diverged[s] = step
        active &= ok
        grads = flat.backward(torch.where(active, per_seed, 0.0).sum())
        if record:
            # per weight (a parameter of 2+ dimensions, in module order): its gradient norm
            # on this batch, before clipping; unit health is not measured for a user's model
            norms = [
                torch.linalg.vector_norm(g.reshape(S, -1), dim=1).tolist()
                for g, k in zip(grads, names, strict=True)
                if params[k].dim() >= 3
            ]
            for s in range(S):
                if bool(active[s]):
                    layers[s] += [
                        {"step": step, "layer": i + 1, "grad_norm": nm[s], "dead": math.nan,
                         "saturated": math.nan}
                        for i, nm in enumerate(norms)
                    ]  # fmt: skip
            tl = torch.stack(window).double().mean(0).tolist()
            window.clear()
            for s in range(S):
                if bool(active[s]):
                    for k, v in (("train_loss", tl), ("val_loss", va), ("val_metric", vm)):
                        curves[s][k].append((step, v[s]))
                    curves[s]["time"].append((step, elapsed))
        if last or not bool(active.any()):
            break
        flat.stop(active)
        if cfg.clip is not None:
            flat.clip(cfg.clip)
        if cfg.optimizer == "adam":
            flat.adam(cfg.lr)
        else:
            flat.sgd(cfg.lr, cfg.momentum)
    wall = time.perf_counter() - t0
    te_loss, te_metric = evaluate(Xte, yte)
    sources = metric_sources(cfg, data, PROBE_ROWS)
    out = []
    for s, seed in enumerate(seeds):
        final = final_numbers(te_metric[s], te_loss[s], curves[s], diverged[s])
        res = RunResult(
            int(seed), curves[s], layers[s], final, diverged[s], wall, step, b"", sources
        )
        out.append(res)
    return out
