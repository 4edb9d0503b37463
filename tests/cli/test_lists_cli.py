"""counterflow lists load/status/diff/show/issues/versions/update through the CLI entry point."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from counterflow.cli.main import main
from counterflow.lists import registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lists" / "fixtures" / "fakeparser"))
import cf_fake_list
from cf_fake_list import fake_file

STATUS_KEYS = {"dataset", "version", "records", "by_kind", "skipped", "orphaned", "loaded_at"}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cf_fake_list, "DOWNLOADS", {})
    registry.register_module(cf_fake_list)
    yield tmp_path / "home"
    registry.unregister_module(cf_fake_list)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return int(exc.value.code or 0), out, err


@pytest.fixture
def two_versions(tmp_path: Path) -> tuple[Path, Path]:
    v1 = fake_file(
        tmp_path / "v1.txt",
        ["1|person|Ivan Petrov", "2|organization|Acme LLC", "3|vessel|SEA STAR"],
        version="2024-04-26",
    )
    v2 = fake_file(
        tmp_path / "v2.txt",
        ["1|person|Ivan PETROV", "3|vessel|SEA STAR", "4|aircraft|EP-ABC", "oops"],
        version="2024-05-03",
    )
    return v1, v2


def test_load_prints_versions_counts_and_issues(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    main_f = fake_file(tmp_path / "m.txt", ["1|person|A", "bad row", "2|vessel|B"])
    add_f = fake_file(tmp_path / "a.txt", ["9|Nowhere"], role="add")
    code, out, _ = run(capsys, "lists", "load", str(main_f), str(add_f))
    assert code == 0
    assert "fake_ds 2024-01-01: loaded" in out
    assert "2 records: 1 person, 1 vessel" in out
    assert "1 skipped, 1 orphaned" in out
    assert "m.txt:3" in out and "a.txt:2" in out
    code, out, _ = run(capsys, "lists", "load", str(main_f), str(add_f))
    assert code == 0 and "unchanged" in out


def test_quiet_load_prints_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = fake_file(tmp_path / "m.txt", ["1|person|A"])
    code, out, err = run(capsys, "lists", "load", "--quiet", str(f))
    assert (code, out, err) == (0, "", "")


def test_nothing_loadable_exits_1_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    code, _, err = run(capsys, "lists", "load", str(junk))
    assert code == 1 and "junk.csv" in err and "not a list format" in err
    code, _, err = run(capsys, "lists", "load", str(tmp_path / "missing.xml"))
    assert code == 1 and "missing.xml" in err and "no such file" in err
    bad = fake_file(tmp_path / "b.txt", ["garbage"])
    code, _, err = run(capsys, "lists", "load", str(bad))
    assert code == 1 and "b.txt:2" in err and "previous version" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "lists", "load")[0] == 2
    assert run(capsys, "lists", "status", "--bogus")[0] == 2
    f = fake_file(tmp_path / "m.txt", ["1|person|A"])
    g = fake_file(tmp_path / "n.txt", ["1|person|A"], dataset="other")
    code, _, err = run(capsys, "lists", "load", "--dataset", "x", str(f), str(g))
    assert code == 2 and "one publication" in err


def test_status_json_and_table(
    capsys: pytest.CaptureFixture[str], two_versions: tuple[Path, Path]
) -> None:
    code, out, _ = run(capsys, "lists", "status", "--json")
    assert code == 0 and json.loads(out) == []
    run(capsys, "lists", "load", str(two_versions[1]))
    code, out, _ = run(capsys, "lists", "status", "--json")
    [row] = json.loads(out)
    assert row.keys() >= STATUS_KEYS
    assert set(row["by_kind"]) == {"person", "organization", "vessel", "aircraft"}
    assert (row["dataset"], row["version"], row["records"], row["skipped"]) == (
        "fake_ds",
        "2024-05-03",
        3,
        1,
    )
    assert row["by_kind"]["aircraft"] == 1
    assert row["loaded_at"].endswith("Z")
    code, out, _ = run(capsys, "lists", "status")
    assert code == 0 and "fake_ds" in out and "2024-05-03" in out and "1 skipped" in out


def test_diff_text_and_json(
    capsys: pytest.CaptureFixture[str], two_versions: tuple[Path, Path]
) -> None:
    for f in two_versions:
        run(capsys, "lists", "load", str(f))
    code, out, _ = run(capsys, "lists", "diff", "fake_ds")
    assert code == 0
    assert "+ 4  EP-ABC  (aircraft)" in out
    assert "- 2  Acme LLC  (organization)" in out
    assert "~ 1  Ivan PETROV  (person): name" in out
    assert "1 added, 1 removed, 1 changed (3 entry-level changes)" in out
    code, out, _ = run(capsys, "lists", "diff", "fake_ds", "2024-05-03", "2024-04-26", "--json")
    d = json.loads(out)
    assert d["summary"] == {"added": 1, "removed": 1, "changed": 1, "total": 3}
    assert d["added"][0]["source_id"] == "2"
    code, _, err = run(capsys, "lists", "diff", "nope_ds")
    assert code == 1 and "nope_ds" in err and "not loaded" in err
    code, _, err = run(capsys, "lists", "diff", "fake_ds", "1999-01-01")
    assert code == 1 and "2024-04-26" in err  # lists what is stored


def test_show_versions_issues(
    capsys: pytest.CaptureFixture[str], two_versions: tuple[Path, Path]
) -> None:
    for f in two_versions:
        run(capsys, "lists", "load", str(f))
    code, out, _ = run(capsys, "lists", "show", "1")
    assert code == 0 and "Ivan PETROV" in out and "fake_ds:1" in out
    code, out, _ = run(capsys, "lists", "show", "1", "--dataset", "fake_ds", "--json")
    assert json.loads(out)[0]["name"] == "Ivan PETROV"
    code, _, err = run(capsys, "lists", "show", "nope")
    assert code == 1 and "nope" in err
    code, out, _ = run(capsys, "lists", "versions", "fake_ds")
    assert code == 0 and "2024-04-26" in out and "* #2  2024-05-03" in out
    code, out, _ = run(capsys, "lists", "issues", "fake_ds", "--json")
    assert [i["line"] for i in json.loads(out)] == [5]


def test_update_offline_exits_1_store_untouched(
    capsys: pytest.CaptureFixture[str], two_versions: tuple[Path, Path]
) -> None:
    run(capsys, "lists", "load", str(two_versions[0]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cf_fake_list.DOWNLOADS["fake_ds"] = [f"http://127.0.0.1:{port}/list.txt"]
    code, _, err = run(
        capsys, "lists", "update", "--dataset", "fake_ds", "--timeout", "2", "--retries", "0"
    )
    assert code == 1 and "could not download" in err and "unchanged" in err
    code, out, _ = run(capsys, "lists", "status", "--json")
    assert json.loads(out)[0]["version"] == "2024-04-26"
    code, _, err = run(capsys, "lists", "update", "--dataset", "nope_ds")
    assert code == 1 and "nope_ds" in err


def test_cli_load_killed_while_parsing_leaves_the_store_as_it_was(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    import os
    import signal
    import subprocess
    import time

    v1 = fake_file(tmp_path / "v1.txt", ["1|person|Old"], version="2024-01-01")
    assert run(capsys, "lists", "load", str(v1))[0] == 0
    _, before, _ = run(capsys, "lists", "status", "--json")
    marker = tmp_path / "parsing"
    v2 = fake_file(
        tmp_path / "v2.txt", ["1|person|New"], version="2024-02-01", extra=f"hang={marker}"
    )
    env = dict(
        os.environ,
        COUNTERFLOW_HOME=str(home),
        COUNTERFLOW_EXTRA_PARSERS="cf_fake_list",
        PYTHONPATH=os.pathsep.join([str(Path(cf_fake_list.__file__).parent), *sys.path]),
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "counterflow.cli.main", "lists", "load", str(v2)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    _, after, _ = run(capsys, "lists", "status", "--json")
    assert json.loads(after) == json.loads(before)
    _, out, _ = run(capsys, "lists", "show", "1", "--json")
    assert json.loads(out)[0]["name"] == "Old"


def test_cli_load_killed_while_writing_leaves_the_store_as_it_was(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    """SIGKILL once the new snapshot's rows are being written (the store's WAL grows by
    megabytes inside the open transaction), not before: the old version stays in force."""
    import os
    import signal
    import subprocess
    import time

    v1 = fake_file(tmp_path / "v1.txt", [f"{i}|person|Old {i}" for i in range(1, 1001)])
    assert run(capsys, "lists", "load", str(v1))[0] == 0
    _, before, _ = run(capsys, "lists", "status", "--json")
    rows = [f"{i}|person|New name number {i}" for i in range(1, 100_001)]
    v2 = fake_file(tmp_path / "v2.txt", rows, version="2024-02-01")
    wal = home / "lists.sqlite-wal"
    start = wal.stat().st_size if wal.exists() else 0
    env = dict(
        os.environ,
        COUNTERFLOW_HOME=str(home),
        COUNTERFLOW_EXTRA_PARSERS="cf_fake_list",
        PYTHONPATH=os.pathsep.join([str(Path(cf_fake_list.__file__).parent), *sys.path]),
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "counterflow.cli.main", "lists", "load", "-q", str(v2)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (wal.exists() and wal.stat().st_size > start + (2 << 20)):
            assert child.poll() is None, "the load ended before the kill: make it bigger"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert child.poll() is None
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    _, after, _ = run(capsys, "lists", "status", "--json")
    assert json.loads(after) == json.loads(before)
    _, out, _ = run(capsys, "lists", "show", "1", "--json")
    assert json.loads(out)[0]["name"] == "Old 1"
