"""actlab reproduce: the registry, one quick experiment end to end (CLI and report), the
verdict arithmetic of another against an independent computation."""

import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
from typer.testing import CliRunner  # noqa: E402

from actlab._cli import app  # noqa: E402
from actlab.lab import _reproduce  # noqa: E402


def test_list_names_every_experiment_with_claim_and_source() -> None:
    res = CliRunner().invoke(app, ["reproduce", "--list"])
    assert res.exit_code == 0
    names = [e.name for e in _reproduce.experiments()]
    for required in ("uva-deep-sigmoid", "dead-relu-depth", "xavier-he-variance",
                     "selu-fixed-point", "sigmoid-0.25^10", "gelu-tanh", "relu-vs-tanh-speed",
                     "elu-cost"):  # fmt: skip
        assert required in names and required in res.output
    for e in _reproduce.experiments():
        assert e.claim and e.source and e.rule and e.setup
    assert {e.name for e in _reproduce.resolve("claims")} >= {"elu-cost", "sigmoid-0.25^10"}
    with pytest.raises(ValueError, match="did you mean 'gelu-tanh'"):
        _reproduce.resolve("gelu-tahn")
    bad = CliRunner().invoke(app, ["reproduce", "gelu-tahn"])
    assert bad.exit_code == 1 and "unknown experiment" in bad.output


def test_gelu_tanh_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(
        app, ["reproduce", "gelu-tanh", "--out", str(out), "--workdir", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert "measured:" in res.output and "verdict:  confirmed" in res.output
    page = out.read_text()
    assert "gelu-tanh" in page and "Hendrycks" in page
    # the measured maximum against an independent computation: mpmath's erf at the argmax
    mpmath = pytest.importorskip("mpmath")
    (r,) = _reproduce.run("gelu-tanh", workdir=tmp_path)
    x = r.outcome.numbers["at"]
    exact = x * (1 + mpmath.erf(x / mpmath.sqrt(2))) / 2
    approx = 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert r.outcome.numbers["max"] == pytest.approx(abs(float(exact) - approx), rel=1e-6)


def test_xavier_he_slopes_are_the_2_to_the_minus_L_law(tmp_path: Path) -> None:
    """The measured per-layer log2 variance factor, against the exact mean-field value for
    relu: Var grows by σ_w²·E[relu(z)²]/Var(z) = σ_w²/2 per layer (Xavier σ_w² = 1, He 2)."""
    (r,) = _reproduce.run("xavier-he-variance", workdir=tmp_path)
    assert r.outcome.numbers["xavier"] == pytest.approx(math.log2(0.5), abs=0.1)
    assert r.outcome.numbers["he"] == pytest.approx(0.0, abs=0.1)
    assert r.outcome.verdict == "confirmed"
