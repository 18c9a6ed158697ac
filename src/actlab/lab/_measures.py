"""What a training records, each defined once: the curves, the training metric's window mean,
the probe batch, the histograms' fixed bins, unit health per layer (health's definitions), the
gradient records, and what every recorded number was measured on (``metric_sources``)."""

from __future__ import annotations

import math
from typing import Any, cast

import torch

from .._analysis._health import Profile, profile, saturated_units, unit_counts
from ._datasets import Data
from ._net import BatchedNet
from ._run import RunConfig

# histograms (cfg.histograms): fixed bins, the same for every layer, step and configuration
# so that they compare — HIST_BINS bins of equal width over [HIST_LO, HIST_HI), plus one for
# the values below and one for those at or above (counts: HIST_BINS + 2, NaN not counted)
HIST_LO, HIST_HI, HIST_BINS = -4.0, 4.0, 80


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
