"""Fixtures for the site-watch tests (helpers in ``sites_helpers.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sites_helpers import ground, save_png, with_building


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    return tmp_path / "home"


@pytest.fixture()
def png_pair(tmp_path: Path) -> tuple[Path, Path]:
    before = ground(1)
    return save_png(before, tmp_path / "before.png"), save_png(
        with_building(before), tmp_path / "after.png"
    )
