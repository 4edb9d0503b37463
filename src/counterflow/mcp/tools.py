"""What the MCP tools do, as plain functions over ``api.services.Services`` (so they are
the same screening, key store and list store as the HTTP API). Every call checks the
caller's API key again (a revoked key stops within the key cache's seconds), its role
and its rate bucket. Nothing here writes a run, an alert or a decision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from counterflow.api.metrics import count_screenings
from counterflow.api.parties_input import parse_json
from counterflow.api.services import Services
from counterflow.errors import BadInputError, CounterflowError
from counterflow.match.csvio import hit_fields
from counterflow.match.types import Query
from counterflow.records.model import Party
from counterflow.review.compare import compare
from counterflow.review.digests import query_to_dict
from counterflow.review.keys import KeyInfo, role_at_least

EVENT_LIMIT = 500


class AccessDenied(CounterflowError):
    """The key is unknown or revoked, its role is too low, or its rate is used up."""


class Tools:
    def __init__(self, services: Services, api_key: str) -> None:
        self.services = services
        self._key = api_key.strip()
        self.event_files: list[Path] = []

    # ----- access -----------------------------------------------------------------------

    def caller(self, role: str = "screener") -> KeyInfo:
        info = self.services.key(self._key) if self._key else None
        if info is None:
            raise AccessDenied("missing, unknown or revoked API key (COUNTERFLOW_API_KEY)")
        if not role_at_least(info.role, role):
            raise AccessDenied(f"this needs the {role} role (your key is {info.role})")
        if self.services.buckets.take(info.id) > 0:
            raise AccessDenied("rate limit exceeded; wait a moment")
        return info

    # ----- tools ------------------------------------------------------------------------

    def screen_party(
        self,
        name: str,
        kind: str = "any",
        birth_date: str = "",
        countries: Sequence[str] = (),
        identifiers: Sequence[str] = (),
        address: str = "",
        threshold: float = 0.5,
        limit: int = 10,
    ) -> dict[str, Any]:
        self.caller("screener")
        query = self._query(name, kind, birth_date, countries, identifiers, address)
        _check_range(threshold, limit)
        with self.services.lock:
            hits = self.services.screener().screen(query, threshold=threshold, limit=limit)
        count_screenings("mcp")
        return {
            "query": query_to_dict(query),
            "threshold": threshold,
            "hits": [hit_fields(h, rank) for rank, h in enumerate(hits, start=1)],
            "lists": self._versions(),
        }

    def explain_hit(
        self,
        name: str,
        entity_id: str,
        kind: str = "any",
        birth_date: str = "",
        countries: Sequence[str] = (),
        identifiers: Sequence[str] = (),
        address: str = "",
    ) -> dict[str, Any]:
        self.caller("screener")
        query = self._query(name, kind, birth_date, countries, identifiers, address)
        dataset, sep, source_id = entity_id.partition(":")
        if not sep or not dataset or not source_id:
            raise BadInputError("entity_id is dataset:source_id, e.g. us_ofac_sdn:36", field="id")
        with self.services.lock:
            store = self.services.list_store
            records: list[Party] = store.get(source_id, dataset) if store is not None else []
            if not records:
                raise BadInputError(f"no listed record {entity_id} is loaded", field="entity_id")
            hits = self.services.screener().screen(query, threshold=0.0, limit=200)
        count_screenings("mcp")
        hit = next((h for h in hits if h.entity_id == entity_id), None)
        record = records[0].to_dict()
        rows = compare(query_to_dict(query), record)
        out: dict[str, Any] = {
            "query": query_to_dict(query),
            "entity_id": entity_id,
            "record": record,
            "comparison": [
                {"field": r.label, "query": r.query, "record": r.record, "verdict": r.verdict}
                for r in rows
            ],
        }
        if hit is None:
            out["hit"] = None
            out["explanation"] = (
                f"{entity_id} is not among the 200 best candidates for this name: "
                "the names are too far apart to score"
            )
        else:
            out["hit"] = hit_fields(hit, hits.index(hit) + 1) | {"features": hit.features}
            out["explanation"] = hit.explanation
        return out

    def list_status(self, dataset: str = "") -> dict[str, Any]:
        self.caller("screener")
        now = datetime.now(UTC)
        lists = []
        for info in self.services.lists_status():
            if dataset and info.dataset != dataset:
                continue
            d = info.to_dict()
            loaded = _parse_time(info.loaded_at)
            if loaded is not None:
                d["age_days"] = round((now - loaded).total_seconds() / 86400.0, 2)
            lists.append(d)
        if dataset and not lists:
            raise BadInputError(f"dataset {dataset!r} is not loaded", field="dataset")
        return {"lists": lists}

    def vessel_events(
        self, mmsi: str = "", imo: str = "", name: str = "", limit: int = 100
    ) -> dict[str, Any]:
        self.caller("screener")
        mmsi, imo = _digits(mmsi, "mmsi"), _digits(imo.upper().removeprefix("IMO"), "imo")
        name = " ".join(name.split())
        if not (mmsi or imo or name):
            raise BadInputError("give an mmsi, an imo or a name", field="mmsi")
        if not 1 <= limit <= EVENT_LIMIT:
            raise BadInputError(f"limit must be within 1..{EVENT_LIMIT}", field="limit")
        events, files = self._events(mmsi, imo, name, limit)
        ids = ([f"IMO{imo}"] if imo else []) + ([f"MMSI{mmsi}"] if mmsi else [])
        vessel_name = name or next((e["vessel_name"] for e in events if e["vessel_name"]), "")
        hits: list[dict[str, Any]] = []
        if vessel_name or ids:
            q = Query(id="vessel", name=vessel_name or ids[0], kind="vessel", identifiers=ids)
            with self.services.lock:
                found = self.services.screener().screen(q, threshold=0.5, limit=5)
            count_screenings("mcp")
            hits = [hit_fields(h, rank) for rank, h in enumerate(found, start=1)]
        return {
            "vessel": {"mmsi": mmsi or None, "imo": imo or None, "name": vessel_name or None},
            "events": events,
            "event_files": files,
            "list_hits": hits,
        }

    # ----- helpers ----------------------------------------------------------------------

    def _query(
        self,
        name: str,
        kind: str,
        birth_date: str,
        countries: Sequence[str],
        identifiers: Sequence[str],
        address: str,
    ) -> Query:
        row: dict[str, Any] = {"id": "mcp", "name": name, "kind": kind}
        if birth_date:
            row["birth_date"] = birth_date
        if countries:
            row["country"] = ";".join(countries)
        if identifiers:
            row["identifiers"] = ";".join(identifiers)
        if address:
            row["address"] = address
        return parse_json([row], max_rows=1)[0]

    def _versions(self) -> dict[str, str]:
        return {i.dataset: i.version for i in self.services.lists_status()}

    def _events(
        self, mmsi: str, imo: str, name: str, limit: int
    ) -> tuple[list[dict[str, Any]], list[str]]:
        import polars as pl

        files = [str(p) for p in self.event_files]
        if not files:
            return [], []
        frames = [pl.scan_csv(f, infer_schema=False) for f in files]
        lf = pl.concat(frames, how="diagonal_relaxed")
        cond = pl.lit(False)
        if mmsi:
            cond = cond | (pl.col("mmsi") == mmsi) | (pl.col("other_mmsi") == mmsi)
        if imo:
            cond = cond | (pl.col("imo") == imo)
        if name:
            cond = cond | (pl.col("vessel_name").str.to_uppercase() == name.upper())
        try:
            df = lf.filter(cond).sort("start_time").head(limit).collect()
        except (pl.exceptions.ComputeError, pl.exceptions.ColumnNotFoundError, OSError) as exc:
            raise BadInputError(f"cannot read the events files {files}: {exc}") from None
        return [{k: (v or "") for k, v in r.items()} for r in df.iter_rows(named=True)], files


def _check_range(threshold: float, limit: int) -> None:
    if not 0.0 <= threshold <= 1.0:
        raise BadInputError("threshold must be within [0, 1]", field="threshold")
    if not 1 <= limit <= 100:
        raise BadInputError("limit must be within 1..100", field="limit")


def _digits(value: str, field: str) -> str:
    v = value.strip()
    if v and not v.isdigit():
        raise BadInputError(f"{field} must be digits, not {value!r}", field=field)
    return v


def _parse_time(value: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)
