"""actlab.web (extra ``web``): the explorer behind ``actlab serve`` — the catalog, analysis,
advisor and lab behind a JSON API, and one offline page.

    from actlab.web import create_app
    app = create_app(store_path="runs/actlab.db")   # uvicorn.run(app, host="127.0.0.1")
"""

from __future__ import annotations

from typing import Any

from ._limits import Limits

INSTALL = "pip install 'actlab[web]'"


def create_app(*args: Any, **kwargs: Any) -> Any:
    """The explorer's FastAPI app (see ``actlab.web._app.create_app``); needs the ``web``
    extra."""
    try:
        from ._app import create_app as _create

        return _create(*args, **kwargs)
    except ImportError as exc:  # fastapi, pydantic or the lab's torch missing
        raise ImportError(f"the explorer needs its extra: {INSTALL} ({exc})") from None


__all__ = ["INSTALL", "Limits", "create_app"]
