"""Every page the service serves works with no internet: headless Chromium (Debian's
/usr/bin/chromium via Playwright) against a real uvicorn server, with every request to
a host other than the loopback server aborted and recorded. The API docs (Swagger UI at
/docs) must render from packaged assets; the review pages (login, queue,
alert, evidence, run, audit, CSV upload) and an evidence file written to disk must load
whole. Screenshots go to /tmp/counterflow-offline/ for a person to look at."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from counterflow.review.evidence import evidence_html

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path("/tmp/counterflow-offline")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server(web) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


def _chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium missing in CI: .ci/services.sh should have installed it")
    pytest.skip("chromium not installed (run .ci/services.sh)")


def test_every_page_loads_with_the_network_blocked(web, server, tmp_path) -> None:
    from playwright.sync_api import Route, sync_playwright

    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir()
    outside: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    def guard(route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if (
            parts.scheme in ("data", "blob", "about")
            or (parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOOPBACK)
            or (parts.scheme == "file" and url.startswith(tmp_path.as_uri()))
        ):
            route.continue_()
        else:
            outside.append(url)
            route.abort("blockedbyclient")

    alert = next(a for a in web.review.list_alerts() if a.customer_id == "c1")
    evidence_file = tmp_path / "evidence.html"
    evidence_file.write_text(
        evidence_html(web.review, alert.id, actor="test"), encoding="utf-8"
    )  # what `counterflow alerts evidence` writes
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", guard)
            page = context.new_page()
            page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
            page.on("pageerror", lambda e: errors.append(str(e)))

            def shot(name: str) -> None:
                page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

            # API docs: Swagger UI renders the spec's title and an operation.
            page.goto(f"{server}/docs")
            page.locator(".swagger-ui .info .title").wait_for(timeout=20_000)
            assert "Counterflow" in page.locator(".swagger-ui .info .title").inner_text()
            page.get_by_text("/match/{dataset}", exact=True).first.wait_for(timeout=20_000)
            shot("docs")
            # Review pages, logged in as an analyst.
            page.goto(f"{server}/ui/")
            page.get_by_label("API key").fill(web.keys["analyst"])
            page.keyboard.press("Enter")
            page.wait_for_url(f"{server}/ui/")
            assert page.get_by_role("heading", name="Alerts: open").is_visible()
            shot("queue")
            pages = {
                "alert": f"/ui/alerts/{alert.id}",
                "evidence": f"/ui/alerts/{alert.id}/evidence",
                "run": f"/ui/runs/{alert.run_id}",
                "audit": "/ui/audit",
                "screen": "/ui/screen",
            }
            for name, path in pages.items():
                resp = page.goto(f"{server}{path}")
                assert resp is not None and resp.status == 200, (path, resp and resp.status)
                page.wait_for_load_state("networkidle")
                shot(name)
            # The stylesheet of the review pages applied (served from the package).
            page.goto(f"{server}/ui/audit")
            rules = page.evaluate(
                "Array.from(document.styleSheets).map(s => s.href + ' ' + s.cssRules.length)"
            )
            assert rules and rules[0].startswith(f"{server}/ui/static/style.css")
            assert int(rules[0].split()[-1]) > 10, rules
            page.goto(evidence_file.as_uri())
            page.wait_for_load_state("networkidle")
            assert "Alfa Komponent" in page.content()
            shot("evidence-file")
        finally:
            browser.close()
    assert outside == [], f"pages fetched from outside: {outside}"
    assert failed == [], failed
    assert errors == [], errors
