"""Fast serialisation of ``Party`` records for the store.

``Party.to_json`` goes through ``dataclasses.asdict`` (a deep copy), which dominates load
time on large lists. ``party_json`` builds exactly the same JSON text (same keys, same
order, same empties dropped) without the copy; the digest is the same as
``Party.digest()``. A Party subclass that overrides ``to_json`` is serialised by it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from typing import Any

from counterflow.records.model import Party

_EMPTY: tuple[Any, ...] = (None, [], {}, "")
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _plain(v: Any) -> Any:
    t = type(v)
    if t is str or t is int or t is float or t is bool or v is None:
        return v
    if t is list or t is tuple:
        return [_plain(x) for x in v]
    if t is dict:
        return {k: _plain(x) for k, x in v.items()}
    if is_dataclass(v) and not isinstance(v, type):
        return {n: _plain(getattr(v, n)) for n in _field_names(type(v))}
    return v


def party_dict(p: Party) -> dict[str, Any]:
    """Same as ``p.to_dict()``, faster."""
    out: dict[str, Any] = {}
    for n in _field_names(type(p)):
        v = getattr(p, n)
        if v is None or (not isinstance(v, int | float) and v in _EMPTY):
            continue
        out[n] = _plain(v)
    return out


def party_json(p: Party) -> str:
    """Same text as ``p.to_json()``, faster."""
    if type(p).to_json is not Party.to_json:
        return p.to_json()
    return _dumps(party_dict(p))


def json_digest(text: str) -> str:
    """The content digest of a record's JSON, as ``Party.digest()`` computes it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
