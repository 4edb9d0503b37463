"""``counterflow serve``: the HTTP API and review web page under uvicorn. Every option
also reads an environment variable (docs/deploy.md), so a container or a systemd unit
configures it by environment alone."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import typer

from counterflow.cli.common import err_console


def metrics_dir() -> Path:
    """The folder prometheus-client's multiprocess mode shares between workers: emptied
    at start so counts from an earlier server do not carry over."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="counterflow-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for f in path.glob("*.db"):
        f.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    @root.command("serve")
    def serve(
        host: str = typer.Option(
            "127.0.0.1", envvar="COUNTERFLOW_HOST", help="Address to listen on."
        ),
        port: int = typer.Option(8000, envvar="COUNTERFLOW_PORT", help="Port to listen on."),
        db: str = typer.Option(
            "",
            "--db",
            envvar="COUNTERFLOW_DB",
            help="Review store: a SQLite path or postgresql://user@host/db "
            "(default: COUNTERFLOW_HOME/review.sqlite).",
        ),
        workers: int = typer.Option(
            1, min=1, max=64, envvar="COUNTERFLOW_WORKERS", help="Worker processes."
        ),
        rate_limit: float = typer.Option(
            100.0,
            envvar="COUNTERFLOW_RATE_LIMIT",
            help="Requests per second per API key and worker (0 = no limit).",
        ),
        burst: int = typer.Option(
            200, envvar="COUNTERFLOW_RATE_BURST", help="Requests a key may burst above the rate."
        ),
        log_level: str = typer.Option(
            "warning", envvar="COUNTERFLOW_LOG_LEVEL", help="Log level (uvicorn and ours)."
        ),
        log_format: str = typer.Option(
            "json",
            envvar="COUNTERFLOW_LOG_FORMAT",
            help="Logs on stderr: json (one object a line) or text.",
        ),
        access_log: bool = typer.Option(
            False,
            "--access-log/--no-access-log",
            envvar="COUNTERFLOW_ACCESS_LOG",
            help="Log every request (method, route, status, duration) as one line.",
        ),
        forwarded_allow_ips: str = typer.Option(
            "127.0.0.1",
            envvar="FORWARDED_ALLOW_IPS",
            help="Proxies trusted for X-Forwarded-For/-Proto (comma-separated, * = any).",
        ),
        max_list_age: float | None = typer.Option(
            None,
            "--max-list-age",
            min=0,
            envvar="COUNTERFLOW_MAX_LIST_AGE_DAYS",
            help="Days a list in force may be old before /readyz says stale (default 30; 0 = off).",
        ),
    ) -> None:
        """Serve the HTTP API (docs at /docs, metrics at /metrics) and the review web page
        (/ui)."""
        import uvicorn

        from counterflow.api.logs import log_config
        from counterflow.review.store import ReviewStore

        if log_format not in ("json", "text"):
            raise typer.BadParameter("json or text", param_hint="--log-format")
        if db:
            os.environ["COUNTERFLOW_DB"] = db
        os.environ["COUNTERFLOW_RATE_LIMIT"] = str(rate_limit)
        os.environ["COUNTERFLOW_RATE_BURST"] = str(burst)
        metrics_dir()
        if max_list_age is not None:
            os.environ["COUNTERFLOW_MAX_LIST_AGE_DAYS"] = str(max_list_age)
        # Create the schema once before the workers start.
        ReviewStore.open(db or None).close()
        message = (
            f"serving on http://{host}:{port} with {workers} worker(s) "
            "(web page /ui, API docs /docs, metrics /metrics)"
        )
        config = log_config(log_format, log_level, access_log)
        if log_format == "json":  # every line on stderr stays one JSON object
            import logging.config  # only here: ~35 ms at every CLI start

            logging.config.dictConfig(config)
            logging.getLogger("counterflow.serve").info(message)
        else:
            err_console.print(message)
        uvicorn.run(
            "counterflow.service:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            log_config=config,
            access_log=False,
            forwarded_allow_ips=forwarded_allow_ips,
            http="counterflow.api.server:NoDelayH11Protocol",
        )
