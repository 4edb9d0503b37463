"""Header checks shared by every CSV reader: a column named twice (the second would be
silently ignored, or silently win) or an absurdly wide header is bad input naming the
column, line 1."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from counterflow.errors import BadInputError

MAX_COLUMNS = 1000


def check_header(
    header: Sequence[str | None],
    *,
    file: str | None,
    normalise: Callable[[str], str] | None = None,
    max_columns: int = MAX_COLUMNS,
) -> None:
    """BadInputError (line 1) for a header wider than ``max_columns`` or with a column
    name twice (case and surrounding spaces ignored, or as ``normalise`` maps it). One
    pass, no quadratic counting."""
    if len(header) > max_columns:
        raise BadInputError(
            f"{len(header):,} columns: at most {max_columns:,} are accepted", file=file, line=1
        )
    seen: set[str] = set()
    for h in header:
        raw = h or ""
        key = normalise(raw) if normalise is not None else raw.strip().lower()
        if not key:
            continue
        if key in seen:
            raise BadInputError(
                f"duplicate column {key!r}: each column may appear once",
                file=file,
                line=1,
                field=key,
            )
        seen.add(key)
