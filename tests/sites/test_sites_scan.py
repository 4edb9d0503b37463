"""Scans of plain and georeferenced pairs: outputs, radiometric matching, tiling, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sites_helpers import (
    ROOF,
    SIZE,
    ground,
    lonlat_bounds,
    run,
    save_geotiff,
    save_png,
    site_geojson,
    with_building,
)

from counterflow.errors import BadInputError
from counterflow.sites.scan import scan_pair


def _mask(outdir: Path) -> np.ndarray:
    return np.asarray(Image.open(outdir / "mask.png")) > 0


def _roof_iou(mask: np.ndarray) -> float:
    truth = np.zeros(mask.shape, dtype=bool)
    truth[ROOF] = True
    return float(np.sum(mask & truth) / np.sum(mask | truth))


def test_cli_scan_plain_pair_writes_the_four_outputs(png_pair, tmp_path, home, capsys) -> None:
    out = tmp_path / "out"
    code, _, err = run(
        ["sites", "scan", *map(str, png_pair), "-o", str(out), "--method", "cva"], capsys
    )
    assert code == 0, err
    mask = _mask(out)
    assert mask.shape == (SIZE, SIZE)
    assert _roof_iou(mask) > 0.7
    summary = json.loads((out / "summary.json").read_text())
    assert summary["method"] == "cva"
    assert summary["changed_area_m2"] is None
    assert summary["changed_fraction"] == pytest.approx(mask.mean(), abs=1e-6)
    assert summary["before"]["sha256"] != summary["after"]["sha256"]
    gj = json.loads((out / "changes.geojson").read_text())
    assert len(gj["features"]) == summary["polygons"] >= 1
    big = gj["features"][0]["properties"]
    assert "area_m2" not in big
    assert big["area_px"] == pytest.approx(50 * 60, rel=0.2)
    assert Image.open(out / "overlay.png").size == (3 * SIZE + 16, SIZE)


@pytest.mark.parametrize("method", ["classifier", "pca-kmeans"])
def test_other_methods_find_the_new_building(png_pair, tmp_path, method) -> None:
    s = scan_pair(*png_pair, tmp_path / method, method=method)
    assert s["method"] == method
    mask = _mask(tmp_path / method)
    truth = np.zeros(mask.shape, dtype=bool)
    truth[ROOF] = True
    assert np.sum(mask & truth) > 0.5 * truth.sum()
    # The shipped classifier (model 2) still over-marks around a change: its dev-chosen
    # threshold sits at the grid floor (0.02). On this fixture it marks ~1.4x the roof's
    # area outside it; the bound stays tight enough to catch a model that marks everything.
    slack = 1.0 if method == "pca-kmeans" else 1.6
    assert np.sum(mask & ~truth) < slack * truth.sum()
    assert mask.mean() < 0.25


def test_global_lighting_change_is_not_change(tmp_path) -> None:
    before = ground(3)
    a = save_png(before, tmp_path / "a.png")
    b = save_png(before * 0.6 + 0.05, tmp_path / "b.png")  # darker, lower contrast
    # (Otsu's threshold always splits the CVA histogram in two, so the CVA baseline
    # reports change even here; the classifier does not.)
    s = scan_pair(a, b, tmp_path / "o", method="classifier")
    assert s["changed_fraction"] < 0.02


def test_tiled_processing_gives_the_same_mask(png_pair, tmp_path) -> None:
    scan_pair(*png_pair, tmp_path / "whole", method="cva")
    scan_pair(*png_pair, tmp_path / "tiles", method="cva", tile=64)
    assert np.array_equal(_mask(tmp_path / "whole"), _mask(tmp_path / "tiles"))


def test_single_band_pair_falls_back_to_cva_with_a_warning(tmp_path) -> None:
    before = ground(4).mean(axis=-1)
    after = with_building(ground(4)).mean(axis=-1)
    a = tmp_path / "a.png"
    b = tmp_path / "b.png"
    Image.fromarray((before * 255).astype(np.uint8)).save(a)
    Image.fromarray((after * 255).astype(np.uint8)).save(b)
    s = scan_pair(a, b, tmp_path / "o")
    assert s["method"] == "cva" and s["method_requested"] == "cnn"
    assert any("single-band" in w for w in s["warnings"])
    assert _roof_iou(_mask(tmp_path / "o")) > 0.5


def test_different_sizes_without_georeference_are_refused(tmp_path, home, capsys) -> None:
    a = save_png(ground(1), tmp_path / "a.png")
    b = save_png(ground(1, size=160), tmp_path / "b.png")
    code, _, err = run(["sites", "scan", str(a), str(b), "-o", str(tmp_path / "o")], capsys)
    assert code == 1
    assert "differ in size" in err and "192x192" in err and "160x160" in err


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_images_are_refused_naming_the_file(png_pair, tmp_path, home, capsys, damage):
    before, after = png_pair
    data = after.read_bytes()
    bad = tmp_path / "bad.png"
    if damage == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    else:
        bad.write_bytes(b"")
    code, _, err = run(["sites", "scan", str(before), str(bad), "-o", str(tmp_path / "o")], capsys)
    assert code == 1
    assert "bad.png" in err
    assert not (tmp_path / "o" / "summary.json").exists()


def test_transparent_pixels_are_reported_unusable(tmp_path) -> None:
    before = ground(5)
    after = with_building(before)
    rgba = np.dstack([after, np.ones(after.shape[:2])])
    rgba[:, :48, 3] = 0  # a strip without data
    a = save_png(before, tmp_path / "a.png")
    b = tmp_path / "b.png"
    Image.fromarray((rgba * 255).astype(np.uint8), "RGBA").save(b)
    s = scan_pair(a, b, tmp_path / "o", method="cva")
    assert s["unusable_fraction"] == pytest.approx(48 / SIZE, abs=0.01)
    assert not _mask(tmp_path / "o")[:, :48].any()


# ----- georeferenced -------------------------------------------------------------------


def test_geotiffs_in_different_crs_are_coregistered(tmp_path) -> None:
    import rasterio
    from rasterio.warp import calculate_default_transform, reproject

    before = ground(6)
    after = with_building(before)
    a = save_geotiff(before, tmp_path / "a.tif", res=2.0)
    utm = save_geotiff(after, tmp_path / "b_utm.tif", res=2.0)
    # the after scene delivered in WGS84 lon/lat, 16-bit
    with rasterio.open(utm) as src:
        t, w, h = calculate_default_transform(
            src.crs, "EPSG:4326", src.width, src.height, *src.bounds
        )
        data = np.zeros((3, h, w), dtype=np.uint16)
        reproject(
            src.read().astype(np.uint16) * 16,
            data,
            src_transform=src.transform,
            src_crs=src.crs,
            dst_transform=t,
            dst_crs="EPSG:4326",
        )
        profile = dict(
            driver="GTiff",
            width=w,
            height=h,
            count=3,
            dtype="uint16",
            crs="EPSG:4326",
            transform=t,
            nodata=0,
        )
    b = tmp_path / "b_wgs84.tif"
    with rasterio.open(b, "w", **profile) as ds:
        ds.write(data)
    s = scan_pair(a, b, tmp_path / "o", method="cva")
    assert s["grid"]["crs"] == "EPSG:32639" and s["grid"]["units"] == "m"
    roof_m2 = 50 * 60 * 4.0
    assert s["changed_area_m2"] == pytest.approx(roof_m2, rel=0.35)
    gj = json.loads((tmp_path / "o" / "changes.geojson").read_text())
    top = gj["features"][0]
    assert top["properties"]["area_m2"] == pytest.approx(roof_m2, rel=0.35)
    lon, lat = top["properties"]["centroid"]
    assert 49 < lon < 52 and 55 < lat < 56  # UTM 39N, west of Yelabuga, in lon/lat


def test_nan_and_nodata_areas_are_unusable_not_change(tmp_path) -> None:
    before = ground(7)
    after = with_building(before).astype(np.float32)
    after[:, :40] = np.nan
    a = save_geotiff(before, tmp_path / "a.tif", dtype="float32")
    b = save_geotiff(after, tmp_path / "b.tif", dtype="float32")
    s = scan_pair(a, b, tmp_path / "o", method="cva")
    # the NaN strip, plus the slack of the UTM grid around the lon/lat footprint
    assert 40 / SIZE - 0.01 < s["unusable_fraction"] < 40 / SIZE + 0.1
    assert s["changed_fraction"] > 0
    assert not _mask(tmp_path / "o")[:, :36].any()


def test_site_clips_the_grid_and_partial_cover_is_reported(tmp_path, home, capsys) -> None:
    before = ground(8)
    a = save_geotiff(before, tmp_path / "a.tif")
    b = save_geotiff(with_building(before), tmp_path / "b.tif")
    x0, y0 = 400000.0, 6180000.0 - SIZE
    lon0, lat0, lon1, lat1 = lonlat_bounds("EPSG:32639", (x0 + 96, y0, x0 + 300, y0 + SIZE))
    gj = site_geojson(tmp_path / "site.geojson", (lon0, lat0, lon1, lat1))
    code, _, err = run(
        ["sites", "add", "half", "--geojson", str(gj), "--threshold", "0.001"], capsys
    )
    assert code == 0, err
    code, _, err = run(
        [
            "sites",
            "scan",
            "--site",
            "half",
            "--no-record",
            str(a),
            str(b),
            "-o",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert code == 0, err
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["site"]["name"] == "half"
    assert any("cover" in w for w in s["warnings"])
    assert s["grid"]["width"] < SIZE
    # the grid is clipped to the covered part; what is left unusable is the sliver
    # between the scene's lon/lat box and its UTM footprint
    assert s["unusable_fraction"] < 0.15


def test_scenes_not_overlapping_the_site_are_refused(tmp_path, home, capsys) -> None:
    before = ground(9)
    a = save_geotiff(before, tmp_path / "a.tif")
    b = save_geotiff(before, tmp_path / "b.tif")
    code, _, err = run(
        ["sites", "scan", "--site", "anzali-port", str(a), str(b), "-o", str(tmp_path / "o")],
        capsys,
    )
    assert code == 1
    assert "does not overlap the site" in err


def test_one_georeferenced_one_plain_is_refused(tmp_path) -> None:
    img = ground(10)
    with pytest.raises(BadInputError, match="one scene is georeferenced"):
        scan_pair(
            save_geotiff(img, tmp_path / "a.tif"), save_png(img, tmp_path / "b.png"), tmp_path / "o"
        )


def test_large_geotiff_is_read_in_windows(tmp_path) -> None:
    """A scene bigger than one tile: the grid is processed window by window and the
    result equals the one-window result."""
    big = 700
    before = ground(11, size=big)
    after = before.copy()
    after[300:360, 500:580] = 0.9
    a = save_geotiff(before, tmp_path / "a.tif")
    b = save_geotiff(after, tmp_path / "b.tif")
    s1 = scan_pair(a, b, tmp_path / "w", method="cva", tile=128)
    s2 = scan_pair(a, b, tmp_path / "one", method="cva", tile=1024)
    assert np.array_equal(_mask(tmp_path / "w"), _mask(tmp_path / "one"))
    assert s1["changed_px"] == s2["changed_px"] > 60 * 80 * 0.8


def test_prepass_skips_quiet_windows_and_keeps_the_classifier_output(tmp_path) -> None:
    """The CVA pre-pass gives the classifier only the windows with change: its mask
    equals the mask of classifying every window, and the quiet windows are skipped."""
    big = 640
    before = ground(12, size=big)
    after = before.copy()
    after[100:160, 120:200] = np.array([0.85, 0.82, 0.8])  # a new hall in one window
    a = save_geotiff(before, tmp_path / "a.tif")
    b = save_geotiff(after, tmp_path / "b.tif")
    gated = scan_pair(a, b, tmp_path / "gated", tile=128, prepass=True)
    full = scan_pair(a, b, tmp_path / "full", tile=128, prepass=False)
    assert full["prepass"] is None
    g = gated["prepass"]
    assert g["windows"] == -(-gated["grid"]["height"] // 128) * -(-gated["grid"]["width"] // 128)
    # the windows whose read (window + 64 px margin) holds the hall: 2 rows x 3 columns
    assert 1 <= g["classified"] <= 6 and g["skipped"] == g["windows"] - g["classified"]
    gm, fm = _mask(tmp_path / "gated"), _mask(tmp_path / "full")
    assert fm.sum() > 60 * 80 * 0.5  # the hall (the grid is the scenes' common UTM grid)
    assert np.array_equal(gm[:300, :300], fm[:300, :300])  # the hall's windows: identical
    assert not gm[300:, 300:].any()  # quiet windows: no change


def test_prepass_is_on_by_default_only_for_large_scenes(png_pair, tmp_path) -> None:
    s = scan_pair(*png_pair, tmp_path / "small")
    assert s["prepass"] is None  # one window: classified whole
    s = scan_pair(*png_pair, tmp_path / "many", tile=64, prepass=None)
    assert s["prepass"] is None  # 9 windows <= PREPASS_MIN_TILES


def test_folder_of_dated_scenes_is_scanned_in_turn(tmp_path, home, capsys) -> None:
    folder = tmp_path / "scenes"
    folder.mkdir()
    s0 = ground(12)
    s1 = with_building(s0)
    save_png(s0, folder / "alabuga_2023-06-01.png")
    save_png(s1, folder / "alabuga_20230915.png")
    save_png(s1, folder / "alabuga_2024-01-10.png")
    out = tmp_path / "out"
    code, _, err = run(["sites", "scan", str(folder), "-o", str(out), "--method", "cva"], capsys)
    assert code == 0, err
    index = json.loads((out / "scans.json").read_text())
    assert [i["folder"] for i in index] == ["2023-06-01_2023-09-15", "2023-09-15_2024-01-10"]
    assert index[0]["changed_fraction"] > 0.05
    assert index[1]["changed_fraction"] < 0.01
    s = json.loads((out / "2023-06-01_2023-09-15" / "summary.json").read_text())
    assert s["before"]["date"] == "2023-06-01" and s["after"]["date"] == "2023-09-15"


def test_folder_with_an_undated_scene_is_refused(tmp_path, home, capsys) -> None:
    folder = tmp_path / "scenes"
    folder.mkdir()
    save_png(ground(1), folder / "a_2023-06-01.png")
    save_png(ground(1), folder / "latest.png")
    code, _, err = run(["sites", "scan", str(folder), "-o", str(tmp_path / "o")], capsys)
    assert code == 1 and "latest.png" in err
