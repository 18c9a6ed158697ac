"""The kernels' output memory: a fresh tensor, backed by transparent huge pages where Linux
allows it.

An out-of-place elementwise op writes a new tensor, and a large new tensor is fresh memory
from the operating system: on Linux every 4 KiB page of it faults on its first write and is
zeroed by the kernel first. On 1e7 float32 values that costs more than the arithmetic — an
allocating copy (``x.clone()``) runs at about a fifth of the rate of a copy into an existing
buffer, and every out-of-place kernel, torch's own included, is held to that rate
(``bench/throughput.py`` measures both). Advising the output's 2 MiB-aligned interior as
``MADV_HUGEPAGE`` before the kernel writes it makes those faults 512 times fewer. This is what
PyTorch's ``THP_MEM_ALLOC_ENABLE=1`` does for every allocation; here it is done for the
kernels' outputs only, and only for whole huge pages inside the tensor, so the resident memory
is the tensor's own (no rounding up to 2 MiB). Elsewhere (another OS, THP set to ``never``, no
libc to call) the output is a plain ``torch.empty``.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import torch

#: the huge page size of x86-64 and arm64 Linux with 4 KiB base pages
HUGE_PAGE = 2 << 20
#: outputs smaller than this stay plain: too few whole huge pages inside to repay the call
MIN_BYTES = 8 << 20
_MADV_HUGEPAGE = 14
_THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")


@cache
def advisor() -> Callable[[int, int], int] | None:
    """libc's ``madvise(addr, length, MADV_HUGEPAGE)``, or None where huge pages cannot be
    asked for (not Linux, THP ``[never]`` or unreadable, no libc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        if "[never]" in _THP.read_text():
            return None
        fn = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    fn.restype = ctypes.c_int

    def advise(addr: int, length: int) -> int:
        return int(fn(addr, length, _MADV_HUGEPAGE))

    return advise


def empty(n: int, dtype: torch.dtype) -> torch.Tensor:
    """A new flat CPU tensor of ``n`` elements, its whole huge pages advised as such (a
    failed advice leaves ordinary pages: the same values, the usual speed)."""
    out = torch.empty(n, dtype=dtype)
    nbytes = n * out.element_size()
    advise = advisor() if nbytes >= MIN_BYTES else None
    if advise is not None:
        start = out.data_ptr()
        lo = -(-start // HUGE_PAGE) * HUGE_PAGE
        hi = (start + nbytes) // HUGE_PAGE * HUGE_PAGE
        if hi > lo:
            advise(lo, hi - lo)
    return out
