"""The party screener: retrieve candidates, score them, explain, band.

``open_screener(store)`` opens (or builds and persists) the index of every loaded list
keyed by ``store.fingerprint()``; ``PartyScreener.from_parties(parties)`` builds one in
memory (tests, other modules). ``screen_many(..., workers=2)`` screens a stream of
queries on several processes (fork, the memory-mapped index shared) in input order.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import shutil
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from multiprocessing.pool import AsyncResult
from typing import Any, Final, Protocol

from rapidfuzz import fuzz

from counterflow.match import calibration
from counterflow.match.bands import MATCH, REVIEW, decide
from counterflow.match.index import NameIndex
from counterflow.match.normalize import prepare, prepare_variants, surface
from counterflow.match.scorer import (
    NameMatch,
    WeightedName,
    evidence_features,
    explain_name,
    name_features,
    name_similarity,
    query_evidence,
)
from counterflow.match.types import Hit, Query
from counterflow.records.model import Party

_log = logging.getLogger(__name__)

_ratio: Final = fuzz.ratio

MIN_CANDIDATES: Final = 16
RETRIEVAL_CUT: Final = 0.4  # candidates under 40 % of the best retrieval score are not scored
VARIANT_PENALTY: Final = 0.05
MIN_NAME_SCORE: Final = 0.3  # below this a candidate is not reported even at threshold 0


class _StoreLike(Protocol):
    def fingerprint(self) -> str: ...

    def iter_records(self, datasets: Sequence[str] | None = None) -> Iterator[Party]: ...

    def get(self, source_id: str, dataset: str | None = None) -> list[Party]: ...


PartyLoader = Callable[[int], Party | None]


class PartyScreener:
    """Implements ``match.types.Screener`` over a ``NameIndex``."""

    def __init__(
        self,
        index: NameIndex,
        party_loader: PartyLoader | None = None,
        *,
        match_band: float = MATCH,
        review_band: float = REVIEW,
    ) -> None:
        self.index = index
        self.party_loader = party_loader
        self.match_band = match_band
        self.review_band = review_band
        self.calibration = calibration.default()

    @classmethod
    def from_parties(cls, parties: Iterable[Party]) -> PartyScreener:
        """An in-memory screener over ``parties`` (hits carry the ``Party``)."""
        plist = list(parties)
        index = NameIndex.build(plist)
        return cls(index, plist.__getitem__)

    # ------------------------------------------------------------ screening
    def screen(
        self,
        query: Query,
        *,
        threshold: float = 0.5,
        limit: int = 10,
        attach_party: bool = True,
    ) -> list[Hit]:
        """Hits with score >= threshold, best first, at most ``limit``."""
        if limit <= 0:
            return []
        forms = prepare_variants(query.name or "", query.kind)
        if not forms:
            if not query.identifiers:
                return []
            forms = [prepare("", query.kind)]  # identifier-only (e.g. a Vessel by IMO)
        index = self.index
        # threshold 0 asks for the ``limit`` best candidates whatever they score
        everything = threshold <= 0.0
        k = max(MIN_CANDIDATES, (4 if everything else 2) * limit)
        cut = 0.0 if everything else RETRIEVAL_CUT
        best: dict[int, tuple[float, int, Any, WeightedName]] = {}
        shape = _Surface(query.name or "", index)
        for n, form in enumerate(forms):
            qname = WeightedName.build(form, index.weights)
            for eid in index.retrieve(form, k, cut):
                pidx = index.entry_party_list[eid]
                nm = name_similarity(qname, index.weighted_entry(eid))
                score = nm.score - (0.05 if index.entry_weak[eid] else 0.0)
                if n:
                    score -= VARIANT_PENALTY  # a Japanese/Korean reading of Han is a guess
                if nm.legal is False:
                    score -= 0.03
                prev = best.get(pidx)
                if (
                    prev is None
                    or score > prev[0]
                    or (score == prev[0] and shape.closer(eid, prev[1]))
                ):
                    best[pidx] = (score, eid, nm, qname)
        qev = query_evidence(
            query.kind, query.countries, query.birth_dates, query.identifiers, query.address
        )
        # parties sharing an identifier with the query are candidates whatever their name
        # (a renamed vessel keeps its IMO number)
        id_parties: set[int] = set()
        for ident in qev.identifiers:
            id_parties.update(index.parties_with_identifier(ident.value))
        for pidx in id_parties:
            if pidx not in best:
                eid = index.first_entry[pidx]
                if eid < 0:
                    continue
                qname = WeightedName.build(forms[0], index.weights)
                nm = name_similarity(qname, index.weighted_entry(eid))
                best[pidx] = (nm.score, eid, nm, qname)
        if not best:
            return []
        hits: list[Hit] = []
        order: list[tuple[float, float, float]] = []
        pidx_of: dict[str, int] = {}
        cal = self.calibration
        for pidx, (nscore, eid, nm, qname) in best.items():
            if nscore < MIN_NAME_SCORE and not everything and pidx not in id_parties:
                continue
            delta, floor, notes, feats = evidence_features(qev, index.evidence(pidx))
            entry = index.weighted_entry(eid)
            feats.update(name_features(qname, entry, nm))
            weak = index.entry_weak[eid]
            if weak:
                feats["weak_alias"] = 1.0
            if qname.form is not forms[0]:
                feats["han_reading"] = 1.0
            if nm.legal is False:
                feats["legal_conflict"] = 1.0
            short = "short_name" in feats or "acronym" in feats
            if short and "country_conflict" in feats:
                feats["short_country_conflict"] = 1.0
            whole = whole_name_equal(qname, entry, nm)
            exact = calibrated_score(
                cal, feats, floor, short, self.match_band, self.review_band, whole
            )
            score = round(exact, 4)
            if score < threshold:
                continue
            meta = index.parties[pidx]
            pidx_of[f"{meta.dataset}:{meta.source_id}"] = pidx
            expl = explain_name(qname, entry, nm, prepare(index.entry_names[eid], meta.kind))
            if weak:
                expl += " (weak a.k.a.)"
            if qname.form is not forms[0]:
                expl += " (Japanese/Korean reading of the Han name)"
            if notes:
                expl += "; " + "; ".join(notes)
            if whole and exact == self.review_band and cal.probability(feats) < exact:
                expl += "; the whole listed name, nothing against it: held at review"
            expl += "; model: " + cal.contributions(feats)
            feats["evidence"] = round(delta, 4)
            order.append((-score, -shape.of(eid), -exact))
            hits.append(
                Hit(
                    query_id=query.id,
                    score=score,
                    decision=decide(score, match=self.match_band, review=self.review_band),
                    dataset=meta.dataset,
                    source_id=meta.source_id,
                    entity_id=f"{meta.dataset}:{meta.source_id}",
                    entity_name=meta.name,
                    matched_name=index.entry_names[eid],
                    kind=meta.kind,
                    explanation=expl,
                    features={k: round(v, 4) for k, v in feats.items()},
                )
            )
        # equal shown scores go by the spelling as written (legal form and word order
        # included: "LLC SMT-iLogic" is closer to LLC SMT-ILOGIC than to SMT-ILOGIC),
        # then by the unrounded score
        ranked = sorted(zip(order, hits, strict=True), key=lambda x: (x[0], x[1].entity_id))
        hits = [h for _, h in ranked[:limit]]
        if attach_party and self.party_loader is not None:
            for h in hits:
                h.party = self.party_loader(pidx_of[h.entity_id])
        return hits

    def screen_many(
        self,
        queries: Iterable[Query],
        *,
        threshold: float = 0.5,
        limit: int = 10,
        workers: int = 1,
        chunk_size: int = 256,
        attach_party: bool = False,
    ) -> Iterator[list[Hit]]:
        """Streams the hits of each query, in input order; ``workers`` > 1 uses forked
        processes that share the memory-mapped index."""
        for _, hits in self.screen_stream(
            queries,
            threshold=threshold,
            limit=limit,
            workers=workers,
            chunk_size=chunk_size,
            attach_party=attach_party,
        ):
            yield hits

    def screen_stream(
        self,
        queries: Iterable[Query],
        *,
        threshold: float = 0.5,
        limit: int = 10,
        workers: int = 1,
        chunk_size: int = 256,
        attach_party: bool = False,
    ) -> Iterator[tuple[Query, list[Hit]]]:
        """(query, hits) pairs in input order. At most ``4 * workers`` chunks are in
        flight, so memory stays bounded however long the input is.

        The cyclic garbage collector is paused meanwhile (in the forked workers too):
        screening makes no reference cycles (tests/match/test_match_screener.py checks
        it), so it would only walk the caches, about a tenth of the time."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            if workers <= 1:
                for q in queries:
                    hits = self.screen(
                        q, threshold=threshold, limit=limit, attach_party=attach_party
                    )
                    yield q, hits
                return
            global _WORKER
            _WORKER = (self, threshold, limit)
            ctx = mp.get_context("fork")
            it = iter(queries)
            window: deque[tuple[list[Query], AsyncResult[list[list[Hit]]]]] = deque()
            with ctx.Pool(workers) as pool:
                while True:
                    while len(window) < 4 * workers:
                        chunk = list(islice(it, chunk_size))
                        if not chunk:
                            break
                        window.append((chunk, pool.apply_async(_screen_chunk, (chunk,))))
                    if not window:
                        break
                    chunk, res = window.popleft()
                    yield from zip(chunk, res.get(), strict=True)
        finally:
            if was_enabled:
                gc.enable()


class _Surface:
    """Closeness of a query's name as written to listed names as written, computed only
    for the candidates that need it (a tie), each once."""

    def __init__(self, name: str, index: NameIndex) -> None:
        self.name = name
        self.query: str | None = None  # the query's surface, made on first need
        self.index = index
        self.memo: dict[int, float] = {}

    def of(self, eid: int) -> float:
        v = self.memo.get(eid)
        if v is None:
            query = self.query
            if query is None:
                query = self.query = surface(self.name) if self.name else ""
            names = (self.index.entry_names[eid], *self.index.entry_spellings.get(eid, ()))
            v = max(_ratio(query, surface(n)) for n in names) / 100.0
            self.memo[eid] = v
        return v

    def closer(self, eid: int, than: int) -> bool:
        return eid != than and self.of(eid) > self.of(than)


# evidence against a candidate: any of these keeps the whole-name rule off
_AGAINST: Final = (
    "id_conflict",
    "doc_conflict",
    "dob_conflict",
    "country_conflict",
    "kind_conflict",
    "legal_conflict",
    "weak_alias",
    "han_reading",
)


def whole_name_equal(q: WeightedName, c: WeightedName, nm: NameMatch) -> bool:
    """Every word of the query and every word of the listed name agree exactly, one to
    one (legal forms aside): ``Gazprom`` ~ ``PJSC GAZPROM``."""
    if nm.how != "tokens" or nm.score < 0.999:
        return False
    n = len(q.form.tokens)
    return n == len(c.form.tokens) == len(nm.pairs) and all(s >= 0.999 for _, _, s in nm.pairs)


def calibrated_score(
    cal: calibration.Calibration,
    feats: dict[str, float],
    floor: float,
    short: bool,
    match_band: float = MATCH,
    review_band: float = REVIEW,
    whole: bool = False,
) -> float:
    """The model's probability, then the policy rules: an agreeing identifier is a match;
    a conflicting unique identifier (none agreeing) keeps the candidate out of the alert
    bands; a short or acronym name reaches ``match`` only with agreeing evidence; the
    whole listed name (``whole``), not short, with no evidence against it is never
    cleared: at least ``review`` (a group's own word, ``Gazprom``, is common on the lists
    and weighs little there, which must not clear the group itself)."""
    p = cal.probability(feats)
    if floor:
        p = max(p, calibration.ID_FLOOR)
    elif "id_conflict" in feats:
        p = min(p, review_band - 0.01)
    elif short and not any(
        k in feats for k in ("country_agree", "dob_agree", "address_agree", "id_agree")
    ):
        p = min(p, match_band - 0.01)
    elif whole and not any(k in feats for k in _AGAINST):
        p = max(p, review_band)
    return max(0.0, min(1.0, p))


_WORKER: tuple[PartyScreener, float, int] | None = None


def _screen_chunk(chunk: list[Query]) -> list[list[Hit]]:
    assert _WORKER is not None
    screener, threshold, limit = _WORKER
    return [screener.screen(q, threshold=threshold, limit=limit, attach_party=False) for q in chunk]


def open_screener(store: _StoreLike, *, rebuild: bool = False) -> PartyScreener:
    """The screener over every list loaded in ``store``; its index is persisted under
    ``config.index_dir()`` and rebuilt when the store's fingerprint changes."""
    from counterflow.config import index_dir
    from counterflow.match.index import LOAD_ERRORS

    fp = store.fingerprint()
    root = index_dir()
    folder = root / f"names-{fp[:24]}"
    index: NameIndex | None = None
    if folder.exists() and not rebuild:
        try:
            index = NameIndex.load(folder)
        except LOAD_ERRORS as exc:
            _log.warning(
                "the saved name index in %s cannot be used (%s: %s); rebuilding it",
                folder,
                type(exc).__name__,
                exc,
            )
    if index is None:
        index = NameIndex.build(store.iter_records(), fingerprint=fp)
        index.save(folder)
        for old in root.glob("names-*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    metas = index.parties
    # the index is hundreds of thousands of long-lived objects: keep them out of the
    # cyclic garbage collector's scans (each full scan walked all of them, and in forked
    # workers it also copied the shared pages)
    gc.collect()
    gc.freeze()

    def load_party(pidx: int) -> Party | None:
        m = metas[pidx]
        found = store.get(m.source_id, m.dataset)
        return found[0] if found else None

    return PartyScreener(index, load_party)
