"""Definitions kept in a TOML file (``actlab.toml`` in the project, or ``--defs FILE``)::

    [definitions.logish]
    formula = "x * log(1 + sigmoid(x))"

    [definitions.pswish]
    formula = "x * sigmoid(beta * x)"
    params = { beta = 1.0 }
    learnable = ["beta"]

Writing replaces the file atomically (a temporary file, then a rename): an interrupted write
leaves the old file, never half of a new one. Other tables in the file are kept.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

#: the file actlab reads definitions from when none is named: in the working directory
DEFAULT_FILE = "actlab.toml"
_KEYS = {"formula", "params", "learnable"}


def read(path: str | Path) -> dict[str, dict[str, Any]]:
    """The [definitions] table of a TOML file, checked: name -> {formula, params, learnable}."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"definitions: no such file {str(p)!r}")
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"definitions: {p} is not valid TOML: {exc}") from None
    defs = data.get("definitions", {})
    if not isinstance(defs, dict):
        raise ValueError(f"definitions: [definitions] in {p} must be a table of tables")
    return {name: check_entry(name, entry, str(p)) for name, entry in defs.items()}


def check_entry(name: str, entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict) or "formula" not in entry:
        raise ValueError(f'definitions: {name} in {where} needs formula = "..."')
    extra = set(entry) - _KEYS
    if extra:
        raise ValueError(
            f"definitions: {name} in {where} has unknown keys {sorted(extra)} "
            f"(allowed: {sorted(_KEYS)})"
        )
    params = entry.get("params", {})
    learnable = entry.get("learnable", [])
    if not isinstance(entry["formula"], str):
        raise ValueError(f"definitions: {name}.formula in {where} must be a string")
    if not isinstance(params, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in params.values()
    ):
        raise ValueError(f"definitions: {name}.params in {where} must map names to numbers")
    if not isinstance(learnable, list) or not all(isinstance(v, str) for v in learnable):
        raise ValueError(f"definitions: {name}.learnable in {where} must be a list of names")
    return {"formula": entry["formula"], "params": dict(params), "learnable": list(learnable)}


def _toml_value(v: Any) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a TOML basic string: the same escapes
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError(f"definitions: {v!r} cannot be stored (finite numbers only)")
        return repr(f)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(a) for a in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(a)}" for k, a in v.items()) + " }"
    raise ValueError(f"definitions: cannot store a {type(v).__name__}")


def _key(k: str) -> str:
    bare = k.replace("_", "").replace("-", "").isalnum() and k.isascii()
    return k if bare else json.dumps(k)


def dumps(data: dict[str, Any]) -> str:
    """TOML for nested tables of strings, numbers, lists and inline tables (what actlab stores)."""
    lines: list[str] = []

    def table(prefix: str, t: dict[str, Any]) -> None:
        scalars = {k: v for k, v in t.items() if not isinstance(v, dict) or prefix.count(".") >= 1}
        subtables = {k: v for k, v in t.items() if k not in scalars}
        if prefix and (scalars or not subtables):
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{_key(k)} = {_toml_value(v)}")
        if scalars:
            lines.append("")
        for k, v in subtables.items():
            table(f"{prefix}.{_key(k)}" if prefix else _key(k), v)

    table("", data)
    return "\n".join(lines).rstrip() + "\n"


def write(path: str | Path, name: str, entry: dict[str, Any] | None) -> None:
    """Store (or, with entry None, remove) one definition, keeping the rest of the file."""
    p = Path(path)
    data: dict[str, Any] = {}
    if p.exists():
        try:
            with p.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"definitions: {p} is not valid TOML: {exc}") from None
    defs = data.setdefault("definitions", {})
    if entry is None:
        defs.pop(name, None)
    else:
        defs[name] = {k: v for k, v in entry.items() if v or k == "formula"}
    text = dumps(data)
    tomllib.loads(text)  # what is written must read back
    fd, tmp = tempfile.mkstemp(prefix=".actlab-", suffix=".toml", dir=str(p.parent or "."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
