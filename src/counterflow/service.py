"""The composition root of the HTTP service: the API (``counterflow.api``) with the
review web page (``counterflow.web``) mounted on it. It sits above both, so neither
imports the other's app.

    from counterflow.service import create_app
    app = create_app()                      # COUNTERFLOW_HOME stores, real screener
    app = create_app(store=..., screener=..., review_db=...)   # injected (tests)
    app = create_app(web=False)             # the API alone

``app_from_env`` is the app as ``counterflow serve`` starts it in each uvicorn worker.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from counterflow.api.app import create_api
from counterflow.api.server import settings_from_env


def create_app(*, web: bool = True, **options: Any) -> FastAPI:
    """The API (``api.app.create_api(**options)``: ``store``, ``screener``, ``review_db``,
    ``settings``, ``screener_factory``, ``records_screener``, ``warm``) and, unless
    ``web=False``, the review pages under ``/ui`` with their HTML error pages and ``/``
    redirecting there."""
    app = create_api(**options)
    if web:
        _mount_web(app)
    return app


def _mount_web(app: FastAPI) -> None:
    from counterflow.web.routes import error_page, mount

    mount(app)
    app.state.error_pages["/ui/"] = error_page

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)


def app_from_env() -> FastAPI:
    """The app configured from the environment (``api.server.settings_from_env``)."""
    return create_app(
        review_db=os.environ.get("COUNTERFLOW_DB") or None, settings=settings_from_env()
    )
