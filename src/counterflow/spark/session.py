"""The Spark session the CLI and tests use: ``local[*]`` unless a master URL is given (or
spark-submit set one), Arrow on, the executors' Python the driver's own interpreter."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from counterflow.errors import CounterflowError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def session(master: str | None = None, app_name: str = "counterflow") -> SparkSession:
    """A SparkSession on ``master`` (e.g. ``local[2]``, ``spark://host:7077``, ``yarn``,
    ``k8s://...``); without one, the master spark-submit set, else ``local[*]``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise CounterflowError(
            "--engine spark needs pyspark: pip install 'counterflow[spark]' (and Java 17)"
        ) from None
    # executors started on this machine (local mode) run the same interpreter and sources
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    active = SparkSession.getActiveSession()
    if master:
        builder = builder.master(master)
    elif active is None and not _under_spark_submit():
        builder = builder.master("local[*]")
    builder = (
        builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if (master or "").startswith("local"):
        builder = builder.config("spark.ui.enabled", "false").config(
            "spark.sql.shuffle.partitions", "8"
        )
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing or the master unreachable
        raise CounterflowError(f"cannot start Spark ({str(exc).splitlines()[0][:300]})") from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _under_spark_submit() -> bool:
    """spark-submit starts the JVM first and hands the Python driver its gateway (and its
    ``--master``) through the environment."""
    return bool(os.environ.get("PYSPARK_GATEWAY_PORT"))
