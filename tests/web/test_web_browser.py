"""A real headless browser (Debian's chromium via Playwright) against a real uvicorn server:
log in, open the queue, open an alert, decide with a reason using the keyboard, and see
the decision in the audit trail. Screenshots are saved under /tmp."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

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
SHOTS = Path("/tmp/counterflow-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server(web):
    uvicorn = pytest.importorskip("uvicorn")
    port = _free_port()
    config = uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


def test_decide_in_a_real_browser(web, server) -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail("chromium missing in CI: .ci/services.sh should have installed it")
        pytest.skip("chromium not installed (run .ci/services.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(exist_ok=True)
    alert = next(a for a in web.review.list_alerts() if a.customer_id == "c1")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server}/ui/")
            assert "/ui/login" in page.url
            page.get_by_label("API key").fill(web.keys["analyst"])
            page.keyboard.press("Enter")
            page.wait_for_url(f"{server}/ui/")
            assert page.get_by_role("heading", name="Alerts: open").is_visible()
            # Escaped names show as text, and no script ran.
            assert page.get_by_text('<script>alert("x")</script> Petrov').first.is_visible()
            page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
            page.get_by_role("link", name=f"#{alert.id}").click()
            page.wait_for_url(f"{server}/ui/alerts/{alert.id}")
            assert page.get_by_role("heading", name="Customer and listed record").is_visible()
            page.screenshot(path=str(SHOTS / "alert.png"), full_page=True)
            # Keyboard only: focus the radio, choose, type the reason, submit.
            page.get_by_role("radio", name="False positive").focus()
            page.keyboard.press("Space")
            page.get_by_label("Reason (required for a false positive)").focus()
            page.keyboard.type("Different company: INN differs in our KYC file")
            page.locator("#decide").focus()
            page.keyboard.press("Enter")
            page.wait_for_url(f"{server}/ui/alerts/{alert.id}?done=decided")
            assert page.get_by_role("status").inner_text() == "Decision recorded."
            assert page.locator("#status").inner_text() == "false_positive"
            history = page.locator("#history").inner_text()
            assert "INN differs in our KYC file" in history
            page.screenshot(path=str(SHOTS / "decided.png"), full_page=True)
            page.get_by_role("link", name="Audit trail").click()
            page.wait_for_url(f"{server}/ui/audit")
            audit = page.locator("#audit").inner_text()
            assert "decision" in audit and "INN differs in our KYC file" in audit
            assert "allow_list.add" in audit
            assert "Hash chain verified" in page.content()
            page.screenshot(path=str(SHOTS / "audit.png"), full_page=True)
        finally:
            browser.close()
    assert web.review.get_alert(alert.id).status == "false_positive"
    assert web.review.verify_audit().ok
