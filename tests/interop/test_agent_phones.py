"""Agents' phones (issue 5): SIPp phones registered with Hotline's registrar by digest,
and the scenario files they will answer Hotline's offers with.

Two parts:

* Against Hotline: an agent's SIPp phone (harness/agents.py) registers with digest,
  its binding is visible (the registrar's 200, a fetching REGISTER, the server log),
  it un-registers, and a wrong password is refused. The server offers MD5 only
  (SIPp 3.6 answers only MD5 and only the first challenge). One wrong attempt only:
  the registrar refuses a source after five failures.

* SELF-CHECK (SIPp against SIPp, no Hotline): Hotline cannot offer calls to agents yet,
  so scenarios/selfcheck_uac_*.xml stand in for its offers and prove that
  agent_answer.xml, agent_no_answer.xml, agent_busy.xml and agent_refer.xml do what
  they say (and that agent_answer.xml refuses an offer without X-Hotline-Interaction).
  These tests check the scenario files, not Hotline.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from harness import agents, digest, sipmsg, sipp
from harness.media_server import wait_for
from harness.ports import LOOPBACK, free_port
from harness.settings import SHUTDOWN_LIMIT, hotline_config, new_server, ready_timeout
from harness.sipclient import UdpPeer

pytestmark = pytest.mark.sipp

AGENTS = {"1001": "agent1001", "1002": "agent1002", "1003": "agent1003", "2001": "super2001"}


# ---------------------------------------------------------------------------
# Against Hotline: registration
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registrar(tmp_path_factory):
    """A Hotline server with the demo configuration, offering MD5 digest only."""
    workdir = tmp_path_factory.mktemp("hotline-agents")
    config = agents.md5_only_config(hotline_config(), workdir / "md5.yaml")
    hotline = new_server(workdir, config=config)
    hotline.start(ready_timeout())
    yield hotline
    code, seconds = hotline.stop(timeout=SHUTDOWN_LIMIT)
    assert code == 0, f"status {code} after {seconds:.1f} s\n" + hotline.log_tail()


@pytest.fixture
def phones(tmp_path):
    """Phones made by a test; their SIPp processes are killed by PID at teardown."""
    made: list[agents.AgentPhone] = []

    def make(user: str, password: str, server=None) -> agents.AgentPhone:
        phone = agents.AgentPhone(user=user, password=password, workdir=tmp_path / f"phone-{user}-{len(made)}",
                                  server=server.address if server is not None else None)
        made.append(phone)
        return phone

    yield make
    for phone in made:
        phone.stop()


def fetch_bindings(server, user: str, password: str) -> sipmsg.SipMessage:
    """REGISTER without Contact (RFC 3261 §10.2.3: a query), MD5 digest: the 200 lists the
    AOR's bindings."""
    host, port = server.address
    uri, aor = f"sip:{host}:{port}", f"sip:{user}@{agents.REALM}"
    call_id, tag = sipmsg.new_call_id(f"fetch-{user}"), sipmsg.new_tag()
    with UdpPeer(server.address) as peer:
        def send(cseq: int, authorization: str | None):
            headers = [("Authorization", authorization)] if authorization else []
            return peer.transact(sipmsg.build_request(
                "REGISTER", uri, via=peer.via, from_=f"<{aor}>;tag={tag}", to=f"<{aor}>",
                call_id=call_id, cseq=cseq, contact=None, headers=headers))
        first = send(1, None)
        assert first.final is not None and first.final.status == 401, first.describe()
        challenge = digest.parse_challenge(first.final.get("www-authenticate"))
        second = send(2, digest.authorization(challenge, method="REGISTER", uri=uri,
                                              username=user, password=password))
    assert second.final is not None and second.final.status == 200, second.describe()
    return second.final


def test_agent_phone_registers_with_digest_and_unregisters(registrar, phones):
    phone = phones("1001", AGENTS["1001"], registrar)
    since = registrar.log_size()

    ok = phone.register(expires=120)
    assert agents.binding_expires(ok, phone.contact) in range(119, 121), ok.text()
    register_run = phone.runs[-1]
    codes = [r.status for r in agents.responses(register_run, cseq_method="REGISTER")]
    assert codes == [401, 200], f"expected a challenge then 200, got {codes}\n{register_run.report()}"
    challenge = agents.responses(register_run)[0].get("www-authenticate")
    assert "algorithm=MD5" in challenge and f'realm="{agents.REALM}"' in challenge, challenge
    sent = agents.requests(register_run, "REGISTER", direction="sent")
    assert (sent[1].get("authorization") or "").startswith("Digest "), sent[1].text()
    assert sent[1].get("expires") == "120", sent[1].text()

    # Visible: in the server's log and to a query of the AOR's bindings.
    logged = wait_for(registrar, "registered", since=since, sip_contact=phone.contact, timeout=5)
    assert len(logged) == 1, registrar.log_since(since)
    assert logged[0].get("sip.expires") == "120", logged[0].line
    assert (logged[0].get("sip.aor") or "").startswith("sip:1001@"), logged[0].line
    listed = agents.binding_expires(fetch_bindings(registrar, "1001", AGENTS["1001"]), phone.contact)
    assert listed is not None and 0 < listed <= 120, f"binding {phone.contact} not listed by a fetch"

    phone.unregister()
    logged = wait_for(registrar, "unregistered", since=since, sip_contact=phone.contact, timeout=5)
    assert len(logged) == 1, registrar.log_since(since)
    assert agents.binding_expires(fetch_bindings(registrar, "1001", AGENTS["1001"]), phone.contact) is None


def test_agent_phone_with_wrong_password_is_refused(registrar, phones):
    phone = phones("1003", "not-the-password", registrar)
    since = registrar.log_size()
    run = phone.register_attempt(expires=120)
    assert run.returncode == 1 and run.failed == 1 and not run.successful, run.report()
    codes = [r.status for r in agents.responses(run, cseq_method="REGISTER")]
    assert len(codes) == 2 and codes[0] == 401 and codes[1] in (401, 403), (
        f"expected 401 then 401/403, got {codes}\n{run.report()}")
    logged = wait_for(registrar, "SIP authentication failed; repeated failures are throttled",
                      since=since, sip_user="1003", timeout=5)
    assert len(logged) == 1, registrar.log_since(since)
    assert wait_for(registrar, "registered", since=since, sip_contact=phone.contact, timeout=0.5) == []
    assert agents.binding_expires(fetch_bindings(registrar, "1003", AGENTS["1003"]), phone.contact) is None


# ---------------------------------------------------------------------------
# SELF-CHECK: the offer scenarios, SIPp against SIPp (no Hotline)
# ---------------------------------------------------------------------------


class RtpSink:
    """A UDP socket that keeps every datagram (the self-check caller's media address)."""

    def __init__(self):
        self.port = free_port(tcp=False)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, self.port))
        self.sock.settimeout(0.2)
        self.packets: list[tuple[bytes, tuple[str, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.packets.append(self.sock.recvfrom(2048))
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def rtp_sink():
    sink = RtpSink()
    yield sink
    sink.close()


def selfcheck_offer(phone, sipp_dir, name: str, scenario: str, **sets: str | int) -> sipp.SippRun:
    extra = [arg for key, value in sets.items() for arg in ("-set", key, str(value))]
    return sipp.run(name, sipp_dir, scenario=scenario, remote=(LOOPBACK, phone.port),
                    service=phone.user, calls=1, global_timeout=30, extra=extra)


def bye_sender(agent_run: sipp.SippRun) -> str:
    """'agent' if the agent's phone sent the BYE, 'caller side' if it received it."""
    sent, received = agents.requests(agent_run, "BYE", "sent"), agents.requests(agent_run, "BYE")
    assert len(sent) + len(received) == 1, f"expected one BYE, sent {len(sent)} received {len(received)}"
    return "agent" if sent else "caller side"


def check_streamed_audio(sink: RtpSink, phone, agent_run: sipp.SippRun, min_packets: int) -> None:
    """The agent streamed agents.AUDIO_FILE as PCMU from its media port to the offer's address."""
    port = agents.media_port(agent_run)
    packets = [data for data, source in sink.packets if source == (LOOPBACK, port)]
    assert len(packets) >= min_packets, (
        f"{len(packets)} RTP packets from the agent's media port {port} (want >= {min_packets}); "
        f"sources {sorted({s for _, s in sink.packets})}")
    assert {data[1] & 0x7F for data in packets} == {0}, "payload types other than PCMU (0)"
    audio = phone.audio_path.read_bytes()
    assert all(len(data) == 12 + 160 for data in packets), {len(d) for d in packets}
    assert packets[5][12:] in audio, "the streamed payload is not agent_audio.wav"


@pytest.mark.parametrize("agent_ms, caller_ms, ender", [
    (1200, 0, "agent"),             # the agent hangs up after its talk time
    (0, 1200, "caller side"),       # the agent waits for Hotline's BYE
    (8000, 1200, "caller side"),    # Hotline's BYE cuts the agent's talk time short
])
def test_selfcheck_agent_answer(phones, sipp_dir, rtp_sink, agent_ms, caller_ms, ender):
    phone = phones("1001", AGENTS["1001"])
    agent_run = phone.start("answer", hangup_after_ms=agent_ms, global_timeout=30)
    started = time.monotonic()
    caller = selfcheck_offer(phone, sipp_dir, "selfcheck-offer", "selfcheck_uac_offer.xml",
                             interaction_header="X-Hotline-Interaction", interaction="int-4242",
                             caller_name="李娜 (Li Na)", rtp_sink_port=rtp_sink.port,
                             uac_hangup_after_ms=caller_ms)
    caller.assert_all_successful(1)
    agent_run.wait(15).assert_all_successful(1)
    elapsed = time.monotonic() - started
    assert elapsed < 7, f"the call lasted {elapsed:.1f} s: a BYE was not taken when it came"

    invite = agents.received_invite(agent_run)
    assert invite is not None, phone.report()
    assert agents.interaction_id(invite) == "int-4242", invite.text()
    assert agents.display_name(invite.get("from")) == "李娜 (Li Na)", invite.get("from")
    sent_codes = [r.status for r in agents.responses(agent_run, "sent", cseq_method="INVITE")]
    assert sent_codes == [180, 200], sent_codes
    answer = agents.responses(agent_run, "sent", cseq_method="INVITE")[1].body.decode()
    assert f"m=audio {agents.media_port(agent_run)} RTP/AVP 0 101" in answer, answer
    assert "a=rtpmap:101 telephone-event/8000" in answer, answer
    assert bye_sender(agent_run) == ender
    check_streamed_audio(rtp_sink, phone, agent_run, min_packets=40)


def test_selfcheck_agent_answer_refuses_an_offer_without_interaction_id(phones, sipp_dir, rtp_sink):
    """The check_it on X-Hotline-Interaction is real: without the header the agent's call fails."""
    phone = phones("1001", AGENTS["1001"])
    agent_run = phone.start("answer", hangup_after_ms=500, global_timeout=30)
    selfcheck_offer(phone, sipp_dir, "selfcheck-no-header", "selfcheck_uac_offer.xml",
                    interaction_header="X-Not-Hotline", interaction="int-1", caller_name="Li Na",
                    rtp_sink_port=rtp_sink.port, uac_hangup_after_ms=1000)
    agent_run.wait(15)
    assert agent_run.returncode == 1 and agent_run.failed == 1, agent_run.report()
    assert "X-Hotline-Interaction: not found" in agent_run.read("errors.log"), agent_run.report()


def test_selfcheck_agent_no_answer(phones, sipp_dir):
    phone = phones("1002", AGENTS["1002"])
    agent_run = phone.start("no_answer", global_timeout=30)
    caller = selfcheck_offer(phone, sipp_dir, "selfcheck-cancel", "selfcheck_uac_cancel.xml",
                             interaction="int-7", ring_ms=800)
    caller.assert_all_successful(1)
    agent_run.wait(15).assert_all_successful(1)
    sent = [(r.status, r.cseq[1]) for r in agents.responses(agent_run, "sent")]
    assert sent == [(180, "INVITE"), (200, "CANCEL"), (487, "INVITE")], sent
    assert len(agents.requests(agent_run, "ACK")) == 1


def test_selfcheck_agent_busy(phones, sipp_dir):
    phone = phones("1003", AGENTS["1003"])
    agent_run = phone.start("busy", global_timeout=30)
    caller = selfcheck_offer(phone, sipp_dir, "selfcheck-busy", "selfcheck_uac_busy.xml", interaction="int-8")
    caller.assert_all_successful(1)
    agent_run.wait(15).assert_all_successful(1)
    assert [r.status for r in agents.responses(agent_run, "sent")] == [486]
    assert len(agents.requests(agent_run, "ACK")) == 1


@pytest.mark.parametrize("uac_sends_bye, ender", [(0, "agent"), (1, "caller side")])
def test_selfcheck_agent_refer(phones, sipp_dir, rtp_sink, uac_sends_bye, ender):
    phone = phones("2001", AGENTS["2001"])
    hotline = (LOOPBACK, 5999)   # only written into Refer-To: nothing listens there
    agent_run = phone.start("refer", refer_target="1002", refer_after_ms=1000, hotline=hotline,
                            global_timeout=30)
    caller = selfcheck_offer(phone, sipp_dir, "selfcheck-refer", "selfcheck_uac_refer.xml",
                             interaction="int-9", rtp_sink_port=rtp_sink.port, uac_sends_bye=uac_sends_bye)
    caller.assert_all_successful(1)
    agent_run.wait(15).assert_all_successful(1)

    refers = agents.requests(agent_run, "REFER", "sent")
    assert len(refers) == 1, phone.report()
    assert refers[0].get("refer-to") == f"<sip:1002@{LOOPBACK}:5999>", refers[0].text()
    assert (refers[0].get("referred-by") or "").startswith("<sip:2001@"), refers[0].text()
    notifies = agents.requests(agent_run, "NOTIFY")
    assert [n.body.decode().strip() for n in notifies] == ["SIP/2.0 100 Trying", "SIP/2.0 200 OK"]
    answered = [r.status for r in agents.responses(agent_run, "sent", cseq_method="NOTIFY")]
    assert answered == [200, 200], answered
    assert bye_sender(agent_run) == ender
    check_streamed_audio(rtp_sink, phone, agent_run, min_packets=40)
