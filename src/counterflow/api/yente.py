"""yente's shapes: the ``/match`` request (``{"queries": {...}}``) turned into
``Query``s and ``Hit``s turned into yente result objects, so yente clients work
unchanged; plus ``/catalog``, ``/algorithms`` and ``/entities/{id}``.

FollowTheMoney schemata map onto our kinds (Person -> person, Organization / Company ->
organization, Vessel -> vessel, Airplane -> aircraft, LegalEntity / Thing -> any);
properties onto the query's name, birth dates, countries, identifiers and address. A
query with identifiers and no name (a Vessel by ``imoNumber``) is screened by them.

Results are FtM entities as ``records.ftm`` exports them (the same FtM-valid ids, e.g.
``un-sc-sanctions-QDi.001``, and FtM properties only), with yente's ``score``,
``match`` and per-feature ``explanations`` (``{"score", "detail", "query",
"candidate"}``). The one algorithm is ``counterflow`` (``best`` and ``default`` name it
too); its features are fixed, so ``weights`` and ``config`` entries are refused with
a 400 naming them, as yente refuses unknown configuration, never silently ignored.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from counterflow.errors import BadInputError
from counterflow.match.csvio import birth_date_problem
from counterflow.match.types import Hit, Query, QueryKind
from counterflow.records.countries import to_iso2
from counterflow.records.ftm import ftm_id, party_to_ftm
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
    config: dict[str, Any] = Field(default_factory=dict)
    queries: dict[str, EntityExample]


class TotalSpec(BaseModel):
    value: int
    relation: str = "eq"


class FeatureResult(BaseModel):
    """One feature's part of a score, as yente explains it."""

    score: float
    detail: str | None = None
    query: str | None = None
    candidate: str | None = None


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
    explanations: dict[str, FeatureResult] = Field(default_factory=dict)
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
    idents = [f"{prefix}{v}" for p, prefix in ID_PROPS.items() for v in _values(props, p)]
    if not names and not idents:
        raise BadInputError(
            "the query has no name and no identifier", field=f"queries.{key}.properties.name"
        )
    names = list(dict.fromkeys(n[:500] for n in names))[:MAX_NAMES] or [""]
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


def entity_dict(p: Party) -> dict[str, Any]:
    """The listed party as yente's entity: the project's FtM export (FtM-valid id,
    schema, FtM properties only), with caption, datasets and yente's other keys."""
    ent = party_to_ftm(p)
    return {
        "id": ent.id,
        "caption": ent.caption,
        "schema": ent.schema.name,
        "properties": {k: list(v) for k, v in ent.properties.items()},
        "datasets": [p.dataset],
        "referents": [p.entity_id],  # the dataset:source_id form earlier versions returned
        "target": True,
        "first_seen": None,
        "last_seen": None,
        "last_change": None,
    }


_NAME_NOTE = re.compile(
    r"^(name\b|not in listed name|listed only|legal forms?\b|.* = |.*\(weak a\.k\.a\.\))", re.I
)


def explanations(h: Hit, query_name: str) -> dict[str, dict[str, Any]]:
    """yente's per-feature ``explanations``: each feature's score and the part of the
    explanation sentence that concerns it (name notes to ``name``, the rest -
    identifiers, dates, countries, kind, address - to the evidence features)."""
    notes = [n.strip() for n in h.explanation.split(";") if n.strip()]
    name_notes = [n for n in notes if _NAME_NOTE.match(n)]
    other = [n for n in notes if n not in name_notes]
    out: dict[str, dict[str, Any]] = {}
    for feature, score in h.features.items():
        if feature == "name":
            out[feature] = {
                "score": round(float(score), 4),
                "detail": "; ".join(name_notes) or None,
                "query": query_name or None,
                "candidate": h.matched_name,
            }
        else:
            out[feature] = {
                "score": round(float(score), 4),
                "detail": "; ".join(other) or None,
                "query": None,
                "candidate": None,
            }
    return out


def _listed(h: Hit) -> Party:
    if h.party is not None:
        return h.party
    return Party(h.dataset, h.source_id, h.kind, h.entity_name)  # type: ignore[arg-type]


def result_id(h: Hit) -> str:
    """The FtM id a result carries (as the project's FtM export)."""
    return ftm_id(_listed(h))


def hit_result(h: Hit, threshold: float, query_name: str = "") -> dict[str, Any]:
    """A yente ``ScoredEntityResponse`` dict for one hit."""
    entity = entity_dict(_listed(h))
    return {
        **entity,
        "score": round(float(h.score), 4),
        "features": {k: round(float(v), 4) for k, v in h.features.items()},
        "explanations": explanations(h, query_name),
        "match": h.score >= threshold,
        "decision": h.decision,
        "explanation": h.explanation,
    }


ALGORITHM = "counterflow"
ALGORITHM_ALIASES = frozenset({ALGORITHM, "best", "default"})
FEATURE_DOCS: dict[str, str] = {
    "name": "Name similarity of the best-matching listed name or alias: token alignment "
    "with frequency weights, cross-script transliteration, legal forms compared apart",
    "evidence": "Adjustment from everything but the name: identifiers (agreeing ones "
    "floor the score at 0.92), birth dates, countries, kind, address",
}


def matcher_docs(feature_names: set[str]) -> dict[str, dict[str, Any]]:
    return {
        f: {
            "description": FEATURE_DOCS.get(f, f"Counterflow evidence feature {f}"),
            "coefficient": 1.0,
            "url": "https://github.com/counterflow/counterflow/blob/main/docs/screening.md",
        }
        for f in sorted(feature_names | set(FEATURE_DOCS))
    }


def check_algorithm(algorithm: str, weights: dict[str, float], config: dict[str, Any]) -> None:
    """Refuse what this service cannot honour: another algorithm, weights, config."""
    if algorithm not in ALGORITHM_ALIASES:
        raise BadInputError(
            f"unknown algorithm {algorithm!r}: this service scores with {ALGORITHM!r} "
            "(see /algorithms)",
            field="algorithm",
        )
    if weights:
        raise BadInputError(
            f"weights are not supported by algorithm {ALGORITHM!r} (its features are "
            f"calibrated together): {', '.join(sorted(weights))}",
            field="weights",
        )
    for key in config:
        raise BadInputError(
            f"Invalid configuration parameter: {key} for algorithm {ALGORITHM}",
            field="config",
        )


def algorithms_doc() -> dict[str, Any]:
    """yente's ``/algorithms`` response."""
    return {
        "algorithms": [
            {
                "name": ALGORITHM,
                "description": "Counterflow's explained party scorer (name + evidence, "
                "calibrated bands match/review/clear)",
                "config": {},
                "features": matcher_docs(set()),
            }
        ],
        "default": ALGORITHM,
        "best": ALGORITHM,
    }
