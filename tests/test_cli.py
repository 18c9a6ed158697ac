"""The actlab command end to end, with typer's CliRunner and a fixed-width console."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("typer")
from typer.testing import CliRunner

import actlab
from actlab._catalog import specs
from actlab._cli import app

ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env=ENV)


def test_list_json_has_every_activation() -> None:
    r = run("list", "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [x["name"] for x in rows] == actlab.names()
    assert {"name", "range", "monotonic", "cost", "init"} <= set(rows[0])
    relu = next(x for x in rows if x["name"] == "relu")
    assert relu["range"] == "[0, ∞)" and relu["init"] == "he" and relu["cost"] > 0


def test_list_filters_and_sorts() -> None:
    rows = json.loads(run("list", "--kind", "vector", "--json").output)
    assert sorted(r["name"] for r in rows) == [s.name for s in specs() if s.kind == "vector"]
    rows = json.loads(run("list", "--kind", "elementwise", "--sort", "cost", "--json").output)
    costs = [r["cost"] for r in rows]
    assert costs == sorted(costs)
    table = run("list", "--kind", "gated")
    assert table.exit_code == 0 and "swiglu" in table.output


def test_show() -> None:
    r = run("show", "gelu", "--param", "approximate=tanh")
    assert r.exit_code == 0, r.output
    for part in (
        "Activation('gelu', approximate='tanh')",
        "Phi(x)",
        "LaTeX",
        "torch module: torch.nn.GELU",
        "measured:",
        "E[f²]",
        "*",
    ):
        assert part in r.output
    d = json.loads(run("show", "leaky_relu", "--json").output)
    assert d["kinks"] == [[0.0, 0.01]] and d["torch_module"] == "torch.nn.LeakyReLU"
    assert abs(d["analysis"]["gain"] - (2 / (1 + 0.01**2)) ** 0.5) < 1e-9


def test_unknown_name_exits_1_with_a_suggestion() -> None:
    r = run("show", "rleu")
    assert r.exit_code == 1
    assert "did you mean 'relu'" in r.output


def test_bad_parameter_exits_1() -> None:
    r = run("show", "elu", "--param", "alpha=-1")
    assert r.exit_code == 1 and "elu: alpha must be > 0, got -1" in r.output


def test_usage_error_exits_2() -> None:
    assert run("list", "--frobnicate").exit_code == 2
    assert run("gain").exit_code == 2


def test_gain_and_recommend() -> None:
    r = run("gain", "tanh", "--convention", "pytorch", "--json")
    assert json.loads(r.output)["gain"] == 5 / 3
    assert run("gain", "gelu", "--convention", "pytorch").exit_code == 1
    r = run("recommend", "--layer", "output", "--task", "multiclass", "--json")
    d = json.loads(r.output)
    assert d["activation"] == "softmax" and "cross-entropy" in d["loss"]
    r = run("recommend", "--symptom", "dead_units")
    assert r.exit_code == 0 and "leaky_relu" in r.output and "check:" in r.output
    assert run("recommend", "--task", "clasification", "--layer", "output").exit_code == 1


def test_plot_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "cmp.svg"
    r = run("plot", "relu", "gelu", "--out", str(out), "--range", "-4", "4")
    assert r.exit_code == 0, r.output
    assert out.read_bytes().lstrip().startswith(b"<?xml") and b"<svg" in out.read_bytes()[:500]
    assert run("plot", "relu", "--out", str(tmp_path / "x.txt")).exit_code == 1


def test_help_on_every_command_and_python_m() -> None:
    for cmd in ("list", "show", "plot", "gain", "recommend", "demo"):
        r = run(cmd, "--help")
        assert r.exit_code == 0 and "Usage" in r.output
    p = subprocess.run(
        [sys.executable, "-m", "actlab", "--help"],
        capture_output=True,
        text=True,
        env={**ENV, "PATH": ""},
        check=False,
    )
    assert p.returncode == 0 and "recommend" in p.stdout


def test_demo(tmp_path: Path) -> None:
    out = tmp_path / "catalog.png"
    r = run("demo", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "softmax" in r.output and "recommend" in r.output
    assert out.read_bytes()[:4] == b"\x89PNG"
