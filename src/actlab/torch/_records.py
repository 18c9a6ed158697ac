"""What the monitor keeps of one activation layer (``LayerRecord``: activity, flat samples,
statistics, gradient RMS — with health's definitions of dead, flat and saturated) and its list
of findings (``Findings``)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import torch

from .._analysis._health import Finding, Profile, saturated_units


@dataclass
class LayerRecord:
    """What the monitor saw of one activation layer (a module or a functional call) over its
    window: per unit whether it was ever active and how many of its samples were flat, the
    pre-/post-activation statistics and the RMS of ∂loss/∂z per recorded step."""

    name: str
    activation: str
    kind: str
    source: str = "module"  # or "function"
    order: int = 0  # position in the forward pass (first call)
    profile: Profile | None = None
    units: int = 0
    batches: int = 0
    ever_active: torch.Tensor | None = None
    flat_samples: torch.Tensor | None = None
    samples: int = 0
    last_pre: torch.Tensor | None = None  # the last recorded batch's inspected rows
    last_post: torch.Tensor | None = None
    grad_rms: list[tuple[int, float]] = field(default_factory=list)
    grad_numel: int = 0  # entries of z in the last recorded forward (the RMS's denominator)
    first_step: int = -1
    last_step: int = -1

    def accumulate(self, active: Any, flat: Any, samples: int, units: int) -> None:
        """Add one recorded batch's per-unit activity and flat counts to the window."""
        prev = self.ever_active if self.ever_active is not None else self.flat_samples
        if self.samples == 0 or prev is None or prev.shape[0] != units:  # new, or reshaped
            self.units, self.ever_active, self.flat_samples = units, active, flat
            self.samples = samples
            return
        if active is not None and self.ever_active is not None:
            self.ever_active = self.ever_active | active
        if flat is not None and self.flat_samples is not None:
            self.flat_samples = self.flat_samples + flat
        self.samples += samples

    @property
    def can_die(self) -> bool:
        return self.profile is not None and self.profile.can_die

    @property
    def saturating(self) -> bool:
        return self.profile is not None and self.profile.saturating

    @property
    def dead_fraction(self) -> float:
        """Share of units with f' = 0 on every inspected sample (NaN where it cannot die)."""
        if not self.can_die or self.ever_active is None or self.units == 0:
            return math.nan
        return float((~self.ever_active).double().mean())

    @property
    def flat_share(self) -> float:
        """Share of the layer's samples in the flat region (NaN where it does not saturate)."""
        if not self.saturating or self.flat_samples is None or self.samples == 0:
            return math.nan
        return float(self.flat_samples.double().sum()) / (self.samples * self.units)

    @property
    def saturated_fraction(self) -> float:
        """Share of units saturated (SATURATED_UNIT of their samples flat; NaN: not saturating)."""
        if not self.saturating or self.flat_samples is None or self.samples == 0:
            return math.nan
        return float(saturated_units(self.flat_samples, self.samples).double().mean())

    @property
    def pre_mean(self) -> float:
        return _stat(self.last_pre, "mean")

    @property
    def pre_std(self) -> float:
        return _stat(self.last_pre, "std")

    @property
    def post_mean(self) -> float:
        return _stat(self.last_post, "mean")

    @property
    def post_std(self) -> float:
        return _stat(self.last_post, "std")

    @property
    def window(self) -> str:
        return f"steps {self.first_step}–{self.last_step}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.name,
            "activation": self.activation,
            "source": self.source,
            "units": self.units,
            "batches": self.batches,
            "dead_fraction": _none(self.dead_fraction),
            "saturated_fraction": _none(self.saturated_fraction),
            "flat_share": _none(self.flat_share),
            "pre_mean": _none(self.pre_mean),
            "pre_std": _none(self.pre_std),
            "post_mean": _none(self.post_mean),
            "post_std": _none(self.post_std),
            "grad_rms": _none(self.grad_rms[-1][1]) if self.grad_rms else None,
            "steps": [self.first_step, self.last_step],
        }


def _stat(t: torch.Tensor | None, what: str) -> float:
    if t is None or t.numel() == 0:
        return math.nan
    x = t.double()
    if what == "mean":
        return float(x.mean())
    return float(x.std()) if x.numel() > 1 else 0.0


def _none(v: float) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


class Findings(list[Finding]):
    """The monitor's findings, worst first: a list, printed one per line, and an HTML list in
    a notebook."""

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self) if self else "no findings"

    def _repr_html_(self) -> str:
        if not self:
            return "<p>no findings</p>"
        items = "".join(
            f"<li><b>{html.escape(f.severity)}</b> {html.escape(f.kind)}: "
            f"{html.escape(f.message)}"
            + (f"<br><i>try:</i> {html.escape('; '.join(f.fixes))}" if f.fixes else "")
            + "</li>"
            for f in self
        )
        return f"<ul>{items}</ul>"
