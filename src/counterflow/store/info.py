"""``SnapshotInfo``: one stored snapshot of a dataset, as ``lists status`` shows it. Kept
apart from ``snapshots`` (the store) so that ``diff`` can name it without a circle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """One stored snapshot of a dataset (what ``lists status`` shows)."""

    dataset: str
    version: str
    records: int
    by_kind: dict[str, int]
    skipped: int
    orphaned: int
    loaded_at: str  # ISO 8601 UTC
    sha256: str  # of the published files (one file: that file's sha256)
    snapshot_id: int
    format: str
    warnings: int = 0
    files: tuple[str, ...] = ()
    content_sha256: str = ""  # of the parsed records and issues
    active: bool = False
    unchanged: bool = False  # set by ``load`` when the same content was already active

    def to_dict(self) -> dict[str, Any]:
        """The ``lists status --json`` object (INTERFACES.md keys first)."""
        return {
            "dataset": self.dataset,
            "version": self.version,
            "records": self.records,
            "by_kind": dict(self.by_kind),
            "skipped": self.skipped,
            "orphaned": self.orphaned,
            "loaded_at": self.loaded_at,
            "warnings": self.warnings,
            "format": self.format,
            "sha256": self.sha256,
            "snapshot_id": self.snapshot_id,
            "files": list(self.files),
        }
