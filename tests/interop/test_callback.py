"""Queued callbacks and the queue's maximum wait end to end (docs/routing.md, "A call's
way through routing" 6 and 7, "The outbound trunk").

A SIPp caller (harness.routing.RoutingCaller, from 13800138000, a 400 Hz voice) works
through a demo IVR into a queue; agent 1001's SIPp phone (harness/agents.py) takes the
callback; the customer's phone is a SIPp UAS on the loopback port the configuration's
``trunk:`` points at (harness/callback.py, scenarios/customer_answer.xml, a 550 Hz voice).

One server for the module, config/demo.yaml through ``harness.callback.callback_config``:
the routing tests' fast queues, a trunk (caller id 10000), and

* telecom (line 10000, keys 1 0): ``callback_key: "*"`` (the demo's), ``record: true``;
* orders (line 40000, keys 1 0): maximum wait 5 s, then voicemail;
* broadband (line 10000, keys 1 3 0): maximum wait 5 s, then voicemail or callback.

Only 1001's phone registers; nobody else logs in, so a caller waits until the test makes
1001 available. Every test logs everyone out before and after itself.

Needs root or CAP_NET_RAW (SIPp's play_pcap_audio), like test_routing.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import agents, rtp, sipmsg, sipp
from harness import callback as cb
from harness import routing as rt
from harness.dtmf_pcap import presses
from harness.ports import LOOPBACK, free_port
from harness.settings import shutdown_problem, hotline_config, new_server, ready_timeout
from test_media import need_sipp_pcaps

pytestmark = [pytest.mark.sipp]

# Below the kernel's ephemeral range and apart from the other modules' servers
# (session 20000-29999, test_ivr 30000-30999 and 32000-32499, test_media 31000-31999,
# test_routing 32500-32999).
RTP_PORTS = "19000-19499"
READY_TIMEOUT = 240.0

TELECOM, SHOP = "10000", "40000"
ZHANG_WEI, ZHANG_WEI_SHOWN = "13800138000", "Zhang Wei"
DOMAIN = "hotline.local"
AGENT = "1001"
# Call records name agents by extension (the store's user ids are user-1001, ...).
RECORDED_AGENT = "1001"
MAX_WAIT_S = 5
QUEUES: dict[str, dict[str, object]] = {
    "telecom": {"record": True},
    "orders": {"max_wait_seconds": MAX_WAIT_S, "max_wait_offer": "voicemail"},
    # The demo's escalation (90 s) would come after the maximum wait: refused.
    "broadband": {"max_wait_seconds": MAX_WAIT_S, "max_wait_offer": "voicemail-or-callback", "escalation": [],
                  "ring_seconds": 4, "wrap_up_seconds": 3},
}

# Seconds after the caller's ACK (the start of its keyed stream). Measured: the IVR
# queues the caller 1.3 s (telecom, shop) or 1.6 s (broadband) after the ACK; the
# maximum wait runs out 5 s later; the voicemail prompt then lasts ~5 s before the beep
# (the message starts ~11.4 s after the ACK), and the voicemail-or-callback question
# ~6 s (no key by ~20 s: a message).
TO_TELECOM = presses((1.0, "10"))            # 1: Chinese, 0: an agent
TO_ORDERS = presses((1.0, "10"))             # shop: 1 Chinese, 0 an agent
TO_BROADBAND = presses((1.0, "130"))         # telecom: 1 Chinese, 3 broadband, 0 an engineer
STAR_AT = 8.0                                # the callback key, while waiting in telecom
HASH_AT = 14.5                               # '#' ends the message (test 3): ~3 s of message
CHOICE_AT = 14.0                             # '2' after the voicemail-or-callback question (test 4)
CUSTOMER_TALK_MS = 4000
TONE_TOLERANCE_HZ = 5.0

ANSWERED_HOTLINE_HUNG_UP = ["< INVITE", "> 180 INVITE", "> 200 INVITE", "< ACK", "< BYE", "> 200 BYE"]
CUSTOMER_HUNG_UP = ["< INVITE", "> 180 INVITE", "> 200 INVITE", "< ACK", "> BYE", "< 200 BYE"]


@dataclass
class CallbackEnv(rt.ServerEnv):
    phone: agents.AgentPhone
    customer: cb.CustomerPhone
    trunk_port: int


@pytest.fixture(scope="module")
def env(tmp_path_factory, hotline_bin, sipp_bin):
    need_sipp_pcaps()
    if not rtp.can_spoof():
        pytest.skip("SIPp's play_pcap_audio needs root or CAP_NET_RAW")
    workdir = tmp_path_factory.mktemp("callback")
    trunk_port = free_port()
    config = cb.callback_config(hotline_config(), workdir / "callback.yaml", trunk_port=trunk_port, queues=QUEUES,
                                rtp_ports=RTP_PORTS)
    server = new_server(workdir / "hotline", config=config, extra_args=["--rtp-ports", RTP_PORTS])
    server.start(max(ready_timeout(), READY_TIMEOUT))
    phone = agents.AgentPhone(user=AGENT, password=rt.PASSWORDS[AGENT], workdir=workdir / f"phone-{AGENT}",
                              server=server.address)
    customer = cb.CustomerPhone(number=ZHANG_WEI, port=trunk_port, workdir=workdir / "customer")
    try:
        phone.register(expires=900)
        yield CallbackEnv(server=server, workdir=workdir, config=config, api=rt.API.of(server), phone=phone,
                          customer=customer, trunk_port=trunk_port)
    finally:
        phone.stop()
        customer.stop()
        problem = shutdown_problem(server, "the callback server")
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def calls(env):
    """A test's SIPp runs: killed by PID afterwards, then every agent is logged out."""
    if not env.server.is_running():
        env.server.start(max(ready_timeout(), READY_TIMEOUT))
        env.phone.stop()
        env.phone.register(expires=900)
    problems = env.api.log_everyone_out()
    assert not problems, f"could not log the agents out before the test: {problems}"
    runs: list[sipp.SippRun] = []
    yield runs
    for run in runs:
        run.kill()
    env.phone.stop()
    env.customer.stop()
    env.api.log_everyone_out()


def _caller(label: str, line: str, keys: list[tuple[float, str]], wait_s: float) -> rt.RoutingCaller:
    return rt.RoutingCaller(label, line, ZHANG_WEI, ZHANG_WEI_SHOWN, keys, wait_s=wait_s)


def _ms(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else b - a


def _ack_at(caller: sipp.SippRun) -> float | None:
    """When the caller sent its ACK (epoch seconds): the start of its keyed stream."""
    acks = rt.find(caller, "sent", method="ACK")
    return acks[0].at if acks else None


def _hotline_hung_up(caller: sipp.SippRun) -> bool:
    return len(rt.find(caller, "received", method="BYE")) == 1 and not rt.find(caller, "sent", method="BYE")


def _assert_tone(wav: rtp.Wav, channel: int, start_s: float, end_s: float, hz: float, what: str) -> None:
    assert end_s - start_s >= 1.0, f"{what}: only {end_s - start_s:.2f} s of audio to look at"
    x = wav.channel(channel)[max(0, int(start_s * wav.rate)):max(0, int(end_s * wav.rate))]
    peak, purity = rt.dominant_hz(x, wav.rate)
    assert abs(peak - hz) <= TONE_TOLERANCE_HZ and purity >= 0.6, (
        f"{what}: channel {channel} from {start_s:.2f} to {end_s:.2f} s peaks at {peak:.1f} Hz "
        f"({purity:.0%} of its power within 25 Hz), want {hz:.0f} Hz")


def _assert_agent_invite(invite: sipmsg.SipMessage | None, interaction: str, queue: str, why: str) -> None:
    """The agent's phone rings first for a callback: From "Callback 回呼" with the number."""
    assert invite is not None, "agent 1001's phone got no INVITE for the callback\n" + why
    assert invite.get("X-Hotline-Callback") == ZHANG_WEI, invite.text()
    assert agents.interaction_id(invite) == interaction, invite.text()
    assert invite.get("X-Hotline-Queue") == queue, invite.text()
    assert agents.display_name(invite.get("from")) == "Callback 回呼", invite.get("from")
    assert sipmsg.uri_of(invite.get("from")) == f"sip:{ZHANG_WEI}@{DOMAIN}", invite.get("from")


def _assert_customer_invite(env: CallbackEnv, invite: sipmsg.SipMessage | None, interaction: str, why: str) -> None:
    """Hotline dials the customer through the trunk: their number at the trunk's address,
    from the trunk's caller id."""
    assert invite is not None, "the customer's phone (the trunk) got no INVITE\n" + why
    assert invite.request_uri == f"sip:{ZHANG_WEI}@{LOOPBACK}:{env.trunk_port}", invite.text()
    assert sipmsg.uri_of(invite.get("from")) == f"sip:{cb.TRUNK_CALLER_ID}@{DOMAIN}", invite.get("from")
    assert agents.interaction_id(invite) == interaction, invite.text()


# ---------------------------------------------------------------------------
# 1. The callback key, then the callback
# ---------------------------------------------------------------------------


def test_callback_key_keeps_the_place_and_calls_back(env, calls):
    db, api = env.database, env.api
    since, first = env.server.log_size(), rt.last_sequence(db, AGENT)
    phone = env.phone.start("answer", hangup_after_ms=0, global_timeout=120)
    customer = env.customer.answer(hangup_after_ms=CUSTOMER_TALK_MS)
    calls += [phone, customer]
    login = api.login(AGENT, ready=False)
    assert login.status == 200 and login.body["state"] == "not-ready", login

    caller = _caller("callback-key", TELECOM, TO_TELECOM + [(STAR_AT, "*")], wait_s=40.0).start(
        env.server, env.workdir / "callback-key")
    calls.append(caller)
    caller.wait(70)
    call_id = rt.sip_call_id(caller)
    waiting = rt.stored_call(db, call_id)
    offered_early = agents.received_invite(phone)
    available_at = time.time()
    made_available = api.set_state(AGENT, "available")
    agent_invite = agents.wait_for_invite(phone, timeout=10)
    customer_invite = cb.wait_invite(customer, timeout=15)
    on_call = api.wait_state(AGENT, "on-call", timeout=5)
    customer.wait(40)
    phone.wait(20)
    found = rt.wait_call(db, call_id, rt.ended, timeout=10)
    during_wrap_up = api.agent(AGENT)
    found = rt.wait_call(db, call_id, rt.wrapped_up, timeout=env.seconds("telecom", "wrap_up_seconds") + 8)
    log = env.server.log_since(since, limit=10_000_000)
    why = env.explain(str(made_available), stored=found, runs=[caller, phone, customer], since=since)

    # The caller pressed the key: Hotline said goodbye and hung up; the place was kept.
    caller.assert_all_successful(1)
    assert _hotline_hung_up(caller), "Hotline did not hang up on the caller after the callback key\n" + why
    hung_up = rt.find(caller, "received", method="BYE")[0].at - _ack_at(caller)
    assert STAR_AT + 2.0 < hung_up < STAR_AT + 20.0, f"Hotline hung up {hung_up:.1f} s after the ACK\n{why}"
    assert cb.log_lines(log, "caller will be called back, keeping their place", "queue=telecom"), why
    assert offered_early is None, "1001 was offered the call while not ready\n" + why
    assert waiting.record is not None and waiting.record["outcome"] is None, (
        "the record closed when the caller hung up for a callback\n" + why)

    # 1001 becomes available: their phone rings first, then the customer is dialled.
    record = found.record
    assert record is not None, why
    interaction = record["interaction_id"]
    # Routing offers the waiting callback at once: the reply already shows 1001 reserved.
    assert made_available.status == 200, why
    assert (made_available.body["state"], made_available.body.get("interaction")) == ("reserved", interaction), why
    _assert_agent_invite(agent_invite, interaction, "telecom", why)
    _assert_customer_invite(env, customer_invite, interaction, why)
    agent_answer = rt.find(phone, "sent", status=200, cseq_method="INVITE")
    assert agent_answer and rt.find(customer, "received", method="INVITE")[0].at >= agent_answer[0].at, (
        "the customer was dialled before the agent answered\n" + why)
    assert on_call.body.get("state") == "on-call" and on_call.body.get("interaction") == interaction, on_call
    customer.assert_all_successful(1)
    assert rt.flow(customer) == CUSTOMER_HUNG_UP, "\n" + why
    assert rt.flow(phone) == ANSWERED_HOTLINE_HUNG_UP, "the agent's leg did not end with Hotline's BYE\n" + why
    phone.assert_all_successful(1)

    # The record: a callback, ended by the customer, 1001's one answered segment.
    assert (record["outcome"], record["end_reason"], record["queue"]) == ("callback", "caller hung up", "telecom"), why
    assert (record["caller"], record["dialled"]) == (ZHANG_WEI, TELECOM), why
    assert [(s["agent_id"], s["queue"], s["result"]) for s in found.segments] == [(RECORDED_AGENT, "telecom", "answered")], why
    segment = found.segments[0]
    assert record["wait_ms"] == _ms(record["queued_at"], record["answered_at"]), why
    assert record["answered_at"] >= available_at * 1000 - 50, (
        f"answered at {record['answered_at']}, before 1001 became available at {available_at * 1000:.0f}\n{why}")
    assert record["wait_ms"] >= (available_at * 1000 - record["queued_at"]) - 50, why
    assert segment["answered_at"] == record["answered_at"] and segment["ended_at"] == record["ended_at"], why
    assert segment["talk_ms"] == _ms(segment["answered_at"], segment["ended_at"]), why
    assert during_wrap_up.body.get("state") == "wrap-up", during_wrap_up

    changes = rt.wait_changes(db, AGENT, first, 6, timeout=3)
    assert rt.transitions(changes) == [
        ("logged-out", "not-ready", "login"), ("not-ready", "available", None), ("available", "reserved", None),
        ("reserved", "on-call", None), ("on-call", "wrap-up", None), ("wrap-up", "available", None)], changes

    # The recordings. The line records stereo from the answer, so the caller's first leg
    # (the IVR, the hold, the callback key, the goodbye) is one recording that ends when
    # Hotline hangs up on them: their 400 Hz voice on the left throughout. The callback
    # (queue telecom records) is recorded from the customer's answer: the customer on the
    # left, the agent on the right, a second recording of the interaction. The record keeps
    # the first recording's path (CallRecordBuilder: the first path given stays); both are
    # in the interaction's recordings.
    line_path = Path(waiting.record["recording_path"] or "")
    on_disk = sorted(p.name for p in line_path.parent.glob(f"*{line_path.name.split('-', 1)[-1]}"))
    why = f"recordings on disk for this Call-ID: {on_disk}\n" + why
    assert [(r["path"], r["layout"], r["status"]) for r in found.recordings[:1]] == [
        (str(line_path), "stereo", "complete")], why
    line_wav = rtp.read_wav(line_path)
    first_leg_s = rt.find(caller, "received", method="BYE")[0].at - found.recordings[0]["started_at"] / 1000
    assert abs(line_wav.duration - first_leg_s) <= 1.0, (line_wav.duration, first_leg_s)
    _assert_tone(line_wav, 0, 0.5, line_wav.duration - 0.5, rt.CALLER_TONE_HZ, "the caller's first leg")
    assert len(found.recordings) == 2, "the callback's recording is not stored (no recordings row)\n" + why
    callback_rec = found.recordings[1]
    assert (callback_rec["layout"], callback_rec["status"]) == ("stereo", "complete"), why
    assert record["recording_path"] == str(line_path), why
    wav = rtp.read_wav(Path(callback_rec["path"]))
    assert (wav.channels, wav.rate) == (2, 8000), (wav.channels, wav.rate)
    assert abs(wav.duration * 1000 - segment["talk_ms"]) <= 300, (wav.duration, segment["talk_ms"])
    _assert_tone(wav, 0, 0.5, wav.duration - 0.5, cb.CUSTOMER_TONE_HZ, "the customer in the callback's recording")
    _assert_tone(wav, 1, 0.5, wav.duration - 0.5, agents.AUDIO_TONE_HZ, "agent 1001 in the callback's recording")


# ---------------------------------------------------------------------------
# 2. The customer does not answer the callback
# ---------------------------------------------------------------------------


def test_callback_not_answered_by_the_customer(env, calls):
    db, api = env.database, env.api
    since = env.server.log_size()
    phone = env.phone.start("answer", hangup_after_ms=0, global_timeout=120)
    customer = env.customer.busy()
    calls += [phone, customer]
    assert api.login(AGENT, ready=False).status == 200

    caller = _caller("callback-busy", TELECOM, TO_TELECOM + [(STAR_AT, "*")], wait_s=40.0).start(
        env.server, env.workdir / "callback-busy")
    calls.append(caller)
    caller.wait(70)
    call_id = rt.sip_call_id(caller)
    made_available = api.set_state(AGENT, "available")
    agent_invite = agents.wait_for_invite(phone, timeout=10)
    customer_invite = cb.wait_invite(customer, timeout=15)
    customer.wait(20)
    found = rt.wait_call(db, call_id, rt.ended, timeout=10)
    wrap_up = api.wait_state(AGENT, "wrap-up", timeout=5)
    phone.wait(15)
    why = env.explain(str(made_available), str(wrap_up), stored=found, runs=[caller, phone, customer], since=since)

    assert _hotline_hung_up(caller), why
    assert made_available.status == 200, why
    record = found.record
    assert record is not None, why
    interaction = record["interaction_id"]
    _assert_agent_invite(agent_invite, interaction, "telecom", why)
    _assert_customer_invite(env, customer_invite, interaction, why)
    assert rt.flow(customer) == ["< INVITE", "> 486 INVITE", "< ACK"], why
    assert record["outcome"] == "callback", why
    assert record["end_reason"] == "callback not answered (failed 486)", why
    assert [(s["agent_id"], s["queue"], s["result"]) for s in found.segments] == [(RECORDED_AGENT, "telecom", "answered")], why
    # 1001 answered (waiting on ringback): Hotline ends their leg and they wrap up.
    assert rt.flow(phone) == ANSWERED_HOTLINE_HUNG_UP, "the agent's leg did not end with Hotline's BYE\n" + why
    assert wrap_up.body.get("state") == "wrap-up" and wrap_up.body.get("interaction") == interaction, why


# ---------------------------------------------------------------------------
# 3. The maximum wait: a message
# ---------------------------------------------------------------------------


def test_maximum_wait_takes_a_voicemail(env, calls):
    db = env.database
    since = env.server.log_size()
    caller = _caller("max-wait-voicemail", SHOP, TO_ORDERS + [(HASH_AT, "#")], wait_s=40.0).start(
        env.server, env.workdir / "max-wait-voicemail")
    calls.append(caller)
    caller.wait(70)
    call_id = rt.sip_call_id(caller)
    found = rt.wait_call(db, call_id, rt.ended, timeout=10)
    why = env.explain(stored=found, runs=[caller], since=since)
    assert found.record is not None, why
    interaction = found.record["interaction_id"]
    left = cb.wait_voicemails(db, interaction, timeout=5)
    log = env.server.log_since(since, limit=10_000_000)
    why = env.explain(f"voicemails: {left}", stored=found, runs=[caller], since=since)

    caller.assert_all_successful(1)
    assert _hotline_hung_up(caller), "Hotline did not hang up after the message\n" + why
    record = found.record
    assert (record["outcome"], record["end_reason"], record["queue"]) == ("voicemail", "max wait", "orders"), why
    assert (record["caller"], record["dialled"]) == (ZHANG_WEI, SHOP), why
    assert found.segments == [] and record["answered_at"] is None, why
    # The caller left the queue when the maximum wait ran out (a timer: never early).
    assert MAX_WAIT_S * 1000 <= record["wait_ms"] <= MAX_WAIT_S * 1000 + 1500, why
    assert cb.log_lines(log, "caller reached the queue's maximum wait", "queue.offer=voicemail"), why

    # The message: from the beep (recording starts with it) to '#'.
    started = cb.log_lines(log, "message recording started")
    assert len(started) == 1, why
    assert [(v["from_address"], v["to_address"], v["heard"]) for v in left] == [(ZHANG_WEI, SHOP, 0)], why
    message = left[0]
    path = Path(message["path"])
    assert path.is_file(), why
    wav = rtp.read_wav(path)
    assert (wav.channels, wav.rate) == (1, 8000), (wav.channels, wav.rate)
    assert abs(wav.duration * 1000 - message["duration_ms"]) <= 40, (wav.duration, message)
    assert abs(wav.duration - 3.0) <= 1.5, f"the message is {wav.duration:.2f} s, want 3 ± 1.5 s\n{why}"
    _assert_tone(wav, 0, 0.5, wav.duration - 0.3, rt.CALLER_TONE_HZ, "the caller's message")


# ---------------------------------------------------------------------------
# 4. The maximum wait: voicemail or callback, the caller chooses 2
# ---------------------------------------------------------------------------


def test_maximum_wait_choice_of_a_callback(env, calls):
    db, api = env.database, env.api
    since = env.server.log_size()
    phone = env.phone.start("answer", hangup_after_ms=0, global_timeout=120)
    customer = env.customer.answer(hangup_after_ms=CUSTOMER_TALK_MS)
    calls += [phone, customer]
    assert api.login(AGENT, ready=False).status == 200

    caller = _caller("max-wait-callback", TELECOM, TO_BROADBAND + [(CHOICE_AT, "2")], wait_s=40.0).start(
        env.server, env.workdir / "max-wait-callback")
    calls.append(caller)
    caller.wait(70)
    call_id = rt.sip_call_id(caller)
    log = env.server.log_since(since, limit=10_000_000)
    made_available = api.set_state(AGENT, "available")
    agent_invite = agents.wait_for_invite(phone, timeout=10)
    customer_invite = cb.wait_invite(customer, timeout=15)
    customer.wait(40)
    phone.wait(20)
    found = rt.wait_call(db, call_id, rt.ended, timeout=10)
    why = env.explain(str(made_available), stored=found, runs=[caller, phone, customer], since=since)

    caller.assert_all_successful(1)
    assert _hotline_hung_up(caller), "Hotline did not hang up after the caller chose a callback\n" + why
    assert cb.log_lines(log, "caller reached the queue's maximum wait", "queue.offer=voicemail-or-callback",
                        "callback.possible=true"), why
    assert cb.log_lines(log, "caller will be called back, keeping their place", "queue=broadband"), why
    record = found.record
    assert record is not None, why
    interaction = record["interaction_id"]
    _assert_agent_invite(agent_invite, interaction, "broadband", why)
    _assert_customer_invite(env, customer_invite, interaction, why)
    assert rt.flow(customer) == CUSTOMER_HUNG_UP, why
    assert rt.flow(phone) == ANSWERED_HOTLINE_HUNG_UP, why
    assert (record["outcome"], record["end_reason"], record["queue"]) == ("callback", "caller hung up", "broadband"), why
    assert [(s["agent_id"], s["queue"], s["result"]) for s in found.segments] == [(RECORDED_AGENT, "broadband", "answered")], why
    assert cb.voicemails(db, interaction) == [], why
