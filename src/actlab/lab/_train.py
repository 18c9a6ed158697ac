"""Models and the batched trainer: every seed of one configuration trains in one pass.

The S seeds' weights are stacked (W: S × fan_in × fan_out) and applied with one batched matrix
product per layer (and one grouped convolution per layer for the CNN), so a step costs one
forward and one backward for all seeds. Adam and SGD act elementwise and the loss is a sum of
per-seed losses, so each seed's trajectory equals training it alone (tested to 1e-6 in
float64). All seeded parameters live in one flat buffer (``_Flat``): the optimiser, clipping
and zeroing are a handful of operations per step. Activations are actlab.torch modules with
``precision=cfg.precision``, decided by ``actlab.torch.apply``: "fast" (the default) runs PyTorch's
own kernel where torch has the same function and actlab's fused kernel (else its native float32
forms) elsewhere; "exact" is float64 per element, rounded once.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from .._analysis._health import DIVERGED, Profile, profile, saturated_units, unit_counts
from ..torch import module as act_module
from ._datasets import Data
from ._init import bias_value, output_rule, seed_layer, weight_rule

# re-exported: the lab's modules and users import them from here too
from ._run import DATA_FIELDS as DATA_FIELDS
from ._run import FILE_FIELDS as FILE_FIELDS
from ._run import MODELS as MODELS
from ._run import OPTIMIZERS as OPTIMIZERS
from ._run import PROBE_ROWS as PROBE_ROWS
from ._run import RunConfig as RunConfig
from ._run import RunResult as RunResult
from ._run import _digest as _digest

# batch-norm as torch.nn.BatchNorm1d/2d's defaults: running statistics move by this much per
# training step (the running variance unbiased), and eps stabilises the division
BN_MOMENTUM = 0.1
BN_EPS = 1e-5
# histograms (cfg.histograms): fixed bins, the same for every layer, step and configuration
# so that they compare — HIST_BINS bins of equal width over [HIST_LO, HIST_HI), plus one for
# the values below and one for those at or above (counts: HIST_BINS + 2, NaN not counted)
HIST_LO, HIST_HI, HIST_BINS = -4.0, 4.0, 80
# the kernel behind torch.optim.Adam(fused=True) (CPU since PyTorch 2.4): one pass for a step
_FUSED_ADAM = getattr(torch, "_fused_adam_", None)

# torch.nn.utils.skip_init is untyped in torch: typed once
_skip_init: Callable[..., nn.Module] = nn.utils.skip_init


# ---------------------------------------------------------------------- the batched model


def check_fits(cfg: RunConfig, data: Data) -> None:
    """Whether ``cfg``'s network can be built on ``data`` (a study checks every configuration
    with this before it touches the store)."""
    if cfg.model == "cnn" and data.image_shape is None:
        raise ValueError(f"RunConfig: model='cnn' needs an image dataset; {data.name} is not")
    if cfg.model == "cnn" and cfg.act.kind == "gated":
        raise ValueError(
            f"RunConfig: {cfg.activation} is gated (it halves its axis); the CNN "
            "takes elementwise activations"
        )


def dropout_mask(gen: torch.Generator, shape: tuple[int, ...], p: float) -> torch.Tensor:
    """One layer's dropout mask drawn from ``gen``: True (keep) where U[0, 1) >= p, drawn in
    float64 so the mask is the same whatever dtype the network trains in."""
    return torch.rand(shape, generator=gen, dtype=torch.float64) >= p


class SeedDropout(nn.Module):
    """torch.nn.Dropout(p) whose masks come from ``generator`` (``dropout_mask``): in training
    zero each element with probability p and scale the rest by 1/(1 − p); identity in eval."""

    def __init__(self, p: float, generator: torch.Generator) -> None:
        super().__init__()
        self.p, self.generator = p, generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        return x * dropout_mask(self.generator, tuple(x.shape), self.p).to(x.dtype) / (1 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _clone(gen: torch.Generator) -> torch.Generator:
    """A generator that continues from ``gen``'s state on its own."""
    out = torch.Generator(device=gen.device)
    out.set_state(gen.get_state())
    return out


def batch_order(seed: int, n: int, batch_size: int) -> Iterator[np.ndarray]:
    """The training rows of seed ``seed``'s steps, one index array per step: epoch after epoch
    a permutation of the n rows (NumPy's default_rng(seed)), cut into batches of
    min(batch_size, n) rows; an epoch's last, incomplete batch is skipped."""
    bs = min(batch_size, n)
    for perm in _epochs(seed, n):
        for pos in range(0, n - bs + 1, bs):
            yield perm[pos : pos + bs]


def _epochs(seed: int, n: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(int(seed))
    while True:
        yield rng.permutation(n)


class BatchedNet(nn.Module):
    """S independent networks (MLP or small CNN) with stacked parameters."""

    def __init__(
        self, cfg: RunConfig, data: Data, seeds: list[int], dtype: torch.dtype = torch.float32
    ) -> None:
        super().__init__()
        self.cfg, self.S, self.task = cfg, len(seeds), data.task
        from ._objectives import loss_of, metric_of

        self._loss, self._metric = loss_of(cfg, data.task), metric_of(cfg, data.task)
        names = cfg.layer_activations()
        first = names[0]  # every layer's, or the first of a per-layer list
        self.act = act_module(first, precision=cfg.precision, **cfg.params)
        # An activation's own learnable parameters (silu's β, prelu's α, ...) would be shared by
        # the stacked seeds; the lab holds them at their configured values.
        for p in self.act.parameters():
            p.requires_grad_(False)
        # the module's precision decides the path (actlab.torch.apply: "fast" is PyTorch's own
        # kernel where it computes this function), one decision for the lab and every user
        self.act_fn: Callable[[torch.Tensor], torch.Tensor] = self.act
        # a per-layer list: each hidden layer's own function (deterministic, elementwise)
        self.layer_fns: list[Any] | None = None
        if len(names) > 1:
            self.layer_fns = [act_module(n, precision=cfg.precision) for n in names]
            for m in self.layer_fns:  # held at their configured values, as self.act's are
                for p in m.parameters():
                    p.requires_grad_(False)
        # a stochastic activation (rrelu) draws each seed's noise from that seed's generator,
        # so that a seed trains as it would alone
        self.seed_acts = (
            nn.ModuleList(
                act_module(
                    first,
                    precision=cfg.precision,
                    generator=torch.Generator().manual_seed(20_000 + int(s)),
                    **cfg.params,
                )
                for s in seeds
            )
            if self.act.spec.stochastic
            else None
        )
        gated = cfg.act.kind == "gated"
        self.mult = 2 if gated else 1
        gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
        # "auto": the advisor's match, gated activations included
        rules = [
            weight_rule(
                cfg.init, n, cfg.params, gain=cfg.gain, std=cfg.std, distribution=cfg.distribution
            )
            for n in names
        ]  # per hidden layer ("auto": that layer's activation's gain)
        rule = rules[0]
        last_rule = output_rule(rule, cfg.init)
        bias_rule = bias_value(cfg.init, cfg.bias)
        self.image = cfg.model == "cnn"
        check_fits(cfg, data)
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.kinds: list[str] = []

        def add(shape: tuple[int, ...], kind: str) -> None:
            # fans as torch.nn.init takes them from the torch layout (out, in, kh, kw);
            # a dense weight is stored (in, out) for the batched product
            torch_shape = shape if kind == "conv" else (shape[1], shape[0])
            r = last_rule if kind == "out" else rules[min(len(self.kinds), len(rules) - 1)]
            drawn = [seed_layer(torch_shape, kind != "conv", r, bias_rule, g, dtype) for g in gens]
            self.weights.append(nn.Parameter(torch.stack([w for w, _ in drawn])))
            # (S, 1, units): broadcast over the batch as it is (one op less per layer and step)
            self.biases.append(nn.Parameter(torch.stack([b[None] for _, b in drawn])))
            self.kinds.append(kind)

        if self.image:
            c, h, w_ = data.image_shape  # type: ignore[misc]
            chans = [c, *cfg.channels]  # the 3x3 convolutions, then the dense layers
            for cin, cout in itertools.pairwise(chans):
                add((cout * self.mult, cin, 3, 3), "conv")
            self.flat = chans[-1] * h * w_
            din = self.flat
        else:
            din = data.n_features
        for width in cfg.widths():
            add((din, width * self.mult), "dense")
            din = width
        add((din, data.n_outputs), "out")
        if cfg.batch_norm:
            n_norm = sum(k != "out" for k in self.kinds)
            self.gammas = nn.ParameterList(
                nn.Parameter(torch.ones(self.S, self._units(i), dtype=dtype)) for i in range(n_norm)
            )
            self.betas = nn.ParameterList(
                nn.Parameter(torch.zeros(self.S, self._units(i), dtype=dtype))
                for i in range(n_norm)
            )
            # running statistics per seed and unit (buffers: in state_dict, not optimised)
            self.running: list[tuple[torch.Tensor, torch.Tensor]] = []
            for i in range(n_norm):
                mean = torch.zeros(self.S, self._units(i), dtype=dtype)
                var = torch.ones(self.S, self._units(i), dtype=dtype)
                self.register_buffer(f"running_mean_{i}", mean)
                self.register_buffer(f"running_var_{i}", var)
                self.running.append((mean, var))
        # False: a training-mode pass leaves the running statistics as they are (the trainer's
        # last pass measures the final weights on a batch; it is not a training step)
        self.update_stats = True
        self._plan: list[tuple[nn.Parameter, nn.Parameter, str]] | None = None
        self.dropout_gens = [torch.Generator().manual_seed(10_000 + int(s)) for s in seeds]
        self.image_shape = data.image_shape

    def _act(self, z: torch.Tensor, dim: int, i: int = 0) -> torch.Tensor:
        """Hidden layer ``i``'s activation; a stochastic one in training per seed (its block
        along ``dim``)."""
        if self.layer_fns is not None:
            out: torch.Tensor = self.layer_fns[i](z)
            return out
        if self.seed_acts is None or not self.training:
            return self.act_fn(z)
        blocks = z.chunk(self.S, dim)
        return torch.cat([m(c) for m, c in zip(self.seed_acts, blocks, strict=True)], dim)

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
        if self._plan is None:  # plain lists: indexing a ParameterList costs every step
            self._plan = list(zip(list(self.weights), list(self.biases), self.kinds, strict=True))
        for i, (w, b, kind) in enumerate(self._plan):
            if kind == "conv":  # S groups: seed s's channels see only seed s's kernels
                cout = w.shape[1]
                z = torch.nn.functional.conv2d(
                    h, w.reshape(S * cout, *w.shape[2:]), b.reshape(-1), padding=1, groups=S
                )
                hw = z.shape[2] * z.shape[3]
                if self.cfg.batch_norm:  # (B, S·C, H, W): BatchNorm2d's layout as it is
                    z = self._bn(z, norm_i)
                    norm_i += 1
                if keep is not None:
                    keep.append(z.reshape(B, S, cout, hw).permute(1, 0, 3, 2).reshape(S, -1, cout))
                h = self._act(z, 1, i)  # (B, S·C, H, W): seed s's channels are block s
                if self.kinds[i + 1] != "conv":
                    h = h.reshape(B, S, -1).permute(1, 0, 2)
                continue
            z = torch.baddbmm(b, h, w)
            if kind == "out":
                return z
            if self.cfg.batch_norm:  # (S, B, U) → (B, S·U): BatchNorm1d's layout
                zt = self._bn(z.transpose(0, 1).reshape(B, -1), norm_i)
                z = zt.view(B, S, -1).transpose(0, 1)
                norm_i += 1
            if keep is not None:
                keep.append(z)
            h = self._act(z, 0, i)
            if self.cfg.dropout > 0 and self.training:
                p = self.cfg.dropout
                masks = torch.stack([dropout_mask(g, h.shape[1:], p) for g in self.dropout_gens])
                h = h * masks.to(h.dtype) / (1 - p)
        raise AssertionError("the last layer is the output layer")

    def _bn(self, z: torch.Tensor, i: int) -> torch.Tensor:
        """Batch-norm per seed and unit: torch.nn.functional.batch_norm with each seed's units
        as channels, z (B, S·units[, H, W]) — in training the batch's mean and biased variance
        over the rows (and positions), the running mean and unbiased variance moved by
        BN_MOMENTUM; in evaluation the running ones, so no row's output depends on another."""
        run_mean, run_var = self.running[i]
        update = self.training and self.update_stats
        return torch.nn.functional.batch_norm(
            z,
            run_mean.view(-1) if update or not self.training else None,
            run_var.view(-1) if update or not self.training else None,
            self.gammas[i].reshape(-1),
            self.betas[i].reshape(-1),
            training=self.training,
            momentum=BN_MOMENTUM,
            eps=BN_EPS,
        )

    def seed_module(self, s: int) -> nn.Sequential:
        """Seed ``s`` (its slot, 0 ≤ s < S) as a plain torch.nn model, on (B, features) input:
        torch.nn.Linear / Conv2d with the seed's current weights, BatchNorm1d/2d with its
        affine parameters and running statistics, the activation module (its own parameters
        frozen, as the lab holds them), SeedDropout, Flatten — in this net's training mode.
        Its dropout masks and a stochastic activation's noise continue from copies of the
        seed's generators, so, fed the seed's batches (``batch_order``) and stepped by
        torch.optim, it follows the seed's trajectory. Independent of this net (copies)."""
        if not isinstance(s, int) or not 0 <= s < self.S:
            raise ValueError(f"seed_module: s must be a slot in 0..{self.S - 1}, got {s!r}")
        cfg, dtype = self.cfg, self.weights[0].dtype
        noise = None if self.seed_acts is None else self.seed_acts[s].generator
        act_gen = None if noise is None else _clone(noise)  # type: ignore[arg-type]
        drop_gen = _clone(self.dropout_gens[s])

        names = cfg.layer_activations()

        def act(i: int) -> nn.Module:
            name = names[min(i, len(names) - 1)]
            m = act_module(name, precision=cfg.precision, generator=act_gen, **cfg.params)
            for q in m.parameters():
                q.requires_grad_(False)
            return m

        def put(param: Any, value: torch.Tensor) -> None:
            with torch.no_grad():
                param.copy_(value)

        layers: list[nn.Module] = []
        if self.image:
            layers.append(nn.Unflatten(1, self.image_shape))  # type: ignore[arg-type]
        norm_i = 0
        for i, (w, b, kind) in enumerate(zip(self.weights, self.biases, self.kinds, strict=True)):
            layer: nn.Module
            if kind == "conv":
                cout, cin = int(w.shape[1]), int(w.shape[2])
                layer = _skip_init(nn.Conv2d, cin, cout, 3, padding=1, dtype=dtype)
                put(layer.weight, w[s])
            else:
                layer = _skip_init(nn.Linear, int(w.shape[1]), int(w.shape[2]), dtype=dtype)
                put(layer.weight, w[s].T)
            put(layer.bias, b[s, 0])
            layers.append(layer)
            if kind == "out":
                break
            if cfg.batch_norm:
                kind_bn = nn.BatchNorm2d if kind == "conv" else nn.BatchNorm1d
                bn = kind_bn(self._units(i), eps=BN_EPS, momentum=BN_MOMENTUM, dtype=dtype)
                put(bn.weight, self.gammas[norm_i][s])
                put(bn.bias, self.betas[norm_i][s])
                put(bn.running_mean, self.running[norm_i][0][s])
                put(bn.running_var, self.running[norm_i][1][s])
                layers.append(bn)
                norm_i += 1
            layers.append(act(i))
            if kind == "conv" and self.kinds[i + 1] != "conv":
                layers.append(nn.Flatten())
            if kind == "dense" and cfg.dropout > 0:
                layers.append(SeedDropout(cfg.dropout, drop_gen))
        return nn.Sequential(*layers).train(self.training)

    def losses(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-seed mean loss on logits (task_losses, or cfg.loss: _objectives)."""
        return self._loss(logits, y)

    def metric(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per seed: accuracy or R² (task_metric, or cfg.metric: _objectives)."""
        return self._metric(logits, y)


def task_losses(task: str, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-seed mean loss on logits (S, B, outputs): BCE (binary, multilabel), CE, or MSE."""
    F = torch.nn.functional
    if task == "binary":
        return F.binary_cross_entropy_with_logits(
            logits[..., 0], y.to(logits.dtype), reduction="none"
        ).mean(1)
    if task == "multilabel":
        return F.binary_cross_entropy_with_logits(
            logits, y.to(logits.dtype), reduction="none"
        ).mean((1, 2))
    if task == "multiclass":  # cross-entropy as logsumexp − the true logit (stable;
        # several times faster than log_softmax for few classes on CPU)
        true = logits.gather(-1, y.unsqueeze(-1)).squeeze(-1)
        return (torch.logsumexp(logits, -1) - true).mean(1)
    return (logits[..., 0] - y.to(logits.dtype)).square().mean(1)


def task_metric(task: str, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per seed: accuracy (classification; multilabel: per label) or R² (regression)."""
    if task == "binary":
        return ((logits[..., 0] > 0).long() == y).double().mean(1)
    if task == "multilabel":
        return ((logits > 0).double() == y.double()).double().mean((1, 2))
    if task == "multiclass":
        return (logits.argmax(-1) == y).double().mean(1)
    yd = y.double()
    ss_res = (logits[..., 0].double() - yd).square().sum(1)
    ss_tot = (yd - yd.mean(1, keepdim=True)).square().sum(1)
    return 1 - ss_res / ss_tot


def _tensor_y(y: np.ndarray, task: str) -> torch.Tensor:
    return torch.as_tensor(
        y, dtype=torch.long if task in ("binary", "multiclass") else torch.float64
    )


class _Flat:
    """Every seeded parameter as a view of one (S, P) buffer, and one (S, P) gradient buffer.

    Row s holds seed s's parameters, so stopping a seed, clipping each seed's gradient norm and
    the optimiser's update are a few tensor operations for the whole network instead of a few
    per parameter — the small networks of a study are bound by the number of operations, not
    by arithmetic. Adam is torch.optim.Adam's step (its fused kernel), SGD its formula with
    momentum, clipping clip_grad_norm_'s — per seed (tested equal to torch.optim)."""

    def __init__(self, params: list[nn.Parameter], S: int, fused: bool = True) -> None:
        self.params = params
        sizes = [q.numel() // S for q in params]
        self.data = torch.cat([q.detach().reshape(S, -1) for q in params], dim=1)
        self.grad = torch.zeros_like(self.data)
        off = 0
        for q, n in zip(params, sizes, strict=True):
            q.data = self.data[:, off : off + n].view(q.shape)
            off += n
        self.S = S
        self.m = torch.zeros_like(self.data)
        self.v = torch.zeros_like(self.data)
        self.steps = 0
        self._step_t = torch.zeros((), dtype=torch.float32)
        self._fused = fused

    def backward(self, loss: torch.Tensor) -> list[torch.Tensor]:
        """The gradient of ``loss`` into the buffer; returns each parameter's gradient."""
        grads = torch.autograd.grad(loss, self.params)
        torch.cat([g.reshape(self.S, -1) for g in grads], dim=1, out=self.grad)
        return list(grads)

    def stop(self, active: torch.Tensor) -> None:
        """Zero the gradient of every stopped seed (NaN included)."""
        self.grad.masked_fill_(~active[:, None], 0.0)

    def clip(self, max_norm: float) -> None:
        """Scale each seed's whole gradient to norm <= max_norm (clip_grad_norm_ per seed)."""
        norm = torch.linalg.vector_norm(self.grad, dim=1, keepdim=True)
        self.grad.mul_(norm.add_(1e-6).reciprocal_().mul_(max_norm).clamp_(max=1.0))

    def adam(self, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        """torch.optim.Adam's step: its fused kernel (Adam(fused=True)) where this PyTorch has
        one, else its single-tensor formulas."""
        b1, b2 = betas
        self.steps += 1
        if _FUSED_ADAM is not None and self._fused:
            self._step_t.fill_(self.steps)
            _FUSED_ADAM(
                [self.data], [self.grad], [self.m], [self.v], [], [self._step_t],
                lr=lr, beta1=b1, beta2=b2, weight_decay=0.0, eps=eps,
                amsgrad=False, maximize=False,
            )  # fmt: skip
            return
        self.m.lerp_(self.grad, 1 - b1)
        self.v.mul_(b2).addcmul_(self.grad, self.grad, value=1 - b2)
        bc1 = 1 - b1**self.steps
        bc2 = 1 - b2**self.steps
        denom = (self.v.sqrt() / math.sqrt(bc2)).add_(eps)
        self.data.addcdiv_(self.m, denom, value=-lr / bc1)

    def sgd(self, lr: float, momentum: float) -> None:
        if momentum:  # torch's buffer starts as the first gradient: 0·μ + g
            self.m.mul_(momentum).add_(self.grad)
            self.data.add_(self.m, alpha=-lr)
        else:
            self.data.add_(self.grad, alpha=-lr)


def task_predictions(task: str, logits: torch.Tensor) -> torch.Tensor:
    """What a network predicts, from its logits (S, B, outputs): P(y = 1) (binary, one column),
    class probabilities (multiclass, softmax), per-label probabilities (multilabel) or the value
    (regression, one column)."""
    if task in ("binary", "multilabel"):
        return torch.sigmoid(logits)
    if task == "multiclass":
        return torch.softmax(logits, -1)
    return logits


@dataclass(frozen=True)
class Progress:
    """A training's state at an evaluation step, handed to ``train(on_eval=...)``: the step (of
    ``steps``), each seed's curves and layer records so far (the lists the RunResults will hold:
    read them, do not change them), which seeds diverged and at which step, and ``predict`` —
    the seeds' predictions (``task_predictions``) on any inputs, the network in evaluation mode.
    A callback that raises stops the training (the exception propagates: how a caller cancels).
    """

    step: int
    steps: int
    seeds: tuple[int, ...]
    curves: list[dict[str, list[tuple[int, float]]]]
    layers: list[list[dict[str, Any]]]
    diverged: tuple[int | None, ...]
    elapsed: float
    _net: BatchedNet = field(repr=False)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Per seed, the predictions on ``X`` (n × features): an array S × n × outputs."""
        net = self._net
        x = torch.as_tensor(np.asarray(X), dtype=next(net.parameters()).dtype)
        was = net.training
        net.eval()
        try:
            with torch.no_grad():
                out = task_predictions(net.task, net(x.expand(net.S, *x.shape)))
        finally:
            net.train(was)
        return out.double().numpy()


def final_numbers(
    test_metric: float, test_loss: float, curves: dict[str, list[Any]], diverged: int | None
) -> dict[str, float]:
    """A run's final numbers: test metric and loss after the last step, and the last validation
    metric; all NaN for a diverged run (its numbers describe nothing)."""
    final = {
        "test_metric": test_metric,
        "test_loss": test_loss,
        "val_metric": curves["val_metric"][-1][1] if curves["val_metric"] else math.nan,
    }
    if diverged is not None:
        final = {k: math.nan for k in final}
    return final


def train(
    cfg: RunConfig,
    data: Data,
    seeds: list[int],
    dtype: torch.dtype = torch.float32,
    *,
    probe: int | None = None,
    on_eval: Callable[[Progress], object] | None = None,
) -> list[RunResult]:
    """Train ``len(seeds)`` networks of one configuration together; one RunResult per seed.
    ``probe``: how many of the probe split's first rows unit health is measured on (None:
    ``cfg.probe``; the split is ``cfg.probe_split``).
    ``on_eval``: called with the ``Progress`` after every evaluation step (every
    ``cfg.eval_every`` steps and the last) — how a live view streams a training; an exception
    it raises stops the training and propagates."""
    cfg.validate()
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"train: seeds must be distinct ints, got {seeds!r}")
    if probe is None:
        probe = cfg.probe
    if isinstance(probe, bool) or not isinstance(probe, int) or probe < 1:
        raise ValueError(f"train: probe must be an int >= 1 (rows), got {probe!r}")
    net = BatchedNet(cfg, data, seeds, dtype)
    S = len(seeds)
    flat = _Flat(_seeded(net), S)
    Xtr = torch.as_tensor(data.X_train, dtype=dtype)
    ytr = _tensor_y(data.y_train, data.task)
    Xva = torch.as_tensor(data.X_val, dtype=dtype)
    yva = _tensor_y(data.y_val, data.task)
    Xte = torch.as_tensor(data.X_test, dtype=dtype)
    yte = _tensor_y(data.y_test, data.task)
    n = len(Xtr)
    bs = min(cfg.batch_size, n)
    epochs = [_epochs(s, n) for s in seeds]  # batch_order's epochs, cut into batches below

    Xs = torch.empty((S * n, *Xtr.shape[1:]), dtype=Xtr.dtype)
    ys = torch.empty((S * n, *ytr.shape[1:]), dtype=ytr.dtype)

    def shuffle() -> tuple[torch.Tensor, torch.Tensor]:
        """An epoch: each seed's own order of the training set, and the set in that order
        (a step's batch is then a slice, not a gather), written into the same buffers."""
        ix = torch.as_tensor(np.concatenate([next(e) for e in epochs]))
        torch.index_select(Xtr, 0, ix, out=Xs)
        torch.index_select(ytr, 0, ix, out=ys)
        return Xs.view(S, n, *Xtr.shape[1:]), ys.view(S, n, *ytr.shape[1:])

    (Xe, ye), pos = shuffle(), 0
    sources = metric_sources(cfg, data, probe)
    curves = new_curves(S)
    layers: list[list[dict[str, Any]]] = [[] for _ in range(S)]
    hists: list[list[dict[str, Any]]] = [[] for _ in range(S)]
    hist_steps = cfg.histogram_steps()
    active = torch.ones(S, dtype=torch.bool)
    diverged: list[int | None] = [None] * S
    limit: torch.Tensor | None = None  # a seed whose loss passes this has diverged
    # unit health is measured on a fixed probe batch: the probe split's first rows
    X_probe, y_probe = probe_rows(cfg, (Xtr, ytr), (Xva, yva), probe)
    window: list[torch.Tensor] = []  # the minibatch losses since the last evaluation
    mwindow: list[torch.Tensor] = []  # and their metrics (train_metric)
    everyone = True  # no seed stopped yet
    t0 = time.perf_counter()
    step = 0
    net.train()
    for step in range(cfg.steps + 1):
        last = step == cfg.steps
        record = step % cfg.eval_every == 0 or last
        kept: list[torch.Tensor] | None = None
        if record:
            elapsed = time.perf_counter() - t0
            va, vm, health, kept = _evaluate(net, Xva, yva, X_probe, y_probe)
            evaluated = (va, vm, health, elapsed)
        if step in hist_steps:
            _histograms(net, X_probe, kept, step, hists, active)
        if pos + bs > n:
            (Xe, ye), pos = shuffle(), 0
        net.update_stats = not last  # the last pass measures; it does not train
        yb = ye[:, pos : pos + bs]
        logits = net(Xe[:, pos : pos + bs])
        per_seed = net.losses(logits, yb)
        pos += bs
        loss = per_seed.detach()
        window.append(loss)
        mwindow.append(net.metric(logits.detach(), yb))
        if limit is None:
            limit = DIVERGED.value * (loss.abs() + 1e-12)  # health's definition
        ok = loss <= limit  # False for NaN and inf too
        if not bool(ok.all()):
            for s in torch.nonzero(~ok & active).flatten().tolist():
                diverged[s] = step
            active &= ok
            everyone = bool(active.all())
        total = per_seed.sum() if everyone else torch.where(active, per_seed, 0.0).sum()
        grads = flat.backward(total)
        if record:  # train loss and metric: window_mean's (this batch included)
            train = (window_mean(window), window_mean(mwindow))
            _record(step, evaluated, train, grads, curves, layers, active)
            if on_eval is not None:  # its time is not the training's: t0 moves past it
                t_cb = time.perf_counter()
                on_eval(
                    Progress(
                        step,
                        cfg.steps,
                        tuple(seeds),
                        curves,
                        layers,
                        tuple(diverged),
                        time.perf_counter() - t0,
                        net,
                    )
                )
                t0 += time.perf_counter() - t_cb
        if last or not (everyone or bool(active.any())):
            break
        if not everyone:
            flat.stop(active)
        if cfg.clip is not None:
            flat.clip(cfg.clip)
        if cfg.optimizer == "adam":
            flat.adam(cfg.lr)
        else:
            flat.sgd(cfg.lr, cfg.momentum)
    wall = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        logits = net(Xte.expand(S, *Xte.shape))
        test_metric = net.metric(logits, yte.expand(S, *yte.shape)).tolist()
        test_loss = net.losses(logits, yte.expand(S, *yte.shape)).tolist()
    results = []
    for s, seed in enumerate(seeds):
        final = final_numbers(test_metric[s], test_loss[s], curves[s], diverged[s])
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
                sources,
                hists[s],
            )
        )
    return results


def new_curves(S: int) -> list[dict[str, list[tuple[int, float]]]]:
    """Each seed's curves, empty: what both trainers record at every evaluation."""
    names = ("train_loss", "train_metric", "val_loss", "val_metric", "time")
    return [{k: [] for k in names} for _ in range(S)]


def window_mean(window: list[torch.Tensor]) -> list[float]:
    """The training loss and the training metric at an evaluation: per seed the mean of the
    minibatches' values since the previous evaluation, this step's batch included (as Keras's
    running accuracy and scikit-learn's loss_curve_ report training; each batch counts once,
    in training mode — dropout on, batch-norm with the batch's statistics — with the weights
    it was taken at). Empties ``window``."""
    out = torch.stack(window).double().mean(0).tolist()
    window.clear()
    return cast(list[float], out)


def probe_rows(
    cfg: RunConfig,
    train_xy: tuple[torch.Tensor, torch.Tensor],
    val_xy: tuple[torch.Tensor, torch.Tensor],
    probe: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The probe batch unit health and the histograms are measured on: the first ``probe``
    rows of the training split or of the validation split (cfg.probe_split)."""
    X, y = train_xy if cfg.probe_split == "train" else val_xy
    return X[: min(len(X), probe)], y[: min(len(X), probe)]


def histogram(v: torch.Tensor) -> torch.Tensor:
    """Per seed, the counts of ``v``'s values (S, ...) in the fixed bins: below HIST_LO, the
    HIST_BINS bins [lo + k·w, lo + (k+1)·w), at or above HIST_HI; NaN not counted.
    An int64 tensor (S, HIST_BINS + 2)."""
    S = v.shape[0]
    x = v.detach().reshape(S, -1).double()
    width = (HIST_HI - HIST_LO) / HIST_BINS
    idx = ((x - HIST_LO) / width).floor().clamp(-1, HIST_BINS) + 1  # 0 … HIST_BINS + 1
    idx = torch.where(torch.isnan(x), HIST_BINS + 2, idx).long()  # NaN: a slot dropped below
    counts = torch.zeros(S, HIST_BINS + 3, dtype=torch.long)
    counts.scatter_add_(1, idx, torch.ones_like(idx))
    return counts[:, : HIST_BINS + 2]


def histogram_records(
    step: int,
    pre: list[torch.Tensor],
    post: list[torch.Tensor],
    hists: list[list[dict[str, Any]]],
    active: torch.Tensor,
) -> None:
    """One step's histograms into each still-training seed's records: per hidden layer (1 =
    first) the counts of its pre-activations and activations (``histogram``)."""
    for i, (z, h) in enumerate(zip(pre, post, strict=True)):
        for kind, v in (("pre", z), ("post", h)):
            counts = histogram(v).tolist()
            for s, row in enumerate(counts):
                if bool(active[s]):
                    hists[s].append({"step": step, "layer": i + 1, "kind": kind, "counts": row})


def _histograms(
    net: BatchedNet,
    X_probe: torch.Tensor,
    kept: list[torch.Tensor] | None,
    step: int,
    hists: list[list[dict[str, Any]]],
    active: torch.Tensor,
) -> None:
    """The probe's pre-activations (those the evaluation kept, else a pass of their own) and
    activations, in evaluation mode, binned per hidden layer."""
    S = net.S
    net.eval()
    with torch.no_grad():
        if kept is None:
            kept = []
            net(X_probe.expand(S, *X_probe.shape), keep=kept)
        post = [net._act(z, 0, i) for i, z in enumerate(kept)]
    net.train()
    histogram_records(step, kept, post, hists, active)


def _steps_text(cfg: RunConfig) -> str:
    h = cfg.histograms
    if isinstance(h, int):
        return f"0, {h}, {2 * h}, … and the last ({cfg.steps})"
    return ", ".join(map(str, sorted(cfg.histogram_steps())))


def metric_sources(
    cfg: RunConfig, data: Data, probe: int | None = None
) -> dict[str, dict[str, Any]]:
    """What each recorded number of a run was measured on: per curve, final metric and layer
    statistic its split, rows, the network's mode and the batch-norm statistics it used
    ("batch": the rows' own mean and variance; "running": the running mean and variance;
    "none": no batch-norm), and a sentence saying so, naming the loss or metric (stored with
    the run; the report prints it)."""
    from ._objectives import names

    if probe is None:
        probe = cfg.probe
    n = len(data.X_train)
    pool = n if cfg.probe_split == "train" else len(data.X_val)
    split = "training" if cfg.probe_split == "train" else "validation"
    rows = {
        "train": min(cfg.batch_size, n),
        "validation": len(data.X_val),
        "test": len(data.X_test),
        "probe": min(pool, probe),
    }
    loss, metric = names(cfg, data.task)
    batches = (
        "the mean {} of the minibatches ({{}} rows each) since the previous evaluation, each "
        "taken before its update"
    )
    on_probe = f"the {split} split's first {{}} rows (the probe)"
    what = {
        "train_loss": ("train", "train", f"{loss}: " + batches.format("loss")),
        "train_metric": ("train", "train", f"{metric}: " + batches.format("metric")),
        "val_loss": ("validation", "eval", f"{loss}: the whole validation split ({{}} rows)"),
        "val_metric": ("validation", "eval", f"{metric}: the whole validation split ({{}} rows)"),
        "test_loss": (
            "test", "eval", f"{loss}: the whole test split ({{}} rows), after the last step"
        ),
        "test_metric": (
            "test", "eval", f"{metric}: the whole test split ({{}} rows), after the last step"
        ),
        "grad_norm": ("train", "train", "that step's minibatch ({} rows), before clipping"),
        "dead": ("probe", "eval", on_probe),
        "saturated": ("probe", "eval", on_probe),
        "flat": ("probe", "eval", on_probe),
        "grad_rms": ("probe", "eval", on_probe + f", its {loss}'s backward"),
    }  # fmt: skip
    if cfg.histograms is not None:
        what["histograms"] = (
            "probe",
            "eval",
            on_probe + f", at steps {_steps_text(cfg)}; {HIST_BINS} bins of width "
            f"{(HIST_HI - HIST_LO) / HIST_BINS:g} over [{HIST_LO:g}, {HIST_HI:g}) and one "
            "each for the values below and above",
        )
    noisy = cfg.act.spec.stochastic
    in_mode = {
        "train": "training mode"
        + (", dropout on" if cfg.dropout > 0 else "")
        + (", the activation's noise drawn" if noisy else ""),
        "eval": "evaluation mode",
    }
    norm = {
        "batch": "; batch-norm with each batch's own mean and variance",
        "running": "; batch-norm with the running mean and variance",
        "none": "",
    }
    out: dict[str, dict[str, Any]] = {}
    for name, (split, mode, text) in what.items():
        stats = ("batch" if mode == "train" else "running") if cfg.batch_norm else "none"
        out[name] = {
            "split": split,
            "rows": rows[split],
            "mode": mode,
            "statistics": stats,
            "detail": f"{text.format(rows[split])}, {in_mode[mode]}{norm[stats]}",
        }
    return out


def _evaluate(
    net: BatchedNet,
    Xva: torch.Tensor,
    yva: torch.Tensor,
    X_probe: torch.Tensor,
    y_probe: torch.Tensor,
) -> tuple[list[float], list[float], list[Health], list[torch.Tensor]]:
    """In evaluation mode, one pass over the validation set and one over the probe batch (so
    neither depends on the other's rows): per seed the validation loss and metric, and per
    layer the unit health and the RMS of ∂loss/∂z on the probe batch (health's definitions),
    and the probe's pre-activations (detached)."""
    S = net.S
    net.eval()
    keep: list[torch.Tensor] = []
    with torch.no_grad():
        out = net(Xva.expand(S, *Xva.shape))
        yv = yva.expand(S, *yva.shape)
        va, vm = net.losses(out, yv).tolist(), net.metric(out, yv).tolist()
    with torch.enable_grad():  # the probe's backward gives ∂loss/∂z per layer, as the monitor
        out = net(X_probe.expand(S, *X_probe.shape), keep=keep)
        total = net.losses(out, y_probe.expand(S, *y_probe.shape)).sum()
        grads = torch.autograd.grad(total, keep, allow_unused=True)
    keep = [z.detach() for z in keep]
    health = _unit_health(net, keep, len(X_probe), 0)
    rms = [_grad_rms(g, S) for g in grads]
    net.train()
    return va, vm, [(*h, r) for h, r in zip(health, rms, strict=True)], keep


Health = tuple[list[float], list[float], list[float], list[float]]  # dead, saturated, flat, rms


def _grad_rms(g: torch.Tensor | None, S: int) -> list[float]:
    """Per seed, the RMS of ∂loss/∂z over a layer's probe pre-activations (NaN where z is not on
    the loss's path: the CNN's kept convolution outputs are reshaped copies)."""
    if g is None:
        return [math.nan] * S
    return g.reshape(S, -1).double().square().mean(1).sqrt().tolist()


def _record(
    step: int,
    evaluated: tuple[list[float], list[float], list[Health], float],
    train: tuple[list[float], list[float]],
    grads: list[torch.Tensor],
    curves: list[dict[str, list[tuple[int, float]]]],
    layers: list[list[dict[str, Any]]],
    active: torch.Tensor,
) -> None:
    """One evaluation step into each still-training seed's curves and layer records: losses,
    metrics, time, and per hidden layer the gradient norm of its weights (this step's batch,
    before clipping), dead and saturated unit fractions, the share of flat samples and the RMS
    of ∂loss/∂z (the probe batch)."""
    va, vm, health, elapsed = evaluated
    S = len(curves)
    norms = [
        torch.linalg.vector_norm(grads[i].reshape(S, -1), dim=1).tolist()
        for i in range(len(health))
    ]
    for s in range(S):
        if not bool(active[s]):
            continue
        c = curves[s]
        c["train_loss"].append((step, train[0][s]))
        c["train_metric"].append((step, train[1][s]))
        c["val_loss"].append((step, va[s]))
        c["val_metric"].append((step, vm[s]))
        c["time"].append((step, elapsed))
        for i, (dead, sat, flat, rms) in enumerate(health):
            layers[s].append(
                {
                    "step": step,
                    "layer": i + 1,
                    "grad_norm": norms[i][s],
                    "dead": dead[s],
                    "saturated": sat[s],
                    "flat": flat[s],
                    "grad_rms": rms[s],
                }
            )


def _unit_health(
    net: BatchedNet, keep: list[torch.Tensor], samples: int, start: int
) -> list[tuple[list[float], list[float], list[float]]]:
    """Per layer and seed, on the samples from ``start`` on, with actlab.health's definitions
    (the monitor's): the dead unit fraction (NaN where f' cannot be 0), the saturated unit
    fraction and the share of flat samples (NaN where the activation does not saturate). f' is
    the derivative the network trains with (the activation's backward), taken once for all
    layers. keep: pre-activations of ``samples`` samples (S, rows, units), a sample's rows
    consecutive (one per position for a convolution)."""
    S = net.S
    if net.act.spec.kind != "elementwise":
        return [([math.nan] * S, [math.nan] * S, [math.nan] * S) for _ in keep]
    prof = profile(net.cfg.act)  # a list: the first's
    parts = []
    for z in keep:
        parts.append(z[:, z.shape[1] // samples * start :])
    if net.layer_fns is not None:  # a per-layer list: each layer through its own f
        ds = []
        for fn, z in zip(net.layer_fns, parts, strict=True):
            zz = z.detach().reshape(-1).requires_grad_(True)
            with torch.enable_grad():
                ds.append(torch.autograd.grad(fn(zz).sum(), zz)[0])
        d = torch.cat(ds)
    else:
        flat_in = torch.cat([z.reshape(-1) for z in parts]).detach().requires_grad_(True)
        with torch.enable_grad():
            (d,) = torch.autograd.grad(net.act_fn(flat_in).sum(), flat_in)
    sizes = [z.numel() for z in parts]
    return [
        layer_health(dz.view(z.shape).abs(), prof)
        for z, dz in zip(parts, torch.split(d, sizes), strict=True)
    ]


def layer_health(a: torch.Tensor, prof: Profile) -> tuple[list[float], list[float], list[float]]:
    """One layer's unit health per seed from |f'(z)| (S, samples, units), with actlab.health's
    definitions (the monitor's): the dead unit fraction (NaN where f' cannot be 0), the
    saturated unit fraction and the share of flat samples (NaN where it does not saturate).
    Both trainers (the lab's networks and the user's) record these."""
    S, rows = a.shape[0], a.shape[1]
    nan = [math.nan] * S
    active, flat = unit_counts(a, prof, axis=1)  # per seed and unit
    return (
        (~active).double().mean(1).tolist() if active is not None else nan,
        saturated_units(flat, rows).double().mean(1).tolist() if flat is not None else nan,
        (flat.double().sum(1) / (rows * a.shape[2])).tolist() if flat is not None else nan,
    )


def _params_blob(net: BatchedNet, s: int) -> bytes:
    import io

    buf = io.BytesIO()
    arrays = {f"p{i}": p.detach()[s].cpu().numpy() for i, p in enumerate(_seeded(net))}
    arrays.update({f"b{i}": b[s].cpu().numpy() for i, b in enumerate(_running(net))})
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def load_params(net: BatchedNet, blob: bytes) -> None:
    """Put one stored seed's parameters (and batch-norm running statistics) into slot 0 of
    a single-seed BatchedNet."""
    import io

    with np.load(io.BytesIO(blob)) as z:
        for i, p in enumerate(_seeded(net)):
            p.data[0] = torch.as_tensor(z[f"p{i}"], dtype=p.dtype)
        for i, b in enumerate(_running(net)):
            if f"b{i}" in z:  # stores from before running statistics have none
                b[0] = torch.as_tensor(z[f"b{i}"], dtype=b.dtype)


def _running(net: BatchedNet) -> list[torch.Tensor]:
    """The batch-norm running statistics (S, units each): mean and variance per layer."""
    return [t for pair in getattr(net, "running", []) for t in pair]


def _seeded(net: BatchedNet) -> list[nn.Parameter]:
    """The per-seed (stacked) parameters: everything but the activation's own."""
    acts = [net.act, *(net.seed_acts or [])]
    own = {id(p) for a in acts for p in a.parameters()}
    return [p for p in net.parameters() if id(p) not in own]
