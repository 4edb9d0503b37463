"""CLI: ``counterflow screen orders ORDERS.csv -o OUTPUT.csv`` (INTERFACES.md, Orders)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from counterflow.cli.common import cli_actor, err_console, make_progress, stdin_copy
from counterflow.errors import CounterflowError

if TYPE_CHECKING:
    from counterflow.match.types import Screener


def _party_screener(cleanup: ExitStack, quiet: bool) -> Screener | None:
    """The screener over the loaded lists, open until ``cleanup`` closes; None when no list
    is loaded (the order rules still run)."""
    from counterflow.match.loaded import NoListsLoaded, open_loaded

    try:
        loaded = open_loaded(
            None if quiet else err_console.print, opening="opening the name index..."
        )
    except NoListsLoaded:
        return None
    return cleanup.enter_context(loaded).screener


def _config(
    config_file: Path | None,
    sez: Path | None,
    reshippers: Path | None,
    threshold: float | None,
    hub_countries: str | None,
) -> Any:
    """The order rules' settings: defaults, then --config, then the options."""
    from counterflow.orders.settings import _countries, load_config

    cfg = load_config(config_file, sez_path=sez, reshippers_path=reshippers)
    if threshold is not None:
        cfg.party_threshold = threshold
    if hub_countries is not None:
        cfg.hub_countries = _countries(hub_countries.split(","), "--hub-countries")
    return cfg


def _engine(
    cfg: Any,
    screener: Screener | None,
    *,
    chpl: Path | None,
    hs_nomenclature: Path | None,
    components: Path | None,
    ownership: list[Path],
    history: Path | None,
    workers: int,
) -> Any:
    """The ``OrderScreener`` with its goods tables, ownership graph and order history;
    problems found in the ownership data are summed up on stderr."""
    from counterflow.goods.loaded import open_chpl, open_components
    from counterflow.orders.history import load_history
    from counterflow.orders.screen import OrderScreener
    from counterflow.ownership.saved import open_saved

    graph = open_saved(ownership)
    engine = OrderScreener(
        cfg,
        screener=screener,
        chpl=open_chpl(chpl, hs_nomenclature),
        components=open_components(components),
        ownership=graph,
        history=load_history(history) if history else None,
        workers=workers or max(1, min(2, os.cpu_count() or 1)),
    )
    if graph is not None and graph.issues:
        kinds: dict[str, int] = {}
        for issue in graph.issues:
            kinds[issue.kind] = kinds.get(issue.kind, 0) + 1
        err_console.print(
            "ownership data: "
            + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
            + " (see `counterflow ownership load`)",
            highlight=False,
            markup=False,
        )
    return engine


def _record(input: Path, db: str, engine: Any, summary: Any, threshold: float) -> None:
    """Record the run in the review store (the same code as the API's /screen/orders):
    every review/block line becomes an alert with its order context."""
    from counterflow.review.orders_recording import order_alerts, record_orders_run, summary_dict
    from counterflow.review.recording import list_versions
    from counterflow.review.store import ReviewStore
    from counterflow.store import ListStore

    review = ReviewStore.open(db or None)
    try:
        with ListStore.open() as list_store:
            groups = list_store.entity_groups() if list_store.status() else None
            alerts = order_alerts(input, engine, list_store=list_store, groups=groups)
            run = record_orders_run(
                review,
                alerts,
                actor=cli_actor(),
                source="cli",
                party_threshold=threshold,
                summary=summary_dict(summary),
                versions=list_versions(list_store),
                raw_input=input.read_bytes(),
                list_store=list_store,
            )
    finally:
        review.close()
    err_console.print(
        f"recorded run #{run.run_id}: {alerts.lines_flagged} review/block lines, "
        f"{len(run.alerts)} new alerts, {len(run.reopened)} re-opened, "
        f"{run.suppressed} suppressed by the allow-list, {run.existing} already open"
    )


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    screen = group("screen")

    @screen.command("orders")
    def screen_orders(
        input: Annotated[
            Path, typer.Argument(help="Order lines CSV (order_id required); - = stdin")
        ],
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="Output CSV (default: stdout)")
        ] = None,
        threshold: Annotated[
            float | None,
            typer.Option(min=0.0, max=1.0, help="Party screening threshold (default from config)"),
        ] = None,
        config_file: Annotated[
            Path | None,
            typer.Option("--config", help="JSON overriding the defaults (hub countries, bands...)"),
        ] = None,
        hub_countries: Annotated[
            str | None,
            typer.Option(help="Transshipment-risk countries, comma-separated (replaces the set)"),
        ] = None,
        chpl: Annotated[
            Path | None, typer.Option(help="CHPL table CSV (else the loaded one)")
        ] = None,
        hs_nomenclature: Annotated[Path | None, typer.Option(help="HS nomenclature CSV")] = None,
        components: Annotated[
            Path | None, typer.Option(help="Drone components CSV (else the loaded one)")
        ] = None,
        ownership: Annotated[
            list[Path] | None,
            typer.Option(help="Ownership edges (CSV/FtM), added to the loaded graph"),
        ] = None,
        history: Annotated[
            Path | None, typer.Option(help="Past orders CSV (customer,quantity,unit_price)")
        ] = None,
        reshippers: Annotated[
            Path | None, typer.Option(help="Known forwarders/reshippers: names, one a line")
        ] = None,
        sez: Annotated[Path | None, typer.Option(help="SEZ address watch list JSON")] = None,
        no_lists: Annotated[
            bool, typer.Option("--no-lists", help="Do not screen parties against lists")
        ] = False,
        workers: Annotated[int, typer.Option(help="Processes for party screening")] = 0,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output")] = False,
        record: Annotated[
            bool,
            typer.Option(
                "--record", help="Record the run; order parties in the review band become alerts"
            ),
        ] = False,
        db: Annotated[str, typer.Option("--db", help="Review store for --record")] = "",
    ) -> None:
        """Screen order lines: parties, goods (CHPL, drone components) and route."""
        from counterflow.orders.screen import screen_file

        cfg = _config(config_file, sez, reshippers, threshold, hub_countries)
        with ExitStack() as cleanup:
            screener = None if no_lists else _party_screener(cleanup, quiet)
            engine = _engine(
                cfg,
                screener,
                chpl=chpl,
                hs_nomenclature=hs_nomenclature,
                components=components,
                ownership=list(ownership or []),
                history=history,
                workers=workers,
            )
            if screener is None and not no_lists:
                err_console.print("warning: no lists loaded; parties are not screened")
            if record and str(input) == "-":  # kept for a second pass and the input digest
                input = stdin_copy(cleanup, "orders.csv")
            with make_progress(quiet) as progress:
                task = progress.add_task("screening orders", total=None)

                def tick(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                summary = screen_file(input, output if output else "-", engine, progress=tick)
            if not quiet or summary.rejected or summary.problems:
                err_console.print(summary.describe(), highlight=False, markup=False)
            if record:
                _record(input, db, engine, summary, cfg.party_threshold)
        if summary.screened == 0 and summary.lines > 0:
            raise CounterflowError("no line could be screened")
