"""Lab throughput: the default study's training through actlab's batched trainer (all seeds of a
configuration in one pass) against a plain PyTorch loop training the same models one seed at a
time — same data, steps, batch size, optimiser, activations (actlab.torch modules) and thread
count, in the same run. Prints the time of each and the speed-up.

Run: make bench  (or python bench/lab_throughput.py [steps])
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import actlab.torch as at
from actlab import recommended_init
from actlab.lab import DEFAULT_STUDY, RunConfig, load, train


def plain_loop(cfg: RunConfig, data, seed: int) -> float:  # type: ignore[no-untyped-def]
    """The textbook loop (PyTorch's tutorials): one nn.Sequential, one seed, the same steps;
    the running training loss, and validation loss and accuracy at each evaluation."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    din = data.n_features
    gain = recommended_init(cfg.activation).gain
    for _ in range(cfg.depth):
        lin = nn.Linear(din, cfg.width)
        nn.init.normal_(lin.weight, 0, gain / math.sqrt(din))
        nn.init.zeros_(lin.bias)
        act = at.module(cfg.activation, precision=cfg.precision)  # as the trainer:
        act.requires_grad_(False)  # its own parameters (silu's beta) held fixed
        layers += [lin, act]
        din = cfg.width
    layers.append(nn.Linear(din, data.n_outputs))
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    X = torch.as_tensor(data.X_train, dtype=torch.float32)
    y = torch.as_tensor(data.y_train)
    Xv = torch.as_tensor(data.X_val, dtype=torch.float32)
    yv = torch.as_tensor(data.y_val)

    def loss_fn(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if data.task == "binary":
            return nn.functional.binary_cross_entropy_with_logits(out[:, 0], target.float())
        return nn.functional.cross_entropy(out, target)

    rng = np.random.default_rng(seed)
    n = len(X)
    running = 0.0
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        idx = torch.as_tensor(rng.integers(0, n, cfg.batch_size))
        opt.zero_grad()
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), cfg.clip or math.inf)
        opt.step()
        running += loss.item()
        if step % cfg.eval_every == 0:  # the tutorial's evaluation: validation loss, accuracy
            with torch.no_grad():
                out = model(Xv)
                loss_fn(out, yv).item()
                pred = (out[:, 0] > 0).long() if data.task == "binary" else out.argmax(1)
                (pred == yv).double().mean().item()
            running = 0.0
    return time.perf_counter() - t0


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else RunConfig().steps
    torch.set_num_threads(1)
    seeds = list(range(DEFAULT_STUDY["seeds"]))
    print(f"default study, {steps} steps, {len(seeds)} seeds, 1 thread (torch {torch.__version__})")
    print(
        f"{'dataset':8} {'activation':11} {'batched s':>10} {'one seed at a time s':>21} "
        f"{'speed-up':>9}"
    )
    tb_total = tp_total = 0.0
    for ds in DEFAULT_STUDY["datasets"]:
        data = load(ds, seed=0)
        for act in DEFAULT_STUDY["activations"]:
            cfg = RunConfig(dataset=ds, activation=act, depth=4, width=32, steps=steps)
            warm = replace(cfg, steps=5)  # first calls (imports, kernel lookups) untimed
            train(warm, data, seeds)
            plain_loop(warm, data, 0)
            t0 = time.perf_counter()
            train(cfg, data, seeds)
            tb = time.perf_counter() - t0
            tp = sum(plain_loop(cfg, data, s) for s in seeds)
            tb_total += tb
            tp_total += tp
            print(f"{ds:8} {act:11} {tb:10.2f} {tp:21.2f} {tp / tb:9.2f}")
    print(f"{'total':20} {tb_total:10.2f} {tp_total:21.2f} {tp_total / tb_total:9.2f}")


if __name__ == "__main__":
    main()
