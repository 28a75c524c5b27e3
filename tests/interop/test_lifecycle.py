"""`hotline serve` as a process: ready line, configuration by flags and by
environment, graceful exit on SIGTERM and SIGINT. Each test runs its own server."""

from __future__ import annotations

import signal
import subprocess

import pytest

from harness.ports import free_port
from harness.settings import SHUTDOWN_LIMIT, new_server, ready_timeout
from harness.sipclient import TcpPeer, UdpPeer, options_ping

pytestmark = pytest.mark.lifecycle


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own; killed by PID at teardown whatever happened."""
    servers = []

    def make(**kwargs):
        hotline = new_server(tmp_path / f"hotline-{len(servers)}", **kwargs)
        servers.append(hotline)
        return hotline

    yield make
    for hotline in servers:
        hotline.kill()


def _assert_answers(hotline) -> None:
    exchange = options_ping(hotline.address)
    assert exchange.final is not None and exchange.final.status == 200, (
        exchange.describe() + "\n" + hotline.log_tail())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_server_gracefully_with_status_0(own_server, sig):
    hotline = own_server()
    hotline.start(ready_timeout())
    _assert_answers(hotline)
    code, seconds = hotline.stop(sig, timeout=SHUTDOWN_LIMIT)
    assert code == 0, (
        f"after {sig.name} hotline exited with {code} in {seconds:.1f} s "
        f"(None = still running after {SHUTDOWN_LIMIT:.0f} s, killed)\n{hotline.log_tail()}")


def test_ready_server_listens_on_udp_and_tcp(own_server):
    hotline = own_server()
    hotline.start(ready_timeout())
    _assert_answers(hotline)
    with TcpPeer(hotline.address) as peer:
        exchange = peer.transact(peer.options_request())
    assert exchange.final is not None and exchange.final.status == 200, exchange.describe()


def test_environment_variables_configure_the_server(own_server):
    """HOTLINE_CONFIG, HOTLINE_SIP_LISTEN, HOTLINE_DATA_DIR, HOTLINE_HTTP_LISTEN, HOTLINE_LOG_LEVEL only."""
    hotline = own_server(use_flags=False)
    hotline.start(ready_timeout())
    _assert_answers(hotline)


def test_flags_win_over_environment_variables(own_server):
    env_port = free_port()
    hotline = own_server(extra_env={"HOTLINE_SIP_LISTEN": f"127.0.0.1:{env_port}"})
    hotline.start(ready_timeout())
    _assert_answers(hotline)  # on the --sip-listen port
    with UdpPeer(("127.0.0.1", env_port)) as peer:
        exchange = peer.options(timeout=1.5)
    assert exchange.final is None, (
        f"something answered on the HOTLINE_SIP_LISTEN port {env_port} although --sip-listen "
        f"{hotline.sip_port} was given\n{exchange.describe()}")


def test_missing_configuration_file_is_reported(hotline_bin, tmp_path):
    """A configuration path that does not exist: non-zero exit, quickly, naming the file."""
    missing = tmp_path / "no-such-config.yaml"
    try:
        result = subprocess.run(
            [str(hotline_bin), "serve", "--config", str(missing),
             "--sip-listen", f"127.0.0.1:{free_port()}", "--data-dir", str(tmp_path / "data")],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
        )
    except subprocess.TimeoutExpired as timeout:  # run() has killed it by then
        pytest.fail(f"hotline serve kept running with a missing configuration file:\n{timeout.stderr!r}")
    output = (result.stdout + result.stderr).decode(errors="replace")
    assert result.returncode != 0, f"hotline serve accepted a missing configuration file:\n{output}"
    assert "no-such-config.yaml" in output, f"the error does not name the missing file:\n{output}"
