"""The candidate-retrieval index over every loaded name and alias, persisted on disk.

Each name of each listed party becomes an *entry*. An entry is filed under keys:
its tokens (``t:ivanov``), their phonetic keys (``s:vnv``), 4-letter prefixes and
suffixes of long tokens (typos at either end), adjacent token pairs joined
(``t:jscargument`` finds ``JSC ARGUMENT``), and the phonetic key of the whole name
joined (``c:bdlh`` finds ``ABDULLAH`` from Arabic ``عبد الله``). Keys weigh by IDF.
A short query token whose spelling and phonetic key are both unknown is also looked up
with each letter left out in turn, so a one-letter insertion (``drahke``, key ``drhk``)
finds the listed token (``t:drake``).

A query's keys are looked up in postings (numpy CSR arrays), the weights summed per
entry with vectorised adds, normalised by the entry's size, and the best entries come
back for exact scoring. Merged query tokens are split into known tokens.

On disk (``config.index_dir()/names-<fingerprint>/``): ``postings.npy``,
``offsets.npy``, ``key_weight.npy``, ``entry_party.npy``, ``entry_norm.npy`` (memory
mapped) and ``meta.pkl`` (key table, entry tokens, party evidence). Written to a
temporary folder and renamed, so a half-written index is never opened.
"""

from __future__ import annotations

import itertools
import marshal
import math
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Final

import numpy as np
import numpy.typing as npt

from counterflow.match.frequency import TokenWeights
from counterflow.match.normalize import NameForm, prepare
from counterflow.match.phonetic import skeleton
from counterflow.match.prepared import PartyEvidence, WeightedName, address_words, parse_date
from counterflow.records.identifiers import loose_digits
from counterflow.records.model import Party

FORMAT_VERSION: Final = 12
# What ``NameIndex.load`` raises on a saved index that cannot be used as it is (a file
# missing or damaged, another format version): rebuild it. Anything else is a bug.
LOAD_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    EOFError,
    pickle.UnpicklingError,
    ValueError,
    KeyError,
)
DF_CAP: Final = 40_000  # keys in more entries than this only count when little else matched

IntArray = npt.NDArray[np.int32]
# postings hold native-size integers: numpy indexes with them ~2.4x faster than with int32
PostingArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float32]


def name_keys(form: NameForm) -> list[tuple[str, float]]:
    """Keys of a name with their relative strength (multiplied by IDF later)."""
    out: list[tuple[str, float]] = []
    toks = form.tokens
    for t, m, sk in zip(toks, form.mults, form.skels, strict=True):
        mm = max(m, 0.3)
        out.append(("t:" + t, mm))
        if len(sk) >= 2 and sk != t:
            out.append(("s:" + sk, 0.8 * mm))
        if len(t) >= 4:
            sk2 = _skeleton_without_w(t, sk)
            if sk2:
                out.append(("s:" + sk2, 0.6 * mm))
        if len(t) >= 6:
            out.append(("p:" + t[:4], 0.5 * mm))
            out.append(("x:" + t[-4:], 0.5 * mm))
    for a, b in itertools.pairwise(toks):
        out.append(("t:" + a + b, 1.0))
    if len(toks) >= 2 or (toks and len(toks[0]) >= 4):
        ck = skeleton(form.compact)
        if len(ck) >= 3:
            out.append(("c:" + ck, 0.8))
        ck2 = _skeleton_without_w(form.compact, ck)
        if ck2:
            out.append(("c:" + ck2, 0.6))
    return out


def _skeleton_without_w(text: str, key: str) -> str:
    """The phonetic key of ``text`` read with its ``w`` as a vowel (abjad waw:
    ``mkhlwf`` ~ ``makhlouf``), or "" when it has no ``w``, is short or is ``key``."""
    if "w" not in text:
        return ""
    k = skeleton(text.replace("w", ""))
    return k if len(k) >= 3 and k != key else ""


@dataclass(slots=True)
class PartyMeta:
    dataset: str
    source_id: str
    kind: str
    name: str


class NameIndex:
    """Entries, keys and postings, plus what the scorer needs of each party."""

    def __init__(
        self,
        *,
        keys: dict[str, int],
        offsets: npt.NDArray[np.int64],
        postings: PostingArray,
        key_weight: FloatArray,
        entry_party: IntArray,
        entry_norm: FloatArray,
        entry_names: list[str],
        entry_tokens: list[tuple[str, ...]],
        entry_mults: list[tuple[float, ...]],
        entry_legal: list[tuple[str, ...]],
        entry_weak: list[bool],
        parties: list[PartyMeta],
        evidence: list[EvidenceTuple],
        fingerprint: str = "",
        first_entry: list[int] | None = None,
        entry_spellings: dict[int, tuple[str, ...]] | None = None,
    ) -> None:
        self.keys = keys
        self.offsets = offsets
        # a plain ndarray view of the (memory-mapped) postings: slicing a np.memmap
        # object costs far more than slicing its data
        self.postings = np.asarray(postings)
        self.key_weight = key_weight
        self.entry_party = entry_party
        self.entry_party_list: list[int] = entry_party.tolist()
        self.entry_norm = entry_norm
        self.entry_names = entry_names
        self.entry_tokens = entry_tokens
        self.entry_mults = entry_mults
        self.entry_legal = entry_legal
        self.entry_weak = entry_weak
        # an entry's other spellings: names of its party with the same tokens
        # ("LLC SMT-ILOGIC" beside LIMITED LIABILITY COMPANY SMT-ILOGIC)
        self.entry_spellings = entry_spellings or {}
        self.parties = parties
        self.evidence_raw = evidence
        # party -> its first (primary) name entry; identifier value -> parties
        if first_entry is None:
            first_entry = [-1] * len(parties)
            for eid, p in enumerate(self.entry_party_list):
                if first_entry[p] < 0:
                    first_entry[p] = eid
        self.first_entry = first_entry
        # identifier value -> parties: made on the first query with an identifier (most
        # batches have none, and forked workers would each pay for it at start)
        self._by_identifier: dict[str, list[int]] | None = None
        self._evidence: dict[int, PartyEvidence] = {}
        self.fingerprint = fingerprint
        # a token's frequency is its "t:" key's posting count, read when first weighed
        # (a separate object, so the index is in no reference cycle)
        self.weights = TokenWeights({}, len(entry_names), count=_PostingCounts(keys, offsets).of)
        self._acc = np.zeros(len(entry_names), dtype=np.float32)
        self._weighted: dict[int, WeightedName] = {}

    # ------------------------------------------------------------ build
    @classmethod
    def build(cls, parties: Iterable[Party], fingerprint: str = "") -> NameIndex:
        keys: dict[str, int] = {}
        pair_key: list[int] = []
        pair_entry: list[int] = []
        pair_strength: list[float] = []
        entry_party: list[int] = []
        entry_names: list[str] = []
        entry_tokens: list[tuple[str, ...]] = []
        entry_mults: list[tuple[float, ...]] = []
        entry_legal: list[tuple[str, ...]] = []
        entry_weak: list[bool] = []
        spellings: dict[int, tuple[str, ...]] = {}
        metas: list[PartyMeta] = []
        evidence: list[EvidenceTuple] = []
        for party in parties:
            pidx = len(metas)
            metas.append(PartyMeta(party.dataset, party.source_id, party.kind, party.name))
            evidence.append(party_evidence(party))
            weak = {a.name for a in party.aliases if a.strength == "weak"}
            seen: dict[tuple[str, ...], int] = {}
            for name in party.all_names():
                form = prepare(name, party.kind)
                tt = tuple(form.tokens)
                if not tt:
                    continue
                if tt in seen:
                    same = seen[tt]
                    if name != entry_names[same] and name not in spellings.get(same, ()):
                        spellings[same] = (*spellings.get(same, ()), name)
                    continue
                eid = len(entry_names)
                seen[tt] = eid
                entry_party.append(pidx)
                entry_names.append(name)
                entry_tokens.append(tt)
                entry_mults.append(tuple(form.mults))
                entry_legal.append(tuple(form.legal))
                entry_weak.append(name in weak and name != party.name)
                done: set[int] = set()
                for key, strength in name_keys(form):
                    kid = keys.setdefault(key, len(keys))
                    if kid in done:
                        continue
                    done.add(kid)
                    pair_key.append(kid)
                    pair_entry.append(eid)
                    pair_strength.append(strength)
        n_entries = len(entry_names)
        pk = np.asarray(pair_key, dtype=np.int32)
        pe = np.asarray(pair_entry, dtype=np.int32)
        ps = np.asarray(pair_strength, dtype=np.float32)
        order = np.argsort(pk, kind="stable")
        pk, pe, ps = pk[order], pe[order], ps[order]
        counts = np.bincount(pk, minlength=len(keys)).astype(np.int64)
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        n = max(n_entries, 1)
        idf = np.log1p(n / np.maximum(counts, 1)) / math.log1p(n)
        key_weight = idf.astype(np.float32)
        # entry norm: sqrt of the weights of the entry's own keys
        contrib = ps * key_weight[pk]
        norm = np.sqrt(np.bincount(pe, weights=contrib, minlength=n_entries) + 1.0)
        return cls(
            keys=keys,
            offsets=offsets,
            postings=pe.astype(np.intp),
            key_weight=key_weight,
            entry_party=np.asarray(entry_party, dtype=np.int32),
            entry_norm=norm.astype(np.float32),
            entry_names=entry_names,
            entry_tokens=entry_tokens,
            entry_mults=entry_mults,
            entry_legal=entry_legal,
            entry_weak=entry_weak,
            parties=metas,
            evidence=evidence,
            fingerprint=fingerprint,
            entry_spellings=spellings,
        )

    # ------------------------------------------------------------ persistence
    _ARRAYS: ClassVar[tuple[str, ...]] = (
        "offsets",
        "postings",
        "key_weight",
        "entry_party",
        "entry_norm",
    )

    def save(self, folder: Path) -> None:
        """Write atomically to ``folder`` (replaced if present)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
        try:
            for name in self._ARRAYS:
                np.save(tmp / f"{name}.npy", getattr(self, name))
            meta = {
                "version": FORMAT_VERSION,
                "fingerprint": self.fingerprint,
                "keys": self.keys,
                "entry_names": self.entry_names,
                # marshal reads tuples of strings ~3x faster than pickle
                "entry_tokens": marshal.dumps(self.entry_tokens),
                "entry_mults": self.entry_mults,
                "entry_legal": self.entry_legal,
                "entry_weak": self.entry_weak,
                "parties": [(p.dataset, p.source_id, p.kind, p.name) for p in self.parties],
                "evidence": self.evidence_raw,
                "first_entry": self.first_entry,
                "entry_spellings": self.entry_spellings,
            }
            with open(tmp / "meta.pkl", "wb") as fh:
                pickle.dump(meta, fh, protocol=pickle.HIGHEST_PROTOCOL)
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, folder: Path) -> NameIndex:
        """The index saved in ``folder``. Raises one of ``LOAD_ERRORS`` when a file is
        missing or damaged or the index was written by another format version."""
        with open(folder / "meta.pkl", "rb") as fh:
            meta: dict[str, Any] = pickle.load(fh)
        version = meta.get("version") if isinstance(meta, dict) else None
        if version != FORMAT_VERSION:
            raise ValueError(f"index format {version!r}, not {FORMAT_VERSION}")
        # postings are memory-mapped (the big array, shared by worker processes); the
        # small per-key and per-entry arrays are read into memory for fast scalar access
        arrays = {
            n: np.load(folder / f"{n}.npy", mmap_mode="r" if n == "postings" else None)
            for n in cls._ARRAYS
        }
        return cls(
            keys=meta["keys"],
            offsets=arrays["offsets"],
            postings=arrays["postings"],
            key_weight=arrays["key_weight"],
            entry_party=arrays["entry_party"],
            entry_norm=arrays["entry_norm"],
            entry_names=meta["entry_names"],
            entry_tokens=marshal.loads(meta["entry_tokens"]),
            entry_mults=meta["entry_mults"],
            entry_legal=meta["entry_legal"],
            entry_weak=meta["entry_weak"],
            parties=[PartyMeta(*p) for p in meta["parties"]],
            evidence=meta["evidence"],
            fingerprint=meta["fingerprint"],
            first_entry=meta["first_entry"],
            entry_spellings=meta["entry_spellings"],
        )

    def size_bytes(self, folder: Path) -> int:
        return sum(f.stat().st_size for f in folder.iterdir())

    # ------------------------------------------------------------ query
    def _identifier_table(self) -> dict[str, list[int]]:
        table: dict[str, list[int]] = {}
        for pidx, ev in enumerate(self.evidence_raw):
            for _scheme, values in ev[3]:
                for v in values:
                    if len(v) >= 5:
                        table.setdefault(v, []).append(pidx)
                    # a company number written with a prefix (RU1646047020) is also
                    # found by its digits; the scorer decides whether the schemes agree
                    digits = loose_digits(v)
                    if digits and digits != v:
                        table.setdefault(digits, []).append(pidx)
        return table

    def parties_with_identifier(self, value: str) -> set[int]:
        """Parties holding this identifier value under any scheme (or its digits, for a
        company number written with a prefix)."""
        table = self._by_identifier
        if table is None:
            table = self._by_identifier = self._identifier_table()
        found = set(table.get(value, ()))
        digits = loose_digits(value)
        if digits and digits != value:
            found.update(table.get(digits, ()))
        return found

    def evidence(self, pidx: int) -> PartyEvidence:
        """The scorer's view of party ``pidx`` (built on first use)."""
        ev = self._evidence.get(pidx)
        if ev is None:
            ev = evidence_of(self.evidence_raw[pidx])
            self._evidence[pidx] = ev
        return ev

    def weighted_entry(self, eid: int) -> WeightedName:
        wn = self._weighted.get(eid)
        if wn is None:
            toks = list(self.entry_tokens[eid])
            form = NameForm(
                original=self.entry_names[eid],
                tokens=toks,
                mults=list(self.entry_mults[eid]),
                skels=[skeleton(t) for t in toks],
                legal=list(self.entry_legal[eid]),
                compact="".join(toks),
                compact_sorted="".join(sorted(toks)),
                kind=self.parties[self.entry_party_list[eid]].kind,
            )
            wn = WeightedName.build(form, self.weights)
            if len(self._weighted) > 100_000:
                self._weighted.clear()
            self._weighted[eid] = wn
        return wn

    def query_keys(self, form: NameForm) -> list[tuple[int, float]]:
        out: dict[int, float] = {}
        keys = self.keys
        pairs = name_keys(form)
        # merged tokens: split an unknown token into two known ones
        for t in form.tokens:
            if len(t) >= 6 and ("t:" + t) not in keys:
                for k in range(2, len(t) - 1):
                    a, b = "t:" + t[:k], "t:" + t[k:]
                    if a in keys and b in keys:
                        pairs.append((a, 0.8))
                        pairs.append((b, 0.8))
                        break
        # one inserted letter ("Drahke" for DRAKE): a short token whose spelling and
        # phonetic key are both unknown is also looked up with each letter left out
        for t, m, sk in zip(form.tokens, form.mults, form.skels, strict=True):
            if 5 <= len(t) <= 8 and ("t:" + t) not in keys and ("s:" + sk) not in keys:
                for i in range(len(t)):
                    pairs.append(("t:" + t[:i] + t[i + 1 :], 0.6 * max(m, 0.3)))
        for key, strength in pairs:
            kid = keys.get(key)
            if kid is None:
                continue
            w = strength * float(self.key_weight[kid])
            if w > out.get(kid, 0.0):
                out[kid] = w
        return list(out.items())

    def retrieve(self, form: NameForm, k: int, cut: float = 0.0) -> list[int]:
        """The ``k`` best entry ids for a prepared query name, best first; entries
        scoring under ``cut`` times the best retrieval score are left out."""
        qkeys = self.query_keys(form)
        if not qkeys:
            return []
        offsets, postings, acc = self.offsets, self.postings, self._acc
        # rarest keys first (a stable order, as ``list.sort`` would give)
        kids = np.array([kid for kid, _ in qkeys], dtype=np.int64)
        starts_a, ends_a = offsets[kids], offsets[kids + 1]
        order: list[int] = np.argsort(ends_a - starts_a, kind="stable").tolist()
        starts: list[int] = starts_a.tolist()
        ends: list[int] = ends_a.tolist()
        touched: list[PostingArray] = []
        for o in order:
            w = qkeys[o][1]
            s, e = starts[o], ends[o]
            if e - s > DF_CAP and len(touched) >= 2:
                continue
            post = postings[s:e]
            acc[post] += w
            touched.append(post)
        allp = np.concatenate(touched) if len(touched) > 1 else np.asarray(touched[0])
        sc = acc[allp] / self.entry_norm[allp]
        acc[allp] = 0.0
        m = min(len(allp), 4 * k)
        if len(allp) > m:
            top = np.argpartition(-sc, m - 1)[:m]
            sub_sc = sc[top]
            ordered = top[np.argsort(-sub_sc, kind="stable")]
        else:
            ordered = np.argsort(-sc, kind="stable")
        out: list[int] = []
        seen: set[int] = set()
        scores: list[float] = sc[ordered].tolist()
        eids: list[int] = allp[ordered].tolist()
        # compared in float32 as the scores are (numpy rounds a Python float operand to
        # the array's type)
        floor = float(np.float32(scores[0] * cut)) if cut > 0 and scores else -1.0
        for s_i, eid in zip(scores, eids, strict=True):
            if s_i < floor:
                break
            if eid in seen:
                continue
            seen.add(eid)
            out.append(eid)
            if len(out) >= k:
                break
        return out


class _PostingCounts:
    """How many names hold a token: the posting count of its ``t:`` key."""

    def __init__(self, keys: dict[str, int], offsets: npt.NDArray[np.int64]) -> None:
        self.keys = keys
        self.offsets = offsets

    def of(self, token: str) -> int:
        kid = self.keys.get("t:" + token)
        if kid is None:
            return 0
        return int(self.offsets[kid + 1] - self.offsets[kid])


# (kind, countries, dates, ((scheme, values), ...), address words): plain tuples pickle
# and load fast; ``NameIndex.evidence`` turns them into ``PartyEvidence`` when needed.
EvidenceTuple = tuple[
    str,
    tuple[str, ...],
    tuple[tuple[int, int, int], ...],
    tuple[tuple[str, tuple[str, ...]], ...],
    tuple[str, ...],
]


def evidence_of(raw: EvidenceTuple) -> PartyEvidence:
    """The scorer's view of a party from its stored tuple."""
    kind, countries, dates, ids, address = raw
    return PartyEvidence(
        kind=kind,
        countries=frozenset(countries),
        dates=list(dates),
        ids={k: frozenset(v) for k, v in ids},
        address=frozenset(address),
    )


def party_evidence(party: Party) -> EvidenceTuple:
    ids: dict[str, set[str]] = {}
    for ident in party.identifiers:
        if ident.value:
            ids.setdefault(ident.scheme, set()).add(ident.value)
    dates = tuple(d for d in (parse_date(b.value) for b in party.birth_dates) if d is not None)
    address = address_words(" ".join(party.addresses)) if party.addresses else frozenset()
    return (
        party.kind,
        tuple(sorted({c.code.lower() for c in party.countries if c.code})),
        dates,
        tuple((k, tuple(sorted(v))) for k, v in sorted(ids.items())),
        tuple(sorted(address)),
    )
