"""Where the embedded store lives (``COUNTERFLOW_HOME``) and the files inside it."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The store folder: ``$COUNTERFLOW_HOME`` or ``~/.local/share/counterflow``. Created on use."""
    env = os.environ.get("COUNTERFLOW_HOME")
    path = Path(env).expanduser() if env else Path.home() / ".local" / "share" / "counterflow"
    path.mkdir(parents=True, exist_ok=True)
    return path


def lists_db_path() -> Path:
    """SQLite file holding list snapshots (one versioned snapshot per dataset load)."""
    return home() / "lists.sqlite"


def index_dir() -> Path:
    """Folder of the persisted name-matching index (rebuilt when list versions change)."""
    p = home() / "index"
    p.mkdir(parents=True, exist_ok=True)
    return p


def review_db_path() -> Path:
    """SQLite file of the review store (runs, alerts, decisions, allow-list, audit)."""
    return home() / "review.sqlite"


def downloads_dir() -> Path:
    p = home() / "downloads"
    p.mkdir(parents=True, exist_ok=True)
    return p
