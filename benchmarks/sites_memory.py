"""Site watch: peak memory of a scan of a large scene (issue 14: a 20,000 x 20,000
GeoTIFF must be processed in windows with bounded memory).

    python benchmarks/sites_memory.py [--size 20000] [--methods cva classifier]
                                      [--classifier-size 6144]

A synthetic before/after pair of 3-band 8-bit tiled GeoTIFFs (UTM, 0.5 m) is written
into a temporary folder at run time (never committed): smooth ground with a grid of roofs,
and the after scene with new halls every 5,000 px and cleared plots every 7,000 px (sparse
change, as in a real scene of a site). Each method scans it
in a child process (``counterflow.sites.scan.scan_pair``); the table gives the child's
peak resident memory (``ru_maxrss``), the time, the scene's size in memory if read whole,
and the changed fraction found. The classifier runs with the scan's CVA pre-pass (only
windows with change are classified; ``windows classified`` column), so the 20,000^2 scene
takes minutes; ``--classifier-size`` scans a smaller scene instead (default: ``--size``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

STRIP = 1024


def write_scene(path: Path, size: int, *, after: bool) -> None:
    """A ``size`` x ``size`` RGB scene, written strip by strip (bounded memory here too)."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    tr = from_origin(500_000.0, 6_180_000.0, 0.5, 0.5)
    profile = {
        "driver": "GTiff",
        "height": size,
        "width": size,
        "count": 3,
        "dtype": "uint8",
        "crs": "EPSG:32639",
        "transform": tr,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
    }
    cols = np.arange(size, dtype=np.float32)
    with rasterio.open(path, "w", **profile) as dst:
        for r0 in range(0, size, STRIP):
            rows = np.arange(r0, min(size, r0 + STRIP), dtype=np.float32)[:, None]
            base = 110 + 25 * np.sin(rows / 700.0) * np.cos(cols / 900.0)
            img = np.repeat(base[None], 3, axis=0)
            img[1] += 12  # greenish ground
            roof = ((rows % 200) < 40) & ((cols % 200) < 60)  # a grid of old roofs
            img[:, roof] = 200
            if after:  # sparse change, as in a real scene: a few new halls, cleared plots
                new = ((rows % 5000) < 80) & ((cols % 5000) < 120) & ~roof
                img[:, new] = 215  # new halls
                cleared = ((rows % 7000) > 6800) & ((cols % 7000) > 6700)
                img[0, cleared] = 150
                img[1, cleared] = 135
                img[2, cleared] = 110
            dst.write(np.clip(img, 0, 255).astype(np.uint8), window=Window(0, r0, size, len(rows)))


def _child(before: str, after: str, outdir: str, method: str) -> None:
    from counterflow.sites.scan import scan_pair

    s = scan_pair(Path(before), Path(after), Path(outdir), method=method)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pre = s.get("prepass") or {}
    ran = f"{pre['classified']}/{pre['windows']}" if pre else "all"
    print(f"RESULT {peak_kib} {s['changed_fraction']} {s['polygons']} {s['seconds']} {ran}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--classifier-size", type=int, default=0, help="default: --size")
    ap.add_argument("--methods", nargs="+", default=["cva", "classifier"])
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="cf-sites-mem-") as tmp:
        made: dict[int, tuple[Path, Path]] = {}
        for method in args.methods:
            size = args.classifier_size if method == "classifier" else args.size
            size = size or args.size
            if size not in made:
                t0 = time.perf_counter()
                a, b = Path(tmp) / f"before_{size}.tif", Path(tmp) / f"after_{size}.tif"
                write_scene(a, size, after=False)
                write_scene(b, size, after=True)
                made[size] = (a, b)
                print(f"wrote the {size}^2 pair in {time.perf_counter() - t0:.0f} s", flush=True)
            a, b = made[size]
            out = Path(tmp) / f"out_{method}"
            cmd = [sys.executable, __file__, "--child", str(a), str(b), str(out), method]
            t0 = time.perf_counter()
            res = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
            wall = time.perf_counter() - t0
            line = [x for x in res.stdout.splitlines() if x.startswith("RESULT")]
            if res.returncode or not line:
                print(res.stdout[-2000:], res.stderr[-4000:], file=sys.stderr)
                rows.append((method, size, "failed", "", "", f"{wall:.0f}", ""))
                continue
            peak_kib, frac, polys, _secs, ran = line[0].split()[1:]
            peak = f"{int(peak_kib) / 1024:.0f}"
            rows.append((method, size, peak, frac, polys, f"{wall:.0f}", ran))
    load = os.getloadavg()
    print(
        "\n| method | scene (px) | whole scene in memory (MiB, 2 dates x 3 bands x 8 bit) |"
        " peak RSS (MiB) | changed fraction | polygons | wall (s) | windows classified |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for m, size, peak, frac, polys, secs, ran in rows:
        whole = 2 * 3 * size * size / 2**20
        print(f"| {m} | {size:,}^2 | {whole:,.0f} | {peak} | {frac} | {polys} | {secs} | {ran} |")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 1 if any(r[2] == "failed" for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
