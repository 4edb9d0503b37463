"""``match pairs``: score name pairs with the screening name scorer, no list involved
(token weights from a built-in table of very common words)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.match.csvio import MAX_FIELD, ReadStats, header_map, open_csv, parse_kind
from counterflow.match.frequency import StaticWeights
from counterflow.match.scorer import pair_score

_WEIGHTS = StaticWeights()


def score_pair(name1: str, name2: str, kind: str = "any") -> tuple[float, str]:
    """(score in [0, 1], explanation) of two names."""
    return pair_score(name1, name2, kind, _WEIGHTS)


def iter_pairs(path: Path, stats: ReadStats) -> Iterator[tuple[str, float, str]]:
    """Stream ``(id, score, explanation)`` for each row of a PAIRS CSV."""
    fh = open_csv(path)
    line = 1
    try:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise BadInputError(
                "empty file: a header row is required", file=str(path), line=1
            ) from None
        cols = header_map(path, header, ("id", "name1", "name2"))
        i_id, i1, i2 = cols["id"], cols["name1"], cols["name2"]
        i_kind = cols.get("kind")
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            stats.rows += 1

            def cell(i: int | None, row: list[str] = row) -> str:
                return row[i][:MAX_FIELD] if i is not None and i < len(row) else ""

            kind = parse_kind(cell(i_kind)) if i_kind is not None else "any"
            if kind is None:
                stats.warn("unknown kind (scored as any)", f"line {line}")
                kind = "any"
            a, b = cell(i1), cell(i2)
            if not a.strip() or not b.strip():
                stats.warn("empty name (score 0)", f"line {line}")
            s, expl = score_pair(a, b, kind)
            yield cell(i_id), s, expl
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"not UTF-8 text ({exc.reason})", file=str(path), line=line + 1
        ) from None
    except csv.Error as exc:
        raise BadInputError(f"broken CSV ({exc})", file=str(path), line=line + 1) from None
    finally:
        fh.close()
