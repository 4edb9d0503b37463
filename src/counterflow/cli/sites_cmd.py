"""CLI: ``counterflow sites add|list|show|scan`` (INTERFACES.md, Site watch).

``scan`` with ``--site`` records the scan in the review store (run kind ``site``) and
raises a ``site`` alert when the changed fraction reaches the site's threshold;
``--no-record`` skips that.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from counterflow.cli.common import cli_actor, err_console
from counterflow.errors import UsageError


def _record(summary: dict[str, Any], site: Any, outdir: Path, db: str) -> None:
    from counterflow.review.sites_recording import record_site_scan
    from counterflow.review.store import ReviewStore

    review = ReviewStore.open(db or None)
    try:
        out = record_site_scan(
            review, summary, site.to_dict(), outdir=outdir, actor=cli_actor(), source="cli"
        )
    finally:
        review.close()
    msg = f"recorded run #{out['run_id']}"
    if out.get("alert_id") is not None:
        msg += f": {out['review']} site alert #{out['alert_id']}"
    else:
        msg += ": below the site's alert threshold, no alert"
    err_console.print(msg, highlight=False, markup=False)


def _print_summary(summary: dict[str, Any], outdir: Path) -> None:
    area = summary.get("changed_area_m2")
    area_s = f", {area:,.0f} m²" if area is not None else ""
    err_console.print(
        f"{outdir}: {summary['changed_fraction']:.2%} changed{area_s},"
        f" {summary['polygons']} polygons ({summary['method']});"
        f" unusable {summary['unusable_fraction']:.1%}",
        highlight=False,
        markup=False,
    )
    for w in summary.get("warnings", []):
        err_console.print(f"warning: {w}", highlight=False, markup=False)


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    sites = group("sites")

    @sites.command("add")
    def add(
        name: Annotated[str, typer.Argument(help="Site name (letters, digits, . _ -)")],
        geojson: Annotated[Path, typer.Option("--geojson", help="GeoJSON polygon (WGS84 lon/lat)")],
        note: Annotated[str, typer.Option(help="What the site is")] = "",
        source: Annotated[
            list[str] | None, typer.Option("--source", help="Public source (repeatable)")
        ] = None,
        threshold: Annotated[
            float, typer.Option(help="Changed fraction of the site that raises an alert")
        ] = 0.01,
        replace: Annotated[bool, typer.Option("--replace", help="Overwrite a site")] = False,
    ) -> None:
        """Watch a facility: its polygon, note, sources and alert threshold."""
        from counterflow.sites.watchlist import add_site

        site = add_site(
            name, geojson, note=note, sources=source, threshold=threshold, replace=replace
        )
        err_console.print(
            f"watching {site.name}: {site.area_km2():.3f} km², alert at"
            f" {site.threshold:.2%} changed",
            highlight=False,
            markup=False,
        )

    @sites.command("list")
    def list_(
        as_json: Annotated[bool, typer.Option("--json", help="JSON array")] = False,
    ) -> None:
        """The watched sites (defaults and your own)."""
        from counterflow.sites.watchlist import load_sites

        rows = [s.to_dict(geometry=False) for s in load_sites().values()]
        if as_json:
            typer.echo(json.dumps(rows, indent=1))
            return
        for r in rows:
            lon, lat = r["centroid"]
            typer.echo(
                f"{r['name']:<24} {r['origin']:<7} {lat:9.4f} {lon:9.4f}"
                f" {r['area_km2']:9.3f} km²  alert≥{r['threshold']:.2%}  {r['note']}"
            )

    @sites.command("show")
    def show(name: Annotated[str, typer.Argument(help="Site name")]) -> None:
        """One site as GeoJSON (polygon, note, sources, threshold)."""
        from counterflow.sites.watchlist import get_site

        s = get_site(name).to_dict()
        geom = s.pop("geometry")
        typer.echo(json.dumps({"type": "Feature", "geometry": geom, "properties": s}, indent=1))

    @sites.command("scan")
    def scan(
        scenes: Annotated[
            list[Path],
            typer.Argument(
                help="BEFORE AFTER (GeoTIFF or PNG/JPEG), or one folder of dated scenes"
            ),
        ],
        output: Annotated[Path, typer.Option("-o", "--output", help="Output folder")],
        site_name: Annotated[
            str | None, typer.Option("--site", help="Watched site: clip, record, alert")
        ] = None,
        method: Annotated[
            str, typer.Option(help="cnn (default), classifier, cva or pca-kmeans")
        ] = "cnn",
        before_date: Annotated[str | None, typer.Option(help="Date of BEFORE")] = None,
        after_date: Annotated[str | None, typer.Option(help="Date of AFTER")] = None,
        tile: Annotated[int, typer.Option(help="Processing window, pixels")] = 1024,
        no_record: Annotated[
            bool, typer.Option("--no-record", help="Do not record a --site scan")
        ] = False,
        no_prepass: Annotated[
            bool,
            typer.Option(
                "--no-prepass",
                help="Classify every window of a large scene (no CVA pre-pass gate)",
            ),
        ] = False,
        db: Annotated[str, typer.Option("--db", help="Review store")] = "",
    ) -> None:
        """Change between two scenes (or each consecutive pair of a dated folder)."""
        from counterflow.sites.scan import dated_scenes, scan_pair
        from counterflow.sites.watchlist import get_site

        site = get_site(site_name) if site_name else None
        pairs: list[tuple[Path, Path, str | None, str | None, Path]]
        if len(scenes) == 1 and scenes[0].is_dir():
            pairs = []
            dated = dated_scenes(scenes[0])
            for (d0, p0), (d1, p1) in itertools.pairwise(dated):
                pairs.append((p0, p1, d0, d1, output / f"{d0}_{d1}"))
        elif len(scenes) == 2:
            pairs = [(scenes[0], scenes[1], before_date, after_date, output)]
        else:
            raise UsageError("give BEFORE AFTER, or one folder of dated scenes")
        index = []
        for b, a, date0, date1, outdir in pairs:
            summary = scan_pair(
                b,
                a,
                outdir,
                site=site,
                method=method,
                tile=tile,
                prepass=False if no_prepass else None,
                before_date=date0,
                after_date=date1,
            )
            _print_summary(summary, outdir)
            if site is not None and not no_record:
                _record(summary, site, outdir, db)
            index.append(
                {
                    "folder": outdir.name,
                    **{
                        k: summary[k]
                        for k in ("changed_fraction", "changed_area_m2", "polygons", "method")
                    },
                    "before_date": summary["before"]["date"],
                    "after_date": summary["after"]["date"],
                }
            )
        if len(pairs) > 1:
            (output / "scans.json").write_text(json.dumps(index, indent=1) + "\n")
