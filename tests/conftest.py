"""Suite-wide rules.

In CI (``CI`` set to anything but ``""``/``0``/``false``), a test marked with a service
marker (``postgres``, ``browser``) may not skip: a skip there means the service was not
installed or did not start, which is a CI failure, not a pass. The skip is turned into a
failure that keeps the skip's reason. Outside CI such tests skip with their reason
(printed by ``-rs``).

Hypothesis runs a bounded number of examples (profile ``ci`` in CI, ``dev`` otherwise) so
the property tests stay fast and deterministic enough for every run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

SERVICE_MARKERS = ("postgres", "browser")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if in_ci() else "dev"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    if not rep.skipped or not in_ci():
        return
    marks = [m for m in SERVICE_MARKERS if item.get_closest_marker(m) is not None]
    if not marks:
        return
    reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
    rep.outcome = "failed"
    rep.longrepr = (
        f"CI: a test needing {', '.join(marks)} may not skip (the service must be installed "
        f"and started by .ci/services.sh); skip reason: {reason}"
    )
