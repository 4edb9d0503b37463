"""ListStore: versioned, atomic snapshots of parsed lists in an embedded SQLite file.

Every ``load`` of a ``ParseResult`` becomes a snapshot of its dataset (publication
version, sha256 of the files, counts by kind, skipped/orphaned issues, format), written
in ONE transaction whose last statement flips the dataset's ``active`` pointer: a load
that fails or is killed half-way leaves the previous version in force. Loading the same
files with the same parsed content again is a no-op (``SnapshotInfo.unchanged``).
Older snapshots stay for ``diff`` and audit; record JSON is stored once per content
digest, so keeping history costs only what changed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from counterflow import config
from counterflow.errors import BadInputError
from counterflow.lists.base import LoadIssue, ParseResult
from counterflow.records.model import RECORD_KINDS, Party
from counterflow.store.codec import json_digest, party_json
from counterflow.store.diff import ListDiff, compare
from counterflow.store.grouping import GROUPING_VERSION, EntityGroups, compute_groups
from counterflow.store.info import SnapshotInfo
from counterflow.store.schema import StoreError, connect, ensure_schema

BATCH = 2000  # records per executemany (progress is reported per batch)

Progress = Callable[[int, int], None]  # (records written, records in all)

_SNAPSHOT_COLS = (
    "snapshot_id, dataset, version, format, sha256, content_sha256, records, person, "
    "organization, vessel, aircraft, skipped, orphaned, warnings, files, loaded_at"
)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def files_sha256(paths: Sequence[Path]) -> str:
    """sha256 of a publication: the file's own sha256 for one file; for a set of files,
    the sha256 of their sorted sha256s (independent of names and order)."""
    try:
        sums = sorted(file_sha256(Path(p)) for p in paths)
    except OSError as exc:
        raise BadInputError(f"cannot read file: {exc.strerror}", file=exc.filename) from exc
    if len(sums) == 1:
        return sums[0]
    return hashlib.sha256("\n".join(sums).encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _info(row: sqlite3.Row | tuple[Any, ...], active_ids: set[int]) -> SnapshotInfo:
    (sid, dataset, version, fmt, sha, csha, records, pe, org, ves, air, sk, orph, warn, files,
     loaded_at) = tuple(row)  # fmt: skip
    by_kind = {"person": pe, "organization": org, "vessel": ves, "aircraft": air}
    unknown = records - pe - org - ves - air  # kind neither stated nor inferred
    if unknown > 0:
        by_kind["unknown"] = unknown
    return SnapshotInfo(
        dataset=dataset,
        version=version,
        records=records,
        by_kind=by_kind,
        skipped=sk,
        orphaned=orph,
        loaded_at=loaded_at,
        sha256=sha,
        snapshot_id=sid,
        format=fmt,
        warnings=warn,
        files=tuple(json.loads(files)),
        content_sha256=csha,
        active=sid in active_ids,
    )


@dataclass(slots=True)
class _NewSnapshot:
    """A parse result made ready to store (``ListStore._prepare``)."""

    dataset: str
    sha256: str  # of the published files
    content: str  # sha256 of the records and issues
    rows: list[tuple[str, str, str]]  # (source_id, digest, json)
    issues: list[LoadIssue]
    kinds: Counter[str]


class ListStore:
    """The embedded list store. ``ListStore.open()`` uses ``config.lists_db_path()``."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._groups: EntityGroups | None = None

    @classmethod
    def open(cls, path: Path | str | None = None) -> ListStore:
        p = Path(path) if path is not None else config.lists_db_path()
        p.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = connect(p)
            ensure_schema(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the list store {p}: {exc}") from exc
        return cls(p, conn)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ListStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def load(self, result: ParseResult, *, progress: Progress | None = None) -> SnapshotInfo:
        """Store ``result`` as the new active snapshot of its dataset, atomically.

        Returns the active snapshot; ``unchanged=True`` when the same files gave the same
        records as the snapshot already in force (nothing is written then).
        """
        new = self._prepare(result)
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = self._active_row(new.dataset)
            if current is not None and current[4] == new.sha256 and current[5] == new.content:
                conn.execute("ROLLBACK")
                return replace(_info(current, {current[0]}), unchanged=True)
            sid = self._insert_snapshot(new, result)
            self._insert_records(sid, new.rows, progress)
            conn.executemany(
                "INSERT INTO issues (snapshot_id, seq, severity, file, line, field, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (sid, n, i.severity, i.file, i.line, i.field, i.reason)
                    for n, i in enumerate(new.issues)
                ],
            )
            # Last: the new snapshot goes into force.
            conn.execute(
                "INSERT INTO active (dataset, snapshot_id) VALUES (?, ?) "
                "ON CONFLICT (dataset) DO UPDATE SET snapshot_id = excluded.snapshot_id",
                (new.dataset, sid),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if progress is not None and not new.rows:
            progress(0, 0)
        return self.snapshot(sid)

    def _prepare(self, result: ParseResult) -> _NewSnapshot:
        """Check ``result`` and compute what the snapshot row stores: the files' sha256,
        each record's JSON and digest, the issues and the content sha256."""
        dataset = result.dataset
        if not dataset:
            raise BadInputError("parse result has no dataset code")
        sha = files_sha256(result.files)
        rows: list[tuple[str, str, str]] = []  # (source_id, digest, json)
        # The version is left out: the same files giving the same records are the same
        # publication even when a file without a date got its version from its mtime.
        content = hashlib.sha256(f"{result.format}\n".encode())
        for p in result.records:
            if p.dataset != dataset:
                raise StoreError(
                    f"record {p.source_id!r} belongs to dataset {p.dataset!r}, "
                    f"not {dataset!r}; nothing was loaded"
                )
            j = party_json(p)
            d = json_digest(j)  # == p.digest()
            rows.append((p.source_id, d, j))
            content.update(f"{p.source_id}\t{d}\n".encode())
        issues = list(result.issues) + self._duplicate_issues(result, rows)
        for i in issues:
            content.update(i.describe().encode("utf-8", "replace") + b"\n")
        kinds: Counter[str] = Counter(p.kind for p in result.records)
        unknown = set(kinds) - set(RECORD_KINDS)
        if unknown:
            raise StoreError(f"records of unknown kind {sorted(unknown)} in {dataset}")
        return _NewSnapshot(dataset, sha, content.hexdigest(), rows, issues, kinds)

    def _insert_snapshot(self, new: _NewSnapshot, result: ParseResult) -> int:
        """The snapshot row (not yet in force); its id."""
        severities = Counter(i.severity for i in new.issues)
        cur = self._conn.execute(
            "INSERT INTO snapshots (dataset, version, format, sha256, content_sha256, "
            "records, person, organization, vessel, aircraft, skipped, orphaned, "
            "warnings, files, loaded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                new.dataset,
                result.version or "",
                result.format or "",
                new.sha256,
                new.content,
                len(new.rows),
                new.kinds.get("person", 0),
                new.kinds.get("organization", 0),
                new.kinds.get("vessel", 0),
                new.kinds.get("aircraft", 0),
                severities.get("skipped", 0),
                severities.get("orphaned", 0),
                severities.get("warning", 0),
                json.dumps([Path(f).name for f in result.files], ensure_ascii=False),
                _now(),
            ),
        )
        sid = cur.lastrowid
        assert sid is not None
        return sid

    def _insert_records(
        self, sid: int, rows: list[tuple[str, str, str]], progress: Progress | None
    ) -> None:
        """Record contents (once per digest) and the snapshot's list of them, in batches."""
        total = len(rows)
        for start in range(0, total, BATCH):
            batch = rows[start : start + BATCH]
            self._conn.executemany(
                "INSERT OR IGNORE INTO blobs (digest, data) VALUES (?, ?)",
                [(d, j) for _, d, j in batch],
            )
            self._conn.executemany(
                "INSERT INTO snapshot_records (snapshot_id, seq, source_id, digest) "
                "VALUES (?, ?, ?, ?)",
                [(sid, start + n, s, d) for n, (s, d, _) in enumerate(batch)],
            )
            if progress is not None:
                progress(min(start + BATCH, total), total)

    @staticmethod
    def _duplicate_issues(result: ParseResult, rows: list[tuple[str, str, str]]) -> list[LoadIssue]:
        """A warning per source id that occurs more than once (all occurrences kept)."""
        counts = Counter(s for s, _, _ in rows)
        where = Path(result.files[0]).name if result.files else result.dataset
        return [
            LoadIssue(
                file=where,
                line=None,
                field="source_id",
                reason=f"source id {s!r} occurs {n} times; all {n} records kept",
                severity="warning",
            )
            for s, n in counts.items()
            if n > 1
        ]

    def prune(self, keep: int = 5, dataset: str | None = None) -> int:
        """Delete all but the ``keep`` newest snapshots of each dataset (never the active
        one) and the record contents no snapshot uses any more. Returns snapshots deleted."""
        if keep < 1:
            raise BadInputError("keep must be at least 1", field="keep")
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            doomed: list[int] = []
            datasets = [dataset] if dataset else self._datasets()
            for ds in datasets:
                ids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT snapshot_id FROM snapshots WHERE dataset = ? "
                        "ORDER BY snapshot_id DESC",
                        (ds,),
                    )
                ]
                act = self._active_row(ds)
                active_id = act[0] if act is not None else None
                doomed += [i for i in ids[keep:] if i != active_id]
            for table in ("snapshot_records", "issues", "snapshots"):
                conn.executemany(
                    f"DELETE FROM {table} WHERE snapshot_id = ?", [(i,) for i in doomed]
                )
            if doomed:
                conn.execute(
                    "DELETE FROM blobs WHERE digest NOT IN "
                    "(SELECT DISTINCT digest FROM snapshot_records)"
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return len(doomed)

    # ------------------------------------------------------------------ reading

    def _datasets(self) -> list[str]:
        return [
            r[0] for r in self._conn.execute("SELECT DISTINCT dataset FROM snapshots ORDER BY 1")
        ]

    def _active_row(self, dataset: str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._conn.execute(
            f"SELECT {_SNAPSHOT_COLS} FROM snapshots WHERE snapshot_id = "
            "(SELECT snapshot_id FROM active WHERE dataset = ?)",
            (dataset,),
        ).fetchone()
        return row

    def _active_ids(self) -> set[int]:
        return {r[0] for r in self._conn.execute("SELECT snapshot_id FROM active")}

    def status(self) -> list[SnapshotInfo]:
        """The active snapshot of every loaded dataset, by dataset code."""
        rows = self._conn.execute(
            f"SELECT {_SNAPSHOT_COLS} FROM snapshots WHERE snapshot_id IN "
            "(SELECT snapshot_id FROM active) ORDER BY dataset"
        ).fetchall()
        ids = {r[0] for r in rows}
        return [_info(r, ids) for r in rows]

    def active(self, dataset: str) -> SnapshotInfo | None:
        row = self._active_row(dataset)
        return _info(row, {row[0]}) if row is not None else None

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        row = self._conn.execute(
            f"SELECT {_SNAPSHOT_COLS} FROM snapshots WHERE snapshot_id = ?", (snapshot_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no snapshot #{snapshot_id} in the list store")
        return _info(row, self._active_ids())

    def versions(self, dataset: str) -> list[SnapshotInfo]:
        """Every stored snapshot of ``dataset``, oldest load first."""
        ids = self._active_ids()
        return [
            _info(r, ids)
            for r in self._conn.execute(
                f"SELECT {_SNAPSHOT_COLS} FROM snapshots WHERE dataset = ? ORDER BY snapshot_id",
                (dataset,),
            )
        ]

    def issues(
        self, snapshot_id: int, limit: int | None = None, *, problems_first: bool = False
    ) -> list[LoadIssue]:
        """The issues met when the snapshot was parsed, in the parser's order (skipped and
        orphaned rows before warnings with ``problems_first``)."""
        order = "severity = 'warning', seq" if problems_first else "seq"
        sql = (
            "SELECT file, line, field, reason, severity FROM issues WHERE snapshot_id = ? "
            f"ORDER BY {order}"
        )
        params: tuple[Any, ...] = (snapshot_id,)
        if limit is not None:
            sql += " LIMIT ?"
            params += (limit,)
        return [
            LoadIssue(file=f, line=ln, field=fd, reason=r, severity=s)
            for f, ln, fd, r, s in self._conn.execute(sql, params)
        ]

    def fingerprint(self) -> str:
        """Changes whenever any dataset's active snapshot changes (index invalidation)."""
        h = hashlib.sha256()
        for ds, sid, content in self._conn.execute(
            "SELECT a.dataset, a.snapshot_id, s.content_sha256 FROM active a "
            "JOIN snapshots s ON s.snapshot_id = a.snapshot_id ORDER BY a.dataset"
        ):
            # The content hash too: a store rebuilt from scratch reuses snapshot ids.
            h.update(f"{ds}:{sid}:{content}\n".encode())
        return h.hexdigest()[:32]

    # ------------------------------------------------------------------ listed entities

    def entity_groups(self) -> EntityGroups:
        """The listed entities of the lists in force (records of different lists that
        are one party; ``grouping``): stored at load time, recomputed here when the
        lists changed since (e.g. a store loaded through ``load`` alone)."""
        fp = self.fingerprint()
        if self._groups is not None and self._groups.fingerprint == fp:
            return self._groups
        row = self._conn.execute(
            "SELECT value FROM meta WHERE key = 'groups.fingerprint'"
        ).fetchone()
        if row is not None and row[0] == f"{fp}/{GROUPING_VERSION}":
            g = EntityGroups(fingerprint=fp)
            for e, gid, why in self._conn.execute(
                "SELECT entity_id, group_id, reason FROM entity_groups"
            ):
                g.group[e] = gid
                g.reason[e] = why
            self._groups = g
            return g
        return self.regroup()

    def regroup(self) -> EntityGroups:
        """Group the records in force into listed entities and store the groups."""
        fp = self.fingerprint()
        g = compute_groups(self.iter_records())
        g.fingerprint = fp
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # a read-only store: keep the groups in memory
            self._groups = g
            return g
        try:
            conn.execute("DELETE FROM entity_groups")
            conn.executemany(
                "INSERT INTO entity_groups (entity_id, group_id, reason) VALUES (?, ?, ?)",
                [(e, gid, g.reason.get(e, "")) for e, gid in g.group.items()],
            )
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('groups.fingerprint', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (f"{fp}/{GROUPING_VERSION}",),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._groups = g
        return g

    def iter_records(self, datasets: Sequence[str] | None = None) -> Iterator[Party]:
        """Stream the records of the active snapshots (all, or of ``datasets``), by
        dataset then in list order. Reads through its own connection in one read
        transaction, so the iteration sees one consistent state even while a load
        writes; rows come straight off the primary key, without a sort."""
        if datasets is not None and not datasets:
            return
        wanted = set(datasets) if datasets is not None else None
        with closing(self._reader()) as conn:
            conn.execute("BEGIN")  # one read transaction: a consistent view
            active = conn.execute(
                "SELECT dataset, snapshot_id FROM active ORDER BY dataset"
            ).fetchall()
            for ds, sid in active:
                if wanted is None or ds in wanted:
                    yield from self._records_of(conn, sid)

    def snapshot_records(self, snapshot_id: int) -> Iterator[Party]:
        """Stream the records of any stored snapshot, in list order."""
        with closing(self._reader()) as conn:
            conn.execute("BEGIN")
            yield from self._records_of(conn, snapshot_id)

    def _reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    @staticmethod
    def _records_of(conn: sqlite3.Connection, snapshot_id: int) -> Iterator[Party]:
        loads = json.loads
        from_dict = Party.from_dict
        cur = conn.execute(
            "SELECT b.data FROM snapshot_records r JOIN blobs b ON b.digest = r.digest "
            "WHERE r.snapshot_id = ? ORDER BY r.seq",
            (snapshot_id,),
        )
        while chunk := cur.fetchmany(1000):
            for (data,) in chunk:
                yield from_dict(loads(data))

    def get(self, source_id: str, dataset: str | None = None) -> list[Party]:
        """Records with this source id in the active snapshots (of ``dataset`` if given)."""
        sql = (
            "SELECT b.data FROM snapshot_records r "
            "JOIN active a ON a.snapshot_id = r.snapshot_id "
            "JOIN blobs b ON b.digest = r.digest WHERE r.source_id = ?"
        )
        params: list[str] = [source_id]
        if dataset is not None:
            sql += " AND a.dataset = ?"
            params.append(dataset)
        sql += " ORDER BY a.dataset, r.seq"
        return [Party.from_dict(json.loads(d)) for (d,) in self._conn.execute(sql, params)]

    def resolve(self, dataset: str, ref: str | int | None) -> SnapshotInfo:
        """A snapshot of ``dataset`` named by version (the latest load of it), by snapshot
        id (``12`` or ``#12``), or the active one when ``ref`` is None."""
        if ref is None:
            info = self.active(dataset)
            if info is None:
                raise StoreError(f"dataset {dataset!r} is not loaded{self._known_hint()}")
            return info
        versions = self.versions(dataset)
        if not versions:
            raise StoreError(f"dataset {dataset!r} is not loaded{self._known_hint()}")
        text = str(ref)
        named = [v for v in versions if v.version == text]
        if named:
            return named[-1]
        num = text.lstrip("#")
        if num.isdigit():
            for v in versions:
                if v.snapshot_id == int(num):
                    return v
        listed = ", ".join(f"{v.version} (#{v.snapshot_id})" for v in versions)
        raise StoreError(f"no version {text!r} of {dataset}; stored: {listed}")

    def _known_hint(self) -> str:
        known = self._datasets()
        return f" (loaded: {', '.join(known)})" if known else " (the store is empty)"

    def digests(self, snapshot_id: int) -> list[tuple[str, str]]:
        """``(source_id, digest)`` of a snapshot's records, in list order."""
        return [
            (s, d)
            for s, d in self._conn.execute(
                "SELECT source_id, digest FROM snapshot_records WHERE snapshot_id = ? ORDER BY seq",
                (snapshot_id,),
            )
        ]

    def by_digest(self, digests: Sequence[str]) -> dict[str, Party]:
        out: dict[str, Party] = {}
        uniq = list(dict.fromkeys(digests))
        for start in range(0, len(uniq), 500):
            part = uniq[start : start + 500]
            for d, data in self._conn.execute(
                f"SELECT digest, data FROM blobs WHERE digest IN ({','.join('?' * len(part))})",
                part,
            ):
                out[d] = Party.from_dict(json.loads(data))
        return out

    def diff(self, dataset: str, old: str | None = None, new: str | None = None) -> ListDiff:
        """Added, removed and changed records between two snapshots of ``dataset``.
        Defaults: ``new`` = the active snapshot, ``old`` = the one loaded before it."""
        new_info = self.resolve(dataset, new)
        if old is None:
            earlier = [v for v in self.versions(dataset) if v.snapshot_id < new_info.snapshot_id]
            if not earlier:
                raise StoreError(
                    f"{dataset} has no snapshot before {new_info.version} "
                    f"(#{new_info.snapshot_id}); load another version to compare"
                )
            old_info = earlier[-1]
        else:
            old_info = self.resolve(dataset, old)
        added, removed, changed = compare(
            self.digests(old_info.snapshot_id), self.digests(new_info.snapshot_id)
        )
        parties = self.by_digest(added + removed + [d for pair in changed for d in pair])
        return ListDiff(
            dataset=dataset,
            old=old_info,
            new=new_info,
            added=[parties[d] for d in added],
            removed=[parties[d] for d in removed],
            changed=[(parties[a], parties[b]) for a, b in changed],
        )
