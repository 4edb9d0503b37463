"""Country names and codes to ISO 3166-1 alpha-2 (lower case), via followthemoney's
country registry (which knows official names, common variants and many languages)."""

from __future__ import annotations

from functools import lru_cache

from followthemoney.types import registry


@lru_cache(maxsize=65536)
def to_iso2(text: str | None) -> str | None:
    """``"Russian Federation"``, ``"RU"``, ``"Россия"`` -> ``"ru"``; ``None`` when unknown.

    Sub-national territories FtM knows (e.g. ``"ua-cri"`` for Crimea) are kept as FtM
    codes since lists name them as regimes of their own."""
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    code = registry.country.clean(text)
    return str(code) if code else None
