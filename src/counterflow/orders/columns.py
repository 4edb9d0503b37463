"""Order-file columns (INTERFACES.md, "Orders") and per-line parsing.

Header names are case-insensitive; ``order_id`` is required (a file without it is bad
input, exit 1). Every other column is optional; unknown columns pass through to the
output. A line's unreadable fields do not stop the file: they become ``INPUT_*`` problems
on that line, which is still screened as far as it can be.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from counterflow.errors import BadInputError
from counterflow.goods.hs import HsCode, HsCodeError, parse_hs
from counterflow.records.countries import to_iso2

PARTY_ROLES: tuple[str, ...] = ("customer", "consignee", "end_user", "freight_forwarder")
ORDER_COLUMNS: tuple[str, ...] = (
    "order_id",
    *PARTY_ROLES,
    "ship_to_country",
    "ship_to_address",
    "via_countries",
    "hs_code",
    "part_number",
    "manufacturer",
    "description",
    "quantity",
    "unit_price",
    "currency",
    "end_use",
)
OUTPUT_COLUMNS: tuple[str, ...] = ("order_id", "risk", "score", "flags", "explanation")
MAX_COLUMNS = 1000  # a wider header is refused (it would only slow every line down)
_ALIASES = {"end user": "end_user", "enduser": "end_user", "forwarder": "freight_forwarder"}
_NUM = re.compile(r"^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")


@dataclass(slots=True)
class Columns:
    """Where each known column sits in the header, and the pass-through columns."""

    header: list[str]
    index: dict[str, int]
    passthrough: list[int]

    def output_header(self) -> list[str]:
        out = list(OUTPUT_COLUMNS)
        for i in self.passthrough:
            name = self.header[i]
            while name.lower() in {c.lower() for c in out}:
                name = f"input_{name}"
            out.append(name)
        return out


def resolve_columns(header: list[str], file: str | None = None) -> Columns:
    if len(header) > MAX_COLUMNS:
        raise BadInputError(
            f"{len(header):,} columns: at most {MAX_COLUMNS:,} are accepted", file=file, line=1
        )
    index: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip().lower().lstrip("\ufeff")
        name = _ALIASES.get(name, name.replace(" ", "_"))
        if name in ORDER_COLUMNS and name in index:
            raise BadInputError(
                f"duplicate column {name!r} (columns {index[name] + 1} and {i + 1}): "
                "each column may appear once",
                file=file,
                line=1,
                field=name,
            )
        if name in ORDER_COLUMNS:
            index[name] = i
    if "order_id" not in index:
        raise BadInputError(
            "missing required column 'order_id' (columns: " + ", ".join(header) + ")",
            file=file,
            line=1,
            field="order_id",
        )
    passthrough = [i for i in range(len(header)) if i != index["order_id"]]
    return Columns(header, index, passthrough)


@dataclass(slots=True)
class OrderLine:
    """One parsed order line. ``problems``: (rule code, message) for unreadable fields."""

    line: int
    order_id: str
    parties: dict[str, str] = field(default_factory=dict)  # role -> name (non-empty only)
    ship_to_country: str | None = None  # ISO alpha-2
    ship_to_country_raw: str = ""
    ship_to_address: str = ""
    via_countries: list[str] = field(default_factory=list)
    hs: HsCode | None = None
    hs_raw: str = ""
    part_number: str = ""
    manufacturer: str = ""
    description: str = ""
    quantity: float | None = None
    unit_price: float | None = None
    currency: str = ""
    end_use: str = ""
    end_use_given: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)


MAX_AMOUNT = 1e12  # a quantity or unit price beyond this is a typo or an attack, not an order
# Codes the country registry knows that are not places goods can be shipped to: "global",
# unions and organisations.
NOT_A_DESTINATION = frozenset({"zz", "eu", "un"})


def destination(text: str) -> str | None:
    """The ISO code of a ship-to / transit country, None when it is not a real place
    (unknown, ``ZZ``, ``EU``, ``UN``, a state that no longer exists such as ``SUHH``)."""
    code = to_iso2(text)
    if code is None or code in NOT_A_DESTINATION:
        return None
    if len(code) != 2 and "-" not in code:
        return None
    return code


def _number(text: str) -> float | None:
    t = text.strip().replace(" ", "").replace("_", "")
    if "," in t and "." not in t:
        t = (
            t.replace(",", ".")
            if t.count(",") == 1 and len(t.split(",")[1]) != 3
            else t.replace(",", "")
        )
    else:
        t = t.replace(",", "")
    if not _NUM.match(t):
        return None
    value = float(t)
    return value if math.isfinite(value) else None


def parse_line(row: list[str], cols: Columns, line: int) -> OrderLine:
    """Parse one CSV row (already split). Never raises: problems are recorded."""
    idx = cols.index

    def get(name: str) -> str:
        i = idx.get(name)
        if i is None or i >= len(row):
            return ""
        return row[i].strip()

    ol = OrderLine(line=line, order_id=get("order_id"))
    if len(row) != len(cols.header):
        ol.problems.append(
            (
                "INPUT_BAD_ROW",
                f"line has {len(row)} fields, the header {len(cols.header)}",
            )
        )
    for role in PARTY_ROLES:
        v = get(role)
        if v:
            ol.parties[role] = v
    raw_country = get("ship_to_country")
    ol.ship_to_country_raw = raw_country
    if raw_country:
        ol.ship_to_country = destination(raw_country)
        if not ol.ship_to_country:
            ol.problems.append(("INPUT_BAD_COUNTRY", f"unknown ship-to country {raw_country!r}"))
    ol.ship_to_address = get("ship_to_address")
    via = get("via_countries")
    if via:
        for part in re.split(r"[;|]", via):
            part = part.strip()
            if not part:
                continue
            code = destination(part)
            if code:
                if code not in ol.via_countries:
                    ol.via_countries.append(code)
            else:
                ol.problems.append(("INPUT_BAD_COUNTRY", f"unknown transit country {part!r}"))
    ol.hs_raw = get("hs_code")
    if ol.hs_raw:
        try:
            ol.hs = parse_hs(ol.hs_raw)
        except HsCodeError as exc:
            ol.problems.append(("INPUT_BAD_HS_CODE", exc.reason))
    ol.part_number = get("part_number")
    ol.manufacturer = get("manufacturer")
    ol.description = get("description")
    q = get("quantity")
    if q:
        ol.quantity = _number(q)
        if ol.quantity is None or ol.quantity <= 0:
            ol.problems.append(("INPUT_BAD_QUANTITY", f"quantity {q!r} is not a positive number"))
            ol.quantity = None
        elif ol.quantity > MAX_AMOUNT:
            ol.problems.append(
                ("INPUT_BAD_QUANTITY", f"quantity {q[:30]!r} is beyond {MAX_AMOUNT:.0e}")
            )
            ol.quantity = None
    p = get("unit_price")
    if p:
        ol.unit_price = _number(p)
        if ol.unit_price is None:
            ol.problems.append(("INPUT_BAD_PRICE", f"unit price {p!r} is not a number"))
        elif ol.unit_price < 0:
            ol.problems.append(("INPUT_BAD_PRICE", f"unit price {p!r} is negative"))
            ol.unit_price = None
        elif ol.unit_price > MAX_AMOUNT:
            ol.problems.append(
                ("INPUT_BAD_PRICE", f"unit price {p[:30]!r} is beyond {MAX_AMOUNT:.0e}")
            )
            ol.unit_price = None
    ol.currency = get("currency")
    ol.end_use_given = "end_use" in idx
    ol.end_use = get("end_use")
    return ol
