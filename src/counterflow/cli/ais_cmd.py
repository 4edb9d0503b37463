"""``counterflow ais``: events (gaps, port calls, encounters, loitering, position jumps,
watch, identity changes, spoofing, dark detections) from AIS files to the EVENTS CSV of
INTERFACES.md, vessel risk and evidence cards, offline maps, and the synthetic Caspian
scenario."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from counterflow.cli.common import err_console

if TYPE_CHECKING:
    import polars as pl

    from counterflow.maritime.detect import Detection
    from counterflow.maritime.params import EventParams
    from counterflow.maritime.risk import Weights
    from counterflow.maritime.table import AisData
    from counterflow.maritime.watch import Area
    from counterflow.match.types import Screener

FilesArg = Annotated[
    list[Path], typer.Argument(help="AIS CSV (GFW, NOAA, DMA, AISdb) or NMEA logs")
]
DetectionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--detections",
        help="vessel detections CSV (detection_id,time,lat,lon[,length_m,source]) from SAR, "
        "optical imagery or radar: those no AIS position explains become dark_detection events",
    ),
]
PortsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--ports",
        help="ports/anchorages CSV files or folders (WPI, caspian_ports.csv, GFW); repeatable",
    ),
]


def _vessel_screener(cleanup: ExitStack, quiet: bool) -> Screener | None:
    """The screener over the loaded lists, open until ``cleanup`` closes; None (with a note
    unless quiet) when no list is loaded."""
    from counterflow.maritime.vessels import NO_LISTS_NOTE
    from counterflow.match.loaded import NoListsLoaded, open_loaded

    try:
        loaded = open_loaded()
    except NoListsLoaded:
        if not quiet:
            err_console.print(NO_LISTS_NOTE, highlight=False)
        return None
    return cleanup.enter_context(loaded).screener


def _load_everything(
    files: list[Path], ports_paths: list[Path] | None, max_speed: float, quiet: bool
) -> tuple[AisData, pl.DataFrame]:
    from counterflow.maritime.ingest import load
    from counterflow.maritime.ports import load_ports

    data = load(files, max_speed_kn=max_speed)
    if not ports_paths and os.environ.get("COUNTERFLOW_PORTS"):
        ports_paths = [Path(x) for x in os.environ["COUNTERFLOW_PORTS"].split(os.pathsep) if x]
    ports = load_ports(ports_paths or [])
    if not quiet:
        err_console.print(
            f"{data.positions.height} positions of {data.positions['mmsi'].n_unique()} vessels; "
            f"dropped/fixed: {data.drops.summary()}",
            highlight=False,
        )
        if not ports_paths:
            err_console.print(
                "no --ports given: using the built-in Caspian ports only", highlight=False
            )
        else:
            err_console.print(f"{ports.height} ports and anchorages loaded", highlight=False)
    return data, ports


BOUNDED_ABOVE_BYTES = 256 << 20


def _use_bounded(files: list[Path], bounded: bool | None) -> bool:
    if bounded is not None:
        return bounded
    return sum(f.stat().st_size for f in files if f.is_file()) > BOUNDED_ABOVE_BYTES


def _detect_partitioned(
    files: list[Path],
    ports_paths: list[Path] | None,
    params: EventParams,
    max_speed: float,
    quiet: bool,
    engine: str,
    master: str | None,
    partitions: int,
    group_positions: int,
) -> tuple[AisData, pl.DataFrame, Detection]:
    """Events computed per MMSI group (maritime.partition) locally or on Spark; ``data``
    holds the static rows and each vessel's first and last time (docs/spark.md)."""
    from counterflow.maritime.ports import load_ports

    if not ports_paths and os.environ.get("COUNTERFLOW_PORTS"):
        ports_paths = [Path(x) for x in os.environ["COUNTERFLOW_PORTS"].split(os.pathsep) if x]
    port_table = load_ports(ports_paths or [])
    if engine == "spark":
        from counterflow.spark.ais import detect_events_spark
        from counterflow.spark.session import session

        res = detect_events_spark(
            session(master),
            files,
            port_table,
            params,
            max_speed_kn=max_speed,
            partitions=partitions or None,
        )
    else:
        from counterflow.maritime.partition import events_by_mmsi_groups

        res = events_by_mmsi_groups(
            files, port_table, params, max_speed_kn=max_speed, group_positions=group_positions
        )
    if not quiet:
        err_console.print(
            f"{res.positions} positions of {res.vessels} vessels in {res.groups} MMSI groups "
            f"({engine}); dropped/fixed: {res.data.drops.summary()}",
            highlight=False,
        )
    return res.data, port_table, res.detection


def _all_events(
    data: AisData,
    ports: pl.DataFrame,
    params: EventParams,
    detections: Path | None,
    quiet: bool,
) -> pl.DataFrame:
    """Per-vessel events (with identity) plus the cross-vessel ones, drops reported."""

    from counterflow.maritime.detect import detect_all
    from counterflow.maritime.identity import static_without_positions

    det = None
    if detections is not None:
        from counterflow.maritime.dark import read_detections

        det = read_detections(detections)
    # per-vessel and cross-vessel detectors together, on two threads
    ev = detect_all(
        data.positions, ports, params, static=data.static, cross_vessel=True, detections=det
    ).events
    if not quiet:
        n_static = static_without_positions(data.static, data.positions)
        if n_static:
            err_console.print(
                f"static data without positions: {n_static} MMSIs (identity checked, no track)",
                highlight=False,
            )
        if det is not None:
            err_console.print(
                f"{det.table.height} detections from {detections}; skipped/unusable: "
                f"{det.drops.summary()}",
                highlight=False,
                markup=False,
            )
    return ev


def _check_event_options(record: bool, cards: Path | None, engine: str) -> None:
    from counterflow.errors import UsageError

    if record and cards is None:
        raise UsageError("--record records the evidence cards: give --cards DIR too")
    if engine not in ("local", "spark"):
        raise UsageError(f"--engine must be local or spark, not {engine!r}")


def _partitioned_events(
    files: list[Path],
    ports: list[Path] | None,
    params: EventParams,
    max_speed: float,
    quiet: bool,
    engine: str,
    master: str | None,
    partitions: int,
    group_positions: int,
    detections: Path | None,
) -> tuple[AisData, pl.DataFrame]:
    """Events MMSI group by MMSI group (bounded, or on Spark), plus shared IMO numbers."""
    import polars as pl

    from counterflow.maritime.identity import imo_sharing_events

    if detections is not None:
        from counterflow.errors import UsageError

        raise UsageError(
            "--detections needs every position at once: use --in-memory "
            "(dark detections are not yet computed per MMSI group)"
        )
    data, _port_table, det = _detect_partitioned(
        files, ports, params, max_speed, quiet, engine, master, partitions, group_positions
    )
    shared_imo = imo_sharing_events(data.static)  # static rows only: no positions
    return data, pl.concat([det.events, shared_imo.cast(det.events.schema)])


def _watch_events(base: pl.DataFrame, area: Area | None, quiet: bool) -> list[pl.DataFrame]:
    """The watched area's events (entries, sequences), printed unless ``quiet``."""
    if area is None:
        return []
    from counterflow.maritime.watch import sequences, watch_events

    w = watch_events(base, area)
    if not quiet:
        for mmsi, seq in sequences(w).items():
            err_console.print(f"{area.name} {mmsi}: {seq}", highlight=False, markup=False)
    return [w]


def _screening_events(data: AisData, threshold: float, quiet: bool) -> list[pl.DataFrame]:
    """List hits of the vessels' names and IMO numbers (none when no list is loaded)."""
    from counterflow.maritime.vessels import screen_vessels

    with ExitStack() as cleanup:
        screener = _vessel_screener(cleanup, quiet)
        if screener is None:
            return []
        hits, _ = screen_vessels(data, threshold=threshold, screener=screener)
        return [hits]


def _write_events(
    parts: list[pl.DataFrame], base: pl.DataFrame, data: AisData, output: Path, quiet: bool
) -> pl.DataFrame:
    import polars as pl

    from counterflow.maritime.events import write_events_csv

    events = pl.concat([p for p in parts if p.height]) if any(p.height for p in parts) else base
    n = write_events_csv(events, data.static, output)
    if not quiet:
        counts = events["event_type"].value_counts().sort("event_type").iter_rows()
        err_console.print(
            f"{n} events -> {output}: " + ", ".join(f"{k} {v}" for k, v in counts),
            highlight=False,
        )
    return events


def _write_risk(
    events: pl.DataFrame,
    data: AisData,
    risk_weights: Weights,
    vessels: Path | None,
    cards: Path | None,
    cards_min_score: float,
    inputs: list[Path],
    record: bool,
    db: str,
    quiet: bool,
) -> None:
    """The vessel risk table and the evidence cards (recorded as alerts with --record)."""
    from counterflow.maritime.events import to_output
    from counterflow.maritime.risk import score_vessels, write_vessels_csv

    out_rows = to_output(events, data.static)
    risks = score_vessels(out_rows, risk_weights)
    if vessels is not None:
        nv = write_vessels_csv(risks, vessels)
        if not quiet:
            err_console.print(f"{nv} vessels -> {vessels}", highlight=False)
    if cards is None:
        return
    from counterflow.maritime.evidence import write_cards

    built: list[dict[str, object]] = []
    nc = write_cards(
        cards, risks, data, out_rows, inputs, risk_weights, min_score=cards_min_score,
        collect=built,
    )  # fmt: skip
    if not quiet:
        err_console.print(f"{nc} evidence cards -> {cards}", highlight=False)
    if record:
        _record_cards(built, db, cards_min_score)


def _record_cards(cards: list[dict[str, object]], db: str, min_score: float) -> None:
    """Record the evidence cards as vessel alerts (review store ``db``)."""
    from counterflow.cli.common import cli_actor
    from counterflow.review.store import ReviewStore
    from counterflow.review.vessel_recording import record_vessel_cards

    review = ReviewStore.open(db or None)
    try:
        out = record_vessel_cards(
            review,
            cards,
            actor=cli_actor(),
            source="cli",
            settings={"cards_min_score": min_score},
        )
    finally:
        review.close()
    err_console.print(
        f"recorded run #{out['run_id']}: {len(out['raised'])} vessel alerts raised, "
        f"{len(out['existing'])} already open",
        highlight=False,
        markup=False,
    )


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    ais = group("ais")

    @ais.command("events")
    def events_cmd(
        files: FilesArg,
        output: Annotated[Path, typer.Option("-o", "--output", help="EVENTS CSV to write")],
        watch: Annotated[
            str | None,
            typer.Option("--watch", help="watched area: 'caspian' or a GeoJSON polygon file"),
        ] = None,
        ports: PortsOpt = None,
        screen: Annotated[
            bool,
            typer.Option(
                "--screen/--no-screen", help="screen every vessel against the loaded lists"
            ),
        ] = True,
        screen_threshold: Annotated[
            float,
            typer.Option(min=0.0, max=1.0, help="screening score threshold for watch events"),
        ] = 0.7,
        gap_hours: Annotated[
            float, typer.Option(help="record every gap at least this long (h)")
        ] = 6.0,
        intentional_hours: Annotated[
            float, typer.Option(help="likely intentional: gap at least (h)")
        ] = 12.0,
        shore_nm: Annotated[
            float, typer.Option(help="likely intentional: starts at least this far from shore (nm)")
        ] = 50.0,
        reception_points: Annotated[
            int, typer.Option(help="likely intentional: positions in the window before")
        ] = 14,
        reception_hours: Annotated[
            float, typer.Option(help="reception window before a gap (h)")
        ] = 12.0,
        port_enter_km: Annotated[float, typer.Option(help="port call starts within (km)")] = 3.0,
        port_exit_km: Annotated[float, typer.Option(help="port call ends beyond (km)")] = 4.0,
        port_min_hours: Annotated[
            float, typer.Option(help="shortest port call reported (h)")
        ] = 1.0,
        encounter_m: Annotated[float, typer.Option(help="encounter distance (m)")] = 500.0,
        encounter_hours: Annotated[float, typer.Option(help="encounter duration (h)")] = 2.0,
        slow_kn: Annotated[float, typer.Option(help="encounter/loitering speed limit (kn)")] = 2.0,
        anchorage_km: Annotated[
            float, typer.Option(help="encounters/loitering at least this far from ports (km)")
        ] = 10.0,
        loiter_hours: Annotated[float, typer.Option(help="loitering duration (h)")] = 2.0,
        max_speed: Annotated[float, typer.Option(help="position jump / spike speed (kn)")] = 50.0,
        detections: DetectionsOpt = None,
        vessels: Annotated[
            Path | None,
            typer.Option("--vessels", help="also write the vessel risk table (VESSELS.csv)"),
        ] = None,
        cards: Annotated[
            Path | None,
            typer.Option("--cards", help="write evidence cards (JSON + Markdown) to this folder"),
        ] = None,
        cards_min_score: Annotated[
            float, typer.Option(help="cards for vessels scoring at least this (or listed)")
        ] = 30.0,
        record: Annotated[
            bool,
            typer.Option(
                "--record", help="record the --cards as vessel alerts in the review store"
            ),
        ] = False,
        db: Annotated[str, typer.Option("--db", help="Review store (with --record)")] = "",
        weights: Annotated[
            Path | None, typer.Option("--weights", help="risk weights TOML (default: shipped)")
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
        engine: Annotated[
            str, typer.Option("--engine", help="local (default) or spark: see docs/spark.md")
        ] = "local",
        master: Annotated[
            str | None, typer.Option("--master", help="Spark master URL (--engine spark)")
        ] = None,
        partitions: Annotated[
            int, typer.Option("--partitions", help="Spark: MMSI partitions (default: by size)")
        ] = 0,
        bounded: Annotated[
            bool | None,
            typer.Option(
                "--bounded/--in-memory",
                help="local: process MMSI groups one at a time (default: inputs over 256 MB)",
            ),
        ] = None,
        group_positions: Annotated[
            int, typer.Option(help="local bounded: positions per MMSI group")
        ] = 1_500_000,
    ) -> None:
        """Detect AIS events and write the EVENTS CSV (and vessel risk, evidence cards)."""
        from counterflow.maritime.params import EventParams

        _check_event_options(record, cards, engine)
        area = None
        if watch:
            from counterflow.maritime.watch import load_area

            area = load_area(watch)
        params = EventParams(
            gap_min_h=gap_hours,
            gap_intentional_h=intentional_hours,
            gap_min_shore_nm=shore_nm,
            gap_reception_min_points=reception_points,
            gap_reception_window_h=reception_hours,
            port_enter_km=port_enter_km,
            port_exit_km=port_exit_km,
            port_min_h=port_min_hours,
            encounter_km=encounter_m / 1000.0,
            encounter_min_h=encounter_hours,
            encounter_max_kn=slow_kn,
            encounter_min_port_km=anchorage_km,
            loiter_min_h=loiter_hours,
            loiter_max_kn=slow_kn,
            loiter_min_port_km=anchorage_km,
            jump_max_kn=max_speed,
        )
        risk_weights = None
        if vessels is not None or cards is not None:
            from counterflow.maritime.risk import Weights

            risk_weights = Weights.load(weights)
        if engine == "spark" or _use_bounded(files, bounded):
            data, base = _partitioned_events(
                files, ports, params, max_speed, quiet, engine, master, partitions,
                group_positions, detections,
            )  # fmt: skip
        else:
            data, port_table = _load_everything(files, ports, max_speed, quiet)
            base = _all_events(data, port_table, params, detections, quiet)
        parts = [base, *_watch_events(base, area, quiet)]
        if screen:
            parts.extend(_screening_events(data, screen_threshold, quiet))
        events = _write_events(parts, base, data, output, quiet)
        if risk_weights is not None:
            _write_risk(
                events, data, risk_weights, vessels, cards, cards_min_score,
                [*files, *([detections] if detections else [])], record, db, quiet,
            )  # fmt: skip

    @ais.command("vessels")
    def vessels_cmd(
        events_file: Annotated[Path, typer.Argument(help="EVENTS CSV (counterflow ais events)")],
        output: Annotated[Path, typer.Option("-o", "--output", help="VESSELS CSV to write")],
        weights: Annotated[
            Path | None, typer.Option("--weights", help="risk weights TOML (default: shipped)")
        ] = None,
        screen: Annotated[
            bool,
            typer.Option(
                "--screen/--no-screen", help="screen every vessel against the loaded lists"
            ),
        ] = True,
        screen_threshold: Annotated[float, typer.Option(help="screening score threshold")] = 0.7,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """Score every vessel of an EVENTS file 0-100, each contribution named."""
        from counterflow.maritime.risk import Weights, read_events, score_vessels
        from counterflow.maritime.risk import write_vessels_csv as write_v

        w = Weights.load(weights)
        ev = read_events(events_file)
        with ExitStack() as cleanup:
            screener = _vessel_screener(cleanup, quiet) if screen else None
            risks = score_vessels(ev, w, screener, screen_threshold)
        n = write_v(risks, output)
        if not quiet:
            bands: dict[str, int] = {}
            for r in risks:
                bands[r.band] = bands.get(r.band, 0) + 1
            err_console.print(
                f"{n} vessels -> {output}: "
                + ", ".join(f"{k} {v}" for k, v in sorted(bands.items())),
                highlight=False,
            )

    @ais.command("map")
    def map_cmd(
        files: FilesArg,
        output: Annotated[Path, typer.Option("-o", "--output", help="HTML map to write")],
        watch: Annotated[
            str | None, typer.Option("--watch", help="watched area: 'caspian' or a GeoJSON file")
        ] = None,
        ports: PortsOpt = None,
        detections: DetectionsOpt = None,
        tiles: Annotated[
            str | None,
            typer.Option(
                "--tiles",
                help="XYZ tile URL, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png "
                "(optional: without it the map needs no network)",
            ),
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """Write an offline HTML map: coastline, tracks, gaps dashed, ports, events with
        popups and a legend (Leaflet shipped with Counterflow)."""
        import polars as pl

        from counterflow.maritime.map import write_map
        from counterflow.maritime.params import EventParams

        area = None
        if watch:
            from counterflow.maritime.watch import load_area

            area = load_area(watch)
        data, port_table = _load_everything(files, ports, 50.0, quiet)
        events = _all_events(data, port_table, EventParams(), detections, quiet)
        if area is not None:
            from counterflow.maritime.watch import watch_events

            events = pl.concat([events, watch_events(events, area)])
        write_map(data, events, port_table, output, area=area, tiles=tiles)
        if not quiet:
            err_console.print(f"map -> {output}", highlight=False)

    @ais.command("synthetic")
    def synthetic_cmd(
        output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write (NOAA dialect)")],
        seed: int = 7,
    ) -> None:
        """Write the synthetic Caspian scenario (Amirabad -> dark 40 h -> Makhachkala)."""
        from counterflow.maritime.synthetic import write_csv

        n = write_csv(output, seed)
        err_console.print(f"{n} positions -> {output}", highlight=False)
