"""API-key authentication and roles for the HTTP API.

Requests carry ``Authorization: ApiKey <key>``. Roles are ordered screener < analyst <
admin; a route needing ``analyst`` accepts analyst and admin keys. Missing or unknown
keys get 401, too low a role 403, an exhausted rate bucket 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

from counterflow.api.services import Services
from counterflow.review.keys import KeyInfo, role_at_least

api_key_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`ApiKey <key>`; create keys with `counterflow keys create --role ...`",
)


def services_of(request: Request) -> Services:
    s: Services = request.app.state.services
    return s


def parse_header(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "apikey" or not token:
        return None
    return token


def check(services: Services, info: KeyInfo | None, role: str) -> KeyInfo:
    if info is None:
        raise HTTPException(
            401, "missing or unknown API key", headers={"WWW-Authenticate": "ApiKey"}
        )
    if not role_at_least(info.role, role):
        raise HTTPException(403, f"this needs the {role} role (your key is {info.role})")
    wait = services.buckets.take(info.id)
    if wait > 0:
        raise HTTPException(
            429, "rate limit exceeded", headers={"Retry-After": str(max(1, math.ceil(wait)))}
        )
    return info


def require(role: str) -> Callable[..., Awaitable[KeyInfo]]:
    """A dependency that admits keys of ``role`` or above."""

    async def dependency(
        request: Request, authorization: str | None = Depends(api_key_header)
    ) -> KeyInfo:
        services = services_of(request)
        token = parse_header(authorization)
        info = services.key(token) if token else None
        key = check(services, info, role)
        request.state.key = key
        return key

    return dependency
