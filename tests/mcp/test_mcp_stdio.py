"""``counterflow mcp`` driven by the official MCP SDK's own client over stdio: the four
read-only tools against a real list store and matcher, bad input as tool errors, and
the same API keys as the HTTP service (unknown or revoked keys refused)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mcp.client.stdio import StdioServerParameters, stdio_client

from counterflow.review.keys import create_key, revoke_key
from counterflow.review.store import ReviewStore
from counterflow.store import ListStore
from counterflow.store.loader import load_paths
from mcp import ClientSession

FIXTURE = Path(__file__).parents[1] / "lists" / "fixtures" / "os_targets_small.csv"
EVENTS_HEADER = (
    "event_type,mmsi,imo,vessel_name,start_time,end_time,start_lat,start_lon,end_lat,end_lon,"
    "duration_h,distance_km,port,other_mmsi,confidence,explanation\n"
)
EVENTS = EVENTS_HEADER + (
    "gap,273354240,9253325,SEA TESTER,2026-01-02T00:00:00Z,2026-01-03T06:00:00Z,42.1,50.2,"
    "43.0,49.8,30.0,95.1,,,0.8,AIS off for 30.0 h in the Caspian\n"
    "port_call,273354240,9253325,SEA TESTER,2026-01-04T00:00:00Z,2026-01-05T00:00:00Z,"
    "42.98,47.5,42.98,47.5,24.0,0.0,Makhachkala,,1.0,moored at Makhachkala\n"
    "gap,211000000,,OTHER SHIP,2026-01-02T00:00:00Z,2026-01-02T09:00:00Z,54.0,10.0,54.1,"
    "10.2,9.0,14.0,,,0.3,AIS off for 9.0 h\n"
)


@pytest.fixture()
def home(tmp_path: Path) -> dict[str, Any]:
    h = tmp_path / "home"
    h.mkdir()
    with ListStore.open(h / "lists.sqlite") as store:
        report = load_paths([FIXTURE], store)
        assert report.exit_code == 0
    review = ReviewStore.open(h / "review.sqlite")
    keys = {r: create_key(review, r, label=f"mcp-{r}", actor="test") for r in ("screener",)}
    revoked, info = create_key(review, "analyst", label="gone", actor="test")
    revoke_key(review, info.id, actor="test")
    events = tmp_path / "events.csv"
    events.write_text(EVENTS, encoding="utf-8")
    return {"home": h, "review": review, "keys": keys, "revoked": revoked, "events": events}


def _env(home: Path, key: str) -> dict[str, str]:
    env = {"COUNTERFLOW_HOME": str(home), "COUNTERFLOW_API_KEY": key}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def _command(*extra: str) -> list[str]:
    return ["-c", "from counterflow.cli.main import main; main()", "mcp", *extra]


def _data(result: Any) -> Any:
    assert not result.is_error, result.content
    text = result.content[0].text
    return json.loads(text)


async def _session(h: dict[str, Any]) -> dict[str, Any]:
    key = h["keys"]["screener"][0]
    params = StdioServerParameters(
        command=sys.executable,
        args=_command("--events", str(h["events"])),
        env=_env(h["home"], key),
    )
    out: dict[str, Any] = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
        init = await s.initialize()
        out["server"] = init.server_info.name
        tools = (await s.list_tools()).tools
        out["tools"] = {t.name: t for t in tools}
        out["screen"] = _data(
            await s.call_tool(
                "screen_party",
                {"name": "Иван Петров", "kind": "person", "birth_date": "1961-05-14"},
            )
        )
        out["explain"] = _data(
            await s.call_tool(
                "explain_hit",
                {
                    "name": "Ivan Petrov",
                    "entity_id": "ua_war_sanctions:NK-test4Person",
                    "birth_date": "1961-05-14",
                    "countries": ["RU"],
                },
            )
        )
        out["status"] = _data(await s.call_tool("list_status", {}))
        out["vessel"] = _data(await s.call_tool("vessel_events", {"imo": "IMO9253325"}))
        out["bad_date"] = await s.call_tool(
            "screen_party", {"name": "Ivan Petrov", "birth_date": "14/05/1961"}
        )
        out["bad_entity"] = await s.call_tool(
            "explain_hit", {"name": "Ivan Petrov", "entity_id": "us_ofac_sdn:nope"}
        )
        # Revoke the key mid-session: refused once the key cache (5 s) expires.
        review: ReviewStore = h["review"]
        revoke_key(review, h["keys"]["screener"][1].id, actor="test")
        time.sleep(5.5)
        out["after_revoke"] = await s.call_tool("list_status", {})
    return out


def test_mcp_tools_over_stdio(home: dict[str, Any]) -> None:
    out = asyncio.run(_session(home))
    assert out["server"] == "counterflow"
    assert set(out["tools"]) == {"screen_party", "explain_hit", "list_status", "vessel_events"}
    for tool in out["tools"].values():
        assert tool.annotations.read_only_hint is True
        assert tool.description
    hits = out["screen"]["hits"]
    assert hits[0]["entity_id"] == "ua_war_sanctions:NK-test4Person"
    assert hits[0]["decision"] == "match" and hits[0]["explanation"]
    assert out["screen"]["lists"] == {"ua_war_sanctions": out["status"]["lists"][0]["version"]}
    ex = out["explain"]
    assert ex["hit"]["score"] >= 0.8 and ex["explanation"] == ex["hit"]["explanation"]
    verdicts = {row["field"]: row["verdict"] for row in ex["comparison"]}
    assert verdicts["Birth / incorporation date"] == "agree"
    assert verdicts["Countries"] == "agree"
    assert ex["record"]["name"] == "PETROV Ivan Sergeyevich"
    (st,) = out["status"]["lists"]
    assert st["dataset"] == "ua_war_sanctions" and st["records"] == 4 and st["age_days"] >= 0
    v = out["vessel"]
    assert [e["event_type"] for e in v["events"]] == ["gap", "port_call"]
    assert v["vessel"]["name"] == "SEA TESTER"
    assert v["list_hits"][0]["entity_id"] == "ua_war_sanctions:NK-test1Vessel"
    assert out["bad_date"].is_error and "birth_date" in out["bad_date"].content[0].text
    assert out["bad_entity"].is_error and "no listed record" in out["bad_entity"].content[0].text
    assert out["after_revoke"].is_error
    assert "revoked" in out["after_revoke"].content[0].text
    # Nothing was recorded: read-only tools raise no run or alert.
    review: ReviewStore = home["review"]
    assert review.list_runs() == [] and review.list_alerts() == []


@pytest.mark.parametrize("which", ["none", "unknown", "revoked"])
def test_mcp_refuses_to_start_without_a_valid_key(home: dict[str, Any], which: str) -> None:
    key = {"none": "", "unknown": "cf_not-a-key", "revoked": home["revoked"]}[which]
    env = os.environ | _env(home["home"], key)
    r = subprocess.run(
        [sys.executable, *_command()],
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert "key" in r.stderr.lower()
