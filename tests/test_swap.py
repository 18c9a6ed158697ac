"""actlab.torch.swap on user models: counts, types and outputs after the swap."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import actlab.torch as at  # noqa: E402


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.act = nn.ReLU()
        self.inner = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(self.act(self.lin(x)))


def user_model() -> nn.Module:
    shared = nn.ReLU()
    return nn.Sequential(
        Block(),
        nn.ModuleList([nn.ReLU(), nn.LeakyReLU()]),
        nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(4, 4)}),
        shared,
        shared,  # one module in two places: two places
    )


def test_swap_nested_relus_counts_and_types():
    m = user_model()
    before = sum(isinstance(x, nn.ReLU) for x in m.modules())
    n = at.swap(m, nn.ReLU, "gelu")
    assert n == 6 and before == 5  # modules() lists the shared one once
    assert not any(isinstance(x, nn.ReLU) for x in m.modules())
    gelus = [x for x in m.modules() if getattr(getattr(x, "spec", None), "name", "") == "gelu"]
    assert len(gelus) == 6 and len({id(g) for g in gelus}) == 6  # each place its own module
    assert isinstance(m[1][1], nn.LeakyReLU) and isinstance(m[0].inner[2], nn.Tanh)
    x = torch.linspace(-3, 3, 8, dtype=torch.float64).reshape(2, 4)
    ref = torch.nn.functional.gelu(x)
    torch.testing.assert_close(m[3](x), ref, rtol=1e-6, atol=1e-7)


def test_swap_tuple_and_predicate_and_module_replacement():
    m = user_model()
    assert at.swap(m, (nn.ReLU, nn.LeakyReLU), nn.Tanh()) == 7
    assert sum(isinstance(x, nn.Tanh) for x in m.modules()) == 8
    m2 = user_model()
    n = at.swap(m2, lambda mod: isinstance(mod, nn.Tanh), "elu", alpha=0.5)
    assert n == 1 and m2[0].inner[2](torch.tensor([-1.0])).item() == pytest.approx(
        0.5 * (torch.exp(torch.tensor(-1.0)).item() - 1)
    )
    assert at.swap(user_model(), nn.Sigmoid, "relu") == 0


def test_swap_errors_name_what_is_allowed():
    with pytest.raises(TypeError, match=r"target must be an nn.Module class"):
        at.swap(user_model(), "relu", "gelu")
    with pytest.raises(TypeError, match=r"replacement must be an activation name"):
        at.swap(user_model(), nn.ReLU, 3)
    with pytest.raises(ValueError, match=r"unknown|Unknown"):
        at.swap(user_model(), nn.ReLU, "gelux")
    with pytest.raises(ValueError, match=r"the model itself"):
        at.swap(nn.ReLU(), nn.ReLU, "gelu")
    m = user_model()
    with pytest.raises(TypeError, match=r"not an nn.Module"):
        at.swap(m, nn.ReLU, lambda: 1)
    assert sum(isinstance(x, nn.ReLU) for x in m.modules()) == 5  # nothing half-swapped
