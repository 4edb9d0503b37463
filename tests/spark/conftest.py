"""One local[2] Spark session for every Spark test (Java 17 and pyspark are installed by
``.ci/run`` / ``make setup``; these tests run in CI, never skip there)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from counterflow.spark.session import session

    s = session("local[2]", app_name="counterflow-tests")
    yield s
    s.stop()
