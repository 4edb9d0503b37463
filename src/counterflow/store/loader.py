"""Load files into the store: sniff -> group into publications -> parse -> store.

One bad publication never stops the others: each group's parse or store failure becomes
an error in the ``LoadReport`` (the store keeps that dataset's previous version), files
nobody recognises are listed, and a publication that yields no record at all is refused
(it would otherwise replace a whole list by nothing). When one call holds several
publications of the same dataset, they are stored oldest version first, so the newest
ends in force.

A publication that is older than the one in force, or that has sharply fewer records
(more than ``Guard.max_shrink``, default 20 %, configurable with
``COUNTERFLOW_MAX_SHRINK``), is refused: a truncated download or a stale file must not
silently replace the list that screening relies on. ``Guard(force=True)`` loads it
anyway and records why in the snapshot's issues (``lists issues``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from counterflow.errors import CounterflowError, UsageError
from counterflow.lists.base import LoadIssue, ParseResult
from counterflow.lists.registry import FileGroup, Unrecognised, sniff
from counterflow.store import ListStore, SnapshotInfo

Stage = Callable[[str], None]  # a line describing what happens now
RecordsProgress = Callable[[int, int], None]  # (records stored, records in all)


def _default_max_shrink() -> float:
    raw = os.environ.get("COUNTERFLOW_MAX_SHRINK", "").strip()
    try:
        value = float(raw) if raw else 0.2
    except ValueError:
        raise UsageError(f"COUNTERFLOW_MAX_SHRINK={raw!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise UsageError("COUNTERFLOW_MAX_SHRINK must be within 0..1")
    return value


@dataclass(frozen=True, slots=True)
class Guard:
    """When a new publication may replace the one in force. ``max_shrink``: the largest
    fraction of records it may lose (0.2 = 20 % fewer); ``force``: load even an older or
    much smaller publication (recorded with the snapshot)."""

    force: bool = False
    max_shrink: float = field(default_factory=_default_max_shrink)


def guard_problems(result: ParseResult, active: SnapshotInfo | None, guard: Guard) -> list[str]:
    """Why ``result`` should not replace ``active`` (empty: it may)."""
    if active is None:
        return []
    out: list[str] = []
    if result.version and active.version and result.version < active.version:
        out.append(
            f"its version {result.version} is older than the version in force ({active.version})"
        )
    n_new, n_old = len(result.records), active.records
    if n_old > 0 and n_new < n_old * (1.0 - guard.max_shrink):
        out.append(
            f"it has {n_new:,} records, {100.0 * (n_old - n_new) / n_old:.0f} % fewer than "
            f"the {n_old:,} in force (the limit is {guard.max_shrink:.0%} fewer)"
        )
    return out


@dataclass(slots=True)
class GroupOutcome:
    """What happened to one publication (a group of files)."""

    dataset: str
    format: str
    files: list[Path]
    info: SnapshotInfo | None = None  # the snapshot in force after the load
    issues: list[LoadIssue] = field(default_factory=list)
    error: str | None = None
    note: str | None = None
    superseded: bool = False  # same publication parsed from other files; one copy stored

    @property
    def ok(self) -> bool:
        return self.error is None and (self.info is not None or self.superseded)


@dataclass(slots=True)
class LoadReport:
    outcomes: list[GroupOutcome] = field(default_factory=list)
    unrecognised: list[Unrecognised] = field(default_factory=list)
    skipped_folders: list[Path] = field(default_factory=list)
    groups: int = 0  # listed entities of two or more records (store.grouping)
    grouped_records: int = 0

    @property
    def loaded(self) -> list[GroupOutcome]:
        return [o for o in self.outcomes if o.ok and o.info is not None]

    @property
    def failed(self) -> list[GroupOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def exit_code(self) -> int:
        """0 when every publication loaded and every named file was recognised, else 1."""
        if not self.loaded or self.failed or any(u.explicit for u in self.unrecognised):
            return 1
        return 0


def _files_label(files: Sequence[Path]) -> str:
    return ", ".join(p.name for p in files)


def load_paths(
    paths: Iterable[Path | str],
    store: ListStore,
    *,
    dataset: str | None = None,
    on_stage: Stage | None = None,
    on_records: RecordsProgress | None = None,
    one_per_dataset: bool = False,
    guard: Guard | None = None,
) -> LoadReport:
    """Load files and folders (one level deep) into ``store``; see the module doc."""
    guard = guard or Guard()
    sniffed = sniff(paths)
    report = LoadReport(unrecognised=sniffed.unrecognised, skipped_folders=sniffed.skipped_folders)
    if dataset is not None and len(sniffed.groups) > 1:
        raise UsageError(
            f"--dataset names one publication, but the paths hold {len(sniffed.groups)}: "
            + "; ".join(g.label for g in sniffed.groups)
        )
    # Keep each dataset's publications together, in order of first appearance.
    by_dataset: dict[str, list[FileGroup]] = {}
    for g in sniffed.groups:
        by_dataset.setdefault(dataset or g.dataset, []).append(g)
    for groups in by_dataset.values():
        parsed: list[tuple[FileGroup, ParseResult]] = []
        for g in groups:
            if on_stage is not None:
                on_stage(f"parsing {g.label}")
            try:
                result = g.parse(dataset)
            except CounterflowError as exc:
                report.outcomes.append(
                    GroupOutcome(g.dataset, g.format, list(g.files), error=str(exc))
                )
                continue
            except Exception as exc:  # a parser bug must not lose the other lists
                report.outcomes.append(
                    GroupOutcome(
                        g.dataset,
                        g.format,
                        list(g.files),
                        error=f"the {g.format} parser failed on {_files_label(g.files)}: "
                        f"{type(exc).__name__}: {exc}",
                    )
                )
                continue
            parsed.append((g, result))
        keep, dropped = _one_per_version(parsed, one_per_dataset)
        for g, result, kept in dropped:
            report.outcomes.append(
                GroupOutcome(
                    result.dataset,
                    result.format or g.format,
                    list(g.files),
                    issues=list(result.issues),
                    superseded=True,
                    note=f"{result.dataset} {result.version} from {_files_label(g.files)} not "
                    f"stored: the same dataset was read from {_files_label(kept.files)} "
                    "(one copy per publication)",
                )
            )
        keep.sort(key=lambda gr: gr[1].version or "")
        for g, result in keep:
            report.outcomes.append(store_result(store, result, g, on_stage, on_records, guard))
    if report.loaded:
        if on_stage is not None:
            on_stage("grouping the records of different lists into listed entities")
        entities = store.entity_groups()
        report.groups = len(entities)
        report.grouped_records = len(entities.group)
    return report


def _one_per_version(
    parsed: list[tuple[FileGroup, ParseResult]], one_per_dataset: bool
) -> tuple[list[tuple[FileGroup, ParseResult]], list[tuple[FileGroup, ParseResult, FileGroup]]]:
    """Of several publications of one dataset with the same version (e.g. an OFAC CSV set
    and the XML of the same day), store one: the one with most records, the first on a
    tie. With ``one_per_dataset`` (``lists update``), one per dataset whatever the
    versions say (a file without a date in it gets its version from its mtime)."""
    best: dict[tuple[str, str], int] = {}
    for n, (_, r) in enumerate(parsed):
        key = (r.dataset, "" if one_per_dataset else r.version)
        cur = best.get(key)
        if cur is None or len(r.records) > len(parsed[cur][1].records):
            best[key] = n
    chosen = set(best.values())
    keep = [gr for n, gr in enumerate(parsed) if n in chosen]
    dropped = [
        (g, r, parsed[best[(r.dataset, "" if one_per_dataset else r.version)]][0])
        for n, (g, r) in enumerate(parsed)
        if n not in chosen
    ]
    return keep, dropped


def store_result(
    store: ListStore,
    result: ParseResult,
    group: FileGroup | None = None,
    on_stage: Stage | None = None,
    on_records: RecordsProgress | None = None,
    guard: Guard | None = None,
) -> GroupOutcome:
    """Store one parse result; failures and refusals (see ``Guard``) become the outcome's
    error (store untouched)."""
    guard = guard or Guard()
    fmt = result.format or (group.format if group else "")
    if not result.format:
        result.format = fmt
    if not result.files and group is not None:
        result.files = list(group.files)
    files = list(group.files) if group is not None else list(result.files)
    out = GroupOutcome(result.dataset, fmt, files, issues=list(result.issues))
    if not result.records:
        first = "; ".join(i.describe() for i in result.issues[:3])
        out.error = (
            f"no record could be read from {_files_label(files)}"
            + (f" ({first})" if first else "")
            + f"; {result.dataset or 'the dataset'} keeps its previous version"
        )
        return out
    active = store.active(result.dataset)
    problems = guard_problems(result, active, guard)
    if problems and not guard.force:
        assert active is not None
        out.error = (
            f"{result.dataset} {result.version} from {_files_label(files)} refused: "
            + "; ".join(problems)
            + f". The version in force ({active.version}, {active.records:,} records) stays; "
            "load it anyway with --force (recorded with the snapshot)"
        )
        return out
    if problems:
        why = "; ".join(problems)
        issue = LoadIssue(
            file=_files_label(files), line=None, field=None,
            reason=f"loaded with --force although {why}", severity="warning",
        )  # fmt: skip
        result.issues.append(issue)
        out.issues.append(issue)
        out.note = f"loaded with --force although {why}"
    if on_stage is not None:
        on_stage(f"storing {result.dataset} {result.version} ({len(result.records):,} records)")
    try:
        out.info = store.load(result, progress=on_records)
    except CounterflowError as exc:
        out.error = f"{result.dataset}: {exc}; the previous version stays in force"
    except sqlite3.Error as exc:
        out.error = (
            f"{result.dataset}: the store refused the load ({exc}); "
            "the previous version stays in force"
        )
    return out
