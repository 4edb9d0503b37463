"""API keys: random tokens shown once, stored only as sha256; roles screener < analyst < admin."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from counterflow.errors import BadInputError
from counterflow.review import audit
from counterflow.review.store import NotFoundError, ReviewStore

ROLES: tuple[str, ...] = ("screener", "analyst", "admin")
ROLE_RANK = {r: i for i, r in enumerate(ROLES)}
KEY_PREFIX = "cf_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def role_at_least(role: str, needed: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[needed]


@dataclass(slots=True, frozen=True)
class KeyInfo:
    id: int
    role: str
    label: str
    prefix: str

    @property
    def actor(self) -> str:
        return f"key:{self.id}:{self.label}" if self.label else f"key:{self.id}"


def create_key(
    review: ReviewStore, role: str, *, label: str = "", actor: str
) -> tuple[str, KeyInfo]:
    """Make a new key; the plain key is returned once and never stored."""
    if role not in ROLES:
        raise BadInputError(f"role must be one of {', '.join(ROLES)}", field="role")
    label = label.strip()[:100]
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    prefix = key[:10]
    with review.backend.write() as tx:
        row = tx.one(
            "INSERT INTO api_keys (key_hash, prefix, role, label, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (hash_key(key), prefix, role, label, audit.now_iso(), actor),
        )
        assert row is not None
        key_id = int(row["id"])
        audit.append(
            tx,
            actor,
            "key.create",
            f"key:{key_id}",
            {"role": role, "label": label, "prefix": prefix},
        )
    return key, KeyInfo(key_id, role, label, prefix)


def lookup_key(review: ReviewStore, key: str) -> KeyInfo | None:
    """The active key with this plain value, or None."""
    if not key or len(key) > 200:
        return None
    with review.backend.read() as tx:
        row = tx.one(
            "SELECT id, role, label, prefix FROM api_keys"
            " WHERE key_hash = ? AND revoked_at IS NULL",
            (hash_key(key),),
        )
    if row is None:
        return None
    return KeyInfo(int(row["id"]), row["role"], row["label"], row["prefix"])


def list_keys(review: ReviewStore) -> list[dict[str, Any]]:
    with review.backend.read() as tx:
        return tx.all(
            "SELECT id, prefix, role, label, created_at, created_by, revoked_at FROM api_keys"
            " ORDER BY id"
        )


def revoke_key(review: ReviewStore, key_id: int, *, actor: str) -> None:
    with review.backend.write() as tx:
        row = tx.one("SELECT revoked_at FROM api_keys WHERE id = ?", (int(key_id),))
        if row is None:
            raise NotFoundError(f"key {key_id} not found")
        if row["revoked_at"] is not None:
            return
        tx.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ?", (audit.now_iso(), int(key_id))
        )
        audit.append(tx, actor, "key.revoke", f"key:{key_id}", {})
