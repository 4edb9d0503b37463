# ruff: noqa: E501
"""Who the ship really is: identity changes, spoofing and dark detections planted in the
real Global Fishing Watch and NOAA tracks of ../shared/data/ais at known places, with
controls; precision and recall per event type, and positions/s for all events together.

    POLARS_MAX_THREADS=2 taskset -c 0,1 python benchmarks/ais_typologies.py [--per 12]
        [--copies 28] [--seed 11]

How it is built (and why it measures something):

* Base: every cleaned position of the 28 GFW track exports and the NOAA MarineCadastre
  sample. GFW exports carry no static data, so each vessel gets one steady identity (a
  name, a valid IMO, a call sign) broadcast at its first and last fix; NOAA rows keep
  their own. The detectors first run on this untouched base: whatever they report there is
  set aside (listed in the output), and planted cases avoid those vessels.
* Typologies are planted from physical descriptions only (the planting code never reads
  a detector threshold), one case per vessel, at random places of tracks with >= 300
  positions:
  - rename across a gap: the vessel goes dark for U(12, 72) h and comes back with a new
    name and call sign;
  - IMO moves: after a silence of U(6, 48) h the rest of the track is broadcast under a
    new MMSI of another flag (MID) with the same IMO;
  - two identities: for U(6, 48) h the vessel's static reports alternate between two names;
  - invalid IMO: the vessel broadcasts a 7-digit IMO with a wrong check digit;
  - circle: for 2-4 loops the track is replaced by a circle of radius U(0.5, 5) km flown
    at U(6, 15) kn, one fix every 30-300 s (the vessel's own reporting interval);
  - grid: for U(2, 8) h of steaming (>= 5 kn) every fix is snapped to a lattice of
    spacing U(0.005, 0.03) deg with a random offset;
  - frozen fix: for U(1, 4) h of steaming every fix repeats the first one while the
    reported speed stays as broadcast;
  - course/speed contradiction: for U(1, 4) h of steaming the reported course is reversed
    (+180 +- 30 deg) or the reported speed is 0 kn;
  - two transmitters: for U(6, 24) h a second transmitter sends the same MMSI, its track
    the vessel's own moved U(20, 500) km, its fixes interleaved with the real ones;
  - dark detections: a detection (position noise <= 200 m) at the true, removed position
    of a renamed vessel during its dark leg (truth: dark, other_mmsi = that vessel);
    controls: detections at real AIS fixes of other vessels, moved <= 500 m (truth: explained).
* Scoring: an event is a true positive when it is on the planted MMSI and overlaps the
  planted time window (+- 1 h); every other event of that type not set aside in the
  untouched run is a false alarm.
* Speed: the planted table replicated (new MMSIs, shifted times, as benchmarks/ais.py)
  and every detector run together (gaps, port calls, loitering, encounters, jumps,
  spoofing, identity per MMSI and across MMSIs, dark detections).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "2")

import numpy as np
import polars as pl

from counterflow.maritime.dark import Detections
from counterflow.maritime.detect import detect_all
from counterflow.maritime.imo import imo_check_digit
from counterflow.maritime.ingest import load
from counterflow.maritime.params import EventParams
from counterflow.maritime.ports import load_ports
from counterflow.maritime.shore import default_shore
from counterflow.maritime.table import STATIC_SCHEMA, Drops

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ais import replicate, run_movingpandas

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ais"
KM_LAT = 110.574
FLAGS_MID = [273, 422, 613, 620, 636, 538, 352, 511, 667, 671, 341, 312]


@dataclass
class Case:
    typology: str
    event_type: str
    mmsi: int
    a: int
    b: int
    other: int | None = None
    split: str = "test"


def _valid_imo(rng: np.random.Generator) -> str:
    six = f"{rng.integers(100000, 999999)}"
    return six + str(imo_check_digit(six))


def _invalid_imo(rng: np.random.Generator) -> str:
    six = f"{rng.integers(100000, 999999)}"
    return six + str((imo_check_digit(six) + int(rng.integers(1, 10))) % 10)


def _name(rng: np.random.Generator) -> str:
    words = [
        "STAR",
        "SEA",
        "OCEAN",
        "NORD",
        "LUNA",
        "AURORA",
        "PEARL",
        "VEGA",
        "ORION",
        "DELTA",
        "ATLAS",
        "KAPPA",
    ]
    return (
        f"{words[rng.integers(len(words))]} {words[rng.integers(len(words))]} {rng.integers(1, 99)}"
    )


def _static_row(m: int, t: int, name: str, imo: str | None, cs: str) -> dict[str, object]:
    return {
        "mmsi": m,
        "t": t,
        "name": name,
        "imo": imo,
        "callsign": cs,
        "ship_type": "30",
        "flag": None,
    }


def load_base(chunk: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The real tracks; the 28 long GFW tracks are cut into pieces of ``chunk`` positions,
    each its own vessel (a new MMSI with the same MID), so every planted case sits on its
    own stretch of real track."""
    gfw = load(sorted((SHARED / "gfw_tracks").glob("*.csv"))).positions
    noaa = load([SHARED / "samples" / "aisdb_test_data_noaa_20230101.csv"])
    gfw = gfw.with_columns((pl.int_range(pl.len()).over("mmsi") // chunk).alias("_c"))
    keys = gfw.select("mmsi", "_c").unique().sort("mmsi", "_c").with_row_index("_k")
    keys = keys.with_columns(
        (
            pl.col("mmsi").cast(pl.Utf8).str.slice(0, 3).cast(pl.Int64) * 1_000_000
            + 500_000
            + pl.col("_k").cast(pl.Int64)
        ).alias("_m")
    )
    gfw = gfw.join(keys, on=["mmsi", "_c"]).drop("mmsi", "_c", "_k").rename({"_m": "mmsi"})
    pos = pl.concat([gfw.select(noaa.positions.columns), noaa.positions]).sort("mmsi", "t")
    return pos, noaa.static


def steady_static(
    pos: pl.DataFrame, static: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    have = set(static["mmsi"].unique().to_list())
    spans = (
        pos.group_by("mmsi")
        .agg(pl.col("t").min().alias("a"), pl.col("t").max().alias("b"))
        .sort("mmsi")
    )
    rows = []
    for m, a, b in spans.iter_rows():
        if m in have:
            continue
        name, imo, cs = _name(rng), _valid_imo(rng), f"C{m % 100000:05d}"
        rows += [_static_row(m, a, name, imo, cs), _static_row(m, b, name, imo, cs)]
    extra = pl.DataFrame(rows, schema=STATIC_SCHEMA)
    return pl.concat([static.cast(STATIC_SCHEMA), extra]).sort("mmsi", "t")  # type: ignore[arg-type]


def _speed_kn(t: np.ndarray, la: np.ndarray, lo: np.ndarray) -> np.ndarray:
    dy = np.diff(la) * KM_LAT
    dx = np.diff(lo) * 111.32 * np.cos(np.radians(la[:-1]))
    return np.hypot(dx, dy) / 1.852 / np.maximum(np.diff(t), 1) * 3600.0


def _window(
    t: np.ndarray,
    la: np.ndarray,
    lo: np.ndarray,
    hours: float,
    rng: np.random.Generator,
    moving: bool,
) -> tuple[int, int] | None:
    """Row range [i, j) of ``hours`` in the middle of the track (steaming >= 5 kn if asked)."""
    n = t.size
    for _ in range(60):
        i = int(rng.integers(int(n * 0.15), int(n * 0.7)))
        j = int(np.searchsorted(t, t[i] + hours * 3600))
        if j >= n - 5 or j - i < 8:
            continue
        if np.diff(t[i : j + 1]).max() > 2 * 3600:  # no silence of 2 h or more inside
            continue
        if moving and np.median(_speed_kn(t[i:j], la[i:j], lo[i:j])) < 5.0:
            continue
        return i, j
    return None


SPLITS = ("fit", "dev", "test")
# the k-th case of a typology goes to split ORDER[k % 4]: half to test, a quarter each to
# fit and dev
ORDER = ("test", "fit", "test", "dev")


def plant(
    pos: pl.DataFrame, static: pl.DataFrame, per: int, rng: np.random.Generator, avoid: set[int]
):
    """``per`` cases per typology in the test split and ``per`` / 2 each in fit and dev (see
    ORDER), one vessel per case, so the splits share no vessel."""
    counts = pos.group_by("mmsi").len()
    eligible = counts.filter((pl.col("len") >= 300) & ~pl.col("mmsi").is_in(list(avoid)))[
        "mmsi"
    ].to_list()
    rng.shuffle(eligible)
    groups = {m: g for (m,), g in pos.filter(pl.col("mmsi").is_in(eligible)).group_by(["mmsi"])}
    # the typologies that need a steaming stretch first: few real tracks have one, and the
    # identity typologies can use any track
    kinds = [
        "circle",
        "grid",
        "frozen",
        "sog_cog",
        "two_transmitters",
        "rename_gap",
        "imo_moves",
        "two_identities",
        "invalid_imo",
    ]
    cases: list[Case] = []
    new_pos: dict[int, pl.DataFrame] = {}
    new_static: list[dict[str, object]] = []
    drop_static: set[int] = set()
    detections: list[dict[str, object]] = []
    truth_det: dict[str, int | None] = {}
    det_split: dict[str, str] = {}
    next_mmsi = 900_000_000
    pool = list(eligible)
    for kind in kinds:
        done = 0
        tried = 0
        while done < 2 * per and tried < len(pool):
            m = pool[tried]
            tried += 1
            g = groups[m].sort("t")
            t = g["t"].to_numpy().copy()
            la = g["lat"].to_numpy().copy()
            lo = g["lon"].to_numpy().copy()
            sog = g["sog"].to_numpy().copy()
            cog = g["cog"].to_numpy().copy()
            name, imo, cs = _name(rng), _valid_imo(rng), f"P{m % 100000:05d}"
            split = ORDER[done % len(ORDER)]
            moving = kind in ("grid", "frozen", "sog_cog", "circle", "two_transmitters")
            hours = {
                "rename_gap": rng.uniform(12, 72),
                "imo_moves": rng.uniform(6, 48),
                "two_identities": rng.uniform(6, 48),
                "invalid_imo": 1.0,
                "circle": 0.0,
                "grid": rng.uniform(2, 8),
                "frozen": rng.uniform(1, 4),
                "sog_cog": rng.uniform(1, 4),
                "two_transmitters": rng.uniform(6, 24),
            }[kind]
            if kind == "circle":
                r_km, kn, loops = rng.uniform(0.5, 5), rng.uniform(6, 15), rng.uniform(2, 4)
                hours = loops * 2 * np.pi * r_km / (kn * 1.852)
            w = _window(t, la, lo, max(hours, 1.0), rng, moving)
            if w is None:
                continue
            i, j = w
            a, b = int(t[i]), int(t[j - 1])
            keep = np.ones(t.size, dtype=bool)
            st = [
                _static_row(m, int(t[0]), name, imo, cs),
                _static_row(m, int(t[-1]), name, imo, cs),
            ]
            if kind == "rename_gap":
                keep[i:j] = False
                # one detection at the true position mid-leg
                k = (i + j) // 2
                did = f"DARK-{m}"
                detections.append(
                    {
                        "detection_id": did,
                        "t": int(t[k]),
                        "lat": la[k] + rng.normal(0, 0.001),
                        "lon": lo[k] + rng.normal(0, 0.001),
                        "length_m": None,
                        "source": "planted",
                    }
                )
                truth_det[did] = m
                det_split[did] = split
                name2 = _name(rng)
                st = [
                    _static_row(m, int(t[0]), name, imo, cs),
                    _static_row(m, int(t[i - 1]), name, imo, cs),
                    _static_row(m, int(t[j]), name2, imo, cs + "X"),
                    _static_row(m, int(t[-1]), name2, imo, cs + "X"),
                ]
                cases.append(
                    Case(kind, "identity_change", m, int(t[i - 1]), int(t[j]), split=split)
                )
                b = int(t[j])
            elif kind == "imo_moves":
                keep[i:j] = False
                m2 = (
                    FLAGS_MID[int(rng.integers(len(FLAGS_MID)))] * 1_000_000 + next_mmsi % 1_000_000
                )
                next_mmsi += 1
                rest = g[j:].with_columns(pl.lit(m2, dtype=pl.Int64).alias("mmsi"))
                new_pos[m2] = rest
                keep[j:] = False
                st = [
                    _static_row(m, int(t[0]), name, imo, cs),
                    _static_row(m, int(t[i - 1]), name, imo, cs),
                    _static_row(m2, int(t[j]), name, imo, cs),
                    _static_row(m2, int(t[-1]), name, imo, cs),
                ]
                cases.append(Case(kind, "identity_change", m2, int(t[i - 1]), int(t[j]), m, split))
                cases.append(
                    Case(kind + "_old", "identity_change", m, int(t[i - 1]), int(t[j]), m2, split)
                )
            elif kind == "two_identities":
                name2 = _name(rng)
                for k in range(i, j, max(1, (j - i) // 12)):
                    st.append(
                        _static_row(
                            m,
                            int(t[k]),
                            name2 if (k // max(1, (j - i) // 12)) % 2 else name,
                            imo,
                            cs,
                        )
                    )
                st.append(_static_row(m, int(t[j - 1]), name2, imo, cs))
                cases.append(Case(kind, "identity_change", m, a, b, split=split))
            elif kind == "invalid_imo":
                bad = _invalid_imo(rng)
                st = [
                    _static_row(m, int(t[0]), name, bad, cs),
                    _static_row(m, int(t[-1]), name, bad, cs),
                ]
                cases.append(Case(kind, "identity_change", m, int(t[0]), int(t[-1]), split=split))
            elif kind == "circle":
                step = float(np.clip(np.median(np.diff(t)), 30, 300))
                nfix = int(hours * 3600 / step)
                tt = t[i] + (np.arange(nfix) * step).astype(np.int64)
                ang0 = rng.uniform(0, 2 * np.pi)
                wr = kn * 1.852 / r_km / 3600.0 * np.sign(rng.uniform(-1, 1))
                ang = ang0 + wr * (tt - tt[0])
                clat = la[i] - r_km * np.cos(ang0) / KM_LAT
                clon = lo[i] - r_km * np.sin(ang0) / (111.32 * np.cos(np.radians(la[i])))
                circ = pl.DataFrame(
                    {
                        "mmsi": m,
                        "t": tt,
                        "lat": clat + r_km * np.cos(ang) / KM_LAT,
                        "lon": clon + r_km * np.sin(ang) / (111.32 * np.cos(np.radians(la[i]))),
                        "sog": np.full(nfix, kn),
                        "cog": np.full(nfix, np.nan),
                    }
                )
                # the real fixes in the circle's time are replaced by the circle
                keep &= ~((t >= tt[0]) & (t <= tt[-1]))
                new_pos[-m] = circ
                a, b = int(tt[0]), int(tt[-1])
                cases.append(Case(kind, "spoofing", m, a, b, split=split))
            elif kind == "grid":
                gs = rng.uniform(0.005, 0.03)
                oy, ox = rng.uniform(0, gs), rng.uniform(0, gs)
                la[i:j] = np.round((la[i:j] - oy) / gs) * gs + oy
                lo[i:j] = np.round((lo[i:j] - ox) / gs) * gs + ox
                cases.append(Case(kind, "spoofing", m, a, b, split=split))
            elif kind == "frozen":
                la[i:j] = la[i]
                lo[i:j] = lo[i]
                sog[i:j] = np.where(
                    np.isnan(sog[i:j]),
                    _speed_kn(
                        t[i - 1 : j], g["lat"].to_numpy()[i - 1 : j], g["lon"].to_numpy()[i - 1 : j]
                    ),
                    sog[i:j],
                )
                cases.append(Case(kind, "spoofing", m, a, b, split=split))
            elif kind == "sog_cog":
                if rng.uniform() < 0.5:
                    hd = (
                        np.degrees(
                            np.arctan2(
                                np.diff(lo[i - 1 : j]) * np.cos(np.radians(la[i:j])),
                                np.diff(la[i - 1 : j]),
                            )
                        )
                        % 360
                    )
                    cog[i:j] = (hd + 180 + rng.uniform(-30, 30, j - i)) % 360
                else:
                    sog[i:j] = 0.0
                cases.append(Case(kind, "spoofing", m, a, b, split=split))
            elif kind == "two_transmitters":
                dist = rng.uniform(20, 500)
                brg = rng.uniform(0, 2 * np.pi)
                half = np.maximum(np.diff(t[i : j + 1]) // 2, 1)
                twin = pl.DataFrame(
                    {
                        "mmsi": m,
                        "t": t[i:j] + half,
                        "lat": la[i:j] + dist * np.cos(brg) / KM_LAT,
                        "lon": lo[i:j]
                        + dist * np.sin(brg) / (111.32 * np.cos(np.radians(la[i:j]))),
                        "sog": sog[i:j],
                        "cog": cog[i:j],
                    }
                )
                new_pos[-m] = twin
                cases.append(Case(kind, "spoofing", m, a, b, split=split))
            new_pos[m] = pl.DataFrame(
                {"mmsi": m, "t": t, "lat": la, "lon": lo, "sog": sog, "cog": cog}
            ).filter(pl.Series(keep))
            pool.remove(m)
            tried -= 1
            drop_static.add(m)
            new_static += st
            done += 1
    # controls for dark detections: real fixes of unplanted vessels, moved <= 500 m
    others = pos.filter(~pl.col("mmsi").is_in(list(drop_static) + list(avoid)))
    sample = others.sample(
        n=min(3 * per * len(SPLITS), others.height), seed=int(rng.integers(1 << 30))
    )
    for k, r in enumerate(sample.iter_rows(named=True)):
        d = rng.uniform(0, 0.5)
        ang = rng.uniform(0, 2 * np.pi)
        did = f"EXPL-{k}"
        detections.append(
            {
                "detection_id": did,
                "t": r["t"],
                "lat": r["lat"] + d * np.cos(ang) / KM_LAT,
                "lon": r["lon"] + d * np.sin(ang) / (111.32 * np.cos(np.radians(r["lat"]))),
                "length_m": None,
                "source": "control",
            }
        )
        truth_det[did] = None
        det_split[did] = ORDER[k % len(ORDER)]
    planted_pos = pl.concat(
        [
            pos.filter(~pl.col("mmsi").is_in(list(drop_static))),
            *[p.cast(pos.schema) for p in new_pos.values()],
        ]
    ).sort("mmsi", "t")  # type: ignore[arg-type]
    planted_pos = planted_pos.unique(["mmsi", "t"], keep="first").sort("mmsi", "t")
    planted_static = pl.concat(
        [
            static.filter(~pl.col("mmsi").is_in(list(drop_static))),
            pl.DataFrame(new_static, schema=STATIC_SCHEMA),
        ]
    ).sort("mmsi", "t")
    det = pl.DataFrame(
        detections,
        schema={
            "detection_id": pl.Utf8,
            "t": pl.Int64,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "length_m": pl.Float64,
            "source": pl.Utf8,
        },
    )
    return planted_pos, planted_static, cases, det, truth_det, det_split


def run_all(
    pos: pl.DataFrame, static: pl.DataFrame, ports: pl.DataFrame, det: pl.DataFrame | None, shore
) -> tuple[pl.DataFrame, dict[str, float]]:
    tm: dict[str, float] = {}
    c0 = time.process_time()
    t0 = time.perf_counter()
    # every detector, per vessel and across vessels, as `ais events` runs them (on two
    # threads)
    a = detect_all(
        pos,
        ports,
        EventParams(),
        shore=shore,
        static=static,
        cross_vessel=True,
        detections=Detections(det, Drops()) if det is not None else None,
    )
    tm.update(a.timings)
    tm["total"] = time.perf_counter() - t0
    tm["cpu_total"] = time.process_time() - c0
    return a.events, tm


def score(
    ev: pl.DataFrame,
    cases: list[Case],
    untouched: pl.DataFrame,
    truth_det: dict[str, int | None],
    det_split: dict[str, str],
    splits: tuple[str, ...] = ("test",),
) -> list[tuple[str, str, int, int, int, str]]:
    """Rows: (event type, typology, planted, found, false alarms, precision text) over the
    cases and detections of ``splits``; events on the other splits' vessels are left out,
    events on unplanted vessels count as false alarms."""
    other = {c.mmsi for c in cases if c.split not in splits} | {
        c.other for c in cases if c.split not in splits and c.other is not None
    }
    ev = ev.filter(~pl.col("mmsi").is_in(list(other)) | pl.col("mmsi").is_null())
    cases = [c for c in cases if c.split in splits]
    truth_det = {k: v for k, v in truth_det.items() if det_split[k] in splits}
    rows = []
    set_aside = {
        (r[0], r[1], r[2]) for r in untouched.select("event_type", "mmsi", "start_t").iter_rows()
    }
    for et in ("identity_change", "spoofing"):
        e = ev.filter(pl.col("event_type") == et)
        e = e.filter(
            ~pl.struct("event_type", "mmsi", "start_t").map_elements(
                lambda s: (s["event_type"], s["mmsi"], s["start_t"]) in set_aside,
                return_dtype=pl.Boolean,
            )
        )
        matched = np.zeros(e.height, dtype=bool)
        em = e["mmsi"].to_numpy()
        ea = e["start_t"].to_numpy()
        eb = e["end_t"].to_numpy()
        by_typ: dict[str, list[bool]] = {}
        for c in (c for c in cases if c.event_type == et):
            hit = (em == c.mmsi) & (ea <= c.b + 3600) & (eb >= c.a - 3600)
            matched |= hit
            by_typ.setdefault(c.typology, []).append(bool(hit.any()))
        fa = int((~matched).sum())
        prec = matched.sum() / max(1, e.height)
        for typ, found in by_typ.items():
            rows.append((et, typ, len(found), sum(found), -1, ""))
        rows.append(
            (
                et,
                "all",
                sum(len(v) for v in by_typ.values()),
                sum(sum(v) for v in by_typ.values()),
                fa,
                f"{prec:.3f}",
            )
        )
    d = ev.filter(pl.col("event_type") == "dark_detection")
    d = d.filter(
        pl.col("explanation").str.extract(r"detection (\S+?)[,:]", 1).is_in(list(truth_det))
    )
    ids = {
        re.search(r"detection (\S+?)[,:]", r).group(1): (
            o,
            [int(x) for x in re.findall(r"(\d{9}) \(likelihood", r)],
        )  # type: ignore[union-attr]
        for r, o in zip(d["explanation"].to_list(), d["other_mmsi"].to_list(), strict=True)
    }
    dark = [k for k, v in truth_det.items() if v is not None]
    ctrl = [k for k, v in truth_det.items() if v is None]
    found = [k for k in dark if k in ids]
    named = [k for k in found if ids[k][0] == truth_det[k]]
    among = [k for k in found if truth_det[k] in ids[k][1]]
    fa = [k for k in ctrl if k in ids]
    prec = len(found) / max(1, len(found) + len(fa))
    rows.append(("dark_detection", "on a dark leg", len(dark), len(found), -1, ""))
    rows.append(
        ("dark_detection", "  the dark vessel among the candidates", len(dark), len(among), -1, "")
    )
    rows.append(
        (
            "dark_detection",
            "  the dark vessel is the best (other_mmsi)",
            len(dark),
            len(named),
            -1,
            "",
        )
    )
    rows.append(
        (
            "dark_detection",
            "explained by AIS (controls)",
            len(ctrl),
            len(ctrl) - len(fa),
            len(fa),
            "",
        )
    )
    rows.append(("dark_detection", "all", len(dark), len(found), len(fa), f"{prec:.3f}"))
    return rows


def mp_version() -> str:
    from importlib.metadata import version

    return version("movingpandas")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--per", type=int, default=12, help="planted cases per typology")
    ap.add_argument(
        "--copies", type=int, default=28, help="replicas for the speed run (28 = ~10 M positions)"
    )
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument(
        "--mpd-positions",
        type=int,
        default=100_000,
        help="positions (whole vessels) for the movingpandas peer run",
    )
    ap.add_argument("--chunk", type=int, default=1000, help="positions per piece of a GFW track")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    ports = load_ports([SHARED / "ports"])
    shore = default_shore()
    pos, static = load_base(args.chunk)
    static = steady_static(pos, static, rng)
    base_ev, _ = run_all(pos, static, ports, None, shore)
    untouched = base_ev.filter(pl.col("event_type").is_in(["identity_change", "spoofing"]))
    avoid = set(untouched["mmsi"].to_list())
    aside = untouched.group_by("label").agg(
        pl.col("mmsi").n_unique().alias("n"), pl.col("mmsi").unique().sort().head(3).alias("e")
    )
    print(
        f"base: {pos.height:,} positions, {pos['mmsi'].n_unique()} vessels (GFW tracks cut into pieces of {args.chunk}); "
        "found in the untouched data and set aside: "
        + (
            "; ".join(
                f"{r['label']} on {r['n']} MMSIs (e.g. {', '.join(map(str, r['e']))})"
                for r in aside.iter_rows(named=True)
            )
            or "none"
        )
    )
    ppos, pstatic, cases, det, truth, det_split = plant(pos, static, args.per, rng, avoid)
    ev, _ = run_all(ppos, pstatic, ports, det, shore)
    rows = score(ev, cases, untouched, truth, det_split)
    tuning = score(ev, cases, untouched, truth, det_split, ("fit", "dev"))
    # speed: replicated planted table, every detector together
    big = replicate(ppos, args.copies)
    vmap = ppos.select(pl.col("mmsi").unique().sort()).with_row_index("vi")
    st_parts = []
    imos = pstatic["imo"].drop_nulls().unique().to_list()
    for i in range(args.copies):
        # each replica is a new fleet: its own IMO numbers (valid ones stay valid, bad stay bad)
        remap = {}
        for x in imos:
            if len(x) == 7 and x.isdigit():
                six = f"{(int(x[:6]) + 7919 * i) % 900000 + 100000}"
                ok = imo_check_digit(x[:6]) == int(x[6])
                cd = imo_check_digit(six) if ok else (imo_check_digit(six) + 1) % 10
                remap[x] = six + str(cd)
        st_parts.append(
            pstatic.join(vmap, on="mmsi")
            .with_columns(
                (pl.lit(200_000_000 + i * 1000) + pl.col("vi").cast(pl.Int64)).alias("mmsi"),
                (pl.col("t") + i * (97 * 86400 + 1234)).alias("t"),
                pl.col("imo").replace(remap),
            )
            .drop("vi")
        )
    bstatic = pl.concat(st_parts).sort("mmsi", "t")
    bdet = pl.concat(
        [
            det.with_columns(
                (pl.col("t") + i * (97 * 86400 + 1234)).alias("t"),
                (pl.col("detection_id") + f"-{i}").alias("detection_id"),
            )
            for i in range(args.copies)
        ]
    )
    load0 = os.getloadavg()
    run_all(big.head(50_000), bstatic, ports, bdet.head(10), shore)  # warm-up
    bev, tm = run_all(big, bstatic, ports, bdet, shore)
    load1 = os.getloadavg()
    mp = run_movingpandas(big, args.mpd_positions)
    mpd_rate = mp["mpd_positions"] / (mp["mpd_build"] + mp["mpd_gaps"] + mp["mpd_stops"])
    ours = big.height / tm["total"]
    print()
    print(
        "| event type | typology (planted physically) | planted | found | false alarms | precision |"
    )
    print("|---|---|---|---|---|---|")
    for et, typ, n, f, fa, prec in rows:
        rec = f"{f}/{n} ({f / max(1, n):.2f})"
        print(f"| {et} | {typ} | {n} | {rec} | {'' if fa < 0 else fa} | {prec} |")
    print(
        f"| **all events together** | {big.height:,} positions ({args.copies} replicas), {bdet.height:,} detections | | | {bev.height:,} events | **{big.height / tm['total'] / 1e6:.2f} M positions/s** ({tm['total']:.2f} s) |"
    )
    print()
    print(
        "| peer (same replicated table) | what it does | positions/s | Counterflow (all of the above) |"
    )
    print("|---|---|---|---|")
    print(
        f"| movingpandas {mp_version()} | gap splitter (6 h) + stop detector (2 h, 1 km) only, "
        f"on {int(mp['mpd_positions']):,} positions | {mpd_rate:,.0f} | {ours / mpd_rate:,.0f}x |"
    )
    print(
        "| RadianceFleet (shadow-fleet triage, Python) | five spoofing typologies, MMSI reuse, "
        "STS, 0-100 score | not run: not on PyPI, not vendored here | - |"
    )
    print(
        "| Global Fishing Watch | gaps, encounters, SAR dark detections | hosted pipeline, "
        "not runnable offline | - |"
    )
    print()
    print(
        "fit + dev splits (looked at while tuning the detectors; not a result): "
        + "; ".join(f"{et} {typ} {f}/{n}" for et, typ, n, f, _fa, _p in tuning if typ != "all")
    )
    print()
    print("per step (s): " + ", ".join(f"{k} {v:.2f}" for k, v in tm.items()))
    print(
        f"load average before/after the timed run: {load0[0]:.1f} / {load1[0]:.1f} (2 cores, POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS')})"
    )


if __name__ == "__main__":
    main()
