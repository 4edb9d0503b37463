"""All events of a cleaned table in one pass: gaps, port calls, loitering, encounters,
position jumps, spoofing and (given the static data) per-MMSI identity changes. Each is a
function of one (mmsi, t)-sorted table, so ``detect_all`` can run per MMSI partition.
Events that need every vessel at once - one IMO under several MMSIs, dark detections -
are added by :func:`cross_vessel_events`; watched areas and vessel screening by
``watch``/``vessels``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from counterflow.maritime.encounters import detect_encounters
from counterflow.maritime.events import INTERNAL_SCHEMA, empty_events
from counterflow.maritime.gaps import detect_gaps
from counterflow.maritime.jumps import detect_jumps, leg_metrics
from counterflow.maritime.loitering import detect_loitering, slow_mask
from counterflow.maritime.params import EventParams
from counterflow.maritime.port_calls import detect_port_calls
from counterflow.maritime.shore import Shore, default_shore
from counterflow.maritime.spoofing import detect_spoofing

if TYPE_CHECKING:
    from counterflow.maritime.dark import Detections


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
    static: pl.DataFrame | None = None,
) -> Detection:
    """Events of a cleaned, (mmsi, t)-sorted table; ``timings`` in seconds per detector."""
    p = params or EventParams()
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    pos = pos.rechunk()  # one chunk: every detector's column reads are then zero-copy
    # ... and no nulls: a float column with nulls is copied (nulls -> NaN) at every read
    gaps_in = [c for c in ("sog", "cog") if c in pos.columns and pos[c].null_count()]
    if gaps_in:
        pos = pos.with_columns(pl.col(c).fill_null(float("nan")) for c in gaps_in)
    if use_shore and shore is None:
        shore = default_shore()
    tm["shore_load"] = time.perf_counter() - t0
    if pos.height == 0:
        if static is not None and static.height:
            from counterflow.maritime.identity import mmsi_identity_events

            ev = mmsi_identity_events(static, pos, p.gap_min_h * 3600.0)
            return Detection(ev.cast(INTERNAL_SCHEMA), tm)  # type: ignore[arg-type]
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
    t0 = time.perf_counter()
    spoof = detect_spoofing(pos, p, legs)
    tm["spoofing"] = time.perf_counter() - t0
    parts = [gaps, calls, jumps, loit, enc, spoof]
    if static is not None:
        from counterflow.maritime.identity import mmsi_identity_events

        t0 = time.perf_counter()
        parts.append(mmsi_identity_events(static, pos, p.gap_min_h * 3600.0))
        tm["identity"] = time.perf_counter() - t0
    events = pl.concat(parts).cast(INTERNAL_SCHEMA)  # type: ignore[arg-type]
    return Detection(events, tm)


def cross_vessel_events(
    pos: pl.DataFrame,
    static: pl.DataFrame,
    params: EventParams | None = None,
    detections: Detections | None = None,
    timings: dict[str, float] | None = None,
) -> pl.DataFrame:
    """Events that need every vessel at once: one IMO under several MMSIs, and (given
    ``detections``) dark detections. Drop counts of the detections go to their ``drops``."""
    from counterflow.maritime.identity import imo_sharing_events

    p = params or EventParams()
    tm = timings if timings is not None else {}
    t0 = time.perf_counter()
    pos = pos.rechunk()
    parts = [imo_sharing_events(static, pos)]
    tm["identity_imo"] = time.perf_counter() - t0
    if detections is not None:
        from counterflow.maritime.dark import dark_events

        t0 = time.perf_counter()
        parts.append(dark_events(pos, detections, p))
        tm["dark"] = time.perf_counter() - t0
    return pl.concat(parts).cast(INTERNAL_SCHEMA)  # type: ignore[arg-type]
