"""Fixtures of the interop suite: one Hotline server per session, SIPp, temp dirs.

Environment:
  HOTLINE_BIN                  the hotline executable (default: <repo>/.build/debug/hotline)
  HOTLINE_TEST_CONFIG          configuration for the server (default: <repo>/config/demo.yaml)
  HOTLINE_SIP_CORPUS           RFC 4475 / 5118 corpora (default: <repo>/../shared/corpora)
  HOTLINE_INTEROP_LOG_LEVEL    server log level (default: debug)
  HOTLINE_INTEROP_READY_TIMEOUT seconds to wait for "SIP listening on" (default: 60)
  HOTLINE_INTEROP_REPLY_WINDOW seconds to wait for a corpus reply (default: 2.0)
  HOTLINE_INTEROP_SEED         seed of the garbage tests (default: 4475)
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from harness import sipp
from harness.server import HotlineServer
from harness.settings import SHUTDOWN_LIMIT, new_server, ready_timeout, require_binary

# Cheap and basic first, rough and heavy last: a crash in the garbage or load
# tests then cannot take the functional results down with it.
MODULE_ORDER = [
    "test_openapi_document", "test_lifecycle", "test_options", "test_transport", "test_errors", "test_calls",
    "test_register", "test_agent_phones", "test_dial", "test_media", "test_ivr", "test_routing", "test_callback", "test_click_to_dial", "test_transfer",
    "test_api", "test_desktop", "test_desktop_admin", "test_corpus", "test_garbage", "test_flood", "test_load",
]


def pytest_configure(config):
    # SIGTERM (a CI job cancelled, a time limit) unwinds like Ctrl-C, so the fixtures'
    # teardown still stops the server and SIPp by PID (harness.processes is the backstop).
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        return MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)
    items.sort(key=rank)  # stable: keeps the order inside each module


@pytest.fixture(scope="session")
def hotline_bin() -> Path:
    return require_binary()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared Hotline server. Stopped with SIGTERM at the end: it must exit 0 within 10 s."""
    hotline = new_server(tmp_path_factory.mktemp("hotline"))
    hotline.start(ready_timeout())
    yield hotline
    code, seconds = hotline.stop(signal.SIGTERM, timeout=SHUTDOWN_LIMIT)
    if code != 0:
        pytest.fail(
            f"hotline (pid {hotline.pid}) did not exit 0 within {SHUTDOWN_LIMIT:.0f} s of SIGTERM at the end "
            f"of the session: status {code} after {seconds:.1f} s (None = had to be killed)\n"
            + hotline.log_tail(),
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _server_watch(request):
    """Around every test that uses the server: restart it if an earlier test killed it,
    fail this test if the server dies during it, and keep the log offset for the report."""
    if "server" not in request.fixturenames:
        yield
        return
    hotline: HotlineServer = request.getfixturevalue("server")
    if not hotline.is_running():
        code = hotline.process.returncode if hotline.process else None
        hotline.start(ready_timeout())
        request.node.add_report_section(
            "setup", "hotline", f"server was not running (exit status {code}); restarted it")
    request.node.stash[_LOG_OFFSET] = hotline.log_size()
    yield
    if not hotline.is_running():
        pytest.fail(
            f"hotline died during this test (exit status {hotline.process.returncode})\n"
            + hotline.log_since(request.node.stash[_LOG_OFFSET]),
            pytrace=False,
        )


_LOG_OFFSET = pytest.StashKey[int]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and "server" in item.fixturenames and _LOG_OFFSET in item.stash:
        hotline = item.funcargs.get("server") if hasattr(item, "funcargs") else None
        if hotline is not None:
            report.sections.append(
                (f"hotline log during this test ({hotline.stderr_path})",
                 hotline.log_since(item.stash[_LOG_OFFSET]) or "(nothing logged)"))


@pytest.fixture(scope="session")
def sipp_bin() -> str:
    binary = sipp.sipp_binary()
    if binary is None:
        pytest.fail("sipp not found: run scripts/install-test-deps.sh (Debian package sip-tester)",
                    pytrace=False)
    return binary


@pytest.fixture
def sipp_dir(tmp_path, sipp_bin) -> Path:
    """Where this test's SIPp runs write their traces (shown in failure reports)."""
    path = tmp_path / "sipp"
    path.mkdir()
    return path


@pytest.fixture
def sipp_runs():
    """SIPp processes started in the background by a test; killed by PID at teardown."""
    runs: list[sipp.SippRun] = []
    yield runs
    for run in runs:
        run.kill()
