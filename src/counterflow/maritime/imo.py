"""IMO ship numbers and MMSI flags: the IMO check digit (the 7th digit is the sum of the
first six weighted 7..2, modulo 10), and the flag an MMSI implies through its Maritime
Identification Digits (MID, the first three digits of a ship station's MMSI, ITU-R M.585).

The MID table (``mid_flags.json``) holds the ITU allocations for the states that matter
most here (Caspian, Black Sea, the common open registries and the large fleets); an MID
not in it is shown as ``MID nnn`` and still compared as a number, so a reflagging is seen
whether or not the country is named.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


def imo_valid(imo: str | None) -> bool:
    """True for a 7-digit IMO number whose check digit is right."""
    if imo is None or len(imo) != 7 or not imo.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(imo[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(imo[6])


def imo_check_digit(first6: str) -> int:
    """The check digit that completes six IMO digits."""
    return sum(int(d) * w for d, w in zip(first6, range(7, 1, -1), strict=True)) % 10


@lru_cache(maxsize=1)
def _mid_table() -> dict[str, str]:
    text = resources.files("counterflow.maritime").joinpath("mid_flags.json").read_text("utf-8")
    table: dict[str, str] = json.loads(text)["mid"]
    return table


def mmsi_mid(mmsi: int) -> int | None:
    """The MID of a ship station MMSI (9 digits starting 2-7), else None."""
    s = str(int(mmsi))
    if len(s) != 9 or s[0] not in "234567":
        return None
    return int(s[:3])


def mid_flag(mid: int | None) -> str:
    """ISO alpha-2 country of an MID, or ``MID nnn`` when not in the table, or ``?``."""
    if mid is None:
        return "?"
    return _mid_table().get(str(mid), f"MID {mid}")
