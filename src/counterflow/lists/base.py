"""The contract between list parsers and the store.

A parser turns the files of one publication into a ``ParseResult``: normalised
``Party`` records plus every ``LoadIssue`` met on the way (skipped rows, orphaned
alias/address rows, warnings). Nothing is dropped silently: a row that cannot be used
becomes an issue naming file, line, field and reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from counterflow.records.model import RECORD_KINDS, Party

IssueSeverity = Literal["skipped", "orphaned", "warning"]


@dataclass(slots=True)
class LoadIssue:
    """One problem met while parsing: ``skipped`` (a record/row not loaded),
    ``orphaned`` (a detail row pointing at an entry the main file lacks), ``warning``
    (loaded, but something in it was unusable, e.g. an unparseable date)."""

    file: str
    line: int | None
    field: str | None
    reason: str
    severity: IssueSeverity = "skipped"

    def describe(self) -> str:
        loc = self.file if self.line is None else f"{self.file}:{self.line}"
        fld = f" [{self.field}]" if self.field else ""
        return f"{self.severity}: {loc}{fld}: {self.reason}"


@dataclass(slots=True)
class ParseResult:
    """The parsed content of one dataset publication."""

    dataset: str
    version: str  # publication date (ISO) or the source's own version string
    records: list[Party]
    files: list[Path]
    issues: list[LoadIssue] = field(default_factory=list)
    format: str = ""

    @property
    def skipped(self) -> int:
        return sum(1 for i in self.issues if i.severity == "skipped")

    @property
    def orphaned(self) -> int:
        return sum(1 for i in self.issues if i.severity == "orphaned")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")

    def by_kind(self) -> dict[str, int]:
        """Records per kind; ``unknown`` only when some record's kind is unknown."""
        counts: Counter[str] = Counter(r.kind for r in self.records)
        return {k: counts.get(k, 0) for k in RECORD_KINDS if k != "unknown" or counts.get(k)}


# A parser takes the files of one publication (already grouped by the sniffer) and
# returns the parse result. ``dataset`` overrides the default code where the caller knows
# better (e.g. an OpenSanctions file of another dataset).
Parser = Callable[[Sequence[Path]], ParseResult]


@dataclass(frozen=True, slots=True)
class Detected:
    """What a parser module recognised in a file, from its content (the name is a hint
    only where content cannot tell, e.g. OFAC SDN vs non-SDN legacy CSV).

    Files of one load call with the same ``(format, group)`` are parsed together (an
    OFAC CSV set: main + add + alt + comments); ``role`` says which part this file is.
    """

    format: str  # parser module's FORMAT, e.g. "ofac_csv", "un_xml"
    dataset: str  # dataset code, e.g. "us_ofac_sdn"
    role: str = "main"  # e.g. "main", "add", "alt", "comments"
    group: str = ""  # e.g. "us_ofac_sdn" so that a folder's SDN and cons sets stay apart


# Every parser module under ``counterflow.lists`` exposes:
#   FORMAT: str
#   def detect(path: Path, head: bytes) -> Detected | None
#       ``head`` is the first 64 KiB of the file (decompressed for .gz).
#   def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult
#       ``paths`` are the files of one group, in any order (roles re-detected inside).
# The registry (``counterflow.lists.registry``) tries each module's ``detect``.
