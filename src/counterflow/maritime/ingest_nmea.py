"""AIS positions and static data from NMEA logs with timestamps, decoded with pyais.

Timestamps are taken from, per line: an NMEA 4.0 tag block (``\\c:1635731889*hh\\``), a
trailing Unix epoch after the sentence (AISdb/MarineTraffic style ``...,0*28,...,1325394060``),
a leading ISO 8601 or epoch stamp (``2021-07-01T00:00:00Z !AIVDM...``), or the last
``$PGHP`` (Gatehouse) line before it. Multi-sentence messages are assembled by sequence id
and channel. Bad checksums, broken fragments, undecodable payloads and sentences without a
time are counted (never fatal). Position reports: types 1-3, 18, 19, 27; static data:
types 5, 19, 24.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from counterflow.errors import BadInputError
from counterflow.maritime.table import POSITIONS_SCHEMA, STATIC_SCHEMA, AisData, Drops

_SENT = re.compile(r"[!$][A-Z]{2}VD[MO],[^*]*\*[0-9A-Fa-f]{2}")
_TAG_C = re.compile(r"\\[^\\]*?c:(\d{9,13})[^\\]*\\")
_LEAD_ISO = re.compile(r"^\s*(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)")
_LEAD_EPOCH = re.compile(r"^\s*(\d{10}(?:\.\d+)?)[\s,;]")
_TRAIL_EPOCH = re.compile(r"\*[0-9A-Fa-f]{2}(?:,[^,\s]*)*?,(\d{10})(?:\.\d+)?(?:,|\s*$)")
_PGHP = re.compile(r"\$PGHP,1,(\d{4}),(\d{1,2}),(\d{1,2}),(\d{1,2}),(\d{1,2}),(\d{1,2}),(\d{1,3})")

POSITION_TYPES = {1, 2, 3, 18, 19, 27}


def _line_time(line: str, sent_start: int) -> int | None:
    m = _TAG_C.search(line[:sent_start])
    if m:
        v = int(m.group(1))
        return v // 1000 if v > 10**11 else v
    m2 = _TRAIL_EPOCH.search(line[sent_start:])
    if m2:
        return int(m2.group(1))
    m3 = _LEAD_ISO.match(line)
    if m3:
        txt = m3.group(1).replace(" ", "T").replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(txt)
        except ValueError:
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return int(dt.timestamp())
    m4 = _LEAD_EPOCH.match(line)
    if m4:
        return int(float(m4.group(1)))
    return None


def read_nmea(path: Path) -> AisData:
    from pyais.exceptions import AISBaseException
    from pyais.messages import NMEAMessage

    drops = Drops()
    pos: dict[str, list[object]] = {k: [] for k in POSITIONS_SCHEMA}
    stat: dict[str, list[object]] = {k: [] for k in STATIC_SCHEMA}
    pending: dict[tuple[object, object, int], list[NMEAMessage]] = {}
    pghp_time: int | None = None
    n_sent = 0
    try:
        fh = path.open("r", encoding="utf-8", errors="replace")
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    with fh:
        for line in fh:
            g = _PGHP.search(line)
            if g:
                y, mo, d, h, mi, s, _ms = (int(x) for x in g.groups())
                try:
                    pghp_time = int(datetime(y, mo, d, h, mi, s, tzinfo=UTC).timestamp())
                except ValueError:
                    drops.add("nmea_bad_pghp", 1)
                continue
            sm = _SENT.search(line)
            if not sm:
                continue
            n_sent += 1
            try:
                msg = NMEAMessage(sm.group(0).encode("ascii", errors="replace"))
            except (AISBaseException, ValueError, IndexError):
                drops.add("nmea_malformed", 1)
                continue
            if not msg.is_valid:
                drops.add("nmea_bad_checksum", 1)
                continue
            ts = _line_time(line, sm.start())
            if ts is None:
                ts = pghp_time
            if msg.fragment_count > 1:
                key = (msg.seq_id, msg.channel, msg.fragment_count)
                parts = pending.setdefault(key, [])
                if msg.frag_num == 1 and parts:
                    drops.add("nmea_incomplete_multipart", 1)
                    parts.clear()
                parts.append(msg)
                if len(parts) < msg.fragment_count:
                    continue
                del pending[key]
                try:
                    msg = NMEAMessage.assemble_from_iterable(parts)
                except (AISBaseException, ValueError, IndexError):
                    drops.add("nmea_bad_multipart", 1)
                    continue
            try:
                dec = msg.decode()
            except (AISBaseException, ValueError, IndexError, KeyError, TypeError):
                drops.add("nmea_undecodable", 1)
                continue
            mt = int(getattr(dec, "msg_type", 0))
            mmsi = int(getattr(dec, "mmsi", 0) or 0)
            if ts is None:
                drops.add("nmea_no_timestamp", 1)
                continue
            if mt in POSITION_TYPES:
                lat = getattr(dec, "lat", None)
                lon = getattr(dec, "lon", None)
                sog = getattr(dec, "speed", None)
                cog = getattr(dec, "course", None)
                pos["mmsi"].append(mmsi)
                pos["t"].append(ts)
                pos["lat"].append(float(lat) if lat is not None else None)
                pos["lon"].append(float(lon) if lon is not None else None)
                pos["sog"].append(float(sog) if sog is not None else None)
                pos["cog"].append(float(cog) if cog is not None else None)
            if mt in (5, 19, 24):
                name = (getattr(dec, "shipname", None) or "").strip("@ ").strip() or None
                imo = getattr(dec, "imo", None)
                cs = (getattr(dec, "callsign", None) or "").strip("@ ").strip() or None
                st = getattr(dec, "ship_type", None)
                stat["mmsi"].append(mmsi)
                stat["t"].append(ts)
                stat["name"].append(name)
                stat["imo"].append(
                    f"{int(imo):07d}" if imo and 1000000 <= int(imo) <= 9999999 else None
                )
                stat["callsign"].append(cs)
                stat["ship_type"].append(str(int(st)) if st is not None else None)
                stat["flag"].append(None)
                if imo and not 1000000 <= int(imo) <= 9999999:
                    drops.add("bad_imo_format", 1)
    if pending:
        drops.add("nmea_incomplete_multipart", sum(len(v) for v in pending.values()))
    if n_sent == 0:
        raise BadInputError("no AIS sentences (!AIVDM/!AIVDO) found", file=str(path))
    positions = pl.DataFrame(pos, schema=POSITIONS_SCHEMA)
    # pyais reports 'not available' as 91/181 and 102.3 kn / 360 deg; clean() handles those
    st_all = pl.DataFrame(stat, schema=STATIC_SCHEMA)
    st_key = ["mmsi", "name", "imo", "callsign", "ship_type", "flag"]
    # first and last report of each identity (keeps the period each was broadcast)
    static = (
        pl.concat(
            [
                st_all.unique(subset=st_key, keep="first", maintain_order=True),
                st_all.unique(subset=st_key, keep="last", maintain_order=True),
            ]
        )
        .unique(maintain_order=True)
        .sort("mmsi", "t")
    )
    drops.note(f"{path.name}: NMEA, {n_sent} sentences, {positions.height} position reports")
    return AisData(positions, static, drops)
