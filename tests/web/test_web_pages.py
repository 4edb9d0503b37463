"""The review web page: login, roles on every page, CSRF, decide / re-open forms, escaping,
security headers, CSV upload."""

from __future__ import annotations

import pytest

from counterflow.api.settings import ApiSettings
from counterflow.review import audit

# (method, path, lowest role)
PAGES = [
    ("GET", "/ui/", "analyst"),
    ("GET", "/ui/?status=false_positive", "analyst"),
    ("GET", "/ui/alerts/1", "analyst"),
    ("POST", "/ui/alerts/1/decide", "analyst"),
    ("POST", "/ui/alerts/1/reopen", "analyst"),
    ("GET", "/ui/alerts/1/evidence", "analyst"),
    ("GET", "/ui/runs/1", "analyst"),
    ("GET", "/ui/audit", "analyst"),
    ("GET", "/ui/exports/decisions.csv", "analyst"),
    ("GET", "/ui/screen", "screener"),
    ("POST", "/ui/screen", "screener"),
    ("POST", "/ui/logout", "screener"),
]


@pytest.mark.parametrize(("method", "path", "role"), PAGES)
def test_pages_refuse_anonymous_and_forged_sessions(web, method, path, role) -> None:
    c = web.client
    for cookie in (None, "v1.1.99999999999.deadbeef", "garbage", "v1.3.1.abc"):
        c.cookies.clear()
        if cookie:
            c.cookies.set("cf_session", cookie, path="/ui")
        r = c.request(method, path, follow_redirects=False)
        assert r.status_code == 303, (path, cookie, r.status_code)
        assert r.headers["location"].startswith("/ui/login")


@pytest.mark.parametrize(("method", "path", "role"), [p for p in PAGES if p[2] == "analyst"])
def test_pages_refuse_wrong_role(web, method, path, role) -> None:
    web.login("screener")
    r = web.client.request(method, path, follow_redirects=False)
    assert r.status_code == 403


def test_login_flow_and_queue(web) -> None:
    c = web.client
    r = c.get("/ui/", follow_redirects=False)
    assert r.status_code == 303
    r = c.post(
        "/ui/login",
        data={"api_key": "cf_wrong", "login_csrf": web.login_csrf()},
        follow_redirects=False,
    )
    assert r.status_code == 401 and "Unknown API key" in r.text
    web.login("analyst")
    assert "cf_session" in c.cookies
    assert web.keys["analyst"] not in c.cookies["cf_session"]
    page = c.get("/ui/")
    assert page.status_code == 200
    assert "Alfa Komponent LLC" in page.text and "Ivan Petrov" in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    for h in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert h in page.headers
    # Open redirect refused.
    c.cookies.clear()
    r = c.post(
        "/ui/login",
        data={
            "api_key": web.keys["analyst"],
            "next": "https://evil.example/",
            "login_csrf": web.login_csrf(),
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/ui/"


def test_alert_page_side_by_side_and_escaped(web) -> None:
    web.login("analyst")
    alerts = web.review.list_alerts()
    evil = next(a for a in alerts if a.customer_id == "c2<b>")
    page = web.client.get(f"/ui/alerts/{evil.id}").text
    assert "<script>alert" not in page and "<img src=x" not in page and "c2<b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    for label in ("Names", "Birth / incorporation date", "Countries", "Identifiers", "Programmes"):
        assert label in page
    alfa = next(a for a in alerts if a.customer_id == "c1")
    page = web.client.get(f"/ui/alerts/{alfa.id}").text
    assert "RUSSIA-EO14024" in page
    assert 'class="agree"' in page  # identifiers / countries agree
    assert '<label for="reason">' in page and 'id="reason"' in page


def test_decide_via_form_needs_csrf_and_reason(web) -> None:
    web.login("analyst")
    aid = web.review.list_alerts()[0].id
    csrf = web.csrf(f"/ui/alerts/{aid}")
    c = web.client
    r = c.post(f"/ui/alerts/{aid}/decide", data={"decision": "true_match"}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    r = c.post(
        f"/ui/alerts/{aid}/decide", data={"decision": "false_positive", "reason": "", "csrf": csrf}
    )
    assert r.status_code == 400 and "reason" in r.text
    r = c.post(
        f"/ui/alerts/{aid}/decide",
        data={
            "decision": "false_positive",
            "reason": "DOB differs <b>",
            "csrf": csrf,
            "version": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(r.headers["location"]).text
    assert "Decision recorded" in page and "DOB differs &lt;b&gt;" in page
    r = c.post(f"/ui/alerts/{aid}/decide", data={"decision": "true_match", "csrf": csrf})
    assert r.status_code == 409
    r = c.post(
        f"/ui/alerts/{aid}/reopen",
        data={"reason": "new facts", "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert web.review.get_alert(aid).status == "open"
    audit = c.get("/ui/audit").text
    assert "false_positive" in audit and "reopen" in audit and "Hash chain verified" in audit


def test_screen_upload_via_web(web) -> None:
    web.login("screener")
    csrf = web.csrf("/ui/screen")
    csv = b"id,name,kind\nn1,Alfa Komponent LLC,organization\nn2,Nobody,person\n"
    r = web.client.post(
        "/ui/screen",
        data={"csrf": csrf, "threshold": "0.5"},
        files={"file": ("p.csv", csv, "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert "Run #" in r.text and "us_ofac_sdn:36" in r.text
    r = web.client.post(
        "/ui/screen", data={"csrf": csrf}, files={"file": ("p.csv", b"name\nx\n", "text/csv")}
    )
    assert r.status_code == 400 and "id" in r.text


def test_web_upload_too_large(web_builder) -> None:
    w = web_builder(ApiSettings(rate_per_s=0, max_upload_bytes=1000))
    w.login("screener")
    csrf = w.csrf("/ui/screen")
    r = w.client.post(
        "/ui/screen",
        data={"csrf": csrf},
        files={"file": ("p.csv", b"id,name\n" + b"a,b\n" * 500, "text/csv")},
    )
    assert r.status_code == 413


def test_export_from_web(web) -> None:
    web.login("analyst")
    aid = web.review.list_alerts()[0].id
    web.review.decide(aid, "false_positive", "=HYPERLINK(1)", "ana")
    r = web.client.get("/ui/exports/decisions.csv", params={"since": "2000-01-01"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in r.text


def test_unknown_alert_is_an_html_404(web) -> None:
    web.login("analyst")
    r = web.client.get("/ui/alerts/99999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "alert 99999 not found" in r.text


def test_queue_and_alert_page_show_the_listed_entity_and_order_lines(web) -> None:
    from counterflow.match.types import Query
    from counterflow.records.model import BirthDate, Party
    from counterflow.review.alerting import Finding
    from counterflow.review.recording import record_run
    from counterflow.store.grouping import compute_groups
    from fake_screener import FakeScreener

    recs = [
        Party(dataset=ds, source_id=sid, kind="person", name="Oleg Dronov",
              birth_dates=[BirthDate("1961-02-03")])
        for ds, sid in (("us_ofac_sdn", "7"), ("eu_fsf", "8"), ("gb_hmt_sanctions", "9"))
    ]  # fmt: skip
    q = Query(id="c9", name="Oleg Dronov", kind="person")
    s = record_run(
        web.review, [q], [FakeScreener(recs).screen(q)], actor="t", groups=compute_groups(recs)
    )
    (aid,) = s.alerts
    f = Finding(
        group_id="order:o7", members=[], dataset="orders", source_id="o7",
        entity_name="order o7: SEZ_ADDRESS", matched_name="", kind="order", score=0.94,
        band="block", explanation="block: Alabuga SEZ",
        contexts=[{"order_id": "o7", "customer": "Acme GmbH", "ship_to_country": "ru",
                   "part_number": "STM32F405", "risk": "block", "flags": ["SEZ_ADDRESS"],
                   "explanation": "block: Alabuga SEZ"}],
    )  # fmt: skip
    (oid,) = record_run(
        web.review, [Query(id="customer:Acme GmbH", name="Acme GmbH")], [[]], actor="t",
        kind="orders", findings=[[f]],
    ).alerts  # fmt: skip
    web.login("analyst")
    queue = web.client.get("/ui/").text
    assert "us_ofac_sdn, eu_fsf, gb_hmt_sanctions" in queue
    assert "(3 records, one entity)" in queue
    page = web.client.get(f"/ui/alerts/{aid}").text
    assert 'id="entity-records"' in page and page.count("<code>") >= 3
    assert "same name (dronov oleg) and birth date 1961-02-03" in page
    page = web.client.get(f"/ui/alerts/{oid}").text
    assert 'id="order-lines"' in page and "STM32F405" in page and "SEZ_ADDRESS" in page


def test_logout_ends_the_session_on_the_server(web) -> None:
    c = web.login("analyst")
    copied = c.cookies["cf_session"]
    # The copy alone works while the session lasts...
    c.cookies.clear()
    c.cookies.set("cf_session", copied)
    assert c.get("/ui/", follow_redirects=False).status_code == 200
    r = c.post("/ui/logout", data={"csrf": web.csrf()}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/login"
    # ...and no longer once the session was ended, though its expiry is hours away.
    c.cookies.clear()
    c.cookies.set("cf_session", copied)
    r = c.get("/ui/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")
    events = [e.event for e in audit.entries(web.review.backend)]
    assert "logout" in events


def test_login_form_needs_its_csrf_token(web) -> None:
    c = web.client
    c.cookies.clear()
    key = web.keys["analyst"]
    # No token (a cross-site form post): refused, no session.
    r = c.post("/ui/login", data={"api_key": key}, follow_redirects=False)
    assert r.status_code == 403 and "cf_session" not in c.cookies
    # A token from another browser's login cookie: refused.
    token = web.login_csrf()
    c.cookies.clear()
    c.cookies.set("cf_login", "0" * 32)
    r = c.post("/ui/login", data={"api_key": key, "login_csrf": token}, follow_redirects=False)
    assert r.status_code == 403 and "cf_session" not in c.cookies
    # The form's own token: logged in.
    c.cookies.clear()
    token = web.login_csrf()
    r = c.post("/ui/login", data={"api_key": key, "login_csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and "cf_session" in c.cookies
