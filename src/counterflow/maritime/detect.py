"""All events of a cleaned table in one pass: gaps, port calls, loitering, encounters and
position jumps (watched areas and vessel screening are added by ``watch``/``vessels``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import polars as pl

from counterflow.maritime.encounters import detect_encounters
from counterflow.maritime.events import INTERNAL_SCHEMA, empty_events
from counterflow.maritime.gaps import detect_gaps
from counterflow.maritime.jumps import detect_jumps, leg_metrics
from counterflow.maritime.loitering import detect_loitering, slow_mask
from counterflow.maritime.params import EventParams
from counterflow.maritime.port_calls import detect_port_calls
from counterflow.maritime.shore import Shore, default_shore


@dataclass
class Detection:
    events: pl.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def detect_all(
    pos: pl.DataFrame,
    ports: pl.DataFrame,
    params: EventParams | None = None,
    *,
    shore: Shore | None = None,
    use_shore: bool = True,
) -> Detection:
    """Events of a cleaned, (mmsi, t)-sorted table; ``timings`` in seconds per detector."""
    p = params or EventParams()
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    if use_shore and shore is None:
        shore = default_shore()
    tm["shore_load"] = time.perf_counter() - t0
    if pos.height == 0:
        return Detection(empty_events(), tm)
    t0 = time.perf_counter()
    gaps = detect_gaps(pos, p, shore if use_shore else None)
    tm["gaps"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    calls, in_port = detect_port_calls(pos, ports, p)
    tm["port_calls"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    legs = leg_metrics(pos)
    jumps = detect_jumps(pos, p, legs)
    tm["jumps"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = slow_mask(pos, legs[2], p.loiter_max_kn)
    loit = detect_loitering(pos, slow, in_port, ports, p)
    tm["loitering"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow_e = (
        slow
        if p.encounter_max_kn == p.loiter_max_kn
        else slow_mask(pos, legs[2], p.encounter_max_kn)
    )
    enc = detect_encounters(pos, slow_e, ports, p)
    tm["encounters"] = time.perf_counter() - t0
    events = pl.concat([gaps, calls, jumps, loit, enc]).cast(INTERNAL_SCHEMA)  # type: ignore[arg-type]
    return Detection(events, tm)
