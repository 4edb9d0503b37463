"""Open the user's goods tables (explicit paths, env vars, or the copies under
``COUNTERFLOW_HOME/goods``); ``None`` for a table that was never loaded."""

from __future__ import annotations

from pathlib import Path

from counterflow.goods.chpl import ChplTable, load_chpl, load_hs_nomenclature
from counterflow.goods.parts import ComponentTable, load_components
from counterflow.goods.tables import table_path


def open_chpl(chpl: str | Path | None = None, hs: str | Path | None = None) -> ChplTable | None:
    path = table_path("chpl", chpl)
    if path is None:
        return None
    hs_path = table_path("hs", hs)
    names = load_hs_nomenclature(hs_path) if hs_path else None
    return load_chpl(path, names)


def open_components(components: str | Path | None = None) -> ComponentTable | None:
    path = table_path("components", components)
    return load_components(path) if path else None


def open_hs_names(hs: str | Path | None = None) -> dict[str, str]:
    path = table_path("hs", hs)
    return load_hs_nomenclature(path) if path else {}
