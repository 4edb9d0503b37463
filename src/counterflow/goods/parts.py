"""Manufacturer part numbers: normalisation and matching against a loaded table of
components found in drones (e.g. the GUR War & Sanctions components list).

Normalisation drops what distributors and packaging add to a part number — Digi-Key /
Mouser prefixes and suffixes (``296-``, ``-ND``, ``CT-ND``), tape-and-reel and lead-free
suffixes (``-TR``, ``T&R``, ``/NOPB``, ``#PBF``, ``-REEL7``, ``+T``) — then keeps letters and
digits only. Matching levels, best first:

* ``exact``     the same normalised part number;
* ``ordering``  the listed part plus an ordering code (``TMS320F28335PGFA`` listed,
  ``TMS320F28335PGFAR`` asked): the listed number is a prefix of the query and the
  query continues with a letter (or after a separator), never with a digit — so
  ``LM258`` does not match ``LM2586``;
* ``partial``   the query is the listed part without its ordering code;
* ``device``    the same device in another package or grade: equal after dropping the
  letters that follow the last run of 3+ digits (``AD9243ASZ`` ~ ``AD9243AR``).

A maker given with the query that disagrees with the listed maker (after aliases:
``TI`` = ``Texas Instruments Inc.``) lowers the score and is said in the explanation.
"""

from __future__ import annotations

import bisect
import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from counterflow.csvin import check_header
from counterflow.errors import BadInputError
from counterflow.goods.makers import canonical_makers

# Cyrillic letters that look like Latin ones (seen in transcribed markings: "MAХ1660ЕЕЕ").
_HOMOGLYPHS = str.maketrans("АВЕКМНОРСТХУІаеорсхуі", "ABEKMHOPCTXYIaeopcxyi")
_NON_ALNUM = re.compile(r"[^A-Z0-9]")
_DISTRIBUTOR_PREFIX = re.compile(r"^\d{2,4}-(?=[A-Z0-9./]*[A-Z])")
_SUFFIXES = [
    re.compile(p)
    for p in (
        r"[-\s]?(?:CT|TR|DKR|CUT|[0-9])?-ND$",  # Digi-Key
        r"[-/\s]?NOPB$",  # TI lead-free
        r"[#/\-\s]?TRPBF$",
        r"[#/\-\s]PBF$",
        r"(?<=[0-9A-Z])PBF$",
        r"[-/\s]?\(?T&R\)?$",
        r"[-/\s]?\(?TAPE\s*(?:AND|&)\s*REEL\)?$",
        r"[-/\s]?REEL\d*$",
        r"[-/]RL\d*$",
        r"[-/](?:TR|T|R|T1|R7|E3|GE3|HE3|LF)$",
        r"(?<=\d)TR$",  # STM32F405RGT6TR
        r"\+T?$",  # Maxim "+", "+T"
    )
]
_STOP = re.compile(
    r"^(?:RS\d+|I2C|I2S|USB\d*|DDR\d*|LPDDR\d*|PCIE\d*|SATA\d*|HDMI\d*|UART\d*|SPI\d*|"
    r"\d+(?:V|W|A|MA|MW|MHZ|GHZ|KHZ|HZ|BIT|BITS|MM|NM|KB|MB|GB|AXIS|CH|CHANNEL|PIN|PINS|DB|"
    r"KBPS|MBPS|GBPS|X\d+)|[A-Z]\d|G\d+[A-Z]?)$"
)
_PART_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9\-./_]*[A-Z0-9]|[A-Z0-9]")
_BASE = re.compile(r"^(.*\d{3})[A-Z]+$")


def _upper(text: str) -> str:
    return text.translate(_HOMOGLYPHS).upper().strip()


def strip_packaging(raw: str, *, distributor: bool = True) -> str:
    """Upper-cased part number without distributor and packaging affixes (separators kept)."""
    s = _upper(raw)
    if distributor:
        s = _DISTRIBUTOR_PREFIX.sub("", s)
    changed = True
    while changed and s:
        changed = False
        for pat in _SUFFIXES:
            new = pat.sub("", s).rstrip(" -/#")
            if new != s and len(_NON_ALNUM.sub("", new)) >= 3:
                s, changed = new, True
    return s


def normalise_part(raw: str, *, distributor: bool = True) -> str:
    """``296-TMS320F28335PGFA-ND`` -> ``TMS320F28335PGFA``;
    ``LMZ14203TZ/NOPB`` -> ``LMZ14203TZ``."""
    return _NON_ALNUM.sub("", strip_packaging(raw, distributor=distributor))


def _boundaries(raw: str) -> set[int]:
    """Positions in the normalised key where the raw text had a separator."""
    out: set[int] = set()
    n = 0
    for ch in raw:
        if ch.isalnum():
            n += 1
        else:
            out.add(n)
    return out


def device_base(key: str) -> str:
    """Drop the ordering letters after the last run of 3+ digits: ``TMS320F28335PGFA`` ->
    ``TMS320F28335``; keys without such a run are their own base."""
    m = _BASE.match(key)
    return m.group(1) if m else key


def is_part_like(key: str) -> bool:
    """A plausible part number: 4+ characters, letters and digits, not a unit/bus word."""
    if len(key) < 4 or key.isdigit() or key.isalpha():
        return False
    return not _STOP.match(key)


_JOIN_WORDS = frozenset(
    {
        "MEMS",
        "GNSS",
        "CMOS",
        "DUAL",
        "QUAD",
        "WITH",
        "FROM",
        "CHIP",
        "TYPE",
        "BASE",
        "MODE",
        "BUS",
        "CAN",
        "LOW",
        "HIGH",
        "AND",
        "FOR",
        "THE",
        "BIT",
        "BITS",
        "LINE",
        "PWM",
        "DSP",
        "ADC",
        "DAC",
        "LED",
        "LCD",
        "RAM",
        "ROM",
        "SMD",
        "DIP",
        "USB",
        "GPS",
        "IC",
        "ICS",
        "NEW",
        "OLD",
        "SET",
        "KIT",
        "PLL",
        "VCO",
        "RF",
        "FET",
        "PCB",
        "CPU",
        "MCU",
        "SOC",
        "FPGA",
    }
)
_LETTERS = re.compile(r"[A-Z]{2,5}")


def _ordering_rest_ok(rest: str) -> bool:
    """Could ``rest`` be an ordering code (package, grade, temperature, reel) rather than
    more of the device number? ``F28035PNT`` after ``TMS320`` is not; ``ECPWR`` is."""
    return not (re.search(r"\d{4,}", rest) or re.match(r"[A-Z]{1,2}\d{3,}", rest))


def candidate_keys(marking: str) -> list[str]:
    """Part-number keys found in a free-text marking ("Digital signal processor TMS320
    F28335PGFA CA-21AM5TW G4"): single tokens plus joins of split numbers
    (``TMS320`` + ``F28335PGFA``, ``ADXL`` + ``357B``, ``ADM3202`` + ``ARNZ``).
    Tokens after ``#`` (lot and date codes) are ignored."""
    tokens: list[str] = []
    for raw in re.split(r"[\s,;()\[\]]+", _upper(marking)):
        if not raw or raw.startswith("#") or not raw.isascii():
            tokens.append("")  # keeps positions: never joined across a skipped token
            continue
        tokens.append(raw.strip("-./_:*'\""))
    keys: list[str] = []

    def add(tok: str) -> None:
        k = normalise_part(tok, distributor=False)
        if is_part_like(k) and k not in keys:
            keys.append(k)

    for i, tok in enumerate(tokens):
        if not tok:
            continue
        add(tok)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        nxt2 = tokens[i + 2] if i + 2 < len(tokens) else ""
        if not nxt:
            continue
        if (
            re.fullmatch(r"[A-Z]{2,4}", tok)
            and tok not in _JOIN_WORDS
            and re.fullmatch(r"\d{2,}[A-Z0-9]*", nxt)
        ):
            add(tok + nxt)  # ADXL 357B, ADF 4112
            if _LETTERS.fullmatch(nxt2) and nxt2 not in _JOIN_WORDS:
                add(tok + nxt + nxt2)  # ADF 4112 BRUZ
        elif re.fullmatch(r"[A-Z][A-Z0-9]*\d{3,}", tok) and _LETTERS.fullmatch(nxt):
            if nxt not in _JOIN_WORDS:
                add(tok + nxt)  # ADM3202 ARNZ
        elif re.fullmatch(r"[A-Z]{2,5}\d+", tok) and re.fullmatch(r"[A-Z]\d{3,}[A-Z0-9]*", nxt):
            add(tok + nxt)  # TMS320 F28335PGFA
    return keys


@dataclass(slots=True)
class Component:
    """One row of the component table."""

    component_id: str
    marking: str
    manufacturer: str
    makers: frozenset[str]
    found_in: list[str]
    source: str = ""
    keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PartMatch:
    """A listed part the query matched, with every table row (and drone) carrying it."""

    query: str
    normalised: str
    listed_key: str
    level: str  # exact | ordering | partial | device
    score: float
    components: list[Component]
    maker_agrees: bool | None  # None when either maker is unknown

    @property
    def drones(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.components:
            for d in c.found_in:
                seen.setdefault(d, None)
        return list(seen)

    def explanation(self, max_drones: int = 4) -> str:
        labels = list(dict.fromkeys(drone_label(d) for d in self.drones))
        labels.sort(key=lambda d: not is_shahed_family(d))
        shown = ", ".join(labels[:max_drones])
        more = f" and {len(labels) - max_drones} more" if len(labels) > max_drones else ""
        drones = labels
        how = {
            "exact": "is",
            "ordering": "is an ordering variant of",
            "partial": "names without ordering code",
            "device": "is the same device (other package/grade) as",
        }[self.level]
        maker = ""
        if self.maker_agrees is False:
            maker = f"; maker differs ({self.components[0].manufacturer})"
        elif self.maker_agrees:
            maker = f"; same maker ({self.components[0].manufacturer})"
        where = f"found in {shown}{more}" if drones else "listed as a drone component"
        return f"part {self.query} {how} {self.listed_key}, {where}{maker}"


_DRONE_NOISE = re.compile(r"(?:-(?:no|tail-number|number|code|produced|captured)-.*|(?:-\d{3,})+)$")


def drone_label(slug: str) -> str:
    """``uav-geran-2-shahed-136-1276`` -> ``uav geran 2 shahed 136`` (ids/tail numbers cut)."""
    s = _DRONE_NOISE.sub("", slug.strip().lower())
    return s.replace("-", " ").strip() or slug


def is_shahed_family(slug: str) -> bool:
    low = slug.lower()
    return "shahed" in low or "geran" in low


@dataclass(slots=True)
class ComponentTable:
    """An index of components by normalised part-number key."""

    components: list[Component] = field(default_factory=list)
    source: str = ""
    skipped: int = 0  # rows with no usable part number
    _exact: dict[str, list[int]] = field(default_factory=dict)
    _base: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    _sorted: list[str] = field(default_factory=list)
    _cache: dict[tuple[str, str], list[PartMatch]] = field(default_factory=dict)

    def add(self, comp: Component) -> None:
        if not comp.keys:
            self.skipped += 1
            return
        idx = len(self.components)
        self.components.append(comp)
        for k in comp.keys:
            self._exact.setdefault(k, []).append(idx)
            b = device_base(k)
            if b != k or re.search(r"\d{3}$", k):
                self._base.setdefault(b, []).append((k, idx))
        self._sorted = []

    def _keys_sorted(self) -> list[str]:
        if not self._sorted:
            self._sorted = sorted(self._exact)
        return self._sorted

    def match(self, part: str, manufacturer: str | None = None, limit: int = 5) -> list[PartMatch]:
        """Listed parts matching ``part`` (distributor style welcome), best first."""
        ck = (part, manufacturer or "")
        hit = self._cache.get(ck)
        if hit is not None:
            return hit
        out = self._match(part, manufacturer)[:limit]
        if len(self._cache) < 500_000:
            self._cache[ck] = out
        return out

    def _match(self, part: str, manufacturer: str | None) -> list[PartMatch]:
        stripped = strip_packaging(part)
        q = _NON_ALNUM.sub("", stripped)
        if len(q) < 4 or not is_part_like(q):
            return []
        bounds = _boundaries(stripped)
        found: dict[str, tuple[str, float]] = {}  # listed key -> (level, score)

        def put(key: str, level: str, score: float) -> None:
            if key not in found or found[key][1] < score:
                found[key] = (level, score)

        if q in self._exact:
            put(q, "exact", 1.0)
        for cut in range(len(q) - 1, 4, -1):
            prefix = q[:cut]
            if prefix not in self._exact:
                continue
            nxt = q[cut]
            if not _ordering_rest_ok(q[cut:]):
                continue
            if cut in bounds or nxt.isalpha():
                extra = len(q) - cut
                put(prefix, "ordering", max(0.85, 0.95 - 0.01 * max(0, extra - 4)))
        if len(q) >= 5:
            keys = self._keys_sorted()
            i = bisect.bisect_left(keys, q)
            n = 0
            while i < len(keys) and keys[i].startswith(q) and n < 50:
                k = keys[i]
                rest = k[len(q) :]
                if k != q and rest[0].isalpha() and _ordering_rest_ok(rest):
                    put(k, "partial", 0.9)
                i += 1
                n += 1
        base = device_base(q)
        if len(base) >= 5 and re.search(r"\d{3}$", base):
            for k, _ in self._base.get(base, []):
                put(k, "device", 0.8)
        qmakers = canonical_makers(manufacturer)
        out: list[PartMatch] = []
        for key, (level, score) in found.items():
            comps = [self.components[i] for i in dict.fromkeys(self._exact[key])]
            agrees: bool | None = None
            listed_makers = frozenset().union(*(c.makers for c in comps))
            if qmakers and listed_makers:
                agrees = bool(qmakers & listed_makers)
                if not agrees:
                    score *= 0.75
            out.append(PartMatch(part, q, key, level, round(score, 3), comps, agrees))
        out.sort(key=lambda m: (-m.score, -len(m.drones), m.listed_key))
        return out


def _parse_found_in(text: str) -> list[str]:
    text = (text or "").strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, list):
            return [str(x) for x in data if str(x).strip()]
    return [p.strip() for p in re.split(r"[;|]", text) if p.strip()]


def load_components(path: Path | str) -> ComponentTable:
    """Read a component table: the GUR components CSV (``name_marking``,
    ``oem_part_number``, ``manufacturer``, ``found_in_drones``, ...) or a simple
    ``part_number,manufacturer,found_in[,source]`` CSV (``found_in`` ``;``-joined)."""
    path = Path(path)
    table = ComponentTable(source=str(path))
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc
    with fh:
        reader = csv.DictReader(fh)
        check_header(list(reader.fieldnames or []), file=str(path))
        cols = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
        if not ({"name_marking", "oem_part_number", "part_number"} & set(cols)):
            raise BadInputError(
                "component table needs part_number (or name_marking/oem_part_number)",
                file=str(path),
                line=1,
            )

        def get(row: dict[str, str], name: str) -> str:
            col = cols.get(name)
            return (row.get(col) or "").strip() if col else ""

        for lineno, row in enumerate(reader, start=2):
            marking = get(row, "name_marking") or get(row, "part_number")
            keys: list[str] = []
            for text in (get(row, "part_number"), get(row, "oem_part_number"), marking):
                if text:
                    for k in candidate_keys(text):
                        if k not in keys:
                            keys.append(k)
            maker = get(row, "manufacturer")
            found = _parse_found_in(get(row, "found_in_drones") or get(row, "found_in"))
            table.add(
                Component(
                    component_id=get(row, "component_id") or f"{path.name}:{lineno}",
                    marking=marking,
                    manufacturer=maker,
                    makers=canonical_makers(maker),
                    found_in=found,
                    source=get(row, "source_url") or get(row, "source"),
                    keys=keys,
                )
            )
    return table


def table_from_rows(rows: Iterable[tuple[str, str, list[str]]]) -> ComponentTable:
    """A table from ``(part_number, manufacturer, found_in)`` tuples (tests, API)."""
    table = ComponentTable(source="<memory>")
    for i, (pn, maker, found) in enumerate(rows):
        table.add(
            Component(
                f"row{i}", pn, maker, canonical_makers(maker), list(found), "", candidate_keys(pn)
            )
        )
    return table
