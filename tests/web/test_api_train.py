"""Live training over SSE: the stream's numbers are the stored runs' numbers, the study is a
lab study like compare()'s, and cancellation, the queue limit and the time limit hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("torch")

XOR = {
    "dataset": "xor",
    "activations": ["relu", "tanh"],
    "seeds": 2,
    "steps": 60,
    "eval_every": 20,
    "widths": [8, 8],
}


def events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Parse a text/event-stream: (event, data) per message."""
    event, data = None, None
    for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and event is not None:
            yield event, data or {}
            event, data = None, None


def run(client: Any, body: dict[str, Any]) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
    """POST a training and read its whole stream; returns (the index of the first progress
    event, the events). Time to it is bench/web_latency.py's figure, not a test's."""
    r = client.post("/api/train", json=body)
    assert r.status_code == 202, r.text
    with client.stream("GET", r.json()["events"]) as s:
        assert s.headers["content-type"].startswith("text/event-stream")
        out = list(events(s.iter_lines()))
    kinds = [e for e, _ in out]
    assert "progress" in kinds, out
    return kinds.index("progress"), out


def test_xor_two_seeds_streams_what_the_store_holds(client: Any, app: Any) -> None:
    from actlab.lab import Store, Study

    first, evs = run(client, XOR)
    kinds = [e for e, _ in evs]
    assert kinds[0] == "started" and kinds[-1] == "done"
    assert kinds.count("start") == 2
    # it streams while training: the first activation's progress comes before the second starts
    assert first < kinds.index("start", kinds.index("start") + 1)
    assert evs[first][1]["step"] == 0
    done = evs[-1][1]
    study_name = done["study"]
    st = Store(app.state.store_path, readonly=True)
    try:
        sid = st.find(study_name)
        assert sid is not None
        study = Study(st, sid, study_name)
        runs = study.runs
        assert sorted((r.config.activation, r.seed) for r in runs) == [
            ("relu", 0),
            ("relu", 1),
            ("tanh", 0),
            ("tanh", 1),
        ]
        # the last progress of each activation: its curves' mean is the mean of the stored runs
        for act in ("relu", "tanh"):
            last = [d for e, d in evs if e == "progress" and d["activation"] == act][-1]
            assert last["step"] == last["steps"] == 60
            mine = [r for r in runs if r.config.activation == act]
            for key in ("train_loss", "val_loss", "val_metric"):
                stored = [st.curves(r.id)[key] for r in mine]
                steps = [s for s, _ in stored[0]]
                want = np.mean([[v for _, v in c] for c in stored], axis=0)
                got = last["curves"][key]
                assert got["step"] == steps
                np.testing.assert_allclose(got["mean"], want, rtol=1e-12)
                lo = np.min([[v for _, v in c] for c in stored], axis=0)
                np.testing.assert_allclose(got["lo"], lo, rtol=1e-12)
            assert last["metric"] == "accuracy"
            b = last["boundary"]
            assert len(b["xs"]) == len(b["ys"]) == 40 and np.array(b["z"]).shape == (40, 40)
            assert all(0 <= v <= 1 for row in b["z"] for v in row)  # P(class 1)
            assert [layer["layer"] for layer in last["layers"]] == [1, 2]
            assert last["layers"][-1]["predicted"] == pytest.approx(last["layers"][-1]["grad_rms"])
        # the done event's rows are the lab's own statistics for this study
        rows = [r.to_dict() for r in study.rows()]
        assert [r["label"] for r in done["rows"]] == [r["label"] for r in rows]
        for got, want in zip(done["rows"], rows, strict=True):
            assert got["mean"] == pytest.approx(want["mean"])
            assert got["verdict"] == want["verdict"]
        # stored like a compare() study: the configurations and their command are recorded
        configs = st.study_configs(sid)
        assert len(configs) == 2 and configs[0][2].startswith("actlab compare --name ")
    finally:
        st.close()
    report = client.get(done["report"])
    assert report.status_code == 200 and "text/html" in report.headers["content-type"]
    assert study_name in report.text
    # `actlab report` renders the same study from the store: the same page
    typer_testing = pytest.importorskip("typer.testing")
    from actlab._cli import app as cli

    out = app.state.store_path.parent / "cli-report.html"
    res = typer_testing.CliRunner().invoke(
        cli, ["report", str(app.state.store_path), "--out", str(out), "--study", study_name]
    )
    assert res.exit_code == 0, res.output
    import re

    def text(html: str) -> str:  # the figures carry the time they were drawn and random ids
        return re.sub(r"<svg.*?</svg>", "<svg/>", html, flags=re.S)

    assert text(out.read_text()) == text(report.text)
    assert text(report.text).count("<svg/>") == out.read_text().count("</svg>") > 0


def _first_progress(client: Any, body: dict[str, Any]) -> tuple[str, Any, Any]:
    r = client.post("/api/train", json=body)
    assert r.status_code == 202, r.text
    return r.json()["job"], r.json()["study"], r.json()["events"]


LONG = {
    "dataset": "xor",
    "activations": ["relu", "tanh"],
    "seeds": 2,
    "steps": 5000,
    "eval_every": 10,
    "widths": [16, 16],
}


def test_delete_cancels_and_nothing_half_written(client: Any, app: Any) -> None:
    from actlab.lab import Store

    job, study, url = _first_progress(client, LONG)
    seen = []
    with client.stream("GET", url) as s:
        for e, _d in events(s.iter_lines()):
            seen.append(e)
            if e == "progress" and seen.count("progress") == 2:
                r = client.delete(f"/api/train/{job}")
                assert r.status_code == 200
    assert seen[-1] == "cancelled"
    assert "done" not in seen
    jm = app.state.jobs
    assert jm.jobs[job].finished.wait(10) and jm.jobs[job].state == "cancelled"
    if app.state.store_path.exists():  # the first configuration was in training: no run at all
        st = Store(app.state.store_path, readonly=True)
        try:
            assert st.find(study) is None
        finally:
            st.close()


def test_cancel_in_the_second_activation_keeps_the_first_whole(client: Any, app: Any) -> None:
    from actlab.lab import Store

    job, study, url = _first_progress(client, {**LONG, "steps": 200})
    with client.stream("GET", url) as s:
        for e, d in events(s.iter_lines()):
            if e == "start" and d["index"] == 2:
                client.delete(f"/api/train/{job}")
            if e in ("cancelled", "done", "error"):
                break
    assert app.state.jobs.jobs[job].finished.wait(10)
    st = Store(app.state.store_path, readonly=True)
    try:
        sid = st.find(study)
        assert sid is not None
        runs = st.runs(sid)
        assert sorted((r.config.activation, r.seed) for r in runs) == [("relu", 0), ("relu", 1)]
    finally:
        st.close()


def test_queue_limit_is_429(make_app: Any) -> None:
    from starlette.testclient import TestClient

    app = make_app(jobs=1, queue=1)
    with TestClient(app) as c:
        a = c.post("/api/train", json=LONG)
        b = c.post("/api/train", json=LONG)
        third = c.post("/api/train", json=LONG)
        assert (a.status_code, b.status_code, third.status_code) == (202, 202, 429)
        assert "limit" in third.json()["detail"]
        # the second waits; its stream says so
        with c.stream("GET", b.json()["events"]) as s:
            e, d = next(events(s.iter_lines()))
            assert (e, d) == ("queued", {"position": 1})
            c.delete(f"/api/train/{b.json()['job']}")
        c.delete(f"/api/train/{a.json()['job']}")
        jm = app.state.jobs
        assert jm.jobs[a.json()["job"]].finished.wait(10)
        assert c.post("/api/train", json={**XOR, "steps": 5, "eval_every": 5}).status_code == 202


def test_time_limit_stops_a_job(make_app: Any) -> None:
    from starlette.testclient import TestClient

    app = make_app(job_seconds=1.0)
    with TestClient(app) as c:
        r = c.post("/api/train", json=LONG)
        with c.stream("GET", r.json()["events"]) as s:
            last = list(events(s.iter_lines()))[-1]
        assert last[0] == "error" and "time limit of 1 s" in last[1]["detail"]
        assert app.state.jobs.jobs[r.json()["job"]].state == "timed_out"


def test_client_going_away_cancels_the_job(make_app: Any, serve_app: Any) -> None:
    import httpx

    app = make_app()
    with serve_app(app) as url:
        r = httpx.post(url + "/api/train", json=LONG)
        job = r.json()["job"]
        with httpx.stream("GET", url + r.json()["events"], timeout=30) as s:
            for e, _ in events(s.iter_lines()):
                if e == "progress":
                    break  # close the stream: the page went away
        assert app.state.jobs.jobs[job].finished.wait(20)
        assert app.state.jobs.jobs[job].state == "cancelled"


def test_bad_train_requests(client: Any) -> None:
    cases = [
        ({**XOR, "activations": ["reluu"]}, 422, "unknown activation 'reluu'"),
        ({**XOR, "activations": ["elu:alpha=-1"]}, 422, "alpha must be > 0"),
        ({**XOR, "seeds": 11}, 422, "seeds: got 11; allowed 1–10"),
        ({**XOR, "seeds": 0}, 422, "seeds: got 0"),
        ({**XOR, "dataset": "nope"}, 422, "unknown dataset 'nope'"),
        ({**XOR, "upload": "abc"}, 422, "give dataset or upload"),
        ({k: v for k, v in XOR.items() if k != "dataset"} | {"upload": "abc"}, 404, "no upload"),
        ({**XOR, "widths": [8] * 9}, 422, "widths (layers): got 9"),
        ({**XOR, "widths": [100000]}, 422, "widths: got 100000"),
        ({**XOR, "steps": 10**9}, 422, "steps: got 1000000000"),
        ({**XOR, "optimizer": "rmsprop"}, 422, "optimizer:"),
        ({**XOR, "extra": 1}, 422, "extra:"),
    ]
    for body, status, text in cases:
        r = client.post("/api/train", json=body)
        assert r.status_code == status, (body, r.text)
        assert text in r.json()["detail"], (text, r.json())
        assert "\n" not in r.json()["detail"]
    assert client.get("/api/train/nope/events").status_code == 404
    assert client.delete("/api/train/nope").status_code == 404


def test_diverging_training_raises_the_alarm(client: Any) -> None:
    body = {
        "dataset": "reg-plane",
        "activations": ["relu"],
        "seeds": 2,
        "steps": 40,
        "eval_every": 5,
        "widths": [32, 32],
        "optimizer": "sgd",
        "lr": 10.0,
    }
    _, evs = run(client, body)
    div = [d for e, d in evs if e == "diverged"]
    assert div, [e for e, _ in evs]
    assert {d["seed"] for d in div} <= {0, 1}
    from actlab.health import DIVERGED

    assert "diverging loss" in div[0]["why"] and DIVERGED.reason in div[0]["why"]
    assert div[0]["fixes"]
    done = evs[-1][1]
    assert done["rows"][0]["diverged"] == len({d["seed"] for d in div})


def test_findings_are_the_reports(client: Any, app: Any) -> None:
    from actlab.lab import Store
    from actlab.lab._findings import layer_findings

    body = {
        "dataset": "xor",
        "activations": ["sigmoid"],
        "seeds": 2,
        "steps": 20,
        "eval_every": 20,
        "widths": [8] * 8,
        "init": "xavier",
    }
    _, evs = run(client, body)
    last = [d for e, d in evs if e == "progress"][-1]
    kinds = [f["kind"] for f in last["findings"]]
    assert "vanishing_gradients" in kinds  # sigmoid, 8 layers, Xavier: χ ≈ 0.05 per layer
    st = Store(app.state.store_path, readonly=True)
    try:
        runs = st.runs(st.find(evs[-1][1]["study"]))
        stats = [st.layer_stats(r.id) for r in runs]
        want = layer_findings(runs[0].config, "binary", stats)
    finally:
        st.close()
    assert [f["text"] for f in last["findings"]] == [f.message for f in want]


def test_did_not_learn_is_said_in_the_done_event(client: Any, app: Any) -> None:
    from actlab._analysis._health import not_learned_finding
    from actlab.lab import Store, Study

    body = {
        "dataset": "spiral",
        "activations": ["tanh"],
        "seeds": 2,
        "steps": 1,
        "eval_every": 1,
        "lr": 1e-6,
    }
    _, evs = run(client, body)
    done = evs[-1][1]
    st = Store(app.state.store_path, readonly=True)
    try:
        study = Study(st, st.find(done["study"]), done["study"])
        data = study.datasets()
        want = [
            not_learned_finding(r.label, r.mean, data[r.data_key].baseline).message
            for r in study.rows()
            if r.learned is False
        ]
    finally:
        st.close()
    assert want, "one step at lr 1e-6 learns nothing on spiral"
    assert [f["text"] for f in done["findings"]] == want
    assert done["findings"][0]["kind"] == "did_not_learn"


def test_one_reader_per_job(client: Any) -> None:
    r = client.post("/api/train", json={**XOR, "steps": 5, "eval_every": 5}).json()
    with client.stream("GET", r["events"]) as s:
        again = client.get(r["events"])
        assert again.status_code == 409 and "already being streamed" in again.json()["detail"]
        list(s.iter_lines())
