"""The advisor: every rule is reachable and says what it should; invalid queries explain why."""

from __future__ import annotations

from typing import Any

import pytest

import actlab
from actlab._analysis import RULES, Rule


def query_for(rule: Rule) -> dict[str, Any]:
    q: dict[str, Any] = {"layer": rule.when.get("layer", "hidden")}
    for k in ("task", "architecture"):
        if k in rule.when:
            q[k] = rule.when[k]
    if "min_depth" in rule.when:
        q["depth"] = rule.when["min_depth"]
    if "symptom" in rule.when:
        q["symptoms"] = (rule.when["symptom"],)
    return q


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_speaks_when_it_matches(rule: Rule) -> None:
    r = actlab.recommend(**query_for(rule))
    assert rule.id in r.rules
    assert rule.reason in r.reasons
    if rule.activation and not (rule.id.startswith("hidden") and "symptom" in rule.when):
        # the first matching rule with an activation decides
        first = next(x for x in RULES if x.id in r.rules and x.activation)
        assert r.activation.name == first.activation
    for c in rule.checks:
        assert c in r.checks
    for f in rule.fixes:
        assert f in r.fixes


@pytest.mark.parametrize(
    ("query", "name", "params"),
    [
        ({}, "relu", {}),
        ({"depth": 50}, "silu", {}),
        ({"depth": 5}, "relu", {}),
        ({"architecture": "transformer"}, "gelu", {}),
        ({"architecture": "lstm"}, "tanh", {}),
        ({"architecture": "gan_discriminator"}, "leaky_relu", {"negative_slope": 0.2}),
        ({"architecture": "diffusion"}, "silu", {}),
        ({"architecture": "self_normalizing"}, "selu", {}),
        ({"architecture": "mobile"}, "relu6", {}),
        ({"layer": "output", "task": "binary"}, "sigmoid", {}),
        ({"layer": "output", "task": "multi-class"}, "softmax", {}),
        ({"layer": "output", "task": "multilabel"}, "sigmoid", {}),
        ({"layer": "output", "task": "regression"}, "linear", {}),
        ({"layer": "output", "task": "regression_0_1"}, "sigmoid", {}),
        ({"layer": "output", "task": "regression_-1_1"}, "tanh", {}),
        ({"layer": "output", "task": "count"}, "softplus", {}),
        ({"layer": "output", "architecture": "gan_generator"}, "tanh", {}),
        ({"symptoms": ("dead_units",)}, "leaky_relu", {}),
        ({"symptoms": "vanishing_gradients"}, "relu", {}),
    ],
)
def test_recommendations(query: dict[str, Any], name: str, params: dict[str, Any]) -> None:
    r = actlab.recommend(**query)
    assert r.activation.name == name
    for k, v in params.items():
        assert r.activation.params[k] == v
    assert r.reasons and all(isinstance(s, str) and s.endswith(".") for s in r.reasons)


def test_losses_go_with_output_activations() -> None:
    assert "binary cross-entropy on logits" in actlab.recommend(layer="output", task="binary").loss
    assert "categorical cross-entropy" in actlab.recommend(layer="output", task="multiclass").loss
    assert "squared error" in actlab.recommend(layer="output", task="regression").loss


def test_hidden_recommendations_carry_an_init() -> None:
    r = actlab.recommend(architecture="self_normalizing")
    assert r.init is not None and r.init.scheme == "lecun" and "no batch-norm" in r.init_note
    assert actlab.recommend().init.scheme == "he"
    assert actlab.recommend(layer="output", task="binary").init is None


def test_symptoms_give_checks_and_fixes() -> None:
    r = actlab.recommend(symptoms=("nan_loss", "exploding_gradients"))
    assert any("logits" in f for f in r.fixes) and any("clipping" in f for f in r.fixes)
    assert any("gradient norm" in c for c in r.checks)
    d = actlab.recommend(symptoms=["dead_units"]).to_dict()
    assert d["activation"] == "leaky_relu" and d["checks"] and d["fixes"]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"layer": "hidden", "current": "softmax"}, "softmax is a vector activation"),
        ({"layer": "output", "task": "clasification"}, "unknown task 'clasification'"),
        ({"layer": "output"}, "an output activation depends on the task"),
        ({"layer": "hidden", "task": "binary"}, "describes the output layer"),
        ({"layer": "middle"}, "unknown layer 'middle'"),
        ({"architecture": "resnet"}, "unknown architecture 'resnet'"),
        ({"symptoms": ("sadness",)}, "unknown symptom 'sadness'"),
        ({"depth": 0}, "depth must be a positive int"),
    ],
)
def test_invalid_queries_say_why(kwargs: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        actlab.recommend(**kwargs)
