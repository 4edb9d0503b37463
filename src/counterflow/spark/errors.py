"""Errors raised on an executor reach the driver wrapped in a Spark exception; this puts
ours (a missing or stale index, bad input) back as themselves, so the CLI prints the
message and exits 1 instead of printing a Java stack."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from counterflow.errors import CounterflowError
from counterflow.spark.index_ship import IndexUnavailableError


@contextmanager
def spark_errors() -> Iterator[None]:
    """An executor's IndexUnavailableError or BadInputError reaches the driver wrapped in
    a Spark exception: re-raise it as itself, so the CLI prints it and exits 1."""
    try:
        yield
    except CounterflowError:
        raise
    except Exception as exc:
        text = str(exc)
        for name, cls in (
            ("IndexUnavailableError", IndexUnavailableError),
            ("BadInputError", CounterflowError),
        ):
            m = re.search(rf"{name}: (.+)", text)
            if m:
                raise cls(m.group(1).strip()) from None
        raise
