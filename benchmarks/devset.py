"""The development benchmark for party screening, built at run time from ../shared data
and installed packages only (nothing is copied into the project).

* Positives: records of *different* public lists that share a strong identifier (IMO,
  INN, OGRN, passport, national id, SWIFT, tax or registration number...) form a
  cluster. Each record of a cluster is a query (its name, kind, countries, birth date;
  one query in six also gives its identifiers); its truth is the cluster's records on
  the other lists. Hits from the query's own list are left out of its ranking (as if
  that list were a national list not loaded).
* Hard negatives: candidates whose identifiers of a scheme the query record also has
  all differ (``conflicts``). Other non-truth candidates of a positive query are of
  unknown truth (the same party may be listed twice without a shared number), so they
  count for ranking only, never as labelled pairs.
* Real-name negatives: exchange-listed companies (the ``pytickersymbols`` package's
  index constituents, with their countries; Russian and Chinese ones left out, they
  may be listed) and person names made of a real given name and a real family name of
  the same country (the ``names-dataset`` package, top names per country).
* Split by cluster (companies and persons by name): fit 60 %, dev 20 %, test 20 %.

yente's and watchman's labelled cases are not part of it: they are for reporting only.
"""

from __future__ import annotations

import random
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STRONG = frozenset(
    {
        "imo",
        "inn",
        "ogrn",
        "passport",
        "national_id",
        "swift",
        "tax_id",
        "registration",
        "mmsi",
        "uscc",
        "lei",
        "duns",
        "cedula",
    }
)
# persons: top names of these countries (names-dataset), 60 names per country
PERSON_COUNTRIES = [
    "US",
    "GB",
    "DE",
    "FR",
    "IT",
    "ES",
    "NL",
    "SE",
    "PL",
    "TR",
    "JP",
    "KR",
    "IN",
    "BR",
    "MX",
    "EG",
    "SA",
    "AE",
    "IR",
    "RU",
    "UA",
    "KZ",
    "GE",
    "AM",
    "NG",
    "ZA",
    "AU",
    "CA",
]


def split_of(key: str) -> str:
    h = zlib.crc32(key.encode("utf-8")) % 10
    return "fit" if h < 6 else "dev" if h < 8 else "test"


@dataclass
class Case:
    query: Any  # counterflow.match.Query
    group: str  # "listed" | "company" | "person"
    split: str
    truth: frozenset[str] = frozenset()  # entity ids
    own: str = ""  # the query record's dataset (its hits are left out)
    ids: dict[str, frozenset[str]] = field(default_factory=dict)  # scheme -> values
    fuzzy: bool = False  # the name differs from every spelling of its truth records


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def listed_cases(records: list[Any], seed: int = 7) -> list[Case]:
    from counterflow.match import Query
    from counterflow.match.normalize import prepare

    parent = list(range(len(records)))
    owner: dict[str, int] = {}
    for k, r in enumerate(records):
        for i in r.identifiers:
            if i.scheme in STRONG and len(i.value) >= 5:
                key = i.value
                if key in owner:
                    a, b = _find(parent, owner[key]), _find(parent, k)
                    if a != b:
                        parent[a] = b
                else:
                    owner[key] = k
    clusters: dict[int, list[int]] = defaultdict(list)
    for k in range(len(records)):
        clusters[_find(parent, k)].append(k)
    rng = random.Random(seed)
    out: list[Case] = []
    for members in clusters.values():
        if len({records[k].dataset for k in members}) < 2 or len(members) > 12:
            continue
        eids = sorted(f"{records[k].dataset}:{records[k].source_id}" for k in members)
        split = split_of("|".join(eids))
        for k in members:
            r = records[k]
            truth = frozenset(
                f"{records[m].dataset}:{records[m].source_id}"
                for m in members
                if records[m].dataset != r.dataset
            )
            ids: dict[str, set[str]] = defaultdict(set)
            for i in r.identifiers:
                if i.scheme in STRONG:
                    ids[i.scheme].add(i.value)
            spellings = {
                tuple(sorted(prepare(n, records[m].kind).tokens))
                for m in members
                if records[m].dataset != r.dataset
                for n in [records[m].name, *(a.name for a in records[m].aliases)]
            }
            q_ids = (
                [f"{s}:{v}" for s, vs in ids.items() for v in sorted(vs)][:2]
                if rng.random() < 1 / 6
                else []
            )
            q = Query(
                id=f"{r.dataset}:{r.source_id}",
                name=r.name,
                kind=r.kind
                if r.kind in ("person", "organization", "vessel", "aircraft")
                else "any",
                countries=sorted({c.code.lower() for c in r.countries if c.code})[:3],
                birth_dates=[b.value for b in r.birth_dates[:1]],
                identifiers=q_ids,
            )
            fuzzy = tuple(sorted(prepare(r.name, r.kind).tokens)) not in spellings
            out.append(
                Case(
                    q,
                    "listed",
                    split,
                    truth,
                    r.dataset,
                    {s: frozenset(v) for s, v in ids.items()},
                    fuzzy,
                )
            )
    return out


def company_cases() -> list[Case]:
    from pytickersymbols import PyTickerSymbols

    from counterflow.match import Query
    from counterflow.records.countries import to_iso2

    seen: set[str] = set()
    out: list[Case] = []
    for s in PyTickerSymbols().get_all_stocks():
        name = (s.get("name") or "").strip()
        country = (s.get("country") or "").strip()
        code = to_iso2(country) if country else None
        if not code and "," in country:
            code = "us"  # "Houston, Texas"
        if not name or name.lower() in seen or not code or code.lower() in ("ru", "cn"):
            continue
        seen.add(name.lower())
        q = Query(id=f"co:{name}", name=name, kind="organization", countries=[code.lower()])
        out.append(Case(q, "company", split_of(name.lower())))
    return out


# issuers registered here may be listed, or be holding shells of listed groups
EXCHANGE_LEFT_OUT = frozenset(
    {"ru", "cn", "hk", "mo", "ir", "by", "kp", "sy", "cu", "ve", "ky", "bm", "vg"}
)


# depositary receipts carry the receipt's ISIN, not the issuer's country; names that say
# Russia, China or a Russian public-company form are left out with them
_FOREIGN_ISSUER = re.compile(
    r"\b(adr|adrs|gdr|drc|bdr|cedear|cedears|pjsc|pao|oao|ojsc|russia|russian|rossii|"
    r"china|chinese|hong kong|moscow|iran|belarus)\b",
    re.IGNORECASE,
)


def exchange_cases() -> list[Case]:
    """About 30,000 more real companies: the stocks of the ``investpy`` package's
    investing.com listing table (91 exchanges), each issuer once (by ISIN, then by
    name), its country read off the ISIN. Issuers registered in Russia, China, Hong
    Kong, Iran, Belarus, the DPRK, Syria, Cuba, Venezuela and three offshore registries,
    every stock traded in Russia, China or Hong Kong, depositary receipts and names that
    say Russia or China are left out (some may be listed). Not part of ``build`` (the
    shipped scorer was fitted without them): the table reports them beside the
    ``company`` group and the dev split is for development. Read from the installed
    package's file; the package itself is not imported."""
    import csv
    import importlib.util

    from counterflow.match import Query

    spec = importlib.util.find_spec("investpy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the benchmark needs investpy: pip install -e '.[bench]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "stocks.csv"
    seen_isin: set[str] = set()
    seen: set[str] = {c.query.name.lower() for c in company_cases()}
    out: list[Case] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = (row.get("full_name") or "").strip()
            isin = (row.get("isin") or "").strip().upper()
            code = isin[:2].lower()
            if (
                not name
                or len(isin) != 12
                or not code.isalpha()
                or code in EXCHANGE_LEFT_OUT
                or code in ("xs", "eu", "xc", "qs")
                or row.get("country") in ("russia", "china", "hong kong")
                or _FOREIGN_ISSUER.search(name)
                or isin in seen_isin
                or name.lower() in seen
            ):
                continue
            seen_isin.add(isin)
            seen.add(name.lower())
            q = Query(id=f"ex:{isin}", name=name, kind="organization", countries=[code])
            out.append(Case(q, "exchange", split_of(name.lower())))
    return out


def person_cases(per_country: int = 60, seed: int = 7) -> list[Case]:
    from names_dataset import NameDataset

    from counterflow.match import Query

    nd = NameDataset()
    rng = random.Random(seed)
    out: list[Case] = []
    seen: set[str] = set()
    for cc in PERSON_COUNTRIES:
        first = nd.get_top_names(n=150, country_alpha2=cc).get(cc, {})
        last = nd.get_top_names(n=150, country_alpha2=cc, use_first_names=False).get(cc, [])
        givens = [n for g in ("M", "F") for n in first.get(g, [])]
        if not givens or not last:
            continue
        for _ in range(per_country):
            name = f"{rng.choice(givens)} {rng.choice(last)}"
            if name.lower() in seen:
                continue
            seen.add(name.lower())
            dob = [str(rng.randint(1950, 2000))] if rng.random() < 0.5 else []
            q = Query(
                id=f"pe:{name}", name=name, kind="person", countries=[cc.lower()], birth_dates=dob
            )
            out.append(Case(q, "person", split_of(name.lower())))
    del nd
    return out


def build(records: Iterable[Any], *, persons: bool = True) -> list[Case]:
    """Every case of the development benchmark over the loaded ``records``."""
    cases = listed_cases(list(records))
    cases += company_cases()
    if persons:
        cases += person_cases()
    return cases


# one value per party for life (a person's passports change, these do not)
UNIQUE = frozenset({"imo", "inn", "ogrn", "swift", "lei", "mmsi", "uscc", "national_id"})


def conflicts(case: Case, party_ids: dict[str, frozenset[str]]) -> bool:
    """True when the candidate shares no identifier with the query record and differs
    from it in a scheme that is unique to a party (IMO, INN, OGRN, SWIFT, LEI, MMSI,
    USCC, national id): a hard negative."""
    shared_scheme = False
    for s, vals in case.ids.items():
        other = party_ids.get(s)
        if other:
            if vals & other:
                return False
            shared_scheme = shared_scheme or s in UNIQUE
    return shared_scheme
