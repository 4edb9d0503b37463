"""Review and record: screening runs, alerts, decisions, allow-list, re-screening, audit.

Sits downstream of matching (``counterflow.match``) and the list store; the HTTP API and
the web page sit on top of it.
"""

from __future__ import annotations

from counterflow.review.store import (
    Alert,
    ConflictError,
    NotFoundError,
    ReviewStore,
)

__all__ = ["Alert", "ConflictError", "NotFoundError", "ReviewStore"]
