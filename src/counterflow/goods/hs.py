"""HS (Harmonized System) code parsing: every shape users type -> HS-6, heading, chapter.

Accepted shapes: ``8542.31``, ``854231``, ``8542.31.0001``, ``85 42 31``, ``8542-31``,
``HS 8542.31``; national tariff lines (8 or 10 digits, or more) are cut to their HS-6.
A 4-digit value is a heading and a 2-digit value a chapter: both parse, with ``hs6``
``None``. Anything else (odd lengths such as ``85423``, letters) raises ``HsCodeError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from counterflow.errors import BadInputError


class HsCodeError(BadInputError):
    """An HS code that cannot be read (wrong length, letters)."""


_PREFIX = re.compile(r"^\s*(?:hs|hts|cn|taric)\s*(?:code)?\s*[:#]?\s*", re.IGNORECASE)
_ALLOWED = re.compile(r"^[0-9][0-9 .\-/]*$")


@dataclass(frozen=True, slots=True)
class HsCode:
    """A parsed HS code. ``digits`` keeps every digit typed (national extensions too)."""

    digits: str
    chapter: str  # 2 digits
    heading: str  # 4 digits, "" when only a chapter was given
    hs6: str | None  # 6 digits, None when only a chapter or heading was given

    @property
    def dotted(self) -> str:
        """``8542.31`` style (heading ``8542``; chapter ``85``)."""
        if self.hs6:
            return f"{self.hs6[:4]}.{self.hs6[4:]}"
        return self.heading or self.chapter


@lru_cache(maxsize=65536)
def parse_hs(text: str) -> HsCode:
    """Parse a user-typed HS code. Raises ``HsCodeError`` naming what is wrong."""
    raw = text
    text = _PREFIX.sub("", text or "").strip()
    if not text:
        raise HsCodeError("empty HS code")
    if not _ALLOWED.match(text):
        raise HsCodeError(f"HS code {raw!r} has characters other than digits and . - / spaces")
    digits = re.sub(r"\D", "", text)
    n = len(digits)
    if n == 2:
        return HsCode(digits, digits, "", None)
    if n == 4:
        return HsCode(digits, digits[:2], digits, None)
    if n in (6, 8, 10) or 10 < n <= 14:
        return HsCode(digits, digits[:2], digits[:4], digits[:6])
    raise HsCodeError(
        f"HS code {raw!r} has {n} digits; expected 6 (HS-6), 8 or 10 (national line), "
        "4 (heading) or 2 (chapter)"
    )


def try_parse_hs(text: str | None) -> HsCode | None:
    """``parse_hs`` that returns ``None`` for empty or unreadable input."""
    if not text or not text.strip():
        return None
    try:
        return parse_hs(text)
    except HsCodeError:
        return None
