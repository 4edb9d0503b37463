"""Compile the matcher's hot path with mypyc: ``python -m counterflow.match.native_build``.

It type-checks and compiles ``native.NATIVE_MODULES`` in a temporary folder, then
replaces ``match/_native/`` with the result and a manifest of the sources' digests
(``native.usable_build`` checks them at import). Quick when the build is current.
``--if-possible``: a machine without mypy or a C compiler gets a note and exit 0 (the
plain Python modules are used); otherwise a failed build exits 1 with mypyc's output.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from counterflow.match import native

_MYPY_CONFIG = "[mypy]\nignore_missing_imports = True\n"


def build(build_dir: Path = native.BUILD_DIR) -> Path:
    """Compile into a fresh ``build_dir``; raises ``RuntimeError`` with the compiler's
    output when the build fails."""
    src_root = native.PACKAGE_DIR.parent
    sources = {m: native.source_path(m) for m in native.NATIVE_MODULES}
    with tempfile.TemporaryDirectory(prefix="counterflow-native-") as tmp:
        work = Path(tmp)
        (work / "mypy.ini").write_text(_MYPY_CONFIG, encoding="utf-8")
        # mypyc copies its results beside the modules' package folders in the cwd
        for m in native.NATIVE_MODULES:
            (work / Path(*m.split(".")[:-1])).mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, MYPYPATH=str(src_root))
        env.pop(native.PURE_ENV, None)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypyc",
                "--config-file",
                str(work / "mypy.ini"),
                *(str(p) for p in sources.values()),
            ],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"mypyc failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
            )
        libs = glob.glob(str(work / "build" / "lib.*"))
        if len(libs) != 1:
            raise RuntimeError(f"mypyc left no single build folder in {work / 'build'}")
        lib = Path(libs[0])
        files: dict[str, str] = {}
        for path in lib.rglob("*.so"):
            rel = path.relative_to(lib)
            name = ".".join(rel.with_suffix("").with_suffix("").parts)
            files[name] = rel.as_posix()
        missing = [m for m in native.NATIVE_MODULES if m not in files]
        if missing:
            raise RuntimeError(f"mypyc did not compile {', '.join(missing)}")
        manifest = {
            "python": native.python_tag(),
            "sources": {m: native.digest(p) for m, p in sources.items()},
            "files": files,
        }
        (lib / native.MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        staged = build_dir.with_name(build_dir.name + ".new")
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(lib, staged)
    shutil.rmtree(build_dir, ignore_errors=True)
    staged.rename(build_dir)
    return build_dir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m counterflow.match.native_build")
    ap.add_argument("--if-possible", action="store_true", help="no compiler: note, exit 0")
    ap.add_argument("--force", action="store_true", help="rebuild even when current")
    args = ap.parse_args(argv)
    if not args.force and native.usable_build():
        print(f"compiled matcher is current: {native.BUILD_DIR}")
        return 0
    try:
        import mypyc  # noqa: F401
    except ImportError:
        msg = "mypyc (from mypy) is not installed: the matcher runs as plain Python"
        print(msg, file=sys.stderr)
        return 0 if args.if_possible else 1
    try:
        out = build()
    except (RuntimeError, OSError) as exc:
        print(f"compiling the matcher failed: {exc}", file=sys.stderr)
        return 0 if args.if_possible else 1
    print(f"compiled matcher built: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
