"""lists update: downloads from a local HTTP server, retries, failures leave the store as it was."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from counterflow import config
from counterflow.errors import BadInputError
from counterflow.lists import registry
from counterflow.store import ListStore
from counterflow.store.update import DownloadError, fetch, plan, update

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "fakeparser"))
import cf_fake_list
from cf_fake_list import fake_file


class Server:
    """Serves ``files`` (name -> bytes); ``fail[name] = n`` answers 503 n times first;
    ``short`` names are cut off below their announced Content-Length."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.fail: dict[str, int] = {}
        self.short: set[str] = set()
        self.hits: dict[str, int] = {}
        self.modified: dict[str, str] = {}
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.lstrip("/")
                srv.hits[name] = srv.hits.get(name, 0) + 1
                if srv.fail.get(name, 0) > 0:
                    srv.fail[name] -= 1
                    self.send_error(503)
                    return
                body = srv.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                if name in srv.modified:
                    self.send_header("Last-Modified", srv.modified[name])
                self.send_header(
                    "Content-Length", str(len(body) + (50 if name in srv.short else 0))
                )
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cf_fake_list, "DOWNLOADS", {})
    registry.register_module(cf_fake_list)
    yield tmp_path / "home"
    registry.unregister_module(cf_fake_list)


def publish(server: Server, tmp_path: Path, version: str, names: list[str]) -> None:
    main = fake_file(tmp_path / f"m-{version}", [f"1|person|{n}" for n in names], version=version)
    add = fake_file(tmp_path / f"a-{version}", ["1|Main St", "7|Gone"], version=version, role="add")
    server.files["list.txt"] = main.read_bytes()
    server.files["list_add.txt"] = add.read_bytes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_update_downloads_and_loads(home: Path, server: Server, tmp_path: Path) -> None:
    publish(server, tmp_path, "2024-01-01", ["Ivan"])
    cf_fake_list.DOWNLOADS["fake_ds"] = [server.url("list.txt"), server.url("list_add.txt")]
    with ListStore.open() as store:
        [res] = update(store, ["fake_ds"], timeout=5, retries=0)
        assert res.ok and res.error is None
        assert [len(f.sha256) for f in res.fetched] == [64, 64]
        info = store.active("fake_ds")
        assert info is not None and info.records == 1 and info.orphaned == 1
        assert store.get("1")[0].addresses == ["Main St"]
    kept = config.downloads_dir() / "fake_ds"
    assert sorted(p.name for p in kept.iterdir()) == ["list.txt", "list_add.txt"]
    assert [p.name for p in config.downloads_dir().iterdir()] == ["fake_ds"]  # no temp left


def test_offline_leaves_store_untouched(home: Path, server: Server, tmp_path: Path) -> None:
    publish(server, tmp_path, "2024-01-01", ["Ivan"])
    cf_fake_list.DOWNLOADS["fake_ds"] = [server.url("list.txt"), server.url("list_add.txt")]
    with ListStore.open() as store:
        update(store, ["fake_ds"], timeout=5, retries=0)
        before = (store.status(), store.fingerprint())
        dead = f"http://127.0.0.1:{free_port()}/list.txt"
        cf_fake_list.DOWNLOADS["fake_ds"] = [dead]
        [res] = update(store, ["fake_ds"], timeout=2, retries=2, backoff=0.01)
        assert not res.ok
        assert "could not download" in (res.error or "") and "after 3 attempts" in (res.error or "")
        assert "unchanged" in (res.error or "")
        assert (store.status(), store.fingerprint()) == before
    assert [p.name for p in config.downloads_dir().iterdir()] == ["fake_ds"]


def test_one_missing_file_keeps_the_whole_dataset_as_it_was(
    home: Path, server: Server, tmp_path: Path
) -> None:
    publish(server, tmp_path, "2024-01-01", ["Ivan"])
    cf_fake_list.DOWNLOADS["fake_ds"] = [server.url("list.txt"), server.url("list_add.txt")]
    with ListStore.open() as store:
        update(store, ["fake_ds"], timeout=5, retries=0)
        publish(server, tmp_path, "2024-02-01", ["Petr"])
        del server.files["list_add.txt"]
        [res] = update(store, ["fake_ds"], timeout=5, retries=3, backoff=0.01)
        assert "HTTP 404" in (res.error or "")
        assert server.hits["list_add.txt"] == 2  # 404 is not retried
        assert store.active("fake_ds").version == "2024-01-01"  # type: ignore[union-attr]
        assert store.get("1")[0].name == "Ivan"


def test_transient_errors_are_retried(home: Path, server: Server, tmp_path: Path) -> None:
    server.files["x.txt"] = b"hello"
    server.fail["x.txt"] = 2
    waits: list[float] = []
    with httpx.Client(timeout=5) as client:
        got = fetch(client, server.url("x.txt"), tmp_path / "x.txt", retries=2, backoff=0.5,
                    sleep=waits.append)  # fmt: skip
        assert got.size == 5 and (tmp_path / "x.txt").read_bytes() == b"hello"
        assert waits == [0.5, 1.0]
        server.fail["x.txt"] = 5
        with pytest.raises(DownloadError, match="HTTP 503"):
            fetch(client, server.url("x.txt"), tmp_path / "y.txt", retries=1, sleep=waits.append)
        assert not (tmp_path / "y.txt").exists()


def test_truncated_download_is_an_error(home: Path, server: Server, tmp_path: Path) -> None:
    server.files["t.txt"] = b"0123456789"
    server.short.add("t.txt")
    with httpx.Client(timeout=5) as client, pytest.raises(DownloadError):
        fetch(client, server.url("t.txt"), tmp_path / "t.txt", retries=1, sleep=lambda s: None)
    assert not (tmp_path / "t.txt").exists()


def test_unknown_dataset_is_bad_input(home: Path) -> None:
    cf_fake_list.DOWNLOADS["fake_ds"] = ["http://127.0.0.1:9/x"]
    assert "fake_ds" in plan()
    with pytest.raises(BadInputError, match="no download known for nope_ds"):
        plan(["nope_ds"])


def test_last_modified_becomes_the_file_date(home: Path, server: Server, tmp_path: Path) -> None:
    import datetime as dt

    server.files["x.txt"] = b"hello"
    server.modified["x.txt"] = "Fri, 03 May 2024 14:00:00 GMT"
    with httpx.Client(timeout=5) as client:
        got = fetch(client, server.url("x.txt"), tmp_path / "x.txt", retries=0)
    stamp = dt.datetime.fromtimestamp(got.path.stat().st_mtime, tz=dt.UTC)
    assert stamp == dt.datetime(2024, 5, 3, 14, 0, tzinfo=dt.UTC)


def test_an_error_page_instead_of_the_list_changes_nothing(
    home: Path, server: Server, tmp_path: Path
) -> None:
    publish(server, tmp_path, "2024-01-01", ["Ivan"])
    cf_fake_list.DOWNLOADS["fake_ds"] = [server.url("list.txt")]
    with ListStore.open() as store:
        update(store, ["fake_ds"], timeout=5, retries=0)
        before = (store.status(), store.fingerprint())
        server.files["list.txt"] = b"<html><body>Service unavailable</body></html>"
        [res] = update(store, ["fake_ds"], timeout=5, retries=0)
        assert not res.ok and res.load is not None
        assert "not a list format" in res.load.unrecognised[0].reason
        assert (store.status(), store.fingerprint()) == before
    kept = config.downloads_dir() / "fake_ds" / "list.txt"
    assert kept.read_bytes().startswith(b"#FAKELIST")  # the last good download stays
