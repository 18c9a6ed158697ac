"""CSV uploads (parsed by the lab's loader, errors naming the column and value), "copy as
code" (the catalog's peer names; a CLI command the real ``actlab compare`` accepts) and
``actlab serve``."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi")

GOOD = "a,b,label\n" + "".join(
    f"{x:.3f},{y:.3f},{int(x * y > 0)}\n"
    for x, y in np.random.default_rng(0).uniform(-1, 1, (60, 2))
)


def _upload(client: Any, text: str | bytes, name: str = "data.csv", **form: str) -> Any:
    raw = text.encode() if isinstance(text, str) else text
    return client.post("/api/upload", files={"file": (name, raw, "text/csv")}, data=form)


def test_upload_is_the_labs_loader(client: Any, tmp_path: Path) -> None:
    from actlab.lab import load

    r = _upload(client, GOOD, "quadrants.csv", target="label")
    assert r.status_code == 200, r.text
    j = r.json()
    p = tmp_path / "quadrants.csv"
    p.write_text(GOOD)
    d = load(path=p, target="label")
    assert (j["task"], j["features"], j["target"], j["name"]) == ("binary", 2, "label", "quadrants")
    assert j["n"] == 60 and j["message"] == d.task_note
    # the default target is the last column
    assert _upload(client, GOOD).json()["target"] == "label"
    prev = client.post("/api/datasets/preview", json={"upload": j["upload"]}).json()
    assert prev["task"] == "binary" and prev["n"] == 60
    X = np.concatenate([d.X_train, d.X_val, d.X_test]) * d.std + d.mean
    np.testing.assert_allclose(np.sort(np.array(prev["X"])[:, 0]), np.sort(X[:, 0]))


@pytest.mark.parametrize(
    ("text", "name", "form", "status", "says"),
    [
        (
            GOOD,
            "data.csv",
            {"target": "lable"},
            422,
            "data.csv has no column 'lable'; did you mean 'label'? (columns: a, b, label)",
        ),
        (
            "a,b,label\n1,x,0\n2,3,1\n",
            "data.csv",
            {},
            422,
            "line 2, column 'b': non-numeric feature 'x'",
        ),
        ("a,b,label\n1,2\n", "data.csv", {}, 422, "line 2 has 2 fields, the header 3"),
        ("a,b,label\n", "data.csv", {}, 422, "has no data rows"),
        ("", "data.csv", {}, 400, "is empty"),
        (b"\xff\xfe\x00\x01garbage", "data.csv", {}, 400, "not UTF-8"),
        (GOOD, "model.py", {}, 400, "'model.py' is not a .csv file"),
        ("a,label\n" + "1,1\n" * 20, "one.csv", {}, 422, "single class"),
        ("a,label\n" + "nan,1\n1,0\n" * 10, "nan.csv", {}, 422, "NaN or inf"),
    ],
)
def test_bad_uploads_say_what_is_wrong(
    client: Any, text: Any, name: str, form: dict[str, str], status: int, says: str
) -> None:
    r = _upload(client, text, name, **form)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert detail.startswith("upload: ") and says in detail and "\n" not in detail


def test_upload_size_cap(make_app: Any) -> None:
    from starlette.testclient import TestClient

    with TestClient(make_app(upload_bytes=100)) as c:
        r = _upload(c, GOOD)
        assert r.status_code == 413
        assert "at most 100 (the server's limit)" in r.json()["detail"]


def test_uploads_are_removed_at_shutdown(make_app: Any) -> None:
    from starlette.testclient import TestClient

    app = make_app()
    with TestClient(app) as c:
        j = _upload(c, GOOD).json()
        root = app.state.uploads.root
        assert (root / j["upload"] / "data.csv").read_text() == GOOD
    assert not root.exists()


def test_training_on_an_upload(client: Any) -> None:
    from .test_api_train import run

    up = _upload(client, GOOD, "quadrants.csv").json()["upload"]
    body = {"upload": up, "activations": ["relu"], "seeds": 2, "steps": 20, "eval_every": 10}
    _, evs = run(client, body)
    done = evs[-1][1]
    assert evs[-1][0] == "done" and done["rows"][0]["dataset"].startswith("quadrants")


# ---------------------------------------------------------------------- code


def test_code_uses_the_catalogs_peer_names(client: Any) -> None:
    import actlab

    body = {
        "dataset": "digits",
        "activations": ["elu:alpha=0.5", "gelu", "snake"],
        "widths": [32, 16],
        "optimizer": "momentum",
        "lr": 0.05,
    }
    j = client.post("/api/code", json=body).json()
    elu = actlab.resolve("elu").peers
    assert f"{elu.torch.module}(alpha=0.5)" in j["pytorch"]
    assert "nn.Linear(64, 32)" in j["pytorch"] and "nn.Linear(16, 10)" in j["pytorch"]
    assert "nn.CrossEntropyLoss()" in j["pytorch"]
    assert "torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)" in j["pytorch"]
    assert f"lambda x: {elu.keras.name}(x, alpha=0.5)" in j["keras"]
    assert f"functools.partial({elu.jax.name}, alpha=0.5)" in j["jax"]
    assert actlab.resolve("gelu").peers.torch.module + "()" in j["pytorch"]
    # snake has no torch/keras/jax peer: actlab's own module, and the gap said in words
    assert actlab.resolve("snake").peers.torch is None
    assert "actlab.torch.module('snake', a=1.0)" in j["pytorch"]
    assert "Keras has no snake" in j["keras"] and "JAX has no snake" in j["jax"]


def test_cli_command_is_one_actlab_compare_accepts(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    typer_testing = pytest.importorskip("typer.testing")
    import actlab.lab
    from actlab._cli import app as cli
    from actlab.web import _train_api
    from actlab.web._schemas import TrainRequest

    body = {
        "dataset": "moons",
        "noise": 0.2,
        "activations": ["relu", "elu:alpha=0.5", "relu/tanh"],
        "widths": [16, 8],
        "optimizer": "sgd",
        "lr": 0.1,
        "seeds": 3,
        "steps": 150,
        "eval_every": 10,
        "init": "he",
        "name": "mine",
    }
    line = client.post("/api/code", json=body).json()["cli"]
    assert line.startswith("actlab compare --name mine ")
    seen: dict[str, Any] = {}

    def fake_compare(*args: Any, **kwargs: Any) -> Any:
        seen["args"], seen["kwargs"] = args, kwargs
        raise ValueError("stop here")  # the CLI prints it and exits 1: parsing is what counts

    monkeypatch.setattr(actlab.lab, "compare", fake_compare)
    res = typer_testing.CliRunner().invoke(cli, shlex.split(line)[1:])
    assert "stop here" in res.output, res.output
    # what the CLI would run is what the explorer runs: the same compare() arguments
    settings, acts, _ = _train_api.settings(TrainRequest(**body), None)
    datasets, activations, seeds = seen["args"]
    assert datasets == ["moons"] and activations == acts and seeds == 3
    kw = seen["kwargs"]
    for k in ("optimizer", "lr", "steps", "eval_every", "init", "noise", "momentum"):
        assert kw[k] == settings[k], k
    assert list(kw["width"]) == settings["width"] and kw["name"] == "mine"


# ---------------------------------------------------------------------- actlab serve


def test_serve_binds_loopback_and_prints_the_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    typer_testing = pytest.importorskip("typer.testing")
    import uvicorn

    from actlab._cli import app as cli

    ran: dict[str, Any] = {}
    monkeypatch.setattr(
        uvicorn.Server,
        "run",
        lambda self, sockets=None: ran.update(host=self.config.host, sockets=sockets),
    )
    res = typer_testing.CliRunner().invoke(
        cli, ["serve", "--port", "0", "--store", str(tmp_path / "s.db")]
    )
    assert res.exit_code == 0, res.output
    port = ran["sockets"][0].getsockname()[1]
    ran["sockets"][0].close()
    assert ran["host"] == "127.0.0.1"
    assert f"actlab explorer: http://127.0.0.1:{port}" in res.output
    assert "warning" not in res.output
    res = typer_testing.CliRunner().invoke(
        cli, ["serve", "--host", "0.0.0.0", "--port", "0", "--store", str(tmp_path / "s.db")]
    )
    ran["sockets"][0].close()
    assert res.exit_code == 0 and "warning: --host 0.0.0.0 makes the explorer reachable" in (
        res.output
    )


def test_serve_port_in_use_and_missing_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket
    import sys

    typer_testing = pytest.importorskip("typer.testing")
    from actlab._cli import app as cli

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = typer_testing.CliRunner().invoke(
            cli, ["serve", "--port", str(port), "--store", str(tmp_path / "s.db")]
        )
    assert res.exit_code == 1 and "cannot listen there (in use)" in res.output
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    res = typer_testing.CliRunner().invoke(cli, ["serve", "--store", str(tmp_path / "s.db")])
    assert res.exit_code == 1 and "pip install 'actlab[web]'" in res.output


def test_loopback_hosts() -> None:
    from actlab._cli_serve import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.2", "::", "example.org"]))


def test_uploads_are_bounded(client: Any, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from actlab.web import _uploads

    monkeypatch.setattr(_uploads, "KEPT", 2)
    ids = [_upload(client, GOOD).json()["upload"] for _ in range(3)]
    root = app.state.uploads.root
    assert not (root / ids[0]).exists() and (root / ids[2]).exists()
    r = client.post("/api/datasets/preview", json={"upload": ids[0]})
    assert r.status_code == 404 and "upload the file again" in r.json()["detail"]


def test_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import actlab.web

    monkeypatch.setitem(sys.modules, "fastapi", None)
    monkeypatch.delitem(sys.modules, "actlab.web._app", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'actlab\[web\]'"):
        actlab.web.create_app()
