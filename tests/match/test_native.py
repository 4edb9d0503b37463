"""The compiled matcher (match.native): used only when built from exactly these sources,
and it screens exactly as the plain Python modules do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from counterflow.match import native

FIXTURES = Path(__file__).resolve().parent.parent / "lists" / "fixtures"

# Screens the list fixtures with many spellings of their own names and unrelated names,
# threshold 0, and prints every hit's score, features and explanation as JSON lines.
SCREEN_SCRIPT = r"""
import json, sys
from pathlib import Path
from counterflow.lists.registry import sniff
from counterflow.match import PartyScreener, Query, native
from counterflow.match.scorer import name_similarity, token_similarity

fixtures = Path(sys.argv[1])
groups = sniff([fixtures / n for n in (
    "ofac_sdn_csv", "ofac_xml", "un_consolidated_small.xml", "uk_conlist_small.csv",
    "eu_fsf_small.xml", "csl_small.csv", "bis_dpl_small.txt", "os_targets_small.csv")])
parties = []
for g in groups.groups:
    parties.extend(g.module.parse(g.files, g.dataset).records)
screener = PartyScreener.from_parties(parties)
names = sorted({a for p in parties for a in [p.name, *(x.name for x in p.aliases)] if a})
queries = []
for i, n in enumerate(names):
    w = n.split()
    queries += [n, n.upper(), " ".join(reversed(w)), n[:-1], n.replace("a", "o", 1)]
    if len(w) > 1:
        queries.append(" ".join(w[:-1]))
queries += ["Accenture", "Red Rock Resorts, Inc.", "山田 太郎", "金正恩", "Мохаммад Хасан",
            "أحمد حسن", "Oak Engineering LLC", "x", "", "J. Smith & Sons GmbH"]
print(json.dumps({"native": native.active(), "queries": len(queries)}))
for n, q in enumerate(queries):
    for kind in ("any", "person", "organization"):
        hits = screener.screen(Query(str(n), q, kind=kind, countries=["us"]), threshold=0.0,
                               limit=5, attach_party=False)
        print(json.dumps([q, kind, [(h.entity_id, h.score, h.decision, h.features,
                                     h.explanation) for h in hits]], ensure_ascii=False))
print(json.dumps([token_similarity("mohammad", "mhmd"), token_similarity("kontur", "accenture")]))
"""


def _screen(pure: bool) -> list[str]:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop(native.PURE_ENV, None)
    if pure:
        env[native.PURE_ENV] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", SCREEN_SCRIPT, str(FIXTURES)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return proc.stdout.splitlines()


def _require_build() -> None:
    if native.usable_build():
        return
    msg = "no compiled matcher for these sources (make setup builds it)"
    if os.environ.get("CI"):
        pytest.fail(msg + ": CI must build and test it")
    pytest.skip(msg)


def test_compiled_and_plain_matcher_give_the_same_hits() -> None:
    _require_build()
    compiled, plain = _screen(pure=False), _screen(pure=True)
    assert json.loads(compiled[0])["native"] is True
    assert json.loads(plain[0])["native"] is False
    assert json.loads(plain[0])["queries"] > 300
    assert sum(1 for line in plain[1:-1] if json.loads(line)[2]) > 500  # hits to compare
    assert compiled[1:] == plain[1:]


def _fake_build(tmp_path: Path) -> Path:
    build = tmp_path / "_native"
    files = {}
    for m in native.NATIVE_MODULES:
        rel = "/".join(m.split(".")) + ".so"
        (build / rel).parent.mkdir(parents=True, exist_ok=True)
        (build / rel).write_bytes(b"")
        files[m] = rel
    manifest = {
        "python": native.python_tag(),
        "sources": {m: native.digest(native.source_path(m)) for m in native.NATIVE_MODULES},
        "files": files,
    }
    (build / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return build


def test_a_build_of_these_sources_is_usable(tmp_path: Path) -> None:
    build = _fake_build(tmp_path)
    assert set(native.usable_build(build)) == set(native.NATIVE_MODULES)


@pytest.mark.parametrize("damage", ["source", "python", "missing", "json", "modules"])
def test_a_stale_or_damaged_build_is_not_used(tmp_path: Path, damage: str) -> None:
    build = _fake_build(tmp_path)
    path = build / native.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if damage == "source":  # scorer.py edited since the build
        manifest["sources"]["counterflow.match.scorer"] = "0" * 64
    elif damage == "python":
        manifest["python"] = "cpython-39-.so"
    elif damage == "missing":
        (build / manifest["files"]["counterflow.match.scorer"]).unlink()
    elif damage == "modules":
        del manifest["sources"]["counterflow.match.phonetic"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    if damage == "json":
        path.write_text("{not json", encoding="utf-8")
    assert native.usable_build(build) == {}


def _python(code: str, *, pure: bool) -> str:
    """stdout of ``python -c code`` with the plain modules forced or not."""
    env = dict(os.environ)
    env.pop(native.PURE_ENV, None)
    if pure:
        env[native.PURE_ENV] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def test_the_plain_modules_can_be_forced() -> None:
    code = (
        "import counterflow.match.scorer as s, counterflow.match.native as n;"
        "print(n.active(), s.__file__.endswith('.py'))"
    )
    assert _python(code, pure=True).split() == ["False", "True"]


def test_ci_uses_the_compiled_matcher() -> None:
    """``make setup`` builds it, so CI screens (and tests) with the compiled modules."""
    _require_build()
    code = "import counterflow.match.native as n, counterflow.match;print(n.active())"
    assert _python(code, pure=False) == "True"
