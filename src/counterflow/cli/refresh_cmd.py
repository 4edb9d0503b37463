"""``counterflow refresh``: the scheduled job of a deployment. Fetch the lists (``lists
update``, or ``lists load`` of a folder with ``--from``), rebuild the match index once so
the server's workers only open it, then re-screen the recorded customer base against
what changed (``rescreen``), raising alerts. Prints one JSON summary on stdout; exits 1
when any list failed to download or parse (what did arrive is still loaded and
re-screened)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from counterflow.cli.common import err_console


def _loaded(report: Any) -> tuple[list[dict[str, Any]], list[str]]:
    lists, errors = [], []
    for o in report.outcomes:
        if o.info is not None:
            lists.append(
                {
                    "dataset": o.dataset,
                    "version": o.info.version,
                    "records": o.info.records,
                    "unchanged": bool(o.info.unchanged),
                }
            )
        if o.error:
            errors.append(f"{o.dataset}: {o.error}")
    errors += [f"{u.path}: not a list format" for u in report.unrecognised if u.explicit]
    return lists, errors


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    @root.command("refresh")
    def refresh(
        source: Annotated[
            list[Path] | None,
            typer.Option(
                "--from",
                help="Load these files or folders instead of downloading (mirrored lists).",
            ),
        ] = None,
        dataset: Annotated[
            list[str] | None,
            typer.Option("--dataset", help="Only this dataset (repeatable). Default: all."),
        ] = None,
        threshold: float = typer.Option(0.5, min=0.0, max=1.0, help="Re-screen threshold."),
        limit: int = typer.Option(10, min=1, help="Hits kept per customer."),
        timeout: float = typer.Option(60.0, help="Seconds per download request."),
        retries: int = typer.Option(3, min=0, help="Retries per file on transient errors."),
        db: str = typer.Option(
            "",
            "--db",
            envvar="COUNTERFLOW_DB",
            help="Review store: SQLite path or postgresql://... "
            "(default: COUNTERFLOW_HOME/review.sqlite).",
        ),
    ) -> None:
        """Update the lists, rebuild the index, re-screen the recorded book (cron/systemd)."""
        from counterflow.review.rescreen import rescreen
        from counterflow.review.store import ReviewStore
        from counterflow.store import ListStore
        from counterflow.store.loader import load_paths
        from counterflow.store.update import update as run_update

        t0 = time.monotonic()
        lists: list[dict[str, Any]] = []
        errors: list[str] = []
        with ListStore.open() as store:
            if source:
                report = load_paths(list(source), store)
                if dataset:
                    report.outcomes = [o for o in report.outcomes if o.dataset in dataset]
                lists, errors = _loaded(report)
                if not report.outcomes:
                    errors.append("nothing loadable in " + ", ".join(map(str, source)))
            else:
                for r in run_update(store, dataset, timeout=timeout, retries=retries):
                    if r.error:
                        errors.append(r.error)
                    if r.load is not None:
                        got, errs = _loaded(r.load)
                        lists += got
                        errors += errs
            err_console.print(f"lists: {len(lists)} publications read, {len(errors)} errors")
            index_s = None
            if store.status():
                from counterflow.match import open_screener

                t = time.monotonic()
                open_screener(store)  # builds and saves the index when the lists changed
                index_s = round(time.monotonic() - t, 2)
            review = ReviewStore.open(db or None)
            try:
                res = rescreen(
                    review,
                    store,
                    actor="refresh",
                    threshold=threshold,
                    limit=limit,
                    datasets=dataset or None,
                )
            finally:
                review.close()
        raised = len(res.run.alerts) if res.run else 0
        err_console.print(
            f"re-screened {res.customers} customers against {res.records_screened} "
            f"new/changed records: {raised} new alerts"
        )
        summary = {
            "lists": lists,
            "errors": errors,
            "index_seconds": index_s,
            "rescreen": res.to_dict(),
            "alerts_raised": raised,
            "seconds": round(time.monotonic() - t0, 2),
        }
        typer.echo(json.dumps(summary, ensure_ascii=False, default=str))
        if errors:
            raise typer.Exit(1)
