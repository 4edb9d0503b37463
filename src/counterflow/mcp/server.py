"""The MCP server: the four read-only tools of ``mcp.tools`` registered on the SDK's
``MCPServer`` and served over stdio. Errors come back to the assistant as tool errors
(``is_error``) with the same message the CLI would print."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from counterflow import __version__
from counterflow.errors import BadInputError, CounterflowError
from counterflow.mcp.tools import Tools

T = TypeVar("T")
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
INSTRUCTIONS = """Counterflow screens parties and ships against sanctions and export-control
lists (OFAC, UN, UK, EU, Ukraine's war sanctions, BIS, trade.gov CSL). Scores are in
[0, 1]; decision is match, review or clear by the configured bands; every hit carries an
explanation. These tools only read: they record no run, alert or decision."""

Name = Annotated[str, Field(description="The party's name, in any script")]
Kind = Annotated[
    str, Field(description="person | organization | vessel | aircraft | any", default="any")
]
BirthDate = Annotated[str, Field(description="YYYY, YYYY-MM or YYYY-MM-DD", default="")]
Countries = Annotated[
    list[str] | None, Field(description="ISO alpha-2 codes or country names", default=None)
]
Identifiers = Annotated[
    list[str] | None,
    Field(description="e.g. IMO9253325, INN1646047020, passport:A1234567", default=None),
]
Address = Annotated[str, Field(description="Street address, free text", default="")]


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except BadInputError as exc:
        raise ToolError(exc.describe()) from None
    except CounterflowError as exc:
        raise ToolError(str(exc)) from None


def build_server(tools: Tools) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        name="counterflow", version=__version__, instructions=INSTRUCTIONS
    )

    @server.tool(annotations=READ_ONLY)
    def screen_party(
        name: Name,
        kind: Kind = "any",
        birth_date: BirthDate = "",
        countries: Countries = None,
        identifiers: Identifiers = None,
        address: Address = "",
        threshold: Annotated[float, Field(ge=0.0, le=1.0, description="Lowest score")] = 0.5,
        limit: Annotated[int, Field(ge=1, le=100, description="Most hits")] = 10,
    ) -> dict[str, Any]:
        """Screen one party against every loaded list: the best hits with score, band
        decision and an explanation, and the list versions used."""
        return _call(
            lambda: tools.screen_party(
                name,
                kind,
                birth_date,
                countries or [],
                identifiers or [],
                address,
                threshold,
                limit,
            )
        )

    @server.tool(annotations=READ_ONLY)
    def explain_hit(
        name: Name,
        entity_id: Annotated[
            str, Field(description="The listed record, dataset:source_id (from screen_party)")
        ],
        kind: Kind = "any",
        birth_date: BirthDate = "",
        countries: Countries = None,
        identifiers: Identifiers = None,
        address: Address = "",
    ) -> dict[str, Any]:
        """Explain how a party scores against one listed record: the score and its
        evidence, the listed record, and a field-by-field comparison (agree / disagree)."""
        return _call(
            lambda: tools.explain_hit(
                name, entity_id, kind, birth_date, countries or [], identifiers or [], address
            )
        )

    @server.tool(annotations=READ_ONLY)
    def list_status(
        dataset: Annotated[
            str, Field(description="One dataset code, e.g. us_ofac_sdn; empty for all")
        ] = "",
    ) -> dict[str, Any]:
        """The loaded lists: version, records by kind, skipped, when loaded, age in days."""
        return _call(lambda: tools.list_status(dataset))

    @server.tool(annotations=READ_ONLY)
    def vessel_events(
        mmsi: Annotated[str, Field(description="9-digit MMSI", default="")] = "",
        imo: Annotated[str, Field(description="IMO number, with or without IMO", default="")] = "",
        name: Annotated[str, Field(description="Vessel name", default="")] = "",
        limit: Annotated[int, Field(ge=1, le=500, description="Most events")] = 100,
    ) -> dict[str, Any]:
        """A vessel's AIS events (gaps, port calls, encounters, loitering, watch, ...) from
        the events files the server was started with, and the vessel screened against the
        lists by name, IMO and MMSI."""
        return _call(lambda: tools.vessel_events(mmsi, imo, name, limit))

    return server
