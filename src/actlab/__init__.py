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

from typing import TYPE_CHECKING, Any

from . import health
from ._analysis import (
    Analysis,
    Init,
    Recommendation,
    analyze,
    gain,
    initialize,
    recommend,
    recommended_init,
)
from ._catalog import Activation, Facts, Range, Spec, aliases, get, names, resolve
from ._define import (  # user-defined activations (sympy loads on first use)
    FormulaError,
    check,
    define,
    definitions,
    load_definitions,
    save_definition,
    undefine,
)
from ._functions import functions as _functions

__version__ = "0.1.0"

if TYPE_CHECKING:  # the module-level functions, typed (generated: python -m actlab._stubs)
    from ._generated import *  # noqa: F403

_fns = _functions()
globals().update(_fns)
# the generated docstrings carry examples with their outputs: doctest runs them
__test__ = {name: fn.__doc__ for name, fn in _fns.items()}
del _fns


def plot(*args: Any, **kwargs: Any) -> Any:
    """Figure of f and f' (see ``actlab._plot.plot``); needs the ``plot`` extra (matplotlib).

    Args:
        *args, **kwargs: activation names (or Activations) and the figure options of
            ``actlab._plot.plot`` (range, derivative, kinks, ...).

    Returns:
        A matplotlib Figure.
    """
    from ._plot import plot as _plot

    return _plot(*args, **kwargs)


def plot_catalog(*args: Any, **kwargs: Any) -> Any:
    """Cheat-sheet figure of every elementwise activation; needs the ``plot`` extra.

    Args:
        *args, **kwargs: the options of ``actlab._plot.plot_catalog``.

    Returns:
        A matplotlib Figure.
    """
    from ._plot import plot_catalog as _plot_catalog

    return _plot_catalog(*args, **kwargs)


__all__ = [
    "Activation",
    "Analysis",
    "Facts",
    "FormulaError",
    "Init",
    "Range",
    "Recommendation",
    "Spec",
    "aliases",
    "analyze",
    "check",
    "define",
    "definitions",
    "gain",
    "get",
    "health",
    "initialize",
    "load_definitions",
    "names",
    "plot",
    "plot_catalog",
    "recommend",
    "recommended_init",
    "resolve",
    "save_definition",
    "undefine",
    *names(),  # the module-level functions, one per activation
]
