"""Side-by-side comparison of a query (the customer) and a listed record, field by field,
saying what agreed and what did not. Used by the review page and the evidence export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_ALNUM = re.compile(r"[^0-9A-Za-z]+")


@dataclass(slots=True)
class Row:
    label: str
    query: list[str]
    record: list[str]
    verdict: str  # "agree", "disagree", "unknown" (one side empty), "info"


def _norm_id(token: str) -> str:
    token = token.split(":", 1)[1] if ":" in token else token
    return _ALNUM.sub("", token).upper()


def _dates_agree(q: str, r: str) -> bool:
    n = min(len(q), len(r))
    return q[:n] == r[:n]


def _verdict(q: list[str], r: list[str], agree: bool) -> str:
    if not q or not r:
        return "unknown"
    return "agree" if agree else "disagree"


def compare(query: dict[str, Any], record: dict[str, Any]) -> list[Row]:
    """Rows for names, kind, birth dates, countries, identifiers, addresses, programmes."""
    rows: list[Row] = []
    q_name = [str(query.get("name", ""))]
    r_names = [str(record.get("name", ""))] + [
        str(a.get("name", "")) for a in record.get("aliases", [])
    ]
    r_names = [n for n in r_names if n]
    qn = {" ".join(n.casefold().split()) for n in q_name}
    rn = {" ".join(n.casefold().split()) for n in r_names}
    rows.append(Row("Names", q_name, r_names, "agree" if qn & rn else "similar"))
    q_kind = str(query.get("kind", "any"))
    r_kind = str(record.get("kind", ""))
    rows.append(
        Row(
            "Kind",
            [q_kind],
            [r_kind] if r_kind else [],
            "unknown"
            if q_kind == "any" or not r_kind
            else _verdict([q_kind], [r_kind], q_kind == r_kind),
        )
    )
    q_dob = [str(d) for d in query.get("birth_dates", [])]
    r_dob = [str(b.get("value", "")) for b in record.get("birth_dates", [])]
    rows.append(
        Row(
            "Birth / incorporation date",
            q_dob,
            r_dob,
            _verdict(q_dob, r_dob, any(_dates_agree(a, b) for a in q_dob for b in r_dob)),
        )
    )
    q_c = [str(c).lower() for c in query.get("countries", [])]
    r_c = [f"{c.get('code', '')} ({c.get('role', 'other')})" for c in record.get("countries", [])]
    r_codes = {str(c.get("code", "")).lower() for c in record.get("countries", [])}
    rows.append(Row("Countries", q_c, r_c, _verdict(q_c, r_c, bool(set(q_c) & r_codes))))
    q_ids = [str(i) for i in query.get("identifiers", [])]
    r_ids = [
        f"{i.get('scheme', '')}: {i.get('raw') or i.get('value', '')}"
        for i in record.get("identifiers", [])
    ]
    r_norm = {_norm_id(str(i.get("value", ""))) for i in record.get("identifiers", [])}
    r_norm |= {_norm_id(str(i.get("raw", ""))) for i in record.get("identifiers", [])}
    r_norm.discard("")
    q_norm = {_norm_id(t) for t in q_ids} - {""}
    q_norm_noscheme = {re.sub(r"^(IMO|INN|OGRN|MMSI|LEI|KPP)", "", t) for t in q_norm}
    id_agree = bool((q_norm | q_norm_noscheme) & r_norm)
    rows.append(Row("Identifiers", q_ids, r_ids, _verdict(q_ids, r_ids, id_agree)))
    q_addr = [str(query["address"])] if query.get("address") else []
    r_addr = [str(a) for a in record.get("addresses", [])]
    rows.append(Row("Addresses", q_addr, r_addr, "unknown" if not q_addr or not r_addr else "info"))
    rows.append(Row("Programmes", [], [str(p) for p in record.get("programs", [])], "info"))
    if record.get("listed_on"):
        rows.append(Row("Listed on", [], [str(record["listed_on"])], "info"))
    if record.get("remarks"):
        rows.append(Row("Remarks", [], [str(record["remarks"])], "info"))
    return rows
