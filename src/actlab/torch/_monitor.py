"""``actlab.torch.watch(model)``: dead units, saturation, vanishing or exploding gradients and
NaN in any model, with the definitions and thresholds of ``actlab.health`` and the advisor's
fixes.

What is watched: activation modules found by type (actlab's, and torch.nn's mapped to catalog
specs through each spec's ``peers.torch.module``); functional calls — ``F.relu``, ``torch.tanh``,
``x.sigmoid()``, ``actlab.torch.functional.*`` — seen through a ``TorchFunctionMode`` that is
active only during the model's forward on recorded steps (so unrecorded steps pay nothing for
it). Call ``monitor.step(loss)`` once per iteration, after ``optimizer.step()``.
"""

from __future__ import annotations

import html
import math
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .._analysis._health import (
    DIVERGED,
    Finding,
    dead_finding,
    diverged_finding,
    gradient_finding,
    ordered,
    predicted_ratio,
    profile,
    saturation_finding,
    unit_counts,
)
from .._catalog import Activation
from ._observe import OBSERVERS
from ._recognise import (
    _activation_of,
    _derivative,
    _function_activation,
    _key,
    _torch_functions,
    _torch_types,
)
from ._records import Findings, LayerRecord

SAMPLE_ROWS = 32  # examples per recorded batch whose f' is inspected (cost, not a threshold)
WINDOW = 10  # the gradient verdict is the median of the last this many recorded ratios
# a model's functional activation calls are looked for on its first two recorded forwards and
# every PROBE_FORWARDS-th after (a TorchFunctionMode costs every torch call in the forward);
# once one is seen the mode is on for every recorded forward
PROBE_FORWARDS = 50
MAX_PENDING = 64  # kept layer observations measured at the latest this many at a time
UPDATE_EVERY = 10  # |ΔW|/|W| is measured on every UPDATE_EVERY-th recorded step (a copy of W)

__all__ = ["Finding", "Findings", "LayerRecord", "Monitor", "watch"]


class _Functions(TorchFunctionMode):
    """Sees every torch function call during a recorded forward; passes activations on."""

    def __init__(self, monitor: Monitor) -> None:
        super().__init__()
        self.monitor = monitor
        self.table = _torch_functions()

    def __torch_function__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        kwargs = kwargs or {}
        entry = self.table.get(func)
        mon = self.monitor
        if entry is None or mon._inside or not args or not isinstance(args[0], torch.Tensor):
            return func(*args, **kwargs)
        inplace = bool(kwargs.get("inplace")) or getattr(func, "__name__", "").endswith("_")
        z = args[0].detach().clone() if inplace else args[0]
        y = func(*args, **kwargs)
        if isinstance(y, torch.Tensor):
            name, mapping = entry
            act = _function_activation(func, name, mapping, args, kwargs)
            label = f"{getattr(func, '__name__', name)}"
            mon._call(label, act, z, y, "function", not inplace)
        return y


class Monitor:
    """Hooks on a model's activation modules, its functional activation calls and its
    parameters; see ``watch``."""

    def __init__(self, model: nn.Module, every: int = 1) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"watch: model must be a torch.nn.Module, got {type(model).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"watch: every must be a positive int, got {every!r}")
        self.model, self.every = model, every
        self.steps = 0
        self.forwards = 0  # recorded forward passes
        self.layers: dict[str, LayerRecord] = {}
        self.grad_norms: dict[str, list[tuple[int, float]]] = {}
        self.update_ratios: dict[str, list[tuple[int, float]]] = {}
        self.ratios: list[tuple[int, float, str, str]] = []  # step, ratio, first, last layer
        self.losses: list[tuple[int, float]] = []
        self.first_loss: float | None = None
        self.nonfinite: dict[str, Any] | None = None
        self._recording = True
        self._inside = 0  # > 0 while an observed module or actlab functional call runs
        self._counts: dict[str, int] = {}  # functional calls per name in this forward
        self._snapshot: dict[str, torch.Tensor] = {}
        self._acts: dict[str, Activation] = {}
        self._handles: list[Any] = []
        self._mode: _Functions | None = None
        self._functional_seen = False
        self._stash: dict[str, torch.Tensor] = {}  # inputs of in-place modules, before
        self._pending: list[tuple[LayerRecord, Activation, Any, Any]] = []
        self._grads: list[tuple[LayerRecord, int, torch.Tensor]] = []  # this step's ∂loss/∂z
        self._modules = 0
        types = _torch_types()
        for name, mod in model.named_modules():
            act = _activation_of(mod, types)
            if act is None:
                continue
            label = name or type(mod).__name__
            self._modules += 1
            self._handles.append(mod.register_forward_pre_hook(self._pre_hook(label)))
            self._handles.append(mod.register_forward_hook(self._hook(label, act)))
        self._handles.append(model.register_forward_pre_hook(self._enter, prepend=True))
        self._handles.append(model.register_forward_hook(self._exit))
        self._params = dict(model.named_parameters())
        self._weights = [(n, p) for n, p in self._params.items() if p.ndim >= 2]
        self._init = self._init_scales()
        OBSERVERS.append(self)

    # ------------------------------------------------------------------ hooks and steps

    def _init_scales(self) -> tuple[float, list[float], float]:
        """From the weights as they are when watching starts (the init): σ_w² on fan_in of the
        hidden-to-hidden weights, σ_w² on fan_out per such weight, and σ_b² — the stack the
        mean-field prediction is computed for."""
        hidden = self._weights[1:-1] if len(self._weights) >= 3 else self._weights
        fwd, back, bias = [], [], []
        with torch.no_grad():
            for n, w in hidden:
                m2 = float(w.detach().double().square().mean())
                rf = math.prod(w.shape[2:]) if w.ndim > 2 else 1
                fwd.append(m2 * w.shape[1] * rf)
                back.append(m2 * w.shape[0] * rf)
                b = self._params.get(n.rpartition(".")[0] + ".bias" if "." in n else "bias")
                if b is not None:
                    bias.append(float(b.detach().double().square().mean()))
        sw2 = sum(fwd) / len(fwd) if fwd else math.nan
        sb2 = sum(bias) / len(bias) if bias else 0.0
        return sw2, back, sb2

    def _enter(self, module: nn.Module, args: Any) -> None:
        if self._recording and self._mode is None:
            self._counts.clear()
            self.forwards += 1
            # functional calls are looked for on the first recorded forwards and every
            # PROBE_FORWARDS-th after; a model that makes some is watched on every one
            if self._functional_seen or self.forwards % PROBE_FORWARDS in (1, 2):
                self._mode = _Functions(self)
                self._mode.__enter__()  # type: ignore[no-untyped-call]

    def _exit(self, module: nn.Module, args: Any, output: Any) -> None:
        if self._mode is not None:
            mode, self._mode = self._mode, None
            mode.__exit__(None, None, None)  # type: ignore[no-untyped-call]
        if self._recording:  # measure now: the kept rows hold their batches' tensors alive
            self._flush()

    def _pre_hook(self, label: str) -> Any:
        def pre_hook(module: nn.Module, args: Any) -> None:
            if not self._recording:
                return
            self._inside += 1
            if getattr(module, "inplace", False) and args and isinstance(args[0], torch.Tensor):
                self._stash[label] = args[0][:SAMPLE_ROWS].detach().clone()  # overwritten next

        return pre_hook

    def _hook(self, label: str, act: Activation) -> Any:
        def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
            if not self._recording:
                return
            stashed = self._stash.pop(label, None)
            if inputs and isinstance(inputs[0], torch.Tensor) and isinstance(output, torch.Tensor):
                z = inputs[0] if stashed is None else stashed
                self._observe(label, act, z, output, "module", stashed is None)
            self._inside -= 1

        return hook

    def inside(self, delta: int) -> None:
        """An actlab functional call starts (+1) or ends (−1): its inner torch calls are its."""
        if self._recording:
            self._inside += delta

    def functional(self, act: Activation, x: torch.Tensor, y: torch.Tensor) -> None:
        """An ``actlab.torch.functional`` call computed ``y = act(x)``."""
        if self._recording and not self._inside and self._mode is not None:
            self._call(f"at.functional.{act.name}", act, x, y, "function", True)

    def _call(
        self, name: str, act: Activation, z: torch.Tensor, y: torch.Tensor, source: str, hook: bool
    ) -> None:
        self._functional_seen = True
        k = self._counts.get(name, 0) + 1
        self._counts[name] = k
        self._observe(f"{name}#{k}", act, z, y, source, hook)

    def _observe(
        self,
        label: str,
        act: Activation,
        z: torch.Tensor,
        y: torch.Tensor,
        source: str,
        hook_grad: bool,
    ) -> None:
        """During the forward: keep the inspected rows and hook ∂loss/∂z; measured in step()."""
        self._inside += 1  # the torch calls made here are the monitor's own
        try:
            with torch._C.DisableTorchFunction():  # and pass the mode by
                self._keep(label, act, z, y, source, hook_grad)
        finally:
            self._inside -= 1

    def _keep(
        self,
        label: str,
        act: Activation,
        z: torch.Tensor,
        y: torch.Tensor,
        source: str,
        hook_grad: bool,
    ) -> None:
        rec = self.layers.get(label)
        if rec is None:
            prof = profile(act) if act.kind == "elementwise" else None
            rec = LayerRecord(label, act.name, act.kind, source, len(self.layers), prof)
            self.layers[label] = rec
            self._acts[label] = act
        step = self.steps
        if hook_grad and z.requires_grad:
            z.register_hook(lambda g: self._grad(rec, step, g))  # type: ignore[no-untyped-call]
        # the rows whose f' is inspected (views: nothing is copied); where NaN/inf first
        # appears is looked up in them only when the loss or a gradient is not finite
        zd = z.detach()
        rec.grad_numel = zd.numel()
        self._pending.append((rec, act, zd[:SAMPLE_ROWS], y.detach()[:SAMPLE_ROWS]))
        if len(self._pending) >= MAX_PENDING:  # submodules called without the watched model
            self._flush()

    def _flush(self) -> None:
        """Measure what the recorded forward passes kept (outside them: no mode, no autograd
        graph of the model): per layer the last rows' statistics, and per unit — from |f'| of
        the derivative the network trains with, one autograd call per activation — whether it
        was active and how many of its samples were flat."""
        pending, self._pending = self._pending, []
        step = self.steps
        groups: dict[Any, tuple[Activation, list[tuple[LayerRecord, torch.Tensor, Any]]]] = {}
        with torch.no_grad():
            for rec, act, z, y in pending:
                rec.last_pre, rec.last_post = z, y
                rec.batches += 1
                rec.first_step = step if rec.first_step < 0 else rec.first_step
                rec.last_step = step
                if z.ndim >= 2:
                    rec.units = int(z.shape[1])
                prof = rec.profile
                measured = prof is not None and (prof.can_die or prof.saturating)
                if measured and z.ndim >= 2 and z.is_floating_point():
                    groups.setdefault(_key(act), (act, []))[1].append((rec, z, y))
        for act, items in groups.values():
            same = isinstance(_key(act), Activation) and len({z.shape for _, z, _ in items}) == 1
            if same:  # one call per activation where the layers' shapes agree
                pairs = [
                    (torch.stack([z for _, z, _ in items]), torch.stack([y for *_, y in items]))
                ]
            else:
                pairs = [(z, y) for _, z, y in items]
            ds = [_derivative(act, z, y) for z, y in pairs]
            with torch.no_grad():
                if same:  # all layers of the group at once: (layers, rows, units)
                    a = ds[0].abs()
                    if a.ndim > 3:  # convolutions: units along dim 2, samples the rest
                        a = a.transpose(1, 2).reshape(a.shape[0], a.shape[2], -1).transpose(1, 2)
                    active, flat = unit_counts(a, items[0][0].profile, axis=1)  # type: ignore[arg-type]
                    per = [
                        (
                            None if active is None else active[i],
                            None if flat is None else flat[i],
                            a.shape[1],
                        )
                        for i in range(len(items))
                    ]
                else:
                    per = []
                    for (rec, z, _), d in zip(items, ds, strict=True):
                        u = d.abs()
                        if u.ndim > 2:
                            u = u.transpose(0, 1).reshape(z.shape[1], -1).T
                        act_i, flat_i = unit_counts(u, rec.profile, axis=0)  # type: ignore[arg-type]
                        per.append((act_i, flat_i, u.shape[0]))
                for (rec, z, _), (act_i, flat_i, samples) in zip(items, per, strict=True):
                    rec.accumulate(act_i, flat_i, samples, int(z.shape[1]))

    def _grad(self, rec: LayerRecord, step: int, g: torch.Tensor) -> None:
        """∂loss/∂z of a layer arrives in backward: its sum of squares, read in step()."""
        self._grads.append((rec, step, torch.linalg.vector_norm(g.detach())))

    def _read_grads(self) -> None:
        """This step's ∂loss/∂z RMS per layer (one read for all; a layer called twice in a
        step gets the root of its summed squares)."""
        grads, self._grads = self._grads, []
        if not grads:
            return
        norms = torch.stack([v for _, _, v in grads]).tolist()
        for (rec, step, _), norm in zip(grads, norms, strict=True):
            n = rec.grad_numel or 1
            ms = norm * norm / n
            if rec.grad_rms and rec.grad_rms[-1][0] == step:
                rec.grad_rms[-1] = (step, math.sqrt(rec.grad_rms[-1][1] ** 2 + ms))
            else:
                rec.grad_rms.append((step, math.sqrt(ms)))

    def _first_nonfinite(self, step: int) -> None:
        """Where NaN/inf first shows in this step's inspected activations, if anywhere."""
        self._flush()
        for rec in sorted(self.layers.values(), key=lambda r: r.order):
            z, y = rec.last_pre, rec.last_post
            if rec.last_step != step or z is None or y is None:
                continue
            if not bool(torch.isfinite(y).all()):
                where = "input" if not bool(torch.isfinite(z).all()) else "output"
                self.nonfinite = {"step": step, "place": f"activations of {rec.name} ({where})"}
                return

    def step(self, loss: Any = None) -> None:
        """Record one training iteration: call it after ``optimizer.step()``."""
        if self._mode is not None:  # a forward that raised left the mode on
            self._exit(self.model, (), None)
        self._inside = 0
        self._stash.clear()
        t = self.steps
        self._read_grads()
        if loss is None and self.nonfinite is None:  # no loss to tell: look at the activations
            self._first_nonfinite(t)
        if loss is not None:
            value = float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)
            if not math.isfinite(value) and self.nonfinite is None:
                self._first_nonfinite(t)
            if self.first_loss is None and math.isfinite(value):
                self.first_loss = value
            grew = self.first_loss is not None and abs(value) > DIVERGED.value * (
                abs(self.first_loss) + 1e-12
            )
            if (not math.isfinite(value) or grew) and self.nonfinite is None:
                self.nonfinite = {"step": t, "place": "loss", "value": value}
            if t % self.every == 0:
                self.losses.append((t, value))
        self._flush()
        params = self._params
        if self._snapshot:  # the update made since the last record, |ΔW| / |W|, all at once
            names = list(self._snapshot)
            olds = [self._snapshot[n] for n in names]
            diffs = torch._foreach_sub([params[n].detach() for n in names], olds)
            num = torch.stack(torch._foreach_norm(diffs)).tolist()
            den = torch.stack(torch._foreach_norm(olds)).tolist()
            for n, a, b in zip(names, num, den, strict=True):
                if b > 0:
                    self.update_ratios.setdefault(n, []).append((t, a / b))
        self._snapshot = {}
        if t % self.every == 0:
            named = [(n, p.grad.detach()) for n, p in params.items() if p.grad is not None]
            norms = (
                torch.stack(torch._foreach_norm([g for _, g in named])).tolist() if named else []
            )
            for (n, _), g in zip(named, norms, strict=True):
                self.grad_norms.setdefault(n, []).append((t, g))
                if not math.isfinite(g) and self.nonfinite is None:
                    self.nonfinite = {"step": t, "place": f"gradient of {n}"}
            seen = sorted(
                (r for r in self.layers.values() if r.grad_rms and r.grad_rms[-1][0] == t),
                key=lambda r: r.order,
            )
            if len(seen) >= 2 and seen[-1].grad_rms[-1][1] > 0:
                ratio = seen[0].grad_rms[-1][1] / seen[-1].grad_rms[-1][1]
                self.ratios.append((t, ratio, seen[0].name, seen[-1].name))
            if (t // self.every) % UPDATE_EVERY == 0:
                names = list(params)
                copies = torch._foreach_mul([params[n].detach() for n in names], 1.0)  # one op
                self._snapshot = dict(zip(names, copies, strict=True))
        self.steps = t + 1
        self._recording = self.steps % self.every == 0

    # ------------------------------------------------------------------ answers

    def _predicted(self, first: str, last: str) -> float | None:
        ordered_layers = sorted(self.layers.values(), key=lambda r: r.order)
        names = [r.name for r in ordered_layers]
        i, j = names.index(first), names.index(last)
        acts = [self._acts[n] for n in names[i : j + 1]]
        sw2, back, sb2 = self._init
        gaps = len(acts) - 1
        if len(back) != gaps:
            back = [sum(back) / len(back)] * gaps if back else []
        if len(back) != gaps:
            return None
        return predicted_ratio(acts, sw2, back, sb2)

    def report(self) -> Findings:
        """Findings, worst first: each with severity, layer, evidence, threshold and fixes.
        Never silently empty: an unwatched model or a missing ``step()`` is a finding."""
        self._flush()  # forwards not followed by step() yet are measured too
        out: list[Finding] = []
        main = next(iter(self.layers.values())).activation if self.layers else None
        if self.nonfinite is not None:
            nf = self.nonfinite
            f = diverged_finding(nf["place"], nf["step"], main)
            f.evidence.update(nf)
            out.append(f)
        if self.steps == 0:
            out.append(
                Finding(
                    "no_steps",
                    "warning",
                    "monitor.step() was never called: no gradients, losses or update sizes "
                    "were recorded, so nothing about them can be said",
                    fixes=("call mon.step(loss) once per iteration, after optimizer.step()",),
                )
            )
        if not self.layers:
            seen = (
                f"{self.forwards} recorded forward pass(es)"
                if self.forwards
                else "no forward pass of the model"
            )
            out.append(
                Finding(
                    "no_activations",
                    "warning",
                    f"no activation was observed ({self._modules} activation modules found, "
                    f"{seen}): dead units, saturation and gradient flow are not measured",
                    evidence={"modules": self._modules, "forwards": self.forwards},
                    fixes=(
                        "use activation modules (torch.nn.ReLU, actlab.torch.module(name)) — "
                        "found by type",
                        "or call torch.nn.functional / torch.tanh / actlab.torch.functional "
                        "inside model.forward (observed while the model runs)",
                        "call the watched model itself (model(x)), not only its submodules",
                        "a custom activation module: replace it with actlab.torch.swap(model, "
                        "MyAct, 'name') to have it measured",
                    ),
                )
            )
        for rec in self.layers.values():
            dead = dead_finding(rec.name, rec.dead_fraction, rec.activation, rec.units, rec.window)
            if dead is not None:
                out.append(dead)
            if rec.saturating:
                sat = saturation_finding(
                    rec.name,
                    rec.flat_share,
                    rec.saturated_fraction,
                    rec.activation,
                    rec.window,
                    rec.pre_std,
                )
                if sat is not None:
                    out.append(sat)
        recent = [r for r in self.ratios[-WINDOW:] if math.isfinite(r[1])]
        if recent:
            median = sorted(r[1] for r in recent)[len(recent) // 2]
            _, _, first, last = recent[-1]
            grad = gradient_finding(median, first, last, self._predicted(first, last), main)
            if grad is not None:
                out.append(grad)
        return Findings(ordered(out))

    def summary(self) -> list[dict[str, Any]]:
        """One row (a dict) per observed activation layer, in forward order: units, dead and
        saturated fractions, the share of flat samples, pre-activation mean and std, and the
        last RMS of ∂loss/∂z (None where a measure does not apply)."""
        self._flush()
        rows = []
        for r in sorted(self.layers.values(), key=lambda r: r.order):
            d = r.to_dict()
            rows.append(
                {
                    "layer": d["layer"],
                    "activation": d["activation"],
                    "source": d["source"],
                    "units": d["units"],
                    "dead": d["dead_fraction"],
                    "saturated": d["saturated_fraction"],
                    "flat": d["flat_share"],
                    "pre_mean": d["pre_mean"],
                    "pre_std": d["pre_std"],
                    "grad_rms": d["grad_rms"],
                }
            )
        return rows

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        cols = ["layer", "activation", "units", "dead", "saturated", "flat", "pre std", "grad rms"]

        def pct(v: float | None) -> str:
            return "—" if v is None else f"{v:.0%}"

        def num(v: float | None) -> str:
            return "—" if v is None else f"{v:.3g}"

        body = [
            [
                r["layer"],
                r["activation"],
                str(r["units"]),
                pct(r["dead"]),
                pct(r["saturated"]),
                pct(r["flat"]),
                num(r["pre_std"]),
                num(r["grad_rms"]),
            ]
            for r in self.summary()
        ]
        return cols, body

    def __str__(self) -> str:
        cols, body = self._cells()
        widths = [max(len(c), *(len(row[i]) for row in body)) for i, c in enumerate(cols)]
        lines = [f"actlab monitor: {self.steps} steps, every {self.every}"]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        for row in body:
            cells = [
                v.ljust(w) if i < 2 else v.rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
        if not body:
            lines.append("(no activation layer observed)")
        lines.append("findings:")
        lines.extend("  " + line for line in str(self.report()).splitlines())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<actlab Monitor: {len(self.layers)} layers, {self.steps} steps, every {self.every}>"
        )

    def _repr_html_(self) -> str:
        cols, body = self._cells()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in body
        )
        return (
            f"<p>actlab monitor: {self.steps} steps, every {self.every}</p>"
            f"<table><tr>{head}</tr>{rows}</table>{self.report()._repr_html_()}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "every": self.every,
            "layers": [r.to_dict() for r in self.layers.values()],
            "grad_norms": {n: v[-1][1] for n, v in self.grad_norms.items() if v},
            "update_ratios": {n: v[-1][1] for n, v in self.update_ratios.items() if v},
            "gradient_ratio": self.ratios[-1][1] if self.ratios else None,
            "nonfinite": self.nonfinite,
            "findings": [f.to_dict() for f in self.report()],
        }

    def close(self) -> None:
        if self._mode is not None:
            self._exit(self.model, (), None)
        for h in self._handles:
            h.remove()
        self._handles.clear()
        if self in OBSERVERS:
            OBSERVERS.remove(self)

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def watch(model: nn.Module, every: int = 1) -> Monitor:
    """Watch ``model``'s activations (modules and functional calls) and gradients every
    ``every`` steps; ``print(monitor)`` shows a table, ``monitor.report()`` the findings.

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
