"""A corpus of bad input (the classes of issue 10 and their siblings) run through every
CLI entry point and API route. Each must be answered with the documented exit code
(1 bad input, 2 usage error) or a 4xx status and a message, and must leave the lists in
force, the decisions, alerts, allow-list, keys and the audit trail exactly as they were.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from counterflow.api.settings import ApiSettings
from counterflow.cli.main import main
from counterflow.match.types import Query
from counterflow.review.keys import create_key
from counterflow.review.recording import screen_and_record
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from counterflow.store import ListStore

pytestmark = pytest.mark.fuzz
HERE = Path(__file__).resolve().parent
SDN = HERE / "fixtures" / "ofac_sdn_2024-05-03.csv"
UK = HERE.parent / "lists" / "fixtures" / "uk_conlist_small.csv"
HUGE = "99999999999999999999999"


def corpus(d: Path) -> dict[str, Path]:
    """The bad files, written into ``d``."""
    files: dict[str, bytes] = {
        "parties_dup.csv": b"id,name,name\n1,Vladimir Putin,Someone Else\n",
        "parties_dup_case.csv": b"id,Name,NAME \n1,a,b\n",
        "parties_wide.csv": (",".join(["id", "name"] + [f"c{i}" for i in range(5000)])).encode()
        + b"\n1,x\n",
        "parties_not_utf8.csv": b"id,name\n1,\xff\xfe\xfa\n",
        "parties_empty.csv": b"",
        "parties_no_name.csv": b"id,kind\n1,person\n",
        "parties_binary.csv": bytes(range(256)) * 4,
        "pairs_dup.csv": b"id,name1,name2,name2\n1,a,b,c\n",
        "pairs_no_col.csv": b"id,name1\n1,a\n",
        "orders_dup.csv": b"order_id,customer,Customer\n1,a,b\n",
        "orders_alias_dup.csv": b"order_id,end_user,End User\n1,a,b\n",
        "orders_no_id.csv": b"customer\nx\n",
        "orders_wide.csv": (",".join(["order_id"] + [f"c{i}" for i in range(5000)])).encode()
        + b"\n1\n",
        "ais_dup.csv": b"MMSI,mmsi,BaseDateTime,LAT,LON\n1,1,2024-01-01T00:00:00,1,1\n",
        "ais_no_lat.csv": b"MMSI,BaseDateTime,LON\n1,2024-01-01T00:00:00,1\n",
        "ais_empty.csv": b"",
        "list_garbage.xml": b"<root><x>",
        "list_xxe.xml": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<sdnList>&x;</sdnList>",
        "list_laughs.xml": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
        )
        + b"]><sdnList>&i;</sdnList>",
        "anchor.txt": b"not an anchor",
        "ownership_bad.csv": b"\x00\x01 not an edge file",
        "goods_bad.csv": b"\x00\x01garbage",
        "ownership_dup.csv": b"owner,owned,percent,Percent\nA,B,10,90\n",
        "chpl_dup.csv": b"hs6,tier,Tier\n854231,1,3\n",
    }
    out = {}
    for name, body in files.items():
        p = d / name
        p.write_bytes(body)
        out[name] = p
    # Decompression bomb: the head of a real OFSI file, then 100 MB of newlines.
    head = UK.read_bytes()
    bomb = d / "uk_conlist_bomb.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as gz:
        gz.write(head)
        chunk = b"\n" * (1 << 20)
        for _ in range(100):
            gz.write(chunk)
    out["bomb"] = bomb
    # The same SDN publication, dated a year earlier (older than the one in force) ...
    older = d / "ofac_sdn_2023-05-02.csv"
    shutil.copyfile(SDN, older)
    out["older"] = older
    # ... and a newer one truncated to 2 of its 9 records (a cut-off download).
    cut = d / "ofac_sdn_2024-05-10.csv"
    cut.write_text("\n".join(SDN.read_text().splitlines()[:2]) + "\n")
    out["shrunk"] = cut
    return out


class Home:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = corpus(root / "corpus")

    def state(self) -> dict[str, Any]:
        with ListStore.open(self.root / "home" / "lists.sqlite") as ls:
            lists = [i.to_dict() for i in ls.status()]
        review = ReviewStore.open(self.root / "home" / "review.sqlite")
        try:
            with review.backend.read() as tx:
                tables = {
                    t: tx.all(f"SELECT * FROM {t} ORDER BY 1")
                    for t in ("decisions", "alerts", "allow_list", "api_keys", "audit")
                }
            ok = review.verify_audit().ok
        finally:
            review.close()
        return {"lists": lists, "tables": tables, "audit_ok": ok}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    root = tmp_path_factory.mktemp("corpus")
    (root / "corpus").mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("COUNTERFLOW_HOME", str(root / "home"))
    mp.delenv("COUNTERFLOW_DB", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["lists", "load", "-q", str(SDN), str(UK)])
    assert exc.value.code == 0
    from counterflow import match

    with ListStore.open(root / "home" / "lists.sqlite") as store:
        screener = match.open_screener(store)
        review = ReviewStore.open(root / "home" / "review.sqlite")
        _, _, s = screen_and_record(
            review,
            screener,
            [Query(id="c1", name="Vladimir Putin", kind="person", birth_dates=["1952"])],
            actor="seed",
            list_store=store,
        )
        assert s.alerts
        review.decide(s.alerts[0], "true_match", "the listed president", "ana")
        create_key(review, "analyst", label="x", actor="seed")
        review.close()
    h = Home(root)
    yield h
    mp.undo()


def _cli(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code or 0)


CLI: list[tuple[str, Callable[[Home], list[str]], int]] = [
    ("dup column", lambda h: ["screen", "parties", str(h.files["parties_dup.csv"]), "-o", "-"], 1),
    ("dup column, case", lambda h: ["screen", "parties", str(h.files["parties_dup_case.csv"])], 1),
    ("5,000 columns", lambda h: ["screen", "parties", str(h.files["parties_wide.csv"])], 1),
    ("not UTF-8", lambda h: ["screen", "parties", str(h.files["parties_not_utf8.csv"])], 1),
    ("empty parties", lambda h: ["screen", "parties", str(h.files["parties_empty.csv"])], 1),
    ("no name column", lambda h: ["screen", "parties", str(h.files["parties_no_name.csv"])], 1),
    ("binary parties", lambda h: ["screen", "parties", str(h.files["parties_binary.csv"])], 1),
    ("missing file", lambda h: ["screen", "parties", str(h.root / "nope.csv")], 1),
    ("threshold 2", lambda h: ["screen", "parties", str(SDN), "--threshold", "2"], 2),
    ("limit 0", lambda h: ["screen", "parties", str(SDN), "--limit", "0"], 2),
    ("dob 9999", lambda h: ["screen", "name", "Vladimir Putin", "--dob", "9999-12-31"], 1),
    ("dob 0001", lambda h: ["screen", "name", "Vladimir Putin", "--dob", "0001"], 1),
    ("dob garbage", lambda h: ["screen", "name", "Vladimir Putin", "--dob", "1952-13-45"], 1),
    ("pairs dup", lambda h: ["match", "pairs", str(h.files["pairs_dup.csv"])], 1),
    ("pairs no column", lambda h: ["match", "pairs", str(h.files["pairs_no_col.csv"])], 1),
    ("orders dup", lambda h: ["screen", "orders", str(h.files["orders_dup.csv"]), "-o", "-"], 1),
    ("orders alias dup", lambda h: ["screen", "orders", str(h.files["orders_alias_dup.csv"])], 1),
    ("orders no id", lambda h: ["screen", "orders", str(h.files["orders_no_id.csv"])], 1),
    ("orders wide", lambda h: ["screen", "orders", str(h.files["orders_wide.csv"])], 1),
    ("ais dup", lambda h: ["ais", "events", str(h.files["ais_dup.csv"]), "-o", _o(h)], 1),
    ("ais no lat", lambda h: ["ais", "events", str(h.files["ais_no_lat.csv"]), "-o", _o(h)], 1),
    ("ais empty", lambda h: ["ais", "events", str(h.files["ais_empty.csv"]), "-o", _o(h)], 1),
    ("list garbage", lambda h: ["lists", "load", str(h.files["list_garbage.xml"])], 1),
    ("list XXE", lambda h: ["lists", "load", str(h.files["list_xxe.xml"])], 1),
    ("billion laughs", lambda h: ["lists", "load", str(h.files["list_laughs.xml"])], 1),
    ("gzip bomb", lambda h: ["lists", "load", str(h.files["bomb"])], 1),
    ("older publication", lambda h: ["lists", "load", str(h.files["older"])], 1),
    ("shrunk publication", lambda h: ["lists", "load", str(h.files["shrunk"])], 1),
    ("max-shrink 5", lambda h: ["lists", "load", str(SDN), "--max-shrink", "5"], 2),
    ("lists show nope", lambda h: ["lists", "show", "nope"], 1),
    ("lists versions nope", lambda h: ["lists", "versions", "nope_ds"], 1),
    (
        "decide huge id",
        lambda h: ["alerts", "decide", HUGE, "--decision", "true_match", "--reason", "x"],
        1,
    ),
    (
        "decide unknown id",
        lambda h: ["alerts", "decide", "424242", "--decision", "true_match", "--reason", "x"],
        1,
    ),
    (
        "decide bad decision",
        lambda h: ["alerts", "decide", "1", "--decision", "maybe", "--reason", "x"],
        2,
    ),
    ("show huge id", lambda h: ["alerts", "show", HUGE], 1),
    ("reopen huge id", lambda h: ["alerts", "reopen", HUGE, "--reason", "x"], 1),
    ("evidence huge id", lambda h: ["alerts", "evidence", HUGE, "-o", _o(h)], 1),
    (
        "export since notadate",
        lambda h: ["alerts", "export", "-o", _o(h), "--since", "notadate"],
        1,
    ),
    (
        "export until 2024-13-01",
        lambda h: ["alerts", "export", "-o", _o(h), "--until", "2024-13-01"],
        1,
    ),
    ("anchor garbage", lambda h: ["audit", "verify", "--anchor", str(h.files["anchor.txt"])], 1),
    ("anchor bad hash", lambda h: ["audit", "verify", "--anchor", "1:" + "0" * 64], 1),
    ("key role root", lambda h: ["keys", "create", "--role", "root"], 1),
    ("revoke huge id", lambda h: ["keys", "revoke", HUGE], 1),
    ("ownership bad", lambda h: ["ownership", "load", str(h.files["ownership_bad.csv"])], 1),
    ("goods garbage", lambda h: ["goods", "load", str(h.files["goods_bad.csv"])], 1),
    ("ownership dup column", lambda h: ["ownership", "load", str(h.files["ownership_dup.csv"])], 1),
    ("chpl dup column", lambda h: ["goods", "load", str(h.files["chpl_dup.csv"])], 1),
    ("rescreen threshold 5", lambda h: ["rescreen", "--threshold", "5"], 2),
    ("unknown option", lambda h: ["screen", "parties", "--frobnicate"], 2),
]


def _o(h: Home) -> str:
    return str(h.root / "out.tmp")


@pytest.mark.parametrize(("what", "argv", "code"), CLI, ids=[c[0] for c in CLI])
def test_cli_bad_input(
    home: Home,
    what: str,
    argv: Callable[[Home], list[str]],
    code: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = home.state()
    got = _cli(argv(home))
    _, err = capsys.readouterr()
    assert got == code, (what, err[-500:])
    assert "Traceback" not in err
    if code == 1:
        assert "error" in err.lower(), err[-500:]
    assert home.state() == before, f"{what} changed the stored state"


def test_forced_publication_goes_on_the_record(home: Home, tmp_path: Path) -> None:
    """The refusals above hold; with --force the older publication loads and says so in
    the snapshot's issues and the audit trail (then the newer one is restored)."""
    assert _cli(["lists", "load", "-q", "--force", str(home.files["older"])]) == 0
    with ListStore.open(home.root / "home" / "lists.sqlite") as ls:
        active = ls.active("us_ofac_sdn")
        assert active is not None and active.version == "2023-05-02"
        assert any("--force" in i.reason for i in ls.issues(active.snapshot_id))
    review = ReviewStore.open(home.root / "home" / "review.sqlite")
    try:
        with review.backend.read() as tx:
            rows = tx.all("SELECT data FROM audit WHERE subject = 'lists:us_ofac_sdn'")
        assert rows and json.loads(rows[-1]["data"])["forced"] is True
        assert review.verify_audit().ok
    finally:
        review.close()
    assert _cli(["lists", "load", "-q", str(SDN)]) == 0  # newer again: allowed


API: list[tuple[str, str, str, Any, dict[str, str], int]] = [
    ("POST", "/screen/parties", "text/csv", b"id,name,name\n1,a,b\n", {}, 400),
    (
        "POST",
        "/screen/parties",
        "text/csv",
        b"id,name,birth_date\n1,Vladimir Putin,9999-12-31\n",
        {},
        400,
    ),
    (
        "POST",
        "/screen/parties",
        "text/csv",
        (",".join(["id", "name"] + [f"c{i}" for i in range(40_000)])).encode() + b"\n1,x\n",
        {},
        400,
    ),
    (
        "POST",
        "/screen/parties",
        "application/json",
        b'{"parties": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        {},
        400,
    ),
    ("POST", "/screen/parties", "application/json", b"{not json", {}, 400),
    (
        "POST",
        "/screen/orders",
        "application/json",
        b'{"orders": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        {},
        400,
    ),
    ("POST", "/screen/orders", "text/csv", b"order_id,customer,customer\n1,a,b\n", {}, 400),
    (
        "POST",
        "/match/default?limit=500",
        "application/json",
        json.dumps(
            {
                "queries": {
                    f"q{i}": {
                        "schema": "Person",
                        "properties": {"name": [f"N{i} {j}" for j in range(5)]},
                    }
                    for i in range(100)
                }
            }
        ).encode(),
        {},
        400,
    ),
    (
        "POST",
        "/match/default",
        "application/json",
        b'{"queries": {"q": {"schema": "Person",'
        b' "properties": {"name": ' + b"[" * 3000 + b"]" * 3000 + b"}}}}",
        {},
        400,
    ),
    ("GET", f"/alerts/{HUGE}", "", None, {}, 400),
    (
        "POST",
        f"/alerts/{HUGE}/decision",
        "application/json",
        b'{"decision": "true_match", "reason": "x"}',
        {},
        400,
    ),
    ("POST", f"/alerts/{HUGE}/reopen", "application/json", b'{"reason": "x"}', {}, 400),
    ("GET", f"/alerts/{HUGE}/evidence", "", None, {}, 400),
    ("GET", f"/runs/{HUGE}", "", None, {}, 400),
    ("DELETE", f"/keys/{HUGE}", "", None, {}, 400),
    ("GET", f"/alerts?offset={HUGE}", "", None, {}, 400),
    ("GET", f"/audit?since_seq={HUGE}", "", None, {}, 400),
    ("GET", "/audit/verify?anchor=garbage", "", None, {}, 400),
    ("GET", "/exports/decisions?since=notadate", "", None, {}, 400),
    (
        "POST",
        "/alerts",
        "application/json",
        json.dumps(
            {
                "customer": {"id": "c", "name": "x", "birth_date": "0001-01-01"},
                "entity_id": "us_ofac_sdn:35096",
            }
        ).encode(),
        {},
        400,
    ),
    ("POST", "/keys", "application/json", b'{"role": "root"}', {}, 422),
]


@pytest.fixture(scope="module")
def client(home: Home) -> Iterator[tuple[TestClient, str]]:
    store = ListStore.open(home.root / "home" / "lists.sqlite")
    review = ReviewStore.open(home.root / "home" / "review.sqlite")
    key, _ = create_key(review, "admin", label="corpus", actor="test")
    app = create_app(store=store, review_db=review, settings=ApiSettings(rate_per_s=0))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, key
    store.close()
    review.close()


@pytest.mark.parametrize(
    ("method", "path", "ctype", "body", "headers", "status"),
    API,
    ids=[f"{a[0]} {a[1][:40]} #{i}" for i, a in enumerate(API)],
)
def test_api_bad_input(
    home: Home,
    client: tuple[TestClient, str],
    method: str,
    path: str,
    ctype: str,
    body: Any,
    headers: dict[str, str],
    status: int,
) -> None:
    c, key = client
    before = home.state()
    h = {"Authorization": f"ApiKey {key}", **headers}
    if ctype:
        h["Content-Type"] = ctype
    r = c.request(method, path, content=body, headers=h)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert detail, r.text
    assert home.state() == before, f"{method} {path} changed the stored state"
