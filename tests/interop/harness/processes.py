"""Every process the suite starts is tracked here and killed by PID at exit,
whatever happened (a fixture's own teardown normally gets there first)."""

from __future__ import annotations

import atexit
import subprocess

_started: list[subprocess.Popen] = []


def track(process: subprocess.Popen) -> subprocess.Popen:
    _started.append(process)
    return process


@atexit.register
def _kill_leftovers() -> None:
    for process in _started:
        if process.poll() is None:
            process.kill()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
