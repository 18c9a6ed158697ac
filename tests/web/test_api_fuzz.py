"""Malformed requests to every endpoint: wrong types, NaN, ±inf, huge numbers, empty lists,
unknown names, extra fields, huge strings, non-JSON — always a 4xx with a one-line detail (or a
200 where the value happens to be allowed), never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("fastapi")

VALID: list[tuple[str, dict[str, Any]]] = [
    (
        "/api/functions",
        {
            "activations": [{"name": "relu", "params": {}}],
            "x_min": -2,
            "x_max": 2,
            "points": 50,
            "second": False,
        },
    ),
    (
        "/api/meanfield",
        {
            "activation": "relu",
            "params": {},
            "init": "he",
            "sigma_b2": 0.0,
            "depth": 3,
            "phase": False,
        },
    ),
    (
        "/api/histograms",
        {
            "activation": "relu",
            "params": {},
            "widths": [4],
            "init": "he",
            "seed": 0,
            "dataset": "xor",
        },
    ),
    ("/api/datasets/preview", {"dataset": "xor", "noise": 0.1, "n": 50, "seed": 0}),
    (
        "/api/advise",
        {
            "layer": "hidden",
            "task": None,
            "architecture": "mlp",
            "depth": 4,
            "symptoms": ["dead_units"],
        },
    ),
    (
        "/api/code",
        {
            "dataset": "xor",
            "activations": ["relu"],
            "widths": [4],
            "init": "he",
            "optimizer": "adam",
            "lr": 0.01,
            "batch_size": 16,
            "seeds": 1,
            "steps": 5,
            "eval_every": 5,
        },
    ),
    (
        "/api/train",
        {
            "dataset": "xor",
            "activations": ["relu"],
            "widths": [4],
            "seeds": 1,
            "steps": 5,
            "eval_every": 5,
        },
    ),
    ("/api/define", {"name": "fuzz_fn", "formula": "x * tanh(x)", "params": {}}),
]

BAD: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**63,
    10**400,
    1e308,
    -1e308,
    1e-320,
    "",
    "x",
    "relu" * 5000,
    "∞",
    [],
    [None],
    [1e308],
    {},
    {"a": 1},
    [[[[[]]]]],
    "NaN",
    "Infinity",
]
RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]


def _check(r: Any, what: Any) -> None:
    assert r.status_code < 500, (what, r.status_code, r.text[:300])
    if r.status_code >= 400:
        detail = r.json()["detail"]
        assert isinstance(detail, str) and detail and "\n" not in detail, (what, detail)
        assert "Traceback" not in detail


def _bodies() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for path, body in VALID:
        out += [(path, b) for b in ([], "body", 1, None, [body])]
        out.append((path, {**body, "unexpected": 1}))
        for key in body:
            out.append((path, {k: v for k, v in body.items() if k != key}))
            for bad in BAD:
                out.append((path, {**body, key: bad}))
            if isinstance(body[key], list) and body[key]:
                out.append((path, {**body, key: body[key] * 50}))
                for bad in BAD[:12]:
                    out.append((path, {**body, key: [bad]}))
            if isinstance(body[key], dict):
                out.append((path, {**body, key: {"alpha": 1e308, "beta": "x", "": None}}))
    for name in ("reluu", "softmax", "prelu", "rrelu", "binary_step", "gumbel_softmax"):
        out.append(("/api/functions", {"activations": [{"name": name}]}))
        out.append(("/api/meanfield", {"activation": name, "phase": False, "depth": 3}))
        out.append(("/api/histograms", {"activation": name, "widths": [4]}))
        out.append(
            (
                "/api/train",
                {"dataset": "xor", "activations": [name], "steps": 5, "eval_every": 5, "seeds": 1},
            )
        )
    for path in ("/api/datasets/preview", "/api/code", "/api/train"):  # an unknown upload id
        out.append((path, {"upload": "nope", "activations": ["relu"]}))
        out.append((path, {"upload": "nope"}))
    return out


@pytest.fixture
def fuzz_client(make_app: Any) -> Any:
    from starlette.testclient import TestClient

    app = make_app(jobs=1, queue=0, job_seconds=5)
    with TestClient(app) as c:
        yield c
        for job in list(app.state.jobs.jobs):
            c.delete(f"/api/train/{job}")


def test_malformed_json_bodies(fuzz_client: Any) -> None:
    import actlab

    try:
        for path, body in _bodies():
            r = fuzz_client.post(
                path, content=json.dumps(body), headers={"content-type": "application/json"}
            )
            _check(r, (path, str(body)[:200]))
    finally:
        if "fuzz_fn" in actlab.definitions():
            actlab.undefine("fuzz_fn")


def test_non_json_and_non_finite_tokens(fuzz_client: Any) -> None:
    for path, body in VALID:
        for raw in (b"", b"{", b"\xff\xfe", b"[1,2", b"null", b'{"a":}', b"x" * 100_000):
            _check(
                fuzz_client.post(path, content=raw, headers={"content-type": "application/json"}),
                raw[:20],
            )
        _check(fuzz_client.post(path, content=json.dumps(body)), "no content type")
        for key, v in body.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                for token in RAW_NUMBERS:
                    text = json.dumps({**body, key: "@@"}).replace('"@@"', token)
                    r = fuzz_client.post(
                        path, content=text, headers={"content-type": "application/json"}
                    )
                    _check(r, (path, key, token))
                    assert r.status_code == 422, (path, key, token, r.text)


def test_paths_and_queries(fuzz_client: Any) -> None:
    names = [
        "relu",
        "RELU",
        "swish",
        "reluu",
        "",
        " ",
        "../../etc/passwd",
        "%00",
        "x" * 5000,
        "softmax",
        "rrelu",
        "prelu",
        "gumbel_softmax",
        "\u202e",
    ]
    params = [
        "{}",
        "",
        "{",
        "[]",
        "null",
        '{"alpha": "x"}',
        '{"alpha": NaN}',
        '{"alpha": 1e999}',
        '{"nope": 1}',
        '{"alpha": [1, 2]}',
        "x" * 10_000,
    ]
    for n in names:
        for p in params[:3] if n != "elu" else params:
            _check(fuzz_client.get(f"/api/activation/{n}", params={"params": p}), (n, p))
        _check(fuzz_client.get(f"/api/report/{n}"), n)
        _check(fuzz_client.get(f"/api/train/{n}/events"), n)
        _check(fuzz_client.delete(f"/api/train/{n}"), n)
    for p in params:
        _check(fuzz_client.get("/api/activation/elu", params={"params": p}), p)
    _check(fuzz_client.get("/api/nothing"), "unknown path")
    _check(fuzz_client.post("/api/catalog"), "wrong method")
    _check(fuzz_client.put("/api/functions", json={}), "wrong method")


def test_malformed_uploads(fuzz_client: Any) -> None:
    cases: list[Any] = [
        {"file": ("a.csv", b"", "text/csv")},
        {"file": ("a.csv", b"\x00" * 1000, "text/csv")},
        {"file": ("a.csv", b"a,b\n" + b"1," * 10000 + b"\n", "text/csv")},
        {"file": ("a.csv", b'"unclosed\n1,2\n', "text/csv")},
        {"file": ("", b"a,b\n1,2\n", "text/csv")},
        {"file": ("../../x.csv", b"a,b\n1,0\n2,1\n" * 10, "text/csv")},
        {"file": ("a.csv", ("é,b\n" + "1,0\n2,1\n" * 10).encode(), "text/csv")},
        {"other": ("a.csv", b"a,b\n", "text/csv")},
    ]
    for files in cases:
        _check(fuzz_client.post("/api/upload", files=files), str(files)[:80])
    _check(
        fuzz_client.post(
            "/api/upload",
            data={"target": "x" * 10_000},
            files={"file": ("a.csv", b"a,b\n1,0\n", "text/csv")},
        ),
        "long target",
    )
    _check(
        fuzz_client.post(
            "/api/upload",
            content=b"not multipart",
            headers={"content-type": "multipart/form-data; boundary=zz"},
        ),
        "bad multipart",
    )


def test_random_json_to_functions(fuzz_client: Any) -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    values = st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=10,
    )
    bodies = st.fixed_dictionaries(
        {},
        optional={
            "activations": st.lists(
                st.fixed_dictionaries(
                    {"name": st.sampled_from(["relu", "elu", "x", ""]) | st.text(max_size=8)},
                    optional={
                        "params": st.dictionaries(
                            st.sampled_from(["alpha", "beta", "z"]), values, max_size=2
                        )
                    },
                ),
                max_size=3,
            )
            | values,
            "x_min": values,
            "x_max": values,
            "points": values,
            "second": values,
        },
    )

    @hypothesis.settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(bodies)
    def check(body: Any) -> None:
        _check(fuzz_client.post("/api/functions", json=body), body)

    check()
