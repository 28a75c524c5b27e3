"""Where the suite finds the server and how long it waits (environment overrides)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .corpus import REPO_ROOT
from .server import HotlineServer

SHUTDOWN_LIMIT = 10.0  # seconds from SIGTERM to exit 0: the CLI contract


def hotline_binary() -> Path:
    configured = os.environ.get("HOTLINE_BIN")
    return Path(configured) if configured else REPO_ROOT / ".build" / "debug" / "hotline"


def hotline_config() -> Path:
    configured = os.environ.get("HOTLINE_TEST_CONFIG")
    return Path(configured) if configured else REPO_ROOT / "config" / "demo.yaml"


def ready_timeout() -> float:
    return float(os.environ.get("HOTLINE_INTEROP_READY_TIMEOUT", "60"))


def require_binary() -> Path:
    binary = hotline_binary()
    if not binary.exists():
        pytest.fail(f"{binary} not found: run `swift build` first (scripts/test.sh does), "
                    "or set HOTLINE_BIN to a hotline executable", pytrace=False)
    return binary


def new_server(workdir: Path, **kwargs) -> HotlineServer:
    """A (not yet started) server with the suite's binary, configuration and log level."""
    binary = require_binary()
    config = kwargs.pop("config", None) or hotline_config()
    if not config.exists():
        pytest.fail(f"server configuration {config} not found (set HOTLINE_TEST_CONFIG)", pytrace=False)
    return HotlineServer(binary=binary, config=config, workdir=workdir,
                         log_level=os.environ.get("HOTLINE_INTEROP_LOG_LEVEL", "debug"), **kwargs)


def shutdown_problem(server: HotlineServer, what: str) -> str | None:
    """SIGTERM ``server``; what went wrong when it did not exit 0 within SHUTDOWN_LIMIT
    (the CLI contract), else None. Fixtures stop in ``finally`` and fail after it, so the
    failure never hides a test's own exception."""
    code, seconds = server.stop(timeout=SHUTDOWN_LIMIT)
    if code == 0:
        return None
    return (f"{what} (pid {server.pid}) did not exit 0 within {SHUTDOWN_LIMIT:.0f} s of SIGTERM: "
            f"status {code} after {seconds:.1f} s\n" + server.log_tail())
