"""The one registry of activation specs. Every other list of names in actlab is read from here."""

from __future__ import annotations

import difflib

from ._spec import Spec

_SPECS: dict[str, Spec] = {}
_LOOKUP: dict[str, str] = {}  # lower-case canonical name or alias -> canonical name


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def register(spec: Spec) -> Spec:
    """Add a spec; a name or alias that is already taken is a programming error."""
    for n in (spec.name, *spec.aliases):
        k = _key(n)
        if k in _LOOKUP:
            raise ValueError(f"register: name {n!r} of {spec.name!r} is already {_LOOKUP[k]!r}")
        _LOOKUP[k] = spec.name
    _SPECS[spec.name] = spec
    return spec


def names() -> list[str]:
    """All canonical activation names, sorted.

    Returns:
        A new list of str; ``len(actlab.names())`` is the size of the catalog.
    """
    return sorted(_SPECS)


def aliases() -> dict[str, str]:
    """Every alias, mapped to its canonical name.

    Returns:
        A new dict {alias: canonical name}.
    """
    return {a: s.name for s in _SPECS.values() for a in s.aliases}


def resolve(name: str) -> Spec:
    """The spec for a name or alias, case-insensitive; an unknown name lists the closest ones.

    Args:
        name: a canonical name or alias; "-" and "_" are the same.

    Returns:
        The Spec (the declaration: formulas, facts, peers).

    Raises:
        ValueError: an unknown name (with the closest names); TypeError: not a str.
    """
    if not isinstance(name, str):
        raise TypeError(f"get: name must be a str, got {type(name).__name__} {name!r}")
    k = _key(name)
    if k in _LOOKUP:
        return _SPECS[_LOOKUP[k]]
    close = difflib.get_close_matches(k, list(_LOOKUP), n=3, cutoff=0.6)
    hint = ""
    if close:
        shown = [c if _LOOKUP[c] == c else f"{c} (= {_LOOKUP[c]})" for c in close]
        hint = "; did you mean " + " or ".join(repr(s) for s in shown) + "?"
    raise ValueError(f"unknown activation {name!r}{hint} (actlab.names() lists all {len(_SPECS)})")


def specs() -> list[Spec]:
    """Every spec, in name order.

    Returns:
        A new list of Spec.
    """
    return [_SPECS[n] for n in sorted(_SPECS)]


def unregister(name: str) -> Spec:
    """Remove a spec and its names (user-defined activations only: ``actlab.undefine``)."""
    spec = _SPECS.pop(resolve(name).name)
    for n in (spec.name, *spec.aliases):
        _LOOKUP.pop(_key(n), None)
    return spec


def replace(old: str, spec: Spec) -> Spec:
    """Put ``spec`` where the spec named ``old`` is (``actlab.define`` redefining a name), with
    no moment at which neither is registered: a reader in another thread (the explorer's
    requests) finds the old spec or the new one, never an unknown name."""
    before = _SPECS[resolve(old).name]
    stale = {_key(n) for n in (before.name, *before.aliases)}
    keys = {_key(n): n for n in (spec.name, *spec.aliases)}
    for k, n in keys.items():
        if k in _LOOKUP and k not in stale:
            raise ValueError(f"register: name {n!r} of {spec.name!r} is already {_LOOKUP[k]!r}")
    for k in keys:
        _LOOKUP[k] = spec.name
    _SPECS[spec.name] = spec
    if before.name != spec.name:
        _SPECS.pop(before.name, None)
    for k in stale - keys.keys():
        _LOOKUP.pop(k, None)
    return spec
