"""OPTIONS to the server itself (RFC 3261 §11): 200 with Allow, Accept and Supported."""

from __future__ import annotations

import pytest

from harness import sipmsg, sipp
from harness.sipclient import UdpPeer

REQUIRED_METHODS = {"invite", "ack", "bye", "cancel", "options"}


@pytest.mark.sipp
def test_sipp_options_gets_allow_accept_supported(server, sipp_dir):
    run = sipp.run("options", sipp_dir, scenario="options.xml", remote=server.address, calls=1)
    run.assert_all_successful(1)


def test_options_response_fields(server):
    with UdpPeer(server.address) as peer:
        exchange = peer.options()
    response = exchange.final
    assert response is not None, exchange.describe()
    assert response.status == 200, exchange.describe()
    request = sipmsg.parse(exchange.request)

    allow = response.tokens("allow")
    assert REQUIRED_METHODS <= allow, f"Allow lacks {sorted(REQUIRED_METHODS - allow)}:\n{response.text()}"
    assert "application/sdp" in response.tokens("accept"), f"Accept lacks application/sdp:\n{response.text()}"
    assert response.has("supported"), f"no Supported header (may be empty, must be present):\n{response.text()}"

    # RFC 3261 §8.2.6.2: Call-ID, CSeq, From (with tag) and the Via list are copied; To gets a tag.
    assert response.call_id == request.call_id
    assert response.cseq == request.cseq
    assert response.tag("from") == request.tag("from")
    assert response.tag("to"), f"the 200 has no To tag:\n{response.text()}"
    assert sipmsg.header_param(response.values("via")[0], "branch") == \
        sipmsg.header_param(request.values("via")[0], "branch")


def test_options_over_udp_gets_one_final_response(server):
    """No retransmission from us (loopback), so exactly one 200 for one OPTIONS."""
    with UdpPeer(server.address) as peer:
        exchange = peer.options(retransmit=False)
        late = peer.drain(0.7)
    assert exchange.final is not None and exchange.final.status == 200, exchange.describe()
    assert not [m for m in late if m.is_response], (
        "more responses arrived for a single OPTIONS:\n" + "\n".join(m.text() for m in late))
