"""Entry point: builds the typer app from the command modules and maps errors to exit codes
(0 done, 1 bad input, 2 usage error)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module

import click
import typer
from rich.markup import escape

from counterflow.cli.common import err_console
from counterflow.errors import BadInputError, CounterflowError, UsageError
from counterflow.match.calibration import CalibrationError

app = typer.Typer(
    name="counterflow",
    help="Screen parties, goods, orders and ships against sanctions and export-control lists.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_groups: dict[str, typer.Typer] = {}


@app.command("version")
def version() -> None:
    """Print the Counterflow version."""
    from counterflow import __version__

    typer.echo(__version__)


GROUP_HELP = {
    "lists": "Load, update and inspect sanctions and export-control lists.",
    "screen": "Screen parties and orders against the loaded lists.",
    "match": "Score name pairs with the screening name scorer.",
    "ais": "AIS positions: events (gaps, port calls, encounters) and maps.",
    "ownership": "Ownership chains and the 50 % rule.",
    "goods": "Goods: HS codes, CHPL tiers, drone-component part numbers.",
    "keys": "API keys for the HTTP service.",
    "alerts": "Review alerts raised by screening runs.",
    "audit": "The append-only audit trail.",
    "sites": "Site watch: watched facilities and change in before/after imagery.",
}


def group(name: str) -> typer.Typer:
    """The sub-command group ``name`` (created on first use), shared by modules."""
    if name not in _groups:
        sub = typer.Typer(help=GROUP_HELP.get(name), no_args_is_help=True)
        app.add_typer(sub, name=name)
        _groups[name] = sub
    return _groups[name]


# Each module exposes ``register(root, group)`` and adds its commands.
COMMAND_MODULES = (
    "counterflow.cli.lists_cmd",
    "counterflow.cli.screen_parties_cmd",
    "counterflow.cli.match_cmd",
    "counterflow.cli.orders_cmd",
    "counterflow.cli.goods_cmd",
    "counterflow.cli.ownership_cmd",
    "counterflow.cli.ais_cmd",
    "counterflow.cli.review_cmd",
    "counterflow.cli.certificate_cmd",
    "counterflow.cli.serve_cmd",
    "counterflow.cli.sites_cmd",
    "counterflow.cli.mcp_cmd",
    "counterflow.cli.refresh_cmd",
)

Register = Callable[[typer.Typer, Callable[[str], typer.Typer]], None]


def _register_all() -> None:
    for mod_name in COMMAND_MODULES:
        mod = import_module(mod_name)
        register: Register = mod.register
        register(app, group)


_register_all()


# typer >= 0.2x vendors its own click: catch its usage errors and aborts too.
_USAGE_ERRORS: tuple[type[Exception], ...] = (click.exceptions.UsageError,)
_ABORTS: tuple[type[BaseException], ...] = (click.exceptions.Abort, typer.Abort)
try:
    from typer._click import exceptions as _typer_click_exceptions

    _USAGE_ERRORS += (_typer_click_exceptions.UsageError,)
except ImportError:  # pragma: no cover - older typer uses click itself
    pass


def main(argv: list[str] | None = None) -> None:
    try:
        rv = app(args=argv, standalone_mode=False)
    except _USAGE_ERRORS as exc:
        exc.show()  # type: ignore[attr-defined]
        sys.exit(2)
    except _ABORTS:
        err_console.print("aborted")
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BadInputError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except UsageError as exc:
        err_console.print(
            f"[red]usage error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(2)
    except (CounterflowError, CalibrationError) as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
