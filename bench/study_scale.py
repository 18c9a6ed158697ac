"""Summary and report cost against the number of runs: Study.rows() (the ranked comparison,
statistics included), Study.summary() (rows, the cross-dataset summary and the text tables)
and the HTML report for 100, 1 000 and 10 000 synthetic runs in a fresh store, each with the
number of SQL statements it ran, wall and CPU seconds (on a shared machine the CPU time is
the code's; the wall time is the load's too). Target (issue 10): summary and report of
10 000 runs in under 10 s each.

Runs are synthetic (no training) but shaped like a real study's records: 10 activations ×
widths × data identities (2-D "moons" sets, so the report draws decision boundaries) × 5
seeds, each with 21 evaluations of val_metric/val_loss/train_loss/time, 4 layers of
statistics (grad_norm, dead, saturated, flat, RMS dloss/dz), the sources of a real run and
loadable parameters. Each size is timed in a fresh process, in the order rows, summary,
report (the filling has paid the imports: torch, scipy). Run: python bench/study_scale.py [sizes...]
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

from actlab.lab import RunConfig, RunResult, Store, Study, load, train  # noqa: E402
from actlab.lab._train import BatchedNet, _params_blob  # noqa: E402

ACTS = ["relu", "tanh", "sigmoid", "elu", "gelu", "silu", "mish", "selu", "softsign", "celu"]
SEEDS = 5
SHAPES = {100: (2, 1), 1_000: (4, 5), 10_000: (10, 20)}  # runs → (data identities, widths)


def fill(store: Store, n_runs: int) -> int:
    n_data, n_widths = SHAPES[n_runs]
    study = store.study(f"scale-{n_runs}", {"synthetic": True})
    rng = np.random.default_rng(0)
    configs, blobs = [], {}
    sources: dict[str, dict[str, object]] = {}
    for d in range(n_data):
        data = load("moons", seed=d)
        for w in range(n_widths):
            for a in ACTS:
                cfg = RunConfig(dataset="moons", activation=a, width=8 + w, data_seed=d, steps=400)
                if not sources:  # what a real run records about its numbers
                    sources = train(RunConfig(dataset="moons", steps=2), data, [0])[0].sources
                store.add_dataset(cfg, data)
                configs.append(cfg)
                blobs[cfg.key()] = _params_blob(BatchedNet(cfg, data, [0]), 0)
    store.add_study_configs(study, configs, list(range(SEEDS)), "synthetic")
    steps = list(range(0, 401, 20))
    for cfg in configs:
        skill = rng.uniform(0.6, 0.95)
        for s in range(SEEDS):
            final = float(np.clip(skill + rng.normal(0, 0.02), 0, 1))
            curve = [(t, final * (1 - math.exp(-t / 80))) for t in steps]
            loss = [(t, 1.0 / (1 + t / 50)) for t in steps]
            clock = [(t, 0.002 * t + 0.05 * (t > 0)) for t in steps]
            layers = [
                {
                    "step": t,
                    "layer": k,
                    "grad_norm": 0.1 / k,
                    "dead": 0.01 * k,
                    "saturated": 0.0,
                    "flat": 0.02,
                    "grad_rms": 1e-3 * 0.8**k,
                }
                for t in steps
                for k in range(1, 5)
            ]
            result = RunResult(
                s,
                {"val_metric": curve, "val_loss": loss, "train_loss": loss, "time": clock},
                layers,
                {"test_metric": final, "test_loss": 0.3, "val_metric": final},
                None,
                1.0,
                400,
                blobs[cfg.key()],
                dict(sources),  # type: ignore[arg-type]
            )
            store.add(study, cfg, result)
    return study


def measure(n: int) -> None:
    """One size, in this process: fill a fresh store, time rows, summary and report."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "s.db")
        sid = fill(store, n)
        study = Study(store, sid, f"scale-{n}")
        count = [0]
        store.db.set_trace_callback(lambda _: count.__setitem__(0, count[0] + 1))
        out = []
        for what, call in (
            ("rows", study.rows),
            ("summary", lambda: study.summary(lambda text: None)),
            ("report", lambda: study.report(Path(tmp) / "r.html")),
        ):
            count[0] = 0
            t0, c0 = time.perf_counter(), time.process_time()
            got = call()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            out.append(f"{wall:7.2f} {cpu:7.2f} {count[0]:>4}")
            if what == "rows":
                assert len(got) == n // SEEDS  # type: ignore[arg-type]
        size = (Path(tmp) / "r.html").stat().st_size / 1e6
        load1 = os.getloadavg()[0]
        print(f"{n:>7}  {'  '.join(out)}  {size:6.1f} MB  load {load1:.1f}", flush=True)
        store.close()


def main(sizes: list[int]) -> None:
    print(f"{'':>7}  {'rows()':^20}  {'summary':^20}  {'report':^20}")
    cols = "  ".join(["   wall     cpu    q"] * 3)
    print(f"{'runs':>7}  {cols}  report size, 1-minute load (seconds; q: SQL statements)")
    for n in sizes:  # a fresh process per size: every size pays its own imports
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        subprocess.run([sys.executable, __file__, "--one", str(n)], check=True, env=env)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        measure(int(sys.argv[2]))
    else:
        main([int(a) for a in sys.argv[1:]] or [100, 1_000, 10_000])
