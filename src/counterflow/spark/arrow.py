"""Spark schema -> Arrow schema for ``mapInArrow`` outputs (pyspark's own converter, kept
behind one function because its module moved between pyspark releases)."""

from __future__ import annotations

from typing import Any


def arrow_schema(schema: Any) -> Any:
    try:
        from pyspark.sql.pandas.types import to_arrow_schema
    except ImportError:  # pragma: no cover - older layouts
        from pyspark.sql.types import to_arrow_schema  # type: ignore[attr-defined,no-redef]
    return to_arrow_schema(schema)
