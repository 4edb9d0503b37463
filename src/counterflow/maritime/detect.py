"""All events of a cleaned table in one pass: gaps, port calls, loitering, encounters,
position jumps, spoofing and (given the static data) per-MMSI identity changes. Each is a
function of one (mmsi, t)-sorted table, so ``detect_all`` can run per MMSI partition.
Events that need every vessel at once - one IMO under several MMSIs, dark detections -
are added by :func:`cross_vessel_events`; watched areas and vessel screening by
``watch``/``vessels``."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from counterflow.maritime.encounters import detect_encounters
from counterflow.maritime.events import INTERNAL_SCHEMA, empty_events
from counterflow.maritime.gaps import detect_gaps
from counterflow.maritime.jumps import detect_jumps, leg_metrics
from counterflow.maritime.loitering import detect_loitering, slow_mask
from counterflow.maritime.params import EventParams
from counterflow.maritime.port_calls import detect_port_calls
from counterflow.maritime.shore import Shore, default_shore
from counterflow.maritime.spoofing import join_spoofing, spoofing_tasks

if TYPE_CHECKING:
    from counterflow.maritime.dark import Detections


T = TypeVar("T")
# spoofing_tasks' detectors, the slowest first: speed/course, circles, grid, two
# transmitters, frozen fixes
SPOOF_ORDER = (3, 0, 1, 4, 2)


@dataclass
class Detection:
    events: pl.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


class _Inline:
    """The part of an executor ``detect_all`` uses, running each call at once (one
    worker: no thread at all)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        f: Future[T] = Future()
        f.set_result(fn(*args))
        return f


def _pool(workers: int) -> ThreadPoolExecutor | _Inline:
    return ThreadPoolExecutor(max_workers=workers) if workers > 1 else _Inline()


def _timed(tm: dict[str, float], name: str, fn: Callable[..., T], *args: Any) -> T:
    t0 = time.perf_counter()
    out = fn(*args)
    tm[name] = time.perf_counter() - t0
    return out


def detect_all(
    pos: pl.DataFrame,
    ports: pl.DataFrame,
    params: EventParams | None = None,
    *,
    shore: Shore | None = None,
    use_shore: bool = True,
    static: pl.DataFrame | None = None,
    workers: int = 2,
    cross_vessel: bool = False,
    detections: Detections | None = None,
) -> Detection:
    """Events of a cleaned, (mmsi, t)-sorted table; ``timings`` in seconds per detector
    (each detector's own wall time). The detectors are independent and run on ``workers``
    threads (numpy and polars release the GIL for their array work); the events are the
    same, in the same order, whatever ``workers``. ``cross_vessel`` (the table holds every
    vessel): :func:`cross_vessel_events` too, on the same threads, its rows last."""
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

            ev = mmsi_identity_events(static, pos, p.gap_min_h * 3600.0).cast(INTERNAL_SCHEMA)  # type: ignore[arg-type]
            if cross_vessel:
                ev = pl.concat([ev, cross_vessel_events(pos, static, p, detections, tm, 1)])
            return Detection(ev, tm)
        return Detection(empty_events(), tm)
    legs = _timed(tm, "legs", leg_metrics, pos)
    slow = slow_mask(pos, legs[2], p.loiter_max_kn)
    slow_e = (
        slow
        if p.encounter_max_kn == p.loiter_max_kn
        else slow_mask(pos, legs[2], p.encounter_max_kn)
    )

    def calls_and_loitering() -> tuple[pl.DataFrame, pl.DataFrame]:
        calls, in_port = _timed(tm, "port_calls", detect_port_calls, pos, ports, p)
        return calls, _timed(tm, "loitering", detect_loitering, pos, slow, in_port, ports, p)

    def identity() -> tuple[pl.DataFrame, pl.DataFrame]:
        """Per-MMSI identity events, and (cross_vessel) shared IMO numbers: one task, so
        that the identity periods are worked out once."""
        from counterflow.maritime.identity import (
            identity_periods,
            imo_sharing_events,
            mmsi_identity_events,
        )

        if static is None:
            return empty_events(), empty_events()
        t0 = time.perf_counter()
        periods = identity_periods(static)
        ev = mmsi_identity_events(static, pos, p.gap_min_h * 3600.0, periods)
        tm["identity"] = time.perf_counter() - t0
        if not cross_vessel:
            return ev, empty_events()
        return ev, _timed(tm, "identity_imo", imo_sharing_events, static, pos, periods)

    with _pool(workers) as ex:
        # the longest first, so that the two threads finish together
        f_calls = ex.submit(calls_and_loitering)
        f_enc = ex.submit(_timed, tm, "encounters", detect_encounters, pos, slow_e, ports, p)
        f_dark = (
            ex.submit(_timed, tm, "dark", _dark, pos, detections, p)
            if cross_vessel and detections is not None
            else None
        )
        f_ident = ex.submit(identity)
        spoof_tm: dict[str, float] = {}
        tasks = spoofing_tasks(pos, p, legs)
        f_spoof: dict[int, Future[pl.DataFrame]] = {}
        for k in sorted(range(len(tasks)), key=lambda k: SPOOF_ORDER.index(k)):
            f_spoof[k] = ex.submit(_timed, spoof_tm, str(k), tasks[k])
        f_gaps = ex.submit(_timed, tm, "gaps", detect_gaps, pos, p, shore if use_shore else None)
        f_jumps = ex.submit(_timed, tm, "jumps", detect_jumps, pos, p, legs)
        calls, loit = f_calls.result()
        parts = [
            f_gaps.result(),
            calls,
            f_jumps.result(),
            loit,
            f_enc.result(),
            join_spoofing([f_spoof[k].result() for k in range(len(tasks))]),
        ]
        tm["spoofing"] = sum(spoof_tm.values())
        ident, imo = f_ident.result()
        if static is not None:
            parts.append(ident)
            if cross_vessel:
                parts.append(imo)
        if f_dark is not None:
            parts.append(f_dark.result())
    events = pl.concat(parts).cast(INTERNAL_SCHEMA)  # type: ignore[arg-type]
    return Detection(events, tm)


def _dark(pos: pl.DataFrame, detections: Detections, p: EventParams) -> pl.DataFrame:
    from counterflow.maritime.dark import dark_events

    return dark_events(pos, detections, p)


def _cross_futures(
    ex: ThreadPoolExecutor | _Inline,
    pos: pl.DataFrame,
    static: pl.DataFrame,
    p: EventParams,
    detections: Detections | None,
    tm: dict[str, float],
) -> list[Future[pl.DataFrame]]:
    """Shared IMO numbers, then (given ``detections``) dark detections, submitted to ``ex``."""
    from counterflow.maritime.identity import imo_sharing_events

    out = [ex.submit(_timed, tm, "identity_imo", imo_sharing_events, static, pos)]
    if detections is not None:
        from counterflow.maritime.dark import dark_events

        out.append(ex.submit(_timed, tm, "dark", dark_events, pos, detections, p))
    return out


def cross_vessel_events(
    pos: pl.DataFrame,
    static: pl.DataFrame,
    params: EventParams | None = None,
    detections: Detections | None = None,
    timings: dict[str, float] | None = None,
    workers: int = 2,
) -> pl.DataFrame:
    """Events that need every vessel at once: one IMO under several MMSIs, and (given
    ``detections``) dark detections (the two on ``workers`` threads). Drop counts of the
    detections go to their ``drops``."""
    p = params or EventParams()
    tm = timings if timings is not None else {}
    pos = pos.rechunk()
    with _pool(workers) as ex:
        parts = [f.result() for f in _cross_futures(ex, pos, static, p, detections, tm)]
    return pl.concat(parts).cast(INTERNAL_SCHEMA)  # type: ignore[arg-type]
