"""The docs' shell examples, run and compared (see ``doc_examples.py``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from doc_examples import Example, examples, matches

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
LISTS = SHARED / "data" / "lists"
EXAMPLES = examples(REPO / "docs")


def _params() -> list[object]:
    out: list[object] = []
    for ex in EXAMPLES:
        needs_shared = {"shared-lists", "shared"} & ex.options
        marks = [pytest.mark.shared] if needs_shared else []
        out.append(pytest.param(ex, id=ex.id, marks=marks))
    return out


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store with every shared list loaded, made once for the session."""
    if not LISTS.is_dir():
        pytest.skip("../shared/data (real lists) not present")
    home = tmp_path_factory.mktemp("doc-home")
    env = _env(home)
    subprocess.run(
        ["counterflow", "lists", "load", str(LISTS), "-q"], env=env, check=True, timeout=600
    )
    yield home


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env.update(
        COUNTERFLOW_HOME=str(home),
        PATH=bindir + os.pathsep + env.get("PATH", ""),
        PYTHONPATH=str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", ""),
        COLUMNS="200",
        TERM="dumb",
        NO_COLOR="1",
    )
    env.pop("COUNTERFLOW_DB", None)
    return env


def test_examples_found() -> None:
    assert len(EXAMPLES) >= 5, [e.id for e in EXAMPLES]


@pytest.mark.parametrize("example", _params())
def test_doc_example(example: Example, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for name in ("tests", "examples"):
        (work / name).symlink_to(REPO / name)
    if SHARED.exists():
        (tmp_path / "shared").symlink_to(SHARED)
    home = tmp_path / "home"
    if "shared" in example.options and not SHARED.is_dir():
        pytest.skip("../shared/data not present")
    if "shared-lists" in example.options:
        shared = request.getfixturevalue("shared_home")
        shutil.copytree(shared, home)
    env = _env(home)
    for step in example.steps:
        cmd = step.command
        if cmd.startswith("cat ") and not (work / cmd[4:].strip()).exists():
            (work / cmd[4:].strip()).write_text("\n".join(step.expected) + "\n", encoding="utf-8")
            continue
        done = subprocess.run(
            ["bash", "-c", cmd],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        actual = done.stdout.splitlines()
        assert matches(step.expected, actual), (
            f"{example.id}: `$ {cmd}` (exit {done.returncode}) printed:\n"
            + "\n".join(actual)
            + "\n--- the doc expects:\n"
            + "\n".join(step.expected)
        )
