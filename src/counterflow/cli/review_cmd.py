"""CLI of the review layer: ``keys``, ``alerts`` and ``audit`` groups and ``rescreen``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from counterflow.cli.common import cli_actor, err_console
from counterflow.errors import BadInputError, CounterflowError

DB_HELP = (
    "Review store: SQLite path or postgresql://... (default: $COUNTERFLOW_DB or review.sqlite)."
)


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    from counterflow.review.store import ReviewStore

    def review_store(db: str) -> ReviewStore:
        return ReviewStore.open(db or None)

    keys = group("keys")
    alerts = group("alerts")
    audit_g = group("audit")

    # ----- keys ---------------------------------------------------------------------

    @keys.command("create")
    def keys_create(
        role: str = typer.Option(..., help="screener, analyst or admin."),
        label: str = typer.Option("", help="Who or what uses the key."),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Create an API key and print it once (only its sha256 is stored)."""
        from counterflow.review.keys import create_key

        review = review_store(db)
        key, info = create_key(review, role, label=label, actor=cli_actor())
        err_console.print(f"key #{info.id} ({info.role}) created; it is shown only once:")
        typer.echo(key)

    @keys.command("list")
    def keys_list(
        as_json: bool = typer.Option(False, "--json"),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """List API keys (id, prefix, role, label, created, revoked)."""
        from counterflow.review.keys import list_keys

        rows = list_keys(review_store(db))
        if as_json:
            typer.echo(json.dumps(rows, indent=1))
            return
        for r in rows:
            state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
            typer.echo(
                f"{r['id']}\t{r['prefix']}…\t{r['role']}\t{r['label']}\t{r['created_at']}\t{state}"
            )

    @keys.command("revoke")
    def keys_revoke(
        key_id: int = typer.Argument(..., help="Key id from `keys list`."),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Revoke an API key (kept in the record, no longer accepted)."""
        from counterflow.review.keys import revoke_key

        revoke_key(review_store(db), key_id, actor=cli_actor())
        err_console.print(f"key #{key_id} revoked")

    # ----- alerts -------------------------------------------------------------------

    @alerts.command("list")
    def alerts_list(
        status: str = typer.Option(
            "open", help="open, needs_info, true_match, false_positive, all"
        ),
        limit: int = typer.Option(100),
        as_json: bool = typer.Option(False, "--json"),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """List alerts, highest score first."""
        review = review_store(db)
        rows = review.list_alerts(status=None if status == "all" else status, limit=limit)
        if as_json:
            typer.echo(json.dumps([a.to_dict() for a in rows], ensure_ascii=False, indent=1))
            return
        for a in rows:
            typer.echo(
                f"{a.id}\t{a.status}\t{a.score:.3f}\t{a.customer_id}\t{a.query.get('name', '')}"
                f"\t{a.entity_id}\t{a.entity_name}"
            )

    @alerts.command("show")
    def alerts_show(
        alert_id: int = typer.Argument(...),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Print one alert with its decisions as JSON."""
        typer.echo(
            json.dumps(review_store(db).get_alert(alert_id).to_dict(), ensure_ascii=False, indent=1)
        )

    @alerts.command("decide")
    def alerts_decide(
        alert_id: int = typer.Argument(...),
        decision: str = typer.Option(..., help="true_match, false_positive or needs_info"),
        reason: str = typer.Option("", help="Why (required for false_positive)."),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Decide an alert; a false positive goes on the allow-list."""
        from counterflow.errors import UsageError
        from counterflow.review.store import DECISIONS

        if decision not in DECISIONS:
            raise UsageError(f"--decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
        a = review_store(db).decide(alert_id, decision, reason, cli_actor())
        err_console.print(f"alert #{a.id}: {a.status}")

    @alerts.command("reopen")
    def alerts_reopen(
        alert_id: int = typer.Argument(...),
        reason: str = typer.Option(..., help="Why it is re-opened."),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Re-open a decided alert (its history stays)."""
        a = review_store(db).reopen(alert_id, reason, cli_actor())
        err_console.print(f"alert #{a.id}: {a.status}")

    @alerts.command("export")
    def alerts_export(
        output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
        since: str = typer.Option("", help="From this ISO date/time (inclusive)."),
        until: str = typer.Option("", help="Up to this ISO date/time (exclusive)."),
        fmt: str = typer.Option("csv", "--format", help="csv or json"),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Export the decisions of a period (CSV cells guarded against formulas)."""
        from counterflow.review.exports import decisions_csv, decisions_json, period_bound

        if fmt not in ("csv", "json"):
            raise typer.BadParameter("--format is csv or json")
        period_bound(since, "--since"), period_bound(until, "--until")  # exit 1 on a typo
        review = review_store(db)
        text = (decisions_csv if fmt == "csv" else decisions_json)(
            review, since or None, until or None
        )
        output.write_text(text, encoding="utf-8")
        review.log(
            cli_actor(), "export", "decisions", {"since": since, "until": until, "format": fmt}
        )
        err_console.print(f"decisions written to {output}")

    @alerts.command("evidence")
    def alerts_evidence(
        alert_id: Annotated[int, typer.Argument()],
        output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")],
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Write the HTML evidence page of one alert."""
        from counterflow.review.evidence import evidence_html

        output.write_text(
            evidence_html(review_store(db), alert_id, actor=cli_actor()), encoding="utf-8"
        )
        err_console.print(f"evidence written to {output}")

    # ----- audit --------------------------------------------------------------------

    @audit_g.command("verify")
    def audit_verify(
        db: str = typer.Option("", "--db", help=DB_HELP),
        anchor: str = typer.Option(
            "",
            "--anchor",
            help="A head exported earlier with `audit head`: SEQ:HASH, its JSON, or a file "
            "holding either. Catches a truncated or recomputed chain.",
        ),
    ) -> None:
        """Recompute the hash chain and re-derive the recorded state (alerts, decisions,
        allow-list, API keys, runs) from it; exit 1 if anything was altered, inserted or
        removed outside Counterflow, or if the chain no longer holds the anchor."""
        from counterflow.review import audit

        anc = None
        if anchor:
            text = anchor
            p = Path(anchor)
            if not anchor.strip().startswith("{") and ":" not in anchor and p.is_file():
                text = p.read_text(encoding="utf-8")
            try:
                anc = audit.Anchor.parse(text)
            except ValueError as exc:
                raise BadInputError(str(exc), field="--anchor") from None
        res = review_store(db).verify_audit(anc)
        if not res.ok:
            raise CounterflowError(f"audit chain broken: {res.problem}")
        extra = f"; anchor {anc.seq} holds" if anc else ""
        typer.echo(f"ok: {res.entries} entries, state matches the record{extra}, head {res.head}")

    @audit_g.command("head")
    def audit_head(
        db: str = typer.Option("", "--db", help=DB_HELP),
        output: Annotated[
            Path | None,
            typer.Option("-o", "--output", help="Also write the anchor JSON to this file."),
        ] = None,
    ) -> None:
        """Print the chain head as JSON ({"seq", "hash", "at"}): keep it outside the
        database (print it, mail it, commit it elsewhere) and later run
        `audit verify --anchor` against it."""
        from counterflow.review import audit

        a = audit.head(review_store(db).backend)
        text = json.dumps({**a.to_dict(), "at": audit.now_iso()})
        if output is not None:
            output.write_text(text + "\n", encoding="utf-8")
        typer.echo(text)

    @audit_g.command("show")
    def audit_show(
        limit: int = typer.Option(50, help="Newest entries to print."),
        subject: str = typer.Option("", help="Only this subject, e.g. alert:12."),
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Print audit entries, newest first, one JSON object a line."""
        from counterflow.review import audit

        rows = audit.entries(
            review_store(db).backend, subject=subject or None, limit=limit, newest_first=True
        )
        for e in rows:
            typer.echo(
                json.dumps(
                    {
                        "seq": e.seq,
                        "at": e.at,
                        "actor": e.actor,
                        "event": e.event,
                        "subject": e.subject,
                        "data": e.data,
                        "hash": e.hash,
                    },
                    ensure_ascii=False,
                )
            )

    # ----- rescreen -----------------------------------------------------------------

    @root.command("rescreen")
    def rescreen_cmd(
        threshold: float = typer.Option(0.5, min=0.0, max=1.0),
        limit: int = typer.Option(10, min=1),
        dataset: Annotated[
            list[str] | None, typer.Option("--dataset", help="Only these datasets.")
        ] = None,
        db: str = typer.Option("", "--db", help=DB_HELP),
    ) -> None:
        """Screen the stored customer base against records added or changed by list updates."""
        from counterflow.review.rescreen import rescreen
        from counterflow.store import ListStore

        review = review_store(db)
        with ListStore.open() as store:
            res = rescreen(
                review,
                store,
                actor=cli_actor(),
                threshold=threshold,
                limit=limit,
                datasets=dataset or None,
            )
        for d in res.datasets:
            if d.get("baseline"):
                err_console.print(f"{d['dataset']} {d['version']}: baseline recorded")
            else:
                err_console.print(
                    f"{d['dataset']} {d['old']} -> {d['new']}: {d['added']} added, "
                    f"{d['changed']} changed"
                )
        raised = len(res.run.alerts) if res.run else 0
        typer.echo(
            f"{res.customers} customers screened against {res.records_screened} new/changed "
            f"records: {raised} new alerts"
        )
