"""Scale-out engine on Apache Spark (optional extra ``counterflow[spark]``, pyspark >= 4).

    from counterflow.spark import session, ship_index, screen_parties
    spark = session("local[2]")
    ref = ship_index(spark)                  # the persisted name index, once per executor
    result = screen_parties(df, ref)         # DataFrame of parties -> hits (+ rejects)

``counterflow.spark.ais.detect_events`` does the same for AIS events, partitioned by MMSI.
Nothing here is imported unless ``--engine spark`` is asked for, so the rest of
Counterflow runs without pyspark or Java.
"""

from __future__ import annotations

from counterflow.spark.index_ship import IndexRef, IndexUnavailableError, ship_index
from counterflow.spark.parties import ScreenResult, read_parties, screen_parties
from counterflow.spark.session import session

__all__ = [
    "IndexRef",
    "IndexUnavailableError",
    "ScreenResult",
    "read_parties",
    "screen_parties",
    "session",
    "ship_index",
]
