"""actlab.torch: modules generated from the registry, drop-in torch classes, the autograd
function (gradcheck), memory-lean backward, dtypes, torch.compile."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import actlab.torch as at  # noqa: E402
from actlab._catalog import Spec  # noqa: E402
from tests.conftest import SPECS, make  # noqa: E402


def _x(spec: Spec, dtype: Any = torch.float64, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(6, 8, generator=g, dtype=dtype) * 3
    if spec.kind == "elementwise":  # keep away from kinks so finite differences apply
        act = make(spec.name)
        for k, _ in act.kinks:
            x = torch.where((x - k).abs() < 1e-3, x + 0.01, x)
    return x


def _plain(t: torch.Tensor) -> Any:
    """A module's parameter as the catalog takes it: a number, or (pau's coefficients) an array."""
    return t.item() if t.numel() == 1 else t.detach().double().numpy()


def _module(spec: Spec, **kw: Any) -> at.ActlabModule:
    params = {k: v for k, v in spec.example_params.items() if k not in ("seed",)}
    return at.module(spec.name, **params, **kw)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_module_matches_the_catalog_forward_and_backward(spec: Spec) -> None:
    m = _module(spec).eval()
    # the module's learnable values are float32 Parameters: compare with exactly those
    act = make(spec.name, **{k: _plain(getattr(m, k)) for k in spec.learnable})
    x = _x(spec).requires_grad_(True)
    y = m(x)
    if spec.name != "gumbel_softmax":  # the module draws from torch's generator
        # torch's and NumPy's float64 elementary functions differ by an ULP here and there
        np.testing.assert_allclose(
            y.detach().numpy(), act(x.detach().numpy()), rtol=1e-14, atol=1e-300
        )
        g = torch.randn_like(y)
        y.backward(g)
        np.testing.assert_allclose(
            x.grad.numpy(), act.vjp(x.detach().numpy(), g.numpy()), rtol=1e-13, atol=1e-15
        )


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if s.name != "gumbel_softmax"], ids=lambda s: s.name
)
def test_gradcheck_float64(spec: Spec) -> None:
    m = _module(spec).eval()
    x = _x(spec).requires_grad_(True)
    learn = [getattr(m, k) for k in spec.learnable]
    if learn:  # the parameters' gradients too, through the functional form

        def f(x: Any, *ps: Any) -> Any:
            return at.functional.__dict__[spec.name](
                x, **dict(zip(spec.learnable, ps, strict=True))
            )

        ps = [p.detach().double().requires_grad_(True) for p in learn]
        assert torch.autograd.gradcheck(f, (x, *ps), eps=1e-6, atol=1e-6)
    else:
        assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-6)


def test_double_backward_is_declared_once_differentiable() -> None:
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="gelu is once differentiable"):
        torch.autograd.gradgradcheck(at.module("gelu"), (x,))
    with pytest.raises(RuntimeError, match="relu is once differentiable"):
        torch.autograd.grad(at.ReLU()(x).sum(), x, create_graph=True)
    (g,) = torch.autograd.grad(at.ReLU()(x).sum(), x)  # first derivatives are unaffected
    torch.testing.assert_close(g, (x > 0).double())


DROPINS = sorted(at.dropin_classes())


@pytest.mark.parametrize("name", DROPINS)
def test_dropin_matches_torch_nn(name: str) -> None:
    ours_cls = getattr(at, name)
    theirs_cls = getattr(torch.nn, name)
    kwargs: dict[str, Any] = {"threshold": 0.5, "value": -1.0} if name == "Threshold" else {}
    if name in ("Softmax", "Softmin", "LogSoftmax", "GLU"):
        kwargs = {"dim": -1}
    torch.manual_seed(0)
    ours, theirs = ours_cls(**kwargs).eval(), theirs_cls(**kwargs).eval()
    x = torch.randn(4, 6) * 4
    xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    ya, yb = ours(xa), theirs(xb)
    torch.testing.assert_close(ya, yb, rtol=1e-5, atol=1e-6)
    g = torch.randn_like(ya)
    ya.backward(g)
    yb.backward(g)
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-5, atol=1e-6)
    if name == "PReLU":
        torch.testing.assert_close(ours.weight.grad, theirs.weight.grad, rtol=1e-5, atol=1e-5)


def test_dropin_constructor_arguments_and_repr() -> None:
    m = at.ELU(alpha=0.5, inplace=True)
    assert repr(m) == "ELU(alpha=0.5, inplace=True)"
    assert repr(at.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(at.module("snake", a=0.5)) == "ActlabModule('snake')"
    assert repr(at.module("relu", memory="lean")) == "ActlabModule('relu', memory='lean')"
    with pytest.raises(TypeError, match=r"actlab.torch.ELU: got an unexpected keyword"):
        at.ELU(alfa=1.0)
    with pytest.raises(ValueError, match="elu: alpha must be > 0, got -1"):
        at.ELU(alpha=-1)
    assert list(at.PReLU(3).state_dict()) == ["weight"]


def test_learnable_parameters_are_parameters_and_train() -> None:
    for name, names in (("silu", ["beta"]), ("snake", ["a"]), ("star_relu", ["scale", "bias"])):
        m = at.module(name)
        assert [n for n, _ in m.named_parameters()] == names
        x = torch.randn(32)
        m(x).pow(2).sum().backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.parameters())
    p = at.PReLU(num_parameters=3, init=0.1)
    assert p.weight.shape == (3,) and p.weight.detach()[0].item() == pytest.approx(0.1)


def test_rrelu_follows_train_and_eval_and_generators() -> None:
    x = -torch.ones(1000)
    m = at.RReLU()
    m.eval()
    assert torch.all(m(x) == -(1 / 8 + 1 / 3) / 2)
    m.train()
    y = m(x)
    assert y.unique().numel() > 100 and (-y >= 1 / 8).all() and (-y <= 1 / 3).all()
    a = at.RReLU(generator=torch.Generator().manual_seed(1)).train()(x)
    b = at.RReLU(generator=torch.Generator().manual_seed(1)).train()(x)
    torch.testing.assert_close(a, b)
    xg = x.clone().requires_grad_(True)
    out = at.RReLU(generator=torch.Generator().manual_seed(2)).train()(xg)
    out.sum().backward()
    torch.testing.assert_close(xg.grad, out.detach() / x)  # the forward's slopes


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_dtypes(dtype: Any) -> None:
    for name in ("gelu", "relu", "softmax", "glu", "snake"):
        m = at.module(name)
        x = torch.randn(4, 6, dtype=dtype, requires_grad=True)
        y = m(x)
        assert y.dtype == dtype
        y.float().sum().backward()
        assert x.grad.dtype == dtype


def _saved_bytes(fn: Any, x: torch.Tensor) -> int:
    total = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(x)
    return total


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "hardtanh", "sigmoid", "tanh", "elu"])
def test_lean_memory_saves_less_and_gives_the_same_gradient(name: str) -> None:
    x = torch.randn(1000, requires_grad=True)
    lean, default = at.module(name, memory="lean"), at.module(name)
    b_lean, b_default = _saved_bytes(lean, x), _saved_bytes(default, x)
    mask_kind = make(name).spec.lean[0] == "mask"
    assert b_lean == (1000 if mask_kind else 4000) and b_default == 4000
    g1 = torch.autograd.grad(lean(x).sum(), x)[0]
    g2 = torch.autograd.grad(default(x).sum(), x)[0]
    torch.testing.assert_close(g1, g2, rtol=1e-6, atol=1e-7)


@pytest.mark.filterwarnings("ignore:.*torch.jit.script_method.*:DeprecationWarning")  # torch's own
def test_torch_compile_matches_eager() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16),
        at.GELU(),
        torch.nn.Linear(16, 16),
        at.module("snake"),
        torch.nn.Linear(16, 16),
        at.LeakyReLU(0.1),
        torch.nn.Linear(16, 4),
        at.Softmax(dim=-1),
    )
    x = torch.randn(5, 8)
    eager = model(x)
    compiled = torch.compile(model)  # inductor on CPU; actlab modules run eagerly inside
    torch.testing.assert_close(compiled(x), eager)


def test_functional_prelu_gets_parameter_gradients() -> None:
    w = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    x = torch.randn(2, 3, 4)
    at.functional.prelu(x, alpha=w).sum().backward()
    ref = w.detach().clone().requires_grad_(True)
    torch.nn.functional.prelu(x, ref).sum().backward()
    torch.testing.assert_close(w.grad, ref.grad)
    assert math.isclose(float(at.functional.softplus(torch.tensor(30.0), threshold=20)), 30.0)


def test_native_precision_is_close_to_exact_and_keeps_dtype() -> None:
    x = torch.linspace(-8, 8, 2001, dtype=torch.float32, requires_grad=True)
    for name in ("gelu", "silu", "mish", "softplus", "tanh"):
        exact, native = at.module(name), at.module(name, precision="native")
        ye, yn = exact(x), native(x)
        assert yn.dtype == torch.float32
        torch.testing.assert_close(yn, ye, rtol=2e-6, atol=1e-7)
        ge = torch.autograd.grad(ye.sum(), x)[0]
        gn = torch.autograd.grad(yn.sum(), x)[0]
        torch.testing.assert_close(gn, ge, rtol=2e-5, atol=1e-6)
    assert repr(at.module("gelu", precision="native")) == "ActlabModule('gelu', precision='native')"
    with pytest.raises(ValueError, match="gelu: precision must be one of 'exact', 'native'"):
        at.module("gelu", precision="fastest")


# precision="fast": PyTorch's own kernel where it computes the catalog's function
FAST_GRID = torch.cat(
    [
        torch.linspace(-1e4, 1e4, 4001),
        torch.linspace(-30, 30, 6001),
        torch.tensor([0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 1e-30, -1e-30, 1e-42]),
    ]
)
FAST = [
    (s, p)
    for s in SPECS
    for p in [{k: v for k, v in s.example_params.items() if k != "seed"}]
    if at.peer_kernel(make(s.name, **p)) is not None
]


@pytest.mark.parametrize(("spec", "params"), FAST, ids=[s.name for s, _ in FAST])
def test_fast_kernels_agree_with_the_catalog_in_float32(spec: Spec, params: dict[str, Any]) -> None:
    act = make(spec.name, **params)
    x = FAST_GRID if spec.kind == "elementwise" else FAST_GRID[:10000].reshape(-1, 8)
    xr = x.clone().requires_grad_(True)
    m = at.module(spec.name, precision="fast", **params).requires_grad_(False)  # frozen silu β
    y = m(xr)
    assert y.grad_fn is not None and "Actlab" not in type(y.grad_fn).__name__  # torch's own
    torch.testing.assert_close(y.detach(), act(x), rtol=1e-5, atol=1e-6)
    g = torch.randn(y.shape, generator=torch.Generator().manual_seed(0))
    y.backward(g)
    theirs, ours = xr.grad, act.vjp(x, g)
    differ = torch.tensor(spec.peers.torch.grad_differs_at)  # their declared kink convention
    away = ~torch.isin(x, differ.float()) if len(differ) else torch.ones_like(x, dtype=torch.bool)
    torch.testing.assert_close(theirs[away], ours[away], rtol=1e-5, atol=1e-5)


def test_fast_means_torch_where_torch_has_the_function_and_native_elsewhere() -> None:
    x = torch.linspace(-5, 5, 101, requires_grad=True)
    assert torch.equal(at.module("gelu", precision="fast")(x), torch.nn.functional.gelu(x))
    y = at.GELU(approximate="tanh", precision="fast")(x)
    assert torch.equal(y, torch.nn.functional.gelu(x, approximate="tanh"))
    assert torch.equal(
        at.module("leaky_relu", negative_slope=0.3, precision="fast")(x),
        torch.nn.functional.leaky_relu(x, 0.3),
    )
    # not the same function in torch: softplus without a threshold, silu with beta != 1, and
    # activations torch lacks; stochastic ones draw their noise in the catalog
    assert at.peer_kernel(make("softplus")) is None
    assert at.peer_kernel(make("softplus", threshold=20)) is not None
    assert at.peer_kernel(make("silu", beta=2.0)) is None
    assert at.peer_kernel(make("snake")) is None
    assert at.peer_kernel(make("rrelu")) is None
    snake = at.module("snake", precision="fast")(x)
    assert type(snake.grad_fn).__name__ == "ActlabFunctionBackward"
    # a learnable parameter that trains keeps actlab's backward (its gradient flows) ...
    silu = at.module("silu", precision="fast")
    silu(x).sum().backward()
    assert silu.beta.grad is not None
    # ... a frozen one at torch's value uses torch's kernel, at another value actlab's
    silu.requires_grad_(False)
    assert torch.equal(silu(x), torch.nn.functional.silu(x))
    with torch.no_grad():
        silu.beta.fill_(2.0)
    torch.testing.assert_close(silu(x), x * torch.sigmoid(2 * x), rtol=2e-6, atol=1e-7)
    y = at.functional.elu(x, alpha=0.5, precision="fast")
    assert torch.equal(y, torch.nn.functional.elu(x, alpha=0.5))
    assert type(at.functional.snake(x, precision="fast").grad_fn).__name__ == (
        "ActlabFunctionBackward"
    )
    with pytest.raises(ValueError, match="elu: precision must be one of"):
        at.functional.elu(x, precision="quick")
    # memory="lean" and a where= mask keep actlab's function (its saved mask)
    lean = at.module("relu", memory="lean", precision="fast")(x)
    assert type(lean.grad_fn).__name__ == "ActlabFunctionBackward"
