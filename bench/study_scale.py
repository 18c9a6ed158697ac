"""Summary and report cost against the number of runs: Study.rows() (the ranked comparison,
statistics included), the text summary and the HTML report for 100, 1 000 and 10 000 synthetic
runs in a fresh store. Target (issue 10): 10 000 runs in under 10 s for rows().

Runs are synthetic (no training): 10 activations × widths × data identities × 5 seeds, each
with 21 evaluations of val_metric/val_loss/train_loss and 4 layers of statistics — the shape of
a real study's records. Run: python bench/study_scale.py [sizes...]
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from actlab.lab import RunConfig, RunResult, Store, Study, load

ACTS = ["relu", "tanh", "sigmoid", "elu", "gelu", "silu", "mish", "selu", "softsign", "celu"]
SEEDS = 5
SHAPES = {100: (2, 1), 1_000: (4, 5), 10_000: (10, 20)}  # runs → (data identities, widths)


def fill(store: Store, n_runs: int) -> int:
    n_data, n_widths = SHAPES[n_runs]
    study = store.study(f"scale-{n_runs}", {"synthetic": True})
    rng = np.random.default_rng(0)
    configs = []
    for d in range(n_data):
        data = load("iris", seed=d)
        for w in range(n_widths):
            for a in ACTS:
                cfg = RunConfig(dataset="iris", activation=a, width=8 + w, data_seed=d,
                                noise=0.0, steps=400)  # fmt: skip
                store.add_dataset(cfg, data)
                configs.append(cfg)
    store.add_study_configs(study, configs, list(range(SEEDS)), "synthetic")
    steps = list(range(0, 401, 20))
    for cfg in configs:
        skill = rng.uniform(0.6, 0.95)
        for s in range(SEEDS):
            final = float(np.clip(skill + rng.normal(0, 0.02), 0, 1))
            curve = [(t, final * (1 - math.exp(-t / 80))) for t in steps]
            loss = [(t, 1.0 / (1 + t / 50)) for t in steps]
            layers = [
                {"step": t, "layer": k, "grad_norm": 0.1 / k, "dead": 0.0, "saturated": 0.01}
                for t in steps
                for k in range(1, 5)
            ]
            result = RunResult(
                s,
                {"val_metric": curve, "val_loss": loss, "train_loss": loss, "time": loss},
                layers,
                {"test_metric": final, "test_loss": 0.3, "val_metric": final},
                None,
                1.0,
                400,
            )
            store.add(study, cfg, result)
    return study


def main(sizes: list[int]) -> None:
    print(f"{'runs':>7}  {'rows()':>8}  {'summary':>8}  {'report':>8}  (seconds)")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "s.db")
            sid = fill(store, n)
            study = Study(store, sid, f"scale-{n}")
            t0 = time.perf_counter()
            rows = study.rows()
            t_rows = time.perf_counter() - t0
            t0 = time.perf_counter()
            study.summary(lambda text: None)
            t_sum = time.perf_counter() - t0
            t0 = time.perf_counter()
            study.report(Path(tmp) / "r.html")
            t_rep = time.perf_counter() - t0
            assert len(rows) == n // SEEDS
            print(f"{n:>7}  {t_rows:8.2f}  {t_sum:8.2f}  {t_rep:8.2f}", flush=True)
            store.close()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1_000, 10_000])
