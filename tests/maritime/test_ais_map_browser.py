"""The offline map in a real headless Chromium (Debian's, via Playwright) with the network
blocked: Leaflet and the coastline load from the page itself, the watched area does not
swallow clicks (a marker inside it opens its popup), events at one spot share one marker
whose popup lists them all, and the legend is there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from counterflow.maritime.clean import clean
from counterflow.maritime.detect import detect_all
from counterflow.maritime.map import write_map
from counterflow.maritime.ports import load_ports
from counterflow.maritime.synthetic import scenario
from counterflow.maritime.watch import load_area, watch_events

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _page(tmp_path: Path) -> Path:
    import polars as pl

    data = clean(scenario())
    ports = load_ports([])
    area = load_area("caspian")
    ev = detect_all(data.positions, ports, static=data.static).events
    ev = pl.concat([ev, watch_events(ev, area)])
    out = tmp_path / "map.html"
    write_map(data, ev, ports, out, area=area)
    return out


def test_map_offline_in_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium not installed (run .ci/services.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = _page(tmp_path)
    html = page_file.read_text("utf-8")
    assert "unpkg.com" not in html and "tile.openstreetmap" not in html
    blocked: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1200, "height": 900})

            def route(r: object) -> None:
                url = r.request.url  # type: ignore[attr-defined]
                if url.startswith(("file:", "data:", "about:")):
                    r.continue_()  # type: ignore[attr-defined]
                else:
                    blocked.append(url)
                    r.abort()  # type: ignore[attr-defined]

            ctx.route("**/*", route)
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            page.wait_for_function("window.COUNTERFLOW_MAP && window.COUNTERFLOW_MAP.ready")
            assert errors == []
            assert blocked == []  # nothing tried the network
            # coastline drawn (Natural Earth land around the Caspian), legend shown
            assert page.locator("path.leaflet-interactive, path").count() > 5
            legend = page.locator(".legend")
            assert legend.count() == 1 and "route" not in legend.inner_text().lower()
            assert "port call" in legend.inner_text().replace("_", " ")
            # a spot with several events, inside the watched area: click it
            spot = page.evaluate(
                """() => { const s = DATA.spots.find(s => s.popups.length > 1);
                   const p = COUNTERFLOW_MAP.map.latLngToContainerPoint([s.lat, s.lon]);
                   return {x: p.x, y: p.y, n: s.popups.length}; }"""
            )
            assert spot["n"] >= 2
            page.mouse.click(spot["x"], spot["y"])
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for(timeout=5000)
            text = popup.inner_text()
            assert text.count("MMSI") >= spot["n"]  # every event of the spot is listed
            assert "watch" in text and "port call" in text
            assert "explanation:" not in text  # not a raw field dump
            page.screenshot(path=str(tmp_path / "map.png"))
        finally:
            browser.close()
