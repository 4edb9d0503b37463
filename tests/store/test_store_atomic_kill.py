"""A load killed half-way (SIGKILL of the writing process) leaves the old version in force."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from counterflow.lists.base import ParseResult
from counterflow.records.model import Party
from counterflow.store import ListStore

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from counterflow.lists.base import ParseResult
    from counterflow.records.model import Party
    from counterflow.store import ListStore

    db, marker, src = sys.argv[1:4]
    store = ListStore.open(db)
    recs = [
        Party("test_ds", str(i), "person", f"new {i}", remarks="x" * 400)
        for i in range(20000)
    ]

    def hang(done, total):
        # Records of the new version are in the open transaction now: stop here.
        Path(marker).write_text(str(done))
        time.sleep(3600)

    store.load(ParseResult("test_ds", "2024-02-01", recs, [Path(src)], [], "fake"), progress=hang)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_sigkill_mid_load_keeps_previous_version(tmp_path: Path) -> None:
    db = tmp_path / "lists.sqlite"
    old_src = tmp_path / "old.txt"
    old_src.write_text("old")
    new_src = tmp_path / "new.txt"
    new_src.write_text("new")
    with ListStore.open(db) as store:
        old = store.load(
            ParseResult(
                "test_ds",
                "2024-01-01",
                [Party("test_ds", str(i), "person", f"old {i}") for i in range(50)],
                [old_src],
                [],
                "fake",
            )
        )
        before = (store.status(), store.fingerprint())

    marker = tmp_path / "marker"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), str(db), str(marker), str(new_src)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the loading process ended before the kill"
            assert time.monotonic() < deadline, "the load never reached the write phase"
            time.sleep(0.05)
        written = int(marker.read_text() or 0)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert written > 0  # the kill landed after records were written into the transaction

    with ListStore.open(db) as store:
        assert (store.status(), store.fingerprint()) == before
        assert store.active("test_ds") == old
        assert [v.snapshot_id for v in store.versions("test_ds")] == [old.snapshot_id]
        names = [p.name for p in store.iter_records()]
        assert len(names) == 50 and all(n.startswith("old ") for n in names)
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM snapshot_records").fetchone()[0] == 50
        conn.close()
        # And the store still takes the new version afterwards.
        new = store.load(
            ParseResult(
                "test_ds",
                "2024-02-01",
                [Party("test_ds", "1", "person", "new 1")],
                [new_src],
                [],
                "fake",
            )
        )
        assert store.active("test_ds") == new
