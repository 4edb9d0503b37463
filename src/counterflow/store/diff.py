"""Differences between two snapshots of one dataset: added, removed and changed records.

Records are matched on ``source_id`` (the list's own id); a record is *changed* when
its content digest differs. A source id that occurs more than once in a publication is
matched occurrence by occurrence, so duplicates are never silently merged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from counterflow.records.model import Party
from counterflow.store.info import SnapshotInfo

Key = tuple[str, int]  # (source_id, occurrence number within the snapshot)


@dataclass(slots=True)
class ListDiff:
    """What changed in ``dataset`` from snapshot ``old`` to snapshot ``new``."""

    dataset: str
    old: SnapshotInfo
    new: SnapshotInfo
    added: list[Party] = field(default_factory=list)
    removed: list[Party] = field(default_factory=list)
    changed: list[tuple[Party, Party]] = field(default_factory=list)  # (old, new)

    @property
    def total(self) -> int:
        """Entry-level changes: added + removed + changed."""
        return len(self.added) + len(self.removed) + len(self.changed)

    def summary(self) -> str:
        return (
            f"{self.dataset} {self.old.version} (#{self.old.snapshot_id}) -> "
            f"{self.new.version} (#{self.new.snapshot_id}): {len(self.added)} added, "
            f"{len(self.removed)} removed, {len(self.changed)} changed "
            f"({self.total} entry-level changes)"
        )

    def to_dict(self) -> dict[str, Any]:
        def ref(s: SnapshotInfo) -> dict[str, Any]:
            return {"version": s.version, "snapshot_id": s.snapshot_id, "sha256": s.sha256}

        return {
            "dataset": self.dataset,
            "old": ref(self.old),
            "new": ref(self.new),
            "summary": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
                "total": self.total,
            },
            "added": [p.to_dict() for p in self.added],
            "removed": [p.to_dict() for p in self.removed],
            "changed": [
                {
                    "source_id": new.source_id,
                    "fields": changed_fields(old, new),
                    "old": old.to_dict(),
                    "new": new.to_dict(),
                }
                for old, new in self.changed
            ],
        }


def keyed(rows: Iterable[tuple[str, str]]) -> dict[Key, str]:
    """``(source_id, digest)`` rows in snapshot order -> ``{(source_id, n): digest}``."""
    seen: dict[str, int] = {}
    out: dict[Key, str] = {}
    for source_id, digest in rows:
        n = seen.get(source_id, 0)
        seen[source_id] = n + 1
        out[(source_id, n)] = digest
    return out


def compare(
    old_rows: Iterable[tuple[str, str]], new_rows: Iterable[tuple[str, str]]
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Digests of the added and removed records and ``(old, new)`` digest pairs of the
    changed ones, each in natural ``source_id`` order."""
    old = keyed(old_rows)
    new = keyed(new_rows)
    added = [new[k] for k in sorted(new.keys() - old.keys(), key=natural_key)]
    removed = [old[k] for k in sorted(old.keys() - new.keys(), key=natural_key)]
    changed = [
        (old[k], new[k])
        for k in sorted(old.keys() & new.keys(), key=natural_key)
        if old[k] != new[k]
    ]
    return added, removed, changed


def natural_key(key: Key) -> tuple[int, int, str, int]:
    """Numeric ids in numeric order (OFAC ent_num), then the others alphabetically."""
    sid, n = key
    return (0, int(sid), "", n) if sid.isdigit() else (1, 0, sid, n)


def changed_fields(old: Party, new: Party) -> list[str]:
    """Names of the record fields whose value differs between two versions."""
    a, b = old.to_dict(), new.to_dict()
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
