"""A short load smoke test: SIPp's uac at 200 calls/s for 5 s into a service line, no failures."""

from __future__ import annotations

import pytest

from harness import sipp
from harness.sipclient import assert_answers_options

pytestmark = [pytest.mark.load, pytest.mark.sipp]

RATE = 200
CALLS = 1000


def test_200_calls_per_second_for_5_seconds(server, sipp_dir):
    run = sipp.run(
        "load", sipp_dir, scenario="builtin:uac", remote=server.address, service="10000",
        calls=CALLS, rate=RATE, call_limit=CALLS, trace_msg=False,
        global_timeout=90, recv_timeout_ms=15000,
    )
    run.assert_all_successful(CALLS)
    assert_answers_options(server.address, after=f"{CALLS} calls at {RATE} calls/s")
