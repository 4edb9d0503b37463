"""CLI: ``counterflow screen parties`` (batch CSV) and ``counterflow screen name`` (one
query, printed as a table). See ../shared/INTERFACES.md and docs/screening.md."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from counterflow.cli.common import (
    cli_actor,
    err_console,
    make_progress,
    open_output,
    out_console,
    stdin_copy,
)
from counterflow.errors import BadInputError, UsageError

if TYPE_CHECKING:
    from counterflow.match.loaded import LoadedScreener
    from counterflow.match.types import Query


def _count_lines(path: Path) -> int | None:
    try:
        if path.stat().st_size > 2_000_000_000:
            return None
        with open(path, "rb") as fh:
            return max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1, 0
            )
    except OSError:
        return None


def _default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    screen = group("screen")

    @screen.command("parties")
    def screen_parties(
        input: Annotated[
            Path,
            typer.Argument(
                help="CSV with id,name (+kind,country,birth_date,identifiers,address); - = stdin"
            ),
        ],
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="Output CSV (default: stdout)")
        ] = None,
        threshold: Annotated[
            float | None,
            typer.Option(
                min=0.0,
                max=1.0,
                help="Report hits with score >= T (0..1); default: the review band",
            ),
        ] = None,
        limit: Annotated[int, typer.Option(min=1, help="At most K hits per query")] = 10,
        workers: Annotated[
            int, typer.Option(help="Processes (default: 2 or the CPU count if less)")
        ] = 0,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output")] = False,
        record: Annotated[
            bool, typer.Option("--record", help="Record the run; raise alerts for review")
        ] = False,
        db: Annotated[str, typer.Option("--db", help="Review store for --record")] = "",
        engine: Annotated[
            str, typer.Option("--engine", help="local (default) or spark (CSV/Parquet in and out)")
        ] = "local",
        master: Annotated[
            str | None, typer.Option("--master", help="Spark master URL (--engine spark)")
        ] = None,
        partitions: Annotated[
            int, typer.Option("--partitions", help="Spark screening tasks (default: cores x 4)")
        ] = 0,
        rejects: Annotated[
            str | None,
            typer.Option("--rejects", help="Spark: rejects CSV (default OUTPUT.rejects.csv)"),
        ] = None,
        index_path: Annotated[
            str | None,
            typer.Option("--index-path", help="Spark: the index folder on shared storage"),
        ] = None,
    ) -> None:
        """Screen every row of a CSV of parties against all loaded lists."""
        from counterflow.match.bands import REVIEW

        if threshold is None:
            threshold = REVIEW
        if engine not in ("local", "spark"):
            raise UsageError(f"--engine must be local or spark, not {engine!r}")
        if engine == "spark":
            if record:
                raise UsageError("--record is not available with --engine spark")
            _screen_spark(
                str(input), output, threshold, limit, master, partitions, rejects, index_path, quiet
            )
            return
        cleanup = ExitStack()
        if str(input) == "-":
            input = stdin_copy(cleanup, "parties.csv")
        with cleanup:
            _screen_parties_file(input, output, threshold, limit, workers, quiet, record, db)

    @screen.command("name")
    def screen_name(
        name: Annotated[str, typer.Argument(help="The name to screen, any script")],
        dob: Annotated[str | None, typer.Option("--dob", help="Birth date YYYY[-MM[-DD]]")] = None,
        country: Annotated[
            list[str] | None, typer.Option("--country", help="Country (repeatable)")
        ] = None,
        kind: Annotated[
            str, typer.Option("--kind", help="person|organization|vessel|aircraft|any")
        ] = "any",
        ident: Annotated[
            list[str] | None, typer.Option("--id", help="Identifier, e.g. IMO9253325 (repeatable)")
        ] = None,
        address: Annotated[str | None, typer.Option("--address")] = None,
        threshold: Annotated[
            float, typer.Option(min=0.0, max=1.0, help="Show hits with score >= T")
        ] = 0.5,
        limit: Annotated[int, typer.Option(min=1, help="At most K hits")] = 10,
    ) -> None:
        """Screen one name and print the hits as a table."""
        from counterflow.match.csvio import birth_date_problem, parse_kind
        from counterflow.match.types import Query
        from counterflow.records.countries import to_iso2

        qkind = parse_kind(kind)
        if qkind is None:
            raise UsageError(
                f"--kind must be person, organization, vessel, aircraft or any, not {kind!r}"
            )
        if dob is not None and (problem := birth_date_problem(dob.strip(), qkind)):
            raise BadInputError(problem, field="--dob")
        codes: list[str] = []
        for c in country or []:
            code = to_iso2(c)
            if code is None:
                raise BadInputError(f"unknown country {c!r}", field="--country")
            codes.append(code)
        query = Query(
            id="1",
            name=name,
            kind=qkind,
            countries=codes,
            birth_dates=[dob.strip()] if dob and dob.strip() else [],
            identifiers=list(ident or []),
            address=address,
        )
        from counterflow.match.loaded import open_loaded

        with open_loaded() as loaded:
            hits = loaded.screener.screen(
                query, threshold=threshold, limit=limit, attach_party=False
            )
        if not hits:
            out_console.print(f"no hits at or above {threshold:.2f} for {name!r}", markup=False)
            return
        table = Table(title=f"Hits for {name!r}", show_lines=True)
        for col in (
            "#",
            "score",
            "decision",
            "dataset",
            "source id",
            "listed name",
            "matched name",
            "kind",
            "why",
        ):
            table.add_column(col, overflow="fold")
        style = {"match": "bold red", "review": "yellow", "clear": "green"}
        for i, h in enumerate(hits, 1):
            table.add_row(
                str(i),
                f"{h.score:.2f}",
                f"[{style[h.decision]}]{h.decision}[/]",
                h.dataset,
                h.source_id,
                _plain(h.entity_name),
                _plain(h.matched_name),
                h.kind,
                _plain(h.explanation),
            )
        out_console.print(table)


def _screen_parties_file(
    input: Path,
    output: Path | None,
    threshold: float,
    limit: int,
    workers: int,
    quiet: bool,
    record: bool,
    db: str,
) -> None:
    """The local engine: read the queries, open the screener, write the hits, record the
    run when asked, then report the rows that carried warnings."""
    from counterflow.match.csvio import ReadStats, read_queries
    from counterflow.match.loaded import open_loaded

    stats = ReadStats()
    extra_cols, queries = read_queries(input, stats)
    with open_loaded(None if quiet else err_console.print) as loaded:
        rec = _recorder(input, db, threshold, limit) if record else None
        hits_total, alerts = _write_hits(
            loaded,
            queries,
            extra_cols,
            output,
            threshold=threshold,
            limit=limit,
            workers=workers or _default_workers(),
            total=_count_lines(input),
            quiet=quiet,
            rec=rec,
        )
        if not quiet:
            err_console.print(
                f"screened {stats.rows:,} rows: {hits_total:,} hits ({alerts:,} match/review)"
                + (f" -> {output}" if output else "")
            )
        if rec is not None:
            run = rec.finish(loaded.store)
            err_console.print(
                f"recorded run #{run.run_id}: {len(run.alerts)} new alerts, "
                f"{run.suppressed} suppressed by the allow-list, {run.existing} already open"
            )
    _report_warnings(input, stats)


def _recorder(input: Path, db: str, threshold: float, limit: int) -> Any:
    """A ``review.recording.Recorder`` on the review store ``db`` (default: the local one)."""
    from counterflow.review.recording import Recorder
    from counterflow.review.store import ReviewStore

    return Recorder(
        ReviewStore.open(db or None),
        actor=cli_actor(),
        settings={"threshold": threshold, "limit": limit},
        input_path=input,
    )


def _write_hits(
    loaded: LoadedScreener,
    queries: Iterable[Query],
    extra_cols: list[str],
    output: Path | None,
    *,
    threshold: float,
    limit: int,
    workers: int,
    total: int | None,
    quiet: bool,
    rec: Any,
) -> tuple[int, int]:
    """Screen the queries and write one row per hit (INTERFACES.md); (hits, match/review)."""
    from counterflow.csvout import guarded_writer
    from counterflow.match.csvio import HIT_COLUMNS, hit_row

    groups = loaded.store.entity_groups()
    out_ctx: Any = open_output(output) if output else nullcontext(sys.stdout)
    hits_total = 0
    alerts = 0
    with out_ctx as fh, make_progress(quiet) as progress:
        task = progress.add_task("screening", total=total)
        writer = guarded_writer(fh, lineterminator="\r\n")
        writer.writerow([*HIT_COLUMNS, *extra_cols])
        for query, hits in loaded.screener.screen_stream(
            queries, threshold=threshold, limit=limit, workers=workers
        ):
            passthru = [query.extra.get(c, "") for c in extra_cols]
            for rank, h in enumerate(hits, 1):
                writer.writerow([*hit_row(h, rank, groups.group_of(h.entity_id)), *passthru])
                hits_total += 1
                alerts += h.decision != "clear"
            if rec is not None:
                rec.add(query, hits)
            progress.advance(task)
    return hits_total, alerts


def _report_warnings(input: Path, stats: Any) -> None:
    for code, n in stats.warnings.items():
        err_console.print(
            f"warning: {input}: {n:,} rows with {code} (first: {stats.examples[code]})",
            highlight=False,
            markup=False,
        )


def _screen_spark(
    input: str,
    output: Path | None,
    threshold: float,
    limit: int,
    master: str | None,
    partitions: int,
    rejects: str | None,
    index_path: str | None,
    quiet: bool,
) -> None:
    """``--engine spark``: see counterflow.spark.jobs and docs/spark.md."""
    from counterflow.spark.jobs import screen_parties_job

    if not quiet:
        err_console.print(f"screening on Spark ({master or 'local[*]'})...", highlight=False)
    s = screen_parties_job(
        input,
        str(output) if output else None,
        threshold=threshold,
        limit=limit,
        master=master,
        partitions=partitions or None,
        rejects=rejects,
        index_path=index_path,
    )
    if not quiet:
        err_console.print(
            f"{s.hits:,} hits ({s.alerts:,} match/review)"
            + (f" -> {output}" if output else "")
            + f"; lists: {s.versions}",
            highlight=False,
            markup=False,
        )
    for problem, n in sorted(s.by_problem.items()):
        err_console.print(
            f"warning: {input}: {n:,} rows with {problem} (file, line, field in {s.rejects_path})",
            highlight=False,
            markup=False,
        )


def _plain(text: str) -> str:
    from rich.markup import escape

    return escape(text)
