"""Manufacturer names -> canonical makers, from the alias table shipped as data
(``goods/data/manufacturer_aliases.json``): "TI", "Texas Instruments Inc." and
"National Semiconductor (Texas Instruments)" all name ``texas instruments``."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

_LEGAL = re.compile(
    r"\b(inc|incorporated|corp|corporation|co|company|ltd|limited|llc|gmbh|ag|sa|bv|nv|plc|"
    r"kk|oy|ab|spa|srl|pte|pty)\b"
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _clean(name: str) -> str:
    low = name.lower().replace("&", " and ")
    low = _NON_ALNUM.sub(" ", low)
    low = _LEGAL.sub(" ", low)
    return " ".join(low.split())


@lru_cache(maxsize=1)
def _alias_map() -> dict[str, str]:
    text = resources.files("counterflow.goods").joinpath("data/manufacturer_aliases.json")
    data = json.loads(text.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for canon, aliases in data.items():
        if canon.startswith("_"):
            continue
        out[_clean(canon)] = canon
        for a in aliases:
            out[_clean(a)] = canon
    return out


@lru_cache(maxsize=65536)
def canonical_makers(name: str | None) -> frozenset[str]:
    """Every canonical maker a manufacturer string names (empty when unknown).
    Parenthesised owners count too: ``Maxim Integrated (Analog Devices)``."""
    if not name:
        return frozenset()
    parts = [p for p in re.split(r"[(),/]", name) if p.strip()]
    amap = _alias_map()
    out: set[str] = set()
    for part in parts:
        c = _clean(part)
        if not c or c in {"not identified", "unknown", "n a", "na"}:
            continue
        if c in amap:
            out.add(amap[c])
            continue
        # "Texas Instruments Deutschland" -> longest known alias that starts the name
        words = c.split()
        for n in range(len(words) - 1, 0, -1):
            head = " ".join(words[:n])
            if head in amap and len(head) > 3:
                out.add(amap[head])
                break
        else:
            out.add(c)
    return frozenset(out)
