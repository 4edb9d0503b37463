"""The service's settings from the environment, read by ``counterflow.service.app_from_env``
(the app as uvicorn starts it, ``factory=True``, so every worker process builds the same
app): ``COUNTERFLOW_HOME``, ``COUNTERFLOW_DB``,
``COUNTERFLOW_RATE_LIMIT`` (requests/s per key, 0 = off), ``COUNTERFLOW_RATE_BURST``,
``COUNTERFLOW_MAX_BODY``, ``COUNTERFLOW_MAX_UPLOAD`` (bytes), ``COUNTERFLOW_SECURE_COOKIES``,
``COUNTERFLOW_METRICS_KEY`` (1: ``/metrics`` asks for a key). docs/deploy.md lists them all."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

from counterflow.api.settings import ApiSettings
from counterflow.store.staleness import max_age_days


def settings_from_env() -> ApiSettings:
    s = ApiSettings()
    env = os.environ
    if env.get("COUNTERFLOW_RATE_LIMIT"):
        s.rate_per_s = float(env["COUNTERFLOW_RATE_LIMIT"])
    if env.get("COUNTERFLOW_RATE_BURST"):
        s.burst = int(env["COUNTERFLOW_RATE_BURST"])
    if env.get("COUNTERFLOW_MAX_BODY"):
        s.max_body_bytes = int(env["COUNTERFLOW_MAX_BODY"])
    if env.get("COUNTERFLOW_MAX_UPLOAD"):
        s.max_upload_bytes = int(env["COUNTERFLOW_MAX_UPLOAD"])
    s.secure_cookies = env.get("COUNTERFLOW_SECURE_COOKIES", "") in ("1", "true", "yes")
    s.metrics_need_key = env.get("COUNTERFLOW_METRICS_KEY", "") in ("1", "true", "yes")
    s.max_list_age_days = max_age_days()  # $COUNTERFLOW_MAX_LIST_AGE_DAYS, else 30
    return s


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with TCP_NODELAY on every connection. With several workers
    uvicorn's accepted sockets come without it, and a keep-alive client then waits for
    the delayed ACK (about 40 ms) on every response; this removes that wait."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
