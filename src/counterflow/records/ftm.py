"""``Party`` <-> FollowTheMoney entities (the ``followthemoney`` package), at the edges:
OpenSanctions data comes in, and Counterflow records go out, as FtM.

Everything a ``Party`` holds maps to FtM properties where FtM has one (names, weak
aliases, previous names, dates, countries by role, typed identifiers, addresses,
programmes, notes, ...). What FtM cannot express (alias strength beyond alias/weakAlias,
the ``circa`` flag, identifier labels, country roles FtM folds together, links) travels
in the entity's context under ``"counterflow"``, a top-level key FtM keeps and other FtM
tools ignore. ``party_from_ftm`` rebuilds from the properties and only uses that context
where it agrees with them, so round trips are lossless and edited entities still read
right. Sanction, Identification/Passport and Address entities of an FtM export are folded
into the party they point at (``parties_from_entities``)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from counterflow.records.identifiers import make_identifier
from counterflow.records.model import (
    Alias,
    BirthDate,
    CountryRef,
    Identifier,
    Kind,
    Party,
)
from counterflow.records.scripts import script_of

CONTEXT_KEY = "counterflow"
KIND_SCHEMA: dict[str, str] = {
    "person": "Person",
    "organization": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
    "unknown": "LegalEntity",  # FtM's "a person or a company"
}
# Datasets whose source ids are not globally unique: their FtM id is prefixed.
OFFICIAL_DATASETS = frozenset(
    {
        "us_ofac_sdn",
        "us_ofac_cons",
        "un_sc_sanctions",
        "gb_hmt_sanctions",
        "eu_fsf",
        "us_bis_denied",
        "us_trade_csl",
    }
)
SCHEMA_PROPERTY = "ftm_schema"  # Party.properties key keeping a more specific FtM schema

# identifier scheme -> FtM properties to try, in order
_ID_PROPS: dict[str, tuple[str, ...]] = {
    "passport": ("passportNumber", "idNumber", "registrationNumber"),
    "national_id": ("idNumber", "registrationNumber"),
    "tax_id": ("taxNumber", "idNumber", "registrationNumber"),
    "inn": ("innCode", "taxNumber", "idNumber"),
    "ogrn": ("ogrnCode", "registrationNumber"),
    "kpp": ("kppCode", "idNumber"),
    "okpo": ("okpoCode", "idNumber"),
    "registration": ("registrationNumber", "idNumber"),
    "imo": ("imoNumber", "registrationNumber", "idNumber"),
    "mmsi": ("mmsi", "registrationNumber"),
    "call_sign": ("callSign", "registrationNumber"),
    "lei": ("leiCode", "idNumber"),
    "swift": ("swiftBic", "idNumber"),
    "uscc": ("uscCode", "registrationNumber", "idNumber"),
    "duns": ("dunsCode", "idNumber"),
    "aircraft_serial": ("serialNumber", "registrationNumber"),
    "aircraft_tail": ("registrationNumber",),
    "ssn": ("socialSecurityNumber", "idNumber"),
    "cedula": ("idNumber", "registrationNumber"),
    "other": ("idNumber", "registrationNumber"),
}
# FtM property -> identifier scheme when reading FtM data
_PROP_SCHEME: dict[str, str] = {
    "passportNumber": "passport",
    "taxNumber": "tax_id",
    "vatCode": "tax_id",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "kppCode": "kpp",
    "okpoCode": "okpo",
    "registrationNumber": "registration",
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "callSign": "call_sign",
    "leiCode": "lei",
    "swiftBic": "swift",
    "uscCode": "uscc",
    "dunsCode": "duns",
    "serialNumber": "aircraft_serial",
    "socialSecurityNumber": "ssn",
}
# country role -> FtM properties to try, in order
_COUNTRY_PROPS: dict[str, tuple[str, ...]] = {
    "nationality": ("nationality", "country"),
    "citizenship": ("citizenship", "nationality", "country"),
    "address": ("country",),
    "registration": ("jurisdiction", "country"),
    "jurisdiction": ("jurisdiction", "country"),
    "birth": ("birthCountry", "country"),
    "flag": ("flag", "country"),
    "other": ("country",),
}
_PROP_ROLE = {
    "nationality": "nationality",
    "citizenship": "citizenship",
    "country": "address",
    "mainCountry": "address",
    "jurisdiction": "jurisdiction",
    "birthCountry": "birth",
    "flag": "flag",
}
_DATE_PROPS = ("birthDate", "incorporationDate", "buildDate")
_HANDLED = {
    "name",
    "alias",
    "weakAlias",
    "previousName",
    "birthPlace",
    "address",
    "program",
    "programId",
    "notes",
    "gender",
    "title",
    "idNumber",
    *_DATE_PROPS,
    *_PROP_SCHEME,
    *_PROP_ROLE,
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")
_ID_CHARS = re.compile(r"[^0-9a-zA-Z.\-]+")


# --------------------------------------------------------------------------- out


def ftm_id(party: Party) -> str:
    """The FtM id: OpenSanctions ids stay as they are; official lists' ids get their
    dataset as prefix (``un-sc-sanctions-QDi.001``)."""
    raw = party.source_id
    if party.dataset in OFFICIAL_DATASETS:
        raw = f"{party.dataset}-{party.source_id}"
    # FtM ids allow letters, digits, dots and dashes only.
    return _ID_CHARS.sub("-", raw).strip(".-") or "x"


def schema_for(party: Party) -> str:
    """``Party.properties["ftm_schema"]`` when it fits the kind (Company, LegalEntity...),
    else the kind's default schema."""
    wanted = party.properties.get(SCHEMA_PROPERTY, [])
    if wanted and model.get(wanted[0]) is not None and kind_of_schema(wanted[0]) == party.kind:
        return str(wanted[0])
    return KIND_SCHEMA[party.kind]


def party_to_ftm(party: Party) -> EntityProxy:
    """One FtM entity (Person, Organization/Company/LegalEntity, Vessel, Airplane)."""
    schema = schema_for(party)
    ent = model.make_entity(schema)
    ent.id = ftm_id(party)
    props = ent.schema.properties
    extras: dict[str, Any] = {"dataset": party.dataset}
    if ent.id != party.source_id:
        extras["source_id"] = party.source_id
    if party.kind == "organization" and schema not in ("Organization",):
        extras["kind"] = party.kind

    def put(prop: str, value: str) -> bool:
        if prop in props and value:
            ent.add(prop, value, cleaned=True, quiet=True)
            return True
        return False

    put("name", party.name)
    for alias in party.aliases:
        if alias.kind == "f.k.a.":
            put("previousName", alias.name)
        elif alias.strength == "weak":
            put("weakAlias", alias.name)
        else:
            put("alias", alias.name)
    extras["aliases"] = [list(asdict(a).values()) for a in party.aliases]
    date_prop = next(p for p in (*_DATE_PROPS, "") if p == "" or p in props)
    for bd in party.birth_dates:
        put(date_prop, bd.value)
    if any(bd.circa for bd in party.birth_dates) or not date_prop:
        extras["birth_dates"] = [[b.value, b.circa] for b in party.birth_dates]
    for place in party.birth_places:
        if not put("birthPlace", place):
            extras.setdefault("birth_places", []).append(place)
    for ref in party.countries:
        for prop in _COUNTRY_PROPS.get(ref.role, ("country",)):
            if put(prop, ref.code):
                break
    extras["countries"] = [[c.code, c.role] for c in party.countries]
    for ident in party.identifiers:
        for prop in _ID_PROPS.get(ident.scheme, ("idNumber", "registrationNumber")):
            if put(prop, ident.raw or ident.value):
                break
        else:
            extras.setdefault("unplaced_identifiers", True)
    extras["identifiers"] = [asdict(i) for i in party.identifiers]
    for addr in party.addresses:
        put("address", addr)
    for program in party.programs:
        put("program", program)
    if party.remarks:
        put("notes", party.remarks)
    if party.gender and not put("gender", party.gender):
        extras["gender"] = party.gender
    for title in party.titles:
        if not put("title", title):
            extras.setdefault("titles", []).append(title)
    if party.listed_on:
        extras["listed_on"] = party.listed_on
    if party.links:
        extras["links"] = list(party.links)
    other: dict[str, list[str]] = {}
    for key, values in party.properties.items():
        if key == SCHEMA_PROPERTY:
            continue
        spec = props.get(key)
        if spec is None or spec.stub or spec.type.name == "entity":
            other[key] = list(values)
            continue
        for v in values:
            put(key, v)
        if list(ent.get(key)) != list(values):
            other[key] = list(values)
    if other:
        extras["properties"] = other
    data = ent.to_dict()
    data["datasets"] = [party.dataset]
    data[CONTEXT_KEY] = _compact(extras)
    return model.get_proxy(data)


def party_to_entities(party: Party) -> list[EntityProxy]:
    """The party plus a Sanction entity (programme, listing date) as OpenSanctions
    exports them."""
    ent = party_to_ftm(party)
    out = [ent]
    if party.programs or party.listed_on:
        sanction = model.make_entity("Sanction")
        sanction.id = f"{ent.id}-sanction"
        sanction.add("entity", ent.id)
        for program in party.programs:
            sanction.add("program", program, cleaned=True)
        if party.listed_on:
            sanction.add("listingDate", party.listed_on, cleaned=True)
        sdata = sanction.to_dict()
        sdata["datasets"] = [party.dataset]
        out.append(model.get_proxy(sdata))
    return out


def to_json_line(ent: EntityProxy) -> str:
    return json.dumps(ent.to_dict(), ensure_ascii=False, sort_keys=True)


def _compact(extras: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extras.items() if v not in (None, [], {}, "")}


# ---------------------------------------------------------------------------- in


def kind_of_schema(schema_name: str) -> Kind | None:
    """FtM schema -> kind; ``None`` for schemata that are not listable parties."""
    schema = model.get(schema_name)
    if schema is None:
        return None
    if schema.is_a(model.get("Person")):
        return "person"
    if schema.is_a(model.get("Vessel")):
        return "vessel"
    if schema.is_a(model.get("Airplane")):
        return "aircraft"
    if schema.name == "LegalEntity":
        return "unknown"
    if schema.is_a(model.get("LegalEntity")):
        return "organization"
    return None


def party_from_ftm(
    ent: EntityProxy | dict[str, Any],
    dataset: str | None = None,
    sanctions: Iterable[EntityProxy] = (),
    identifications: Iterable[EntityProxy] = (),
    addresses: Iterable[EntityProxy] = (),
) -> Party | None:
    """One party from an FtM entity (and the Sanction / Identification / Address
    entities that point at it); ``None`` when the schema is no party or it has no name."""
    data = ent.to_dict() if isinstance(ent, EntityProxy) else dict(ent)
    proxy = ent if isinstance(ent, EntityProxy) else model.get_proxy(data)
    kind = kind_of_schema(proxy.schema.name)
    if kind is None:
        return None
    extras: dict[str, Any] = data.get(CONTEXT_KEY) or {}
    if not isinstance(extras, dict):
        extras = {}
    names = list(proxy.get("name"))
    if not names:
        return None
    datasets = data.get("datasets") or []
    ds = dataset or extras.get("dataset") or (datasets[0] if datasets else "") or "ftm"
    source_id = str(extras.get("source_id") or proxy.id or "")
    party = Party(dataset=ds, source_id=source_id, kind=kind, name=names[0])
    if proxy.schema.name != KIND_SCHEMA[kind]:
        party.properties[SCHEMA_PROPERTY] = [proxy.schema.name]
    party.aliases = _aliases(proxy, names)
    party.birth_dates = [
        BirthDate(v[:10]) for p in _DATE_PROPS for v in proxy.get(p, quiet=True) if _DATE.match(v)
    ]
    party.birth_places = list(proxy.get("birthPlace", quiet=True))
    party.countries = _countries(proxy)
    party.identifiers = _identifiers(proxy, kind)
    party.addresses = list(proxy.get("address", quiet=True))
    party.programs = [*proxy.get("program", quiet=True), *proxy.get("programId", quiet=True)]
    notes = list(proxy.get("notes", quiet=True))
    party.remarks = "\n".join(notes) or None
    genders = list(proxy.get("gender", quiet=True))
    party.gender = genders[0] if genders else None
    party.titles = list(proxy.get("title", quiet=True))
    for prop, values in proxy.properties.items():
        if prop in _HANDLED:
            continue
        schema_prop = proxy.schema.properties.get(prop)
        if schema_prop is not None and schema_prop.type.name == "entity":
            continue
        party.properties[prop] = list(values)
    _fold_related(party, proxy, sanctions, identifications, addresses)
    _apply_extras(party, extras)
    party.programs = _dedupe(party.programs)
    return party


def _dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _aliases(proxy: EntityProxy, names: list[str]) -> list[Alias]:
    out: list[Alias] = []
    seen = {names[0]}
    groups: tuple[tuple[str, list[str]], ...] = (
        ("strong", names[1:] + list(proxy.get("alias", quiet=True))),
        ("weak", list(proxy.get("weakAlias", quiet=True))),
        ("fka", list(proxy.get("previousName", quiet=True))),
    )
    for group, values in groups:
        for name in values:
            if name in seen:
                continue
            seen.add(name)
            if group == "fka":
                out.append(Alias(name, "strong", script_of(name), "f.k.a."))
            else:
                out.append(Alias(name, group, script_of(name)))  # type: ignore[arg-type]
    return out


def _countries(proxy: EntityProxy) -> list[CountryRef]:
    out: list[CountryRef] = []
    for prop, role in _PROP_ROLE.items():
        for code in proxy.get(prop, quiet=True):
            ref = CountryRef(code, role)  # type: ignore[arg-type]
            if ref not in out:
                out.append(ref)
    return out


def _identifiers(proxy: EntityProxy, kind: Kind) -> list[Identifier]:
    out: list[Identifier] = []
    for prop, scheme in _PROP_SCHEME.items():
        if kind == "aircraft" and prop == "registrationNumber":
            scheme = "aircraft_tail"
        for raw in proxy.get(prop, quiet=True):
            ident = make_identifier(scheme, raw)
            if ident is not None:
                out.append(ident)
    for raw in proxy.get("idNumber", quiet=True):
        ident = make_identifier("national_id" if kind == "person" else "other", raw)
        if ident is not None:
            out.append(ident)
    return out


def _fold_related(
    party: Party,
    proxy: EntityProxy,
    sanctions: Iterable[EntityProxy],
    identifications: Iterable[EntityProxy],
    addresses: Iterable[EntityProxy],
) -> None:
    listed: list[str] = []
    for s in sanctions:
        party.programs.extend(s.get("program", quiet=True))
        party.programs.extend(s.get("programId", quiet=True))
        listed.extend(v[:10] for v in s.get("listingDate", quiet=True) if _DATE.match(v))
        listed.extend(v[:10] for v in s.get("startDate", quiet=True) if _DATE.match(v))
    if listed:
        party.listed_on = min(listed)
    for doc in identifications:
        label = next(iter(doc.get("type", quiet=True)), "")
        scheme = "passport" if doc.schema.name == "Passport" else "national_id"
        if label and "passport" in label.lower():
            scheme = "passport"
        countries = list(doc.get("country", quiet=True))
        for number in doc.get("number", quiet=True):
            ident = make_identifier(
                scheme, number, country=countries[0] if countries else None, label=label or None
            )
            if ident and not any(
                i.scheme == ident.scheme and i.value == ident.value for i in party.identifiers
            ):
                party.identifiers.append(ident)
    for adr in addresses:
        for full in adr.get("full", quiet=True):
            if full not in party.addresses:
                party.addresses.append(full)
        for code in adr.get("country", quiet=True):
            ref = CountryRef(code, "address")
            if ref not in party.countries:
                party.countries.append(ref)


def _apply_extras(party: Party, extras: dict[str, Any]) -> None:
    """Use the context's richer detail where it agrees with the properties."""
    if not extras:
        return
    aliases = extras.get("aliases")
    if isinstance(aliases, list):
        rich = [Alias(*a) for a in aliases]
        if sorted(a.name for a in rich) == sorted(a.name for a in party.aliases):
            party.aliases = rich
    dates = extras.get("birth_dates")
    if isinstance(dates, list):
        rich_dates = [BirthDate(v, bool(c)) for v, c in dates]
        have = {b.value for b in party.birth_dates}
        if not have or have == {b.value for b in rich_dates}:
            party.birth_dates = rich_dates
    countries = extras.get("countries")
    if isinstance(countries, list):
        rich_c = [CountryRef(c, r) for c, r in countries]
        if {c.code for c in rich_c} == {c.code for c in party.countries}:
            party.countries = rich_c
    idents = extras.get("identifiers")
    if isinstance(idents, list):
        rich_i = [Identifier(**i) for i in idents]
        derived = {_loose(i.value) for i in party.identifiers}
        if extras.get("unplaced_identifiers") or derived == {_loose(i.value) for i in rich_i}:
            party.identifiers = rich_i
    if "kind" in extras and extras["kind"] in KIND_SCHEMA:
        party.kind = extras["kind"]
    for key in ("birth_places", "titles"):
        if extras.get(key):
            getattr(party, key).extend(v for v in extras[key] if v not in getattr(party, key))
    if extras.get("gender") and not party.gender:
        party.gender = extras["gender"]
    if extras.get("listed_on"):
        party.listed_on = extras["listed_on"]
    if extras.get("links"):
        party.links = list(extras["links"])
    for key, values in (extras.get("properties") or {}).items():
        party.properties[key] = list(values)


def _loose(value: str) -> str:
    return re.sub(r"\W+", "", value.upper())


def parties_from_entities(
    entities: Iterable[dict[str, Any]], dataset: str | None = None
) -> Iterator[Party]:
    """Parties from a stream of FtM entity dicts (an ``entities.ftm.json`` export):
    Sanction, Identification/Passport and Address entities are folded into the party
    they point at; other non-party entities (relationships, ...) are passed over."""
    items = list(entities)
    sanctions: dict[str, list[EntityProxy]] = defaultdict(list)
    docs: dict[str, list[EntityProxy]] = defaultdict(list)
    addrs: dict[str, EntityProxy] = {}
    parties: list[dict[str, Any]] = []
    for data in items:
        schema = str(data.get("schema", ""))
        if schema == "Sanction":
            proxy = model.get_proxy(data)
            for target in proxy.get("entity"):
                sanctions[target].append(proxy)
        elif schema in ("Identification", "Passport"):
            proxy = model.get_proxy(data)
            for holder in proxy.get("holder"):
                docs[holder].append(proxy)
        elif schema == "Address":
            proxy = model.get_proxy(data)
            if proxy.id:
                addrs[proxy.id] = proxy
        else:
            parties.append(data)
    for data in parties:
        if kind_of_schema(str(data.get("schema", ""))) is None:
            continue
        proxy = model.get_proxy(data)
        eid = proxy.id or ""
        linked = [addrs[a] for a in proxy.get("addressEntity", quiet=True) if a in addrs]
        party = party_from_ftm(data, dataset, sanctions.get(eid, ()), docs.get(eid, ()), linked)
        if party is not None:
            yield party
