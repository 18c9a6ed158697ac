"""actlab for PyTorch (extra ``torch``): modules, functional forms and the training monitor.

>>> import torch, actlab.torch as at
>>> at.ELU(alpha=1.0)(torch.tensor([-1.0, 2.0]))
tensor([-0.6321,  2.0000])
"""

from typing import TYPE_CHECKING

try:
    import torch as _torch  # noqa: F401
except ImportError:  # pragma: no cover - exercised without torch
    raise ImportError("actlab.torch needs PyTorch: pip install 'actlab[torch]'") from None

from . import functional
from ._function import ActlabFunction, KernelFunction, Memory, Precision, apply, peer_kernel
from ._modules import ActlabModule, PReLU, dropin_classes, module
from ._monitor import Finding, Monitor, watch
from ._swap import swap

if TYPE_CHECKING:  # the drop-in classes, typed (generated: python -m actlab._stubs)
    from ._generated import *  # noqa: F403

globals().update(dropin_classes())

__all__ = [
    "ActlabFunction",
    "ActlabModule",
    "Finding",
    "KernelFunction",
    "Memory",
    "Monitor",
    "PReLU",
    "Precision",
    "apply",
    "functional",
    "module",
    "peer_kernel",
    "swap",
    "watch",
    *sorted(dropin_classes()),
]
