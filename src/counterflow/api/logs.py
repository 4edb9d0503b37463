"""Logging of the service: one JSON object per line on stderr (python-json-logger) or
plain text, for uvicorn's own loggers and Counterflow's (``counterflow.access`` carries
one line per request when access logging is on)."""

from __future__ import annotations

from typing import Any

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"
TEXT_FIELDS = "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"


def log_config(fmt: str = "json", level: str = "info", access: bool = False) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict (uvicorn's ``log_config``). ``fmt``: json | text;
    ``access``: log every request (method, route, status, duration) at INFO."""
    if fmt not in ("json", "text"):
        raise ValueError(f"log format must be json or text, not {fmt!r}")
    lvl = level.upper()
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
        if fmt == "json"
        else {"format": TEXT_FIELDS}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": lvl, "propagate": False},
            "uvicorn.error": {"level": lvl},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "counterflow": {"handlers": ["stderr"], "level": lvl, "propagate": False},
            "counterflow.access": {"level": "INFO" if access else "WARNING"},
        },
    }
