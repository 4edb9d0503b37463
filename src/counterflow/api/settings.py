"""Settings of the HTTP service: size limits, rate limits, screening defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ApiSettings:
    max_body_bytes: int = 1 << 20  # JSON requests: 1 MiB
    max_upload_bytes: int = 20 << 20  # CSV / JSON uploads to /screen and /ui/screen: 20 MiB
    rate_per_s: float = 100.0  # token bucket per API key (per worker process); 0 = off
    burst: int = 200
    key_cache_s: float = 5.0  # a revoked key stops working within this many seconds
    session_hours: float = 8.0  # browser session lifetime
    threshold: float = 0.5
    limit: int = 10
    max_rows: int = 50_000  # parties / order lines per upload
    secure_cookies: bool = False  # set behind HTTPS
    metrics_need_key: bool = False  # GET /metrics asks for a screener key
    # /match budget per request: names looked up x results asked for, and wall time
    match_max_work: int = 10_000
    match_budget_s: float = 10.0
    # a list in force older than this many days makes /readyz 503 "stale" (0 = off;
    # None = $COUNTERFLOW_MAX_LIST_AGE_DAYS, else 30)
    max_list_age_days: float | None = None
