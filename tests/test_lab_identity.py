"""Issue 10's defects as regression tests: one row per configuration and data identity,
canonical names, the strict schema, a report from the store alone, tables readable anywhere."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
from typer.testing import CliRunner

from actlab._cli import app
from actlab.lab import compare, grid, read_config
from actlab.lab._config import normalise, parse_activation
from actlab.lab._datasets import load, resolve_dataset
from actlab.lab._study import DEFAULT_STUDY, with_defaults

QUICK: dict[str, Any] = dict(steps=20, eval_every=10, workers=1, progress=False)


def cli(*args: str, columns: int = 80) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns), "NO_COLOR": "1"})


def _csv_file(path: Path, rows: int = 60, seed: int = 0, integer_target: bool = False) -> Path:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 2))
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "age" if integer_target else "label"])
        for x in X:
            y = int(18 + 72 * rng.random()) if integer_target else int(x[0] * x[1] > 0)
            w.writerow([f"{x[0]:.6f}", f"{x[1]:.6f}", y])
    return path


# ---------------------------------------------------------------------- identity


def test_a_reused_name_with_other_settings_adds_rows_never_pools(tmp_path: Path) -> None:
    kw = dict(QUICK, store=tmp_path / "s.db", name="same", seeds=2)
    compare("xor", ["tanh"], **kw)
    compare("xor", ["tanh"], **{**kw, "steps": 40})
    study = compare("xor", ["tanh"], optimizer="sgd", **kw)
    rows = study.rows()
    assert sorted(r.label for r in rows) == [
        "tanh optimizer=adam steps=20",
        "tanh optimizer=adam steps=40",
        "tanh optimizer=sgd steps=20",
    ]
    assert all(r.n == 2 for r in rows) and len(study.runs) == 6
    again = compare("xor", ["tanh"], **kw)  # the same settings: resumes, adds nothing
    assert len(again.runs) == 6


def test_a_changed_data_file_is_other_data(tmp_path: Path) -> None:
    f = _csv_file(tmp_path / "d.csv")
    kw = dict(QUICK, store=tmp_path / "s.db", name="file", seeds=2, path=str(f), target="label")
    compare(activations=["relu"], **kw)
    _csv_file(f, seed=1)  # new content, same path
    study = compare(activations=["relu"], **kw)
    rows = study.rows()
    assert len(rows) == 2 and all(r.n == 2 for r in rows)
    assert len({r.dataset for r in rows}) == 2  # two sections, named by the content hash
    assert all(r.dataset.startswith("d data_hash=") for r in rows)


def test_a_moved_data_file_is_the_same_data(tmp_path: Path) -> None:
    f = _csv_file(tmp_path / "d.csv")
    kw = dict(QUICK, store=tmp_path / "s.db", name="moved", seeds=2, target="label")
    compare(activations=["relu"], path=str(f), **kw)
    moved = f.rename(tmp_path / "elsewhere.csv")
    (tmp_path / "d").mkdir()
    moved = moved.rename(tmp_path / "d" / "d.csv")
    study = compare(activations=["relu"], path=str(moved), **kw)
    assert len(study.runs) == 2  # resumed: nothing retrained


def test_data_and_dataset_together_is_an_error(tmp_path: Path) -> None:
    f = _csv_file(tmp_path / "d.csv")
    r = cli(
        "compare", "--data", str(f), "--dataset", "spiral,xor", "--store", str(tmp_path / "s.db")
    )
    assert r.exit_code == 1 and "--data" in r.output and "--dataset" in r.output
    with pytest.raises(ValueError, match="not both"):
        compare("spiral", ["relu"], path=str(f), store=tmp_path / "s.db", **QUICK)


def test_activation_names_are_canonical_and_unique(tmp_path: Path) -> None:
    assert parse_activation("SWISH") == ("silu", {})
    assert parse_activation("Leaky_ReLU:negative_slope=1e-2") == (
        "leaky_relu",
        {"negative_slope": 0.01},
    )
    assert parse_activation("elu:alpha=+0.5") == ("elu", {"alpha": 0.5})
    # relu,RELU,swish,silu is two competitors, not four: each runs once, and the user is told
    notes: list[str] = []
    conf = normalise({"activations": ["relu", "RELU", "swish", "silu"]}, notes)
    assert conf["activations"] == [("relu", {}), ("silu", {})]
    assert notes == [
        'note: activations: "relu" and "RELU" are the same (relu); run once',
        'note: activations: "swish" and "silu" are the same (silu); run once',
    ]
    study = compare("xor", ["Swish", "silu"], seeds=1, store=tmp_path / "s.db", **QUICK)
    assert [r.label for r in study.rows()] == ["silu"]
    assert len(study.runs) == 1


def test_a_label_shows_every_field_that_differs(tmp_path: Path) -> None:
    configs, _ = grid({"datasets": ["xor"], "activations": ["relu"], "depths": [2, 3], "lr": 0.02})
    from actlab.lab._study import labels

    assert sorted(labels(configs).values()) == ["relu depth=2", "relu depth=3"]


# ---------------------------------------------------------------------- task


def test_an_integer_target_says_how_it_was_read_and_task_overrides(tmp_path: Path) -> None:
    f = _csv_file(tmp_path / "people.csv", rows=400, integer_target=True)
    d = load(path=f, target="age")
    assert d.task == "multiclass"
    assert "distinct integer values → multiclass; pass --task regression" in d.task_note
    r = load(path=f, target="age", task="regression")
    assert r.task == "regression" and r.n_outputs == 1 and r.y_train.dtype == float
    out = cli(
        "compare", "--data", str(f), "--target", "age", "--task", "regression",
        "--activations", "relu", "--seeds", "1", "--steps", "10",
        "--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "r.html"),
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "test R²" in out.output and "task regression (given)" in out.output
    with pytest.raises(ValueError, match="task binary needs 2 classes"):
        load(path=f, target="age", task="binary")


# ---------------------------------------------------------------------- the strict schema


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('seeds = "10"', 'seeds: expected an int ≥ 1 or a list of distinct ints ≥ 0, got "10"'),
        ("seeds = [1.5, 2.7]", "seeds: expected an int ≥ 1 or a list of distinct ints ≥ 0"),
        ("seeds = [1, 1]", "seeds: expected an int ≥ 1 or a list of distinct ints ≥ 0"),
        ('batch_norm = "false"', 'batch_norm: expected true or false, got "false"'),
        ('lr = "0.1"', 'lr: expected a number > 0, got "0.1"'),
        ("depth = 2.5", "depth: expected an int ≥ 1, got 2.5"),
        ("depth = true", "depth: expected an int ≥ 1, got true"),
        ('optimizer = "adamw"', 'optimizer: expected one of adam, sgd, got "adamw"'),
        ('task = "ranking"', "task: expected one of binary, multiclass"),
        ("frobnicate = 1", "unknown keys \\['frobnicate'\\]"),
        ('datasets = ["spirl"]', "did you mean 'spiral'"),
        ("depth = 2\ndepths = [3]", "give depth or depths, not both"),
    ],
)
def test_toml_is_typed_and_errors_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    p = tmp_path / "study.toml"
    p.write_text(f"[study]\n{toml}\n")
    with pytest.raises(ValueError, match=message) as err:
        compare(config=p, store=tmp_path / "s.db", **QUICK)
    assert "\n" not in str(err.value) and "RunConfig(" not in str(err.value)


def test_toml_numbers_and_defaults(tmp_path: Path) -> None:
    p = tmp_path / "study.toml"
    p.write_text(
        "[study]\ndatasets = ['xor']\nactivations = ['leaky_relu:negative_slope=1e-2']\n"
        "lr = 1e-2\nclip = 1\n"
    )
    configs, seeds = grid(with_defaults(read_config(p)))
    assert configs[0].params == {"negative_slope": 0.01} and configs[0].lr == 0.01
    assert configs[0].clip == 1.0 and isinstance(configs[0].clip, float)
    assert seeds == list(range(DEFAULT_STUDY["seeds"]))
    bare = tmp_path / "bare.toml"
    bare.write_text("[study]\ndatasets = ['xor']\n")  # the CLI's default activations too
    acts = {c.activation for c in grid(with_defaults(read_config(bare)))[0]}
    assert acts == {parse_activation(a)[0] for a in DEFAULT_STUDY["activations"]}


def test_toml_unsets_a_number_with_none_as_the_cli_does(tmp_path: Path) -> None:
    # TOML has no null: clip = "none" is --clip none (the error said "(or none)" and refused it)
    p = tmp_path / "study.toml"
    p.write_text("[study]\ndatasets = ['xor']\nactivations = ['relu']\nclip = 'none'\n"
                 "noise = 'None'\n")  # fmt: skip
    (cfg,), _ = grid(with_defaults(read_config(p)))
    assert cfg.clip is None and cfg.noise == resolve_dataset("xor").noise  # the set's own
    assert normalise({"clip": "none"})["clip"] is None
    with pytest.raises(ValueError, match='steps: expected an int ≥ 1, got "none"'):
        normalise({"steps": "none"})  # a number that must be set stays required
    with pytest.raises(ValueError, match=r'task: expected one of .*, got "none"'):
        normalise({"task": "none"})  # strings are names, not "unset"


def test_errors_are_one_line_without_the_config_repr(tmp_path: Path) -> None:
    r = cli("compare", "--depth", "0", "--store", str(tmp_path / "s.db"))
    assert r.exit_code == 1 and r.output.strip() == "error: depth: expected an int ≥ 1, got 0"
    r = cli("compare", "--seeds", "1.5", "--store", str(tmp_path / "s.db"))
    assert r.exit_code == 1 and "seeds: expected" in r.output and r.output.count("\n") == 1


def test_help_shows_defaults_and_dataset_names() -> None:
    r = cli("compare", "--help", columns=200)
    assert r.exit_code == 0
    for text in ("--batch-size", "--dropout", "--batch-norm", "--eval-every", "--noise",
                 "--clip", "--momentum", "--task", "(default 64)", "(default 0.01)",
                 "spiral", "breast_cancer", "reg-plane"):  # fmt: skip
        assert text in r.output, text


def test_help_defaults_are_runconfigs() -> None:
    from dataclasses import fields

    from actlab._cli_lab import _DEFAULTS
    from actlab.lab import RunConfig

    real = {f.name: f.default for f in fields(RunConfig)}
    assert {k: real[k] for k in _DEFAULTS} == _DEFAULTS


# ---------------------------------------------------------------------- store and report


def test_report_renders_from_the_store_after_the_data_file_is_deleted(tmp_path: Path) -> None:
    f = _csv_file(tmp_path / "pts.csv", rows=80)
    db = tmp_path / "s.db"
    compare(activations=["relu", "tanh"], path=str(f), target="label", seeds=2, store=db, **QUICK)
    f.unlink()
    r = cli("report", str(db), "--out", str(tmp_path / "r.html"))
    assert r.exit_code == 0, r.output
    page = (tmp_path / "r.html").read_text()
    assert "Decision boundaries" in page and "<svg" in page and "pts" in page
    # a different file now at the old path changes nothing: the report reads the store
    _csv_file(tmp_path / "pts.csv", rows=30, seed=5)
    assert cli("report", str(db), "--out", str(tmp_path / "r2.html")).exit_code == 0
    assert (tmp_path / "r2.html").read_text().count("<tr") == page.count("<tr")


def test_report_sections_contents_and_full_configuration(tmp_path: Path) -> None:
    study = compare(["xor", "reg-plane"], ["relu", "tanh"], seeds=2, store=tmp_path / "s.db",
                    **QUICK)  # fmt: skip
    page = study.report(tmp_path / "r.html").read_text()
    assert "<nav>" in page and "href='#configuration'" in page and "href='#overall'" in page
    assert "Predicted surface" in page  # the regression set's continuous heatmap
    assert "max-width:100%" in page  # figures shrink to the page
    for field in ("batch_size", "eval_every", "momentum", "precision", "data_seed"):
        assert f"<td>{field}</td>" in page
    assert "actlab compare --name" in page


# ---------------------------------------------------------------------- tables


LONG = "leaky_relu:negative_slope=0.2,hard_sigmoid,softsign,mish"


@pytest.mark.parametrize("columns", [80, 60])
def test_the_table_at_80_columns_keeps_every_name_and_the_metric(
    tmp_path: Path, columns: int
) -> None:
    r = cli(
        "compare", "--dataset", "xor,moons", "--activations", LONG, "--seeds", "2",
        "--steps", "20", "--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "r.html"),
        columns=columns,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    table = [line for line in lines if not line.startswith("report: ")]  # a path, unbroken
    assert "…" not in r.output and max(len(line) for line in table) <= columns
    for name in ("leaky_relu,negative_slope=0.2", "hard_sigmoid", "softsign", "mish"):
        assert sum(name in line for line in lines) >= 2, name  # whole, on both datasets
    assert "test accuracy" in r.output and "moons" in r.output
    assert "not distinguishable at 2 seeds" in r.output or "worse than best" in r.output


def test_one_seed_shows_na_not_nan(tmp_path: Path) -> None:
    out = ["--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "r.html")]
    r = cli("compare", "--dataset", "xor", "--activations", "relu,tanh", "--seeds", "1",
            "--steps", "10", *out)  # fmt: skip
    text = "\n".join(line for line in r.output.splitlines() if not line.startswith("report: "))
    assert r.exit_code == 0 and "nan" not in text.lower() and "n/a" in text


def test_json_csv_and_export(tmp_path: Path) -> None:
    out = ["--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "r.html")]
    base = ["compare", "--dataset", "xor", "--activations", "relu,tanh", "--seeds", "2",
            "--steps", "10", *out]  # fmt: skip
    r = cli(*base, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert {row["label"] for row in data["rows"]} == {"relu", "tanh"}
    assert data["rows"][0]["rank"] == 1 and data["rows"][0]["metric"] == "accuracy"
    r = cli(*base, "--csv")
    rows = list(csv.DictReader(r.output.splitlines()))
    assert len(rows) == 2 and {"mean", "ci95", "iqm", "p_vs_best", "verdict"} <= set(rows[0])
    r = cli("export", str(tmp_path / "s.db"), "--out", str(tmp_path / "rows.json"))
    assert r.exit_code == 0 and len(json.loads((tmp_path / "rows.json").read_text())["rows"]) == 2
    r = cli("export", str(tmp_path / "s.db"), "--what", "runs")
    assert r.exit_code == 0 and len(list(csv.DictReader(r.output.splitlines()))) == 4


def test_list_is_readable_at_80_columns() -> None:
    from actlab import names

    r = cli("list")
    assert r.exit_code == 0 and "…" not in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80
    first = [line.split()[0] for line in r.output.splitlines()[3:] if line and line[0] != " "]
    canonical = {n for n in names()}
    assert canonical <= set(first)  # every name whole


# ---------------------------------------------------------------------- verdicts, timing, cost


def _row(**kw: Any) -> Any:
    from actlab.lab._study import Row

    base: dict[str, Any] = dict(
        dataset="d", label="x", config_key="k", data_key="dk", metric="accuracy", n=5,
        mean=0.9, ci95=0.01, iqm=0.9, iqm_lo=0.89, iqm_hi=0.91, diff=-0.001,
        diff_lo=-0.004, diff_hi=0.002, p_vs_best=0.6, steps_to_90=40.0,
        time_per_step=1e-3, diverged=0,
    )  # fmt: skip
    base.update(kw)
    return Row(**base)


def test_the_verdict_says_what_the_evidence_supports() -> None:
    from actlab.lab._study import verdict

    best = _row(label="best")
    assert verdict(best, best) == "best"
    assert verdict(_row(), best) == "not distinguishable at 5 seeds"
    assert verdict(_row(), best, margin=0.01) == "equivalent to best (±0.01)"
    assert verdict(_row(diff_lo=-0.03), best, margin=0.01) == "not distinguishable at 5 seeds"
    assert verdict(_row(p_vs_best=0.004), best) == "worse than best (p=0.004)"
    assert verdict(_row(n=1, p_vs_best=float("nan")), best) == "n/a (1 seed)"
    assert verdict(_row(learned=False), best) == "did not learn"


def test_ms_per_step_leaves_out_the_warm_up() -> None:
    from actlab.lab._study import WARMUP_STEPS, step_time

    # 0.5 s of warm-up in the first 20 steps, then 1 ms a step, one interval slower (2 ms)
    times = [(0, 0.0), (WARMUP_STEPS, 0.5), (40, 0.52), (60, 0.56), (80, 0.58)]
    per, lo, hi = step_time(times, wall=0.58, steps=80)
    assert per == pytest.approx(0.08 / 60) and lo == pytest.approx(1e-3)
    assert hi == pytest.approx(2e-3)
    assert step_time([(0, 0.0), (10, 0.2)], wall=0.2, steps=10) == (0.02, 0.02, 0.02)


def test_rows_cost_a_fixed_number_of_queries(tmp_path: Path) -> None:
    study = compare("xor", ["relu", "tanh"], seeds=3, store=tmp_path / "s.db", **QUICK)
    queries: list[str] = []
    study.store.db.set_trace_callback(queries.append)
    study.rows()
    few = len(queries)
    compare("xor", ["relu", "tanh", "elu", "selu"], seeds=[0, 1, 2, 3], name=study.name,
            store=tmp_path / "s.db", **QUICK)  # fmt: skip
    queries.clear()
    study.rows()
    assert len(queries) == few  # the same queries for 6 runs and for 16: O(runs), not O(runs²)
    assert len(study.rows()) == 4


def test_cost_protocol_relu_is_one_with_a_spread() -> None:
    r = cli("list", "--kind", "elementwise", "--sort", "cost", "--json")
    rows = {x["name"]: x for x in json.loads(r.output)}
    assert rows["relu"]["cost"] == rows["relu"]["cost_low"] == rows["relu"]["cost_high"] == 1.0
    assert all(x["cost_low"] <= x["cost"] <= x["cost_high"] for x in rows.values())
    table = cli("list", "--sort", "cost").output
    assert "relu = 1.00" in table and "…" not in table


def test_the_report_never_imports_the_study() -> None:
    # one direction: the study renders its report; the report needs only the store and
    # _identity (labels, sections, data), not the study (issue 13: no _study <-> _report cycle)
    import ast

    import actlab.lab as lab_pkg

    root = Path(lab_pkg.__file__).parent

    def imported(mod: str) -> set[str]:
        tree = ast.parse((root / f"{mod}.py").read_text())
        return {
            n.module.lstrip(".")
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module
        }

    assert "_report" in imported("_study")
    assert "_study" not in imported("_report")
    assert "_study" not in imported("_identity") and "_report" not in imported("_identity")
