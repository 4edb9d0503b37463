"""Ingest: CSV dialects sniffed from the header, NMEA logs, bad input counted or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.maritime.ingest import load, read_file
from counterflow.maritime.ingest_csv import read_header, sniff


@pytest.mark.parametrize(
    ("name", "dialect", "n_pos", "mmsi", "imo", "vessel"),
    [
        ("gfw_track.csv", "gfw", 6, 244123456, None, None),
        ("noaa.csv", "noaa", 3, 636021061, "9307839", "MSC NAISHA III"),
        ("dma.csv", "dma", 3, 219000123, "9321483", "NORDIC FERRY"),
        ("aisdb.csv", "aisdb", 2, 432905000, "9479307", "CAPE GENESIS"),
    ],
)
def test_csv_dialects(
    fixtures: Path,
    name: str,
    dialect: str,
    n_pos: int,
    mmsi: int,
    imo: str | None,
    vessel: str | None,
) -> None:
    header, _ = read_header(fixtures / name)
    assert sniff(header)[0] == dialect
    data = load([fixtures / name])
    assert data.positions.height == n_pos
    assert mmsi in data.positions["mmsi"].to_list()
    if imo:
        assert imo in data.static["imo"].to_list()
        assert vessel in data.static["name"].to_list()
    # times are UTC epoch seconds, rows sorted by (mmsi, t)
    assert data.positions.equals(data.positions.sort("mmsi", "t"))
    assert data.positions["t"].min() > 1_000_000_000


def test_dma_day_first_dates(fixtures: Path) -> None:
    data = load([fixtures / "dma.csv"])
    assert data.positions["t"][0] == 1709251201  # 2024-03-01T00:00:01Z, not 3 January


def test_nmea_log(fixtures: Path) -> None:
    data = read_file(fixtures / "sample.nmea")
    pos = data.positions
    assert sorted(pos["mmsi"].unique().to_list()) == [273000001, 273000002, 273000005]
    assert pos.filter(pos["mmsi"] == 273000001).height == 6
    # leading ISO stamps and the $PGHP stamp were used
    assert 1714528800 in pos["t"].to_list()
    assert pos.filter(pos["mmsi"] == 273000005)["t"][0] == 1714532400
    # the two-sentence type 5 message was assembled: static data with name, IMO, call sign
    st = data.static.row(0, named=True)
    assert (st["name"], st["imo"], st["callsign"]) == ("VOLGA STAR", "9000007", "UBZZ1")
    c = data.drops.counts
    assert c["nmea_bad_checksum"] == 1
    assert c["nmea_no_timestamp"] == 1
    assert c["nmea_incomplete_multipart"] == 1


def test_messy_rows_are_counted_not_fatal(fixtures: Path) -> None:
    data = load([fixtures / "messy.csv"])
    c = data.drops.counts
    assert c["invalid_mmsi"] == 2  # 0 and 999999999
    assert c["bad_time"] == 1
    assert c["nan_position"] == 2
    assert c["invalid_coordinates"] == 1  # 91/181 'not available'
    assert c["duplicate"] == 2  # same instant written with a +02:00 offset, and a repeat
    assert c["fixed_out_of_order"] == 1
    assert c["speed_outlier"] == 1
    v1 = data.positions.filter(data.positions["mmsi"] == 244000001)
    # mixed formats and zones all land on the same 10-minute grid in UTC
    assert v1["t"].to_list() == [1704067200, 1704067800, 1704068400, 1704069000]


def test_swapped_lat_lon_detected(fixtures: Path) -> None:
    by_range = load([fixtures / "swapped_range.csv"])
    assert by_range.positions["lat"].max() < 90
    assert abs(by_range.positions["lon"][0] - 121.5) < 1e-9
    assert any("swapped" in n for n in by_range.drops.notes)
    by_land = load([fixtures / "swapped_land.csv"])  # mostly on land as given, Caspian swapped
    assert abs(by_land.positions["lat"][0] - 42.0) < 1e-9
    assert by_land.drops.counts["fixed_swapped_lat_lon"] == 5


def test_missing_column_is_a_clear_error(fixtures: Path) -> None:
    with pytest.raises(BadInputError) as exc:
        load([fixtures / "missing_lon.csv"])
    assert exc.value.field == "lon"
    assert exc.value.line == 1
    assert "missing_lon.csv" in str(exc.value)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(BadInputError):
        load([tmp_path / "nope.csv"])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(BadInputError):
        load([empty])
    junk = tmp_path / "junk.nmea"
    junk.write_text("!AIVDM,this is not nmea\n")
    with pytest.raises(BadInputError):
        load([junk])


def test_nmea_type5_identity_checked(fixtures: Path) -> None:
    """Static data from NMEA type 5 feeds the identity checks: IMO 9000007 fails its
    check digit (9*7 = 63 -> 3), which is itself a finding."""
    from counterflow.maritime.identity import identity_events

    data = read_file(fixtures / "sample.nmea")
    ev = identity_events(data.static, data.positions)
    inv = ev.filter(ev["label"] == "invalid_imo")
    assert inv["mmsi"].to_list() == [273000001]
    assert "check digit 7 should be 3" in inv["explanation"][0]
