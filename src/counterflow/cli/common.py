"""What every CLI module shares: the stderr console, progress bars, quiet mode."""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import IO

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


def stdin_copy(cleanup: ExitStack, name: str = "stdin.csv") -> Path:
    """Standard input copied to a temporary file (so it can be counted, read and
    digested like a file), removed when ``cleanup`` closes."""
    tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory())) / name
    with tmp.open("wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh)
    return tmp


def open_output(path: Path) -> IO[str]:
    """The output file, or BadInputError naming it when it cannot be written."""
    from counterflow.errors import BadInputError

    try:
        return open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise BadInputError(f"cannot write the output ({exc.strerror})", file=str(path)) from None


def cli_actor() -> str:
    """``cli:<login name>`` for runs and decisions made from the command line."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
