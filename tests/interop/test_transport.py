"""SIP over TCP: framing by Content-Length whatever the segment boundaries (RFC 3261 §18.3)."""

from __future__ import annotations

import time

from harness import sipmsg
from harness.sipclient import TcpPeer


def test_options_over_tcp(server):
    with TcpPeer(server.address) as peer:
        exchange = peer.transact(peer.options_request())
    assert exchange.final is not None and exchange.final.status == 200, exchange.describe()
    vias = exchange.final.values("via")
    assert vias and "TCP" in vias[0].upper(), f"top Via of the response is not the TCP one we sent:\n{exchange.describe()}"


def test_tcp_message_drip_fed_one_byte_at_a_time(server):
    with TcpPeer(server.address) as peer:
        request = peer.options_request()
        for i in range(len(request)):
            peer.send(request[i : i + 1])
            if i % 64 == 0:
                time.sleep(0.002)  # make the server see many small reads
        response = peer.recv(timeout=4.0)
    assert response is not None and response.status == 200, (
        f"no 200 for an OPTIONS sent one byte at a time (got {response and response.start_line})")


def test_tcp_two_pipelined_requests_in_one_segment(server):
    with TcpPeer(server.address) as peer:
        first, second = peer.options_request(), peer.options_request()
        peer.send(first + second)
        responses = [peer.recv(timeout=4.0), peer.recv(timeout=4.0)]
    got = sorted(r.call_id for r in responses if r is not None and r.status == 200)
    want = sorted(sipmsg.parse(m).call_id for m in (first, second))
    assert got == want, f"two pipelined OPTIONS did not each get a 200: {[r and r.start_line for r in responses]}"


def test_tcp_request_with_body_split_across_segments(server):
    """Headers in one segment, the body (announced by Content-Length) in a later one."""
    with TcpPeer(server.address) as peer:
        host, port = server.address
        uri = f"sip:{host}:{port}"
        body = b"keep framing by Content-Length\r\n"
        request = sipmsg.build_request(
            "OPTIONS", uri, via=peer.via, from_=f"<sip:interop@127.0.0.1>;tag={sipmsg.new_tag()}",
            to=f"<{uri}>", call_id=sipmsg.new_call_id("split"), cseq=1, body=body, content_type="text/plain")
        head_end = request.index(b"\r\n\r\n") + 4
        peer.send(request[:head_end])
        time.sleep(0.3)
        assert peer.recv(timeout=0.2) is None, "the server answered before the body arrived"
        peer.send(request[head_end:])
        response = peer.recv(timeout=4.0)
    assert response is not None and response.status is not None and response.status >= 200, (
        "no final response once the body arrived")
    assert response.call_id == sipmsg.parse(request).call_id

