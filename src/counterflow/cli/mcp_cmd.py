"""``counterflow mcp``: the MCP server on stdio (for assistants), behind an API key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from counterflow.errors import UsageError


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    @root.command("mcp")
    def mcp_cmd(
        api_key: str = typer.Option(
            "",
            "--api-key",
            envvar="COUNTERFLOW_API_KEY",
            help="An API key (counterflow keys create); screener role or above.",
            show_default=False,
        ),
        db: str = typer.Option(
            "",
            "--db",
            envvar="COUNTERFLOW_DB",
            help="Review store holding the keys: SQLite path or postgresql://... "
            "(default: COUNTERFLOW_HOME/review.sqlite).",
        ),
        events: Annotated[
            list[Path] | None,
            typer.Option(
                "--events",
                help="AIS events CSV(s) from `ais events`, for the vessel_events tool.",
                exists=True,
                dir_okay=False,
            ),
        ] = None,
    ) -> None:
        """Serve read-only tools (screen_party, explain_hit, list_status, vessel_events)
        over the Model Context Protocol on stdin/stdout."""
        from counterflow.api.services import Services
        from counterflow.mcp.server import build_server
        from counterflow.mcp.tools import AccessDenied, Tools
        from counterflow.review.store import ReviewStore
        from counterflow.store import ListStore

        if not api_key.strip():
            raise UsageError("give an API key: --api-key or COUNTERFLOW_API_KEY")
        review = ReviewStore.open(db or None)
        services = Services(review, list_store=ListStore.open())
        tools = Tools(services, api_key)
        try:
            who = tools.caller("screener")
        except AccessDenied as exc:
            raise UsageError(str(exc)) from None
        tools.event_files = list(events or [])
        files = [str(e) for e in tools.event_files]
        review.log(who.actor, "mcp.session", f"key:{who.id}", {"events": files})
        build_server(tools).run("stdio")
