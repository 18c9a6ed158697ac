"""The batched model: S seeds' networks of one configuration as one module (weights stacked
S × fan_in × fan_out, one batched product per layer; one grouped convolution per layer for the
CNN), its losses, metric and predictions by task, and a seed's parameters as bytes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from ..torch import module as act_module
from ._datasets import Data
from ._init import bias_value, output_rule, seed_layer, weight_rule
from ._run import RunConfig

# batch-norm as torch.nn.BatchNorm1d/2d's defaults: running statistics move by this much per
# training step (the running variance unbiased), and eps stabilises the division
BN_MOMENTUM = 0.1
BN_EPS = 1e-5

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


def task_predictions(task: str, logits: torch.Tensor) -> torch.Tensor:
    """What a network predicts, from its logits (S, B, outputs): P(y = 1) (binary, one column),
    class probabilities (multiclass, softmax), per-label probabilities (multilabel) or the value
    (regression, one column)."""
    if task in ("binary", "multilabel"):
        return torch.sigmoid(logits)
    if task == "multiclass":
        return torch.softmax(logits, -1)
    return logits


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
