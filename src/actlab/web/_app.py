"""The explorer's FastAPI app: ``create_app(store_path=..., limits=...)``. Every handler parses
(pydantic), calls the library and shapes the answer; errors are 4xx with a one-line
``detail``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import _explore
from ._limits import Limits
from ._schemas import FunctionsRequest, LimitError

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
            return json.dumps(content, ensure_ascii=False, allow_nan=False,
                              separators=(",", ":")).encode()  # fmt: skip
        except ValueError:
            return json.dumps(jsonable(content), ensure_ascii=False,
                              separators=(",", ":")).encode()  # fmt: skip


def _bad(status: int, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": " ".join(str(exc).split()) or type(exc).__name__}, status)


def create_app(store_path: str | Path = "runs/actlab.db", limits: Limits | None = None) -> FastAPI:
    """The explorer's app: the JSON API under /api and the page at / (static files).

    Args:
        store_path: the lab's results store (SQLite) trainings are written to.
        limits: the caps on compute per request (``Limits()`` by default).
    """
    lim = limits or Limits()
    app = FastAPI(
        title="actlab explorer",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        default_response_class=SafeJSON,
    )
    app.state.limits = lim
    app.state.store_path = Path(store_path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_detail(exc)}, 422)

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
    def functions(body: FunctionsRequest) -> dict[str, Any]:
        """f, f' and f'' of each activation on a grid, its flat intervals and its kinks."""
        body.within(lim)
        try:
            return _explore.functions(
                [(a.name, a.params) for a in body.activations],
                body.x_min,
                body.x_max,
                body.points,
                body.second,
            )
        except (ValueError, TypeError) as exc:
            raise _user_error(exc) from None

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="page")
    return app


class UserError(Exception):
    """A library error caused by the request's values (422)."""


def _user_error(exc: Exception) -> StarletteHTTPException:
    return StarletteHTTPException(422, " ".join(str(exc).split()))


__all__ = ["create_app"]
