"""The one schema of a study: CLI flags, ``compare()`` keywords and TOML keys all pass through
``normalise`` here. Per key: its type (derived from ``RunConfig``'s annotations for the
configuration fields, declared below for the grid axes and the study's own keys), its allowed
values, and an error that names the key, the value and what is allowed:

    seeds: expected an int ≥ 1 or a list of distinct ints ≥ 0, got "10"

A bool is never a number and a string is never a number or a bool here (TOML's types are kept,
not converted: ``batch_norm = "false"`` is an error, not True)."""

from __future__ import annotations

import math
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from .._analysis._init import DISTRIBUTIONS
from .._catalog import get, resolve
from ..torch._function import PRECISION
from ._datasets import TASKS, resolve_dataset
from ._init import BIAS_INITS, INITS
from ._run import PROBE_SPLITS, USER
from ._train import MODELS, OPTIMIZERS, RunConfig


@dataclass(frozen=True)
class Rule:
    """A key's type ("int", "float", "bool", "str"), whether None is allowed, a check on the
    value and the sentence that says what is allowed."""

    kind: str  # also "ints" (a list of ints), "int|ints" (width), "float|str" (bias)
    optional: bool = False
    check: Callable[[Any], bool] = lambda v: True
    allowed: str = ""


def _choice(values: tuple[str, ...]) -> Rule:
    return Rule("str", check=lambda v: v in values, allowed="one of " + ", ".join(values))


_POSITIVE_INT = Rule("int", check=lambda v: v >= 1, allowed="an int ≥ 1")
_POSITIVE = Rule("float", True, lambda v: math.isfinite(v) and v > 0, "a number > 0 (or unset)")


def _ints_ok(v: Any) -> bool:
    return all(x >= 1 for x in (v if isinstance(v, tuple) else (v,)))


def _bias_ok(v: Any) -> bool:
    return v in BIAS_INITS if isinstance(v, str) else math.isfinite(v)


# per RunConfig field, what it may hold (its type comes from RunConfig's annotations)
CHECKS: dict[str, Rule] = {
    "depth": _POSITIVE_INT,
    # an int (every hidden layer) or a tapered network's per-layer list [512, 256, 128]
    "width": Rule("int|ints", check=_ints_ok, allowed="an int ≥ 1 or a list of ints ≥ 1"),
    "channels": Rule("ints", check=_ints_ok, allowed="a list of ints ≥ 1"),
    "steps": _POSITIVE_INT,
    "batch_size": _POSITIVE_INT,
    "eval_every": _POSITIVE_INT,
    "data_seed": Rule("int", check=lambda v: v >= 0, allowed="an int ≥ 0"),
    "n": Rule("int", True, lambda v: v >= 10, "an int ≥ 10 (samples)"),
    "lr": Rule("float", check=lambda v: math.isfinite(v) and v > 0, allowed="a number > 0"),
    "momentum": Rule("float", check=lambda v: 0 <= v < 1, allowed="a number in [0, 1)"),
    "dropout": Rule("float", check=lambda v: 0 <= v < 1, allowed="a number in [0, 1)"),
    "clip": Rule("float", True, lambda v: math.isfinite(v) and v > 0, "a number > 0 (or none)"),
    "noise": Rule("float", True, lambda v: math.isfinite(v) and v >= 0, "a number ≥ 0"),
    # a user's model is registered by compare(model=...) as user:<name>#<structure hash>
    "model": Rule(
        "str",
        check=lambda v: v in MODELS or v.startswith("user:"),
        allowed="one of " + ", ".join(MODELS) + " (or your own: compare(model=...))",
    ),
    "gain": _POSITIVE,
    "std": _POSITIVE,
    "distribution": Rule(
        "str", True, lambda v: v in DISTRIBUTIONS, "one of " + ", ".join(DISTRIBUTIONS)
    ),
    "bias": Rule("float|str", True, _bias_ok, "zeros, torch or a finite number (or unset)"),
    "init": _choice(INITS),
    "optimizer": _choice(OPTIMIZERS),
    "precision": _choice(PRECISION),
    "task": Rule("str", True, lambda v: v in TASKS, "one of " + ", ".join(TASKS)),
    "probe": Rule("int", check=lambda v: v >= 1, allowed="an int ≥ 1 (rows)"),
    "probe_split": _choice(PROBE_SPLITS),
    # an int k (every k steps from 0, and the last) or a list of steps
    "histograms": Rule(
        "int|steps",
        True,
        lambda v: (v >= 1) if isinstance(v, int) else all(t >= 0 for t in v),
        "an int k ≥ 1 (every k steps) or a list of steps ≥ 0 (or none)",
    ),
    # a user's callable, registered by compare(loss=..., metric=...) as user:<name>#<hash>
    "loss": Rule(
        "str", True, lambda v: v.startswith(USER), "a callable given to compare(loss=...)"
    ),
    "metric": Rule(
        "str", True, lambda v: v.startswith(USER), "a callable given to compare(metric=...)"
    ),
}
# grid axes: a list of values of one RunConfig field (a single value is a list of one)
AXES = {
    "datasets": "dataset",
    "activations": "activation",
    "depths": "depth",
    "widths": "width",
    "inits": "init",
    "lrs": "lr",
}
# RunConfig fields that are not set directly: filled in from other keys
DERIVED = {"params": "comes with the activation: activations = ['leaky_relu:negative_slope=0.2']"}
# the study's own keys; definitions: the user-defined activations it uses (actlab.define),
# name -> {formula, params, learnable}, defined before its activations are read
STUDY_KEYS = ("name", "seeds", "definitions")


def _hints() -> dict[str, tuple[str, bool]]:
    """RunConfig's fields as (kind, optional), read from its annotations."""
    out = {}
    for f in fields(RunConfig):
        hint = typing.get_type_hints(RunConfig)[f.name]
        args = typing.get_args(hint)
        optional = type(None) in args
        base = next((a for a in args if a is not type(None)), hint) if args else hint
        out[f.name] = (getattr(base, "__name__", str(base)), optional)
    return out


FIELD_TYPES = _hints()


def keys() -> list[str]:
    """Every key a study accepts (TOML, compare() keywords; the CLI's flags are these)."""
    return sorted({*STUDY_KEYS, *AXES, *(k for k in FIELD_TYPES if k not in DERIVED)})


def _show(value: Any) -> str:
    if isinstance(value, tuple):  # as the user wrote it (a list)
        value = list(value)
    if isinstance(value, str):
        return f'"{value}"'
    if value is True or value is False:
        return "true" if value else "false"
    return repr(value)


def _typed(kind: str, value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind == "ints":
        return isinstance(value, tuple) and bool(value) and all(_typed("int", v) for v in value)
    if kind == "int|ints":
        return _typed("int", value) or _typed("ints", value)
    if kind == "int|steps":  # a list may be empty here: no histograms
        return _typed("int", value) or (
            isinstance(value, tuple) and all(_typed("int", v) for v in value)
        )
    if kind == "float|str":
        return _typed("float", value) or isinstance(value, str)
    return True


def _kind_text(kind: str) -> str:
    return {"bool": "true or false", "int": "an int", "float": "a number", "str": "a string"}.get(
        kind, kind
    )


def _is_none(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() == "none"


def field_value(key: str, value: Any) -> Any:
    """One RunConfig field's value, checked; floats come back as float."""
    kind, optional = FIELD_TYPES[key]
    rule = CHECKS.get(key, Rule(kind, optional))
    kind = rule.kind
    allowed = rule.allowed or _kind_text(kind)
    if isinstance(value, list) and kind in ("ints", "int|ints", "int|steps"):
        value = tuple(value)  # TOML, JSON and the CLI give lists; RunConfig keeps tuples
    if value is None and (optional or rule.optional):
        return None
    if _is_none(value) and (optional or rule.optional) and kind in ("int", "float", "int|ints"):
        return None  # TOML has no null: "none" unsets a number, as the CLI's --clip none does
    if kind == "dict":
        if not isinstance(value, dict):
            raise ValueError(f"{key}: expected a table of name = value, got {_show(value)}")
        return value
    if not _typed(kind, value):
        none = " (or none)" if optional and "none" not in allowed else ""
        raise ValueError(f"{key}: expected {allowed}{none}, got {_show(value)}")
    if kind == "float" or (kind == "float|str" and not isinstance(value, str)):
        value = float(value)
    if not rule.check(value):
        raise ValueError(f"{key}: expected {allowed}, got {_show(value)}")
    return value


def seeds_value(value: Any) -> list[int]:
    """``seeds``: n (seeds 0…n−1) or an explicit list of distinct ints ≥ 0."""
    msg = "seeds: expected an int ≥ 1 or a list of distinct ints ≥ 0, got "
    if _typed("int", value):
        if value < 1:
            raise ValueError(msg + _show(value))
        return list(range(value))
    ok = isinstance(value, list | tuple) and bool(value)
    if ok and all(_typed("int", s) and s >= 0 for s in value) and len(set(value)) == len(value):
        return [int(s) for s in value]
    raise ValueError(msg + _show(list(value) if isinstance(value, tuple) else value))


def parse_number(text: str) -> int | float | None:
    """``"3"`` → 3, ``"1e-2"`` → 0.01, ``"+0.5"`` → 0.5, ``"inf"`` → inf; None if not a number."""
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return None


def parse_activation(text: str | tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """``"leaky_relu"`` or ``"LeakyReLU:negative_slope=1e-2"`` → (canonical name, params):
    aliases and case resolve (swish → silu), numbers parse as numbers, ``true``/``false`` as
    bools; unknown names and bad parameters fail with the catalog's message."""
    if isinstance(text, tuple) and len(text) == 2 and isinstance(text[1], dict):
        canonical = resolve(text[0]).name  # already parsed: (name, params)
        get(canonical, **text[1])
        return canonical, dict(text[1])
    if not isinstance(text, str):
        raise ValueError(f"activations: expected activation names (strings), got {_show(text)}")
    if "/" in text:  # a per-layer list "relu/relu/tanh": each name canonical, no params
        if ":" in text:
            raise ValueError(f"activations: {text!r}: a per-layer list takes no params")
        return "/".join(resolve(p.strip()).name for p in text.split("/")), {}
    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in rest.split(";"))):
        k, eq, v = part.partition("=")
        if not eq or not k.strip():
            raise ValueError(f"activations: {text!r}: expected name:param=value, got {part!r}")
        v = v.strip()
        number = parse_number(v)
        params[k.strip()] = (
            number if number is not None else {"true": True, "false": False}.get(v.lower(), v)
        )
    canonical = resolve(name.strip()).name  # unknown names fail here, with suggestions
    get(canonical, **params)  # bad parameters fail here, naming them
    return canonical, params


def definitions_value(value: Any) -> dict[str, Any]:
    """``definitions``: name -> {formula, params, learnable}, each defined here (actlab.define)
    so that the study's activations can name them."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError(
            "definitions: expected a table of name = {formula = ..., params = {...}}, got "
            + _show(value)
        )
    from .._define import register_all

    register_all(value, "the study's definitions")
    return dict(value)


def dataset_value(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"datasets: expected dataset names (strings), got {_show(value)}")
    from ._identity import _USER_DATA

    if value in _USER_DATA:  # compare(data=...): arrays named arrays-<hash of the values>
        return value
    return resolve_dataset(value).name


def _axis(key: str, value: Any, notes: list[str] | None = None) -> list[Any]:
    values = list(value) if isinstance(value, list | tuple) else [value]
    if not values:
        raise ValueError(f"{key}: expected at least one value, got []")
    out: list[Any]
    if key == "activations":
        out = [parse_activation(v) for v in values]
    elif key == "datasets":
        out = [dataset_value(v) for v in values]
    else:
        out = [field_value(AXES[key], v) for v in values]
    # a value given twice (after aliases and case) is one configuration: run once, said once
    kept: list[Any] = []
    for i, v in enumerate(out):
        if v in kept:
            first = out.index(v)
            if notes is not None:
                notes.append(
                    f"note: {key}: {_show(values[first])} and {_show(values[i])} are the same "
                    f"({v[0] if key == 'activations' else v}); run once"
                )
            continue
        kept.append(v)
    return kept


def normalise(conf: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """A study config with every key checked and every value typed: grid axes become lists
    (activations of (canonical name, params)), ``seeds`` a list of ints. A RunConfig field
    given as a single value and as its axis is an error."""
    allowed = keys()
    unknown = sorted(set(conf) - set(allowed))
    if unknown:
        derived = [k for k in unknown if k in DERIVED]
        if derived:
            raise ValueError(f"study: {derived[0]} {DERIVED[derived[0]]}")
        raise ValueError(f"study: unknown keys {unknown} (allowed: {', '.join(allowed)})")
    out: dict[str, Any] = {}
    if conf.get("definitions") is not None:  # defined first: the activations may use them
        out["definitions"] = definitions_value(conf["definitions"])
    for key, value in conf.items():
        if key == "definitions":
            continue
        if key == "name":
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"name: expected a non-empty string, got {_show(value)}")
            out[key] = value
        elif key == "seeds":
            out[key] = seeds_value(value)
        elif key in AXES:
            out[key] = _axis(key, value, notes)
        else:
            out[key] = field_value(key, value)
    for axis, field_name in AXES.items():
        if axis in out and field_name in out:
            raise ValueError(f"study: give {field_name} or {axis}, not both")
        if field_name in out:  # a single value is a one-value axis
            value = out.pop(field_name)
            out[axis] = _axis(axis, [value] if isinstance(value, tuple) else value, notes)
    if "path" in out and "datasets" in out:
        raise ValueError(
            "study: give a data file (path/--data) or built-in datasets (--dataset), not both; "
            "a file's rows are labelled by its own name"
        )
    return out
