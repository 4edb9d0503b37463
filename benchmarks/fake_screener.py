"""A tiny deterministic ``Screener`` over a list of ``Party`` records, for the tests of the
review layer, the API and the web pages and for ``api_load.py``'s stub mode (tests import
it as ``fake_screener``: pytest puts ``benchmarks/`` on the path). Not a matcher: it
scores by name-token overlap only. Real screening is ``counterflow.match.open_screener``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from counterflow.match.types import Hit, Query
from counterflow.records.model import Alias, BirthDate, CountryRef, Identifier, Party

_TOKEN = re.compile(r"\w+", re.UNICODE)


def _tokens(text: str) -> set[str]:
    return {t.casefold() for t in _TOKEN.findall(text)}


class OneByOne:
    """``screen_many`` as ``screen`` on each query in turn (``workers`` ignored): the base
    of the test screeners, which define ``screen``."""

    def screen(self, query: Query, *, threshold: float = 0.5, limit: int = 10) -> list[Hit]:
        raise NotImplementedError

    def screen_many(
        self,
        queries: Iterable[Query],
        *,
        threshold: float = 0.5,
        limit: int = 10,
        workers: int = 1,
    ) -> Iterator[list[Hit]]:
        for q in queries:
            yield self.screen(q, threshold=threshold, limit=limit)


class FakeScreener(OneByOne):
    """Jaccard overlap of name tokens; >= 0.8 is ``match``, >= 0.5 ``review``."""

    def __init__(self, records: Sequence[Party]) -> None:
        self.records = list(records)
        self._names: list[list[tuple[str, set[str]]]] = []
        self._by_token: dict[str, set[int]] = {}
        for i, p in enumerate(self.records):
            names = [(n, _tokens(n)) for n in p.all_names()]
            self._names.append(names)
            for _, toks in names:
                for t in toks:
                    self._by_token.setdefault(t, set()).add(i)

    def screen(self, query: Query, *, threshold: float = 0.5, limit: int = 10) -> list[Hit]:
        q = _tokens(query.name)
        candidates: set[int] = set()
        for t in q:
            candidates |= self._by_token.get(t, set())
        hits: list[Hit] = []
        for i in sorted(candidates):
            p = self.records[i]
            if query.kind not in ("any", p.kind):
                continue
            best, best_name = 0.0, p.name
            for name, toks in self._names[i]:
                if not toks:
                    continue
                s = len(q & toks) / len(q | toks)
                if s > best:
                    best, best_name = s, name
            if best >= threshold and best > 0:
                band = "match" if best >= 0.8 else "review" if best >= 0.5 else "clear"
                hits.append(
                    Hit(
                        query_id=query.id,
                        score=round(best, 4),
                        decision=band,  # type: ignore[arg-type]
                        dataset=p.dataset,
                        source_id=p.source_id,
                        entity_id=p.entity_id,
                        entity_name=p.name,
                        matched_name=best_name,
                        kind=p.kind,
                        explanation=f"name tokens overlap {best:.2f}",
                        features={"name_tokens": round(best, 4)},
                        party=p,
                    )
                )
        hits.sort(key=lambda h: (-h.score, h.entity_id))
        return hits[:limit]


def sample_parties() -> list[Party]:
    """Two listed parties the review, API and web tests (and demos) share: an OFAC-listed
    company with an INN and a UK-listed person with a birth date."""
    return [
        Party(
            dataset="us_ofac_sdn",
            source_id="36",
            kind="organization",
            name="Alfa Komponent LLC",
            aliases=[Alias("Alfa Komponent")],
            countries=[CountryRef("ru", "address")],
            identifiers=[Identifier("inn", "7701234567", "INN 7701234567")],
            programs=["RUSSIA-EO14024"],
        ),
        Party(
            dataset="gb_hmt_sanctions",
            source_id="16163",
            kind="person",
            name="Ivan Petrov",
            birth_dates=[BirthDate("1970-01-02")],
            countries=[CountryRef("ru", "nationality")],
            programs=["Russia"],
        ),
    ]
