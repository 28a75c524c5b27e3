"""`hotline dial`, Hotline as a UAC: against SIPp UASes and against the Hotline server."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import pytest

from harness import sipp
from harness.processes import track

DIAL_SECONDS = 1
DIAL_TIMEOUT = 40  # wall clock for one `hotline dial`; it is killed after this


@dataclass
class Dial:
    cmd: list[str]
    returncode: int | None
    output: str

    def report(self) -> str:
        return f"command: {' '.join(self.cmd)}\nexit status: {self.returncode}\noutput:\n{self.output}"


def dial(binary, uri: str, *extra: str) -> Dial:
    cmd = [str(binary), "dial", uri, "--duration", str(DIAL_SECONDS), *extra]
    proc = track(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    try:
        out, _ = proc.communicate(timeout=DIAL_TIMEOUT)
        return Dial(cmd, proc.returncode, out.decode(errors="replace"))
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return Dial(cmd, None, out.decode(errors="replace") + f"\n(killed after {DIAL_TIMEOUT} s)")


def _status_line(output: str, code: int) -> bool:
    return re.search(rf"\b{code}\b", output) is not None


@pytest.mark.sipp
@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_dial_sipp_uas_answers_and_call_ends_cleanly(hotline_bin, sipp_dir, sipp_runs, transport):
    # Over TCP, SIPp's built-in uas fails a call whose caller closes the connection
    # during its final timewait; uas_tcp.xml is the same scenario without it.
    scenario = "uas_tcp.xml" if transport == "tcp" else "builtin:uas"
    uas = sipp.start_uas(f"uas-{transport}", sipp_dir, scenario=scenario,
                         transport="t1" if transport == "tcp" else "u1")
    sipp_runs.append(uas)
    result = dial(hotline_bin, f"sip:service@127.0.0.1:{uas.port}", "--transport", transport)
    uas.wait(15)
    assert result.returncode == 0, result.report() + "\n\n" + uas.report()
    uas.assert_all_successful(1)


@pytest.mark.sipp
def test_dial_answers_a_digest_challenge(hotline_bin, sipp_dir, sipp_runs):
    uas = sipp.start_uas("uas-auth", sipp_dir, scenario="uas_auth.xml")
    sipp_runs.append(uas)
    result = dial(hotline_bin, f"sip:service@127.0.0.1:{uas.port}",
                  "--auth-user", "alice", "--auth-password", "wonderland")
    uas.wait(15)
    assert result.returncode == 0, result.report() + "\n\n" + uas.report()
    uas.assert_all_successful(1)


@pytest.mark.sipp
def test_dial_rejected_call_exits_non_zero(hotline_bin, sipp_dir, sipp_runs):
    uas = sipp.start_uas("uas-busy", sipp_dir, scenario="uas_busy.xml")
    sipp_runs.append(uas)
    result = dial(hotline_bin, f"sip:service@127.0.0.1:{uas.port}")
    uas.wait(15)
    assert result.returncode not in (0, None), result.report()
    assert _status_line(result.output, 486), f"the 486 status line is not printed:\n{result.report()}"
    uas.assert_all_successful(1)  # it got its ACK


def test_dial_hotline_service_line(hotline_bin, server):
    """Hotline's UAC calls Hotline's UAS: answered, hung up, status 0."""
    host, port = server.address
    result = dial(hotline_bin, f"sip:10000@{host}:{port}")
    assert result.returncode == 0, result.report()


def test_dial_prints_the_final_status_line(hotline_bin, server):
    """The CLI contract: `hotline dial` prints the final status line (here the 200 of an answered call)."""
    host, port = server.address
    result = dial(hotline_bin, f"sip:95500@{host}:{port}")
    assert result.returncode == 0, result.report()
    assert _status_line(result.output, 200), f"no final status line (200) in the output:\n{result.report()}"


def test_dial_hotline_unknown_number_exits_non_zero(hotline_bin, server):
    host, port = server.address
    result = dial(hotline_bin, f"sip:99999@{host}:{port}")
    assert result.returncode not in (0, None), result.report()
    assert _status_line(result.output, 404), result.report()
