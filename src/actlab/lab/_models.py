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

from .._analysis._health import DIVERGED, profile
from ..torch import module as act_module
from ..torch._swap import matcher, swap
from ._datasets import Data
from ._train import (
    RunConfig,
    RunResult,
    _epochs,
    _Flat,
    _tensor_y,
    final_numbers,
    histogram_records,
    layer_health,
    metric_sources,
    new_curves,
    probe_rows,
    window_mean,
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
    """``FILE.py:FACTORY`` → the factory (``load_callable``)."""
    return cast(Callable[[nn.Module], nn.Module], load_callable(spec, "--model", "FACTORY"))


def is_file_spec(value: Any) -> bool:
    """Whether ``value`` names a callable in a Python file: ``FILE.py:NAME``."""
    return isinstance(value, str) and value.rpartition(":")[0].endswith(".py")


def load_callable(spec: str, flag: str, what: str) -> Callable[..., Any]:
    """``FILE.py:NAME`` → that callable, the file imported as pytest imports a test file
    (its directory on sys.path, under its own module name); errors name ``flag``."""
    path_s, sep, attr = spec.rpartition(":")
    if not sep or not path_s.endswith(".py") or not attr:
        raise ValueError(f"{flag}: expected FILE.py:{what}, got {spec!r}")
    path = Path(path_s).resolve()
    if not path.is_file():
        raise ValueError(f"{flag}: no such file {path_s!r}")
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
        raise ValueError(f"{flag}: {path.name} has no callable {attr!r} (it has: {names})")
    return cast(Callable[..., Any], fn)


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
                results += _loop(
                    cfg, data, [s], net, params, buffers, dtype, vmapped=False, ref=net
                )
        return results
    params, buffers = stack_module_state(nets)
    base = copy.deepcopy(nets[0]).to("meta")
    return _loop(cfg, data, seeds, base, params, buffers, dtype, vmapped=True, ref=nets[0])


def _loop(
    cfg: RunConfig,
    data: Data,
    seeds: list[int],
    base: nn.Module,
    params: dict[str, torch.Tensor],
    buffers: dict[str, torch.Tensor],
    dtype: torch.dtype,
    vmapped: bool,
    ref: nn.Module,
) -> list[RunResult]:
    """The training loop of the user's model — the lab's trainer step for step (batches,
    loss, optimiser, clipping, divergence, the train/validation/test numbers and their
    sources); ``ref``: a real seed network, where the activation layers are found."""
    from torch.func import functional_call, vmap

    from ._objectives import loss_of, metric_of

    S = len(seeds)
    names = list(params)
    flat = _Flat([params[k] for k in names], S)  # type: ignore[misc]
    losses, metric = loss_of(cfg, data.task), metric_of(cfg, data.task)

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
    X_probe, y_probe = probe_rows(cfg, (shaped(Xtr), ytr), (Xva, yva), cfg.probe)
    probe = _Probe(base, ref, params, buffers, losses)
    orders = [_epochs(s, n) for s in seeds]
    perms = [next(o) for o in orders]
    pos = 0
    curves = new_curves(S)
    layers: list[list[dict[str, Any]]] = [[] for _ in range(S)]
    hists: list[list[dict[str, Any]]] = [[] for _ in range(S)]
    hist_steps = cfg.histogram_steps()
    window: list[torch.Tensor] = []
    mwindow: list[torch.Tensor] = []
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
            res = losses(out, yy).tolist(), metric(out, yy).tolist()
        base.train()
        return res

    for step in range(cfg.steps + 1):
        last = step == cfg.steps
        record = step % cfg.eval_every == 0 or last
        seen: _Seen | None = None
        if record:
            elapsed = time.perf_counter() - t0
            va, vm = evaluate(Xva, yva)
            seen = probe(X_probe, y_probe, grads=True)
        if step in hist_steps:
            seen = seen or probe(X_probe, y_probe, grads=False)
            histogram_records(step, seen.pre, seen.post, hists, active)
        if pos + bs > n:
            perms, pos = [next(o) for o in orders], 0
        ix = torch.as_tensor(np.stack([p[pos : pos + bs] for p in perms]))
        pos += bs
        xb = shaped(Xtr[ix.reshape(-1)]).reshape(S, bs, *Xva.shape[1:])
        logits = forward(xb)
        per_seed = losses(logits, ytr[ix])
        loss = per_seed.detach()
        window.append(loss)
        mwindow.append(metric(logits.detach(), ytr[ix]))
        if limit is None:
            limit = DIVERGED.value * (loss.abs() + 1e-12)  # health's definition
        ok = loss <= limit
        for s in torch.nonzero(~ok & active).flatten().tolist():
            diverged[s] = step
        active &= ok
        grads = flat.backward(torch.where(active, per_seed, 0.0).sum())
        if record:
            assert seen is not None
            # per activation layer: the gradient norm of the weight feeding it (this batch,
            # before clipping) and the probe's unit health (the lab trainer's records)
            norms = [
                torch.linalg.vector_norm(grads[names.index(w)].reshape(S, -1), dim=1).tolist()
                if w is not None
                else [math.nan] * S
                for w in probe.feeding
            ]
            for s in range(S):
                if bool(active[s]):
                    layers[s] += [
                        {"step": step, "layer": i + 1, "grad_norm": norms[i][s], "dead": h[0][s],
                         "saturated": h[1][s], "flat": h[2][s], "grad_rms": h[3][s]}
                        for i, h in enumerate(seen.health)
                    ]  # fmt: skip
            tl, tm = window_mean(window), window_mean(mwindow)
            for s in range(S):
                if bool(active[s]):
                    for k, v in (
                        ("train_loss", tl), ("train_metric", tm), ("val_loss", va),
                        ("val_metric", vm),
                    ):  # fmt: skip
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
    sources = metric_sources(cfg, data)
    sources["grad_norm"]["detail"] += "; per activation layer, the weight called last before it"
    out = []
    for s, seed in enumerate(seeds):
        final = final_numbers(te_metric[s], te_loss[s], curves[s], diverged[s])
        res = RunResult(
            int(seed), curves[s], layers[s], final, diverged[s], wall, step, b"", sources,
            hists[s],
        )  # fmt: skip
        out.append(res)
    return out


@dataclass
class _Seen:
    """One probe pass over every seed: per activation layer (forward order) the seeds'
    pre-activations and activations (S, rows, ...) and, with gradients, (dead, saturated,
    flat, RMS ∂loss/∂z) per seed."""

    pre: list[torch.Tensor]
    post: list[torch.Tensor]
    health: list[tuple[list[float], list[float], list[float], list[float]]]


class _Probe:
    """Unit health of the user's model on the probe batch, as the lab's trainer measures its
    own: the activation layers are the modules the monitor (actlab.torch.watch) finds by type
    — actlab's and torch.nn's activation modules, in the order the forward calls them (a
    module called twice is two layers; functional calls are not seen here) — and per layer
    actlab.health's dead, saturated and flat (``layer_health``: f' from the module's own
    backward) and the RMS of ∂loss/∂z. Seed by seed, in evaluation mode."""

    def __init__(
        self,
        base: nn.Module,
        ref: nn.Module,
        params: dict[str, torch.Tensor],
        buffers: dict[str, torch.Tensor],
        losses: Any,
    ) -> None:
        from ..torch._recognise import _activation_of, _torch_types

        types = _torch_types()
        self.base, self.params, self.buffers, self.losses = base, params, buffers, losses
        found = {name: _activation_of(m, types) for name, m in ref.named_modules()}
        self.acts = {k: a for k, a in found.items() if a is not None}
        self.weighted = {
            name
            for name, m in ref.named_modules()
            if isinstance(getattr(m, "weight", None), torch.Tensor) and m.weight.dim() >= 2
        }
        self.feeding: list[str | None] = []  # per layer: the weight called last before it

    def __call__(self, X: torch.Tensor, y: torch.Tensor, grads: bool) -> _Seen:
        from torch.func import functional_call

        S = next(iter(self.params.values())).shape[0]
        mods = dict(self.base.named_modules())
        order: list[str | None] = []
        was = self.base.training
        self.base.eval()
        calls: list[tuple[str, torch.Tensor, torch.Tensor]] = []
        last_w: list[str | None] = [None]

        def on_act(name: str) -> Any:
            def hook(m: nn.Module, args: Any, out: Any) -> None:
                if args and isinstance(args[0], torch.Tensor) and isinstance(out, torch.Tensor):
                    calls.append((name, args[0], out))
                    order.append(last_w[0])

            return hook

        def on_weight(name: str) -> Any:
            def hook(m: nn.Module, args: Any, out: Any) -> None:
                last_w[0] = f"{name}.weight" if name else "weight"

            return hook

        handles = [mods[k].register_forward_hook(on_act(k)) for k in self.acts]
        handles += [mods[k].register_forward_hook(on_weight(k)) for k in self.weighted]
        inplace = [m for k in self.acts if getattr(m := mods[k], "inplace", False)]
        for m in inplace:  # the probe keeps each layer's input: computed out of place
            m.inplace = False
        pre: list[list[torch.Tensor]] = []
        post: list[list[torch.Tensor]] = []
        health: list[list[tuple[float, float, float, float]]] = []
        try:
            for s in range(S):
                calls.clear()
                order.clear()
                last_w[0] = None
                p = {k: v[s] for k, v in self.params.items()}
                b = {k: v[s] for k, v in self.buffers.items()}
                with torch.enable_grad() if grads else torch.no_grad():
                    out = functional_call(self.base, (p, b), (X,))
                pre.append([z.detach() for _, z, _ in calls])
                post.append([h.detach() for _, _, h in calls])
                if grads:
                    health.append(self._health(calls, out, y))
                self.feeding = list(order)
        finally:
            for h in handles:
                h.remove()
            for m in inplace:
                m.inplace = True
            self.base.train(was)
        stacked_pre = [torch.stack(zs) for zs in zip(*pre, strict=True)]
        stacked_post = [torch.stack(hs) for hs in zip(*post, strict=True)]
        by_layer = [
            ([h[i][0] for h in health], [h[i][1] for h in health], [h[i][2] for h in health],
             [h[i][3] for h in health])
            for i in range(len(health[0]) if health else 0)
        ]  # fmt: skip
        return _Seen(stacked_pre, stacked_post, by_layer)

    def _health(
        self,
        calls: list[tuple[str, torch.Tensor, torch.Tensor]],
        out: torch.Tensor,
        y: torch.Tensor,
    ) -> list[tuple[float, float, float, float]]:
        """One seed's layers: health from f' = ∂f(z)/∂z through the module's own backward,
        and the RMS of ∂loss/∂z from the probe loss's backward."""
        zs = [z for _, z, _ in calls]
        on_path = [z.requires_grad for z in zs]
        total = self.losses(out[None], y[None]).sum()
        g = torch.autograd.grad(
            total, [z for z, ok in zip(zs, on_path, strict=True) if ok], retain_graph=True,
            allow_unused=True,
        )  # fmt: skip
        g_iter = iter(g)
        res = []
        for (name, z, h), ok in zip(calls, on_path, strict=True):
            gz = next(g_iter) if ok else None
            rms = math.nan if gz is None else float(gz.double().square().mean().sqrt())
            act = self.acts[name]
            if act.kind != "elementwise" or not ok or h.shape != z.shape:
                res.append((math.nan, math.nan, math.nan, rms))
                continue
            (d,) = torch.autograd.grad(h, z, torch.ones_like(h), retain_graph=True)
            a = d.detach().abs()
            a = a.transpose(0, 1).reshape(z.shape[1], -1).T if a.dim() > 2 else a
            dead, sat, fl = layer_health(a[None], profile(act))
            res.append((dead[0], sat[0], fl[0], rms))
        return res
