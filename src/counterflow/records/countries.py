"""Country names and codes to ISO 3166-1 alpha-2 (lower case), via rigour's territory
table (the one followthemoney's country type reads: official names, common variants and
many languages), without loading the whole FtM model at start-up."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from normality.cleaning import remove_unsafe_chars
from rigour.territories import lookup_territory


@lru_cache(maxsize=65536)
def to_iso2(text: str | None) -> str | None:
    """``"Russian Federation"``, ``"RU"``, ``"Россия"`` -> ``"ru"``; ``None`` when unknown.

    Sub-national territories FtM knows (e.g. ``"ua-cri"`` for Crimea) are kept as FtM
    codes since lists name them as regimes of their own."""
    if not text:
        return None
    # as followthemoney's CountryType.clean: NFC, unsafe characters out, then the lookup
    text = remove_unsafe_chars(unicodedata.normalize("NFC", text)).strip()
    if not text:
        return None
    territory = lookup_territory(text)
    return territory.ftm_country if territory is not None else None
