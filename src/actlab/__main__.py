"""``python -m actlab``: the catalog at a glance (what ``make demo`` shows until the lab lands)."""

from __future__ import annotations

import math

import numpy as np

from ._catalog import get, specs


def _fmt(v: float) -> str:
    return f"{v: .5g}" if math.isfinite(v) or math.isnan(v) else (" inf" if v > 0 else "-inf")


def main() -> None:
    xs = np.array([-2.0, 0.0, 2.0])
    head = (
        f"{'name':16} {'kind':11} {'f(-2)':>10} {'f(0)':>10} {'f(2)':>10} {'f_prime(0)':>10}  range"
    )
    print(head)
    print("-" * len(head))
    for spec in specs():
        if spec.stochastic:
            act = get(spec.name, seed=0)
        elif spec.name == "threshold":
            act = get(spec.name, threshold=0.5, value=-1.0)
        else:
            act = get(spec.name)
        if spec.kind == "elementwise":
            y = act(xs)
            d0 = float(act.derivative(0.0))
        else:  # vector and gated: show the first output of f([-2, 0, 2, 4]) or f([-2, 0, 2])
            row = np.array([-2.0, 0.0, 2.0, 4.0]) if spec.kind == "gated" else xs
            y = np.resize(act(row), 3)
            d0 = float("nan")
        cells = " ".join(f"{_fmt(float(v)):>10}" for v in y)
        print(f"{spec.name:16} {spec.kind:11} {cells} {_fmt(d0):>10}  {act.facts.range}")
    print(
        f"\n{len(specs())} activations. Vector and gated rows show f on [-2, 0, 2] "
        "(gated: [-2, 0, 2, 4] split in halves); their derivative is a Jacobian."
    )


if __name__ == "__main__":
    main()
