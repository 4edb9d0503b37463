"""Browser sessions: log in with an API key, get an HMAC-signed cookie naming the key id
and an expiry (the key itself is never stored in the browser). Forms carry a CSRF token
derived from the session; the cookie is HttpOnly and SameSite=Strict."""

from __future__ import annotations

import hashlib
import hmac
import time

COOKIE = "cf_session"


def _sig(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def make_session(secret: bytes, key_id: int, hours: float) -> str:
    body = f"v1.{int(key_id)}.{int(time.time() + hours * 3600)}"
    return f"{body}.{_sig(secret, body)}"


def read_session(secret: bytes, value: str | None) -> int | None:
    """The key id of a valid, unexpired session cookie, else None."""
    if not value or len(value) > 200:
        return None
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != "v1":
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_sig(secret, body), parts[3]):
        return None
    try:
        key_id, expiry = int(parts[1]), int(parts[2])
    except ValueError:
        return None
    if expiry < time.time():
        return None
    return key_id


def csrf_token(secret: bytes, session: str) -> str:
    return _sig(secret, "csrf|" + session)[:40]


def check_csrf(secret: bytes, session: str | None, token: str | None) -> bool:
    if not session or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, session), token)
