"""Health, one definition: known cases with their expected verdicts (monitor and definitions)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from scipy.special import ndtr  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import actlab  # noqa: E402
import actlab.torch as at  # noqa: E402
from actlab._analysis import _health  # noqa: E402


def blobs(n: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g).float()
    x = torch.randn(n, 2, generator=g) * 0.5 + (y[:, None] * 2 - 1) * 2.0
    return x, y


def fit(model: nn.Module, steps: int, every: int = 1) -> at.Monitor:
    x, y = blobs()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    with at.watch(model, every=every) as mon:
        for _ in range(steps):
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(x).squeeze(-1), y)
            loss.backward()
            opt.step()
            mon.step(loss)
    return mon


def mlp(depth: int, width: int, act: type[nn.Module], init: str | None, din: int = 2) -> nn.Module:
    layers: list[nn.Module] = [nn.Linear(din, width), act()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), act()]
    layers.append(nn.Linear(width, 1))
    model = nn.Sequential(*layers)
    for m in model:
        if isinstance(m, nn.Linear) and init is not None:
            if init == "he":
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            else:
                nn.init.xavier_normal_(m.weight, gain=nn.init.calculate_gain("tanh"))
            nn.init.zeros_(m.bias)
    return model


def test_thresholds_are_stated_and_shared() -> None:
    t = actlab.health.thresholds()
    assert set(t) >= {"flat", "saturated_unit", "saturated_layer", "dead_warn", "gradient_ratio"}
    assert all(v.reason and v.applies_to and math.isfinite(v.value) for v in t.values())
    from actlab.lab import _findings, _measures, _report, _train
    from actlab.torch import _monitor

    # the monitor, the trainer and the report (its findings: lab._findings) use the very same
    # objects
    assert _monitor.DIVERGED is _train.DIVERGED is t["diverged"]
    assert _measures.profile is _monitor.profile is _health.profile
    assert _findings.gradient_finding is _monitor.gradient_finding is _health.gradient_finding
    assert _findings.dead_finding is _monitor.dead_finding
    assert _report.layer_findings is _findings.layer_findings


def test_profiles_follow_the_catalog() -> None:
    relu, tanh, sig = (actlab.health.profile(n) for n in ("relu", "tanh", "sigmoid"))
    assert (relu.can_die, relu.saturating) == (True, False)  # dead or alive, never saturated
    assert (tanh.can_die, tanh.saturating) == (False, True)
    assert sig.max_slope == pytest.approx(0.25) and sig.flat_below == pytest.approx(2.5e-4)
    assert (
        actlab.health.profile("hardtanh").can_die
        and actlab.health.profile("elu").saturating is False
    )


def test_tanh_with_pre_activation_std_18_is_flagged_saturated() -> None:
    torch.manual_seed(0)
    lin = nn.Linear(8, 64)
    with torch.no_grad():  # unit-variance input, weights scaled so that z has std 18
        lin.weight.normal_(0, 18 / math.sqrt(8))
        lin.bias.zero_()
    model = nn.Sequential(lin, nn.Tanh(), nn.Linear(64, 1))
    x = torch.randn(32, 8)
    mon = at.watch(model)
    loss = model(x).square().mean()
    loss.backward()
    mon.step(loss)
    rec = mon.layers["1"]
    z = (x @ lin.weight.T + lin.bias).detach()
    flat = (1 - torch.tanh(z.double()) ** 2) < 1e-3  # direct count, tanh' = 1 − tanh²
    # the monitor reads f' from float32 backward: at most a sample or two on the edge differ
    assert rec.flat_share == pytest.approx(float(flat.double().mean()), abs=2 / flat.numel())
    per_unit = flat.double().mean(0)
    assert rec.saturated_fraction == pytest.approx(
        float((per_unit >= 0.9).double().mean()), abs=1 / 64
    )
    # and the analytic share for z ~ N(0, 18²): |z| > atanh(√(1 − 1e-3))
    edge = math.atanh(math.sqrt(1 - 1e-3))
    assert rec.flat_share == pytest.approx(2 * (1 - ndtr(edge / float(z.std()))), abs=0.06)
    sat = [f for f in mon.report() if f.kind == "saturation"]
    assert sat and sat[0].layer == "1" and sat[0].threshold is actlab.health.SATURATED_LAYER
    assert sat[0].evidence["flat_share"] > 0.75
    mon.close()


def test_relu_is_never_saturated_even_with_huge_pre_activations() -> None:
    torch.manual_seed(0)
    model = mlp(3, 32, nn.ReLU, "he")
    with torch.no_grad():
        model[0].weight.mul_(30)
    mon = fit(model, 5)
    assert all(
        math.isnan(r.saturated_fraction) and math.isnan(r.flat_share) for r in mon.layers.values()
    )
    assert not [f for f in mon.report() if f.kind == "saturation"]
    assert all(r["saturated"] is None for r in mon.summary())


def test_uva_sigmoid_mlp_with_default_init_vanishes_as_predicted() -> None:
    """4 hidden sigmoid layers, PyTorch's default Linear init, 4 classes of random labels
    (chance): gradients at layer 1 are ~3e-3 of layer 4's; mean-field predicts the same."""
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Linear(16, 64), nn.Sigmoid()]
    for _ in range(3):
        layers += [nn.Linear(64, 64), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(64, 4))
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(256, 16, generator=g), torch.randint(0, 4, (256,), generator=g)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with at.watch(model) as mon:
        for _ in range(10):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            mon.step(loss)
    v = [f for f in mon.report() if f.kind == "vanishing_gradients"]
    assert v, mon.report()
    ev = v[0].evidence
    assert (ev["first_layer"], ev["last_layer"]) == ("1", "7")
    assert ev["ratio"] < 1e-2 and ev["predicted"] < 1e-2
    assert ev["ratio"] == pytest.approx(ev["predicted"], rel=0.5)
    # the measured ratio is RMS ∂loss/∂z, first over last, as an autograd oracle gives it
    zs: list[torch.Tensor] = []
    h = x
    for m in model:
        h = m(h)
        if isinstance(m, nn.Linear) and m is not model[-1]:
            h.retain_grad()
            zs.append(h)
    F.cross_entropy(h, y).backward()
    direct = (zs[0].grad.norm() / zs[-1].grad.norm()).item()  # same widths: RMS ratio = norms
    assert direct == pytest.approx(ev["ratio"], rel=0.3)
    assert "relu-family activations in hidden layers" in v[0].fixes


@pytest.mark.parametrize("act,init", [(nn.ReLU, "he"), (nn.Tanh, "xavier")])
def test_healthy_three_layer_nets_give_no_finding(act: type[nn.Module], init: str) -> None:
    torch.manual_seed(0)
    mon = fit(mlp(3, 32, act, init), 60)
    assert list(mon.report()) == []
    assert str(mon.report()) == "no findings"


class Functional(nn.Module):
    def __init__(self, bias: float = 0.0) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.Linear(2, 32), nn.Linear(32, 32), nn.Linear(32, 1)
        nn.init.constant_(self.a.bias, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c(torch.tanh(self.b(F.relu(self.a(x)))))


def test_functional_activations_are_observed() -> None:
    torch.manual_seed(0)
    mon = fit(Functional(bias=-50.0), 5)
    assert [(r.name, r.source) for r in mon.layers.values()] == [
        ("relu#1", "function"),
        ("tanh#1", "function"),
    ]
    dead = [f for f in mon.report() if f.kind == "dead_units"]
    assert dead and dead[0].layer == "relu#1" and dead[0].evidence["dead_fraction"] == 1.0


def test_actlab_functional_calls_are_observed_once() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(2, 8), nn.Linear(8, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.b(at.functional.gelu(self.a(x), precision="fast"))

    torch.manual_seed(0)
    mon = fit(Net(), 2)
    assert list(mon.layers) == ["at.functional.gelu#1"]
    assert mon.layers["at.functional.gelu#1"].batches == 2


def test_watching_nothing_and_never_stepping_are_findings() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    mon = at.watch(model)
    model(torch.randn(4, 2))
    kinds = [f.kind for f in mon.report()]
    assert kinds == ["no_steps", "no_activations"]
    assert any("actlab.torch.functional" in f for f in mon.report()[1].fixes)
    assert any("actlab.torch.swap" in f for f in mon.report()[1].fixes)
    mon.close()


def test_the_swap_fix_makes_a_custom_activation_measured() -> None:
    class Clamp(nn.Module):  # an activation no hook recognises: clamp is not in the catalog
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.clamp(min=0)

    model = nn.Sequential(nn.Linear(2, 3), Clamp(), nn.Linear(3, 1))
    with at.watch(model) as mon:
        model(torch.randn(4, 2))
    assert "no_activations" in [f.kind for f in mon.report()]
    assert at.swap(model, Clamp, "relu") == 1
    x = torch.randn(8, 2)
    with at.watch(model) as mon:
        y = model(x)
        y.sum().backward()
        mon.step(y.sum())
    assert "no_activations" not in [f.kind for f in mon.report()]
    (rec,) = mon.layers.values()
    # the swapped layer is measured: its dead share is the hand count of units with z <= 0
    z = model[0](x)
    assert rec.units == 3 and rec.batches == 1
    assert rec.dead_fraction == pytest.approx(float((z <= 0).all(dim=0).float().mean()))


def test_fixes_are_conditioned_on_activation_and_task() -> None:
    fx = actlab.health.fixes
    assert "relu-family activations in hidden layers" not in fx("vanishing_gradients", "relu")
    assert "relu-family activations in hidden layers" in fx("vanishing_gradients", "sigmoid")
    reg = fx("nan_loss", "tanh", "regression")
    assert reg[0] == "a lower learning rate" and not any("logits" in f for f in reg)
    assert any("logits" in f for f in fx("nan_loss", "tanh", "binary"))


def test_baseline_and_learned() -> None:
    import numpy as np

    b = actlab.health.baseline("multiclass", np.array([0, 0, 1, 2]), np.array([0, 1, 0, 0]))
    assert b.value == 0.75 and b.margin == pytest.approx(2 * math.sqrt(0.75 * 0.25 / 4))
    assert not b.learned(0.75) and not b.learned(math.nan) and b.learned(0.75 + b.margin + 1e-9)
    r = actlab.health.baseline("regression", np.zeros(3), np.ones(3))
    assert not r.learned(0.0) and not r.learned(-108709.0) and r.learned(0.3)


def test_no_threshold_is_written_outside_health() -> None:
    """The monitor, trainer, report and study import health's thresholds; none writes its own."""
    from pathlib import Path

    root = Path(actlab.__file__).parent
    # every module of the monitor and the lab (the lab's guard's disk-space margins aside)
    files = sorted(
        p.relative_to(root).as_posix() for d in ("torch", "lab") for p in (root / d).glob("*.py")
    )
    files.remove("lab/_guard.py")
    assert {"torch/_monitor.py", "torch/_records.py", "lab/_train.py", "lab/_report.py"} <= set(
        files
    )
    for name in files:
        code = [
            line.split("#")[0]
            for line in (root / name).read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith(("#", '"', "'"))
        ]
        text = "\n".join(code)
        for literal in ("1e-3", "1e-4", "1e4", "DEAD_WARN =", "SATURATED_LAYER =", "VANISHING ="):
            assert literal not in text, (name, literal)


def test_without_step_what_the_forward_showed_is_still_measured() -> None:
    torch.manual_seed(0)
    model = mlp(2, 16, nn.ReLU, "he")
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every first-layer unit off
    mon = at.watch(model)
    model(torch.randn(8, 2))
    kinds = [f.kind for f in mon.report()]
    assert "no_steps" in kinds and "dead_units" in kinds
    assert mon.summary()[0]["dead"] == 1.0
    mon.close()
