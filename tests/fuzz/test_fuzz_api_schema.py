"""schemathesis against the OpenAPI document of a running server (uvicorn on a free
port, the real matcher over small real-format lists, a real review store): every
operation, with generated valid (positive) and schema-violating (negative) parameters
and bodies, must never answer 5xx. Example counts are bounded (``CF_SCHEMA_EXAMPLES``,
default 10 per operation and mode)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from counterflow.api.settings import ApiSettings
from counterflow.review.keys import create_key
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from counterflow.store import ListStore
from counterflow.store.loader import load_paths

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("CF_SCHEMA_EXAMPLES", "10"))
FIX = Path(__file__).resolve().parents[1] / "lists" / "fixtures"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("home")
    old = os.environ.get("COUNTERFLOW_HOME")
    os.environ["COUNTERFLOW_HOME"] = str(home)
    store = ListStore.open(home / "lists.sqlite")
    rep = load_paths([FIX / "os_targets_small.csv", FIX / "uk_conlist_small.csv"], store)
    assert rep.exit_code == 0
    review = ReviewStore.open(home / "review.sqlite")
    admin, info = create_key(review, "admin", label="fuzz", actor="test")
    # The fixtures are old: the stale-list alarm (/readyz 503 by design) is off here.
    settings = ApiSettings(rate_per_s=0, max_list_age_days=0)
    app = create_app(store=store, review_db=review, settings=settings, web=False)
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert th.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield {"base": f"http://127.0.0.1:{port}", "key": admin, "key_id": info.id}
    finally:
        srv.should_exit = True
        th.join(timeout=30)
        store.close()
        review.close()
        if old is None:
            os.environ.pop("COUNTERFLOW_HOME", None)
        else:
            os.environ["COUNTERFLOW_HOME"] = old


@pytest.fixture(scope="module")
def api_schema(server: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_url(f"{server['base']}/openapi.json")


def _operations(api_schema: Any) -> list[Any]:
    return [r.ok() for r in api_schema.get_all_operations()]


def _checker(op: Any, server: dict[str, Any], calls: dict[str, int], mode: Any) -> Any:
    headers = {"Authorization": f"ApiKey {server['key']}"}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=op.as_strategy(mode))
    def check(case: Any) -> None:
        if case.method == "DELETE" and str(case.path_parameters.get("key_id")) == str(
            server["key_id"]
        ):
            case.path_parameters["key_id"] = server["key_id"] + 1000  # keep our own key
        calls[f"{op.label} {mode}"] = calls.get(f"{op.label} {mode}", 0) + 1
        case.call_and_validate(
            base_url=server["base"], headers=headers, checks=[not_a_server_error], timeout=60
        )

    return check


def test_no_operation_answers_5xx(api_schema: Any, server: dict[str, Any]) -> None:
    """Each operation in turn (schemathesis' pytest plugin does not run on this pytest, so
    the cases are drawn with hypothesis directly from each operation's strategy)."""
    ops = _operations(api_schema)
    assert len(ops) >= 15, [o.label for o in ops]
    calls: dict[str, int] = {}
    for op in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _checker(op, server, calls, mode)()
            except Unsatisfiable:
                # nothing in the operation can be made invalid (e.g. GET /healthz)
                assert mode is GenerationMode.NEGATIVE, op.label
    assert all(calls.get(f"{o.label} positive", 0) > 0 for o in ops), calls
    print(f"schemathesis: {len(ops)} operations, {sum(calls.values())} calls, no 5xx")
