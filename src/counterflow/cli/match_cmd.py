"""CLI: ``counterflow match pairs PAIRS.csv -o OUTPUT.csv`` — the screening name scorer
on name pairs (see ../shared/INTERFACES.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from counterflow.cli.common import err_console, make_progress, open_output


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    match = group("match")

    @match.command("pairs")
    def match_pairs(
        pairs: Annotated[Path, typer.Argument(help="CSV with id,name1,name2 (+kind)")],
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="Output CSV (default: stdout)")
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """Score each pair of names: id,score,explanation."""
        from counterflow.csvout import guarded_writer
        from counterflow.match.csvio import ReadStats
        from counterflow.match.pairs import iter_pairs

        stats = ReadStats()
        rows = iter_pairs(pairs, stats)
        first = next(rows, None)  # fail on a bad header before creating the output
        out_ctx: Any = open_output(output) if output else nullcontext(sys.stdout)
        with out_ctx as fh, make_progress(quiet) as progress:
            task = progress.add_task("scoring pairs", total=None)
            w = guarded_writer(fh, lineterminator="\r\n")
            w.writerow(["id", "score", "explanation"])
            if first is not None:
                for pid, score, expl in [first]:
                    w.writerow([pid, f"{score:.4f}", expl])
                for pid, score, expl in rows:
                    w.writerow([pid, f"{score:.4f}", expl])
                    progress.advance(task)
        if not quiet:
            err_console.print(f"scored {stats.rows:,} pairs" + (f" -> {output}" if output else ""))
        for code, n in stats.warnings.items():
            err_console.print(
                f"warning: {pairs}: {n:,} rows with {code} (first: {stats.examples[code]})",
                highlight=False,
                markup=False,
            )
