"""User-defined activations: ``actlab.define(name, formula)`` makes a formula a catalog spec.

The formula is parsed by a whitelist grammar (``_parse``; never ``eval``/``sympify``),
differentiated by sympy (``_symbolic``), compiled from the tree to the array namespace with
stable primitives substituted (``_compile``), its kinks and facts measured (``_build``), and
registered in the one registry — so ``get``, ``analyze``, ``gain``, ``recommend``, plots,
``actlab.torch`` and the lab see it like any other activation. ``check`` (``_check``) measures
it against mpmath; ``_store`` keeps definitions in TOML. Needs the ``define`` extra (sympy,
mpmath).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._catalog import _registry
from .._catalog._activation import Activation
from . import _store
from ._build import DEFINED, Definition
from ._parse import FormulaError

__all__ = [
    "Definition",
    "FormulaError",
    "check",
    "define",
    "definitions",
    "load_definitions",
    "register_all",
    "save_definition",
    "undefine",
]


def _need_sympy() -> None:
    try:
        import mpmath  # noqa: F401
        import sympy  # noqa: F401
    except ImportError:  # pragma: no cover - exercised without the extra
        raise ImportError(
            "actlab.define needs sympy and mpmath: pip install 'actlab[define]'"
        ) from None


def define(
    name: str,
    formula: str,
    params: Mapping[str, float] | None = None,
    learnable: Iterable[str] = (),
    *,
    save: str | Path | None = None,
) -> Activation:
    """Make ``formula`` an activation called ``name``, registered like a catalog one.

    Args:
        name: the new name (a catalog name is refused; a name defined before is replaced).
        formula: in x, the declared parameters, numbers, ``+ - * / ^ **``, parentheses and
            exp, expm1, log, log1p, sqrt, abs, sin, cos, tan, tanh, sinh, cosh, atan, asinh,
            erf, erfc, sigmoid, softplus, relu, max, min, where(cond, a, b),
            piecewise(c1, v1, ..., otherwise) and every elementwise catalog activation by name.
        params: parameter names and their defaults (``{"beta": 1.0}``).
        learnable: the parameters a torch module makes ``nn.Parameter``s.
        save: a TOML file to store the definition in (``actlab.toml``).

    Returns:
        The Activation at the default parameters (``act.spec.latex``, ``act.derivative``, ...).

    Raises:
        FormulaError (a ValueError): the formula is not accepted; the message shows where.

    >>> import actlab
    >>> act = actlab.define("logish_doc", "x * log(1 + sigmoid(x))")
    >>> act.spec.text
    'f(x) = x * log(1 + sigmoid(x))'
    >>> round(float(act(1.0)), 12), round(float(act.derivative(0.0)), 12)
    (0.54873311654, 0.405465108108)
    >>> actlab.undefine("logish_doc")
    """
    _need_sympy()
    from ._build import build

    key = _registry._key(name) if isinstance(name, str) else name
    taken = _registry._LOOKUP.get(key) if isinstance(key, str) else None
    if taken is not None and taken not in DEFINED:
        raise ValueError(
            f"define: {name!r} is the catalog activation {taken!r}; choose another name"
        )
    d = build(name, formula, params, learnable)
    if taken is not None:  # in one step: another thread never sees the name unknown
        _registry.replace(taken, d.spec)  # type: ignore[arg-type]
        DEFINED.pop(taken, None)
    else:
        _registry.register(d.spec)  # type: ignore[arg-type]
    DEFINED[d.name] = d
    if save is not None:
        _store.write(save, d.name, d.to_dict())
    return Activation(d.spec, {})  # type: ignore[arg-type]


def undefine(name: str, *, save: str | Path | None = None) -> None:
    """Remove a defined activation (and, with ``save``, its entry in that TOML file).

    Args:
        name: the defined activation's name.
        save: a TOML file to remove its entry from.

    Returns:
        None.
    """
    spec = _registry.resolve(name)
    if spec.name not in DEFINED:
        raise ValueError(f"undefine: {spec.name!r} is a catalog activation, not a defined one")
    _registry.unregister(spec.name)
    del DEFINED[spec.name]
    if save is not None:
        _store.write(save, spec.name, None)


def definitions() -> dict[str, dict[str, Any]]:
    """Every defined activation's declaration.

    Returns:
        A new dict name -> {formula, params, learnable} (what the TOML file keeps).
    """
    return {n: d.to_dict() for n, d in sorted(DEFINED.items())}


def register_all(defs: Mapping[str, Mapping[str, Any]], where: str = "definitions") -> list[str]:
    """Define every entry of ``defs`` (name -> {formula, params, learnable}) that is not
    already defined with the same declaration; the names."""
    out = []
    for name, entry in defs.items():
        e = _store.check_entry(name, dict(entry), where)
        have = DEFINED.get(name)
        if have is None or have.to_dict() != {k: v for k, v in e.items() if v or k == "formula"}:
            define(name, e["formula"], e["params"], e["learnable"])
        out.append(name)
    return out


def load_definitions(path: str | Path | None = None) -> list[str]:
    """Define everything in a TOML file's [definitions] table.

    Args:
        path: the file (default: ``actlab.toml`` in the working directory, if there is one).

    Returns:
        The names defined (a list).
    """
    if path is None:
        if not Path(_store.DEFAULT_FILE).is_file():
            return []
        path = _store.DEFAULT_FILE
    return register_all(_store.read(path), str(path))


def save_definition(name: str, path: str | Path = _store.DEFAULT_FILE) -> None:
    """Store a defined activation's declaration in a TOML file (the rest of it is kept).

    Args:
        name: the defined activation's name.
        path: the TOML file.

    Returns:
        None.
    """
    spec = _registry.resolve(name)
    if spec.name not in DEFINED:
        raise ValueError(f"save_definition: {spec.name!r} is a catalog activation")
    _store.write(path, spec.name, DEFINED[spec.name].to_dict())


def check(name: str, dtypes: tuple[str, ...] = ("float16", "float32", "float64")) -> Any:
    """Numerics of a defined activation against mpmath (see ``actlab._define._check``).

    Args:
        name: the name given to ``define``.
        dtypes: which of float16, float32, float64 to measure.

    Returns:
        A Report (``print`` it): max ULP per dtype for f and f', regions above the catalog's
        bars, the rewrites measured against the formula as written, roots, suggestions.
    """
    _need_sympy()
    from ._check import check as _check

    return _check(name, dtypes)


def split_activations(text: str) -> list[str]:
    """A comma-separated activation list, where a formula's own commas (inside parentheses)
    do not split: "relu,m=max(x, 0.1*x)" -> ["relu", "m=max(x, 0.1*x)"]."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for c in text:
        if c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        depth += (c == "(") - (c == ")")
        cur.append(c)
    out.append("".join(cur).strip())
    return [a for a in out if a]


def inline(activations: Iterable[str]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Activation entries with ``name=formula`` ones defined: (the entries with the formula
    replaced by its name, the declarations of every defined activation the list uses)."""
    names, used = [], {}
    for a in activations:
        head, eq, formula = a.partition("=")
        if eq and ":" not in head and head.strip().isidentifier():
            define(head.strip(), formula.strip())
            a = head.strip()
        base = a.partition(":")[0].strip()
        spec = _registry.resolve(base) if base else None
        if spec is not None and spec.name in DEFINED:
            used[spec.name] = DEFINED[spec.name].to_dict()
        names.append(a)
    return names, used
