"""The Common High Priority List (CHPL) tier table, loaded from a CSV the user gives.

CSV: ``hs6,tier[,hs_description]`` (``hs_code``/``hscode``/``hs`` also accepted for the
code column; codes in any shape ``hs.parse_hs`` reads). Descriptions come from the CSV or,
when missing there, from the HS nomenclature table (``hscode,description``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from counterflow.csvin import check_header
from counterflow.errors import BadInputError
from counterflow.goods.hs import HsCode, HsCodeError, parse_hs

TIER_RANK = {"1": 1, "2": 2, "3": 3, "3_A": 3, "3_B": 3, "4": 4, "4_A": 4, "4_B": 4}


@dataclass(frozen=True, slots=True)
class ChplEntry:
    """One CHPL code: HS-6 (or heading), tier label (``TIER_1`` ... ``TIER_4_B``)."""

    code: str
    tier: str
    description: str

    @property
    def tier_number(self) -> int:
        """1 .. 4 (tier 1 = the most critical: integrated circuits)."""
        label = self.tier.upper().removeprefix("TIER").strip("_ ")
        return TIER_RANK.get(label, 4)


@dataclass(slots=True)
class ChplTable:
    """CHPL codes by HS-6 (and by heading when the table lists 4-digit codes)."""

    tiers: dict[str, ChplEntry] = field(default_factory=dict)
    source: str = ""

    def lookup(self, code: HsCode | str | None) -> ChplEntry | None:
        """The CHPL entry covering ``code`` (any shape), or ``None``."""
        if code is None:
            return None
        if isinstance(code, str):
            try:
                code = parse_hs(code)
            except HsCodeError:
                return None
        if code.hs6 and code.hs6 in self.tiers:
            return self.tiers[code.hs6]
        if code.heading and code.heading in self.tiers:
            return self.tiers[code.heading]
        return None

    def headings(self) -> set[str]:
        return {c[:4] for c in self.tiers}


def load_hs_nomenclature(path: Path) -> dict[str, str]:
    """HS nomenclature CSV (``hscode,description``) -> {code: description}; 2/4/6 digits."""
    out: dict[str, str] = {}
    with _open(path) as fh:
        reader = csv.DictReader(fh)
        check_header(list(reader.fieldnames or []), file=str(path))
        fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
        if "hscode" not in fields or "description" not in fields:
            raise BadInputError("HS nomenclature needs columns hscode,description", file=str(path))
        for row in reader:
            code = (row.get(fields["hscode"]) or "").strip()
            if code.isdigit():
                out[code] = (row.get(fields["description"]) or "").strip()
    return out


def load_chpl(path: Path, hs_names: dict[str, str] | None = None) -> ChplTable:
    """Read a CHPL CSV. Bad rows raise ``BadInputError`` naming the line: a tier table
    with a wrong code must not load half-silently."""
    table = ChplTable(source=str(path))
    with _open(path) as fh:
        reader = csv.DictReader(fh)
        check_header(list(reader.fieldnames or []), file=str(path))
        fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
        code_col = next(
            (fields[c] for c in ("hs6", "hs_code", "hscode", "hs") if c in fields), None
        )
        if code_col is None or "tier" not in fields:
            raise BadInputError("CHPL table needs columns hs6,tier", file=str(path), line=1)
        desc_col = next((fields[c] for c in ("hs_description", "description") if c in fields), None)
        for lineno, row in enumerate(reader, start=2):
            raw = (row.get(code_col) or "").strip()
            try:
                hs = parse_hs(raw)
            except HsCodeError as exc:
                raise BadInputError(exc.reason, file=str(path), line=lineno, field="hs6") from exc
            key = hs.hs6 or hs.heading
            if not key:
                raise BadInputError(
                    "CHPL code must be HS-6 or a heading", file=str(path), line=lineno, field="hs6"
                )
            tier = (row.get(fields["tier"]) or "").strip().upper()
            if not tier:
                raise BadInputError("empty tier", file=str(path), line=lineno, field="tier")
            if not tier.startswith("TIER"):
                tier = f"TIER_{tier}"
            desc = (row.get(desc_col) or "").strip() if desc_col else ""
            if not desc and hs_names:
                desc = hs_names.get(key, "")
            table.tiers[key] = ChplEntry(key, tier, desc)
    if not table.tiers:
        raise BadInputError("CHPL table has no rows", file=str(path))
    return table


def _open(path: Path):  # type: ignore[no-untyped-def]
    try:
        return Path(path).open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc
