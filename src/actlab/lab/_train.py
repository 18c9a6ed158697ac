"""Models and the batched trainer: every seed of one configuration trains in one pass.

The S seeds' weights are stacked (W: S × fan_in × fan_out) and applied with one einsum per layer
(and one grouped convolution per layer for the CNN), so a step costs one forward and one
backward for all seeds. Adam and SGD act elementwise and the loss is a sum of per-seed losses,
so each seed's trajectory equals training it alone (tested to 1e-6 in float64). Activations are
actlab.torch modules: forward and backward from the catalog.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._analysis import recommended_init
from .._catalog import get
from ..torch import module as act_module
from ..torch._monitor import SATURATED_SAMPLES
from ._datasets import Data

OPTIMIZERS = ("adam", "sgd")
INITS = ("auto", "he", "xavier", "lecun")
MODELS = ("mlp", "cnn")
DIVERGED = 1e6  # a loss this many times the first one (or non-finite) stops a seed


@dataclass(frozen=True)
class RunConfig:
    """One configuration; its seeds train together. ``init="auto"``: the advisor's match
    (recommended_init of the activation: the exact variance-preserving gain)."""

    dataset: str = "xor"
    activation: str = "relu"
    params: dict[str, Any] = field(default_factory=dict)
    model: str = "mlp"
    depth: int = 4
    width: int = 32
    init: str = "auto"
    batch_norm: bool = False
    dropout: float = 0.0
    optimizer: str = "adam"
    lr: float = 0.01
    momentum: float = 0.9
    batch_size: int = 64
    steps: int = 400
    eval_every: int = 20
    clip: float | None = 5.0
    noise: float | None = None
    n: int | None = None
    data_seed: int = 0
    path: str | None = None
    target: str | None = None

    def validate(self) -> None:
        get(self.activation, **self.params)  # unknown names and bad parameters, with their errors
        checks = [
            (self.model in MODELS, f"model must be one of {', '.join(MODELS)}"),
            (self.init in INITS, f"init must be one of {', '.join(INITS)}"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (isinstance(self.depth, int) and self.depth >= 1, "depth must be an int >= 1"),
            (isinstance(self.width, int) and self.width >= 1, "width must be an int >= 1"),
            (isinstance(self.steps, int) and self.steps >= 1, "steps must be an int >= 1"),
            (
                isinstance(self.batch_size, int) and self.batch_size >= 1,
                "batch_size must be an int >= 1",
            ),
            (
                isinstance(self.eval_every, int) and self.eval_every >= 1,
                "eval_every must be an int >= 1",
            ),
            (math.isfinite(self.lr) and self.lr > 0, "lr must be a finite number > 0"),
            (0 <= self.dropout < 1, "dropout must be in [0, 1)"),
            (self.clip is None or self.clip > 0, "clip must be None or > 0"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(f"RunConfig: {msg}; got {self!r}")
        kind = get(self.activation, **self.params).kind
        if kind == "vector":
            raise ValueError(
                f"RunConfig: {self.activation} is a vector activation; a hidden layer "
                "needs an elementwise or gated one (see actlab.recommend)"
            )

    def key(self) -> str:
        import hashlib
        import json

        blob = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def label(self) -> str:
        extra = "".join(f",{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.activation}{extra}"


# ---------------------------------------------------------------------- the batched model


class BatchedNet(nn.Module):
    """S independent networks (MLP or small CNN) with stacked parameters."""

    def __init__(
        self, cfg: RunConfig, data: Data, seeds: list[int], dtype: torch.dtype = torch.float32
    ) -> None:
        super().__init__()
        self.cfg, self.S, self.task = cfg, len(seeds), data.task
        # the float32 training path computes the activation in float32 (its stable forms, a few
        # ULP); float64 runs (the equivalence tests) keep the exact path
        native = "native" if dtype == torch.float32 else "exact"
        self.act = act_module(cfg.activation, precision=native, **cfg.params)
        # An activation's own learnable parameters (silu's β, prelu's α, ...) would be shared by
        # the stacked seeds; the lab holds them at their configured values.
        for p in self.act.parameters():
            p.requires_grad_(False)
        gated = get(cfg.activation, **cfg.params).kind == "gated"
        self.mult = 2 if gated else 1
        gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
        init = (
            recommended_init(cfg.activation, **cfg.params)
            if cfg.init == "auto" and not gated
            else None
        )
        gain = (
            init.gain
            if init is not None
            else {"he": math.sqrt(2), "xavier": 1.0, "lecun": 1.0, "auto": 1.0}[cfg.init]
        )
        self.image = cfg.model == "cnn"
        if self.image and data.image_shape is None:
            raise ValueError(f"RunConfig: model='cnn' needs an image dataset; {data.name} is not")
        if self.image and gated:
            raise ValueError(
                f"RunConfig: {cfg.activation} is gated (it halves its axis); the CNN "
                "takes elementwise activations"
            )
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.kinds: list[str] = []
        fan_mode = "xavier" if cfg.init == "xavier" else "fan_in"

        def add(shape: tuple[int, ...], fan_in: int, fan_out: int, g: float, kind: str) -> None:
            fan = (fan_in + fan_out) / 2 if fan_mode == "xavier" else fan_in
            std = g / math.sqrt(fan)
            w = torch.stack(
                [torch.randn(shape, generator=gen, dtype=torch.float64) * std for gen in gens]
            ).to(dtype)
            self.weights.append(nn.Parameter(w))
            units = shape[0] if kind == "conv" else shape[-1]
            self.biases.append(nn.Parameter(torch.zeros(self.S, units, dtype=dtype)))
            self.kinds.append(kind)

        if self.image:
            c, h, w_ = data.image_shape  # type: ignore[misc]
            chans = [c, 8, 16]  # two 3x3 convolutions, then depth − 2 dense layers
            for cin, cout in itertools.pairwise(chans):
                add((cout * self.mult, cin, 3, 3), cin * 9, cout * 9, gain, "conv")
            self.flat = chans[-1] * h * w_
            din = self.flat
            hidden = max(cfg.depth - 2, 0)
        else:
            din = data.n_features
            hidden = cfg.depth
        for _ in range(hidden):
            add((din, cfg.width * self.mult), din, cfg.width, gain, "dense")
            din = cfg.width
        add((din, data.n_outputs), din, data.n_outputs, 1.0, "out")
        if cfg.batch_norm:
            n_norm = sum(k != "out" for k in self.kinds)
            self.gammas = nn.ParameterList(
                nn.Parameter(torch.ones(self.S, self._units(i), dtype=dtype)) for i in range(n_norm)
            )
            self.betas = nn.ParameterList(
                nn.Parameter(torch.zeros(self.S, self._units(i), dtype=dtype))
                for i in range(n_norm)
            )
        self.dropout_gens = [torch.Generator().manual_seed(10_000 + int(s)) for s in seeds]
        self.image_shape = data.image_shape

    def _units(self, i: int) -> int:
        w = self.weights[i]
        return int(w.shape[1] if self.kinds[i] == "conv" else w.shape[-1])

    def forward(self, x: torch.Tensor, keep: list[torch.Tensor] | None = None) -> torch.Tensor:
        """x: (S, B, features) → logits (S, B, outputs). ``keep`` collects pre-activations."""
        S, B = x.shape[0], x.shape[1]
        h = x
        if self.image:
            c, hh, ww = self.image_shape  # type: ignore[misc]
            h = x.reshape(S, B, c, hh, ww).permute(1, 0, 2, 3, 4).reshape(B, S * c, hh, ww)
        norm_i = 0
        for i, (w, b, kind) in enumerate(zip(self.weights, self.biases, self.kinds, strict=True)):
            if kind == "conv":  # S groups: seed s's channels see only seed s's kernels
                cout = w.shape[1]
                z = torch.nn.functional.conv2d(
                    h, w.reshape(S * cout, *w.shape[2:]), b.reshape(-1), padding=1, groups=S
                )
                hw = z.shape[2] * z.shape[3]
                if self.cfg.batch_norm:
                    zs = self._bn(z.reshape(B, S, cout, hw).permute(1, 0, 2, 3), norm_i)
                    z = zs.permute(1, 0, 2, 3).reshape(z.shape)
                    norm_i += 1
                if keep is not None:
                    keep.append(z.reshape(B, S, cout, hw).permute(1, 0, 3, 2).reshape(S, -1, cout))
                h = self.act(z)
                if self.kinds[i + 1] != "conv":
                    h = h.reshape(B, S, -1).permute(1, 0, 2)
                continue
            z = torch.einsum("sbi,sio->sbo", h, w) + b[:, None, :]
            if kind == "out":
                return z
            if self.cfg.batch_norm:
                z = self._bn(z, norm_i)
                norm_i += 1
            if keep is not None:
                keep.append(z)
            h = self.act(z)
            if self.cfg.dropout > 0 and self.training:
                masks = torch.stack(
                    [
                        (
                            torch.rand(h.shape[1:], generator=g, dtype=torch.float64)
                            >= self.cfg.dropout
                        )
                        for g in self.dropout_gens
                    ]
                ).to(h.dtype)
                h = h * masks / (1 - self.cfg.dropout)
        raise AssertionError("the last layer is the output layer")

    def _bn(self, z: torch.Tensor, i: int) -> torch.Tensor:
        """Batch-norm per seed over the batch (and spatial) positions: z (S, B, C[, P])."""
        dims = (1,) if z.ndim == 3 else (1, 3)
        mean = z.mean(dim=dims, keepdim=True)
        var = z.var(dim=dims, keepdim=True, unbiased=False)
        zn = (z - mean) / torch.sqrt(var + 1e-5)
        g, b = self.gammas[i], self.betas[i]
        shape = (self.S, 1, -1) if z.ndim == 3 else (self.S, 1, -1, 1)
        return zn * g.reshape(shape) + b.reshape(shape)

    def losses(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-seed mean loss on logits: BCE (binary, multilabel), CE, or MSE."""
        F = torch.nn.functional
        if self.task == "binary":
            return F.binary_cross_entropy_with_logits(
                logits[..., 0], y.to(logits.dtype), reduction="none"
            ).mean(1)
        if self.task == "multilabel":
            return F.binary_cross_entropy_with_logits(
                logits, y.to(logits.dtype), reduction="none"
            ).mean((1, 2))
        if self.task == "multiclass":
            S, B, C = logits.shape
            return (
                F.cross_entropy(logits.reshape(S * B, C), y.reshape(-1), reduction="none")
                .reshape(S, B)
                .mean(1)
            )
        return (logits[..., 0] - y.to(logits.dtype)).square().mean(1)

    def metric(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per seed: accuracy (classification; multilabel: per label) or R² (regression)."""
        if self.task == "binary":
            return ((logits[..., 0] > 0).long() == y).double().mean(1)
        if self.task == "multilabel":
            return ((logits > 0).double() == y.double()).double().mean((1, 2))
        if self.task == "multiclass":
            return (logits.argmax(-1) == y).double().mean(1)
        yd = y.double()
        ss_res = (logits[..., 0].double() - yd).square().sum(1)
        ss_tot = (yd - yd.mean(1, keepdim=True)).square().sum(1)
        return 1 - ss_res / ss_tot


@dataclass
class RunResult:
    """Everything one seed's run produced."""

    seed: int
    curves: dict[str, list[tuple[int, float]]]
    layers: list[dict[str, Any]]  # per eval step and layer: grad_norm, dead, saturated
    final: dict[str, float]
    diverged_step: int | None
    wall: float
    steps_done: int
    params: bytes = b""

    @property
    def status(self) -> str:
        return "diverged" if self.diverged_step is not None else "done"


def _tensor_y(y: np.ndarray, task: str) -> torch.Tensor:
    return torch.as_tensor(
        y, dtype=torch.long if task in ("binary", "multiclass") else torch.float64
    )


def train(
    cfg: RunConfig, data: Data, seeds: list[int], dtype: torch.dtype = torch.float32
) -> list[RunResult]:
    """Train ``len(seeds)`` networks of one configuration together; one RunResult per seed."""
    cfg.validate()
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"train: seeds must be distinct ints, got {seeds!r}")
    net = BatchedNet(cfg, data, seeds, dtype)
    S = len(seeds)
    if cfg.optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(_seeded(net), lr=cfg.lr, foreach=True)
    else:
        opt = torch.optim.SGD(_seeded(net), lr=cfg.lr, momentum=cfg.momentum, foreach=True)
    Xtr = torch.as_tensor(data.X_train, dtype=dtype)
    ytr = _tensor_y(data.y_train, data.task)
    Xva = torch.as_tensor(data.X_val, dtype=dtype)
    yva = _tensor_y(data.y_val, data.task)
    Xte = torch.as_tensor(data.X_test, dtype=dtype)
    yte = _tensor_y(data.y_test, data.task)
    n = len(Xtr)
    bs = min(cfg.batch_size, n)
    order_gens = [np.random.default_rng(int(s)) for s in seeds]
    perms = [g.permutation(n) for g in order_gens]
    pos = [0] * S
    curves: list[dict[str, list[tuple[int, float]]]] = [
        {"train_loss": [], "val_loss": [], "val_metric": [], "time": []} for _ in range(S)
    ]
    layers: list[list[dict[str, Any]]] = [[] for _ in range(S)]
    active = torch.ones(S, dtype=torch.bool)
    diverged: list[int | None] = [None] * S
    first_loss: torch.Tensor | None = None
    probe = Xtr[: min(n, 256)]
    t0 = time.perf_counter()
    step = 0
    for step in range(cfg.steps + 1):
        if step % cfg.eval_every == 0 or step == cfg.steps:
            _evaluate(
                net,
                step,
                Xtr,
                ytr,
                Xva,
                yva,
                probe,
                curves,
                layers,
                active,
                time.perf_counter() - t0,
            )
        if step == cfg.steps or not bool(active.any()):
            break
        idx = []
        for s in range(S):
            if pos[s] + bs > n:
                perms[s] = order_gens[s].permutation(n)
                pos[s] = 0
            idx.append(perms[s][pos[s] : pos[s] + bs])
            pos[s] += bs
        ix = torch.as_tensor(np.stack(idx))
        xb, yb = Xtr[ix], ytr[ix]
        net.train()
        opt.zero_grad()
        per_seed = net.losses(net(xb), yb)
        if first_loss is None:
            first_loss = per_seed.detach().clone()
        bad = ~torch.isfinite(per_seed.detach()) | (
            per_seed.detach() > DIVERGED * (first_loss.abs() + 1e-12)
        )
        for s in torch.nonzero(bad & active).flatten().tolist():
            diverged[s] = step
        active &= ~bad
        total = torch.where(active, per_seed, torch.zeros_like(per_seed)).sum()
        total.backward()
        _mask_and_clip(net, active, cfg.clip)
        opt.step()
    wall = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        logits = net(Xte.expand(S, *Xte.shape))
        test_metric = net.metric(logits, yte.expand(S, *yte.shape))
        test_loss = net.losses(logits, yte.expand(S, *yte.shape))
    results = []
    for s, seed in enumerate(seeds):
        final = {
            "test_metric": float(test_metric[s]),
            "test_loss": float(test_loss[s]),
            "val_metric": curves[s]["val_metric"][-1][1] if curves[s]["val_metric"] else math.nan,
        }
        if diverged[s] is not None:
            final = {k: math.nan for k in final}
        results.append(
            RunResult(
                int(seed),
                curves[s],
                layers[s],
                final,
                diverged[s],
                wall,
                step,
                _params_blob(net, s),
            )
        )
    return results


def _mask_and_clip(net: BatchedNet, active: torch.Tensor, clip: float | None) -> None:
    """Zero the gradients of stopped seeds; clip each seed's own global gradient norm."""
    grads = [p.grad for p in net.parameters() if p.grad is not None and p.ndim >= 1]
    if not bool(active.all()):
        for g in grads:
            g[~active] = 0
    if clip is None:
        return
    sq = sum(g.reshape(g.shape[0], -1).double().square().sum(1) for g in grads)
    norm = torch.sqrt(sq)  # type: ignore[arg-type]
    scale = torch.clamp(clip / (norm + 1e-12), max=1.0)
    for g in grads:
        g.mul_(scale.reshape(-1, *([1] * (g.ndim - 1))).to(g.dtype))


def _evaluate(
    net: BatchedNet,
    step: int,
    Xtr: torch.Tensor,
    ytr: torch.Tensor,
    Xva: torch.Tensor,
    yva: torch.Tensor,
    probe: torch.Tensor,
    curves: list[dict[str, list[tuple[int, float]]]],
    layers: list[list[dict[str, Any]]],
    active: torch.Tensor,
    elapsed: float,
) -> None:
    S = net.S
    net.eval()
    with torch.no_grad():
        tr = net.losses(net(Xtr.expand(S, *Xtr.shape)), ytr.expand(S, *ytr.shape))
        lv = net(Xva.expand(S, *Xva.shape))
        va = net.losses(lv, yva.expand(S, *yva.shape))
        vm = net.metric(lv, yva.expand(S, *yva.shape))
    # gradient norms per layer: of the probe batch's loss, per seed
    keep: list[torch.Tensor] = []
    net.zero_grad()
    out = net(probe.expand(S, *probe.shape), keep=keep)
    yp = ytr[: len(probe)]
    net.losses(out, yp.expand(S, *yp.shape)).sum().backward()
    act = get(net.cfg.activation, **net.cfg.params)
    health = [_unit_health(act, z.detach()) for z in keep]  # one derivative per layer
    for s in range(S):
        if not bool(active[s]):
            continue
        c = curves[s]
        c["train_loss"].append((step, float(tr[s])))
        c["val_loss"].append((step, float(va[s])))
        c["val_metric"].append((step, float(vm[s])))
        c["time"].append((step, elapsed))
        for i, _ in enumerate(keep):
            w = net.weights[i]
            gnorm = float(w.grad[s].norm()) if w.grad is not None else math.nan
            dead, sat = float(health[i][0][s]), float(health[i][1][s])
            layers[s].append(
                {"step": step, "layer": i + 1, "grad_norm": gnorm, "dead": dead, "saturated": sat}
            )
    net.zero_grad()


def _unit_health(act: Any, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per seed, the dead and saturated fractions of one layer's units on the probe batch, as
    the monitor defines them: dead — f'(z) = 0 for every sample; saturated — |f'(z)| < 1e-3
    for at least SATURATED_SAMPLES of them. z: (S, B, units)."""
    if act.kind != "elementwise":
        nan = torch.full((z.shape[0],), math.nan)
        return nan, nan
    d = act.derivative(z)
    dead = (d == 0).all(1).double().mean(1)
    sat = ((d.abs() < 1e-3).double().mean(1) >= SATURATED_SAMPLES).double().mean(1)
    return dead, sat


def _params_blob(net: BatchedNet, s: int) -> bytes:
    import io

    buf = io.BytesIO()
    arrays = {f"p{i}": p.detach()[s].cpu().numpy() for i, p in enumerate(_seeded(net))}
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def load_params(net: BatchedNet, blob: bytes) -> None:
    """Put one stored seed's parameters into slot 0 of a single-seed BatchedNet."""
    import io

    with np.load(io.BytesIO(blob)) as z:
        for i, p in enumerate(_seeded(net)):
            p.data[0] = torch.as_tensor(z[f"p{i}"], dtype=p.dtype)


def _seeded(net: BatchedNet) -> list[nn.Parameter]:
    """The per-seed (stacked) parameters: everything but the activation's own."""
    own = {id(p) for p in net.act.parameters()}
    return [p for p in net.parameters() if id(p) not in own]
