"""Errors shared by every layer: bad input that names file, line and field."""

from __future__ import annotations


class CounterflowError(Exception):
    """Base class for errors Counterflow reports to the user without a traceback."""


class BadInputError(CounterflowError):
    """Input that cannot be used. The CLI maps it to exit code 1 and prints the message,
    which names the file, the line and the field where known."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class UsageError(CounterflowError):
    """Wrong use of a command (exit code 2)."""
