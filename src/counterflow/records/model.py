"""The normalised record of a listed party: the one shape every list parser produces.

Sources -> *normalised records* -> index -> scorer -> alerts -> decisions. Everything
downstream (store, matching, review) reads these dataclasses and nothing else of the
source formats. Records serialise to plain JSON-able dicts (``to_dict``/``from_dict``)
so the store can keep them verbatim and diff them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# ``unknown``: the list does not say whether the party is a person or an organisation and
# no strong signal tells (see ``records.kinds``); it never costs a kind penalty.
Kind = Literal["person", "organization", "vessel", "aircraft", "unknown"]
KINDS: tuple[Kind, ...] = ("person", "organization", "vessel", "aircraft")
RECORD_KINDS: tuple[Kind, ...] = (*KINDS, "unknown")

AliasStrength = Literal["strong", "weak"]
DatePrecision = Literal["year", "month", "day"]
CountryRole = Literal[
    "nationality",
    "citizenship",
    "address",
    "registration",
    "jurisdiction",
    "birth",
    "flag",
    "other",
]

# Identifier schemes. Parsers map the source's wording onto one of these; anything
# else is kept under "other" with the source's label in ``Identifier.label``.
IDENTIFIER_SCHEMES: tuple[str, ...] = (
    "passport",
    "national_id",
    "tax_id",
    "inn",
    "ogrn",
    "kpp",
    "okpo",
    "registration",
    "imo",
    "mmsi",
    "call_sign",
    "lei",
    "swift",
    "uscc",
    "duns",
    "aircraft_serial",
    "aircraft_tail",
    "ssn",
    "cedula",
    "other",
)


@dataclass(slots=True)
class Alias:
    """Another name of the party. ``strength`` follows OFAC's strong/weak a.k.a.;
    non-Latin originals are kept exactly as published (``script`` says which)."""

    name: str
    strength: AliasStrength = "strong"
    script: str | None = None  # e.g. "Cyrl", "Arab", "Hani"; None when Latin/unknown
    kind: str | None = None  # source wording: "a.k.a.", "f.k.a.", "n.k.a.", "original script"


@dataclass(slots=True)
class BirthDate:
    """A birth (or incorporation) date with its precision. ``value`` is ISO:
    ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``. ``circa`` marks "circa"/"approximately"."""

    value: str
    circa: bool = False

    @property
    def precision(self) -> DatePrecision:
        n = len(self.value)
        if n >= 10:
            return "day"
        if n >= 7:
            return "month"
        return "year"

    @property
    def year(self) -> int:
        return int(self.value[:4])


@dataclass(slots=True)
class CountryRef:
    """A country linked to the party, ISO 3166 alpha-2 lower-case (``"ru"``), with its role
    kept apart: nationality, citizenship, address, registration, ..."""

    code: str
    role: CountryRole = "other"


@dataclass(slots=True)
class Identifier:
    """A typed identifier. ``value`` is normalised (see ``records.identifiers``), ``raw``
    is as published. ``label`` keeps the source's own wording of the type."""

    scheme: str
    value: str
    raw: str = ""
    country: str | None = None
    label: str | None = None


@dataclass(slots=True)
class Party:
    """One listed party (a list entry), normalised."""

    dataset: str
    source_id: str
    kind: Kind
    name: str
    aliases: list[Alias] = field(default_factory=list)
    birth_dates: list[BirthDate] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    countries: list[CountryRef] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    listed_on: str | None = None  # ISO date
    remarks: str | None = None
    gender: str | None = None
    titles: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # source_ids of linked entries ("Linked To")
    properties: dict[str, list[str]] = field(default_factory=dict)  # anything else, FtM-style

    @property
    def entity_id(self) -> str:
        """Globally unique id: ``dataset:source_id``."""
        return f"{self.dataset}:{self.source_id}"

    def add_country(self, code: str, role: CountryRole) -> None:
        """Add a country with its role unless the party already has that pair."""
        if not any(c.code == code and c.role == role for c in self.countries):
            self.countries.append(CountryRef(code, role))

    def all_names(self) -> list[str]:
        """Primary name first, then every alias (deduplicated, order kept)."""
        seen: set[str] = set()
        out: list[str] = []
        for n in [self.name, *(a.name for a in self.aliases)]:
            if n and n not in seen:
                seen.add(n)
                out.append(n)
        return out

    def country_codes(self, *roles: CountryRole) -> list[str]:
        return [c.code for c in self.countries if not roles or c.role in roles]

    def identifiers_of(self, scheme: str) -> list[str]:
        return [i.value for i in self.identifiers if i.scheme == scheme]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        # Drop empties to keep stored JSON small; from_dict restores defaults.
        return {k: v for k, v in d.items() if v not in (None, [], {}, "")}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Party:
        return cls(
            dataset=d["dataset"],
            source_id=d["source_id"],
            kind=d["kind"],
            name=d["name"],
            aliases=[Alias(**a) for a in d.get("aliases", [])],
            birth_dates=[BirthDate(**b) for b in d.get("birth_dates", [])],
            birth_places=list(d.get("birth_places", [])),
            countries=[CountryRef(**c) for c in d.get("countries", [])],
            identifiers=[Identifier(**i) for i in d.get("identifiers", [])],
            addresses=list(d.get("addresses", [])),
            programs=list(d.get("programs", [])),
            listed_on=d.get("listed_on"),
            remarks=d.get("remarks"),
            gender=d.get("gender"),
            titles=list(d.get("titles", [])),
            links=list(d.get("links", [])),
            properties={k: list(v) for k, v in d.get("properties", {}).items()},
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """Content hash used by the store to detect changed records between versions."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:32]
