"""Vessel screening through the real matcher (``counterflow.match``) and store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from counterflow import match
from counterflow import store as store_mod
from counterflow.lists.base import ParseResult
from counterflow.maritime.clean import clean
from counterflow.maritime.synthetic import scenario
from counterflow.maritime.vessels import screen_vessels
from counterflow.records.model import Identifier, Party


def test_listed_vessel_found_by_imo_and_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    store = store_mod.ListStore.open(tmp_path / "lists.sqlite")
    listed = [
        Party(
            dataset="ua_war_sanctions",
            source_id="NK-volga",
            kind="vessel",
            name="VOLGA STAR",
            identifiers=[Identifier(scheme="imo", value="9000003", raw="IMO 9000003")],
        ),
        Party(
            dataset="ua_war_sanctions", source_id="NK-other", kind="vessel", name="NORTHERN LIGHT"
        ),
    ]
    store.load(ParseResult(dataset="ua_war_sanctions", version="t1", records=listed, files=[]))
    screener = match.open_screener(store)
    ev, note = screen_vessels(clean(scenario()), threshold=0.7, screener=screener)
    assert note is None
    hits = ev.filter(pl.col("mmsi") == 273000001)
    assert hits.height >= 1
    assert "NK-volga" in hits["explanation"][0]
    # the other synthetic vessels are not on the list
    assert set(ev["mmsi"].to_list()) == {273000001}
