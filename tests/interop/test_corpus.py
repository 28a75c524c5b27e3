"""RFC 4475 (SIP torture tests) and RFC 5118 (IPv6 torture tests) replayed at the live server.

Each `.dat` file is sent as ONE UDP datagram from a fresh socket, after
pointing its top Via at that socket (see harness.sipmsg.rewrite_top_via); the
rest of the message is byte-exact. What comes back within the reply window is
checked against EXPECTED.tsv (see harness.corpus for the table and reasons).
INVITEs are cleaned up: a non-2xx final is ACKed, a 2xx is ACKed and BYEd.
One test per tag; the test id is the tag.
"""

from __future__ import annotations

import os
import time

import pytest

from harness import corpus, sipmsg
from harness.ports import LOOPBACK
from harness.sipclient import Exchange, UdpPeer, assert_answers_options
from harness.sipmsg import SipMessage

pytestmark = pytest.mark.corpus

REPLY_WINDOW = float(os.environ.get("HOTLINE_INTEROP_REPLY_WINDOW", "2.0"))  # seconds for a final response
GRACE = 0.3       # keep listening after the final, to see duplicates or extra responses
DBLREQ_GRACE = 1.0

MESSAGES, ABSENT = corpus.load()
PARAMS = [pytest.param(m, id=m.tag) for m in MESSAGES] or [
    pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(reason=ABSENT or "empty corpus"))]


def _collect(peer: UdpPeer, *, wait_full: bool, grace: float) -> list[SipMessage]:
    """Everything that arrives: until a final response (+grace), or the whole window."""
    received: list[SipMessage] = []
    deadline = time.monotonic() + REPLY_WINDOW
    while (left := deadline - time.monotonic()) > 0:
        message = peer.recv(left)
        if message is None:
            break
        received.append(message)
        if not wait_full and message.is_response and message.status is not None and message.status >= 200:
            deadline = min(deadline, time.monotonic() + grace)
    return received


def _clean_up(peer: UdpPeer, request: SipMessage, sent: bytes, responses: list[SipMessage]) -> str:
    """ACK (and BYE) what an INVITE left behind, so no transaction or dialog stays open."""
    if request.method != "INVITE":
        return ""
    final = next((r for r in responses if r.status is not None and r.status >= 200), None)
    if final is None:
        return ""
    if final.status >= 300:
        peer.send(sipmsg.ack_for_final(request.request_uri or "sip:invalid", final))
        return "ACKed the final response"
    bye = peer.end_call(Exchange(sent, [final]))
    return f"ACKed the 2xx and sent BYE -> {bye.final.start_line if bye.final else 'no answer'}"


def _common_field_checks(request: SipMessage, final: SipMessage) -> list[str]:
    """RFC 3261 §8.2.6.2 for a response the server built from a request it understood."""
    problems = []
    if len(request.get_all("call-id")) == 1 and final.call_id != request.call_id:
        problems.append(f"Call-ID not copied: sent {request.call_id!r}, got {final.call_id!r}")
    if len(request.get_all("cseq")) == 1 and request.cseq is not None and final.cseq != request.cseq:
        problems.append(f"CSeq not copied: sent {request.cseq}, got {final.cseq}")
    if len(request.get_all("from")) == 1 and request.tag("from") and final.tag("from") != request.tag("from"):
        problems.append(f"From tag not copied: sent {request.tag('from')!r}, got {final.tag('from')!r}")
    if len(request.get_all("to")) == 1 and not final.tag("to"):
        problems.append("final response without a To tag")
    sent_vias, got_vias = request.values("via"), final.values("via")
    if sent_vias and got_vias:
        sent_branch = sipmsg.header_param(sent_vias[0], "branch")
        if sent_branch and sipmsg.header_param(got_vias[0], "branch") != sent_branch:
            problems.append(f"top Via branch not copied: sent {sent_branch!r}, got {got_vias[0]!r}")
    return problems


def _specific_field_checks(tag: str, final: SipMessage, responses: list[SipMessage]) -> list[str]:
    """The fields each RFC section talks about."""
    problems = []
    if final.status == 501 and not final.has("allow"):
        problems.append("501 without Allow")
    if tag == "bext01" and final.status == 420:
        want = {"nothingsupportsthis", "nothingsupportsthiseither"}
        if not want <= final.tokens("unsupported"):
            problems.append(f"Unsupported {final.get_all('unsupported')} does not list the Require tags {sorted(want)}")
    if tag == "invut" and final.status == 415 and not final.has("accept"):
        problems.append("415 without Accept (RFC 3261 §21.4.13: the server MUST list acceptable formats)")
    if tag == "transports" and final.status not in (None, 400):
        transports = [v.split()[0].rsplit("/", 1)[-1].upper() for v in final.values("via")]
        if transports != ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]:
            problems.append(f"response Via list is not the request's five Vias in order: {transports}")
    if tag == "dblreq":
        invites = [r for r in responses if r.cseq and r.cseq[1] != "REGISTER"]
        if invites:
            problems.append("the INVITE octets after Content-Length: 0 were processed: "
                            + ", ".join(r.start_line for r in invites))
    if tag == "regaut01" and final.status == 401:
        schemes = [v.split(None, 1)[0].lower() for v in final.get_all("www-authenticate") if v]
        if "digest" not in schemes:
            problems.append(f"401 without a Digest challenge: {final.get_all('www-authenticate')}")
    return problems


@pytest.mark.parametrize("message", PARAMS)
def test_torture_message(server, message: corpus.CorpusMessage):
    integrity = message.integrity_problem()
    assert integrity is None, integrity
    expectation = message.expectation
    with UdpPeer(server.address) as peer:
        rewrite = sipmsg.rewrite_top_via(message.data(), LOOPBACK, peer.port)
        peer.send(rewrite.data)
        grace = DBLREQ_GRACE if message.tag == "dblreq" else GRACE
        received = _collect(peer, wait_full=expectation.kind == corpus.SILENCE, grace=grace)
        request = sipmsg.parse(rewrite.data)
        responses = [m for m in received if m.is_response]
        cleanup = _clean_up(peer, request, rewrite.data, responses)

    finals = [r for r in responses if r.status is not None and r.status >= 200]
    final = finals[0] if finals else None
    context = "\n".join([
        f"{message.corpus} {message.section} {message.tag}: expected class {message.expected!r}",
        f"RFC: {message.uas_response}",
        f"this test expects: {expectation.describe()}",
        "sent: " + "; ".join(rewrite.notes),
        f"cleanup: {cleanup or '-'}",
        f"received {len(received)} message(s) within {REPLY_WINDOW} s:",
        *[m.text(3000) for m in received],
    ])

    if expectation.kind == corpus.SILENCE:
        assert not received, "the server answered a response (it must discard it silently)\n" + context
        return
    if expectation.kind == corpus.SURVIVE:
        return  # the autouse watch fails the test if the server died
    if expectation.kind == corpus.CODES_OR_SILENCE and not responses:
        return
    assert final is not None, (
        "no final response " + ("(only provisional ones)" if responses else "(nothing at all)") + "\n" + context)
    assert len({f.start_line for f in finals}) == 1, "different final responses to one request\n" + context
    if expectation.kind in (corpus.CODES, corpus.CODES_OR_SILENCE):
        assert final.status in expectation.codes, f"got {final.status}\n" + context
    elif expectation.kind == corpus.NOT_400:
        assert final.status != 400, "a valid message was rejected with 400\n" + context

    problems = _specific_field_checks(message.tag, final, responses)
    if final.status != 400:
        problems += _common_field_checks(request, final)
    assert not problems, "field checks failed:\n  " + "\n  ".join(problems) + "\n" + context


def test_server_still_answers_options_after_the_corpus(server):
    if not MESSAGES:
        pytest.skip(ABSENT or "empty corpus")
    assert_answers_options(server.address, after="the RFC 4475 / RFC 5118 corpus")
