"""Digests that key the review record: canonical JSON, customer data, listed record, input.

The allow-list remembers a false positive by (customer id + customer digest, listed
entity id + record digest): when either side's content changes, its digest changes and
the pair comes back for review.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from counterflow.match.types import Query
from counterflow.records.model import Party


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def customer_digest(query: Query) -> str:
    """Hash of what describes the customer (not its id, not pass-through columns)."""
    body = {
        "name": " ".join(query.name.split()),
        "kind": query.kind,
        "countries": sorted(c.lower() for c in query.countries),
        "birth_dates": sorted(query.birth_dates),
        "identifiers": sorted(query.identifiers),
        "address": " ".join((query.address or "").split()),
    }
    return sha256_text(canonical_json(body))[:32]


def record_digest(party: Party) -> str:
    """The store's own content hash of a listed record (changes with any field)."""
    return party.digest()


def query_to_dict(query: Query) -> dict[str, Any]:
    return asdict(query)


def query_from_dict(d: dict[str, Any]) -> Query:
    return Query(
        id=str(d["id"]),
        name=str(d["name"]),
        kind=d.get("kind", "any"),
        countries=list(d.get("countries", [])),
        birth_dates=list(d.get("birth_dates", [])),
        identifiers=list(d.get("identifiers", [])),
        address=d.get("address"),
        extra=dict(d.get("extra", {})),
    )


def input_digest(queries: list[Query], raw: bytes | None = None) -> str:
    """sha256 of the raw upload when there is one, else of the canonical queries."""
    if raw is not None:
        return hashlib.sha256(raw).hexdigest()
    return sha256_text(canonical_json([query_to_dict(q) for q in queries]))
