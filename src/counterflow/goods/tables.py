"""Where the user's goods tables live, and how they get there.

Three tables, all loaded by the user (never shipped as constants):

* ``chpl``  — Common High Priority List HS-6 codes by tier (``hs6,tier[,hs_description]``)
* ``hs``    — HS nomenclature (``hscode,description[,level,...]``) for descriptions
* ``components`` — parts found in drones (the GUR components CSV, or a simple
  ``part_number,manufacturer,found_in[,source]`` file)

``counterflow goods load PATH...`` sniffs each CSV from its header, checks it parses and
copies it to ``$COUNTERFLOW_HOME/goods/<table>.csv``. Each table can instead be pointed at
directly: CLI options (``--chpl``, ``--hs-nomenclature``, ``--components``) win, then the
environment (``COUNTERFLOW_CHPL``, ``COUNTERFLOW_HS_NOMENCLATURE``,
``COUNTERFLOW_COMPONENTS``), then the copy under ``COUNTERFLOW_HOME``.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path
from typing import Literal

from counterflow import config
from counterflow.errors import BadInputError

TableKind = Literal["chpl", "hs", "components"]
TABLE_KINDS: tuple[TableKind, ...] = ("chpl", "hs", "components")
ENV_VARS: dict[TableKind, str] = {
    "chpl": "COUNTERFLOW_CHPL",
    "hs": "COUNTERFLOW_HS_NOMENCLATURE",
    "components": "COUNTERFLOW_COMPONENTS",
}


def goods_dir() -> Path:
    """``$COUNTERFLOW_HOME/goods`` (created on use)."""
    p = config.home() / "goods"
    p.mkdir(parents=True, exist_ok=True)
    return p


def read_header(path: Path) -> list[str]:
    """The lower-cased header of a CSV file (BOM stripped)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc
    return [h.strip().lower() for h in header]


def sniff_kind(path: Path) -> TableKind:
    """Which goods table a CSV is, from its header."""
    cols = set(read_header(path))
    if "tier" in cols and ({"hs6", "hs_code", "hscode", "hs"} & cols):
        return "chpl"
    if "hscode" in cols and "description" in cols:
        return "hs"
    if {"name_marking", "oem_part_number"} & cols or "part_number" in cols:
        return "components"
    raise BadInputError(
        "not a goods table: expected a CHPL table (hs6,tier), an HS nomenclature "
        "(hscode,description) or a components table (part_number or name_marking)",
        file=str(path),
        line=1,
    )


def table_path(kind: TableKind, explicit: str | Path | None = None) -> Path | None:
    """The file to read for ``kind``: explicit path, then env var, then the loaded copy.
    ``None`` when none exists."""
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            raise BadInputError(f"{kind} table not found", file=str(p))
        return p
    env = os.environ.get(ENV_VARS[kind])
    if env:
        p = Path(env).expanduser()
        if not p.is_file():
            raise BadInputError(f"{ENV_VARS[kind]} names a missing file", file=str(p))
        return p
    p = goods_dir() / f"{kind}.csv"
    return p if p.is_file() else None


def install_table(path: Path, kind: TableKind | None = None) -> tuple[TableKind, Path, int]:
    """Check ``path`` parses as a goods table and copy it under ``COUNTERFLOW_HOME``.
    Returns (kind, installed path, rows)."""
    from counterflow.goods.chpl import load_chpl, load_hs_nomenclature
    from counterflow.goods.parts import load_components

    path = Path(path)
    if not path.is_file():
        raise BadInputError("no such file", file=str(path))
    kind = kind or sniff_kind(path)
    rows: int
    if kind == "chpl":
        rows = len(load_chpl(path).tiers)
    elif kind == "hs":
        rows = len(load_hs_nomenclature(path))
    else:
        rows = len(load_components(path).components)
    dest = goods_dir() / f"{kind}.csv"
    tmp = dest.with_suffix(".csv.tmp")
    shutil.copyfile(path, tmp)
    tmp.replace(dest)
    return kind, dest, rows
