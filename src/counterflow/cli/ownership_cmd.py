"""CLI: ``counterflow ownership load EDGES...`` and ``counterflow ownership check NAME|ID``
(the 50 % rule with the chains that explain it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from counterflow.cli.common import err_console
from counterflow.errors import BadInputError


def _listed_for(
    graph: Any, nodes: set[str], listed_file: Path | None, threshold: float
) -> dict[str, str]:
    """Which of ``nodes`` are listed: by --listed FILE (names/ids) and by the loaded lists."""
    from counterflow.orders.settings import load_name_list
    from counterflow.ownership.graph import normalise_key

    listed: dict[str, str] = {}
    if listed_file is not None:
        names = load_name_list(listed_file)
        raw = {x.strip() for x in listed_file.read_text("utf-8").splitlines() if x.strip()}
        for n in nodes:
            if n in raw or normalise_key(graph.name(n)) in names:
                listed[n] = f"in {listed_file.name}"
    from counterflow.match.loaded import NoListsLoaded, open_loaded
    from counterflow.match.types import Query

    try:
        loaded = open_loaded()
    except NoListsLoaded:
        return listed  # only --listed FILE then
    with loaded:
        for n in nodes:
            if n in listed:
                continue
            if loaded.store.get(n):
                listed[n] = f"list entry {n}"
                continue
            hits = [  # vessels and aircraft do not own companies
                h
                for h in loaded.screener.screen(
                    Query(id=n, name=graph.name(n)), threshold=threshold, limit=5
                )
                if h.kind not in ("vessel", "aircraft")
            ]
            if hits and hits[0].decision == "match":
                h = hits[0]
                listed[n] = f"{h.entity_name} ({h.dataset}, score {h.score:.2f})"
    return listed


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    own = group("ownership")

    @own.command("load")
    def ownership_load(
        paths: Annotated[
            list[Path], typer.Argument(help="owner,owned,percent[,source] CSV or FtM JSON")
        ],
        append: Annotated[
            bool, typer.Option(help="Add to the loaded graph instead of replacing")
        ] = False,
    ) -> None:
        """Check ownership edges and keep them under COUNTERFLOW_HOME/ownership."""
        from counterflow.ownership.graph import load_any
        from counterflow.ownership.saved import save_sources

        graph = load_any(paths)  # raises on unreadable files before anything is replaced
        save_sources(paths, append=append)
        typer.echo(f"{graph.edge_count} edges, {len(graph)} entities loaded")
        kinds: dict[str, int] = {}
        for issue in graph.issues:
            kinds[issue.kind] = kinds.get(issue.kind, 0) + 1
        for kind, n in sorted(kinds.items()):
            err_console.print(f"{kind}: {n}", highlight=False)
        for issue in [i for i in graph.issues if i.kind != "unknown_percent"][:20]:
            err_console.print(issue.describe(), highlight=False, markup=False)

    @own.command("check")
    def ownership_check(
        entity: Annotated[str, typer.Argument(help="Entity name or id")],
        edges: Annotated[
            list[Path] | None, typer.Option(help="Edge files (else the loaded graph)")
        ] = None,
        listed: Annotated[
            Path | None, typer.Option(help="Names/ids to treat as listed, one a line")
        ] = None,
        threshold: Annotated[
            float, typer.Option(min=0.0, max=1.0, help="Name screening threshold")
        ] = 0.7,
    ) -> None:
        """Aggregated stake of listed parties in ENTITY, with the chains (50 % rule)."""
        from counterflow.ownership.graph import load_any
        from counterflow.ownership.saved import open_saved
        from counterflow.ownership.stake import aggregate, explain

        graph = load_any(edges) if edges else open_saved()
        if graph is None:
            raise BadInputError("no ownership graph: run `counterflow ownership load EDGES` first")
        nodes = graph.find(entity)
        if not nodes:
            raise BadInputError(f"{entity!r} is not in the ownership graph")
        for node in nodes:
            owners = graph.ancestors(node) | {node}
            listed_map = _listed_for(graph, owners, listed, threshold)
            stakes = aggregate(graph, listed_map, only={node})
            st = stakes.get(node)
            name = graph.name(node)
            if node in listed_map:
                typer.echo(f"{name}: listed ({listed_map[node]})")
                continue
            if st is None or st.status == "clear":
                typer.echo(f"{name}: clear - no listed owner found among {len(owners) - 1} owners")
                continue
            verdict = {
                "blocked": "BLOCKED by the 50 % rule",
                "minority": "significant minority stake, review",
                "unknown": "listed owner with unknown percentage, review",
            }[st.status]
            typer.echo(
                f"{name}: {verdict} - listed parties own {st.blocked_percent:g} % "
                f"(chains multiplied: {st.percent:g} %)"
                + (" [unknown percentages on the way]" if st.unknown else "")
                + (" [in an ownership cycle]" if st.in_cycle else "")
            )
            paths = explain(graph, node, listed_map, max_paths=10)
            for path in paths:
                typer.echo(f"  {path.describe(graph)}")
            middle = {k for p in paths for k in p.nodes[1:-1] if k not in listed_map}
            for k, mid in sorted(aggregate(graph, listed_map, only=middle).items()):
                if mid.status == "blocked":
                    typer.echo(
                        f"  note: {graph.name(k)} is itself blocked ({mid.blocked_percent:g} % "
                        "listed-owned), so its whole stake counts"
                    )
            for o in st.listed_owners:
                typer.echo(f"  listed: {graph.name(o)} - {listed_map.get(o, '')}")
        for issue in graph.issues:
            if issue.kind in ("over_100", "sum_over_100", "cycle") and set(issue.nodes) & (
                set(nodes) | {a for n in nodes for a in graph.ancestors(n)}
            ):
                err_console.print(f"warning: {issue.describe()}", highlight=False, markup=False)
