"""The explorer's FastAPI app: ``create_app(store_path=..., limits=...)``. Every handler parses
(pydantic), calls the library and shapes the answer; errors are 4xx with a one-line
``detail``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import queue
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import _data, _explore, _train_api
from ._jobs import Job, JobManager, QueueFull
from ._limits import Limits
from ._schemas import (
    AdviseRequest,
    DefineRequest,
    FunctionsRequest,
    HistogramsRequest,
    LimitError,
    MeanfieldRequest,
    PreviewRequest,
    TrainRequest,
)
from ._uploads import UploadError, Uploads

T = TypeVar("T")

STATIC = Path(__file__).with_name("static")


def _shown(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_detail(exc: RequestValidationError) -> str:
    """pydantic's first error as one line: the field, what is allowed, the value given."""
    errors = exc.errors()
    if not errors:
        return "invalid request"
    e = errors[0]
    loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path"))
    msg = str(e.get("msg", "invalid value"))
    where = loc or "body"
    if e.get("type") == "json_invalid":
        return f"body: not valid JSON ({e.get('ctx', {}).get('error', msg)})"
    if e.get("type") == "missing":
        return f"{where}: required"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {msg[0].lower() + msg[1:]}, got {_shown(e.get('input'))}{more}"


def jsonable(v: Any) -> Any:
    """``v`` with every non-finite float as None (JSON has no NaN or inf)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    return v


class SafeJSON(JSONResponse):
    """JSON where NaN and ±inf are null: the fast path when there are none (the handlers
    convert their arrays already), the walk otherwise."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(
                content, ensure_ascii=False, allow_nan=False, separators=(",", ":")
            ).encode()
        except ValueError:
            return json.dumps(jsonable(content), ensure_ascii=False, separators=(",", ":")).encode()


def _bad(status: int, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": " ".join(str(exc).split()) or type(exc).__name__}, status)


def create_app(store_path: str | Path = "runs/actlab.db", limits: Limits | None = None) -> FastAPI:
    """The explorer's app: the JSON API under /api and the page at / (static files).

    Args:
        store_path: the lab's results store (SQLite) trainings are written to.
        limits: the caps on compute per request (``Limits()`` by default).
    """
    lim = limits or Limits()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=_warm, args=(lim,), name="actlab-web-warm", daemon=True).start()
        try:
            yield
        finally:
            jobs.close()
            uploads.close()

    app = FastAPI(
        lifespan=lifespan,
        title="actlab explorer",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        default_response_class=SafeJSON,
    )
    app.state.limits = lim
    app.state.store_path = Path(store_path)
    uploads = Uploads()
    jobs = JobManager(Path(store_path), lim)
    app.state.uploads, app.state.jobs = uploads, jobs

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_detail(exc)}, 422)

    @app.exception_handler(UploadError)
    async def _upload_error(request: Request, exc: UploadError) -> JSONResponse:
        return _bad(exc.status, exc)

    @app.exception_handler(LimitError)
    async def _limit(request: Request, exc: LimitError) -> JSONResponse:
        return _bad(422, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(exc.detail)}, exc.status_code, headers=exc.headers)

    @app.get("/api/catalog")
    def catalog() -> dict[str, Any]:
        """Activations (by family, with their parameters), inits, optimizers, datasets and
        the server's limits."""
        return _explore.catalog(lim)

    @app.post("/api/functions")
    def functions(body: FunctionsRequest) -> SafeJSON:
        """f, f' and f'' of each activation on a grid, its flat intervals and its kinks."""
        body.within(lim)
        # a Response: FastAPI would otherwise walk its 60 000 numbers once more (its encoder)
        return SafeJSON(
            _call(
                _explore.functions,
                [(a.name, a.params) for a in body.activations],
                body.x_min,
                body.x_max,
                body.points,
                body.second,
                body.digits,
            )
        )

    @app.get("/api/activation/{name}")
    def activation(name: str, params: str = "{}") -> dict[str, Any]:
        """The card: formula, facts (declared and measured), init, peers, accuracy."""
        return _call(_explore.card, name[: lim.text], _params(params, lim))

    @app.post("/api/meanfield")
    def meanfield(body: MeanfieldRequest) -> dict[str, Any]:
        """The deep-stack story for an activation and init: q*, χ, depth scale, the layer
        profile and the order/chaos phase diagram."""
        body.within(lim)
        return _call(
            _explore.meanfield,
            body.activation,
            body.params,
            body.init,
            body.sigma_w2,
            body.sigma_b2,
            body.depth,
            body.phase,
        )

    @app.post("/api/histograms")
    def histograms(body: HistogramsRequest) -> dict[str, Any]:
        """Per-layer histograms of a random network at init."""
        body.within(lim)
        return _call(
            _explore.histograms,
            body.activation,
            body.params,
            body.widths,
            body.init,
            body.seed,
            body.dataset,
        )

    @app.post("/api/datasets/preview")
    def preview(body: PreviewRequest) -> dict[str, Any]:
        """A dataset's points (the first two features) and targets, as the trainer sees them."""
        body.within(lim)
        up = uploads.get(body.upload) if body.upload else None
        return _call(_data.preview, body.dataset, up, body.noise, body.n, body.seed)

    @app.post("/api/upload")
    async def upload(file: UploadFile, target: str | None = Form(None)) -> dict[str, Any]:
        """A CSV file (a header row; numeric features; ``target`` names the column to predict,
        default the last); parsed by the lab's loader, never executed."""
        raw = await file.read(lim.upload_bytes + 1)
        if target is not None and len(target) > lim.text:
            raise StarletteHTTPException(422, f"target: at most {lim.text} characters")
        try:
            up, data = uploads.add(file.filename or "", raw, target, lim.upload_bytes)
        except UploadError as exc:
            raise StarletteHTTPException(exc.status, str(exc)) from None
        return {
            "upload": up.id,
            "name": up.name,
            "task": data.task,
            "n": len(data.X_train) + len(data.X_val) + len(data.X_test),
            "features": data.n_features,
            "target": up.target,
            "message": data.task_note,
        }

    @app.post("/api/train", status_code=202)
    def train(body: TrainRequest) -> dict[str, Any]:
        """Start a training (one study: each activation on the same data and seeds); its
        events stream from ``events``. 429 when the queue is full."""
        body.within(lim)
        try:
            settings, acts, _ = _train_api.settings(body, uploads)
        except UploadError as exc:
            raise StarletteHTTPException(exc.status, str(exc)) from None
        except (ValueError, TypeError) as exc:
            raise _user_error(exc) from None
        try:
            job = jobs.submit(settings, acts)
        except QueueFull as exc:
            raise StarletteHTTPException(429, str(exc)) from None
        return {"job": job.id, "study": job.study, "events": f"/api/train/{job.id}/events"}

    @app.get("/api/train/{job_id}/events")
    async def events(job_id: str, request: Request) -> StreamingResponse:
        """The job's events (text/event-stream); closing the stream cancels the job."""
        job = jobs.jobs.get(job_id)
        if job is None:
            raise StarletteHTTPException(404, f"train: no job {job_id[:40]!r}")
        if job.streaming:
            raise StarletteHTTPException(
                409, f"train: job {job.id} is already being streamed (one reader per job)"
            )
        job.streaming = True
        return StreamingResponse(
            _stream(job, request),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.delete("/api/train/{job_id}")
    def cancel(job_id: str) -> dict[str, Any]:
        """Stop a job (the configuration in training is not stored)."""
        job = jobs.cancel(job_id)
        if job is None:
            raise StarletteHTTPException(404, f"train: no job {job_id[:40]!r}")
        return {"job": job.id, "state": job.state}

    @app.get("/api/report/{study}", response_class=HTMLResponse)
    def report(study: str) -> HTMLResponse:
        """The lab's HTML report of a study in the store."""
        return HTMLResponse(_call(_data.report, app.state.store_path, study[: lim.text]))

    @app.post("/api/advise")
    def advise(body: AdviseRequest) -> dict[str, Any]:
        """The advisor's recommendation with its reasons, init and loss."""
        body.within(lim)
        return _call(
            _explore.advise, body.layer, body.task, body.architecture, body.depth, body.symptoms
        )

    @app.post("/api/code")
    def code(body: TrainRequest) -> dict[str, Any]:
        """The train panel's network as PyTorch, Keras and JAX code, and the equivalent
        ``actlab compare`` command."""
        body.within(lim)
        return _call(_data.code_for, body, uploads)

    @app.post("/api/define")
    def define(body: DefineRequest) -> dict[str, Any]:
        """A user activation from a formula (actlab.define's whitelist parser; never eval)."""
        body.within(lim)
        return _call(_explore.define, body.name, body.formula, body.params)

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="page")
    return app


def _warm(lim: Limits) -> None:
    """Fill the catalog's caches (dataset dimensions) so the page's first load is quick."""
    with contextlib.suppress(Exception):
        _explore.catalog(lim)


def _call(fn: Callable[..., T], *args: Any) -> T:
    """The library call behind a handler: its ValueError/TypeError (a bad name or value from
    the request) is a 422 with its one-line message; a missing study or upload a 404."""
    try:
        return fn(*args)
    except UploadError as exc:
        raise StarletteHTTPException(exc.status, str(exc)) from None
    except LookupError as exc:
        raise StarletteHTTPException(404, str(exc).strip("'\"")) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise _user_error(exc) from None


def _params(text: str, lim: Limits) -> dict[str, Any]:
    """The card's ``params`` query: a JSON object of parameter values."""
    if len(text) > lim.text:
        raise StarletteHTTPException(422, f"params: at most {lim.text} characters")
    try:
        value = json.loads(text)
    except ValueError:
        raise StarletteHTTPException(
            422, f"params: not a JSON object, got {_shown(text)}"
        ) from None
    if not isinstance(value, dict) or not all(
        isinstance(v, int | float | str | bool | type(None)) for v in value.values()
    ):
        raise StarletteHTTPException(
            422, f"params: a JSON object of numbers, strings or booleans, got {_shown(text)}"
        )
    return value


async def _stream(job: Job, request: Request) -> AsyncIterator[str]:
    """The job's events as SSE; the client going away (or the server stopping) cancels it."""
    ended = ("done", "error", "cancelled")
    try:
        while True:
            try:
                event, data = job.events.get_nowait()
            except queue.Empty:
                if await request.is_disconnected():
                    return
                await asyncio.sleep(0.02)
                continue
            yield f"event: {event}\ndata: {json.dumps(jsonable(data), allow_nan=False)}\n\n"
            if event in ended:
                return
    finally:
        if job.state in ("queued", "running"):
            job.cancel.set()


def _user_error(exc: Exception) -> StarletteHTTPException:
    return StarletteHTTPException(422, " ".join(str(exc).split()))


__all__ = ["create_app"]
