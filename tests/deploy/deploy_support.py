"""Helpers of the deployment tests: a free loopback port and running the ``counterflow``
command of this environment."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

EXE = Path(sys.executable).parent / "counterflow"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def counterflow(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """Run one command; its stdout (fails the test with stderr on a non-zero exit)."""
    r = subprocess.run([str(EXE), *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, (args, r.returncode, r.stderr[-3000:])
    return r.stdout
