"""The explorer's JSON API, endpoint by endpoint, with the library as the oracle: every number
the server sends is the one actlab computes (or, for f'', mpmath's)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi")

import actlab
from actlab._analysis import _measure
from actlab.web import Limits


def _arr(v: list[Any]) -> np.ndarray:
    return np.array([math.nan if x is None else x for x in v], float)


def test_catalog_lists_the_registry_and_the_limits(client: Any) -> None:
    from actlab.lab import dataset_names

    r = client.get("/api/catalog")
    assert r.status_code == 200
    j = r.json()
    assert [a["name"] for a in j["activations"]] == actlab.names()
    elu = next(a for a in j["activations"] if a["name"] == "elu")
    spec = actlab.resolve("elu")
    assert [p["name"] for p in elu["params"]] == [p.name for p in spec.params]
    assert elu["params"][0]["default"] == spec.params[0].default
    assert elu["params"][0]["allowed"] == spec.params[0].allowed == "> 0"
    assert elu["params"][0]["min"] == 0.0  # the constraint's bound is the slider's end
    assert elu["kind"] == "elementwise" and elu["plottable"]
    assert next(a for a in j["activations"] if a["name"] == "softmax")["plottable"] is False
    assert [d["name"] for d in j["datasets"]] == dataset_names()
    xor = next(d for d in j["datasets"] if d["name"] == "xor")
    assert xor["playground"] and xor["dims"] == 2 and xor["task"] == "binary"
    assert j["limits"] == Limits().public()
    assert {"sgd", "momentum", "adam"} == set(j["optimizers"])
    assert set(j["families"]) == {a["family"] for a in j["activations"]}
    from actlab._analysis import ARCHITECTURES, LAYERS, SYMPTOMS, TASKS

    assert j["advisor"] == {
        "layers": list(LAYERS),
        "tasks": list(TASKS),
        "architectures": list(ARCHITECTURES),
        "symptoms": list(SYMPTOMS),
    }


def test_functions_are_the_catalogs_values(client: Any) -> None:
    body = {
        "activations": [{"name": "gelu"}, {"name": "elu", "params": {"alpha": 0.5}}],
        "x_min": -4,
        "x_max": 3,
        "points": 701,
        "digits": None,
    }
    j = client.post("/api/functions", json=body).json()
    x = np.array(j["x"])
    np.testing.assert_array_equal(x, np.linspace(-4, 3, 701))
    for c, (name, params) in zip(j["curves"], [("gelu", {}), ("elu", {"alpha": 0.5})], strict=True):
        act = actlab.get(name, **params)
        np.testing.assert_array_equal(_arr(c["f"]), act(x))  # JSON floats round-trip exactly
        np.testing.assert_array_equal(_arr(c["df"]), act.derivative(x))
    assert j["curves"][1]["label"] == "elu alpha=0.5"
    # by default 7 significant digits travel (a screen shows fewer): within half a unit there
    short = client.post("/api/functions", json={**body, "digits": 7}).json()
    assert (
        short
        == client.post(
            "/api/functions", json={k: v for k, v in body.items() if k != "digits"}
        ).json()
    )
    for key in ("f", "df", "d2f"):
        got, exact = _arr(short["curves"][0][key]), _arr(j["curves"][0][key])
        np.testing.assert_allclose(got, exact, rtol=5e-7, atol=0)


def test_second_derivative_against_mpmath(client: Any) -> None:
    mpmath = pytest.importorskip("mpmath")
    j = client.post(
        "/api/functions",
        json={
            "activations": [{"name": "tanh"}],
            "x_min": -3,
            "x_max": 3,
            "points": 61,
            "digits": None,
        },
    ).json()
    got = _arr(j["curves"][0]["d2f"])
    want = [float(mpmath.diff(mpmath.tanh, mpmath.mpf(float(v)), 2)) for v in j["x"]]
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_kinks_saturation_and_peers(client: Any) -> None:
    torch = pytest.importorskip("torch")
    j = client.post(
        "/api/functions",
        json={"activations": [{"name": "relu"}, {"name": "tanh"}], "second": False},
    ).json()
    relu, tanh = j["curves"]
    assert relu["d2f"] is None
    (k,) = relu["kinks"]
    spec_kink = actlab.resolve("relu").kinks[0]
    assert (k["at"], k["derivative"], k["why"]) == (0.0, spec_kink.derivative, spec_kink.why)
    t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert k["peers"]["torch"]["derivative"] == float(t.grad[0]) == 0.0
    assert k["peers"]["torch"]["name"] == actlab.resolve("relu").peers.torch.name
    # saturation: analyze's region (|f'| < 1e-3 max|f'|), clipped to the plotted range
    want = [
        [max(a, -6.0), min(b, 6.0)]
        for a, b in actlab.analyze("tanh").saturation_region
        if b >= -6 and a <= 6
    ]
    assert tanh["saturation"] == want
    assert relu["saturation"] == [[-6.0, 0.0]]


def test_hardtanh_peer_that_differs_at_its_kink(client: Any) -> None:
    j = client.post("/api/functions", json={"activations": [{"name": "hardtanh"}]}).json()
    by_at = {k["at"]: k for k in j["curves"][0]["kinks"]}
    # the spec lists ±1 as points where JAX's autograd differs from actlab's convention
    assert by_at[1.0]["peers"]["jax"]["agrees"] is False
    assert by_at[1.0]["peers"]["torch"]["agrees"] is True


def test_card_is_the_spec_and_the_analysis(client: Any) -> None:
    r = client.get("/api/activation/swish")  # an alias
    assert r.status_code == 200
    j = r.json()
    act = actlab.get("silu")
    a = actlab.analyze(act)
    assert j["name"] == "silu" and j["latex"] == act.spec.latex
    assert j["derivative_latex"] == act.spec.derivative_latex
    assert j["facts"]["zero_centred"] == pytest.approx(a.centring, rel=1e-12)
    assert j["facts"]["mean_at_init"] == pytest.approx(_measure.expectations(act).mean, rel=1e-12)
    assert j["facts"]["gain"] == pytest.approx(actlab.gain(act), rel=1e-12)
    assert j["facts"]["range"] == str(act.facts.range)
    assert j["facts"]["init"]["scheme"] == actlab.recommended_init(act).scheme
    assert j["peers"]["torch"]["name"] == act.spec.peers.torch.name
    assert j["references"] == [str(r) for r in act.spec.references]
    rows = {(r["dtype"], r["of"]): r for r in j["accuracy"]}
    assert set(rows) == {(d, o) for d in ("float32", "float64") for o in ("f", "f'")}
    from actlab_oracle.peers import max_ulps

    assert j["accuracy"] == [
        {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
        for r in max_ulps("silu")
    ]


def test_card_params_and_errors(client: Any) -> None:
    j = client.get("/api/activation/elu", params={"params": '{"alpha": 2.0}'}).json()
    assert j["params"] == {"alpha": 2.0}
    assert j["facts"]["gain"] == pytest.approx(actlab.gain("elu", alpha=2.0), rel=1e-12)
    r = client.get("/api/activation/elu", params={"params": '{"alpha": -1}'})
    assert r.status_code == 422 and r.json()["detail"] == "elu: alpha must be > 0, got -1"
    r = client.get("/api/activation/reluu")
    assert r.status_code == 422 and "did you mean" in r.json()["detail"]
    r = client.get("/api/activation/elu", params={"params": "[1, 2]"})
    assert r.status_code == 422 and r.json()["detail"].startswith("params:")
    assert client.get("/api/activation/softmax").json()["accuracy"] == []


def test_meanfield_is_gradient_flow(client: Any) -> None:
    j = client.post(
        "/api/meanfield",
        json={"activation": "tanh", "init": "xavier", "sigma_b2": 0.05, "depth": 8},
    ).json()
    fl = _measure.gradient_flow(actlab.get("tanh"), 1.0, 0.05)
    assert j["chi"] == pytest.approx(fl.chi, rel=1e-12)
    assert j["q_star"] == pytest.approx(fl.q_star, rel=1e-12)
    assert j["stable"] == fl.stable
    assert j["point"] == {"sigma_w2": 1.0, "sigma_b2": 0.05}
    phase = j["phase"]  # every cell in one vectorised pass (phase_grid)
    assert phase["complete"] and all(v is not None for row in phase["chi"] for v in row)
    i, k = phase["sigma_w2"].index(2.0), phase["sigma_b2"].index(0.1)
    assert phase["chi"][k][i] == pytest.approx(
        _measure.gradient_flow(actlab.get("tanh"), 2.0, 0.1).chi, rel=1e-9
    )
    assert len(phase["sigma_w2"]) * len(phase["sigma_b2"]) >= 400  # fine enough for the edge


def test_meanfield_layers_closed_form_for_relu(client: Any) -> None:
    # relu: E[f(√q z)²] = q/2 and E[f'²] = 1/2, so with σ_w² = 2: q_l = q_{l-1} + σ_b², χ = 1
    j = client.post(
        "/api/meanfield",
        json={"activation": "relu", "sigma_w2": 2.0, "sigma_b2": 0.1, "depth": 6, "phase": False},
    ).json()
    np.testing.assert_allclose(j["layers"]["variance"], 1.0 + 0.1 * np.arange(6), rtol=1e-9)
    np.testing.assert_allclose(j["layers"]["grad"], np.ones(6), rtol=1e-9)
    assert j["phase"] is None
    r = client.post("/api/meanfield", json={"activation": "relu", "init": "he", "sigma_w2": 2})
    assert r.status_code == 422 and "not both" in r.json()["detail"]


def test_depth_profile_against_monte_carlo() -> None:
    # tanh at σ_w² = 1.5: propagate 200 000 samples through the variance map's own recursion
    act = actlab.get("tanh")
    p = _measure.depth_profile(act, 1.5, 0.0, 4)
    z = np.random.default_rng(0).standard_normal(200_000)
    q = 1.0
    for layer in range(4):
        assert p.variance[layer] == pytest.approx(q, rel=5e-3)
        q = 1.5 * float(np.mean(np.tanh(np.sqrt(q) * z) ** 2))


def test_histograms_are_the_labs_network_at_init(client: Any) -> None:
    import torch

    from actlab.lab import load
    from actlab.lab._run import RunConfig
    from actlab.lab._train import BatchedNet

    j = client.post(
        "/api/histograms",
        json={"activation": "tanh", "widths": [16, 8], "seed": 3, "dataset": "xor"},
    ).json()
    data = load("xor", seed=0)
    net = BatchedNet(RunConfig(dataset="xor", activation="tanh", width=(16, 8)), data, [3])  # type: ignore[arg-type]
    net.eval()
    keep: list[Any] = []
    X = torch.as_tensor(data.X_train, dtype=torch.float32)
    with torch.no_grad():
        net(X.expand(1, *X.shape), keep=keep)
    assert [layer["layer"] for layer in j["layers"]] == [1, 2]
    for layer, z in zip(j["layers"], keep, strict=True):
        pre = z[0].double().numpy()
        edges = np.linspace(-4.0, 4.0, 81)  # the lab's fixed bins (HIST_LO, HIST_HI, HIST_BINS)
        np.testing.assert_allclose(layer["pre"]["edges"], edges)
        for key, v in (("pre", pre), ("post", np.tanh(pre))):
            counts, _ = np.histogram(v, bins=edges)
            assert layer[key]["counts"] == counts.tolist()
            assert layer[key]["below"] == int((v < -4).sum())
            assert layer[key]["above"] == int((v >= 4).sum())
            assert sum(layer[key]["counts"]) + layer[key]["below"] + layer[key]["above"] == v.size
        assert layer["dead"] is None  # tanh cannot die: health says "does not apply"


def test_preview_is_the_labs_dataset(client: Any) -> None:
    from actlab.lab import load

    j = client.post(
        "/api/datasets/preview", json={"dataset": "moons", "noise": 0.2, "n": 200, "seed": 1}
    ).json()
    d = load("moons", noise=0.2, n=200, seed=1)
    X = np.concatenate([d.X_train, d.X_val, d.X_test]) * d.std + d.mean
    assert j["task"] == "binary" and j["n"] == 200 and j["classes"] == 2
    got = np.array(j["X"])
    # every point shown is one of the set's (a subsample at most 1000: here all of them)
    assert got.shape == (200, 2)
    np.testing.assert_allclose(np.sort(got[:, 0]), np.sort(X[:, 0]), rtol=1e-12)
    r = client.post("/api/datasets/preview", json={"dataset": "xorr"})
    assert r.status_code == 422 and "did you mean 'xor'" in r.json()["detail"]


def test_advise_is_recommend(client: Any) -> None:
    body = {"layer": "hidden", "architecture": "mlp", "depth": 30, "symptoms": ["dead_units"]}
    j = client.post("/api/advise", json=body).json()
    r = actlab.recommend(layer="hidden", architecture="mlp", depth=30, symptoms=["dead_units"])
    assert j["activation"] == r.activation.name
    assert j["reasons"] == list(r.reasons) and j["fixes"] == list(r.fixes)
    bad = client.post("/api/advise", json={"symptoms": ["sad"]})
    assert bad.status_code == 422 and "sad" in bad.json()["detail"]


def test_define_goes_through_the_safe_parser(client: Any) -> None:
    pytest.importorskip("sympy")
    try:
        r = client.post(
            "/api/define",
            json={"name": "web_sq", "formula": "x * sigmoid(b * x)", "params": {"b": 2.0}},
        )
        assert r.status_code == 200, r.text
        x = np.linspace(-3, 3, 7)
        act = actlab.get("web_sq")
        np.testing.assert_allclose(act(x), x / (1 + np.exp(-2 * x)), rtol=1e-14)
        assert r.json()["activation"]["family"] == "defined"
        names = [a["name"] for a in client.get("/api/catalog").json()["activations"]]
        assert "web_sq" in names
        f = client.post(
            "/api/functions", json={"activations": [{"name": "web_sq"}], "digits": None}
        ).json()
        np.testing.assert_array_equal(_arr(f["curves"][0]["f"]), act(np.array(f["x"])))
        for formula in ("__import__('os')", "x.__class__", "open('/etc/passwd')", "x +* 2"):
            bad = client.post("/api/define", json={"name": "web_bad", "formula": formula})
            assert bad.status_code == 422, formula
            assert "\n" not in bad.json()["detail"]
    finally:
        actlab.undefine("web_sq")


def test_report_of_an_unknown_study_is_404(client: Any) -> None:
    r = client.get("/api/report/nothing-here")
    assert r.status_code == 404 and "nothing-here" in r.json()["detail"]


def test_static_page_and_openapi(client: Any) -> None:
    from actlab.web._app import STATIC

    spec = client.get("/api/openapi.json").json()
    for path in (
        "/api/catalog",
        "/api/functions",
        "/api/train",
        "/api/train/{job_id}/events",
        "/api/upload",
        "/api/code",
        "/api/define",
        "/api/meanfield",
    ):
        assert path in spec["paths"]
    if (STATIC / "index.html").exists():
        r = client.get("/")
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
        assert client.get("/static/index.html").text == r.text


def test_a_defined_activation_has_a_card_without_an_oracle_strip(client: Any) -> None:
    """The oracle tables cover the catalog only: a formula's card is answered (it was a 404
    from the tables' KeyError) with an empty accuracy strip and its own formula."""
    r = client.post("/api/define", json={"name": "card_me", "formula": "x*sigmoid(2*x)"})
    assert r.status_code == 200, r.text
    try:
        c = client.get("/api/activation/card_me")
        assert c.status_code == 200, c.text
        j = c.json()
        assert j["name"] == "card_me" and j["accuracy"] == []
        assert len(client.get("/api/activation/elu").json()["accuracy"]) == 4
    finally:
        actlab.undefine("card_me")
