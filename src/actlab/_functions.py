"""Module-level functions (``actlab.relu(x)``, ``actlab.softplus(x, beta=2.0)``), one per spec,
generated from the registry with the spec's formula in the docstring."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._catalog import REQUIRED, Spec, get, specs


def docstring(spec: Spec) -> str:
    """The JAX/PyTorch docstring skeleton, filled from the spec: summary, f, f', parameters."""
    lines = [spec.summary, "", "    f:  " + spec.text, "    f': " + spec.derivative_text, ""]
    lines += [".. math::", "", "    " + spec.latex, "", "    " + spec.derivative_latex, ""]
    lines += [
        "Parameters",
        "----------",
        "x : array_like",
        "    NumPy array, torch tensor, other array-API array, or Python numbers.",
    ]
    for p in spec.params:
        default = "required" if p.default is REQUIRED else f"default {p.default!r}"
        lines += [
            f"{p.name} : {p.type}, {default}",
            f"    {p.doc}"
            + (f" (allowed: {p.allowed})" if p.type.startswith("real") and p.check else ""),
        ]
    if spec.masked:
        lines += [
            "where : bool array, optional",
            "    entries to include (see the softmax policy in actlab.get('softmax').spec)",
        ]
    if spec.kinks:
        lines += ["", "Kinks", "-----"]
        lines += [f"At x = {'θ' if callable(k.at) else k.at}: {k.why}." for k in spec.kinks]
    if spec.references:
        lines += ["", "References", "----------"] + [str(r) for r in spec.references]
    if spec.aliases:
        lines += ["", "Aliases: " + ", ".join(spec.aliases) + "."]
    if spec.example:
        lines += ["", "Examples", "--------", spec.example]
    return "\n".join(lines) + "\n"


def _function(spec: Spec) -> Callable[..., Any]:
    def fn(x: Any, /, **params: Any) -> Any:
        where = params.pop("where", None) if spec.masked else None
        act = get(spec.name, **params)
        return act(x, where=where) if where is not None else act(x)

    fn.__name__ = fn.__qualname__ = spec.name
    fn.__module__ = "actlab"
    fn.__doc__ = docstring(spec)
    sig = [inspect.Parameter("x", inspect.Parameter.POSITIONAL_ONLY)]
    sig += [
        inspect.Parameter(
            p.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if p.default is REQUIRED else p.default,
        )
        for p in spec.params
    ]
    if spec.masked:
        sig.append(inspect.Parameter("where", inspect.Parameter.KEYWORD_ONLY, default=None))
    fn.__signature__ = inspect.Signature(sig)  # type: ignore[attr-defined]
    return fn


def functions() -> dict[str, Callable[..., Any]]:
    """One function per canonical name."""
    return {s.name: _function(s) for s in specs()}
