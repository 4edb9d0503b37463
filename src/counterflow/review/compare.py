"""Side-by-side comparison of a query (the customer) and a listed record, field by field,
saying what agreed and what did not. Used by the review page, the evidence export and the
MCP tools. Whether kind, birth dates, countries and identifiers agree is the scorer's
judgement (``match.scorer.evidence_features``), so the page never contradicts the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from counterflow.match.index import evidence_of, party_evidence
from counterflow.match.prepared import PartyEvidence
from counterflow.match.scorer import evidence_features, query_evidence
from counterflow.records.model import Party


@dataclass(slots=True)
class Row:
    label: str
    query: list[str]
    record: list[str]
    verdict: str  # "agree", "disagree", "unknown" (one side empty, or not comparable), "info"


def _features(query: dict[str, Any], record: dict[str, Any]) -> dict[str, float]:
    """The scorer's evidence features of the pair (empty when the record is not a party)."""
    try:
        listed: PartyEvidence = evidence_of(party_evidence(Party.from_dict(record)))
    except (KeyError, TypeError, ValueError):
        return {}
    asked = query_evidence(
        str(query.get("kind") or "any"),
        [str(c) for c in query.get("countries", [])],
        [str(d) for d in query.get("birth_dates", [])],
        [str(i) for i in query.get("identifiers", [])],
        str(query["address"]) if query.get("address") else None,
    )
    return evidence_features(asked, listed)[3]


def _verdict(q: list[str], r: list[str], agree: bool) -> str:
    if not q or not r:
        return "unknown"
    return "agree" if agree else "disagree"


def compare(query: dict[str, Any], record: dict[str, Any]) -> list[Row]:
    """Rows for names, kind, birth dates, countries, identifiers, addresses, programmes."""
    rows: list[Row] = []
    f = _features(query, record)
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
            if q_kind == "any" or r_kind in ("", "unknown")
            else _verdict([q_kind], [r_kind], "kind_conflict" not in f),
        )
    )
    q_dob = [str(d) for d in query.get("birth_dates", [])]
    r_dob = [str(b.get("value", "")) for b in record.get("birth_dates", [])]
    rows.append(
        Row(
            "Birth / incorporation date",
            q_dob,
            r_dob,
            _verdict(q_dob, r_dob, "dob_agree" in f),
        )
    )
    q_c = [str(c).lower() for c in query.get("countries", [])]
    r_c = [f"{c.get('code', '')} ({c.get('role', 'other')})" for c in record.get("countries", [])]
    rows.append(Row("Countries", q_c, r_c, _verdict(q_c, r_c, "country_agree" in f)))
    q_ids = [str(i) for i in query.get("identifiers", [])]
    r_ids = [
        f"{i.get('scheme', '')}: {i.get('raw') or i.get('value', '')}"
        for i in record.get("identifiers", [])
    ]
    if "id_agree" in f:
        id_verdict = _verdict(q_ids, r_ids, True)
    elif "id_conflict" in f or "doc_conflict" in f:
        id_verdict = "disagree"
    else:  # no number of the same scheme (or the same number) on both sides
        id_verdict = "unknown"
    rows.append(Row("Identifiers", q_ids, r_ids, id_verdict))
    q_addr = [str(query["address"])] if query.get("address") else []
    r_addr = [str(a) for a in record.get("addresses", [])]
    rows.append(Row("Addresses", q_addr, r_addr, "unknown" if not q_addr or not r_addr else "info"))
    rows.append(Row("Programmes", [], [str(p) for p in record.get("programs", [])], "info"))
    if record.get("listed_on"):
        rows.append(Row("Listed on", [], [str(record["listed_on"])], "info"))
    if record.get("remarks"):
        rows.append(Row("Remarks", [], [str(record["remarks"])], "info"))
    return rows
