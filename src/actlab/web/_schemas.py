"""The explorer's request bodies: strict pydantic models (unknown fields, NaN, ±inf, strings
for numbers and numbers for bools are refused), and each model's ``within(limits)`` — the caps
of ``Limits`` checked in one place, with a one-line error that names the field, the value and
what is allowed."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._limits import Limits

#: |x| beyond this is not a plotting range: f and f' are still exact there, but a curve
#: sampled between ±1e6 shows nothing a reader can use
X_SPAN = 1e6
#: the value range of a parameter sent by the page (the catalog's own checks then apply)
PARAM_SPAN = 1e12

Name = Field(min_length=1, max_length=100)
ParamValue = float | int | bool | str | None


class LimitError(ValueError):
    """A request beyond a cap of ``Limits``: ``field: got value; at most cap (the server's
    limit)``."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        super().__init__(f"{field}: got {value!r}; {allowed}")


def _cap(field: str, value: int | float, most: int | float, least: int | float = 1) -> None:
    if value > most or value < least:
        raise LimitError(field, value, f"allowed {least}–{most} (the server's limit)")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ActivationRef(Strict):
    """An activation and its parameters (the catalog's checks apply to the values)."""

    name: str = Name
    params: dict[str, ParamValue] = Field(default_factory=dict, max_length=20)


class FunctionsRequest(Strict):
    activations: list[ActivationRef] = Field(min_length=1)
    x_min: float = Field(-6.0, ge=-X_SPAN, le=X_SPAN)
    x_max: float = Field(6.0, ge=-X_SPAN, le=X_SPAN)
    points: int = 2000
    second: bool = True
    #: significant digits of f, f', f'' in the answer (null: the full float64; 7 is beyond any
    #: screen and halves the JSON's size and encoding time)
    digits: int | None = Field(7, ge=1, le=17)

    def within(self, lim: Limits) -> None:
        _cap("activations", len(self.activations), lim.activations)
        _cap("points", self.points, lim.points, 2)
        if not self.x_min < self.x_max:
            raise LimitError("x_max", self.x_max, f"must be > x_min ({self.x_min})")


class MeanfieldRequest(Strict):
    activation: str = Name
    params: dict[str, ParamValue] = Field(default_factory=dict, max_length=20)
    init: Literal["auto", "he", "xavier", "lecun"] | None = None
    sigma_w2: float | None = Field(None, gt=0, le=100)
    sigma_b2: float = Field(0.0, ge=0, le=100)
    depth: int = 20
    #: the order/chaos phase diagram: χ on a grid (seconds the first time per activation)
    phase: bool = True

    def within(self, lim: Limits) -> None:
        _cap("depth", self.depth, lim.stack)
        if self.init is not None and self.sigma_w2 is not None:
            raise LimitError("sigma_w2", self.sigma_w2, "give init or sigma_w2, not both")


class HistogramsRequest(Strict):
    activation: str = Name
    params: dict[str, ParamValue] = Field(default_factory=dict, max_length=20)
    widths: list[int] = Field(default_factory=lambda: [64, 64, 64, 64])
    init: Literal["auto", "torch", "he", "xavier", "lecun"] = "auto"
    seed: int = Field(0, ge=0, le=2**31 - 1)
    dataset: str = Field("gauss", min_length=1, max_length=100)

    def within(self, lim: Limits) -> None:
        _cap("widths (layers)", len(self.widths), lim.depth)
        for w in self.widths:
            _cap("widths", w, lim.width)


class PreviewRequest(Strict):
    dataset: str | None = Field(None, min_length=1, max_length=100)
    upload: str | None = Field(None, min_length=1, max_length=100)
    noise: float | None = Field(None, ge=0, le=100)
    n: int | None = None
    seed: int = Field(0, ge=0, le=2**31 - 1)

    def within(self, lim: Limits) -> None:
        if (self.dataset is None) == (self.upload is None):
            raise LimitError("dataset", self.dataset, "give dataset or upload, exactly one")
        if self.n is not None:
            _cap("n", self.n, lim.samples, 10)


class TrainRequest(Strict):
    dataset: str | None = Field(None, min_length=1, max_length=100)
    upload: str | None = Field(None, min_length=1, max_length=100)
    noise: float | None = Field(None, ge=0, le=100)
    n: int | None = None
    activations: list[str] = Field(min_length=1)
    widths: list[int] = Field(default_factory=lambda: [8, 8])
    init: Literal["auto", "torch", "he", "xavier", "lecun"] = "auto"
    optimizer: Literal["sgd", "momentum", "adam"] = "adam"
    lr: float = Field(0.01, gt=0, le=10)
    batch_size: int = Field(32, ge=1, le=10_000)
    seeds: int = 2
    steps: int = 300
    task: Literal["binary", "multiclass", "multilabel", "regression"] | None = None
    eval_every: int | None = None
    name: str | None = Field(None, min_length=1, max_length=100, pattern=r"^[\w.\-]+$")

    def within(self, lim: Limits) -> None:
        if (self.dataset is None) == (self.upload is None):
            raise LimitError("dataset", self.dataset, "give dataset or upload, exactly one")
        if self.n is not None:
            _cap("n", self.n, lim.samples, 10)
        _cap("activations", len(self.activations), lim.activations)
        for a in self.activations:
            if not 1 <= len(a) <= lim.text:
                raise LimitError("activations", a[:40], f"names of 1–{lim.text} characters")
        _cap("widths (layers)", len(self.widths), lim.depth)
        for w in self.widths:
            _cap("widths", w, lim.width)
        _cap("seeds", self.seeds, lim.seeds)
        _cap("steps", self.steps, lim.steps)
        if self.eval_every is not None:
            _cap("eval_every", self.eval_every, self.steps)


class AdviseRequest(Strict):
    layer: str = Field("hidden", min_length=1, max_length=100)
    task: str | None = Field(None, min_length=1, max_length=100)
    architecture: str | None = Field(None, min_length=1, max_length=100)
    depth: int | None = Field(None, ge=1, le=100_000)
    symptoms: list[str] = Field(default_factory=list, max_length=20)

    def within(self, lim: Limits) -> None:
        for s in self.symptoms:
            if len(s) > lim.text:
                raise LimitError("symptoms", s[:40], f"names of at most {lim.text} characters")


class DefineRequest(Strict):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    formula: str = Field(min_length=1)
    params: dict[str, float] = Field(default_factory=dict, max_length=10)

    def within(self, lim: Limits) -> None:
        if len(self.formula) > lim.text:
            raise LimitError("formula", self.formula[:40] + "…", f"at most {lim.text} characters")
