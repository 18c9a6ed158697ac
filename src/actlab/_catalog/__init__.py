"""The catalog layer: the registry of activation specs and the objects built on it."""

from ._activation import Activation, get
from ._registry import aliases, names, resolve, specs
from ._spec import (
    REQUIRED,
    Facts,
    Kink,
    Param,
    Peer,
    Peers,
    Range,
    Reference,
    ResolvedFacts,
    Spec,
)

__all__ = [
    "REQUIRED",
    "Activation",
    "Facts",
    "Kink",
    "Param",
    "Peer",
    "Peers",
    "Range",
    "Reference",
    "ResolvedFacts",
    "Spec",
    "aliases",
    "get",
    "names",
    "resolve",
    "specs",
]
