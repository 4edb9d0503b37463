"""``POST /screen/orders`` through ``counterflow.orders`` (the same engine as
``counterflow screen orders``): CSV or JSON order lines in, the INTERFACES output out.

The run is recorded with the upload's digest through ``review.orders_recording`` (shared
with ``counterflow screen orders --record``): every review/block line becomes an alert
with its order context, one open alert per customer x listed entity (or order id)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counterflow.api.services import Services
from counterflow.errors import BadInputError
from counterflow.review.orders_recording import (
    OrderAlerts,
    order_alerts,
    record_orders_run,
    summary_dict,
)
from counterflow.review.recording import entity_groups, list_versions

PARTY_COLUMNS = ("customer", "consignee", "end_user", "freight_forwarder")


@dataclass(slots=True)
class OrdersResult:
    csv: str
    json: dict[str, Any]


def _json_to_csv(raw: bytes) -> bytes:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError) as exc:
        raise BadInputError(f"bad JSON body: {exc}", field="orders") from None
    orders = body.get("orders") if isinstance(body, dict) else None
    if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
        raise BadInputError('send {"orders": [{"order_id": ...}, ...]}', field="orders")
    cols: list[str] = []
    for o in orders:
        for k in o:
            if str(k) not in cols:
                cols.append(str(k))
    buf = io.StringIO()
    # internal: read straight back by the order screener, never shown to a person (the
    # answer is written by the guarded writer, counterflow.csvout)
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for o in orders:
        w.writerow(
            [
                ";".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
                for v in (o.get(c) for c in cols)
            ]
        )
    return buf.getvalue().encode("utf-8")


def screen(services: Services, kind: str, raw: bytes, *, record: bool, actor: str) -> OrdersResult:
    from counterflow.goods.loaded import open_chpl, open_components
    from counterflow.orders.screen import OrderScreener, screen_file
    from counterflow.orders.settings import load_config

    data = raw if kind == "csv" else _json_to_csv(raw)
    if not data.strip():
        raise BadInputError("no order lines", field="orders")
    cfg = load_config(None)
    with services.lock:
        screener = services.screener() if services.list_store is not None else None
        engine = OrderScreener(
            cfg, screener=screener, chpl=open_chpl(None, None), components=open_components(None)
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "orders.csv"
            path.write_bytes(data)
            out = io.StringIO()
            try:
                summary = screen_file(path, out, engine)
                alerts = (
                    order_alerts(
                        path,
                        engine,
                        list_store=services.list_store,
                        groups=entity_groups(services.list_store),
                    )
                    if record
                    else OrderAlerts()
                )
            except BadInputError as exc:  # name the upload, not the temporary file
                raise BadInputError(
                    exc.reason,
                    file="upload.csv" if kind == "csv" else "orders",
                    line=exc.line,
                    field=exc.field,
                ) from None
        versions = list_versions(services.list_store)
    text = out.getvalue()
    lines = list(csv.DictReader(io.StringIO(text)))
    result: dict[str, Any] = {
        "lines": lines,
        "summary": summary_dict(summary),
    }
    if record:
        with services.lock:
            s = record_orders_run(
                services.review,
                alerts,
                actor=actor,
                source="api",
                party_threshold=cfg.party_threshold,
                summary=result["summary"],
                versions=versions,
                raw_input=raw,
                list_store=services.list_store,
            )
        run = s.to_dict()
        run.pop("results", None)
        result["run"] = run
    return OrdersResult(csv=text, json=result)
