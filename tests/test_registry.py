"""The registry: names, aliases, errors for unknown names, what each spec declares."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import mpmath as mp
import numpy as np
import pytest

import actlab
from actlab._catalog import Spec
from tests.conftest import SPECS, make


def test_names_sorted_and_canonical() -> None:
    names = actlab.names()
    assert names == sorted(names)
    assert len(names) == len(SPECS) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("swish", "silu"),
        ("GELU", "gelu"),
        ("Hard-Swish", "hard_swish"),
        ("hardswish", "hard_swish"),
        ("step", "binary_step"),
        ("logistic", "sigmoid"),
        ("relu2", "squared_relu"),
        ("siren", "sine"),
        ("exp", "exponential"),
        ("lrelu", "leaky_relu"),
    ],
)
def test_aliases_resolve_case_insensitively(alias: str, name: str) -> None:
    assert actlab.get(alias).name == name


def test_every_alias_is_unique_and_listed() -> None:
    al = actlab.aliases()
    assert not set(al) & set(actlab.names())
    assert all(actlab.get(a).name == n for a, n in al.items())


def test_unknown_name_suggests_the_closest() -> None:
    n = len(actlab.names())
    with pytest.raises(
        ValueError, match=rf"unknown activation 'rleu'; did you mean 'relu'.*all {n}\)"
    ):
        actlab.get("rleu")
    with pytest.raises(ValueError, match=r"did you mean.*softplus"):
        actlab.get("softpls")
    with pytest.raises(TypeError, match="name must be a str"):
        actlab.get(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_is_complete(spec: Spec) -> None:
    assert spec.summary and spec.latex and spec.derivative_latex
    assert spec.text and spec.derivative_text
    if spec.kind == "elementwise":
        assert spec.forward and spec.derivative
    elif spec.kind == "vector":
        assert spec.forward and spec.vjp and spec.jvp and spec.jacobian
    else:
        assert spec.gate is not None and actlab.get(spec.gate[0]).kind == "elementwise"
    for p in spec.params:
        assert p.doc, f"{spec.name}.{p.name} has no doc"
    if spec.learnable:
        assert spec.param_vjp is not None
    facts = make(spec.name).facts
    assert facts.init in ("he", "xavier", "lecun")
    assert facts.uses and facts.pros and facts.cons
    assert set(facts.saturates) <= {"negative", "positive"}
    assert facts.range.lo <= facts.range.hi
    assert facts.learnable == bool(spec.learnable)
    for r in spec.references:
        assert 1940 < r.year <= 2026 and r.title and r.authors


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_generated_docstring_has_the_template(spec: Spec) -> None:
    """Parameters, Returns, Range, each kink with its value, See also (peers and relatives)."""
    doc = getattr(actlab, spec.name).__doc__
    for section in ("Parameters\n---", "Returns\n---", "Range\n---", "Examples\n---"):
        assert section in doc, (spec.name, section)
    act = make(spec.name)
    assert str(act.facts.range) in doc.split("Range\n-----\n", 1)[1]
    for at, value in act.kinks:
        assert f"At x = {at:g}" in doc and f"f'(x) = {value:g}" in doc, spec.name
    for lib, peer in spec.peers.items():
        assert f"{peer.name} ({lib})" in doc.split("See also", 1)[1], spec.name


def test_hand_written_public_functions_say_their_args_and_returns() -> None:
    import inspect

    fns = [getattr(actlab, n) for n in actlab.__all__ if n not in actlab.names()]
    fns = [f for f in fns if inspect.isfunction(f)]
    methods = ("__call__", "derivative", "vjp", "jvp", "jacobian", "param_vjp")
    fns += [getattr(actlab.Activation, m) for m in methods]
    for fn in fns:
        doc = inspect.getdoc(fn) or ""
        takes = [p for p in inspect.signature(fn).parameters if p != "self"]
        assert "Returns:" in doc, fn.__qualname__
        assert "Args:" in doc or not takes, fn.__qualname__


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_module_level_function_is_generated(spec: Spec) -> None:
    fn = getattr(actlab, spec.name)
    assert fn.__name__ == spec.name and spec.text in fn.__doc__
    x = np.linspace(-3, 3, 8)
    kw = {"seed": 3} if spec.stochastic and spec.name == "gumbel_softmax" else {}
    if spec.name == "threshold":
        kw = {"threshold": 0.1, "value": 2.0}
    np.testing.assert_array_equal(fn(x, **kw), actlab.get(spec.name, **kw)(x))


def test_module_functions_take_parameters() -> None:
    x = np.array([-1.0, 0.5, 3.0])
    np.testing.assert_array_equal(actlab.softplus(x, beta=2.0), actlab.get("softplus", beta=2)(x))
    mask = np.array([True, False, True])
    np.testing.assert_array_equal(
        actlab.softmax(x, where=mask), actlab.get("softmax")(x, where=mask)
    )


def test_peers_name_real_callables_in_torch() -> None:
    torch = pytest.importorskip("torch")
    assert torch.__version__.startswith("2.")
    for spec in SPECS:
        peer = spec.peers.torch
        if peer is None:
            continue
        mod, _, attr = peer.name.rpartition(".")
        assert callable(getattr(importlib.import_module(mod), attr)), peer.name
        if peer.module:
            mod, _, attr = peer.module.rpartition(".")
            assert isinstance(getattr(importlib.import_module(mod), attr), type), peer.module
        assert set(peer.params) <= {p.name for p in spec.params}, spec.name


def test_selu_constants_to_full_digits() -> None:
    """Klambauer et al. (2017): α01 and λ01 from the closed forms of their fixed point."""
    from actlab._catalog._exponential import SELU_ALPHA, SELU_SCALE

    with mp.workdps(50):
        e, erfc = mp.e, mp.erfc
        alpha = -mp.sqrt(2 / mp.pi) / (erfc(1 / mp.sqrt(2)) * mp.exp(mp.mpf(1) / 2) - 1)
        scale = (
            (1 - erfc(1 / mp.sqrt(2)) * mp.sqrt(e))
            * mp.sqrt(2 * mp.pi)
            / mp.sqrt(
                2 * erfc(mp.sqrt(2)) * e**2
                + mp.pi * erfc(1 / mp.sqrt(2)) ** 2 * e
                - 2 * (2 + mp.pi) * erfc(1 / mp.sqrt(2)) * mp.sqrt(e)
                + mp.pi
                + 2
            )
        )
        assert abs(alpha - mp.mpf(SELU_ALPHA)) < mp.mpf(10) ** -30
        assert abs(scale - mp.mpf(SELU_SCALE)) < mp.mpf(10) ** -30
    selu = actlab.get("selu")
    assert float(selu(1.0)) == float(SELU_SCALE)
    assert float(selu.derivative(-0.0)) == float(SELU_SCALE) * float(SELU_ALPHA)


def test_import_is_light() -> None:
    code = (
        "import sys, actlab; heavy = [m for m in ('torch', 'matplotlib', 'scipy', 'jax', "
        "'pandas', 'typer', 'rich') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_repr_eq_hash() -> None:
    a = actlab.get("gelu", approximate="tanh")
    assert repr(a) == "Activation('gelu', approximate='tanh')"
    assert a == actlab.get("GELU", approximate="tanh") and hash(a) == hash(
        actlab.get("gelu", approximate="tanh")
    )
    assert a != actlab.get("gelu")


def test_no_activation_count_is_written_anywhere() -> None:
    """Adding a spec is one family-file edit: no test, doc or CLI title states the count."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    n = len(actlab.names())
    pattern = re.compile(
        rf"(?<![\d.]){n}(?![\d.])\s+(activations|canonical|names|specs)|lists all {n}\b"
    )
    files = [root / "README.md", *root.glob("src/**/*.py"), *root.glob("tests/**/*.py")]
    hits = [
        f"{p.relative_to(root)}:{i + 1}"
        for p in files
        for i, line in enumerate(p.read_text().splitlines())
        if pattern.search(line)
    ]
    assert hits == [], f"the activation count is written out (use len(actlab.names())): {hits}"
