"""CLI: ``counterflow goods load|status|hs|part|describe`` — load the goods tables into
``COUNTERFLOW_HOME/goods`` and look codes, parts and descriptions up."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from counterflow.cli.common import err_console
from counterflow.errors import BadInputError


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    goods = group("goods")

    @goods.command("load")
    def goods_load(
        paths: Annotated[
            list[Path], typer.Argument(help="CHPL, HS nomenclature or components CSVs")
        ],
    ) -> None:
        """Check and copy goods tables into COUNTERFLOW_HOME/goods (kind from the header)."""
        from counterflow.goods.tables import install_table

        for p in paths:
            kind, dest, rows = install_table(p)
            typer.echo(f"{kind}: {rows} rows from {p} -> {dest}")

    @goods.command("status")
    def goods_status(
        as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
    ) -> None:
        """Which goods tables are in use (explicit env var or loaded copy)."""
        from counterflow.goods.tables import ENV_VARS, TABLE_KINDS, table_path

        rows = []
        for kind in TABLE_KINDS:
            p = table_path(kind)
            rows.append({"table": kind, "path": str(p) if p else None, "env": ENV_VARS[kind]})
        if as_json:
            typer.echo(json.dumps(rows))
            return
        for r in rows:
            typer.echo(f"{r['table']:<11} {r['path'] or '(not loaded)'}")

    @goods.command("hs")
    def goods_hs(
        codes: Annotated[list[str], typer.Argument(help="HS codes in any shape: 8542.31, 854231")],
        chpl: Annotated[Path | None, typer.Option(help="CHPL table CSV")] = None,
        hs_nomenclature: Annotated[Path | None, typer.Option(help="HS nomenclature CSV")] = None,
    ) -> None:
        """Parse HS codes: HS-6, heading, chapter, CHPL tier and description."""
        from counterflow.goods.hs import HsCodeError, parse_hs
        from counterflow.goods.loaded import open_chpl, open_hs_names

        table = open_chpl(chpl, hs_nomenclature)
        names = open_hs_names(hs_nomenclature)
        bad = 0
        for raw in codes:
            try:
                hs = parse_hs(raw)
            except HsCodeError as exc:
                err_console.print(f"{raw}: {exc.reason}", highlight=False)
                bad += 1
                continue
            entry = table.lookup(hs) if table else None
            tier = entry.tier if entry else ("not on CHPL" if table else "(no CHPL table loaded)")
            desc = names.get(hs.hs6 or hs.heading or hs.chapter, "") or (
                entry.description if entry else ""
            )
            typer.echo(
                f"{raw}\ths6={hs.hs6 or '-'}\theading={hs.heading or '-'}\tchapter={hs.chapter}"
                f"\t{tier}\t{desc}"
            )
        if bad:
            raise BadInputError(f"{bad} HS code(s) could not be read")

    @goods.command("part")
    def goods_part(
        parts: Annotated[list[str], typer.Argument(help="Part numbers, distributor style welcome")],
        manufacturer: Annotated[str | None, typer.Option("--manufacturer", "-m")] = None,
        components: Annotated[Path | None, typer.Option(help="Components CSV")] = None,
        limit: Annotated[int, typer.Option(help="Matches per part")] = 3,
    ) -> None:
        """Match part numbers against the loaded drone-component table."""
        from counterflow.goods.loaded import open_components
        from counterflow.goods.parts import normalise_part

        table = open_components(components)
        if table is None:
            raise BadInputError(
                "no component table: run `counterflow goods load COMPONENTS.csv` "
                "or pass --components"
            )
        for p in parts:
            matches = table.match(p, manufacturer, limit=limit)
            if not matches:
                typer.echo(f"{p}\t{normalise_part(p)}\tno match")
            for m in matches:
                typer.echo(f"{p}\t{m.normalised}\t{m.level}\t{m.score:.2f}\t{m.explanation()}")

    @goods.command("describe")
    def goods_describe(
        text: Annotated[str, typer.Argument(help="Free-text item description")],
        chpl: Annotated[Path | None, typer.Option(help="CHPL table CSV")] = None,
    ) -> None:
        """Likely HS headings for a description (a hint, not a classification)."""
        from counterflow.goods.describe import hint_headings
        from counterflow.goods.loaded import open_chpl

        table = open_chpl(chpl)
        hints = hint_headings(text)
        if not hints:
            typer.echo("no hint")
        for h in hints:
            entry = table.lookup(h.hs6) if table else None
            tier = entry.tier if entry else "-"
            typer.echo(f"{h.dotted}\t{h.weight:.2f}\t{tier}\tfrom: {' '.join(h.words)}")
