"""AIS events on Spark: the files are read in line-aligned chunks by the executors (the
local reader, ``maritime.partition.read_chunk``), the positions repartitioned by MMSI and
sorted within partitions (vessel, then input order), and each partition goes through the
local pipeline (``maritime.partition.process_group``: clean + every per-vessel detector).
The driver gathers the events, the encounter candidates, the static rows and the drop
counts and finishes as the local engine does (``partition.finish``), so the events are
the same as ``--engine local``'s.

Input files must be readable at the same path from every executor (local mode, or a
shared mount such as /dbfs, EFS or NFS)."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from counterflow.errors import BadInputError
from counterflow.maritime.clean import DEFAULT_MAX_SPEED_KN
from counterflow.maritime.events import INTERNAL_SCHEMA
from counterflow.maritime.ingest import read_file, sniff_kind
from counterflow.maritime.params import EventParams
from counterflow.maritime.partition import (
    CANDIDATE_SCHEMA,
    CHUNK_BYTES,
    GROUP_POSITIONS,
    GroupResult,
    Partitioned,
    chunk_ranges,
    chunk_sample,
    decide_swap,
    finish,
    merge_notes,
    process_group,
    read_chunk,
)
from counterflow.maritime.table import POSITIONS_SCHEMA, STATIC_SCHEMA, Drops
from counterflow.spark.errors import spark_errors

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

# stage A (read) rows: p = position, s = static, x = swap sample, d = drop count, n = note
_A: dict[str, pl.DataType] = {
    "kind": pl.Utf8(),
    "fi": pl.Int32(),
    "seq": pl.Int64(),
    **POSITIONS_SCHEMA,
    **{k: v for k, v in STATIC_SCHEMA.items() if k not in ("mmsi", "t")},
    "note": pl.Utf8(),
    "count": pl.Int64(),
}
# stage B (detect) rows: e = event, c = encounter candidate, v = vessel span, d, n, k = kept
_B: dict[str, pl.DataType] = {
    "kind": pl.Utf8(),
    **INTERNAL_SCHEMA,
    **{k: v for k, v in CANDIDATE_SCHEMA.items() if k != "mmsi"},
    "t0": pl.Int64(),
    "t1": pl.Int64(),
    "note": pl.Utf8(),
    "count": pl.Int64(),
}
_SHORE: list[Any] = []


def _spark_schema(schema: dict[str, pl.DataType]) -> Any:
    from pyspark.sql.types import (
        BooleanType,
        DoubleType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    kinds = {
        pl.Utf8(): StringType(),
        pl.Int32(): IntegerType(),
        pl.Int64(): LongType(),
        pl.Float64(): DoubleType(),
        pl.Boolean(): BooleanType(),
    }
    return StructType([StructField(c, kinds[t]) for c, t in schema.items()])


def _drop_rows(drops: Drops) -> pl.DataFrame:
    rows = [{"kind": "d", "note": k, "count": v} for k, v in drops.counts.items()]
    rows += [{"kind": "n", "note": n} for n in drops.notes]
    return pl.DataFrame(rows, schema={"kind": pl.Utf8(), "note": pl.Utf8(), "count": pl.Int64()})


def _drops_of(df: pl.DataFrame) -> Drops:
    d = Drops()
    for kind, note, count in df.select("kind", "note", "count").iter_rows():
        if kind == "d":
            d.add(note, count)
        elif kind == "n":
            d.note(note)
    return d


def _batches(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> Iterator[pa.RecordBatch]:
    full = df.select(
        [
            (pl.col(c) if c in df.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in schema.items()
        ]
    )
    yield from full.to_arrow().to_batches(max_chunksize=65536)


def _read_tasks(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Stage A: each task row (file, chunk, byte range) -> positions, static, drops."""
    for batch in batches:
        for fi, ci, path, start, end in zip(*batch.to_pydict().values(), strict=True):
            p = Path(path)
            with tempfile.TemporaryDirectory(prefix="counterflow-ais-") as tmp:
                data = read_chunk(p, start, end, Path(tmp)) if ci >= 0 else read_file(p)
            pos = data.positions.with_columns(
                pl.lit("p").alias("kind"),
                pl.lit(fi, dtype=pl.Int32).alias("fi"),
                (pl.int_range(pl.len(), dtype=pl.Int64) + ((ci + 1) << 32)).alias("seq"),
            )
            parts = [pos, data.static.with_columns(pl.lit("s").alias("kind"))]
            if ci >= 0:
                parts.append(
                    chunk_sample(data.positions, ci == 0).with_columns(
                        pl.lit("x").alias("kind"),
                        pl.lit(fi, dtype=pl.Int32).alias("fi"),
                        pl.lit(ci, dtype=pl.Int64).alias("seq"),
                    )
                )
            parts.append(
                pl.DataFrame(
                    {"kind": ["d"], "fi": [fi], "note": ["_rows"], "count": [pos.height]},
                    schema_overrides={"fi": pl.Int32},
                )
            )
            parts.append(_drop_rows(data.drops))
            for part in parts:
                if part.height:
                    yield from _batches(part, _A)


def _make_detect(ports_bc: Any, static_bc: Any, params: EventParams, max_speed_kn: float) -> Any:
    def detect(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Stage B: one partition (whole vessels, in input order) through the pipeline."""
        import pyarrow as pa

        from counterflow.maritime.shore import default_shore

        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        pos = pl.from_arrow(table)
        assert isinstance(pos, pl.DataFrame)
        pos = pos.select(list(POSITIONS_SCHEMA))
        if not _SHORE:
            _SHORE.append(default_shore())
        r = process_group(
            pos,
            ports_bc.value,
            params,
            max_speed_kn=max_speed_kn,
            shore=_SHORE[0],
            static=static_bc.value,
        )
        del pos, table
        parts = [
            r.events.with_columns(pl.lit("e").alias("kind")),
            r.candidates.with_columns(pl.lit("c").alias("kind")),
            r.spans.with_columns(pl.lit("v").alias("kind")),
            _drop_rows(r.drops),
            pl.DataFrame({"kind": ["k"], "count": [r.positions]}),
        ]
        for part in parts:
            if part.height:
                yield from _batches(part, _B)

    return detect


def detect_events_spark(
    spark: SparkSession,
    paths: Sequence[Path],
    ports: pl.DataFrame,
    params: EventParams | None = None,
    *,
    max_speed_kn: float = DEFAULT_MAX_SPEED_KN,
    partitions: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Partitioned:
    """The events of ``paths`` computed on ``spark``; same result as
    ``maritime.partition.events_by_mmsi_groups`` (and the in-memory pipeline)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

    p = params or EventParams()
    tasks: list[tuple[int, int, str, int, int]] = []
    for fi, path in enumerate(paths):
        if not path.exists():
            raise BadInputError("no such file", file=str(path))
        path = path.resolve()
        if sniff_kind(path) == "csv" and path.stat().st_size > chunk_bytes:
            for ci, (a, b) in enumerate(chunk_ranges(path, chunk_bytes)):
                tasks.append((fi, ci, str(path), a, b))
        else:
            tasks.append((fi, -1, str(path), 0, 0))
    task_schema = StructType(
        [
            StructField("fi", IntegerType()),
            StructField("ci", IntegerType()),
            StructField("path", StringType()),
            StructField("start", LongType()),
            StructField("end", LongType()),
        ]
    )
    tdf = spark.createDataFrame(tasks, task_schema).repartition(max(1, len(tasks)))
    # on disk: a 64 MB chunk's rows unrolled in the JVM heap ran a 1 GB driver out of memory
    read = tdf.mapInArrow(_read_tasks, _spark_schema(_A)).persist(StorageLevel.DISK_ONLY)
    with spark_errors():
        try:
            side = pl.from_arrow(read.filter(F.col("kind") != "p").toArrow())
            assert isinstance(side, pl.DataFrame)
            drops = _drops_of(side.filter(pl.col("note") != "_rows"))
            static = side.filter(pl.col("kind") == "s").select(list(STATIC_SCHEMA))
            swapped: list[int] = []
            rows = side.filter((pl.col("kind") == "d") & (pl.col("note") == "_rows"))
            for (fi,), g in (
                side.filter(pl.col("kind") == "x")
                .sort("fi", "seq")
                .group_by("fi", maintain_order=True)
            ):
                n = int(rows.filter(pl.col("fi") == fi)["count"].sum())
                label = paths[int(fi)].name
                if decide_swap(g.select(list(POSITIONS_SCHEMA)), n, label, drops):
                    swapped.append(int(fi))
            pos = read.filter(F.col("kind") == "p")
            if swapped:
                sw = F.col("fi").isin(swapped)
                pos = pos.withColumns(
                    {
                        "lat": F.when(sw, F.col("lon")).otherwise(F.col("lat")),
                        "lon": F.when(sw, F.col("lat")).otherwise(F.col("lon")),
                    }
                )
            total = int(rows["count"].sum())
            n = partitions or max(
                spark.sparkContext.defaultParallelism, math.ceil(total / GROUP_POSITIONS)
            )
            ports_bc = spark.sparkContext.broadcast(ports)
            static_bc = spark.sparkContext.broadcast(static)
            out = (
                pos.select("mmsi", "t", "lat", "lon", "sog", "cog", "fi", "seq")
                .repartition(n, "mmsi")
                .sortWithinPartitions("mmsi", "fi", "seq")
                .mapInArrow(_make_detect(ports_bc, static_bc, p, max_speed_kn), _spark_schema(_B))
                .persist(StorageLevel.DISK_ONLY)
            )
            try:
                # the candidates (millions of rows) collected in their own five columns: in
                # the wide row shape they passed spark.driver.maxResultSize on 10 M positions
                is_c = F.col("kind") == "c"
                cand = pl.from_arrow(out.filter(is_c).select(*CANDIDATE_SCHEMA).toArrow())
                res = pl.from_arrow(out.filter(~is_c).toArrow())
            finally:
                out.unpersist()
            assert isinstance(res, pl.DataFrame) and isinstance(cand, pl.DataFrame)
        finally:
            read.unpersist()
    merged = GroupResult(
        res.filter(pl.col("kind") == "e").select(list(INTERNAL_SCHEMA)),
        cand.cast(CANDIDATE_SCHEMA),  # type: ignore[arg-type]
        res.filter(pl.col("kind") == "v").select("mmsi", "t0", "t1"),
        _drops_of(res),
        positions=int(res.filter(pl.col("kind") == "k")["count"].sum()),
    )
    result = finish([merged], static, ports, p, merge_notes(drops))
    result.groups = n
    return result
