"""The catalog layer: the registry of activation specs and the objects built on it.

One file per family declares its specs as module-level constants; importing a family file
registers its specs (family file -> ``_common`` -> ``_registry``, never back). The families are
imported here, once, so every entry point into the catalog sees all of them.
"""

# the families: importing one registers its specs
from . import (  # noqa: F401
    _bounded,
    _exponential,
    _gated,
    _hard,
    _learnable,
    _logexp,
    _periodic,
    _rectifiers,
    _reducing,
    _self_gated,
    _shrink,
    _sigmoidal,
    _smooth,
    _squared,
    _step_linear,
    _vector,
)
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
