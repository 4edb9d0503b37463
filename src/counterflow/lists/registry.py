"""The parser registry: which parser modules exist, and which files each recognises.

Files are sniffed from their content: the registry reads the first 64 KiB (decompressed
for ``.gz``) and asks each parser module's ``detect``; the first that recognises the file
wins. Files of one call with the same ``(format, group)`` form one publication and are
parsed together (an OFAC CSV set). Folders are expanded one level deep (not
recursively); files nobody recognises are reported with a reason, never dropped
silently.

Parser modules are the ``counterflow.lists`` modules named in ``PARSER_MODULES``, any
dotted module names in ``$COUNTERFLOW_EXTRA_PARSERS`` (comma-separated), and modules
registered at run time with ``register_module``.
"""

from __future__ import annotations

import csv
import gzip
import os
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, cast
from xml.etree.ElementTree import ParseError as XmlParseError

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, ParseResult

HEAD_BYTES = 64 * 1024

# What a detector may raise on content it cannot read (bad text, JSON, CSV, XML, zip or
# gzip): that file is not the detector's format, and the other modules are asked. Any
# other exception is a bug in the detector and is raised.
DETECT_ERRORS: tuple[type[Exception], ...] = (
    ValueError,  # includes UnicodeDecodeError and json.JSONDecodeError
    csv.Error,
    XmlParseError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
)

# Order matters where two modules could claim a file: the more specific first.
PARSER_MODULES: tuple[str, ...] = (
    "counterflow.lists.ofac_csv",
    "counterflow.lists.ofac_xml",
    "counterflow.lists.ofac_advanced",
    "counterflow.lists.un_xml",
    "counterflow.lists.uk_ofsi",
    "counterflow.lists.eu_fsf",
    "counterflow.lists.eu_json",
    "counterflow.lists.opensanctions",
    "counterflow.lists.bis_dpl",
    "counterflow.lists.trade_csl",
)

EXTRA_ENV = "COUNTERFLOW_EXTRA_PARSERS"


class ParserModule(Protocol):
    """What a parser module exposes (see the bottom of ``lists/base.py``)."""

    FORMAT: str

    def detect(self, path: Path, head: bytes) -> Detected | None: ...

    def parse(self, paths: Sequence[Path], dataset: str | None = None) -> ParseResult: ...


_registered: list[ParserModule] = []


def register_module(module: ParserModule | ModuleType) -> None:
    """Add a parser module (tried before the built-in ones)."""
    mod = cast(ParserModule, module)
    if mod not in _registered:
        _registered.insert(0, mod)


def unregister_module(module: ParserModule | ModuleType) -> None:
    mod = cast(ParserModule, module)
    if mod in _registered:
        _registered.remove(mod)


def _import(name: str) -> ParserModule:
    return cast(ParserModule, import_module(name))


def parser_modules() -> list[ParserModule]:
    """Every parser module available, in the order they are asked."""
    mods: list[ParserModule] = list(_registered)
    extra = [n.strip() for n in os.environ.get(EXTRA_ENV, "").split(",") if n.strip()]
    for name in [*extra, *PARSER_MODULES]:
        mod = _import(name)
        if mod not in mods:
            mods.append(mod)
    return mods


def downloads(module: ParserModule) -> dict[str, list[str]]:
    """A module's ``DOWNLOADS`` as ``{dataset: [url, ...]}`` (a missing one is empty)."""
    raw: Any = getattr(module, "DOWNLOADS", None) or {}
    out: dict[str, list[str]] = {}
    for ds, urls in cast(Mapping[str, Any], raw).items():
        if isinstance(urls, str):
            out[ds] = [urls]
        elif isinstance(urls, Mapping):
            out[ds] = [str(u) for u in urls.values()]
        else:
            out[ds] = [str(u) for u in urls]
    return out


# ---------------------------------------------------------------------- sniffing


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a file, decompressed when it is gzip (by magic)."""
    with path.open("rb") as fh:
        head = fh.read(size)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as gz:
                return gz.read(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise BadInputError(f"not a readable gzip file ({exc})", file=str(path)) from exc
    return head


@dataclass(slots=True)
class Unrecognised:
    """A file no parser module took, with the reason."""

    path: Path
    reason: str
    explicit: bool  # named on the command line (an error) or found in a folder (a note)

    def describe(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(slots=True)
class FileGroup:
    """The files of one publication, to be parsed together by ``module``."""

    format: str
    dataset: str
    group: str
    module: ParserModule
    files: list[Path] = field(default_factory=list)
    roles: dict[Path, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        names = ", ".join(p.name for p in self.files)
        return f"{self.dataset} ({self.format}: {names})"

    def parse(self, dataset: str | None = None) -> ParseResult:
        return self.module.parse(list(self.files), dataset=dataset)


@dataclass(slots=True)
class Sniffed:
    """The result of sniffing a set of paths."""

    groups: list[FileGroup]
    unrecognised: list[Unrecognised]
    skipped_folders: list[Path]


def expand(paths: Iterable[Path | str]) -> tuple[list[tuple[Path, bool]], list[Path]]:
    """Files named, and the files directly inside folders named (sorted; hidden files and
    sub-folders left out). Returns ``[(file, explicit)]`` and the sub-folders not entered.
    A path that does not exist is a ``BadInputError``."""
    files: list[tuple[Path, bool]] = []
    subfolders: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw).expanduser()
        if not p.exists():
            raise BadInputError("no such file or folder", file=str(p))
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.name.startswith("."):
                    continue
                if child.is_dir():
                    subfolders.append(child)
                elif child.is_file() and child.resolve() not in seen:
                    seen.add(child.resolve())
                    files.append((child, False))
        elif p.resolve() not in seen:
            seen.add(p.resolve())
            files.append((p, True))
    return files, subfolders


def detect(path: Path, modules: Sequence[ParserModule] | None = None) -> Detected | None:
    """What the first module recognising ``path`` says, or None. Raises
    ``BadInputError`` when the file cannot be read."""
    return _detect(path, modules if modules is not None else parser_modules())[0]


def _detect(
    path: Path, modules: Sequence[ParserModule]
) -> tuple[Detected | None, ParserModule | None, list[str]]:
    """(what the first module recognising ``path`` says, that module, the detectors that
    could not read the file: ``"FORMAT: error"``)."""
    try:
        head = read_head(path)
    except OSError as exc:
        raise BadInputError(f"cannot read file: {exc.strerror or exc}", file=str(path)) from exc
    if not head.strip():
        raise BadInputError("empty file", file=str(path))
    failed: list[str] = []
    for mod in modules:
        try:
            found = mod.detect(path, head)
        except DETECT_ERRORS as exc:  # not this module's format; the others are asked
            failed.append(f"{mod.FORMAT}: {type(exc).__name__}: {exc}")
            continue
        if found is not None:
            return found, mod, failed
    return None, None, failed


def sniff(paths: Iterable[Path | str]) -> Sniffed:
    """Group the given files and folders' files into publications by content."""
    files, subfolders = expand(paths)
    modules = parser_modules()
    groups: dict[tuple[str, str], FileGroup] = {}
    unrecognised: list[Unrecognised] = []
    for path, explicit in files:
        try:
            found, mod, failed = _detect(path, modules)
        except BadInputError as exc:
            unrecognised.append(Unrecognised(path, exc.reason, explicit))
            continue
        if found is None or mod is None:
            reason = "not a list format Counterflow recognises"
            if failed:
                reason += " (detectors that could not read it: " + "; ".join(failed) + ")"
            unrecognised.append(Unrecognised(path, reason, explicit))
            continue
        key = (found.format, found.group or found.dataset)
        grp = groups.get(key)
        if grp is None:
            grp = groups[key] = FileGroup(
                format=found.format, dataset=found.dataset, group=key[1], module=mod
            )
        grp.files.append(path)
        grp.roles[path] = found.role
    return Sniffed(list(groups.values()), unrecognised, subfolders)
