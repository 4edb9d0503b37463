"""Listed entities: the records of different lists that are the same party, grouped.

One sanctioned party usually appears on several lists (Vladimir Putin is on the UK, OFAC
SDN, EU and UA lists), each a record of its own. At load time the store groups them into
one *listed entity*, the way OpenSanctions merges its sources, so that screening raises
one alert per customer x entity, not one per list record. Two records are linked when

- they share a strong identifier: IMO number, INN / OGRN / tax or registration number
  (compared by value across those schemes), LEI, SWIFT/BIC, D-U-N-S, USCC, aircraft tail
  number, or a passport / national id number (persons: birth dates must not disagree); or
- they carry the same name (primary or strong alias; words sorted, accents and legal
  forms dropped) and, for persons, agreeing birth dates (to the month, or the same year
  when their countries do not disagree), for organisations, vessels and aircraft a shared country or
  the same address.

Records of one list are never merged with each other: a group holds at most one record
per dataset, and a link that would join two records of the same list is refused (this
also stops chains of weak links from snowballing). Keys that many records of one list
share (placeholders, a group of companies' common address) are ignored. Every member
keeps the reason it joined as evidence.

A group is named by its lead record's entity id (the first by list priority: UN, OFAC
SDN, EU, UK, ...); a record in no group is its own entity.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from counterflow.records.model import Party

# Bumped when the rules change: groups stored by an older version are recomputed.
GROUPING_VERSION = 2

# Lead-record priority: the list an analyst recognises first names the group.
DATASET_PRIORITY: tuple[str, ...] = (
    "un_sc_sanctions",
    "us_ofac_sdn",
    "eu_fsf",
    "gb_hmt_sanctions",
    "ua_war_sanctions",
    "us_ofac_cons",
    "us_bis_denied",
    "us_trade_csl",
)

# Identifier schemes whose values name one party; numbers of the registration family are
# compared across schemes (an INN on one list is a "tax id" on another).
_ID_CLASS: dict[str, str] = {
    "imo": "imo",
    "inn": "reg",
    "ogrn": "reg",
    "tax_id": "reg",
    "registration": "reg",
    "uscc": "reg",
    "okpo": "okpo",
    "lei": "lei",
    "swift": "swift",
    "duns": "duns",
    "aircraft_tail": "tail",
    "passport": "doc",
    "national_id": "doc",
    "cedula": "doc",
    "ssn": "doc",
}
_MIN_ID_LEN = {"imo": 7, "reg": 8, "okpo": 8, "lei": 20, "swift": 8, "duns": 9, "tail": 4}
_MIN_DOC_LEN = 6
MAX_BUCKET = 12  # a key shared by more records than this is not an identity
_WORD = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Link:
    """Why two records are one party (kept as evidence with the group)."""

    a: str
    b: str
    reason: str


@dataclass(slots=True)
class EntityGroups:
    """entity id -> group id for the records in a group of two or more, with evidence.
    Records in no group are their own entity (``group_of(x) == x``)."""

    fingerprint: str = ""
    group: dict[str, str] = field(default_factory=dict)  # member entity id -> group id
    reason: dict[str, str] = field(default_factory=dict)  # member entity id -> why it joined
    _members: dict[str, list[str]] | None = None

    def group_of(self, entity_id: str) -> str:
        return self.group.get(entity_id, entity_id)

    def members(self, group_id: str) -> list[str]:
        """Entity ids of the group, lead first (``[group_id]`` for a lone record)."""
        if self._members is None:
            by: dict[str, list[str]] = defaultdict(list)
            for e, g in self.group.items():
                by[g].append(e)
            self._members = {g: sorted(m, key=lambda e: (e != g, e)) for g, m in by.items()}
        return list(self._members.get(group_id, [group_id]))

    def why(self, entity_id: str) -> str:
        return self.reason.get(entity_id, "")

    def groups(self) -> Iterator[tuple[str, list[str]]]:
        """(group id, member ids) of every group of two or more."""
        for g in sorted({*self.group.values()}):
            yield g, self.members(g)

    def __len__(self) -> int:
        return len(set(self.group.values()))


def _fold(text: str) -> str:
    """Lower case, accents dropped, punctuation to spaces (any script kept)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_WORD.sub(" ", text.casefold()).replace("_", " ").split())


def _org_core(text: str) -> str:
    try:
        from rigour.names.org_types import remove_org_types

        return str(remove_org_types(text))
    except Exception:  # pragma: no cover - rigour is a followthemoney dependency
        return text


_KEYS: dict[tuple[str, bool], str] = {}


def name_key(name: str, kind: str) -> str:
    """The comparison form of a name: folded, legal forms dropped (non-persons), words
    sorted (so "PUTIN, Vladimir" and "Vladimir Putin" agree). Cached: the same names
    recur across lists."""
    ck = (name, kind == "person")
    got = _KEYS.get(ck)
    if got is None:
        folded = _fold(name)
        if kind != "person":
            folded = _fold(_org_core(folded))
        got = " ".join(sorted(folded.split()))
        if len(_KEYS) > 500_000:
            _KEYS.clear()
        _KEYS[ck] = got
    return got


def _kind_class(kind: str) -> str:
    return {"person": "p", "vessel": "v", "aircraft": "a"}.get(kind, "o")


@dataclass(slots=True)
class _Rec:
    entity_id: str
    dataset: str
    kind: str
    name: str
    dates: list[str]
    countries: set[str]
    addresses: set[str]
    ids: dict[str, set[str]]  # id class -> values


def _summarise(p: Party) -> tuple[_Rec, list[tuple[str, str]], list[str]]:
    """The record's comparison data, its identifier keys (key, text) and name keys."""
    ids: dict[str, set[str]] = defaultdict(set)
    id_keys: list[tuple[str, str]] = []
    for ident in p.identifiers:
        cls = _ID_CLASS.get(ident.scheme)
        value = ident.value.upper()
        if cls is None or not value:
            continue
        if cls == "doc":
            if len(value) < _MIN_DOC_LEN or not any(ch.isdigit() for ch in value):
                continue
            key = f"doc:{ident.scheme if ident.scheme != 'cedula' else 'national_id'}:{value}"
        else:
            if len(value) < _MIN_ID_LEN.get(cls, 6):
                continue
            key = f"{cls}:{value}"
        ids[cls].add(value)
        id_keys.append((key, f"{ident.scheme} {ident.raw or ident.value}"))
    names = [p.name, *(a.name for a in p.aliases if a.strength == "strong")]
    keys: list[str] = []
    for n in names:
        k = name_key(n, p.kind)
        if len(k.replace(" ", "")) >= 4 and k not in keys:
            keys.append(k)
    rec = _Rec(
        entity_id=p.entity_id,
        dataset=p.dataset,
        kind=p.kind,
        name=p.name,
        dates=[b.value for b in p.birth_dates],
        countries={c.code for c in p.countries if c.code},
        addresses=(
            {a for a in (" ".join(sorted(_fold(x).split())) for x in p.addresses) if a}
            if p.kind != "person"
            else set()
        ),
        ids=ids,
    )
    return rec, id_keys, keys


def _dates_agree(a: list[str], b: list[str], year_ok: bool) -> str:
    """The agreeing date ("" when none): to the month at least, or the year when
    ``year_ok`` (the countries do not disagree)."""
    for x in a:
        for y in b:
            n = min(len(x), len(y))
            if x[:n] != y[:n]:
                continue
            if n >= 7 or year_ok:
                return x if len(x) >= len(y) else y
    return ""


def _conflict(a: _Rec, b: _Rec) -> bool:
    """Both carry numbers of a one-per-party scheme and none agree (two vessels with one
    name, two companies with one name and different INNs)."""
    for cls in ("imo", "reg", "lei"):
        va, vb = a.ids.get(cls), b.ids.get(cls)
        if va and vb and not va & vb:
            return True
    return False


def _name_link(a: _Rec, b: _Rec, key: str) -> str:
    """The reason two records with the same name key are one party ("" if not)."""
    if _conflict(a, b):
        return ""
    shared = sorted(a.countries & b.countries)
    if a.kind == "person" and b.kind == "person":
        # The year is enough unless both name countries and none agree (some lists give
        # no country at all, some write a year-only date as YYYY-01-01).
        no_conflict = bool(shared) or not a.countries or not b.countries
        d = _dates_agree(a.dates, b.dates, no_conflict)
        if not d:
            return ""
        extra = f", country {shared[0]}" if shared else ""
        return f"same name ({key}) and birth date {d}{extra}"
    if _kind_class(a.kind) != _kind_class(b.kind):
        return ""
    if shared:
        return f"same name ({key}) and country {shared[0]}"
    addr = sorted(a.addresses & b.addresses)
    if addr:
        return f"same name ({key}) and address {addr[0][:60]}"
    return ""


def _id_link(a: _Rec, b: _Rec, text: str) -> str:
    ka, kb = _kind_class(a.kind), _kind_class(b.kind)
    if ka != kb and not ({ka, kb} <= {"p", "o"}):
        return ""  # a vessel and a company never share an identity
    persons = a.kind == "person" and b.kind == "person"
    if persons and a.dates and b.dates and not _dates_agree(a.dates, b.dates, True):
        return ""  # same document number, different people
    return f"shared identifier: {text}"


def compute_groups(records: Iterable[Party]) -> EntityGroups:
    """Group the records (all active lists) into listed entities; see the module doc."""
    recs: list[_Rec] = []
    id_buckets: dict[str, list[tuple[int, str]]] = defaultdict(list)
    name_buckets: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in records:
        rec, id_keys, name_keys = _summarise(p)
        i = len(recs)
        recs.append(rec)
        for key, text in id_keys:
            id_buckets[key].append((i, text))
        for k in name_keys:
            name_buckets[(_kind_class(p.kind), k)].append(i)

    links: list[tuple[int, int, str]] = []  # strongest first
    for members in id_buckets.values():
        uniq = list(dict.fromkeys(members))
        if len(uniq) < 2 or len(uniq) > MAX_BUCKET:
            continue
        datasets = [recs[i].dataset for i, _ in uniq]
        if len(set(datasets)) < len(datasets):
            continue  # one list gives this number to several records: not an identity
        for x in range(len(uniq)):
            for y in range(x + 1, len(uniq)):
                (i, text), (j, _) = uniq[x], uniq[y]
                why = _id_link(recs[i], recs[j], text)
                if why:
                    links.append((i, j, why))
    for (_cls, key), idx in name_buckets.items():
        uniq_i: list[int] = list(dict.fromkeys(idx))
        if len(uniq_i) < 2 or len(uniq_i) > MAX_BUCKET:
            continue
        for x in range(len(uniq_i)):
            for y in range(x + 1, len(uniq_i)):
                i, j = uniq_i[x], uniq_i[y]
                if recs[i].dataset == recs[j].dataset:
                    continue
                why = _name_link(recs[i], recs[j], key)
                if why:
                    links.append((i, j, "name:" + why))

    parent = list(range(len(recs)))
    sets: dict[int, set[str]] = {}
    lands: dict[int, set[str]] = {}  # countries of a component's records
    reason: dict[int, str] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, why in links:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        si = sets.get(ri, {recs[ri].dataset})
        sj = sets.get(rj, {recs[rj].dataset})
        ci = lands.get(ri, recs[ri].countries)
        cj = lands.get(rj, recs[rj].countries)
        by_name = why.startswith("name:")
        why = why.removeprefix("name:")
        if by_name and ci and cj and not ci & cj:
            continue  # a name link must not join two groups placed in different countries
        if si & sj:
            continue  # would put two records of one list in a group
        parent[rj] = ri
        sets[ri] = si | sj
        lands[ri] = ci | cj
        lands.pop(rj, None)
        sets.pop(rj, None)
        reason.setdefault(i, f"{why} (with {recs[j].entity_id})")
        reason.setdefault(j, f"{why} (with {recs[i].entity_id})")

    rank = {d: n for n, d in enumerate(DATASET_PRIORITY)}
    comps: dict[int, list[int]] = defaultdict(list)
    for i in range(len(recs)):
        if parent[i] != i or i in sets:
            comps[find(i)].append(i)
    out = EntityGroups()
    for comp in comps.values():
        if len(comp) < 2:
            continue
        lead = min(comp, key=lambda m: (rank.get(recs[m].dataset, len(rank)), m))
        gid = recs[lead].entity_id
        for m in comp:
            out.group[recs[m].entity_id] = gid
            out.reason[recs[m].entity_id] = reason.get(m, "")
    return out
