"""Party screening on Spark: a DataFrame of parties (the ``screen parties`` INPUT columns,
any case, other columns passed through) -> a DataFrame of hits with exactly the OUTPUT
columns (plus the pass-through ones when asked), and a DataFrame of rejects.

Two ``mapInArrow`` stages. The first runs where the input is read (before any shuffle):
it numbers the rows of each file (so a row is named by file and line, as the local engine
names it) and lists what is wrong with each row (unknown kind or country, bad birth date,
empty id or name, text that was not UTF-8). The second screens: each Python worker opens
the shipped index once (``index_ship.executor_screener``) and streams Arrow batches through
``PartyScreener.screen`` -- the same code, thresholds and bands as the local engine, so
the rows are the same. Bad values are dropped from the query exactly as locally, and the
row is still screened; the rejects say what was dropped, where."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from counterflow.errors import BadInputError
from counterflow.match.csvio import HIT_COLUMNS, MAX_FIELD, QUERY_COLUMNS, parse_party_fields
from counterflow.spark.index_ship import IndexRef, executor_screener

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

REJECT_COLUMNS = ("file", "line", "query_id", "field", "problem", "value")
_FILE = "_cf_file"
_LINE = "_cf_line"
_PROBLEMS = "_cf_problems"
_NL = "_cf_breaks"
_ROW = "_cf_row"  # Parquet: the row's position in its file (CSV rows are counted)


@dataclass
class ScreenResult:
    """``hits``: the OUTPUT rows; ``rejects``: one row per problem (file, line, query_id,
    field, problem, value). ``prepared`` is persisted so that both can be computed from
    one read of the input: call ``unpersist()`` when done."""

    hits: DataFrame
    rejects: DataFrame
    prepared: DataFrame
    passthrough: list[str]

    def unpersist(self) -> None:
        self.prepared.unpersist()


def is_parquet(path: str) -> bool:
    """Parquet by name (``.parquet``/``.pq``, a folder of them, or a glob of them)."""
    p = path.rstrip("/")
    if p.endswith((".parquet", ".pq")) or p.endswith((".parquet*", "*.parquet", "*.pq")):
        return True
    local = Path(p)
    return local.is_dir() and any(local.glob("*.parquet"))


def read_parties(spark: SparkSession, path: str, fmt: str | None = None) -> DataFrame:
    """Parties from CSV (header, UTF-8, quoted fields may span lines) or Parquet: a file, a
    folder or a glob. Every column is read as text; the source file of each row is kept."""
    from pyspark.sql import functions as F

    fmt = fmt or ("parquet" if is_parquet(path) else "csv")
    try:
        if fmt == "parquet":
            df = spark.read.parquet(path)
            df = df.select(
                *(F.col(f"`{c}`").cast("string").alias(c) for c in df.columns),
                "_metadata",
                # row 1 is the first row: Parquet files are split between tasks
                (F.col("_metadata.row_index") + 1).alias(_ROW),
            )
        else:
            df = (
                spark.read.option("header", True)
                .option("multiLine", True)  # a quoted name may hold a line break
                .option("encoding", "UTF-8")
                .option("inferSchema", False)
                .option("mode", "PERMISSIVE")
                .option("escape", '"')
                .csv(path)
            )
            df = df.select(
                *(F.col(f"`{c}`").alias(c.replace("\ufeff", "")) for c in df.columns),
                "_metadata",
            )
    except Exception as exc:
        if type(exc).__name__ == "AnalysisException":
            raise BadInputError(
                f"cannot read ({str(exc).splitlines()[0][:300]})", file=path
            ) from None
        raise
    return df.withColumn(_FILE, F.col("_metadata.file_path")).drop("_metadata")


def column_map(columns: list[str]) -> dict[str, str]:
    """Lower-case stripped name -> the first column of that name (as the local reader)."""
    out: dict[str, str] = {}
    for c in columns:
        key = c.strip().lower()
        if key and key not in out:
            out[key] = c
    return out


def passthrough_columns(columns: list[str]) -> list[str]:
    return [
        c for c in columns if c != _FILE and c.strip() and c.strip().lower() not in QUERY_COLUMNS
    ]


def _out_name(col: str) -> str:
    name = col.strip()
    return f"input_{name}" if name in HIT_COLUMNS else name


def screen_parties(
    df: DataFrame,
    ref: IndexRef,
    *,
    threshold: float = 0.5,
    limit: int = 10,
    partitions: int | None = None,
    passthrough: bool = False,
    source: str = "",
    groups: dict[str, str] | None = None,
) -> ScreenResult:
    """Screen every row of ``df`` against the shipped index. ``df`` needs ``id`` and
    ``name`` columns (any case); rows are numbered per source file (``read_parties``
    keeps it) or per partition. ``partitions``: how many screening tasks (default: the
    cluster's default parallelism x 4). ``groups``: entity id -> listed entity
    (``ListStore.entity_groups``), broadcast once per executor for ``entity_group``."""
    import pyarrow as pa
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.types import (
        ArrayType,
        DoubleType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    own = (_FILE, _ROW)
    cols = column_map([c for c in df.columns if c not in own])
    for need in ("id", "name"):
        if need not in cols:
            raise BadInputError(
                f"no {need!r} column (columns: {', '.join(df.columns)[:200]})",
                file=source or None,
                line=1,
                field=need,
            )
    if _FILE not in df.columns:
        df = df.withColumn(_FILE, F.lit(source))
    query_cols = {k: cols[k] for k in QUERY_COLUMNS if k in cols}
    if _ROW not in df.columns:
        df = df.withColumn(_ROW, F.lit(None).cast("long"))
    extra = passthrough_columns([c for c in df.columns if c not in own]) if passthrough else []
    inputs = [_FILE, *dict.fromkeys([*query_cols.values(), *extra])]
    # line breaks inside quoted fields of any column, so CSV rows get their physical line
    breaks = [
        F.coalesce(
            F.length(F.col(f"`{c}`").cast("string"))
            - F.length(F.regexp_replace(F.col(f"`{c}`").cast("string"), "\n", "")),
            F.lit(0),
        )
        for c in df.columns
        if c not in own
    ]
    nl = sum(breaks[1:], breaks[0]) if breaks else F.lit(0)
    df = df.select(*(F.col(f"`{c}`").cast("string").alias(c) for c in inputs), _ROW, nl.alias(_NL))

    problem = StructType(
        [
            StructField("field", StringType()),
            StructField("problem", StringType()),
            StructField("value", StringType()),
        ]
    )
    prep_schema = StructType(
        [
            *(StructField(c, StringType()) for c in inputs),
            StructField(_LINE, LongType()),
            StructField(_PROBLEMS, ArrayType(problem)),
        ]
    )
    prepare = _make_prepare(query_cols, inputs, prep_schema)
    prepared = df.mapInArrow(prepare, prep_schema).persist(StorageLevel.MEMORY_AND_DISK)

    rejects = prepared.filter(F.size(_PROBLEMS) > 0).select(
        F.col(_FILE).alias("file"),
        F.col(_LINE).alias("line"),
        F.coalesce(F.trim(F.col(query_cols["id"])), F.lit("")).alias("_qid"),
        F.explode(_PROBLEMS).alias("p"),
    )
    rejects = rejects.select(
        "file",
        "line",
        F.when(F.col("_qid") == "", F.concat(F.lit("line-"), F.col("line")))
        .otherwise(F.col("_qid"))
        .alias("query_id"),
        "p.field",
        "p.problem",
        "p.value",
    )

    out_fields = [
        StructField("query_id", StringType()),
        StructField("rank", IntegerType()),
        StructField("score", DoubleType()),
        *(StructField(c, StringType()) for c in HIT_COLUMNS[3:]),
        *(StructField(_out_name(c), StringType()) for c in extra),
    ]
    out_schema = StructType(out_fields)
    n = partitions or max(2, prepared.sparkSession.sparkContext.defaultParallelism * 4)
    group_of = prepared.sparkSession.sparkContext.broadcast(groups or {})
    screen = _make_screen(ref, query_cols, extra, threshold, limit, out_schema, group_of)
    hits = prepared.repartition(n).mapInArrow(screen, out_schema)
    _ = pa  # the workers import it
    return ScreenResult(hits, rejects, prepared, [_out_name(c) for c in extra])


def display_path(uri: str) -> str:
    """``file:///a/b%20c.csv`` -> ``/a/b c.csv``; other URIs as they are."""
    if uri.startswith("file:"):
        return unquote(urlparse(uri).path)
    return uri


def _make_prepare(query_cols: dict[str, str], inputs: list[str], schema: Any) -> Any:
    """The first stage: number rows per file, list their problems, drop blank rows."""

    def prepare(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        from counterflow.spark.arrow import arrow_schema

        target = arrow_schema(schema)
        counters: dict[str, int] = {}
        for batch in batches:
            data = batch.to_pydict()
            files = data[_FILE]
            rows = data[_ROW]
            breaks = data[_NL]
            out: dict[str, list[Any]] = {c: [] for c in inputs}
            out[_LINE] = []
            out[_PROBLEMS] = []
            for i in range(batch.num_rows):
                f = files[i] or ""
                if rows[i] is not None:
                    line = int(rows[i])
                else:
                    # the local reader names a row by the line it ends on (line 1: header)
                    line = counters.get(f, 1) + 1 + int(breaks[i] or 0)
                    counters[f] = line
                vals = {c: data[c][i] for c in inputs}
                if all(not (vals[c] or "").strip() for c in inputs if c != _FILE):
                    continue  # a blank row, skipped as the local reader does
                row = {k: (vals[c] or "")[:MAX_FIELD] for k, c in query_cols.items()}
                problems = []
                for c in inputs:
                    v = vals[c]
                    if c != _FILE and v and "\ufffd" in v:
                        problems.append(
                            {
                                "field": c,
                                "problem": "not UTF-8 text (bytes replaced)",
                                "value": v[:200],
                            }
                        )
                if not row["id"].strip():
                    problems.append({"field": "id", "problem": "empty id", "value": ""})
                if not row["name"].strip():
                    problems.append({"field": "name", "problem": "empty name", "value": ""})
                for p in parse_party_fields(row).problems:
                    problems.append({"field": p.field, "problem": p.code, "value": p.value[:200]})
                for c in inputs:
                    out[c].append(display_path(f) if c == _FILE else vals[c])
                out[_LINE].append(line)
                out[_PROBLEMS].append(problems)
            yield pa.RecordBatch.from_pydict(out, schema=target)

    return prepare


def _make_screen(
    ref: IndexRef,
    query_cols: dict[str, str],
    extra: list[str],
    threshold: float,
    limit: int,
    schema: Any,
    group_of: Any,
) -> Any:
    """The second stage: screen each row with the executor's copy of the index;
    ``group_of`` is the broadcast entity id -> listed entity map."""

    def screen(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        from counterflow.match.types import Query
        from counterflow.spark.arrow import arrow_schema

        target = arrow_schema(schema)
        screener = executor_screener(ref)
        names = [f.name for f in target]
        for batch in batches:
            data = batch.to_pydict()
            out: dict[str, list[Any]] = {c: [] for c in names}
            for i in range(batch.num_rows):
                row = {k: (data[c][i] or "")[:MAX_FIELD] for k, c in query_cols.items()}
                fields = parse_party_fields(row)
                qid = row["id"].strip() or f"line-{data[_LINE][i]}"
                q = Query(
                    id=qid,
                    name=row["name"],
                    kind=fields.kind,
                    countries=fields.countries,
                    birth_dates=fields.birth_dates,
                    identifiers=fields.identifiers,
                    address=fields.address,
                )
                hits = screener.screen(q, threshold=threshold, limit=limit, attach_party=False)
                if not hits:
                    continue
                passthru = [(data[c][i] or "")[:MAX_FIELD] for c in extra]
                for rank, h in enumerate(hits, 1):
                    vals = (
                        h.query_id,
                        rank,
                        h.score,
                        h.decision,
                        h.dataset,
                        h.source_id,
                        h.entity_id,
                        h.entity_name,
                        h.matched_name,
                        h.kind,
                        h.explanation,
                        group_of.value.get(h.entity_id, h.entity_id),
                        *passthru,
                    )
                    for c, v in zip(names, vals, strict=True):
                        out[c].append(v)
            if out["query_id"]:
                yield pa.RecordBatch.from_pydict(out, schema=target)

    return screen
