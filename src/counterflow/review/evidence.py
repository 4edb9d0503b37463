"""A self-contained HTML evidence page for one alert: the query, the listed record side
by side, the run (input digest, list versions, settings), decisions and audit entries.
A site-watch alert gets the before / after / overlay images, scene digests and dates; a
vessel alert its evidence card (identities, events, sources, every track fix)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from counterflow.review import audit
from counterflow.review.compare import compare
from counterflow.review.store import ReviewStore

_env = Environment(
    loader=PackageLoader("counterflow.review", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def evidence_html(review: ReviewStore, alert_id: int, *, actor: str) -> str:
    alert = review.get_alert(alert_id)
    run = review.get_run(alert.run_id)
    entries = audit.entries(review.backend, subject=f"alert:{alert.id}")
    run_entries = [e for e in audit.entries(review.backend, subject=f"run:{run['id']}")]
    if alert.kind in ("site", "vessel"):  # the scenes / the vessel card, not a listed record
        return _env.get_template(f"evidence_{alert.kind}.html").render(
            alert=alert,
            run=run,
            audit=sorted(entries + run_entries, key=lambda e: e.seq),
            verify=review.verify_audit(),
            generated_at=audit.now_iso(),
            actor=actor,
        )
    return _env.get_template("evidence.html").render(
        alert=alert,
        run=run,
        rows=compare(alert.query, alert.record),
        audit=sorted(entries + run_entries, key=lambda e: e.seq),
        verify=review.verify_audit(),
        generated_at=audit.now_iso(),
        actor=actor,
    )
