"""Identity over time from NOAA-style CSV rows: renames across a gap, one IMO under two
MMSIs (reflagged), two identities at once, invalid IMO check digits, names in another
script (not a rename), static data without positions (counted, still checked)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from counterflow.maritime.detect import cross_vessel_events, detect_all
from counterflow.maritime.identity import identity_events, static_without_positions
from counterflow.maritime.imo import imo_check_digit, imo_valid, mid_flag, mmsi_mid
from counterflow.maritime.ingest import load
from counterflow.maritime.ports import load_ports

T0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
HEADER = "MMSI,BaseDateTime,LAT,LON,SOG,COG,VesselName,IMO,CallSign,VesselType\n"


def _rows(
    mmsi: int, start_h: float, n: int, name: str, imo: str, cs: str, lat: float = 40.0
) -> list[str]:
    out = []
    for k in range(n):
        t = T0 + dt.timedelta(hours=start_h, minutes=10 * k)
        lon = 20.0 + 0.03 * k + start_h * 0.01
        out.append(
            f"{mmsi},{t:%Y-%m-%dT%H:%M:%S},{lat:.5f},{lon:.5f},10.0,90.0,{name},{imo},{cs},70"
        )
    return out


def _write(tmp_path: Path, rows: list[str]) -> Path:
    p = tmp_path / "ais.csv"
    p.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_imo_check_digit_and_mid() -> None:
    assert imo_valid("9074729") and imo_valid("9307839")
    assert not imo_valid("9074728") and not imo_valid("907472") and not imo_valid(None)
    assert imo_check_digit("907472") == 9
    assert mid_flag(mmsi_mid(273000001)) == "RU" and mid_flag(mmsi_mid(422000005)) == "IR"
    assert mid_flag(mmsi_mid(111111222)) == "?"  # not a ship station MMSI


def test_identity_changes_from_csv(tmp_path: Path) -> None:
    rows = (
        # 1: renamed and new call sign across a 20 h gap
        _rows(273000001, 0, 12, "VOLGA STAR", "IMO9074729", "UBZZ1")
        + _rows(273000001, 22, 12, "SEA PEARL", "IMO9074729", "UBZZ9")
        # 2: IMO 9307839 moves from a Russian to a Cameroon MMSI after 30 h
        + _rows(273000002, 0, 12, "NORD", "IMO9307839", "UBAA2", lat=41.0)
        + _rows(613000002, 32, 12, "NORD", "IMO9307839", "TJAA2", lat=41.0)
        # 3: two names broadcast in the same hours on one MMSI
        + [
            r
            for a, b in zip(
                _rows(273000003, 0, 10, "ALFA", "", "UBAA3", lat=42.0),
                _rows(273000003, 0.05, 10, "BRAVO", "", "UBAA3", lat=42.0),
                strict=True,
            )
            for r in (a, b)
        ]
        # 4: invalid IMO check digit
        + _rows(273000004, 0, 6, "DELTA", "IMO9074728", "UBAA4", lat=43.0)
        # 5: the same name in Cyrillic and Latin: not a rename
        + _rows(273000005, 0, 6, "ВОЛГА", "", "UBAA5", lat=44.0)
        + _rows(273000005, 2, 6, "VOLGA", "", "UBAA5", lat=44.0)
        # 6: static data without positions (empty LAT/LON) and an IMO that is no number
        + ["273000006,2024-03-01T00:00:00,,,,,GHOST,IMO9074728,UBAA6,70"]
        + ["273000007,2024-03-01T00:00:00,45.0,20.0,0,0,ECHO,IMO12AB,UBAA7,70"]
    )
    data = load([_write(tmp_path, rows)])
    assert data.drops.counts.get("bad_imo_format") == 1
    assert data.drops.counts.get("nan_position") == 1
    assert static_without_positions(data.static, data.positions) == 1
    ev = identity_events(data.static, data.positions, 6 * 3600.0)
    by = {m: g for (m,), g in ev.group_by(["mmsi"])}
    # 1
    labels1 = set(by[273000001]["label"].to_list())
    assert labels1 == {"name_change_across_gap", "callsign_change_across_gap"}
    text = by[273000001].filter(pl.col("label") == "name_change_across_gap")["explanation"][0]
    assert "'VOLGA STAR' -> 'SEA PEARL'" in text and "gap" in text
    assert by[273000001]["confidence"].min() >= 0.7
    # 2: both MMSIs, each naming the other, reflagged RU -> CM
    moved = ev.filter(pl.col("label") == "imo_new_mmsi")
    assert sorted(moved["mmsi"].to_list()) == [273000002, 613000002]
    assert sorted(moved["other_mmsi"].to_list()) == [273000002, 613000002]
    assert "flag RU -> CM" in moved["explanation"][0]
    # 3
    assert by[273000003]["label"].to_list() == ["two_identities"]
    # 4 and 6: invalid IMO, also for a vessel with no positions
    inv = ev.filter(pl.col("label") == "invalid_imo")
    assert set(inv["mmsi"].to_list()) == {273000004, 273000006}
    assert "check digit 8 should be 9" in inv["explanation"][0]
    # 5: no event for the transliterated name
    assert 273000005 not in by
    # through the pipeline: the same identity events, placed on the track
    per = detect_all(data.positions, load_ports([]), static=data.static).events
    cross = cross_vessel_events(data.positions, data.static)
    got = pl.concat([per, cross]).filter(pl.col("event_type") == "identity_change")
    assert got.height == ev.height
    renamed = got.filter(pl.col("label") == "name_change_across_gap")
    assert renamed["start_lat"][0] is not None and renamed["end_lon"][0] is not None


def test_no_identity_events_on_steady_vessel(tmp_path: Path) -> None:
    rows = _rows(273000001, 0, 30, "VOLGA STAR", "IMO9074729", "UBZZ1")
    data = load([_write(tmp_path, rows)])
    assert identity_events(data.static, data.positions).height == 0


def test_neighbouring_vessels_are_not_paired(tmp_path: Path) -> None:
    """Each vessel's identity periods are compared only with its own: two vessels next to
    each other in the table that broadcast only a name give no change between them, and
    a rename of the second is reported on it alone."""
    rows = (
        _rows(273000001, 0, 30, "VOLGA STAR", "", "")
        + _rows(273000002, 0, 20, "KAMA", "", "")
        + _rows(273000002, 10, 20, "KAMA RIVER", "", "")
    )
    data = load([_write(tmp_path, rows)])
    ev = identity_events(data.static, data.positions)
    assert ev["mmsi"].to_list() == [273000002]
    assert "'KAMA' -> 'KAMA RIVER'" in ev["explanation"][0]
