"""Fixtures of the explorer's tests: ``app`` (a fresh app on a temporary store, small limits
where a test needs them: ``make_app``), ``client`` (Starlette's TestClient on it) and
``live_server`` (uvicorn on 127.0.0.1 on a free port in a thread, yielding its base URL; shut
down and joined at the end of the session, nothing left running).

The page helper's browser fixtures go at the end of this file (below the marker)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")  # TestClient's transport

with warnings.catch_warnings():  # starlette 1.x prefers httpx2 and says so on import
    warnings.filterwarnings("ignore", message=".*httpx.*")
    from starlette.testclient import TestClient

from actlab.web import Limits, create_app


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Any]:
    """A factory: ``make_app(jobs=1, job_seconds=5)`` is an app on a fresh store with those
    Limits fields changed."""

    def make(**limits: Any) -> Any:
        return create_app(store_path=tmp_path / "actlab.db", limits=Limits(**limits))

    return make


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:  # runs the app's startup and shutdown
        yield c


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1 (a free port) in a thread: yields the base URL;
    stopped and joined on exit."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="actlab-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"live_server: uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        if thread.is_alive():  # pragma: no cover - a hung shutdown must not pass silently
            raise RuntimeError("live_server: uvicorn did not stop within 30 s")


@pytest.fixture
def serve_app() -> Callable[[Any], contextlib.AbstractContextManager[str]]:
    """``with serve_app(app) as url:`` — a test's own app on a live uvicorn (its jobs and
    store inspectable)."""
    return serve


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The explorer served by uvicorn on 127.0.0.1 (a free port) in a thread, on its own
    temporary store: yields the base URL ("http://127.0.0.1:PORT")."""
    store = tmp_path_factory.mktemp("live") / "actlab.db"
    with serve(create_app(store_path=store)) as url:
        yield url


# ---------------------------------------------------------------------- page helper's fixtures
# (the browser: added by the page helper below this line)
