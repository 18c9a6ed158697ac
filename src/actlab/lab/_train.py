"""The batched trainer: every seed of one configuration trains in one pass (the model is
``_net``'s, what a run records ``_measures'``).

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

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._analysis._health import DIVERGED
from ._datasets import Data

# re-exported: the lab's modules and users import them from here (the model is _net's,
# what a run records _measures', what a run is _run's)
from ._measures import HIST_BINS as HIST_BINS
from ._measures import HIST_HI as HIST_HI
from ._measures import HIST_LO as HIST_LO
from ._measures import Health as Health
from ._measures import _evaluate as _evaluate
from ._measures import _grad_rms as _grad_rms
from ._measures import _histograms as _histograms
from ._measures import _record as _record
from ._measures import _steps_text as _steps_text
from ._measures import _unit_health as _unit_health
from ._measures import histogram as histogram
from ._measures import histogram_records as histogram_records
from ._measures import layer_health as layer_health
from ._measures import metric_sources as metric_sources
from ._measures import new_curves as new_curves
from ._measures import probe_rows as probe_rows
from ._measures import window_mean as window_mean
from ._net import BN_EPS as BN_EPS
from ._net import BN_MOMENTUM as BN_MOMENTUM
from ._net import BatchedNet as BatchedNet
from ._net import SeedDropout as SeedDropout
from ._net import _clone as _clone
from ._net import _params_blob as _params_blob
from ._net import _running as _running
from ._net import _seeded as _seeded
from ._net import check_fits as check_fits
from ._net import dropout_mask as dropout_mask
from ._net import load_params as load_params
from ._net import task_losses as task_losses
from ._net import task_metric as task_metric
from ._net import task_predictions as task_predictions
from ._run import DATA_FIELDS as DATA_FIELDS
from ._run import FILE_FIELDS as FILE_FIELDS
from ._run import MODELS as MODELS
from ._run import OPTIMIZERS as OPTIMIZERS
from ._run import PROBE_ROWS as PROBE_ROWS
from ._run import RunConfig as RunConfig
from ._run import RunResult as RunResult
from ._run import _digest as _digest

# the kernel behind torch.optim.Adam(fused=True) (CPU since PyTorch 2.4): one pass for a step
_FUSED_ADAM = getattr(torch, "_fused_adam_", None)


#: the trainer's one clock (wall time of the steps, callbacks excluded): a single name, so a
#: test can hand it a fake clock instead of reading the real one
_clock = time.perf_counter


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
    t0 = _clock()
    step = 0
    net.train()
    for step in range(cfg.steps + 1):
        last = step == cfg.steps
        record = step % cfg.eval_every == 0 or last
        kept: list[torch.Tensor] | None = None
        if record:
            elapsed = _clock() - t0
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
                t_cb = _clock()
                on_eval(
                    Progress(
                        step,
                        cfg.steps,
                        tuple(seeds),
                        curves,
                        layers,
                        tuple(diverged),
                        _clock() - t0,
                        net,
                    )
                )
                t0 += _clock() - t_cb
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
    wall = _clock() - t0
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
