"""Run the shell examples of the docs and compare their output (issue 16: docs'
examples cannot go stale).

A block of a ``docs/*.md`` file is an example when the line before it (blank lines
aside) is ``<!-- doc-test -->`` or ``<!-- doc-test: OPTIONS -->``. The block is fenced
(```) or indented by four spaces. In it, ``$ COMMAND`` lines are run one after another
with bash in one scratch folder (one ``COUNTERFLOW_HOME`` per block) and the lines
up to the next ``$`` are the expected output (stdout and stderr together):

- a line ending in ``...`` matches any line that starts with the text before it;
- a line ``...`` alone matches any number of lines;
- ``$ cat FILE`` of a file that does not exist yet writes FILE with the lines shown
  (the example's input, shown as the reader would see it).

Options: ``shared-lists`` loads every list of ``../shared/data/lists`` first;
``shared`` says the commands read ``../shared`` (both mark the test ``shared``). The
scratch folder links ``tests``, ``examples`` and ``../shared`` so that the paths the
docs use resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

MARK = re.compile(r"^<!--\s*doc-test(?::\s*(?P<opts>[^>]*?))?\s*-->\s*$")


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Example:
    doc: Path
    line: int  # 1-based line of the block's first command
    options: set[str]
    steps: list[Step]

    @property
    def id(self) -> str:
        return f"{self.doc.name}:{self.line}"


def _block(lines: list[str], start: int) -> tuple[list[tuple[int, str]], int]:
    """The block starting at ``start`` (after the marker): its lines with their
    numbers, and where it ends."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    out: list[tuple[int, str]] = []
    if i < len(lines) and lines[i].lstrip().startswith("```"):
        i += 1
        while i < len(lines) and not lines[i].lstrip().startswith("```"):
            out.append((i + 1, lines[i]))
            i += 1
        return out, i + 1
    while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
        if lines[i].strip():
            out.append((i + 1, lines[i][4:]))
        elif i + 1 < len(lines) and not lines[i + 1].startswith("    "):
            break
        i += 1
    return out, i


def examples(docs: Path) -> list[Example]:
    found: list[Example] = []
    for doc in sorted(docs.glob("*.md")):
        lines = doc.read_text(encoding="utf-8").splitlines()
        for n, text in enumerate(lines):
            m = MARK.match(text.strip())
            if not m:
                continue
            block, _ = _block(lines, n + 1)
            steps: list[Step] = []
            first = 0
            for num, ln in block:
                if ln.startswith("$ "):
                    steps.append(Step(ln[2:]))
                    first = first or num
                elif steps:
                    steps[-1].expected.append(ln.rstrip())
            opts = {o.strip() for o in (m.group("opts") or "").split(",") if o.strip()}
            if steps:
                found.append(Example(doc, first, opts, steps))
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """Expected lines (with ``...`` wildcards) against the actual output lines."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(matches(rest, actual[k:]) for k in range(len(actual) + 1))
    if not actual:
        return False
    line = actual[0].rstrip()
    ok = line.startswith(head[:-3]) if head.endswith("...") else line == head
    return ok and matches(rest, actual[1:])
