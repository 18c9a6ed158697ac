"""The monitor, on real (small, seeded, CPU) training runs."""

from __future__ import annotations

import json
from typing import Any

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import actlab.torch as at  # noqa: E402


def mlp(depth: int, width: int, act: Any, din: int = 2, dout: int = 1) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(din, width), act()]
    for _ in range(depth - 2):
        layers += [nn.Linear(width, width), act()]
    layers.append(nn.Linear(width, dout))
    return nn.Sequential(*layers)


def blobs(n: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g).float()
    x = torch.randn(n, 2, generator=g) * 0.5 + (y[:, None] * 2 - 1) * 2.0
    return x, y


def train(
    model: nn.Module,
    steps: int,
    lr: float = 1e-2,
    every: int = 1,
    opt: str = "adam",
    loss_fn: str = "bce",
) -> at.Monitor:
    x, y = blobs()
    o = (
        torch.optim.Adam(model.parameters(), lr=lr)
        if opt == "adam"
        else torch.optim.SGD(model.parameters(), lr=lr)
    )
    mon = at.watch(model, every=every)
    for _ in range(steps):
        o.zero_grad()
        out = model(x).squeeze(-1)
        if loss_fn == "bce":
            loss = nn.functional.binary_cross_entropy_with_logits(out, y)
        else:  # regression on large targets: with a large learning rate, this diverges
            loss = (out - 100 * y).square().mean()
        loss.backward()
        o.step()
        mon.step(loss)
    mon.close()
    return mon


def test_dead_relus_are_reported_with_their_layers() -> None:
    torch.manual_seed(0)
    model = mlp(4, 32, nn.ReLU)
    for m in model:
        if isinstance(m, nn.Linear) and m.out_features == 32:
            nn.init.constant_(m.bias, -10.0)
    mon = train(model, 30)
    dead = [f for f in mon.report() if f.kind == "dead_units"]
    assert {f.evidence["layer"] for f in dead} >= {"3", "5"}
    assert all(f.evidence["dead_fraction"] > 0.9 and f.severity == "error" for f in dead)
    assert any("leaky_relu" in f for f in dead[0].fixes)


def test_deep_sigmoid_vanishes_and_he_relu_does_not() -> None:
    torch.manual_seed(0)
    sig = train(mlp(20, 32, nn.Sigmoid), 5)
    v = [f for f in sig.report() if f.kind == "vanishing_gradients"]
    assert v and v[0].evidence["ratio"] < 1e-5
    torch.manual_seed(0)
    relu = mlp(20, 32, nn.ReLU)
    for m in relu:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    assert not [f for f in train(relu, 5).report() if f.kind == "vanishing_gradients"]


def test_exploding_learning_rate_is_reported_with_the_step() -> None:
    torch.manual_seed(0)
    mon = train(mlp(3, 16, nn.Tanh), 60, lr=0.5, opt="sgd", loss_fn="mse")
    nan = [f for f in mon.report() if f.kind == "nan_loss"]
    assert nan and nan[0].severity == "error" and mon.report()[0].kind == "nan_loss"
    step = nan[0].evidence["step"]
    assert isinstance(step, int) and 0 < step < 60 and f"step {step}" in nan[0].message
    assert any("clipping" in f for f in nan[0].fixes)


def test_a_healthy_net_raises_no_alarm() -> None:
    torch.manual_seed(0)
    mon = train(mlp(3, 16, nn.ReLU), 100)
    assert mon.report() == []
    d = mon.to_dict()
    json.dumps(d)
    assert d["steps"] == 100 and len(d["layers"]) == 2 and d["gradient_ratio"] is not None
    assert all(v > 0 for v in d["update_ratios"].values())


def test_watching_changes_nothing_bitwise() -> None:
    def run(watched: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        torch.manual_seed(1)
        model = mlp(3, 16, lambda: at.GELU())
        x, _ = blobs()
        mon = at.watch(model) if watched else None
        out = model(x)
        loss = out.square().mean()
        loss.backward()
        if mon:
            mon.step(loss)
            mon.close()
        return out.detach(), [p.grad.clone() for p in model.parameters()]

    (a, ga), (b, gb) = run(False), run(True)
    assert torch.equal(a, b) and all(torch.equal(u, v) for u, v in zip(ga, gb, strict=True))


def test_actlab_modules_and_every_k_steps() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 8), at.module("snake"), nn.Linear(8, 8), at.PReLU(8), nn.Linear(8, 1)
    )
    mon = train(model, 20, every=5)
    assert [r.activation for r in mon.layers.values()] == ["snake", "prelu"]
    assert len(mon.losses) == 4 and all(t % 5 == 0 for t, _ in mon.losses)
    assert all(r.batches == 4 for r in mon.layers.values())


def test_summary_and_errors() -> None:
    mon = train(mlp(3, 4, nn.Tanh), 3)
    rows = mon.summary()
    assert [r["layer"] for r in rows] == ["1", "3"] and all(r["activation"] == "tanh" for r in rows)
    assert all(r["units"] == 4 and r["dead"] is None and r["grad_rms"] > 0 for r in rows)
    text = str(mon)
    assert text.splitlines()[1].split() == [
        "layer", "activation", "units", "dead", "saturated", "flat", "pre", "std", "grad", "rms"
    ]  # fmt: skip
    assert "tanh" in text and "object at" not in text and "<table>" in mon._repr_html_()
    with pytest.raises(ValueError, match="watch: every must be a positive int, got 0"):
        at.watch(nn.Linear(2, 2), every=0)
    with pytest.raises(TypeError, match=r"watch: model must be a torch\.nn\.Module"):
        at.watch("model")  # type: ignore[arg-type]
