"""``actlab.torch.watch(model)``: find dead units, saturation, vanishing or exploding gradients
and NaN in any model, and say what to do — with the advisor's own symptom rules.

Activation layers are found by type: actlab's modules and torch.nn's own (ReLU, GELU, ...,
mapped to catalog specs through each spec's ``peers.torch.module``). Call ``monitor.step(loss)``
once per training iteration, after ``optimizer.step()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .._analysis._advisor import RULES
from .._catalog import Activation, resolve, specs
from ._modules import ActlabModule, PReLU

DEAD_WARN, DEAD_ERROR = 0.4, 0.9  # fraction of a layer's units
SATURATED_WARN = 0.4
SATURATED_SAMPLES = 0.9  # a unit is saturated when |f'| < 1e-3 for this share of its samples
VANISHING, EXPLODING = 1e-4, 1e4  # first-layer / last-layer gradient-norm ratio
SAMPLE_ROWS = 32  # examples per recorded batch whose f' is inspected


def _torch_types() -> dict[type, tuple[str, dict[str, str]]]:
    """torch.nn activation classes → (catalog name, {our param: their attribute})."""
    out: dict[type, tuple[str, dict[str, str]]] = {}
    for spec in specs():
        peer = spec.peers.torch
        if peer is not None and peer.module and peer.module.startswith("torch.nn."):
            cls = getattr(nn, peer.module.rpartition(".")[2], None)
            if isinstance(cls, type):
                out[cls] = (spec.name, dict(peer.params))
    return out


def _activation_of(
    module: nn.Module, types: dict[type, tuple[str, dict[str, str]]]
) -> Activation | None:
    """The catalog activation a module computes (with its current parameter values), or None.

    A stochastic one is taken in eval form: the monitor needs where f' vanishes, not a draw."""
    if isinstance(module, ActlabModule):
        params = dict(module._activation().params)
        for k in module.spec.learnable:
            v = getattr(module, "weight" if isinstance(module, PReLU) else k).detach()
            params[k] = v if v.numel() > 1 else v.item()
        spec = module.spec
    elif type(module) in types:
        name, mapping = types[type(module)]
        spec = resolve(name)
        params = {}
        for ours, theirs in mapping.items():
            v = getattr(module, theirs, None)
            if isinstance(v, torch.Tensor):  # PReLU's weight
                v = v.detach() if v.numel() > 1 else v.detach().item()
            if ours == "axis" and v is None:
                v = -1
            if v is not None:
                params[ours] = v
    else:
        return None
    if "training" in params:
        params["training"] = False
    return Activation(spec, params)


@dataclass
class LayerRecord:
    """What the monitor saw of one activation layer over its window. Saturation is tracked for
    activations that saturate on both sides (sigmoid/tanh-like); for the others a vanishing f'
    is a dead unit, not saturation."""

    name: str
    activation: str
    kind: str
    saturating: bool = False
    units: int = 0
    batches: int = 0
    ever_active: torch.Tensor | None = None
    saturated_samples: torch.Tensor | None = None
    samples: int = 0
    pre_mean: float = math.nan
    pre_std: float = math.nan
    post_mean: float = math.nan
    post_std: float = math.nan
    first_step: int = -1
    last_step: int = -1

    @property
    def dead_fraction(self) -> float:
        if self.ever_active is None or self.units == 0:
            return 0.0
        return float((~self.ever_active).float().mean())

    @property
    def saturated_fraction(self) -> float:
        if self.saturated_samples is None or self.samples == 0:
            return 0.0
        share = self.saturated_samples.double() / self.samples
        return float((share >= SATURATED_SAMPLES).double().mean())

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.name,
            "activation": self.activation,
            "units": self.units,
            "batches": self.batches,
            "dead_fraction": self.dead_fraction,
            "saturated_fraction": self.saturated_fraction,
            "pre_mean": self.pre_mean,
            "pre_std": self.pre_std,
            "post_mean": self.post_mean,
            "post_std": self.post_std,
            "steps": [self.first_step, self.last_step],
        }


@dataclass
class Finding:
    """One problem, with its evidence and the advisor's fixes."""

    kind: str  # dead_units, saturation, vanishing_gradients, exploding_gradients, nan_loss
    severity: str  # "warning" or "error"
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fixes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "evidence": self.evidence,
            "fixes": list(self.fixes),
        }


def _fixes(symptom: str) -> tuple[str, ...]:
    return next((r.fixes for r in RULES if r.when.get("symptom") == symptom), ())


class Monitor:
    """Hooks on a model's activation layers and parameters; see ``watch``."""

    def __init__(self, model: nn.Module, every: int = 1) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"watch: model must be a torch.nn.Module, got {type(model).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"watch: every must be a positive int, got {every!r}")
        self.model, self.every = model, every
        self.steps = 0
        self.layers: dict[str, LayerRecord] = {}
        self.grad_norms: dict[str, list[tuple[int, float]]] = {}
        self.update_ratios: dict[str, list[tuple[int, float]]] = {}
        self.first_last: list[tuple[int, float]] = []
        self.losses: list[tuple[int, float]] = []
        self.nonfinite: dict[str, Any] | None = None
        self._recording = True
        self._snapshot: dict[str, torch.Tensor] = {}
        self._acts: dict[str, Activation] = {}
        self._handles: list[Any] = []
        types = _torch_types()
        for name, mod in model.named_modules():
            act = _activation_of(mod, types)
            if act is None:
                continue
            label = name or type(mod).__name__
            self._acts[label] = act
            both = set(act.facts.saturates) == {"negative", "positive"}
            self.layers[label] = LayerRecord(label, act.name, act.kind, saturating=both)
            self._handles.append(mod.register_forward_hook(self._hook(label)))
        self._params = dict(model.named_parameters())
        self._weights = [(n, p) for n, p in self._params.items() if p.ndim >= 2]

    # ------------------------------------------------------------------ hooks and steps

    def _hook(self, label: str) -> Any:
        def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
            if not self._recording or not inputs or not isinstance(inputs[0], torch.Tensor):
                return
            with torch.no_grad():
                self._observe(label, inputs[0].detach(), output.detach())

        return hook

    def _observe(self, label: str, z: torch.Tensor, y: torch.Tensor) -> None:
        rec, act = self.layers[label], self._acts[label]
        if self.nonfinite is None and not bool(torch.isfinite(y).all()):
            where = "input" if not bool(torch.isfinite(z).all()) else "output"
            self.nonfinite = {"step": self.steps, "place": f"activations of {label} ({where})"}
        # statistics on the inspected slice of the batch (the NaN check above saw all of it)
        zf, yf = z[:SAMPLE_ROWS].float(), y[:SAMPLE_ROWS].float()
        rec.pre_mean, rec.pre_std = float(zf.mean()), float(zf.std()) if zf.numel() > 1 else 0.0
        rec.post_mean, rec.post_std = float(yf.mean()), float(yf.std()) if yf.numel() > 1 else 0.0
        rec.batches += 1
        rec.first_step = self.steps if rec.first_step < 0 else rec.first_step
        rec.last_step = self.steps
        if act.kind != "elementwise" or z.ndim < 2:
            return
        # per-unit f' on the first SAMPLE_ROWS examples of the batch: dead and saturated units
        # accumulate over the window, so a slice per recorded step is enough and keeps it cheap
        d = act.derivative(z[:SAMPLE_ROWS])
        units = d.shape[1]
        per_unit = d.transpose(0, 1).reshape(units, -1)  # units along dim 1 (features/channels)
        active = (per_unit != 0).any(dim=1)
        saturated = (per_unit.abs() < 1e-3).sum(dim=1)
        if rec.ever_active is None or rec.units != units:
            rec.units, rec.ever_active = units, active.cpu()
            rec.saturated_samples, rec.samples = saturated.cpu(), per_unit.shape[1]
        else:
            rec.ever_active |= active.cpu()
            rec.saturated_samples = rec.saturated_samples + saturated.cpu()
            rec.samples += per_unit.shape[1]

    def step(self, loss: Any = None) -> None:
        """Record one training iteration: call it after ``optimizer.step()``."""
        t = self.steps
        if loss is not None:
            value = float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)
            if not math.isfinite(value) and self.nonfinite is None:
                self.nonfinite = {"step": t, "place": "loss", "value": value}
            if t % self.every == 0:
                self.losses.append((t, value))
        params = self._params
        for n, old in list(self._snapshot.items()):  # the update made since the last record
            w = params[n].detach()
            denom = float(old.norm())
            if denom > 0:
                self.update_ratios.setdefault(n, []).append((t, float((w - old).norm()) / denom))
        self._snapshot.clear()
        if t % self.every == 0:
            norms = {}
            for n, p in params.items():
                if p.grad is None:
                    continue
                g = float(p.grad.detach().norm())
                norms[n] = g
                self.grad_norms.setdefault(n, []).append((t, g))
                if not math.isfinite(g) and self.nonfinite is None:
                    self.nonfinite = {"step": t, "place": f"gradient of {n}"}
            named = [n for n, _ in self._weights if n in norms]
            if len(named) >= 2 and norms[named[-1]] > 0:
                self.first_last.append((t, norms[named[0]] / norms[named[-1]]))
            self._snapshot = {n: p.detach().clone() for n, p in params.items()}
        self.steps = t + 1
        self._recording = self.steps % self.every == 0

    # ------------------------------------------------------------------ answers

    def report(self) -> list[Finding]:
        """Findings, worst first: each with severity, evidence and the advisor's fixes."""
        out: list[Finding] = []
        if self.nonfinite is not None:
            nf = self.nonfinite
            out.append(
                Finding(
                    "nan_loss",
                    "error",
                    f"NaN/inf first seen at step {nf['step']} in {nf['place']}",
                    dict(nf),
                    _fixes("nan_loss"),
                )
            )
        for rec in self.layers.values():
            window = f"{rec.first_step}–{rec.last_step}"
            dead = rec.dead_fraction
            if dead >= DEAD_WARN:
                out.append(
                    Finding(
                        "dead_units",
                        "error" if dead >= DEAD_ERROR else "warning",
                        f"layer {rec.name}: {dead:.0%} of {rec.activation} units dead over steps "
                        f"{window} → try leaky_relu or He init, lower the learning rate",
                        {
                            "layer": rec.name,
                            "dead_fraction": dead,
                            "units": rec.units,
                            "steps": [rec.first_step, rec.last_step],
                        },
                        _fixes("dead_units"),
                    )
                )
            sat = rec.saturated_fraction if rec.saturating else 0.0
            if sat >= SATURATED_WARN:
                out.append(
                    Finding(
                        "saturation",
                        "warning",
                        f"layer {rec.name}: {sat:.0%} of {rec.activation} units saturated "
                        f"(|f'| < 1e-3 for {SATURATED_SAMPLES:.0%} of samples) over steps {window}",
                        {"layer": rec.name, "saturated_fraction": sat, "pre_std": rec.pre_std},
                        _fixes("saturation"),
                    )
                )
        if self.first_last:
            ratios = [r for _, r in self.first_last[-10:] if math.isfinite(r)]
            if ratios:
                median = sorted(ratios)[len(ratios) // 2]
                first, last = self._weights[0][0], self._weights[-1][0]
                ev = {"first_layer": first, "last_layer": last, "ratio": median}
                if median < VANISHING:
                    out.append(
                        Finding(
                            "vanishing_gradients",
                            "warning",
                            f"gradients vanish: |grad {first}| / |grad {last}| = {median:.2g}",
                            ev,
                            _fixes("vanishing_gradients"),
                        )
                    )
                elif median > EXPLODING:
                    out.append(
                        Finding(
                            "exploding_gradients",
                            "warning",
                            f"gradients explode: |grad {first}| / |grad {last}| = {median:.2g}",
                            ev,
                            _fixes("exploding_gradients"),
                        )
                    )
        if self.losses and self.nonfinite is None:
            vals = [v for _, v in self.losses]
            if len(vals) >= 3 and vals[-1] > 1e3 * max(min(vals), 1e-12) and vals[-1] > 10:
                out.append(
                    Finding(
                        "exploding_gradients",
                        "warning",
                        f"the loss grew from {min(vals):.3g} to {vals[-1]:.3g}",
                        {"losses": self.losses[-5:]},
                        _fixes("exploding_gradients"),
                    )
                )
        order = {"error": 0, "warning": 1}
        return sorted(out, key=lambda f: order[f.severity])

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "every": self.every,
            "layers": [r.to_dict() for r in self.layers.values()],
            "grad_norms": {n: v[-1][1] for n, v in self.grad_norms.items() if v},
            "update_ratios": {n: v[-1][1] for n, v in self.update_ratios.items() if v},
            "first_last_ratio": self.first_last[-1][1] if self.first_last else None,
            "nonfinite": self.nonfinite,
            "findings": [f.to_dict() for f in self.report()],
        }

    def summary(self) -> Any:
        """A rich Table of the layers (needs the ``cli`` extra for rich)."""
        from rich.table import Table

        table = Table(title=f"actlab monitor: {self.steps} steps, every {self.every}")
        for col in ("layer", "activation", "units", "dead", "saturated", "pre mean", "pre std"):
            table.add_column(col)
        for r in self.layers.values():
            table.add_row(
                r.name,
                r.activation,
                str(r.units),
                f"{r.dead_fraction:.0%}",
                f"{r.saturated_fraction:.0%}",
                f"{r.pre_mean:.3g}",
                f"{r.pre_std:.3g}",
            )
        return table

    def close(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def watch(model: nn.Module, every: int = 1) -> Monitor:
    """Watch ``model``'s activation layers and gradients every ``every`` steps.

    >>> import torch, actlab.torch as at
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> with at.watch(model) as mon:
    ...     loss = model(torch.randn(16, 4)).pow(2).mean()
    ...     loss.backward()
    ...     mon.step(loss)
    >>> [f.kind for f in mon.report()]
    []
    """
    return Monitor(model, every)
