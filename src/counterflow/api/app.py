"""The HTTP API's app factory: yente-compatible ``/match``, screening, alerts, audit and
keys over one review store and list store. ``counterflow.service.create_app`` adds the
review web page (``/ui``) on top; this module does not know the web layer.

    from counterflow.api.app import create_api
    app = create_api()                      # COUNTERFLOW_HOME stores, real screener
    app = create_api(store=..., screener=..., review_db=...)   # injected (tests)

Error pages: a layer above may register an HTML page for a path prefix in
``app.state.error_pages`` (``{"/ui/": page}``); other errors are answered as JSON.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from counterflow import __version__
from counterflow.api import (
    docs,
    metrics,
    routes_admin,
    routes_alerts,
    routes_certificates,
    routes_match,
    routes_screen,
    routes_sites,
    routes_yente,
)
from counterflow.api.limits import BodyLimit
from counterflow.api.services import Services, ServiceUnavailable
from counterflow.api.settings import ApiSettings
from counterflow.errors import BadInputError, CounterflowError
from counterflow.match.types import Screener
from counterflow.records.model import Party
from counterflow.review.store import ConflictError, NotFoundError, ReviewStore

DESCRIPTION = """Counterflow screens parties, goods, orders and ships against sanctions and
export-control lists and keeps the record: runs, alerts, decisions and a hash-chained
audit trail.

Every route except `/healthz` needs `Authorization: ApiKey <key>`; roles are
screener < analyst < admin. `POST /match/{dataset}` takes and returns yente's shapes."""


ErrorPage = Callable[[Request, int, str], Response]


def create_api(
    *,
    store: Any = None,
    screener: Screener | None = None,
    review_db: ReviewStore | str | Path | None = None,
    settings: ApiSettings | None = None,
    screener_factory: Callable[[Any], Screener] | None = None,
    records_screener: Callable[[Sequence[Party]], Screener] | None = None,
    warm: bool = True,
) -> FastAPI:
    """Build the API app. ``store``: a ``ListStore`` (default: opened from COUNTERFLOW_HOME);
    ``screener``: a fixed Screener (default: ``counterflow.match.open_screener(store)``,
    reopened when the lists change); ``review_db``: a ReviewStore, a SQLite path or a
    ``postgresql://`` DSN (default: ``$COUNTERFLOW_DB`` or ``review.sqlite``)."""
    settings = settings or ApiSettings()
    review = review_db if isinstance(review_db, ReviewStore) else ReviewStore.open(review_db)
    if store is None and screener is None:
        from counterflow.store import ListStore

        store = ListStore.open()
    services = Services(
        review,
        list_store=store,
        screener=screener,
        screener_factory=screener_factory,
        settings=settings,
    )
    services.records_screener = records_screener

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Open the matcher before serving, so no request pays for loading the index.
        if warm and services.list_store is not None:
            with contextlib.suppress(ServiceUnavailable):
                await run_in_threadpool(services.screener)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Counterflow",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # served by api.docs from packaged assets (works offline)
        redoc_url=None,
    )
    app.state.services = services
    app.state.error_pages = {}
    app.include_router(routes_admin.router)
    app.include_router(routes_match.router)
    app.include_router(routes_yente.router)
    app.include_router(routes_screen.router)
    app.include_router(routes_alerts.router)
    app.include_router(routes_sites.router)
    app.include_router(routes_certificates.router)
    app.include_router(metrics.router)
    docs.mount(app)
    _handlers(app)
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(metrics.Metrics)
    return app


def _handlers(app: FastAPI) -> None:
    def error(status: int) -> Callable[[Request, Exception], Any]:
        async def handler(request: Request, exc: Exception) -> Response:
            detail = exc.describe() if isinstance(exc, BadInputError) else str(exc)
            pages: dict[str, ErrorPage] = request.app.state.error_pages
            for prefix, page in pages.items():
                if request.url.path.startswith(prefix):
                    return page(request, status, detail)
            return JSONResponse({"detail": detail}, status_code=status)

        return handler

    app.add_exception_handler(BadInputError, error(400))
    app.add_exception_handler(NotFoundError, error(404))
    app.add_exception_handler(ConflictError, error(409))
    app.add_exception_handler(ServiceUnavailable, error(503))
    app.add_exception_handler(CounterflowError, error(400))
    # Input too large or too deep for Python (a 30-digit id, JSON nested 10,000 deep):
    # the client's fault, said as such, never a 500 with a traceback.
    app.add_exception_handler(OverflowError, error(400))
    app.add_exception_handler(RecursionError, error(400))
