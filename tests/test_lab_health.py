"""The lab with actlab.health: baselines, no best when nothing learned, conditioned advice, and
per-layer records with the monitor's definitions."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import actlab  # noqa: E402
from actlab.lab import RunConfig, compare, load, train  # noqa: E402
from actlab.lab._report import _notes  # noqa: E402


def test_a_study_where_nothing_learns_has_no_best(tmp_path: Path) -> None:
    # linear units cannot separate XOR: both stay at chance
    study = compare(
        "xor",
        ["linear", "identity"] if "identity" in actlab.names() else ["linear"],
        seeds=2,
        steps=20,
        store=tmp_path / "s.db",
        workers=1,
        progress=False,
    )
    rows = study.rows()
    data = load("xor")
    base = actlab.health.baseline(data.task, data.y_train, data.y_test)
    assert all(r.baseline == base.value and not r.learned for r in rows)
    assert not any(r.best for r in rows) and all(r.verdict == "did not learn" for r in rows)
    assert all(math.isnan(r.steps_to_90) for r in rows)
    assert all(r.seeds == f"{r.done} / {r.diverged}" and r.done == 2 for r in rows)
    html = study.report(tmp_path / "r.html").read_text()
    assert "No configuration beat the trivial baseline" in html
    assert "class='best'" not in html and "did not learn" in html
    assert "<table>" in study._repr_html_()


def test_learned_rows_get_a_best(tmp_path: Path) -> None:
    study = compare(
        "xor", ["relu", "linear"], seeds=2, steps=200, store=tmp_path / "s.db", workers=1,
        progress=False,
    )  # fmt: skip
    rows = {r.label: r for r in study.rows()}
    assert rows["relu"].learned and rows["relu"].best and rows["relu"].verdict == "best"
    assert not rows["linear"].learned and rows["linear"].verdict == "did not learn"


def test_lab_layer_records_use_the_monitors_definitions() -> None:
    data = load("xor")
    (tanh,) = train(RunConfig(activation="tanh", steps=20, eval_every=20), data, [0])
    (relu,) = train(RunConfig(activation="relu", steps=20, eval_every=20), data, [0])
    assert all(math.isnan(x["dead"]) and 0 <= x["flat"] <= 1 for x in tanh.layers)
    assert all(math.isnan(x["saturated"]) and math.isnan(x["flat"]) for x in relu.layers)
    assert all(x["grad_rms"] > 0 for x in tanh.layers + relu.layers)


def test_the_store_keeps_every_layer_record_as_trained(tmp_path: Path) -> None:
    # what the report plots (flat share, RMS dloss/dz) is what training measured, read back
    study = compare("xor", ["tanh"], seeds=1, steps=20, eval_every=20, store=tmp_path / "s.db",
                    workers=1, progress=False)  # fmt: skip
    (rec,) = study.runs
    (trained,) = train(rec.config, load("xor"), [rec.seed])
    stored = study.store.layer_stats(rec.id)
    assert len(stored) == len(trained.layers)
    for got, want in zip(stored, trained.layers, strict=True):
        for k in ("grad_norm", "saturated", "flat", "grad_rms"):
            assert got[k] == pytest.approx(want[k], rel=1e-9), k


def test_a_diverged_regression_is_told_the_learning_rate_first(tmp_path: Path) -> None:
    study = compare(
        "reg-plane", ["tanh"], seeds=2, steps=60, lr=50.0, optimizer="sgd", momentum=0.9,
        clip=None, store=tmp_path / "s.db", workers=1, progress=False,
    )  # fmt: skip
    runs = study.runs
    assert any(r.status == "diverged" for r in runs)
    from actlab.lab._report import _layers, _View

    view = _View(study)
    text = _notes(view, runs, _layers(study, view, runs))
    note = next(n for n in text.split("</div>") if "diverged" in n)
    assert "Try: a lower learning rate; gradient clipping" in note and "logits" not in note
    row = study.rows()[0]
    assert row.diverged >= 1 and row.seeds == f"{row.done} / {row.diverged}"
