"""OFAC legacy CSV sets: ``sdn.csv`` + ``add.csv`` + ``alt.csv`` + ``sdn_comments.csv``
(dataset ``us_ofac_sdn``) and the non-SDN ``cons_prim/add/alt/comments.csv``
(``us_ofac_cons``).

The files have no header, are latin-1/cp1252 (UTF-8 and BOMs are accepted too) and write
``-0-`` for an empty field. Each file's role is told from its content (12, 6, 5 or 2
columns with the right value shapes); SDN vs non-SDN from the programmes in the main file,
the file name (``cons``) only where content cannot tell. Detail rows are joined to their
entry by ``ent_num``; rows for entries the main file lacks become ``orphaned`` issues.
The remarks column is parsed by ``ofac_remarks``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.ofac_remarks import RemarkFields, country_code, parse_remarks
from counterflow.records.identifiers import make_identifier
from counterflow.records.model import Alias, AliasStrength, CountryRef, Kind, Party
from counterflow.unpack import read_maybe_gzip

FORMAT = "ofac_csv"

_BASE = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
DOWNLOADS: dict[str, list[str]] = {
    "us_ofac_sdn": [_BASE + n for n in ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")],
    "us_ofac_cons": [
        _BASE + n for n in ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV")
    ],
}

SDN = "us_ofac_sdn"
CONS = "us_ofac_cons"
EMPTY = "-0-"
ROLE_COLUMNS = {"main": 12, "add": 6, "alt": 5, "comments": 2}
_COLUMNS_ROLE = {v: k for k, v in ROLE_COLUMNS.items()}
_SDN_TYPES: dict[str, Kind] = {
    "individual": "person",
    "": "organization",
    "entity": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_NO_FLAG = {"none identified", "unknown", "none", "n/a"}
_ALT_TYPES = {"aka": "a.k.a.", "fka": "f.k.a.", "nka": "n.k.a."}

# Programmes found only on the non-SDN consolidated list (NS-PLC, CMIC, SSI, FSE, ...).
CONS_ONLY_PROGRAMS = frozenset(
    {"NS-PLC", "CMIC-EO13959", "561-Related", "FSE-IR", "FSE-SY", "FSE-WMD", "FSE-SDGT"}
    | {"NS-MBS", "NS-ISA", "SSI", "NS-CMIC", "PLC", "CMIC"}
)
# Sectoral (SSI) entities: mostly on the consolidated list, a few SDNs carry it too.
CONS_MOSTLY_PROGRAMS = frozenset({"UKRAINE-EO13662"})

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}(?:-\d{2})?)(?!\d)")
_PROGRAM = re.compile(r"[^\[\]]+")
_INT = re.compile(r"^\d+$")


def clean(value: str | None) -> str:
    """``-0-`` and blanks -> ``""``; otherwise the value stripped."""
    if value is None:
        return ""
    value = value.strip()
    return "" if value == EMPTY else value


def split_programs(text: str) -> list[str]:
    """``"SDGT] [IRGC"`` or ``"[SDGT] [IRGC]"`` -> ``["SDGT", "IRGC"]``."""
    out: list[str] = []
    for p in _PROGRAM.findall(clean(text)):
        p = p.strip()
        if p and p not in out:
            out.append(p)
    return out


def dataset_from_programs(programs: Sequence[Sequence[str]], name: str) -> str:
    """SDN or non-SDN consolidated from the programmes of the entries seen; the file name
    (``cons`` in it) decides only where the programmes cannot."""
    n = len(programs)
    hint = CONS if "cons" in name.lower() else SDN
    if n == 0:
        return hint
    score = 0.0
    for progs in programs:
        if any(p in CONS_ONLY_PROGRAMS or p.startswith("FSE-") for p in progs):
            score += 1.0
        elif any(p in CONS_MOSTLY_PROGRAMS for p in progs):
            score += 0.5
    share = score / n
    if share >= 0.3:
        return CONS
    if share < 0.05 and n >= 20:
        return SDN
    return hint


def decode(data: bytes, file: str) -> str:
    """Bytes -> text: BOM stripped, UTF-8 when valid, else cp1252 (latin-1 for the bytes
    cp1252 leaves undefined). The DOS end-of-file mark (``\\x1a``) is dropped."""
    if b"\x00" in data[:65536]:
        raise BadInputError("binary content (NUL bytes), not an OFAC CSV file", file=file)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    return text.rstrip("\x1a\r\n \t")


def _read_bytes(path: Path) -> bytes:
    return read_maybe_gzip(path)  # gzip by magic, streamed and capped


@dataclass(slots=True)
class _Row:
    line: int
    cells: list[str]


def _rows(text: str, file: str) -> Iterator[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            end = reader.line_num
            if cells and not (len(cells) == 1 and not cells[0].strip()):
                yield _Row(start, cells)
            start = end + 1
    except csv.Error as exc:
        raise BadInputError(f"malformed CSV: {exc}", file=file, line=reader.line_num) from exc


def _is_header(cells: list[str]) -> bool:
    first = cells[0].strip().lower().lstrip("\ufeff")
    return not _INT.match(first) and ("ent" in first or "num" in first or "id" in first)


def role_of(rows: Sequence[list[str]], name: str = "") -> str | None:
    """Which file of the set these rows come from, from their shape; ``None`` if none."""
    votes: dict[str, int] = {}
    for cells in rows[:200]:
        role = _COLUMNS_ROLE.get(len(cells))
        if role is None or not _INT.match(cells[0].strip()):
            continue
        if role == "main" and clean(cells[2]).lower() not in _SDN_TYPES:
            continue
        if role == "alt" and (
            clean(cells[2]).lower() not in _ALT_TYPES or not _INT.match(cells[1].strip())
        ):
            continue
        if role == "add" and not _INT.match(cells[1].strip()):
            continue
        votes[role] = votes.get(role, 0) + 1
    if not votes:
        return None
    role, n = max(votes.items(), key=lambda kv: kv[1])
    if n * 2 < min(len(rows), 200):
        return None
    if role != "comments":
        # OFAC writes -0- for every empty field: a shape-alike CSV without it is not OFAC.
        with_empty = sum(1 for r in rows[:200] if any(c.strip() == EMPTY for c in r))
        if with_empty * 2 < min(len(rows), 200):
            return None
    if role == "comments" and "comment" not in name.lower():
        # Two columns keyed by a number is a common shape: ask for remarks-like text.
        texts = [r[1] for r in rows[:200] if len(r) == 2]
        remarks_like = sum(1 for t in texts if ";" in t or len(t) >= 80)
        if remarks_like * 2 < len(texts):
            return None
    return role


def _head_rows(head: bytes) -> list[list[str]]:
    try:
        text = decode(head, "")
    except BadInputError:
        return []
    lines = text.splitlines()
    if len(head) >= 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut head may be partial
    try:
        rows = [r for r in csv.reader(lines) if r and any(c.strip() for c in r)]
    except csv.Error:
        return []
    if rows and _is_header(rows[0]):
        rows = rows[1:]
    # A quoted field cut at the head's end can swallow lines: judge complete rows only.
    return rows[:-1] if len(rows) > 2 else rows


def publication_date(path: Path) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM`` from the file name, else the file's mtime date."""
    m = _DATE_IN_NAME.search(path.name)
    if m:
        return m.group(1)
    try:
        ts = path.stat().st_mtime
    except OSError:
        return dt.date.today().isoformat()
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).date().isoformat()


@lru_cache(maxsize=256)
def _sniff_main(path: str, mtime: float, size: int) -> str | None:
    """Dataset of a main (``sdn.csv``-shaped) file, ``None`` when it is not one."""
    p = Path(path)
    try:
        if p.suffix.lower() == ".gz":
            with gzip.open(p, "rb") as fh:
                head = fh.read(65536)
        else:
            with p.open("rb") as fh:
                head = fh.read(65536)
    except (OSError, EOFError):
        return None
    rows = _head_rows(head)
    if role_of(rows) != "main":
        return None
    return dataset_from_programs([split_programs(r[3]) for r in rows if len(r) == 12], p.name)


def _main_siblings(directory: Path, dataset: str) -> list[Path]:
    out: list[Path] = []
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return out
    for p in entries:
        name = p.name.lower()
        if not p.is_file() or not (name.endswith(".csv") or name.endswith(".csv.gz")):
            continue
        st = p.stat()
        if _sniff_main(str(p.resolve()), st.st_mtime, st.st_size) == dataset:
            out.append(p)
    return out


def _choose_main(detail: Path, mains: list[Path]) -> Path | None:
    """The main file a detail file belongs with: the newest main dated on or before the
    detail file, else the newest main."""
    if not mains:
        return None
    dated = sorted(mains, key=lambda p: publication_date(p))
    mine = publication_date(detail)
    before = [p for p in dated if publication_date(p) <= mine]
    return (before or dated)[-1]


def _group_of_main(path: Path, dataset: str) -> str:
    return f"{dataset}:{path.resolve()}"


def detect(path: Path, head: bytes) -> Detected | None:
    """Recognise one file of an OFAC legacy CSV set from its content."""
    rows = _head_rows(head)
    role = role_of(rows, path.name)
    if role is None:
        return None
    if role == "main":
        dataset = dataset_from_programs(
            [split_programs(r[3]) for r in rows if len(r) == 12], path.name
        )
        return Detected(FORMAT, dataset, "main", _group_of_main(path, dataset))
    dataset = CONS if "cons" in path.name.lower() else SDN
    main = _choose_main(path, _main_siblings(path.parent, dataset))
    group = _group_of_main(main, dataset) if main else f"{dataset}:{path.parent.resolve()}:details"
    return Detected(FORMAT, dataset, role, group)


@dataclass(slots=True)
class _File:
    path: Path
    role: str
    rows: list[_Row]


def _load_file(path: Path, issues: list[LoadIssue]) -> _File | None:
    name = str(path)
    text = decode(_read_bytes(path), name)
    if not text.strip():
        issues.append(LoadIssue(name, None, None, "empty file", "warning"))
        return None
    rows = list(_rows(text, name))
    if rows and _is_header(rows[0].cells):
        rows = rows[1:]
    role = role_of([r.cells for r in rows], path.name)
    if role is None:
        counts = sorted({len(r.cells) for r in rows[:200]})
        raise BadInputError(
            "not an OFAC legacy CSV file: expected 12 (sdn), 6 (add), 5 (alt) or 2 "
            f"(comments) columns with a numeric ent_num, found {counts} columns",
            file=name,
            line=rows[0].line if rows else None,
        )
    return _File(path, role, rows)


def _check(row: _Row, f: _File, issues: list[LoadIssue]) -> bool:
    want = ROLE_COLUMNS[f.role]
    if len(row.cells) != want:
        issues.append(
            LoadIssue(
                str(f.path),
                row.line,
                None,
                f"{len(row.cells)} columns where {f.role} rows have {want}",
            )
        )
        return False
    if not _INT.match(row.cells[0].strip()):
        issues.append(
            LoadIssue(str(f.path), row.line, "ent_num", f"ent_num {row.cells[0]!r} is not a number")
        )
        return False
    return True


@dataclass(slots=True)
class _Entry:
    party: Party
    remarks: str
    line: int


def _main_party(row: _Row, f: _File, dataset: str, issues: list[LoadIssue]) -> _Entry | None:
    c = row.cells
    ent, name, sdn_type = c[0].strip(), clean(c[1]), clean(c[2]).lower()
    kind = _SDN_TYPES.get(sdn_type)
    if kind is None:
        issues.append(LoadIssue(str(f.path), row.line, "SDN_Type", f"unknown type {c[2]!r}"))
        return None
    if not name:
        issues.append(LoadIssue(str(f.path), row.line, "SDN_Name", "empty name"))
        return None
    party = Party(dataset=dataset, source_id=ent, kind=kind, name=name)
    party.programs = split_programs(c[3])
    title = clean(c[4])
    if title:
        party.titles.append(title)
    call_sign = clean(c[5])
    if call_sign:
        ident = make_identifier("call_sign", call_sign, label="Call Sign")
        if ident:
            party.identifiers.append(ident)
    for key, idx in (("type", 6), ("tonnage", 7), ("grossRegisteredTonnage", 8), ("owner", 10)):
        value = clean(c[idx])
        if value:
            party.properties.setdefault(key, []).append(value)
    return _Entry(party, clean(c[11]), row.line)


def _apply_fields(party: Party, fields: RemarkFields) -> None:
    party.aliases.extend(a for a in fields.aliases if a.name != party.name)
    party.birth_dates.extend(fields.birth_dates)
    party.birth_places.extend(fields.birth_places)
    for cref in fields.countries:
        if not any(x.code == cref.code and x.role == cref.role for x in party.countries):
            party.countries.append(cref)
    for ident in fields.identifiers:
        if not any(i.scheme == ident.scheme and i.value == ident.value for i in party.identifiers):
            party.identifiers.append(ident)
    if fields.gender and party.kind == "person":
        party.gender = fields.gender
    for key, values in fields.properties.items():
        have = party.properties.setdefault(key, [])
        have.extend(v for v in values if v not in have)
    if fields.linked_to:
        party.properties.setdefault("linkedTo", []).extend(fields.linked_to)


def link_key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().rstrip(".").upper())


def resolve_links(parties: Sequence[Party]) -> None:
    """``Linked To: NAME`` -> ``Party.links`` (source ids) where NAME is the primary name
    of an entry of the same list; the names stay in ``properties["linkedTo"]``."""
    by_name: dict[str, list[str]] = {}
    for p in parties:
        by_name.setdefault(link_key(p.name), []).append(p.source_id)
    for p in parties:
        for name in p.properties.get("linkedTo", []):
            for sid in by_name.get(link_key(name), []):
                if sid != p.source_id and sid not in p.links:
                    p.links.append(sid)


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    """Parse one OFAC legacy CSV set (main file + any add/alt/comments files)."""
    issues: list[LoadIssue] = []
    files: list[_File] = []
    for path in paths:
        f = _load_file(Path(path), issues)
        if f is not None:
            files.append(f)
    main = _main_file(files, paths)
    if dataset is None:
        progs = [split_programs(r.cells[3]) for r in main.rows if len(r.cells) == 12]
        dataset = dataset_from_programs(progs, main.path.name)
    entries = _main_entries(main, dataset, issues)
    _join_comments(files, entries, main, issues)
    _apply_remarks(entries, main, issues)
    _add_flags(entries, main, issues)  # after the remarks, so a flag keeps its role
    _join_aliases_and_addresses(files, entries, main, issues)
    parties = [e.party for e in entries.values()]
    resolve_links(parties)
    return ParseResult(
        dataset=dataset,
        version=publication_date(main.path),
        records=parties,
        files=[f.path for f in files],
        issues=issues,
        format=FORMAT,
    )


def _main_file(files: list[_File], paths: Sequence[Path]) -> _File:
    """The set's one main file (sdn.csv or cons_prim.csv); BadInputError otherwise."""
    mains = [f for f in files if f.role == "main"]
    if not mains:
        if not files and paths:
            raise BadInputError("empty file: no OFAC entries", file=str(paths[0]))
        raise BadInputError(
            "OFAC add/alt/comments files without their main file (sdn.csv or cons_prim.csv)",
            file=", ".join(str(p) for p in paths),
        )
    if len(mains) > 1:
        names = ", ".join(str(f.path) for f in mains)
        raise BadInputError(f"several OFAC main files in one set: {names}", file=str(mains[0].path))
    return mains[0]


def _main_entries(main: _File, dataset: str, issues: list[LoadIssue]) -> dict[str, _Entry]:
    """One entry per ent_num of the main file (a repeated ent_num keeps the first)."""
    entries: dict[str, _Entry] = {}
    for row in main.rows:
        if not _check(row, main, issues):
            continue
        ent = row.cells[0].strip()
        if ent in entries:
            issues.append(
                LoadIssue(
                    str(main.path),
                    row.line,
                    "ent_num",
                    f"duplicate ent_num {ent} (first at line {entries[ent].line}); kept the first",
                )
            )
            continue
        entry = _main_party(row, main, dataset, issues)
        if entry is not None:
            entries[ent] = entry
    return entries


def _orphan(f: _File, row: _Row, main: _File, issues: list[LoadIssue]) -> None:
    issues.append(
        LoadIssue(
            str(f.path),
            row.line,
            "ent_num",
            f"{f.role} row for ent_num {row.cells[0].strip()} not in {main.path.name}",
            "orphaned",
        )
    )


def _join_comments(
    files: list[_File], entries: dict[str, _Entry], main: _File, issues: list[LoadIssue]
) -> None:
    """Comments rows continue their entry's remarks (cut at 1000 characters in the main
    file); a row for an entry whose remarks are already complete is not joined."""
    for f in files:
        if f.role != "comments":
            continue
        for row in f.rows:
            if not _check(row, f, issues):
                continue
            entry = entries.get(row.cells[0].strip())
            if entry is None:
                _orphan(f, row, main, issues)
                continue
            more = clean(row.cells[1])
            if len(entry.remarks) >= 1000 or not entry.remarks.rstrip().endswith("."):
                entry.remarks += more
            else:
                issues.append(
                    LoadIssue(
                        str(f.path),
                        row.line,
                        "remarks",
                        f"comments row for ent_num {entry.party.source_id} does not continue "
                        "its remarks (already complete: another publication?); not joined",
                        "warning",
                    )
                )


def _apply_remarks(entries: dict[str, _Entry], main: _File, issues: list[LoadIssue]) -> None:
    """What the (joined) remarks say: dates, places, identifiers, countries, links."""
    for entry in entries.values():
        party = entry.party
        party.remarks = entry.remarks or None
        fields = parse_remarks(entry.remarks)
        _apply_fields(party, fields)
        for w in fields.warnings:
            issues.append(LoadIssue(str(main.path), entry.line, "Remarks", w, "warning"))


def _add_flags(entries: dict[str, _Entry], main: _File, issues: list[LoadIssue]) -> None:
    """A vessel's flag (``Vess_flag``) as its first country, role ``flag``."""
    for row in main.rows:
        if len(row.cells) != 12:
            continue
        entry = entries.get(row.cells[0].strip())
        flag = clean(row.cells[9])
        if flag.lower() in _NO_FLAG:
            continue
        if entry is not None and flag and entry.line == row.line:
            code = country_code(flag)
            if code:
                party = entry.party
                if not any(c.code == code and c.role == "flag" for c in party.countries):
                    party.countries.insert(0, CountryRef(code=code, role="flag"))
            else:
                issues.append(
                    LoadIssue(
                        str(main.path),
                        row.line,
                        "Vess_flag",
                        f"unknown flag {flag!r}",
                        "warning",
                    )
                )


def _join_aliases_and_addresses(
    files: list[_File], entries: dict[str, _Entry], main: _File, issues: list[LoadIssue]
) -> None:
    for f in files:
        if f.role not in ("alt", "add"):
            continue
        for row in f.rows:
            if not _check(row, f, issues):
                continue
            entry = entries.get(row.cells[0].strip())
            if entry is None:
                _orphan(f, row, main, issues)
            elif f.role == "alt":
                _add_alias(entry.party, row, f, issues)
            else:
                _add_address(entry.party, row)


def _add_alias(party: Party, row: _Row, f: _File, issues: list[LoadIssue]) -> None:
    _, _, alt_type, alt_name, alt_remarks = row.cells
    name = clean(alt_name)
    if not name:
        issues.append(LoadIssue(str(f.path), row.line, "alt_name", "empty alias name", "warning"))
        return
    kind = _ALT_TYPES.get(clean(alt_type).lower(), clean(alt_type) or None)
    strength: AliasStrength = "weak" if clean(alt_remarks).lower().startswith("weak") else "strong"
    for a in party.aliases:
        if a.name == name:
            if strength == "strong":
                a.strength = "strong"
            return
    if name != party.name:
        party.aliases.append(Alias(name=name, strength=strength, kind=kind))


def _add_address(party: Party, row: _Row) -> None:
    _, _, address, city, country, add_remarks = (clean(c) for c in row.cells)
    text = ", ".join(p for p in (address, city, country) if p)
    if add_remarks:
        text = f"{text} ({add_remarks})" if text else add_remarks
    if text and text not in party.addresses:
        party.addresses.append(text)
    code = country_code(country)
    if code and not any(c.code == code and c.role == "address" for c in party.countries):
        party.countries.append(CountryRef(code=code, role="address"))
