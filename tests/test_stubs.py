"""The typed surface: the generated stubs match the registry, and a user's file with the
README's calls passes ``mypy --strict`` (the names actlab creates at run time are visible)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import actlab
from actlab import _stubs

ROOT = Path(__file__).resolve().parents[1]
USAGE = ROOT / "tests" / "typing" / "readme_usage.py"


def test_generated_stubs_are_fresh() -> None:
    assert _stubs.stale() == [], "stale typed stubs: run python -m actlab._stubs"


def test_stubs_declare_every_activation_with_its_parameters() -> None:
    text = (Path(_stubs.__file__).parent / "_generated.pyi").read_text()
    for spec in actlab._catalog.specs():
        assert f"def {spec.name}(" in text
        for p in spec.params:
            assert f"{p.name}: " in text.split(f"def {spec.name}(", 1)[1].split("def ", 1)[0]


def test_readme_usage_runs() -> None:
    pytest.importorskip("torch")
    sys.path.insert(0, str(USAGE.parent))
    try:
        import readme_usage  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(USAGE.parent))
    np.testing.assert_array_equal(readme_usage.numpy_api(), [0.0, 2.0])
    t = readme_usage.torch_api()
    assert t.shape == (3,)


@pytest.mark.slow
def test_readme_usage_passes_mypy_strict() -> None:
    pytest.importorskip("mypy")
    env = {**os.environ, "MYPYPATH": str(ROOT / "src")}
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", str(USAGE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
