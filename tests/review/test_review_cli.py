"""The review CLI: keys, alerts (list/show/decide/reopen/export/evidence), audit
verify/show, rescreen, screen parties --record, and ``counterflow serve``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from counterflow.cli.main import main
from counterflow.lists.base import ParseResult
from counterflow.review.recording import screen_and_record
from counterflow.review.store import ReviewStore
from counterflow.store import ListStore


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    return tmp_path / "home"


def test_keys_alerts_audit_commands(home, capsys, screener, customers, tmp_path) -> None:
    code, out, _ = run(["keys", "create", "--role", "analyst", "--label", "ana"], capsys)
    assert code == 0 and out.strip().startswith("cf_")
    code, out, _ = run(["keys", "create", "--role", "root"], capsys)
    assert code == 1
    code, out, _ = run(["keys", "list", "--json"], capsys)
    assert json.loads(out)[0]["role"] == "analyst"
    review = ReviewStore.open()
    _, _, s = screen_and_record(review, screener, customers, actor="t")
    review.close()
    code, out, _ = run(["alerts", "list"], capsys)
    assert code == 0 and len(out.strip().splitlines()) == len(s.alerts)
    aid = str(s.alerts[0])
    code, _, err = run(["alerts", "decide", aid, "--decision", "false_positive"], capsys)
    assert code == 1 and "reason" in err
    code, _, _ = run(
        ["alerts", "decide", aid, "--decision", "false_positive", "--reason", "not them"], capsys
    )
    assert code == 0
    code, _, err = run(["alerts", "decide", aid, "--decision", "true_match"], capsys)
    assert code == 1 and "re-open" in err
    code, out, _ = run(["alerts", "show", aid], capsys)
    shown = json.loads(out)
    assert shown["status"] == "false_positive" and shown["decisions"][0]["actor"].startswith("cli:")
    assert run(["alerts", "reopen", aid, "--reason", "check again"], capsys)[0] == 0
    csv_path, html_path = tmp_path / "d.csv", tmp_path / "e.html"
    assert run(["alerts", "export", "-o", str(csv_path)], capsys)[0] == 0
    assert "not them" in csv_path.read_text()
    assert run(["alerts", "evidence", aid, "-o", str(html_path)], capsys)[0] == 0
    assert "Screening evidence" in html_path.read_text()
    code, out, _ = run(["audit", "verify"], capsys)
    assert code == 0 and out.startswith("ok:")
    code, out, _ = run(["audit", "show", "--limit", "3"], capsys)
    assert len(out.strip().splitlines()) == 3
    # Tampering makes `audit verify` fail with exit 1.
    r = ReviewStore.open()
    with r.backend.write() as tx:
        tx.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    r.close()
    code, _, err = run(["audit", "verify"], capsys)
    assert code == 1 and "broken" in err


def test_rescreen_and_record_commands(home, capsys, parties, tmp_path) -> None:
    from counterflow.records.model import Party

    with ListStore.open() as store:
        store.load(ParseResult(dataset="us_ofac_sdn", version="v1", records=parties[:1], files=[]))
    inp = tmp_path / "in.csv"
    inp.write_text("id,name,kind\nk1,Alfa Komponent LLC,organization\nk2,Drake Shipping OOO,\n")
    code, _, err = run(
        ["screen", "parties", str(inp), "-o", str(tmp_path / "o.csv"), "--record", "-q"], capsys
    )
    assert code == 0 and "recorded run #1" in err
    code, out, err = run(["rescreen"], capsys)
    assert code == 0 and "baseline" in err
    new = Party(
        dataset="us_ofac_sdn", source_id="9", kind="organization", name="Drake Shipping OOO"
    )
    with ListStore.open() as store:
        store.load(
            ParseResult(dataset="us_ofac_sdn", version="v2", records=[parties[0], new], files=[])
        )
    code, out, err = run(["rescreen"], capsys)
    assert code == 0 and "1 added" in err
    assert "2 customers screened against 1 new/changed records: 1 new alerts" in out
    r = ReviewStore.open()
    assert any(a.customer_id == "k2" and a.entity_id == "us_ofac_sdn:9" for a in r.list_alerts())
    r.close()


def test_serve_starts_and_answers(home, tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "counterflow"
    env = os.environ | {"COUNTERFLOW_HOME": str(home)}
    key = subprocess.run(
        [str(exe), "keys", "create", "--role", "screener"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    db = tmp_path / "other-review.sqlite"
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--db", str(db)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        # The key lives in the default store, not in --db: refused there.
        r = httpx.get(f"{base}/lists/status", headers={"Authorization": f"ApiKey {key}"})
        assert r.status_code == 401
        assert db.exists()
        assert httpx.get(f"{base}/openapi.json").status_code == 200
    finally:
        proc.terminate()
        proc.wait(20)
