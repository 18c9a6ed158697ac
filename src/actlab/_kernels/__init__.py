"""Fused CPU kernels for the elementwise catalog: one pass over memory, float64 inside.

``kernel(act, x)`` gives a :class:`Kernel` for an activation and an input, or None where the
catalog's own path is the one to take. A kernel's forward, its vjp (g·f'(x), the backward a
module needs, fused into one pass) and its parameter gradients are compiled by torch's
inductor, which writes vectorized C++ (SLEEF's float64 exp/expm1/tanh and, for erfc and log1p,
polynomials fitted against mpmath: ``_polys``; 8 lanes with AVX-512)
and runs it on ``torch.get_num_threads()`` threads. Each element is widened to float64, the
form of ``_forms`` runs, and the result is rounded once to the input's dtype: no float64 copy
of the tensor exists, so memory is the output alone (on huge pages where Linux allows:
``_memory``). Selects (relu, relu6, hardtanh) run in the input's dtype, exact there; float64
input has a kernel only where float64 arithmetic is exact (``_forms.FLOAT64``).

The engine was chosen on measurement (README, "Fused kernels"): numba's float64 ``@vectorize``
calls scalar libm exp/erf (no SIMD) and ran at 0.16–0.24× torch on gelu, sigmoid and tanh,
where inductor's float64 code runs at 0.26–1.1×.
"""

from ._engine import KERNEL_DTYPES, MIN_ELEMENTS, Kernel, guarded, kernel, supported

__all__ = ["KERNEL_DTYPES", "MIN_ELEMENTS", "Kernel", "guarded", "kernel", "supported"]
