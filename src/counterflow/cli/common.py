"""What every CLI module shares: the stderr console, progress bars, quiet mode."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# Progress and messages go to stderr; results go to files or stdout.
err_console = Console(stderr=True)
out_console = Console()


def make_progress(quiet: bool = False) -> Progress:
    """A rich progress bar on stderr; disabled in quiet mode or when stderr is no terminal
    (so scripts and CI logs stay clean)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet or not err_console.is_terminal,
        transient=False,
    )
