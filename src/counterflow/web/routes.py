"""The review web page under ``/ui``: queue, alert page (query beside the listed record),
decide / re-open forms, run page, audit trail, CSV upload. Server-rendered Jinja2 with
autoescaping, no JavaScript; logged in by API key into a signed session cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from counterflow.api.auth import services_of
from counterflow.api.parties_input import parse_csv
from counterflow.api.routes_screen import screen_parties_sync
from counterflow.api.services import Services
from counterflow.errors import BadInputError
from counterflow.review import audit
from counterflow.review.compare import compare
from counterflow.review.evidence import evidence_html
from counterflow.review.exports import decisions_csv, period_bound
from counterflow.review.keys import KeyInfo, role_at_least
from counterflow.review.store import ConflictError
from counterflow.review.vessel_recording import track_polyline
from counterflow.web.session import (
    COOKIE,
    LOGIN_COOKIE,
    check_csrf,
    check_login_token,
    csrf_token,
    login_token,
    make_session,
    new_login_nonce,
    read_session,
    session_id,
)

router = APIRouter(prefix="/ui", include_in_schema=False)
_env = Environment(
    loader=PackageLoader("counterflow.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
PAGE = 50


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class Forbidden(Exception):
    pass


def _page(
    request: Request, name: str, code: int = 200, user: KeyInfo | None = None, **ctx: Any
) -> HTMLResponse:
    services = services_of(request)
    session = request.cookies.get(COOKIE)
    csrf = csrf_token(services.session_secret(), session) if session and user else ""
    html = _env.get_template(name).render(user=user, csrf=csrf, **ctx)
    return HTMLResponse(html, status_code=code, headers=SECURITY_HEADERS)


def _user(request: Request, role: str) -> KeyInfo:
    services = services_of(request)
    cookie = request.cookies.get(COOKIE)
    key_id = read_session(services.session_secret(), cookie)
    if key_id is not None and _session_ended(services, cookie):
        key_id = None
    info = services.key_by_id(key_id) if key_id is not None else None
    if info is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    if not role_at_least(info.role, role):
        raise Forbidden(f"this page needs the {role} role (you are {info.role})")
    if services.buckets.take(info.id) > 0:
        raise Forbidden("rate limit exceeded; wait a moment")
    return info


def _ended_key(sid: str) -> str:
    return f"session.ended.{sid}"


def _session_ended(services: Services, cookie: str | None) -> bool:
    """True when the cookie's session was ended by logging out (recorded server-side)."""
    sid = session_id(services.session_secret(), cookie)
    return sid is None or services.review.get_meta(_ended_key(sid[0])) is not None


def _csrf(request: Request, token: str | None) -> None:
    services = services_of(request)
    if not check_csrf(services.session_secret(), request.cookies.get(COOKIE), token):
        raise Forbidden("the form expired or did not come from this site; reload the page")


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/ui/") and not value.startswith("//"):
        return value
    return "/ui/"


def _login_page(
    request: Request, next_url: str, code: int = 200, error: str | None = None
) -> HTMLResponse:
    """The login form with a CSRF token bound to a fresh login cookie."""
    services = services_of(request)
    nonce = new_login_nonce()
    resp = _page(
        request,
        "login.html",
        code=code,
        next=_safe_next(next_url),
        login_csrf=login_token(services.session_secret(), nonce),
        error=error,
    )
    resp.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=services.settings.secure_cookies,
        path="/ui",
    )
    return resp


@router.get("/login")
async def login_form(request: Request, next: str = "/ui/") -> HTMLResponse:
    return _login_page(request, next)


@router.post("/login")
async def login(
    request: Request,
    api_key: str = Form(""),
    next: str = Form("/ui/"),
    login_csrf: str = Form(""),
) -> Response:
    services = services_of(request)
    if not check_login_token(
        services.session_secret(), request.cookies.get(LOGIN_COOKIE), login_csrf
    ):
        return _login_page(
            request,
            next,
            code=403,
            error="The login form expired or did not come from this site; try again.",
        )
    info = services.key(api_key.strip()) if api_key.strip() else None
    if info is None:
        return _login_page(request, next, code=401, error="Unknown API key.")
    if services.buckets.take(info.id) > 0:
        return _login_page(request, next, code=429, error="Too many attempts.")
    services.review.log(info.actor, "login", f"key:{info.id}", {"via": "web"})
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(
        COOKIE,
        make_session(services.session_secret(), info.id, services.settings.session_hours),
        max_age=int(services.settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=services.settings.secure_cookies,
        path="/ui",
    )
    resp.delete_cookie(LOGIN_COOKIE, path="/ui")
    return resp


@router.post("/logout")
async def logout(request: Request, csrf: str = Form("")) -> Response:
    """End the session on the server (its id is recorded as ended, so a copy of the
    cookie no longer works), then drop the cookie."""
    user = _user(request, "screener")
    _csrf(request, csrf)
    services = services_of(request)
    sid = session_id(services.session_secret(), request.cookies.get(COOKIE))
    if sid is not None:
        services.review.set_meta(_ended_key(sid[0]), str(sid[1]))
        services.review.log(user.actor, "logout", f"key:{user.id}", {"via": "web"})
    resp = RedirectResponse("/ui/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/ui")
    return resp


@router.get("/")
async def queue(request: Request, status: str = "open", offset: int = 0) -> HTMLResponse:
    user = _user(request, "analyst")
    review = services_of(request).review
    statuses = ("open", "needs_info", "true_match", "false_positive")
    if status not in statuses:
        status = "open"
    offset = max(0, offset)
    alerts = review.list_alerts(status=status, limit=PAGE + 1, offset=offset)
    return _page(
        request,
        "queue.html",
        user=user,
        alerts=alerts[:PAGE],
        more=len(alerts) > PAGE,
        counts=review.count_alerts(),
        status=status,
        status_label=status.replace("_", " "),
        offset=offset,
        page=PAGE,
    )


def _alert_page(
    request: Request, user: KeyInfo, alert_id: int, code: int = 200, **ctx: Any
) -> HTMLResponse:
    review = services_of(request).review
    alert = review.get_alert(alert_id)
    return _page(
        request,
        "alert.html",
        code=code,
        user=user,
        alert=alert,
        rows=[] if alert.kind in ("site", "vessel") else compare(alert.query, alert.record),
        track=track_polyline(alert.record) if alert.kind == "vessel" else "",
        **ctx,
    )


@router.get("/alerts/{alert_id}")
async def alert_page(request: Request, alert_id: int, done: str = "") -> HTMLResponse:
    user = _user(request, "analyst")
    flash = {"decided": "Decision recorded.", "reopened": "Alert re-opened."}.get(done)
    return _alert_page(request, user, alert_id, flash=flash)


@router.post("/alerts/{alert_id}/decide")
async def alert_decide(
    request: Request,
    alert_id: int,
    decision: str = Form(""),
    reason: str = Form(""),
    version: int | None = Form(None),
    csrf: str = Form(""),
) -> Response:
    user = _user(request, "analyst")
    _csrf(request, csrf)
    review = services_of(request).review
    try:
        await run_in_threadpool(
            review.decide, alert_id, decision, reason, user.actor, expected_version=version
        )
    except BadInputError as exc:
        return _alert_page(request, user, alert_id, code=400, error=exc.reason)
    except ConflictError as exc:
        return _alert_page(request, user, alert_id, code=409, error=str(exc))
    return RedirectResponse(f"/ui/alerts/{alert_id}?done=decided", status_code=303)


@router.post("/alerts/{alert_id}/reopen")
async def alert_reopen(
    request: Request, alert_id: int, reason: str = Form(""), csrf: str = Form("")
) -> Response:
    user = _user(request, "analyst")
    _csrf(request, csrf)
    review = services_of(request).review
    try:
        await run_in_threadpool(review.reopen, alert_id, reason, user.actor)
    except BadInputError as exc:
        return _alert_page(request, user, alert_id, code=400, error=exc.reason)
    except ConflictError as exc:
        return _alert_page(request, user, alert_id, code=409, error=str(exc))
    return RedirectResponse(f"/ui/alerts/{alert_id}?done=reopened", status_code=303)


@router.get("/alerts/{alert_id}/evidence")
async def alert_evidence(request: Request, alert_id: int) -> HTMLResponse:
    user = _user(request, "analyst")
    html = await run_in_threadpool(
        evidence_html, services_of(request).review, alert_id, actor=user.actor
    )
    return HTMLResponse(
        html,
        headers=SECURITY_HEADERS
        | {
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
            )
        },
    )


@router.get("/runs/{run_id}")
async def run_page(request: Request, run_id: int) -> HTMLResponse:
    user = _user(request, "analyst")
    run = services_of(request).review.get_run(run_id)
    return _page(request, "run.html", user=user, run=run)


@router.get("/audit")
async def audit_page(request: Request, before: int | None = None) -> HTMLResponse:
    user = _user(request, "analyst")
    review = services_of(request).review
    rows = audit.entries(review.backend, newest_first=True, limit=None if before else PAGE + 1)
    if before is not None:
        rows = [e for e in rows if e.seq < before][: PAGE + 1]
    older = rows[PAGE - 1].seq if len(rows) > PAGE else None
    return _page(
        request,
        "audit.html",
        user=user,
        entries=rows[:PAGE],
        older=older,
        verify=await run_in_threadpool(review.verify_audit),
    )


@router.get("/exports/decisions.csv")
async def export_decisions_csv(request: Request, since: str = "", until: str = "") -> Response:
    user = _user(request, "analyst")
    review = services_of(request).review
    period_bound(since, "since"), period_bound(until, "until")  # bad dates: 400, not logged
    review.log(user.actor, "export", "decisions", {"since": since, "until": until, "via": "web"})
    text = await run_in_threadpool(decisions_csv, review, since or None, until or None)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers=SECURITY_HEADERS | {"Content-Disposition": 'attachment; filename="decisions.csv"'},
    )


@router.get("/screen")
async def screen_form(request: Request) -> HTMLResponse:
    user = _user(request, "screener")
    return _page(
        request, "screen.html", user=user, threshold=services_of(request).settings.threshold
    )


@router.post("/screen")
async def screen_upload(request: Request) -> HTMLResponse:
    user = _user(request, "screener")
    services: Services = services_of(request)
    form = await request.form()
    token = form.get("csrf")
    _csrf(request, token if isinstance(token, str) else None)
    upload = form.get("file")
    thr_raw = form.get("threshold")
    try:
        if upload is None or isinstance(upload, str):
            raise BadInputError("choose a CSV file", field="file")
        raw = await upload.read()
        threshold = float(thr_raw) if isinstance(thr_raw, str) and thr_raw else 0.5
        if not 0.0 <= threshold <= 1.0:
            raise BadInputError("threshold must be within [0, 1]", field="threshold")
        queries = await run_in_threadpool(
            parse_csv,
            raw,
            file=Path(upload.filename or "upload.csv").name,
            max_rows=services.settings.max_rows,
        )
        if not queries:
            raise BadInputError("the file has no rows", field="file")
        hits, summary = await run_in_threadpool(
            screen_parties_sync,
            services,
            queries,
            threshold=threshold,
            limit=services.settings.limit,
            record=True,
            actor=user.actor,
            raw=raw,
            source="web",
        )
    except (BadInputError, ValueError) as exc:
        msg = exc.describe() if isinstance(exc, BadInputError) else "threshold is not a number"
        return _page(request, "screen.html", code=400, user=user, error=msg, threshold=0.5)
    assert summary is not None
    names = {q.id: q.name for q in queries}
    results = [
        {
            "query_id": r["query_id"],
            "name": names.get(r["query_id"], ""),
            "hits": [
                {**e, "entity_name": h.entity_name} for e, h in zip(r["hits"], q_hits, strict=True)
            ],
        }
        for r, q_hits in zip(summary["results"], hits, strict=True)
    ]
    return _page(
        request, "screen.html", user=user, run=summary, results=results, threshold=threshold
    )


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An HTML error page for the web routes (the API answers JSON)."""
    titles = {400: "Bad request", 404: "Not found", 409: "Conflict", 503: "Unavailable"}
    return _page(
        request, "error.html", code=status, title=titles.get(status, "Error"), message=message
    )


def mount(app: FastAPI) -> None:
    """Add the web routes, static files and the error pages to ``app``."""
    app.include_router(router)
    static = Path(__file__).parent / "static"
    app.mount("/ui/static", StaticFiles(directory=static), name="static")

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(f"/ui/login?next={quote(exc.next_url)}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return _page(request, "error.html", code=403, title="Forbidden", message=str(exc))

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Forbidden, forbidden)
