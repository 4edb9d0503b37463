"""Order screening through ``counterflow.orders`` when that package provides it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from counterflow.api.services import Services, ServiceUnavailable


@dataclass(slots=True)
class OrdersResult:
    csv: str
    json: dict[str, Any]


def available() -> bool:
    try:
        import counterflow.orders as orders
    except ImportError:
        return False
    return callable(getattr(orders, "screen_orders_csv", None))


def screen(services: Services, kind: str, raw: bytes, *, record: bool, actor: str) -> OrdersResult:
    raise ServiceUnavailable("order screening (counterflow.orders) is not installed")
