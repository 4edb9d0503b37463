"""The Japanese (pykakasi) and Korean (hanja) reading tables, loaded from cached copies.

Both packages read a big table when first used: pykakasi unpickles its 9.7 MB kanji
dictionary (about 0.6 s), hanja parses its 27,000-character YAML (about 0.4 s), and every
worker of a batch paid both at its first Han name. Each table is copied once into
``index_dir()`` under the path, size and time of the package's own file (a new
package version makes a new copy) in a form that loads in about 10 ms: hanja's table
whole, pykakasi's as one packed entry per first character, unpacked when a name first
needs it. The packages then run on these tables as usual, so the readings are theirs,
unchanged.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _package_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent.joinpath(*parts)
    return path if path.is_file() else None


def _cached(source: Path, name: str, build: Callable[[], Any]) -> Any:
    """``build()``'s result, kept as a marshal file keyed by ``source``'s path, size
    and modification time (hashing the 10 MB file cost each worker ~40 ms)."""
    from counterflow.config import index_dir

    st = source.stat()
    stamp = f"{source.resolve()}\0{st.st_size}\0{st.st_mtime_ns}"
    digest = hashlib.sha256(stamp.encode("utf-8")).hexdigest()[:16]
    cache = index_dir() / f"{name}-{digest}.marshal"
    try:
        return marshal.loads(cache.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        pass
    value = build()
    try:  # written atomically; a read-only home just means no cache
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=cache.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(marshal.dumps(value))
        os.replace(tmp, cache)
    except OSError:
        pass
    return value


def hanja_translator() -> Callable[[str, str], str] | None:
    """``hanja.translate`` on the cached table (None without the ``hanja`` package)."""
    source = _package_file("hanja", "table.yml")
    if source is None:
        return None
    if "hanja.table" not in sys.modules:

        def build() -> dict[str, str]:
            import hanja.table  # type: ignore[import-untyped,import-not-found,unused-ignore]

            return dict(hanja.table.hanja_table)

        table = _cached(source, "hanja-table", build)
        if isinstance(table, dict) and "hanja.table" not in sys.modules:
            mod = types.ModuleType("hanja.table")
            mod.hanja_table = table  # type: ignore[attr-defined]
            sys.modules["hanja.table"] = mod
    import hanja  # type: ignore[import-untyped,import-not-found,unused-ignore]

    fn: Callable[[str, str], str] = hanja.translate
    return fn


class PackedTable:
    """pykakasi's kanji dictionary (first character -> readings) with each entry
    unpacked on first use; pykakasi only calls ``get``."""

    def __init__(self, packed: dict[int, bytes]) -> None:
        self.packed = packed
        self.open: dict[int, Any] = {}

    def get(self, key: int, default: Any = None) -> Any:
        entry = self.open.get(key)
        if entry is None:
            blob = self.packed.get(key)
            if blob is None:
                return default
            entry = self.open[key] = marshal.loads(blob)
        return entry


def kakasi() -> Any:
    """A ``pykakasi.kakasi()`` converter on the cached dictionary (None without
    pykakasi)."""
    try:
        import pykakasi  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from pykakasi import kanji  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None
    state = getattr(getattr(kanji, "Kanwa", None), "_shared_state", None)
    source = _package_file("pykakasi", "data", "kanwadict4.db")
    if isinstance(state, dict) and state.get("_jisyo_table") is None and source is not None:

        def build() -> dict[int, bytes]:
            import pickle

            with open(source, "rb") as fh:
                table = pickle.load(fh)
            return {k: marshal.dumps(v) for k, v in table.items()}

        packed = _cached(source, "kakasi-kanwa", build)
        if isinstance(packed, dict):
            state["_jisyo_table"] = PackedTable(packed)
    return pykakasi.kakasi()  # type: ignore[no-untyped-call,unused-ignore]
