"""``counterflow serve``: the HTTP API and review web page under uvicorn."""

from __future__ import annotations

import os
from collections.abc import Callable

import typer

from counterflow.cli.common import err_console


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    @root.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
        db: str = typer.Option(
            "",
            "--db",
            help="Review store: a SQLite path or postgresql://user@host/db "
            "(default: $COUNTERFLOW_DB or COUNTERFLOW_HOME/review.sqlite).",
        ),
        workers: int = typer.Option(1, min=1, max=64, help="Worker processes."),
        rate_limit: float = typer.Option(
            100.0, help="Requests per second per API key and worker (0 = no limit)."
        ),
        burst: int = typer.Option(200, help="Requests a key may burst above the rate."),
        log_level: str = typer.Option("warning", help="uvicorn log level."),
        max_list_age: float | None = typer.Option(
            None,
            "--max-list-age",
            min=0,
            help="Days a list in force may be old before /readyz says stale "
            "(default $COUNTERFLOW_MAX_LIST_AGE_DAYS or 30; 0 = off).",
        ),
    ) -> None:
        """Serve the HTTP API (OpenAPI at /docs) and the review web page (/ui)."""
        import uvicorn

        from counterflow.review.store import ReviewStore

        if db:
            os.environ["COUNTERFLOW_DB"] = db
        os.environ["COUNTERFLOW_RATE_LIMIT"] = str(rate_limit)
        os.environ["COUNTERFLOW_RATE_BURST"] = str(burst)
        if max_list_age is not None:
            os.environ["COUNTERFLOW_MAX_LIST_AGE_DAYS"] = str(max_list_age)
        # Create the schema once before the workers start.
        ReviewStore.open(db or None).close()
        err_console.print(f"serving on http://{host}:{port} (web page /ui, API docs /docs)")
        uvicorn.run(
            "counterflow.api.server:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            http="counterflow.api.server:NoDelayH11Protocol",
        )
