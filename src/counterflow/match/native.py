"""The matcher's hot path compiled with mypyc, used only when it was built from exactly
the sources in this tree.

``python -m counterflow.match.native_build`` (run by ``make setup``) compiles
``NATIVE_MODULES`` into ``match/_native/`` with a manifest holding the SHA-256 of each
source file. ``install()`` (called first thing by ``counterflow.match``) adds an import
finder that loads a compiled module only when the manifest's digest equals the digest of
the ``.py`` file beside it, for this Python. An edited source, another Python, a missing
or damaged build, or ``COUNTERFLOW_PURE_PYTHON=1``: the plain Python module is imported,
so the compiled code can make the matcher faster but never different or stale.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

NATIVE_MODULES = (
    "counterflow.match.phonetic",
    "counterflow.match.frequency",
    "counterflow.match.normalize",
    "counterflow.match.prepared",
    "counterflow.match.scorer",
    "counterflow.match.calibration",
    "counterflow.match.transliterate",
    "counterflow.match.index",
    "counterflow.match.screener",
    "counterflow.match.csvio",
)
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/counterflow
BUILD_DIR = Path(__file__).resolve().parent / "_native"
MANIFEST = "manifest.json"
PURE_ENV = "COUNTERFLOW_PURE_PYTHON"


def source_path(module: str) -> Path:
    """The ``.py`` file of one of ``NATIVE_MODULES``."""
    parts = module.split(".")
    return PACKAGE_DIR.joinpath(*parts[1:]).with_suffix(".py")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def python_tag() -> str:
    """The Python a build is for (compiled modules load only into the same one)."""
    return f"{sys.implementation.cache_tag}-{importlib.machinery.EXTENSION_SUFFIXES[0]}"


def usable_build(build_dir: Path = BUILD_DIR) -> dict[str, Path]:
    """Module name -> compiled file, for a build of exactly these sources for this
    Python; empty when there is none (or it is stale, incomplete or damaged)."""
    try:
        manifest = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("python") != python_tag():
            return {}
        files: dict[str, str] = manifest["files"]
        sources: dict[str, str] = manifest["sources"]
        if set(sources) != set(NATIVE_MODULES):
            return {}
        for module, want in sources.items():
            if digest(source_path(module)) != want:
                return {}
        out = {name: build_dir / rel for name, rel in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    if not all(p.is_file() for p in out.values()):
        return {}
    return out


class _NativeFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules of a usable build (and mypyc's shared library)."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        where = self.files.get(fullname)
        if where is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(where))
        return importlib.util.spec_from_file_location(fullname, where, loader=loader)


def install() -> bool:
    """Put the finder first on ``sys.meta_path`` when a usable build exists and no
    compiled-module candidate is imported yet; True when compiled modules will be used."""
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return False
    if any(isinstance(f, _NativeFinder) for f in sys.meta_path):
        return True
    if any(m in sys.modules for m in NATIVE_MODULES):
        return False  # too late: the plain modules are in use already
    files = usable_build()
    if not files:
        return False
    sys.meta_path.insert(0, _NativeFinder(files))
    return True


def active() -> bool:
    """True when the imported scorer is the compiled one."""
    mod = sys.modules.get("counterflow.match.scorer")
    return mod is not None and not str(getattr(mod, "__file__", "")).endswith(".py")
