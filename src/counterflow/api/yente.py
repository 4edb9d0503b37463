"""yente's ``/match`` shapes: the request (``{"queries": {...}}``) turned into ``Query``s and
``Hit``s turned into yente result objects, so yente clients work unchanged.

FollowTheMoney schemata map onto our kinds (Person -> person, Organization / Company ->
organization, Vessel -> vessel, Airplane -> aircraft, LegalEntity / Thing -> any);
properties onto the query's name, birth dates, countries, identifiers and address.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from counterflow.errors import BadInputError
from counterflow.match.csvio import birth_date_problem
from counterflow.match.types import Hit, Query, QueryKind
from counterflow.records.countries import to_iso2
from counterflow.records.model import Party

SCHEMA_KIND: dict[str, QueryKind] = {
    "Person": "person",
    "Organization": "organization",
    "Company": "organization",
    "PublicBody": "organization",
    "Vessel": "vessel",
    "Airplane": "aircraft",
    "LegalEntity": "any",
    "Thing": "any",
}
KIND_SCHEMA = {
    "person": "Person",
    "organization": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
}
NAME_PROPS = ("name", "alias", "weakAlias", "previousName")
NAME_PARTS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
DATE_PROPS = ("birthDate", "incorporationDate", "buildDate")
COUNTRY_PROPS = (
    "nationality",
    "citizenship",
    "country",
    "jurisdiction",
    "mainCountry",
    "registrationCountry",
    "flag",
    "birthCountry",
)
# FtM identifier property -> the token prefix ``records.identifiers`` understands.
ID_PROPS = {
    "imoNumber": "IMO",
    "mmsi": "MMSI",
    "innCode": "INN",
    "ogrnCode": "OGRN",
    "leiCode": "LEI",
    "swiftBic": "SWIFT",
    "kppCode": "KPP",
    "okpoCode": "OKPO",
    "dunsCode": "DUNS",
    "passportNumber": "passport:",
    "idNumber": "national id:",
    "taxNumber": "tax id:",
    "vatCode": "tax id:",
    "registrationNumber": "registration:",
    "callSign": "call sign:",
}
MAX_QUERIES = 100
MAX_NAMES = 5


class EntityExample(BaseModel):
    """One query entity, as yente takes it."""

    model_config = ConfigDict(populate_by_name=True)
    id: str | None = Field(None, examples=["my-entity-id"])
    schema_: str = Field(..., alias="schema", examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(
        ..., examples=[{"name": ["Vladimir Putin"], "birthDate": ["1952-10-07"]}]
    )


class EntityMatchQuery(BaseModel):
    """yente's match request body."""

    weights: dict[str, float] = Field(default_factory=dict)
    queries: dict[str, EntityExample]


class TotalSpec(BaseModel):
    value: int
    relation: str = "eq"


class ScoredEntityResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str
    caption: str
    schema_: str = Field(..., alias="schema")
    properties: dict[str, list[str]]
    datasets: list[str] = Field(default_factory=list)
    referents: list[str] = Field(default_factory=list)
    target: bool = False
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None
    score: float
    features: dict[str, float]
    match: bool
    decision: str = Field(..., description="Counterflow band: match, review or clear")
    explanation: str = ""


class EntityMatches(BaseModel):
    status: int = 200
    results: list[ScoredEntityResponse]
    warnings: list[str] = Field(
        default_factory=list, description="Query values ignored as unusable (e.g. dates)"
    )
    total: TotalSpec
    query: EntityExample


class EntityMatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    matcher: dict[str, dict[str, Any]]
    limit: int


class SearchResponse(BaseModel):
    results: list[ScoredEntityResponse]
    total: TotalSpec
    limit: int
    offset: int = 0
    facets: dict[str, Any] = Field(default_factory=dict)


def _values(props: dict[str, Any], name: str) -> list[str]:
    v = props.get(name)
    if v is None:
        return []
    items = v if isinstance(v, list) else [v]
    return [str(x).strip() for x in items if x is not None and str(x).strip()]


def to_queries(key: str, ex: EntityExample, warnings: list[str] | None = None) -> list[Query]:
    """One ``Query`` per name of the example (at most ``MAX_NAMES``), sharing the rest.

    A date that cannot be the entity's (not a date, in the future, a person born before
    1900) is left out of scoring and described in ``warnings``: it never counts against
    a match."""
    if ex.schema_ not in SCHEMA_KIND:
        raise BadInputError(f"unsupported schema {ex.schema_!r}", field=f"queries.{key}.schema")
    props = ex.properties
    names: list[str] = []
    for p in NAME_PROPS:
        names += _values(props, p)
    if not names:
        parts = [v for p in NAME_PARTS for v in _values(props, p)]
        if parts:
            names.append(" ".join(parts))
    if not names:
        raise BadInputError("the query has no name", field=f"queries.{key}.properties.name")
    names = list(dict.fromkeys(n[:500] for n in names))[:MAX_NAMES]
    kind = SCHEMA_KIND[ex.schema_]
    dates: list[str] = []
    for p in DATE_PROPS:
        for d in _values(props, p):
            problem = birth_date_problem(d[:10], kind)
            if problem is None:
                dates.append(d[:10])
            elif warnings is not None:
                warnings.append(f"queries.{key}.properties.{p}: {problem}; ignored for scoring")
    countries: list[str] = []
    for p in COUNTRY_PROPS:
        for c in _values(props, p):
            code = to_iso2(c)
            if code and code not in countries:
                countries.append(code)
    idents = [f"{prefix}{v}" for p, prefix in ID_PROPS.items() for v in _values(props, p)]
    addresses = _values(props, "address")
    return [
        Query(
            id=key,
            name=n,
            kind=kind,
            countries=countries,
            birth_dates=dates,
            identifiers=idents,
            address=addresses[0] if addresses else None,
        )
        for n in names
    ]


def merge_hits(per_name: list[list[Hit]]) -> list[Hit]:
    """Best hit per listed entity across the names of one query, best first."""
    best: dict[str, Hit] = {}
    for hits in per_name:
        for h in hits:
            if h.entity_id not in best or h.score > best[h.entity_id].score:
                best[h.entity_id] = h
    return sorted(best.values(), key=lambda h: (-h.score, h.entity_id))


def party_properties(p: Party) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {"name": [p.name]}
    if p.aliases:
        props["alias"] = [a.name for a in p.aliases if a.strength == "strong"]
        weak = [a.name for a in p.aliases if a.strength == "weak"]
        if weak:
            props["weakAlias"] = weak
    if p.birth_dates:
        key = "birthDate" if p.kind == "person" else "incorporationDate"
        props[key] = [b.value for b in p.birth_dates]
    if p.birth_places:
        props["birthPlace"] = list(p.birth_places)
    for c in p.countries:
        prop = {
            "nationality": "nationality",
            "citizenship": "citizenship",
            "registration": "jurisdiction",
            "jurisdiction": "jurisdiction",
            "flag": "flag",
        }.get(c.role, "country")
        props.setdefault(prop, []).append(c.code)
    scheme_prop = {v.rstrip(":").lower(): k for k, v in ID_PROPS.items()}
    scheme_prop.update(
        {"passport": "passportNumber", "national_id": "idNumber", "tax_id": "taxNumber"}
    )
    for i in p.identifiers:
        props.setdefault(scheme_prop.get(i.scheme, "idNumber"), []).append(i.raw or i.value)
    if p.addresses:
        props["address"] = list(p.addresses)
    if p.programs:
        props["program"] = list(p.programs)
    if p.listed_on:
        props["createdAt"] = [p.listed_on]
    if p.remarks:
        props["notes"] = [p.remarks]
    if p.gender:
        props["gender"] = [p.gender]
    props["topics"] = ["sanction"]
    for k, vs in p.properties.items():
        props.setdefault(k, []).extend(str(v) for v in vs)
    return {k: v for k, v in props.items() if v}


def hit_result(h: Hit, threshold: float) -> dict[str, Any]:
    """A yente ``ScoredEntityResponse`` dict for one hit."""
    props = party_properties(h.party) if h.party is not None else {"name": [h.entity_name]}
    return {
        "id": h.entity_id,
        "caption": h.entity_name,
        "schema": KIND_SCHEMA.get(h.kind, "LegalEntity"),
        "properties": props,
        "datasets": [h.dataset],
        "referents": [],
        "target": True,
        "first_seen": None,
        "last_seen": None,
        "last_change": None,
        "score": round(float(h.score), 4),
        "features": {k: round(float(v), 4) for k, v in h.features.items()},
        "match": h.score >= threshold,
        "decision": h.decision,
        "explanation": h.explanation,
    }


def matcher_docs(feature_names: set[str]) -> dict[str, dict[str, Any]]:
    return {
        f: {"description": f"Counterflow evidence feature {f}", "coefficient": 1.0, "url": None}
        for f in sorted(feature_names)
    }
