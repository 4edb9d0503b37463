"""Stale lists are an alarm: how old the version in force of each list is, and which are
older than the allowed age (``COUNTERFLOW_MAX_LIST_AGE_DAYS``, default 30; 0 = never
stale). A list's age counts from its publication date (the snapshot's version when it
is a date), else from when it was loaded. ``lists status`` and ``/readyz`` use it."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from counterflow.errors import UsageError
from counterflow.store.info import SnapshotInfo

ENV = "COUNTERFLOW_MAX_LIST_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 30.0
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True, slots=True)
class ListAge:
    dataset: str
    version: str
    since: str  # ISO date the age counts from
    age_days: float
    stale: bool

    def describe(self, max_age_days: float) -> str:
        return (
            f"{self.dataset} {self.version} is {self.age_days:,.0f} days old "
            f"(since {self.since}; allowed {max_age_days:g})"
        )


def max_age_days(value: float | None = None) -> float:
    """The allowed age: ``value`` when given, else ``$COUNTERFLOW_MAX_LIST_AGE_DAYS``,
    else 30 days. 0 turns the alarm off."""
    if value is None:
        raw = os.environ.get(ENV, "").strip()
        if not raw:
            return DEFAULT_MAX_AGE_DAYS
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"{ENV} must be a number of days, not {raw!r}") from None
    if value < 0:
        raise UsageError(f"the maximum list age must be 0 (off) or more days, not {value:g}")
    return value


def _published(info: SnapshotInfo) -> datetime:
    m = _ISO_DATE.match(info.version or "")
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        except ValueError:
            pass
    return datetime.strptime(info.loaded_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def list_ages(
    infos: Sequence[SnapshotInfo], max_days: float, now: datetime | None = None
) -> list[ListAge]:
    """The age of each list in force; ``stale`` when older than ``max_days`` (> 0)."""
    now = now or datetime.now(UTC)
    out = []
    for info in infos:
        since = _published(info)
        age = max(0.0, (now - since).total_seconds() / 86400)
        out.append(
            ListAge(
                info.dataset,
                info.version,
                since.date().isoformat(),
                round(age, 1),
                max_days > 0 and age > max_days,
            )
        )
    return out
