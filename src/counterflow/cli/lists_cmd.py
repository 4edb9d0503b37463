"""``counterflow lists ...``: load, update, status, diff, show, issues, versions.

Results go to stdout (tables, or JSON with ``--json``); progress and errors to stderr.
Exit codes: 0 done, 1 bad input (nothing loadable, unknown dataset/version, download
failed), 2 usage error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from counterflow.cli.common import cli_actor, err_console, make_progress, out_console
from counterflow.errors import BadInputError
from counterflow.lists.base import LoadIssue
from counterflow.records.model import RECORD_KINDS, Party
from counterflow.store import ListStore, SnapshotInfo
from counterflow.store.loader import (
    GroupOutcome,
    Guard,
    LoadReport,
    RecordsProgress,
    Stage,
    load_paths,
)
from counterflow.store.staleness import ListAge, list_ages, max_age_days

FIRST_ISSUES = 5  # issues listed per dataset after a load; the rest are counted

ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Load even a publication older than the one in force or with sharply fewer "
        "records (the reason is recorded with the snapshot and in the audit trail).",
    ),
]
MaxShrinkOpt = Annotated[
    float | None,
    typer.Option(
        "--max-shrink",
        help="Refuse a publication with more than this fraction fewer records than the one "
        "in force (default 0.2, or $COUNTERFLOW_MAX_SHRINK).",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@contextmanager
def _progress(quiet: bool) -> Iterator[tuple[Stage, RecordsProgress]]:
    """A progress bar on stderr: a line per stage, a bar over the records being stored."""
    with make_progress(quiet) as bar:
        task = bar.add_task("starting", total=None)

        def stage(text: str) -> None:
            # a new task per stage: rich's update() cannot clear a total, and the last
            # dataset's total must not show beside the next one ("0/442")
            nonlocal task
            bar.remove_task(task)
            task = bar.add_task(escape(text), total=None)

        def records(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield stage, records


def _say(text: str) -> None:
    """A result line on stdout, never hard-wrapped (scripts grep it)."""
    out_console.print(text, highlight=False, soft_wrap=True)


def _err(text: str) -> None:
    err_console.print(text, highlight=False, soft_wrap=True)


def _table(t: Table) -> None:
    # Off a terminal rich would squeeze tables into 80 columns; give them room.
    if out_console.is_terminal:
        out_console.print(t)
    else:
        Console(width=200).print(t)


def _n(x: int) -> str:
    return f"{x:,}"


def _kinds(by_kind: dict[str, int]) -> str:
    return ", ".join(f"{_n(by_kind.get(k, 0))} {k}" for k in RECORD_KINDS if by_kind.get(k, 0))


def _print_issues(issues: Sequence[LoadIssue], total: int, dataset: str) -> None:
    for i in issues[:FIRST_ISSUES]:
        _say(f"    {escape(i.describe())}")
    if total > FIRST_ISSUES:
        _say(f"    … and {_n(total - FIRST_ISSUES)} more (counterflow lists issues {dataset})")


def _print_outcome(o: GroupOutcome) -> None:
    files = ", ".join(p.name for p in o.files)
    if o.superseded:
        _say(f"[dim]note: {escape(o.note or '')}[/dim]")
        return
    if not o.ok or o.info is None:
        _err(f"[red]error:[/red] {escape(o.error or 'not loaded')}")
        return
    info = o.info
    state = "unchanged (same files, same content: nothing written)" if info.unchanged else "loaded"
    _say(
        f"[bold]{info.dataset}[/bold] {escape(info.version)}: {state} "
        f"(snapshot #{info.snapshot_id}, {escape(info.format)}: {escape(files)})"
    )
    _say(f"  {_n(info.records)} records: {_kinds(info.by_kind)}")
    if o.note:
        _say(f"  [yellow]note:[/yellow] {escape(o.note)}")
    counted = info.skipped + info.orphaned + info.warnings
    if counted:
        _say(
            f"  {_n(info.skipped)} skipped, {_n(info.orphaned)} orphaned, "
            f"{_n(info.warnings)} warnings"
        )
        # Problems first (skipped, orphaned), then warnings.
        ordered = sorted(o.issues, key=lambda i: i.severity == "warning")
        _print_issues(ordered, len(ordered), info.dataset)


def _print_report(report: LoadReport, quiet: bool) -> None:
    if not quiet:
        for o in report.outcomes:
            if o.ok:
                _print_outcome(o)
        if report.groups:
            _say(
                f"listed entities: {_n(report.groups)} groups join "
                f"{_n(report.grouped_records)} records of different lists (one alert each)"
            )
        for folder in report.skipped_folders:
            _err(
                f"[dim]note: folder {escape(str(folder))} not searched "
                "(folders are read one level deep)[/dim]"
            )
    for u in report.unrecognised:
        if u.explicit:
            _err(f"[red]error:[/red] {escape(u.describe())}")
        elif not quiet:
            _err(f"[yellow]note:[/yellow] {escape(u.describe())} (not loaded)")
    for o in report.failed:
        _print_outcome(o)


def _guard(force: bool, max_shrink: float | None) -> Guard:
    if max_shrink is not None and not 0.0 <= max_shrink <= 1.0:
        raise typer.BadParameter("must be within 0..1", param_hint="--max-shrink")
    return Guard(force=force) if max_shrink is None else Guard(force, max_shrink)


def _record_forced(report: LoadReport) -> None:
    """A forced load goes on the review record too (the audit trail), not only in the
    snapshot's issues."""
    forced = [o for o in report.loaded if (o.note or "").startswith("loaded with --force")]
    if not forced:
        return
    from counterflow.review.store import ReviewStore

    review = ReviewStore.open()
    try:
        for o in forced:
            assert o.info is not None
            review.log(
                cli_actor(),
                "list.update",
                f"lists:{o.info.dataset}",
                {
                    "forced": True,
                    "dataset": o.info.dataset,
                    "version": o.info.version,
                    "records": o.info.records,
                    "snapshot_id": o.info.snapshot_id,
                    "why": o.note,
                },
            )
    finally:
        review.close()


def load(
    paths: Annotated[
        list[Path], typer.Argument(help="List files or folders (format sniffed from content).")
    ],
    dataset: Annotated[
        str | None,
        typer.Option("--dataset", help="Load under this dataset code (one publication only)."),
    ] = None,
    force: ForceOpt = False,
    max_shrink: MaxShrinkOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Load list files into the store, each publication as a new versioned snapshot.
    A publication older than the one in force, or with more than --max-shrink fewer
    records, is refused (exit 1) unless --force."""
    guard = _guard(force, max_shrink)
    with ListStore.open() as store, _progress(quiet) as (stage, records):
        report = load_paths(
            paths, store, dataset=dataset, on_stage=stage, on_records=records, guard=guard
        )
    _record_forced(report)
    _print_report(report, quiet)
    if not report.outcomes:
        named = ", ".join(str(p) for p in paths)
        raise BadInputError(
            "nothing loadable: no file is a list format Counterflow recognises"
            + (f" ({len(report.unrecognised)} files looked at)" if report.unrecognised else ""),
            file=named,
        )
    if report.exit_code:
        raise typer.Exit(1)


def update(
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", help="Only this dataset (repeatable). Default: all."),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per request before giving up.")] = 60.0,
    retries: Annotated[int, typer.Option(help="Retries per file on transient errors.")] = 3,
    force: ForceOpt = False,
    max_shrink: MaxShrinkOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Download the official publications and load them (the store changes only for
    datasets whose every file arrived and parsed)."""
    if timeout <= 0:
        raise typer.BadParameter("must be positive", param_hint="--timeout")
    if retries < 0:
        raise typer.BadParameter("must be 0 or more", param_hint="--retries")
    guard = _guard(force, max_shrink)
    with ListStore.open() as store, _progress(quiet) as (stage, records):
        from counterflow.store.update import update as run_update  # httpx: ~60 ms

        results = run_update(
            store,
            dataset,
            timeout=timeout,
            retries=retries,
            on_stage=stage,
            on_records=records,
            guard=guard,
        )
    failed = False
    for r in results:
        if r.error:
            failed = True
            _err(f"[red]error:[/red] {escape(r.error)}")
        if r.load is not None:
            _record_forced(r.load)
            _print_report(r.load, quiet)
            failed = failed or r.load.exit_code != 0
    if failed:
        raise typer.Exit(1)


def _status_table(infos: Sequence[SnapshotInfo], ages: dict[str, ListAge]) -> Table:
    t = Table(title="Loaded lists", title_justify="left")
    t.add_column("dataset")
    t.add_column("version")
    t.add_column("records", justify="right")
    for k in RECORD_KINDS:
        t.add_column(k, justify="right")
    t.add_column("skipped", justify="right")
    t.add_column("orphaned", justify="right")
    t.add_column("warnings", justify="right")
    t.add_column("loaded at (UTC)")
    t.add_column("age (days)", justify="right")
    for i in infos:
        age = ages[i.dataset]
        t.add_row(
            i.dataset,
            i.version,
            _n(i.records),
            *(_n(i.by_kind.get(k, 0)) for k in RECORD_KINDS),
            _n(i.skipped),
            _n(i.orphaned),
            _n(i.warnings),
            i.loaded_at.replace("T", " ").rstrip("Z"),
            f"[bold red]{age.age_days:,.0f} STALE[/]" if age.stale else f"{age.age_days:,.0f}",
        )
    return t


def status(
    as_json: JsonOpt = False,
    max_age: Annotated[
        float | None,
        typer.Option(
            "--max-age",
            help="Days a list in force may be old before it is stale "
            "(default $COUNTERFLOW_MAX_LIST_AGE_DAYS or 30; 0 = off).",
        ),
    ] = None,
    fail_stale: Annotated[
        bool, typer.Option("--fail-stale", help="Exit 1 when a list in force is stale.")
    ] = False,
) -> None:
    """The list version in force per dataset: records by kind, skipped, orphaned, age;
    a list older than the allowed age is reported STALE."""
    allowed = max_age_days(max_age)
    with ListStore.open() as store:
        infos = store.status()
        ages = {a.dataset: a for a in list_ages(infos, allowed)}
        stale = [a for a in ages.values() if a.stale]
        if as_json:
            rows = []
            for i in infos:
                d = i.to_dict()
                d["age_days"] = ages[i.dataset].age_days
                d["stale"] = ages[i.dataset].stale
                d["max_age_days"] = allowed
                d["first_issues"] = [
                    {"file": x.file, "line": x.line, "field": x.field, "reason": x.reason,
                     "severity": x.severity}
                    for x in store.issues(i.snapshot_id, limit=FIRST_ISSUES, problems_first=True)
                ]  # fmt: skip
                rows.append(d)
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        elif not infos:
            _say("no lists loaded yet: counterflow lists load PATH or lists update")
            return
        else:
            _table(_status_table(infos, ages))
            for i in infos:
                if i.skipped or i.orphaned:
                    first = store.issues(i.snapshot_id, limit=1, problems_first=True)
                    hint = f" — first: {escape(first[0].describe())}" if first else ""
                    _say(
                        f"{i.dataset}: {_n(i.skipped)} skipped, {_n(i.orphaned)} orphaned"
                        f"{hint} (counterflow lists issues {i.dataset})"
                    )
    for a in stale:
        err_console.print(
            f"[bold red]STALE[/]: {escape(a.describe(allowed))}; "
            "update it (counterflow lists update / lists load)",
            highlight=False,
        )
    if stale and fail_stale:
        raise typer.Exit(1)


def _one_line(p: Party) -> str:
    return f"{p.source_id}  {p.name}  ({p.kind})"


def diff(
    dataset: Annotated[str, typer.Argument(help="Dataset code, e.g. us_ofac_sdn.")],
    old: Annotated[
        str | None,
        typer.Argument(help="Old version or #snapshot (default: the one before NEW)."),
    ] = None,
    new: Annotated[
        str | None, typer.Argument(help="New version or #snapshot (default: in force).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Records added, removed and changed (same id, different content) between versions."""
    from counterflow.store.diff import changed_fields

    with ListStore.open() as store:
        d = store.diff(dataset, old, new)
    if as_json:
        typer.echo(json.dumps(d.to_dict(), ensure_ascii=False, indent=2))
        return
    for p in d.added:
        _say(f"[green]+[/green] {escape(_one_line(p))}")
    for p in d.removed:
        _say(f"[red]-[/red] {escape(_one_line(p))}")
    for a, b in d.changed:
        what = ", ".join(changed_fields(a, b))
        _say(f"[yellow]~[/yellow] {escape(_one_line(b))}: {what}")
    _say(d.summary())


def _party_table(p: Party) -> Table:
    t = Table(title=f"{p.dataset}:{p.source_id}", show_header=False, title_justify="left")
    t.add_column("field", style="bold")
    t.add_column("value")

    def row(label: str, values: Sequence[Any]) -> None:
        if values:
            t.add_row(label, escape("\n".join(str(v) for v in values)))

    row("name", [p.name])
    row("kind", [p.kind])
    row(
        "aliases",
        [
            a.name + (f"  [{a.strength}]" if a.strength != "strong" else "")
            + (f"  ({a.script})" if a.script else "")
            for a in p.aliases
        ],
    )  # fmt: skip
    row("birth dates", [b.value + (" (circa)" if b.circa else "") for b in p.birth_dates])
    row("birth places", p.birth_places)
    row("gender", [p.gender] if p.gender else [])
    row("titles", p.titles)
    row("countries", [f"{c.code} ({c.role})" for c in p.countries])
    row(
        "identifiers",
        [
            f"{i.scheme}: {i.value}" + (f" [{i.country}]" if i.country else "")
            + (f" — {i.label}" if i.label and i.label != i.scheme else "")
            for i in p.identifiers
        ],
    )  # fmt: skip
    row("addresses", p.addresses)
    row("programmes", p.programs)
    row("listed on", [p.listed_on] if p.listed_on else [])
    row("linked to", p.links)
    for k, v in sorted(p.properties.items()):
        row(k, v)
    row("remarks", [p.remarks] if p.remarks else [])
    return t


def show(
    source_id: Annotated[str, typer.Argument(help="The list's own id, e.g. 36 or QDi.001.")],
    dataset: Annotated[str | None, typer.Option("--dataset", help="Only this dataset.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the record(s) with this source id from the lists in force."""
    with ListStore.open() as store:
        found = store.get(source_id, dataset)
    if not found:
        where = f" in {dataset}" if dataset else " in any loaded list"
        raise BadInputError(f"no record with source id {source_id!r}{where}", field="source_id")
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in found], ensure_ascii=False, indent=2))
        return
    for p in found:
        _table(_party_table(p))


def issues(
    dataset: Annotated[str, typer.Argument(help="Dataset code.")],
    version: Annotated[
        str | None, typer.Argument(help="Version or #snapshot (default: in force).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every row skipped, orphaned or warned about when the version was loaded."""
    with ListStore.open() as store:
        info = store.resolve(dataset, version)
        found = store.issues(info.snapshot_id)
    if as_json:
        rows = [
            {"file": i.file, "line": i.line, "field": i.field, "reason": i.reason,
             "severity": i.severity}
            for i in found
        ]  # fmt: skip
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for i in found:
        _say(escape(i.describe()))
    _say(
        f"{dataset} {info.version}: {_n(info.skipped)} skipped, {_n(info.orphaned)} orphaned, "
        f"{_n(info.warnings)} warnings"
    )


def versions(
    dataset: Annotated[str, typer.Argument(help="Dataset code.")],
    as_json: JsonOpt = False,
) -> None:
    """Every stored version (snapshot) of a dataset, oldest first; * marks the one in force."""
    with ListStore.open() as store:
        found = store.versions(dataset)
    if not found:
        raise BadInputError(f"dataset {dataset!r} is not loaded", field="dataset")
    if as_json:
        typer.echo(
            json.dumps(
                [dict(v.to_dict(), active=v.active) for v in found], ensure_ascii=False, indent=2
            )
        )
        return
    for v in found:
        mark = "*" if v.active else " "
        _say(
            f"{mark} #{v.snapshot_id}  {v.version}  {_n(v.records)} records  "
            f"loaded {v.loaded_at}  sha256 {v.sha256[:16]}…"
        )


def prune(
    keep: Annotated[int, typer.Option(help="Snapshots to keep per dataset.")] = 5,
    dataset: Annotated[str | None, typer.Option("--dataset", help="Only this dataset.")] = None,
) -> None:
    """Delete old snapshots (never the one in force) to keep the store small."""
    if keep < 1:
        raise typer.BadParameter("must be at least 1", param_hint="--keep")
    with ListStore.open() as store:
        n = store.prune(keep, dataset)
    out_console.print(f"deleted {n} old snapshot{'s' if n != 1 else ''}")


COMMANDS: dict[str, Callable[..., None]] = {
    "load": load,
    "update": update,
    "status": status,
    "diff": diff,
    "show": show,
    "issues": issues,
    "versions": versions,
    "prune": prune,
}


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    app = group("lists")
    for name, fn in COMMANDS.items():
        app.command(name)(fn)
