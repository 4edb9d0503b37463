"""Browser sessions: log in with an API key, get an HMAC-signed cookie naming the key id,
an expiry and a random session id (the key itself is never stored in the browser).
Logging out records the session id as ended on the server, so a copied cookie stops
working at once. Forms carry a CSRF token derived from the session; the login form, which
comes before any session, carries one derived from a short-lived login cookie. Cookies
are HttpOnly and SameSite=Strict."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

COOKIE = "cf_session"
LOGIN_COOKIE = "cf_login"  # pre-session nonce the login form's CSRF token is bound to


def _sig(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def make_session(secret: bytes, key_id: int, hours: float) -> str:
    body = f"v2.{int(key_id)}.{int(time.time() + hours * 3600)}.{secrets.token_hex(16)}"
    return f"{body}.{_sig(secret, body)}"


def _parts(secret: bytes, value: str | None) -> tuple[int, int, str] | None:
    """(key id, expiry, session id) of a validly signed, unexpired cookie."""
    if not value or len(value) > 200:
        return None
    parts = value.split(".")
    if len(parts) != 5 or parts[0] != "v2":
        return None
    body = ".".join(parts[:4])
    if not hmac.compare_digest(_sig(secret, body), parts[4]):
        return None
    try:
        key_id, expiry = int(parts[1]), int(parts[2])
    except ValueError:
        return None
    if expiry < time.time():
        return None
    return key_id, expiry, parts[3]


def read_session(secret: bytes, value: str | None) -> int | None:
    """The key id of a valid, unexpired session cookie, else None (the caller checks
    that the session was not ended: :func:`session_id`)."""
    got = _parts(secret, value)
    return got[0] if got else None


def session_id(secret: bytes, value: str | None) -> tuple[str, int] | None:
    """(session id, expiry) of a valid cookie: what logout records as ended."""
    got = _parts(secret, value)
    return (got[2], got[1]) if got else None


def csrf_token(secret: bytes, session: str) -> str:
    return _sig(secret, "csrf|" + session)[:40]


def check_csrf(secret: bytes, session: str | None, token: str | None) -> bool:
    if not session or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, session), token)


def new_login_nonce() -> str:
    return secrets.token_hex(16)


def login_token(secret: bytes, nonce: str) -> str:
    return _sig(secret, "login|" + nonce)[:40]


def check_login_token(secret: bytes, nonce: str | None, token: str | None) -> bool:
    if not nonce or not token or len(nonce) > 64:
        return False
    return hmac.compare_digest(login_token(secret, nonce), token)
