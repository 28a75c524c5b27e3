"""Whole calls into the service lines: SIPp's own UAC, over UDP and TCP, CANCEL while ringing,
and the SDP answer checked field by field."""

from __future__ import annotations

import pytest

from harness import sipmsg, sipp
from harness.sipclient import UdpPeer

ANSWERING_LINES = ["10000", "95500", "40000"]
RINGING_LINE = "7777"  # rings 60 s before answering (config/demo.yaml)


@pytest.mark.sipp
@pytest.mark.parametrize("line", ANSWERING_LINES)
def test_sipp_uac_calls_succeed(server, sipp_dir, line):
    """SIPp's built-in uac: INVITE, (100), 180, 200, ACK, pause, BYE, 200 - five calls."""
    run = sipp.run(f"uac-{line}", sipp_dir, scenario="builtin:uac", remote=server.address,
                   service=line, calls=5, rate=5, duration_ms=300)
    run.assert_all_successful(5)


@pytest.mark.sipp
def test_sipp_uac_call_over_tcp(server, sipp_dir):
    run = sipp.run("uac-tcp", sipp_dir, scenario="builtin:uac", remote=server.address,
                   service="10000", calls=2, rate=2, transport="t1", duration_ms=300)
    run.assert_all_successful(2)


@pytest.mark.sipp
def test_sipp_cancel_before_answer(server, sipp_dir):
    """CANCEL after 180: 200 for the CANCEL, 487 for the INVITE (any order), ACK for the 487."""
    run = sipp.run("cancel", sipp_dir, scenario="cancel.xml", remote=server.address,
                   service=RINGING_LINE, calls=1)
    run.assert_all_successful(1)


def test_call_answer_carries_an_sdp_answer(server):
    """RFC 3264 §6: the 200 answers our PCMU/PCMA offer with one of those codecs on a real port."""
    host, port = server.address
    with UdpPeer(server.address) as peer:
        exchange = peer.request("INVITE", f"sip:10000@{host}:{port}", body=sipmsg.sdp_offer(),
                                content_type="application/sdp", timeout=8.0)
        final = exchange.final
        try:
            assert final is not None and final.status == 200, exchange.describe()
            assert final.tag("to"), "200 without a To tag"
            assert final.values("contact"), "200 to INVITE without Contact (RFC 3261 §13.3.1.4)"
            assert (final.get("content-type") or "").lower().startswith("application/sdp"), final.text()
            sdp = final.body.decode(errors="replace")
            media = [line for line in sdp.splitlines() if line.startswith("m=audio ")]
            assert len(media) == 1, f"expected one m=audio line in the answer:\n{sdp}"
            fields = media[0].split()
            assert fields[1] != "0", f"audio stream rejected (port 0):\n{sdp}"
            assert set(fields[3:]) & {"0", "8"}, f"answer picks none of our codecs PCMU/PCMA:\n{sdp}"
            assert any(line.startswith("c=IN IP4 ") for line in sdp.splitlines()), f"no c= line:\n{sdp}"
        finally:
            if final is not None and final.status is not None and 200 <= final.status < 300:
                bye = peer.end_call(exchange)
            elif final is not None and final.status is not None and final.status >= 300:
                peer.ack_final(exchange)
                bye = None
            else:
                bye = None
    if bye is not None:
        assert bye.final is not None and bye.final.status == 200, "BYE was not answered 200:\n" + bye.describe()


def test_answering_line_rings_before_it_answers(server):
    """The demo contract: an answering line sends 180 Ringing, then 200 OK."""
    line = ANSWERING_LINES[0]
    host, port = server.address
    with UdpPeer(server.address) as peer:
        exchange = peer.request("INVITE", f"sip:{line}@{host}:{port}", body=sipmsg.sdp_offer(),
                                content_type="application/sdp", timeout=8.0)
        final = exchange.final
        if final is not None and final.status is not None and 200 <= final.status < 300:
            peer.end_call(exchange)
        elif final is not None and final.status is not None and final.status >= 300:
            peer.ack_final(exchange)
    assert final is not None and final.status == 200, exchange.describe()
    codes = [r.status for r in exchange.provisionals]
    assert 180 in codes, f"no 180 Ringing before the 200 (provisional responses: {codes})"
