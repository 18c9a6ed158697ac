"""The fused CPU kernels (actlab._kernels): values against the catalog's exact path in every
dtype they serve (within 1 ULP; the count of inputs that differ at all is reported by
bench/exhaustive.py), backward against central differences, parameter gradients against the
catalog's param_vjp, and the choice apply() makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import actlab.torch as at  # noqa: E402
from actlab import _kernels  # noqa: E402
from actlab._kernels._forms import FLOAT64, FORMS, PARAM_FORMS  # noqa: E402
from actlab_oracle.grid import points  # noqa: E402
from tests.conftest import make  # noqa: E402

#: every kernel at its defaults, and parameter values that take other branches of its form
CASES: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in FORMS] + [
    ("gelu", {"approximate": "tanh"}),
    ("softplus", {"threshold": 20.0}),
    ("softplus", {"beta": 2.0}),
    ("leaky_relu", {"negative_slope": 0.3}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("hardtanh", {"min_val": -2.0, "max_val": 3.0}),
    ("silu", {"beta": 2.0}),
]
IDS = [n + "".join(f"-{k}={v}" for k, v in p.items()) for n, p in CASES]
HALF_CASES = [c for c in CASES if c[0] in ("gelu", "sigmoid", "relu", "mish", "hard_swish")]


def ulps(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Distance in units in the last place between two tensors of one float dtype, on the
    ordered integer line (−0 and +0 are 0 apart; NaN against NaN is 0, else huge)."""
    bits = {
        torch.float64: torch.int64,
        torch.float32: torch.int32,
        torch.float16: torch.int16,
        torch.bfloat16: torch.int16,
    }
    itype = bits[a.dtype]
    top = torch.iinfo(itype).min

    def line(t: torch.Tensor) -> torch.Tensor:
        i = t.view(itype).long()
        return torch.where(i < 0, top - i, i)

    d = (line(a) - line(b)).abs()
    nan_a, nan_b = torch.isnan(a), torch.isnan(b)
    d = torch.where(nan_a & nan_b, 0, d)
    return torch.where(nan_a ^ nan_b, 2**40, d)


def inputs(act: Any, dtype: torch.dtype) -> torch.Tensor:
    """The oracle grid (with act's kinks), plus random bit patterns of the dtype: every sign,
    exponent and mantissa, NaNs and infinities included."""
    grid = points("float16" if dtype == torch.float16 else "float32", [k for k, _ in act.kinks])
    x = torch.from_numpy(grid).to(dtype)
    g = torch.Generator().manual_seed(20261203)
    if dtype == torch.float64:
        raw = torch.randint(-(2**63), 2**63 - 1, (1 << 15,), generator=g, dtype=torch.int64)
        rand = raw.view(torch.float64)
    elif dtype == torch.float32:
        raw = torch.randint(-(2**31), 2**31, (1 << 15,), generator=g, dtype=torch.int64)
        rand = raw.to(torch.int32).view(torch.float32)
    else:
        raw = torch.randint(-(2**15), 2**15, (1 << 12,), generator=g, dtype=torch.int64)
        rand = raw.to(torch.int16).view(dtype)
    return torch.cat([x, rand])


def _check(act: Any, k: Any, dtype: torch.dtype) -> None:
    x = inputs(act, dtype)
    y, ref = k.forward(x), act(x)
    assert y.dtype == dtype
    bad = ulps(y, ref) > 1
    assert not bad.any(), f"forward off by > 1 ULP at {x[bad][:5].tolist()}"
    d, dref = k.vjp(x, torch.ones_like(x)), act.derivative(x)
    bad = ulps(d, dref) > 1
    assert not bad.any(), f"derivative off by > 1 ULP at {x[bad][:5].tolist()}"
    g = torch.randn(x.shape, generator=torch.Generator().manual_seed(1)).to(dtype)
    bad = ulps(k.vjp(x, g), act.vjp(x, g)) > 1
    assert not bad.any(), f"vjp off by > 1 ULP at {x[bad][:5].tolist()}"


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_kernel_matches_the_catalog_within_one_ulp_in_float32(
    name: str, params: dict[str, Any]
) -> None:
    act = make(name, **params)
    _check(act, _kernels.Kernel(act), torch.float32)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize(("name", "params"), HALF_CASES, ids=[n for n, _ in HALF_CASES])
def test_kernel_matches_the_catalog_in_half_types(
    name: str, params: dict[str, Any], dtype: torch.dtype
) -> None:
    act = make(name, **params)
    _check(act, _kernels.Kernel(act), dtype)


def test_exact_gelu_forms_hold_their_error_against_mpmath() -> None:
    """The exact gelu's polynomials (tools/kernel_polys.py) against the oracle's own mpmath gelu
    and gelu', on points the generator did not fit at: relative error within the bound the
    generated file states, far below a float32 ULP (6e-8), and at the float32 neighbours of
    gelu''s root, where Φ + x·φ cancels, too."""
    import mpmath as mp

    from actlab._kernels import _polys
    from actlab._kernels._forms import _gelu, _gelu_d
    from actlab_oracle.formulas import FORMULAS

    f, df = FORMULAS["gelu"]
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(-15.0, 6.0, 3000), rng.uniform(-1e-3, 1e-3, 200)])
    root = np.float32(_polys.GELU_XR_HI)
    x = np.concatenate(
        [x.astype(np.float32), [np.nextafter(root, root - 1), root, np.nextafter(root, root + 1)]]
    ).astype(np.float64)
    t, p = torch.from_numpy(x), {"approximate": "none"}
    with mp.workdps(40):
        ref_f = np.array([float(f(mp.mpf(v))) for v in x])
        ref_d = np.array([float(df(mp.mpf(v))) for v in x])
    err_f = np.abs(_gelu(t, p).numpy() / ref_f - 1)
    err_d = np.abs(_gelu_d(t, p).numpy() / ref_d - 1)
    assert err_f.max() <= 1.2 * _polys.GELU_ERROR_PHI + 1e-15
    assert err_d.max() <= 1.2 * _polys.GELU_ERROR_DERIVATIVE + 1e-15


def test_softplus_and_log_sigmoid_forms_hold_their_error_against_mpmath() -> None:
    """log1p(exp(−|z|)) as 2·w·L(w²) (tools/kernel_polys.py) inside softplus and log_sigmoid,
    against the oracle's mpmath formulas: relative error within the generated bound, out to
    where the result is subnormal in float32 (z = −103)."""
    import mpmath as mp

    from actlab._kernels import _polys
    from actlab._kernels._forms import _log_sigmoid, _softplus_f
    from actlab_oracle.formulas import FORMULAS

    rng = np.random.default_rng(8)
    x = np.concatenate([rng.uniform(-103.0, 40.0, 3000), rng.uniform(-1e-3, 1e-3, 100), [0.0]])
    t = torch.from_numpy(x)
    with mp.workdps(80):  # 1 + e^−103 needs 45 digits
        ref_sp = np.array([float(FORMULAS["softplus"][0](mp.mpf(v))) for v in x])
        ref_ls = np.array([float(FORMULAS["log_sigmoid"][0](mp.mpf(v))) for v in x])
    sp = _softplus_f(t, {"beta": 1.0, "threshold": None}).numpy()
    ls = _log_sigmoid(t, {}).numpy()
    bound = 4 * _polys.LOG1P_ERROR + 1e-15  # and exp's and the sum's roundings
    assert np.abs(sp / ref_sp - 1).max() <= bound
    assert np.abs(ls / ref_ls - 1).max() <= bound


def test_estrin_is_the_polynomial() -> None:
    from actlab._kernels._poly import estrin

    v = np.linspace(-1.0, 1.0, 9)
    for n in range(1, 19):
        c = np.random.default_rng(n).normal(size=n)
        np.testing.assert_allclose(estrin(v, list(c)), np.polyval(c[::-1], v), rtol=1e-13)


def test_exact_gelu_rounds_subnormal_ties_the_way_the_true_value_lies() -> None:
    """gelu(x) = x/2 + x²/√(2π) + …: for the smallest subnormal s, s/2 is halfway between 0
    and s, and the true value is above it (rounds to s); for −s it is above −s/2 (rounds to
    −0); 3s/2 rounds up to 2s and −3s/2 up to −s. float64 cannot see the x² term; the
    kernel's R(0) just below 1 makes the rounding go the true value's way, where
    round-half-even of x/2 would give 0, −0, 2s and −2s."""
    s = float(np.float32(2.0**-149))
    x = torch.zeros(_kernels.MIN_ELEMENTS)
    x[:4] = torch.tensor([s, -s, 3 * s, -3 * s])
    y = _kernels.Kernel(make("gelu")).forward(x)[:4]
    expect = torch.tensor([s, -0.0, 2 * s, -s])
    assert torch.equal(y, expect) and torch.equal(y.sign(), expect.sign())


def _big(seed: int = 0, n: int = 2 * _kernels.MIN_ELEMENTS + 17) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g) * 4


@pytest.mark.parametrize("name", ["gelu", "tanh", "softplus", "hard_swish"])
def test_fused_backward_against_central_differences(name: str) -> None:
    act = make(name)
    x = _big()
    x = x[(x.abs() - 3).abs() > 1e-3]  # away from hard_swish's kinks
    xr = x.clone().requires_grad_(True)
    y = at.module(name)(xr)
    assert type(y.grad_fn).__name__ == "KernelFunctionBackward"
    g = torch.randn(y.shape, generator=torch.Generator().manual_seed(2))
    y.backward(g)
    x64, h = x.double().numpy(), 1e-6
    cd = (act(x64 + h) - act(x64 - h)) / (2 * h) * g.double().numpy()
    np.testing.assert_allclose(xr.grad.double().numpy(), cd, rtol=1e-5, atol=1e-6)


def test_silu_beta_gradient_is_the_catalogs_param_vjp() -> None:
    assert set(PARAM_FORMS) == {"silu"}
    m = at.SiLU()
    x = _big(3)
    g = torch.randn(x.shape, generator=torch.Generator().manual_seed(4))
    y = m(x.requires_grad_(True))
    assert type(y.grad_fn).__name__ == "KernelFunctionBackward"
    y.backward(g)
    x64, g64 = x.detach().double().numpy(), g.double().numpy()
    ref = make("silu").param_vjp(x64, g64)["beta"]
    np.testing.assert_allclose(float(m.beta.grad), float(ref), rtol=1e-6)
    # the input's gradient comes from the same fused pass
    assert (ulps(x.grad, make("silu").vjp(x.detach(), g)) <= 1).all()
    with torch.no_grad():  # a trained β is a runtime value, not a recompile
        m.beta.fill_(1.7)
    np.testing.assert_array_equal(
        m(x).detach().numpy(), make("silu", beta=m.beta.item())(x.detach().numpy())
    )


def test_apply_takes_the_kernel_only_where_it_serves() -> None:
    big = _big()
    assert _kernels.kernel(make("gelu"), big) is not None
    assert _kernels.kernel(make("gelu"), big[: _kernels.MIN_ELEMENTS - 1]) is None  # small
    assert _kernels.kernel(make("gelu"), big.double()) is None  # float64: the catalog's forms
    assert _kernels.kernel(make("relu"), big.double()) is not None  # ... unless exact there
    assert _kernels.kernel(make("snake"), big) is None  # no form
    assert _kernels.kernel(make("rrelu", seed=0), big) is None  # stochastic
    assert _kernels.kernel(make("gelu"), big.to("meta")) is None  # CUDA, MPS, ...: the catalog
    y = at.GELU()(big.requires_grad_(True))
    assert type(y.grad_fn).__name__ == "KernelFunctionBackward"
    lean = at.GELU(memory="lean")(big)
    assert type(lean.grad_fn).__name__ == "ActlabFunctionBackward"
    native = at.GELU(precision=at.Precision.NATIVE)(big)
    assert type(native.grad_fn).__name__ == "ActlabFunctionBackward"
    with torch.no_grad():  # no autograd: the kernel alone, nothing recorded
        assert at.GELU()(big).grad_fn is None


def test_fast_without_a_torch_peer_takes_the_fused_kernel() -> None:
    x = _big()
    y = at.module("softplus", precision="fast")(x)  # no threshold: torch has no such kernel
    ref = make("softplus")(x)
    assert (ulps(y, ref) <= 1).all()


def test_compiler_failure_warns_once_and_falls_back_to_the_catalog(monkeypatch: Any) -> None:
    from actlab._kernels import _engine

    def broken(*a: Any, **k: Any) -> Any:
        raise RuntimeError("C++ compile error: no compiler")

    monkeypatch.setattr(_engine, "_broken", [])
    k = _engine.Kernel(make("tanh"))
    monkeypatch.setattr(k, "_fwd", broken)
    monkeypatch.setattr(_engine, "_cache", {})
    x = _big()
    monkeypatch.setattr(_engine, "kernel", lambda *a, **kw: None if _engine._broken else k)
    monkeypatch.setattr(_kernels, "kernel", _engine.kernel)
    with torch.no_grad(), pytest.warns(RuntimeWarning, match="could not be compiled"):
        y = at.Tanh()(x)
    np.testing.assert_array_equal(y.numpy(), make("tanh")(x.numpy()))
    assert _engine._broken  # from now on, the catalog path without asking the compiler again


def test_functional_with_a_learnable_given_as_a_number_uses_its_value() -> None:
    x = _big(5)
    for beta in (1.0, 2.5):
        y = at.functional.silu(x, beta=beta)
        assert (ulps(y, make("silu", beta=beta)(x)) <= 1).all()
    xr = x.clone().requires_grad_(True)
    y = at.functional.silu(xr, beta=2.5)
    assert type(y.grad_fn).__name__ == "KernelFunctionBackward"
    y.backward(torch.ones_like(y))
    assert (ulps(xr.grad, make("silu", beta=2.5).derivative(x)) <= 1).all()


def test_threaded_kernels_give_the_same_values() -> None:
    x = _big(6)
    one = at.GELU()(x)
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # a separate compilation with a parallel loop
    try:
        two = at.GELU()(x)
    finally:
        torch.set_num_threads(before)
    assert torch.equal(one, two)


#: kernels whose g·f'(x) is one product of g with a constant (or a select): the float64
#: product rounded once is correctly rounded (53 ≥ 2·24 + 2), so they must equal the catalog
#: bitwise, forward and vjp, for any g
ONE_ROUNDING = [
    ("relu", {}),
    ("relu6", {}),
    ("hardtanh", {}),
    ("hardtanh", {"min_val": -0.3, "max_val": 0.7}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.3}),
    ("hard_sigmoid", {}),
]


@pytest.mark.parametrize(("name", "params"), ONE_ROUNDING, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16], ids=str)
def test_piecewise_linear_kernels_are_correctly_rounded(
    name: str, params: dict[str, Any], dtype: torch.dtype
) -> None:
    """float64 too where the kernel serves it (``FLOAT64``: a select or one product)."""
    act = make(name, **params)
    k = _kernels.Kernel(act)
    big = torch.zeros(_kernels.MIN_ELEMENTS, dtype=dtype)
    if dtype == torch.float64:
        assert (_kernels.kernel(act, big) is not None) == (name in FLOAT64)
        if name not in FLOAT64:
            return
    # selects run in the input's dtype only where every parameter is a number of that dtype
    assert k.narrow == (name in {"relu", "relu6", "hardtanh"} and not params)
    x = inputs(act, dtype)
    g = torch.randn(x.shape, generator=torch.Generator().manual_seed(7)).to(dtype)
    assert (ulps(k.forward(x), act(x)) == 0).all()
    assert (ulps(k.vjp(x, g), act.vjp(x, g)) == 0).all()


def test_kernel_outputs_are_advised_as_huge_pages() -> None:
    """A large output's whole 2 MiB pages carry MADV_HUGEPAGE (the mapping's "hg" flag in
    /proc/self/smaps) before the kernel writes them; a small one is left alone."""
    from actlab._kernels import _memory

    if _memory.advisor() is None:
        pytest.skip("no transparent huge pages to ask for here (not Linux, or THP is never)")

    def flags(addr: int) -> list[str]:
        lines = Path("/proc/self/smaps").read_text().splitlines()
        for i, line in enumerate(lines):
            head = line.split()[0]
            if "-" in head and ":" not in head:
                lo, hi = (int(v, 16) for v in head.split("-"))
                if lo <= addr < hi:
                    vm = next(s for s in lines[i + 1 :] if s.startswith("VmFlags:"))
                    return vm.split()[1:]
        raise AssertionError(f"no mapping holds {addr:#x}")

    n = 4 * _memory.MIN_BYTES // 4
    t = _memory.empty(n, torch.float32)
    assert t.shape == (n,) and t.dtype == torch.float32
    page = -(-t.data_ptr() // _memory.HUGE_PAGE) * _memory.HUGE_PAGE
    assert "hg" in flags(page)
    small = _memory.empty(1000, torch.float32)
    assert "hg" not in flags(small.data_ptr())
    x = _big(8, n)
    assert torch.equal(_kernels.Kernel(make("relu")).forward(x), torch.relu(x))


@pytest.mark.parametrize("name", ["ReLU", "ELU", "Hardsigmoid"])
def test_inplace_without_autograd_is_the_kernel_writing_into_the_input(
    name: str, monkeypatch: Any
) -> None:
    """inplace=True under no_grad: the kernel stores into x itself (no output allocated), the
    values those of the out-of-place call; a strided view of x is written in place too."""
    from actlab._kernels import _memory

    x = _big(9)
    mod = getattr(at, name)(inplace=True)
    ref = getattr(at, name)()(x)
    a = x.clone()

    def no_output(*args: Any) -> Any:
        raise AssertionError("an output was allocated")

    with torch.no_grad(), monkeypatch.context() as m:
        m.setattr(_memory, "empty", no_output)
        y = mod(a)
    assert y.data_ptr() == a.data_ptr()
    assert torch.equal(a, ref)
    b = x.clone().view(-1, 1)[: 2 * _kernels.MIN_ELEMENTS].view(2, -1).t()  # not contiguous
    keep = b.clone()
    with torch.no_grad():
        mod(b)
    assert torch.equal(b, getattr(at, name)()(keep.contiguous()))
    with pytest.raises(ValueError, match=r"out must be a contiguous torch.float32 tensor"):
        _kernels.Kernel(make("relu")).forward(x, out=torch.empty(3))
