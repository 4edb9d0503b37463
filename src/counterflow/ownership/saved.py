"""The ownership graph kept under ``COUNTERFLOW_HOME/ownership/``: ``ownership load``
copies the user's edge files there (CSV / FtM as given) so later commands find them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from counterflow import config
from counterflow.ownership.graph import OwnershipGraph, load_any
from counterflow.store.snapshots import file_sha256


def ownership_dir() -> Path:
    p = config.home() / "ownership"
    p.mkdir(parents=True, exist_ok=True)
    return p


def save_sources(paths: list[Path], *, append: bool = False) -> list[Path]:
    """Copy edge files into the store folder (replacing earlier ones unless ``append``)."""
    d = ownership_dir()
    manifest = d / "files.json"
    kept: list[str] = []
    if append and manifest.is_file():
        kept = list(json.loads(manifest.read_text("utf-8")))
    elif manifest.is_file():
        for old in json.loads(manifest.read_text("utf-8")):
            (d / old).unlink(missing_ok=True)
    out: list[Path] = []
    for i, p in enumerate(paths):
        name = f"{len(kept) + i:03d}-{p.name}"
        shutil.copyfile(p, d / name)
        kept.append(name)
        out.append(d / name)
    manifest.write_text(json.dumps(kept), "utf-8")
    return out


def saved_paths() -> list[Path]:
    manifest = ownership_dir() / "files.json"
    if not manifest.is_file():
        return []
    d = ownership_dir()
    return [d / n for n in json.loads(manifest.read_text("utf-8")) if (d / n).is_file()]


def open_saved(extra: list[Path] | None = None) -> OwnershipGraph | None:
    """The loaded graph (plus ``extra`` files); ``None`` when there is none. An extra file
    with the same content as a loaded one is read once, so its edges never count twice."""
    paths = saved_paths()
    seen = {file_sha256(p) for p in paths}
    for p in extra or []:
        digest = file_sha256(p)
        if digest not in seen:
            seen.add(digest)
            paths.append(p)
    return load_any(paths) if paths else None
