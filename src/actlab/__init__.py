"""actlab — every neural-network activation, exact: forward, analytic derivative, facts, peers.

>>> import actlab
>>> "gelu" in actlab.names()
True
>>> actlab.relu([-1.0, 0.0, 2.0])
array([0., 0., 2.])
>>> actlab.get("swish").name
'silu'

``import actlab`` loads NumPy (and array-api-compat) only; SciPy's special functions load on
first use, torch only when you pass a tensor.
"""

from ._catalog import Activation, Facts, Range, Spec, aliases, get, names, resolve
from ._functions import functions as _functions

__version__ = "0.1.0"

_fns = _functions()
globals().update(_fns)
# the generated docstrings carry examples with their outputs: doctest runs them
__test__ = {name: fn.__doc__ for name, fn in _fns.items()}
del _fns

__all__ = [
    "Activation",
    "Facts",
    "Range",
    "Spec",
    "aliases",
    "get",
    "names",
    "resolve",
    *names(),
]  # the module-level functions, one per activation
