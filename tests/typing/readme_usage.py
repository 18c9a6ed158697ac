"""The README's calls, as a user writes them: tests/test_stubs.py type-checks this file with
``mypy --strict`` and runs it. Everything is inside a function so importing it runs nothing."""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray

import actlab
import actlab.torch as at
from actlab.lab import compare, load


def numpy_api() -> NDArray[np.floating]:
    names: list[str] = actlab.names()
    gelu = actlab.get("GELU", approximate="tanh")
    gelu(np.linspace(-5, 5, 11))
    gelu.derivative(np.array([0, 1], dtype=np.float32))
    actlab.relu([-1.0, 2.0]), actlab.softplus(np.ones(3), beta=2.0)
    sm = actlab.get("softmax", axis=-1)
    x, g = np.random.randn(4, 5), np.random.randn(4, 5)
    sm.vjp(x, g), sm.jvp(x, g), sm.jacobian(x)
    sm(x, where=x > 0)
    actlab.get("prelu").param_vjp(x, g)
    act = actlab.get("leaky_relu")
    shown = [act.spec.latex, act.spec.derivative_latex, act.facts, act.spec.peers, act.kinks]
    a = actlab.analyze("tanh")
    shown += [a.expectations.second_moment, a.gain]
    shown.append(actlab.analyze("sigmoid", init="xavier").flow)
    actlab.gain("tanh"), actlab.gain("tanh", convention="pytorch")
    actlab.initialize((256, 128), "he", seed=0)
    actlab.recommended_init("selu")
    r = actlab.recommend(layer="output", task="multiclass")
    print(r.activation, r.init, r.reasons, r.checks, r.fixes, len(names), len(shown))
    y: NDArray[np.floating] = actlab.relu(np.array([-1.0, 2.0]))
    return y


def torch_api() -> torch.Tensor:
    actlab.get("mish")(torch.randn(3))
    t: torch.Tensor = actlab.gelu(torch.randn(3))
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 8), at.ELU(alpha=1.0), at.GELU(approximate="tanh"), at.PReLU(8)
    )
    model.append(at.module("snake", a=0.5))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with at.watch(model, every=10) as monitor:
        for _ in range(2):
            opt.zero_grad()
            loss = model(torch.randn(16, 4)).pow(2).mean()
            loss.backward()
            opt.step()
            monitor.step(loss)
    for finding in monitor.report():
        print(finding.severity, finding.message, finding.fixes)
    print(monitor)
    rows: list[dict[str, object]] = monitor.summary()
    print(rows, actlab.health.thresholds()["gradient_ratio"].reason)
    return at.functional.gelu(t, approximate="tanh") + at.functional.prelu(t, alpha=0.1)


def lab_api() -> None:
    study = compare(dataset="xor", activations=["relu"], seeds=1)
    study.summary()
    load("spiral", seed=0, noise=0.1)
