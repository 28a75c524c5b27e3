"""Requests a UAS must refuse, each with the code and header RFC 3261 names."""

from __future__ import annotations

import pytest

from harness import sipmsg, sipp
from harness.sipclient import UdpPeer

UNKNOWN_NUMBER = "99999"
ANSWERING_LINE = "10000"


def _uri(server, user: str | None = None) -> str:
    host, port = server.address
    return f"sip:{user}@{host}:{port}" if user else f"sip:{host}:{port}"


@pytest.mark.sipp
def test_sipp_invite_to_unknown_number_gets_404(server, sipp_dir):
    run = sipp.run("invite-404", sipp_dir, scenario="invite_404.xml", remote=server.address,
                   calls=1, service=UNKNOWN_NUMBER)
    run.assert_all_successful(1)


def test_invite_to_unknown_number_404_and_ack_stops_retransmissions(server):
    """404 with a To tag; after our ACK (same branch) the server stops retransmitting it (Timer G)."""
    with UdpPeer(server.address) as peer:
        exchange = peer.request("INVITE", _uri(server, UNKNOWN_NUMBER), body=sipmsg.sdp_offer(),
                                content_type="application/sdp")
        final = exchange.final
        assert final is not None and final.status == 404, exchange.describe()
        assert final.tag("to"), f"404 without a To tag:\n{final.text()}"
        peer.ack_final(exchange)
        late = [m for m in peer.drain(1.5) if m.is_response]
    assert not late, ("the 404 was retransmitted after our ACK (the ACK did not match the INVITE "
                      "server transaction):\n" + "\n".join(m.text() for m in late))


def test_unknown_method_gets_501_with_allow(server):
    with UdpPeer(server.address) as peer:
        exchange = peer.request("FOO", _uri(server))
    final = exchange.final
    assert final is not None and final.status == 501, exchange.describe()
    assert {"invite", "options"} <= final.tokens("allow"), f"501 without a useful Allow:\n{final.text()}"


def test_unknown_require_gets_420_with_unsupported(server):
    """RFC 3261 §8.2.2.3: 420 listing exactly the option tags we required and it lacks."""
    tags = ["x-hotline-interop-unknown", "x-nothing-supports-this"]
    with UdpPeer(server.address) as peer:
        exchange = peer.request("INVITE", _uri(server, ANSWERING_LINE), body=sipmsg.sdp_offer(),
                                content_type="application/sdp", headers=[("Require", ", ".join(tags))])
        final = exchange.final
        if final is not None and final.status is not None and final.status >= 300:
            peer.ack_final(exchange)
        elif final is not None and final.status is not None and final.status < 300:
            peer.end_call(exchange)
    assert final is not None and final.status == 420, exchange.describe()
    assert final.tokens("unsupported") == set(tags), f"Unsupported should list {tags}:\n{final.text()}"


def test_bye_outside_any_dialog_gets_481(server):
    with UdpPeer(server.address) as peer:
        exchange = peer.request("BYE", _uri(server, ANSWERING_LINE),
                                to=f"<{_uri(server, ANSWERING_LINE)}>;tag=no-such-dialog")
    assert exchange.final is not None and exchange.final.status == 481, exchange.describe()


def test_cancel_matching_no_transaction_gets_481(server):
    """RFC 3261 §9.2: a CANCEL that matches no transaction gets 481."""
    with UdpPeer(server.address) as peer:
        exchange = peer.request("CANCEL", _uri(server, "7777"))
    assert exchange.final is not None and exchange.final.status == 481, exchange.describe()


def test_stray_ack_gets_no_response(server):
    """An ACK is never answered (RFC 3261 §17.2.3: a stray ACK is passed to the core and dropped)."""
    with UdpPeer(server.address) as peer:
        exchange = peer.request("ACK", _uri(server, ANSWERING_LINE),
                                to=f"<{_uri(server, ANSWERING_LINE)}>;tag=no-such-dialog",
                                timeout=1.5, retransmit=False)
        stray = peer.strays
    assert not exchange.responses and not stray, exchange.describe()
