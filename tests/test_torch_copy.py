"""actlab.torch modules as model parts: deep copy, pickle, torch.save/load (whole model) before
and after a forward pass, AveragedModel; inplace=True against torch's modules; clear errors for
TorchScript and ONNX export; typed options; the exact path's chunks."""

from __future__ import annotations

import copy
import io
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import actlab  # noqa: E402
import actlab.torch as at  # noqa: E402
from actlab import _kernels  # noqa: E402
from actlab._catalog import specs  # noqa: E402
from tests.conftest import make  # noqa: E402

ELEMENTWISE = [s for s in specs() if s.kind == "elementwise"]


class Every(torch.nn.Module):
    """A model holding every drop-in class and every activation as a module, each applied
    to the output of one linear layer."""

    def __init__(self) -> None:
        super().__init__()
        required = {"Threshold": {"threshold": 0.1, "value": 0.0}}
        self.linear = torch.nn.Linear(6, 6)
        parts = [cls(**required.get(n, {})) for n, cls in sorted(at.dropin_classes().items())]
        for spec in specs():
            params = {k: v for k, v in spec.example_params.items() if k != "seed"}
            parts.append(at.module(spec.name, **params))
        self.acts = torch.nn.ModuleList(parts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.linear(x)
        return torch.cat([m(h).reshape(-1) for m in self.acts])


def _every_module() -> torch.nn.Module:
    return Every().eval()


def _roundtrips(model: torch.nn.Module) -> list[torch.nn.Module]:
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    return [
        copy.deepcopy(model),
        pickle.loads(pickle.dumps(model)),
        torch.load(buf, weights_only=False),
    ]


def test_models_copy_pickle_and_save_before_and_after_a_forward_pass() -> None:
    model = _every_module()
    x = torch.randn(4, 6, generator=torch.Generator().manual_seed(0)) * 0.1
    torch.manual_seed(0)  # gumbel_softmax draws from torch's generator
    for clone in _roundtrips(model):  # before any forward pass
        torch.manual_seed(1)
        y = clone(x)
        torch.manual_seed(1)
        torch.testing.assert_close(y, model(x), rtol=0, atol=0)
    torch.manual_seed(1)
    y = model(x)
    for clone in _roundtrips(model):  # after one: the bug was a cache of mappingproxies
        torch.manual_seed(1)
        torch.testing.assert_close(clone(x), y, rtol=0, atol=0)
        assert [type(m) for m in clone.acts] == [type(m) for m in model.acts]


def test_averaged_model_and_state_dict_work() -> None:
    from torch.optim.swa_utils import AveragedModel

    model = torch.nn.Sequential(torch.nn.Linear(3, 3), at.SiLU(), at.PReLU(), at.GELU())
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    model(x).sum().backward()
    swa = AveragedModel(model)
    swa.update_parameters(model)
    torch.testing.assert_close(swa(x), model(x))
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 3), at.SiLU(), at.PReLU(), at.GELU())
    fresh.load_state_dict(model.state_dict())
    torch.testing.assert_close(fresh(x), model(x))


def test_activation_objects_pickle_and_copy_as_equal_values() -> None:
    for spec in specs():
        act = spec.example_activation()
        for other in (pickle.loads(pickle.dumps(act)), copy.deepcopy(act), copy.copy(act)):
            assert other == act and other.spec is act.spec
    x = np.linspace(-3, 3, 7)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(actlab.get("gelu")))(x), make("gelu")(x)
    )


INPLACE = [
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "ELU",
    "SELU",
    "CELU",
    "Hardtanh",
    "Hardsigmoid",
    "Hardswish",
    "SiLU",
    "Mish",
    "RReLU",
    "Threshold",
]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_writes_into_the_input_like_torch(name: str) -> None:
    kw = {"threshold": 0.1, "value": -2.0} if name == "Threshold" else {}
    ours, theirs = (
        getattr(at, name)(inplace=True, **kw),
        getattr(torch.nn, name)(inplace=True, **kw),
    )
    ours.eval(), theirs.eval()
    x = torch.randn(50, generator=torch.Generator().manual_seed(2)) * 4
    a, b = x.clone(), x.clone()
    with torch.no_grad():
        ya, yb = ours(a), theirs(b)
    assert ya.data_ptr() == a.data_ptr() and yb.data_ptr() == b.data_ptr()  # the input itself
    torch.testing.assert_close(a, b, rtol=2e-6, atol=1e-6)
    torch.testing.assert_close(a, make(ours.spec.name, **ours._fixed)(x), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ELU", "Hardtanh"])
def test_inplace_with_autograd_gives_torchs_gradient(name: str) -> None:
    x = torch.randn(40, generator=torch.Generator().manual_seed(3)) * 3
    g = torch.randn(40, generator=torch.Generator().manual_seed(4))
    grads = []
    for mod in (getattr(at, name)(inplace=True), getattr(torch.nn, name)(inplace=True)):
        leaf = x.clone().requires_grad_(True)
        h = leaf * 1.0  # a non-leaf: in-place on it is allowed, as in torch
        out = mod(h)
        assert out.data_ptr() == h.data_ptr()
        out.backward(g)
        grads.append(leaf.grad)
    torch.testing.assert_close(grads[0], grads[1])


def test_inplace_that_cannot_keep_its_backward_says_so() -> None:
    h = torch.randn(6, requires_grad=True) * 1.0
    with pytest.raises(ValueError, match=r"silu: inplace=True with autograd needs"):
        at.SiLU(inplace=True)(h)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        at.ReLU(inplace=True)(torch.randn(6, requires_grad=True))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit's own notice
def test_torchscript_and_tracing_raise_one_clear_error() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), at.GELU())
    with pytest.raises(RuntimeError, match=r"actlab.torch.GELU: TorchScript .* use torch.compile"):
        torch.jit.script(model)
    with pytest.raises(RuntimeError, match=r"actlab.torch.GELU: TorchScript"):
        torch.jit.trace(model, torch.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"actlab.torch.GELU: TorchScript .* ONNX export"):
        torch.onnx.export(model, (torch.randn(2, 3),), io.BytesIO(), dynamo=False)


def test_options_are_typed_and_checked_in_one_place() -> None:
    m = at.GELU(precision=at.Precision.NATIVE, memory="lean")
    assert m.precision is at.Precision.NATIVE and m.memory is at.Memory.LEAN
    assert "precision='native'" in repr(m) and "memory='lean'" in repr(m)
    for bad in ({"precision": "lean-native"}, {"memory": "lean-native"}):
        with pytest.raises(ValueError, match=r"^gelu: (precision|memory) must be one of"):
            at.GELU(**bad)


@pytest.mark.parametrize("name", ["arctan", "gelu", "softplus"])
def test_the_exact_path_in_chunks_equals_one_pass(name: str) -> None:
    # float64 input (the catalog path) longer than a chunk: the same values as the catalog
    # on the whole tensor at once, forward and backward
    n = 2 * _kernels.MIN_ELEMENTS + 5
    x = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(5)) * 5
    g = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    xr = x.clone().requires_grad_(True)
    y = at.module(name)(xr)
    y.backward(g)
    act = make(name)
    assert torch.equal(y.detach(), act(x))
    assert torch.equal(xr.grad, act.vjp(x, g))


def test_chunked_learnable_gradient_is_the_whole_arrays() -> None:
    n = 2 * _kernels.MIN_ELEMENTS + 5
    x = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    g = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(8))
    m = at.module("snake", a=0.7).double()
    m(x.clone().requires_grad_(True)).backward(g)
    ref = make("snake", a=m.a.item()).param_vjp(x.numpy(), g.numpy())["a"]
    np.testing.assert_allclose(float(m.a.grad), float(ref), rtol=1e-12)
