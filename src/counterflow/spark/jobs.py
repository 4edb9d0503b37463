"""The ``--engine spark`` jobs behind the CLI (and ``spark-submit``): read, screen, write.

Output: a path ending ``.parquet`` (or ``.pq``) is written by the executors as a Parquet
folder; anything else is one CSV file written on the driver as the rows stream back, with
the same cells as the local engine (score to 4 places, spreadsheet formulas neutralised).
Rejects go to ``--rejects`` (default ``OUTPUT.rejects.csv`` beside the output)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import IO, Any

from counterflow.errors import BadInputError
from counterflow.match.csvio import HIT_COLUMNS, safe_cell
from counterflow.spark.errors import spark_errors
from counterflow.spark.parties import REJECT_COLUMNS


@dataclass
class ScreenSummary:
    hits: int = 0
    alerts: int = 0
    rejects: int = 0
    rejects_path: str | None = None
    by_problem: dict[str, int] = field(default_factory=dict)
    versions: str = ""


def default_rejects(output: str | None) -> str:
    if not output:
        return "rejects.csv"
    p = output.rstrip("/")
    for suf in (".parquet", ".pq", ".csv"):
        if p.endswith(suf):
            p = p[: -len(suf)]
            break
    return p + ".rejects.csv"


def _open(path: str | None) -> Any:
    if path is None:
        return nullcontext(sys.stdout)
    try:
        return open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise BadInputError(f"cannot write the output ({exc.strerror})", file=path) from None


def write_hits_csv(rows: Iterable[Any], header: list[str], fh: IO[str]) -> tuple[int, int]:
    """(hits, match/review) written; the cells as the local engine writes them."""
    w = csv.writer(fh)
    w.writerow([*HIT_COLUMNS, *(safe_cell(c) for c in header[len(HIT_COLUMNS) :])])
    n = alerts = 0
    for r in rows:
        vals = list(r)
        w.writerow(
            [
                safe_cell(vals[0]),
                vals[1],
                f"{vals[2]:.4f}",
                vals[3],
                *(safe_cell(v) for v in vals[4:9]),
                vals[9],
                *(safe_cell(v) for v in vals[10:]),
            ]
        )
        n += 1
        alerts += vals[3] != "clear"
    return n, alerts


def screen_parties_job(
    input: str,
    output: str | None,
    *,
    threshold: float,
    limit: int,
    master: str | None = None,
    partitions: int | None = None,
    rejects: str | None = None,
    index_path: str | None = None,
    input_format: str | None = None,
) -> ScreenSummary:
    from counterflow.spark.index_ship import ship_index
    from counterflow.spark.parties import read_parties, screen_parties
    from counterflow.spark.session import session

    spark = session(master)
    ref = ship_index(spark, location=index_path)
    df = read_parties(spark, input, input_format)
    from counterflow.store import ListStore

    with ListStore.open() as store:
        groups = dict(store.entity_groups().group)
    res = screen_parties(
        df,
        ref,
        threshold=threshold,
        limit=limit,
        partitions=partitions,
        passthrough=True,
        source=input,
        groups=groups,
    )
    summary = ScreenSummary(versions=ref.versions)
    try:
        with spark_errors():
            _write(res, output, rejects, summary, spark)
    finally:
        res.unpersist()
    return summary


def _write(
    res: Any, output: str | None, rejects: str | None, summary: ScreenSummary, spark: Any
) -> None:
    """Hits to ``output`` (Parquet folder or one CSV), rejects to their CSV."""
    from pyspark.sql import functions as F

    if output and output.rstrip("/").endswith((".parquet", ".pq")):
        res.hits.write.mode("overwrite").parquet(output)
        back = spark.read.parquet(output)
        summary.hits = back.count()
        summary.alerts = back.filter(F.col("decision") != "clear").count()
    else:
        with _open(output) as fh:
            summary.hits, summary.alerts = write_hits_csv(
                res.hits.toLocalIterator(prefetchPartitions=True), res.hits.columns, fh
            )
    summary.rejects_path = rejects or default_rejects(output)
    counts = res.rejects.groupBy("problem").count().collect()
    summary.by_problem = {str(r["problem"]): int(r["count"]) for r in counts}
    summary.rejects = sum(summary.by_problem.values())
    with _open(summary.rejects_path) as fh:
        w = csv.writer(fh)
        w.writerow(REJECT_COLUMNS)
        for r in res.rejects.orderBy("file", "line").toLocalIterator():
            w.writerow([safe_cell(v) for v in r])
