"""The embedded list store: versioned, atomic snapshots of every loaded list (SQLite).

from counterflow.store import ListStore
store = ListStore.open()          # config.lists_db_path(), or ListStore.open(path)
info = store.load(parse_result)   # -> SnapshotInfo (atomic, versioned)
"""

from counterflow.store.diff import ListDiff
from counterflow.store.info import SnapshotInfo
from counterflow.store.schema import StoreError
from counterflow.store.snapshots import ListStore, files_sha256

__all__ = ["ListDiff", "ListStore", "SnapshotInfo", "StoreError", "files_sha256"]
