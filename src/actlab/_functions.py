"""Module-level functions (``actlab.relu(x)``, ``actlab.softplus(x, beta=2.0)``), one per spec,
generated from the registry with the spec's formula in the docstring."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ._catalog import REQUIRED, Spec, get, specs


def _family(spec: Spec) -> str:
    """The family file that declares the spec (its functions' module; gated specs: one family)."""
    for fn in (spec.forward, spec.derivative, spec.vjp, spec.param_vjp):
        if fn is not None:
            return str(fn.__module__)
    return spec.kind


def _relatives(spec: Spec) -> list[str]:
    fam = _family(spec)
    return [s.name for s in specs() if s.name != spec.name and _family(s) == fam]


def _shown(v: Any) -> str:
    """A default as the docstring shows it: arrays (pau's coefficients) on one line."""
    if isinstance(v, np.ndarray):
        return "[" + ", ".join(f"{float(a):.6g}" for a in v.ravel()) + "]"
    return repr(v)


def _returns(spec: Spec) -> list[str]:
    what = {
        "elementwise": "f(x) elementwise, x's shape",
        "vector": "f(x) along ``axis``, x's shape",
        "gated": "a·g(b) for the halves (a, b) of x along ``axis``, half x's size there",
    }[spec.kind]
    return [
        "Returns",
        "-------",
        "array",
        f"    {what}, in x's floating dtype (integers and bools: the default float) and",
        "    x's library (NumPy in, NumPy out; torch in, torch out); a number gives a NumPy",
        "    scalar.",
    ]


def docstring(spec: Spec) -> str:
    """The JAX/PyTorch docstring skeleton, filled from the spec: summary, f, f', parameters,
    returns, range, kinks with their derivative values, references, see also, examples."""
    lines = [spec.summary, "", "    f:  " + spec.text, "    f': " + spec.derivative_text, ""]
    lines += [".. math::", "", "    " + spec.latex, "", "    " + spec.derivative_latex, ""]
    lines += [
        "Parameters",
        "----------",
        "x : array_like",
        "    NumPy array, torch tensor, other array-API array, or Python numbers.",
    ]
    for p in spec.params:
        default = "required" if p.default is REQUIRED else f"default {_shown(p.default)}"
        kind = p.type + (" or array" if p.learnable else "")
        lines += [
            f"{p.name} : {kind}, {default}",
            f"    {p.doc}"
            + (f" (allowed: {p.allowed})" if p.type.startswith("real") and p.check else ""),
        ]
    if spec.masked:
        lines += [
            "where : bool array, optional",
            "    entries to include (see the softmax policy in actlab.get('softmax').spec)",
        ]
    lines += ["", *_returns(spec)]
    example = spec.example_activation()
    lines += ["", "Range", "-----", f"{example.facts.range} (with the default parameters)."]
    if spec.kinks:
        lines += ["", "Kinks", "-----"]
        shown = " (default parameters)" if spec.params else ""
        for k, (at, d) in zip(spec.kinks, example.kinks, strict=True):
            lines.append(f"At x = {at:g}{shown}: f'(x) = {d:g} — {k.why}.")
    if spec.references:
        lines += ["", "References", "----------"] + [str(r) for r in spec.references]
    peers = [f"{p.name} ({lib})" for lib, p in spec.peers.items()]
    relatives = [f"actlab.{n}" for n in _relatives(spec)]
    if peers or relatives:
        lines += ["", "See also", "--------"]
        if peers:
            lines.append("Peers: " + ", ".join(peers) + ".")
        if relatives:
            lines.append("Relatives: " + ", ".join(relatives) + ".")
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
