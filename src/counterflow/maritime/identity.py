"""Who the ship says it is, over time: ``identity_change`` events from the static data
(NMEA types 5/19/24, the name / IMO / call sign / flag columns of the CSV dialects).

Per MMSI (:func:`mmsi_identity_events`, a function of one partition's static and position
tables, so it can run per MMSI partition):

* a name, IMO, call sign or flag that changes (``name_change`` ...), with higher confidence
  when the change happens across an AIS gap (renamed while dark);
* two identities broadcast at once on one MMSI (``two_identities``): the periods in which
  two values were seen overlap;
* an IMO number whose check digit is wrong (``invalid_imo``): made up or mistyped.

Across MMSIs (:func:`imo_sharing_events`, needs every vessel's static data, which is small):
one IMO under several MMSIs, either one after the other (``imo_new_mmsi``; a reflagging
when the MMSIs' MIDs differ) or at the same time (``imo_shared``). One row per MMSI, the
other named in ``other_mmsi``.

Names are compared after transliteration to Latin and folding case, spaces and
punctuation, so ``ВОЛГА СТАР`` and ``VOLGA STAR`` are the same name, not a rename.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import numpy as np
import polars as pl

from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.gaps import gap_indices
from counterflow.maritime.imo import imo_check_digit, imo_valid, mid_flag, mmsi_mid

FIELDS = ("name", "imo", "callsign", "flag")
FIELD_WORD = {"name": "name", "imo": "IMO", "callsign": "call sign", "flag": "flag"}
BASE_CONFIDENCE = {"name": 0.6, "imo": 0.8, "callsign": 0.5, "flag": 0.7}
ACROSS_GAP_BONUS = 0.2
_PUNCT = re.compile(r"[^0-9a-z]+")
_KEY = 4_000_000_000  # > any epoch second: (mmsi, t) as one sortable integer


@lru_cache(maxsize=65536)
def norm_value(field: str, value: str) -> str:
    """The form two values are compared in (names transliterated, folded)."""
    if field == "name":
        from counterflow.match.transliterate import to_latin

        try:
            latin = to_latin(value)
        except Exception:  # a transliterator failure must not lose the value
            latin = value.lower()
        return _PUNCT.sub(" ", latin.lower()).strip()
    return _PUNCT.sub("", value.lower())


def identity_periods(static: pl.DataFrame) -> pl.DataFrame:
    """(mmsi, field, norm, value, t0, t1, n): when each value of each field was seen."""
    st = static.filter(pl.col("t").is_not_null())
    cols = [c for c in FIELDS if c in st.columns]
    if st.height == 0 or not cols:
        return pl.DataFrame(
            schema={
                "mmsi": pl.Int64,
                "field": pl.Utf8,
                "norm": pl.Utf8,
                "value": pl.Utf8,
                "t0": pl.Int64,
                "t1": pl.Int64,
                "n": pl.UInt32,
            }
        )
    long = (
        st.select("mmsi", "t", *cols)
        .unpivot(index=["mmsi", "t"], on=cols, variable_name="field", value_name="value")
        .filter(pl.col("value").is_not_null() & (pl.col("value").str.strip_chars() != ""))
    )
    keys = long.select("field", "value").unique()
    keys = keys.with_columns(
        pl.Series(
            "norm",
            [norm_value(f, v) for f, v in keys.iter_rows()],
            dtype=pl.Utf8,
        )
    )
    long = long.join(keys, on=["field", "value"], how="left")
    return (
        long.group_by("mmsi", "field", "norm")
        .agg(
            pl.col("value").sort_by("t").last(),
            pl.col("t").min().alias("t0"),
            pl.col("t").max().alias("t1"),
            pl.len().alias("n"),
        )
        .sort("mmsi", "field", "t0", "t1", "norm")  # ties in a set order
    )


def _ts(t: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(int(t), tz=dt.UTC).strftime("%Y-%m-%d %H:%M")


def _ts_cols(*cols: str) -> list[pl.Expr]:
    """:func:`_ts` of whole columns (``_s_<col>``), formatted by polars in one pass."""
    return [
        pl.from_epoch(pl.col(c), time_unit="s").dt.strftime("%Y-%m-%d %H:%M").alias(f"_s_{c}")
        for c in cols
    ]


def _gaps_frame(pos: pl.DataFrame, gap_s: float) -> pl.DataFrame:
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    i = gap_indices(m, t, gap_s)
    return pl.DataFrame(
        {"mmsi": m[i], "g0": t[i], "g1": t[i + 1]},
        schema={"mmsi": pl.Int64, "g0": pl.Int64, "g1": pl.Int64},
    )


def _locate(ev: pl.DataFrame, pos: pl.DataFrame) -> pl.DataFrame:
    """Add start/end coordinates: the last fix at or before start_t and the first at or after
    end_t of the same vessel (the nearest fix of that vessel when none is on that side).
    ``pos`` is (mmsi, t)-sorted, so one sorted key finds both."""
    if ev.height == 0 or pos.height == 0:
        return ev
    m = pos["mmsi"].to_numpy().astype(np.int64)
    key = m * _KEY + pos["t"].to_numpy().astype(np.int64)
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    em = ev["mmsi"].to_numpy().astype(np.int64)
    out = {}
    for col, pre, before in (("start_t", "start", True), ("end_t", "end", False)):
        k = em * _KEY + ev[col].fill_null(0).to_numpy().astype(np.int64)
        i = np.searchsorted(key, k, side="right") - 1 if before else np.searchsorted(key, k)
        i = np.clip(i, 0, m.size - 1)
        alt = np.clip(i + (1 if before else -1), 0, m.size - 1)
        i = np.where(m[i] == em, i, alt)
        hit = m[i] == em
        out[f"{pre}_lat"] = np.where(hit, la[i], np.nan)
        out[f"{pre}_lon"] = np.where(hit, lo[i], np.nan)
    return ev.with_columns(pl.Series(c, v).fill_nan(None).alias(c) for c, v in out.items())


def mmsi_identity_events(
    static: pl.DataFrame,
    pos: pl.DataFrame,
    gap_s: float = 6 * 3600.0,
    periods: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per-MMSI identity events of one partition (static data and positions of the same
    MMSIs). ``gap_s``: the silence that counts as an AIS gap."""
    if periods is None:
        periods = identity_periods(static)
    if periods.height == 0:
        return empty_events()
    rows: list[dict[str, object]] = []
    # invalid IMO numbers (the check digit tested column-wise for plain ASCII digits, the
    # rest one by one)
    imos = periods.filter(pl.col("field") == "imo")
    ascii7 = pl.col("value").str.contains(r"^[0-9]{7}$")
    check = (
        pl.sum_horizontal(
            pl.col("value").str.slice(i, 1).cast(pl.Int64, strict=False) * (7 - i) for i in range(6)
        )
        % 10
    ) == pl.col("value").str.slice(6, 1).cast(pl.Int64, strict=False)
    imos = imos.filter(~(ascii7 & check).fill_null(False))
    for r in imos.iter_rows(named=True):
        v = str(r["value"])
        if imo_valid(v):
            continue
        why = (
            f"check digit {v[6]} should be {imo_check_digit(v[:6])}"
            if len(v) == 7 and v.isdigit()
            else "not a 7-digit number"
        )
        rows.append(
            {
                "mmsi": r["mmsi"],
                "start_t": r["t0"],
                "end_t": r["t1"],
                "confidence": 0.7,
                "label": "invalid_imo",
                "explanation": (
                    f"invalid IMO {v}: {why} (broadcast {_ts(r['t0'])} to {_ts(r['t1'])}); a "
                    "made-up or mistyped IMO number"
                ),
            }
        )
    parts = [pl.DataFrame(rows, infer_schema_length=None)] if rows else []
    # changes and simultaneous identities: consecutive periods of one field
    # periods are sorted by (mmsi, field, t0): the previous row, when of the same group
    same = (pl.col("mmsi") == pl.col("mmsi").shift(1)) & (
        pl.col("field") == pl.col("field").shift(1)
    )
    pairs = periods.with_columns(
        pl.when(same).then(pl.col(c).shift(1)).alias(f"p_{c}")
        for c in ("norm", "value", "t0", "t1", "n")
    ).filter(pl.col("p_norm").is_not_null())
    if pairs.height:
        gaps = _gaps_frame(pos, gap_s)
        pairs = pairs.with_columns(
            (pl.col("p_t1") > pl.col("t0")).alias("overlap"),
            pl.min_horizontal("p_t1", "t0").alias("a"),
            pl.max_horizontal("p_t1", "t0").alias("b"),
        ).with_row_index("_k")
        across = (
            pairs.select("_k", "mmsi", "a", "b")
            .join(gaps, on="mmsi", how="inner")
            .filter((pl.col("g1") > pl.col("a")) & (pl.col("g0") < pl.col("b")))
            .group_by("_k")
            .agg(((pl.col("g1") - pl.col("g0")).max() / 3600.0).alias("gap_h"))
        )
        pairs = (
            pairs.join(across, on="_k", how="left")
            .sort("_k")
            .with_columns(_ts_cols("p_t0", "p_t1", "t0", "t1"))
        )
        parts.append(_change_rows(pairs))
    if not parts:
        return empty_events()
    ev = pl.concat(parts, how="vertical_relaxed").with_columns(
        pl.lit("identity_change").alias("event_type"),
        ((pl.col("end_t") - pl.col("start_t")) / 3600.0).alias("duration_h"),
    )
    return conform(_locate(conform(ev), pos))


def _change_rows(pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per pair of consecutive periods of a field (:func:`mmsi_identity_events`):
    two identities at once when they overlap, else a change (across the longest AIS gap
    between them, if any); built column-wise."""
    word = pl.col("field").replace_strict(FIELD_WORD, return_dtype=pl.Utf8)
    base = pl.col("field").replace_strict(BASE_CONFIDENCE, return_dtype=pl.Float64)
    gap = pl.col("gap_h").is_not_null()
    # the gap's hours as Python formats them (a few thousand values)
    gap_txt = [None if g is None else f"{g:.1f}" for g in pairs["gap_h"].to_list()]
    pairs = pairs.with_columns(pl.Series("_g", gap_txt, dtype=pl.Utf8))
    two = pl.concat_str(
        pl.lit("two identities at once on one MMSI: "),
        word,
        pl.lit(" '"),
        pl.col("p_value"),
        pl.lit("' ("),
        pl.col("_s_p_t0"),
        pl.lit(" to "),
        pl.col("_s_p_t1"),
        pl.lit(") and '"),
        pl.col("value"),
        pl.lit("' ("),
        pl.col("_s_t0"),
        pl.lit(" to "),
        pl.col("_s_t1"),
        pl.lit(") broadcast in overlapping periods"),
    )
    where = (
        pl.when(gap)
        .then(pl.concat_str(pl.lit(" across a "), pl.col("_g"), pl.lit(" h AIS gap")))
        .otherwise(pl.lit(" with no AIS gap"))
    )
    change = pl.concat_str(
        word,
        pl.lit(" changed '"),
        pl.col("p_value"),
        pl.lit("' -> '"),
        pl.col("value"),
        pl.lit("'"),
        where,
        pl.lit(" (last '"),
        pl.col("p_value"),
        pl.lit("' "),
        pl.col("_s_p_t1"),
        pl.lit(", first '"),
        pl.col("value"),
        pl.lit("' "),
        pl.col("_s_t0"),
        pl.lit(")"),
    )
    ov = pl.col("overlap")
    bonus = pl.when(gap).then(pl.lit(ACROSS_GAP_BONUS)).otherwise(pl.lit(0.0))
    return pairs.select(
        "mmsi",
        pl.when(ov).then(pl.col("t0")).otherwise(pl.col("p_t1")).alias("start_t"),
        pl.when(ov).then(pl.min_horizontal("t1", "p_t1")).otherwise(pl.col("t0")).alias("end_t"),
        pl.min_horizontal(pl.lit(1.0), pl.when(ov).then(base + 0.2).otherwise(base + bonus)).alias(
            "confidence"
        ),
        pl.when(ov)
        .then(pl.lit("two_identities"))
        .otherwise(
            pl.concat_str(
                pl.col("field"),
                pl.lit("_change"),
                pl.when(gap).then(pl.lit("_across_gap")).otherwise(pl.lit("")),
            )
        )
        .alias("label"),
        pl.when(ov).then(two).otherwise(change).alias("explanation"),
    )


def imo_sharing_events(
    static: pl.DataFrame, pos: pl.DataFrame | None = None, periods: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One IMO under several MMSIs (needs every MMSI's static data). ``pos`` (optional)
    only places the events on the map. ``periods``: :func:`identity_periods` of
    ``static`` when already computed."""
    if periods is None:
        periods = identity_periods(static)
    periods = periods.filter(pl.col("field") == "imo")
    per_imo = (
        periods.group_by("mmsi", "norm")
        .agg(pl.col("value").first(), pl.col("t0").min(), pl.col("t1").max(), pl.col("n").sum())
        .sort("norm", "t0", "mmsi")
    )
    multi = per_imo.filter(pl.col("mmsi").n_unique().over("norm") > 1)
    if multi.height == 0:
        return empty_events()
    rows: list[dict[str, object]] = []
    for (_imo,), g in multi.group_by(["norm"], maintain_order=True):
        recs = g.sort("t0").to_dicts()
        for a, b in itertools.pairwise(recs):
            ma, mb = int(a["mmsi"]), int(b["mmsi"])
            fa, fb = mid_flag(mmsi_mid(ma)), mid_flag(mmsi_mid(mb))
            flag = f"; flag {fa} -> {fb} (MID of the MMSI)" if fa != fb else f"; flag {fa}"
            if a["t1"] > b["t0"]:
                label, conf = "imo_shared", 0.9
                text = (
                    f"IMO {b['value']} broadcast by MMSI {ma} ({_ts(a['t0'])} to "
                    f"{_ts(a['t1'])}) and MMSI {mb} ({_ts(b['t0'])} to {_ts(b['t1'])}) "
                    f"at the same time{flag}"
                )
                s, e = int(b["t0"]), int(min(a["t1"], b["t1"]))
            else:
                label, conf = "imo_new_mmsi", 0.85 if fa != fb else 0.75
                silent = (int(b["t0"]) - int(a["t1"])) / 3600.0
                text = (
                    f"IMO {b['value']} moved from MMSI {ma} (last {_ts(a['t1'])}) to MMSI "
                    f"{mb} (first {_ts(b['t0'])}, {silent:.1f} h later){flag}"
                )
                s, e = int(a["t1"]), int(b["t0"])
            for m, other in ((mb, ma), (ma, mb)):
                rows.append(
                    {
                        "mmsi": m,
                        "other_mmsi": other,
                        "start_t": s,
                        "end_t": e,
                        "confidence": conf,
                        "label": label,
                        "explanation": text,
                    }
                )
    ev = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit("identity_change").alias("event_type"),
        ((pl.col("end_t") - pl.col("start_t")) / 3600.0).alias("duration_h"),
    )
    ev = conform(ev)
    return conform(_locate(ev, pos)) if pos is not None else ev


def identity_events(
    static: pl.DataFrame, pos: pl.DataFrame, gap_s: float = 6 * 3600.0
) -> pl.DataFrame:
    """All identity events of a whole data set (per MMSI and across MMSIs)."""
    a = mmsi_identity_events(static, pos, gap_s)
    b = imo_sharing_events(static, pos)
    return pl.concat([a, b]) if a.height and b.height else (a if a.height else b)


def static_without_positions(static: pl.DataFrame, pos: pl.DataFrame) -> int:
    """How many MMSIs have static data but no valid position (reported, still analysed)."""
    if static.height == 0:
        return 0
    seen = pos["mmsi"].unique()
    st = static["mmsi"].drop_nulls().unique()
    return int((~st.is_in(seen.implode())).sum()) if seen.len() else int(st.len())


__all__ = [
    "identity_events",
    "identity_periods",
    "imo_sharing_events",
    "mmsi_identity_events",
    "static_without_positions",
]
