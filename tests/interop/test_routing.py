"""Routing end to end: a SIPp caller dials the telecom line (10000), keys 1 (Chinese) and
0 (an agent), the flow transfers them to queue ``telecom``, and routing rings an agent's
SIPp phone registered with Hotline (harness/agents.py); agents log in, change state, wrap
up and transfer over the HTTP API (docs/api.md). The tests read back the call record with
its segments and transfers, the recording and the agents' state changes from the SQLite
database, and check the agents' state over the API.

One server for the module, started with config/demo.yaml made faster by
``harness.routing.routing_config`` (telecom: ring 4 s, wrap-up 3 s; cards: ring 4 s,
wrap-up until the agent ends it with a disposition; announcements every 5 s) and MD5-only
digest (SIPp). Agents 1001, 1002 and 2001 register their phones once; every test logs
everyone out before and after itself, and a server an earlier test crashed is started
again (the failing test says HOTLINE DIED). The transfer call is a module fixture: test 4
checks the transfer, test 5 the refusals the API gave during it (a queue that does not
exist, wrap-up without the disposition queue cards requires) besides its own.

The caller's voice is a 400 Hz tone and each agent phone streams its own tone (1001 and
2001: 700 Hz, 1002: 1000 Hz), so the stereo recording (caller left, Hotline or the agent
right) shows who was heard when.

Needs root or CAP_NET_RAW (SIPp's play_pcap_audio), like test_ivr.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import agents, rtp, sipmsg, sipp
from harness import routing as rt
from harness.dtmf_pcap import presses
from harness.ports import LOOPBACK
from harness.settings import shutdown_problem, hotline_config, new_server, ready_timeout
from test_media import need_sipp_pcaps

pytestmark = [pytest.mark.sipp]

# Below the kernel's ephemeral range; the session server has 20000-29999, test_ivr
# 30000-30999 and 32000-32499, test_media 31000-31999.
RTP_PORTS = "32500-32999"
# The demo server seeds ~500 scrypt PINs and renders every static prompt before it listens.
READY_TIMEOUT = 240.0

TELECOM = "10000"
OUTSIDE = "13900139000"                       # dialled through the trunk by a transfer to a number
ZHANG_WEI, ZHANG_WEI_SHOWN = "13800138000", "Zhang Wei"
TO_AN_AGENT = presses((1.0, "10"))            # 1: Chinese, 0: an agent (flows/demo/telecom.yaml)
IVR_PATH = ["lang", "main", "agent"]
AGENT_TONE_HZ = agents.AUDIO_TONE_HZ          # 700 Hz: agent_answer.xml's default audio
SECOND_AGENT_TONE_HZ = 1000.0                 # agent 1002 in the transfer test
TONE_TOLERANCE_HZ = 5.0

PHONES = ("1001", "1002", "2001")
# What an answering phone (agent_answer.xml, hangup_after_ms 0) sends and receives when
# Hotline ends its call: exact, and independent of the scenario's own header checks.
ANSWERED_HOTLINE_HUNG_UP = ["< INVITE", "> 180 INVITE", "> 200 INVITE", "< ACK", "< BYE", "> 200 BYE"]


# ---------------------------------------------------------------------------
# The server, the phones, clean-up
# ---------------------------------------------------------------------------


@dataclass
class RoutingEnv(rt.ServerEnv):
    phones: dict[str, agents.AgentPhone]
    # The outbound trunk's far end: a SIPp phone answering calls to outside numbers.
    outside: agents.AgentPhone

    def stored(self, username: str) -> str:
        """How agent state changes name an agent (their user id; call records use the extension)."""
        return rt.stored_agent_id(self.database, username)


@pytest.fixture(scope="module")
def env(tmp_path_factory, hotline_bin, sipp_bin):
    need_sipp_pcaps()
    if not rtp.can_spoof():
        pytest.skip("SIPp's play_pcap_audio needs root or CAP_NET_RAW")
    workdir = tmp_path_factory.mktemp("routing")
    outside = agents.AgentPhone(user=OUTSIDE, password="-", workdir=workdir / "outside", server=(LOOPBACK, 0))
    config = rt.routing_config(hotline_config(), workdir / "routing.yaml", rtp_ports=RTP_PORTS,
                               trunk=f"sip:{LOOPBACK}:{outside.port}")
    server = new_server(workdir / "hotline", config=config, extra_args=["--rtp-ports", RTP_PORTS])
    server.start(max(ready_timeout(), READY_TIMEOUT))
    outside.server = server.address
    phones = {user: agents.AgentPhone(user=user, password=rt.PASSWORDS[user], workdir=workdir / f"phone-{user}",
                                      server=server.address) for user in PHONES}
    try:
        for phone in phones.values():
            phone.register(expires=900)
        yield RoutingEnv(server=server, workdir=workdir, config=config, api=rt.API.of(server), phones=phones,
                         outside=outside)
    finally:
        for phone in [*phones.values(), outside]:
            phone.stop()
        problem = shutdown_problem(server, "the routing server")
    if problem:
        pytest.fail(problem, pytrace=False)


def _ensure_running(env: RoutingEnv) -> None:
    env.restart_if_stopped(env.phones.values(), max(ready_timeout(), READY_TIMEOUT))


def _clean_up(env: RoutingEnv, runs: list[sipp.SippRun]) -> list[str]:
    for run in runs:
        run.kill()
    for phone in env.phones.values():
        phone.stop()
    return env.api.log_everyone_out()


@pytest.fixture
def calls(env):
    """A test's SIPp runs: killed by PID afterwards, then every agent is logged out."""
    _ensure_running(env)
    problems = env.api.log_everyone_out()
    assert not problems, f"could not log the agents out before the test: {problems}"
    runs: list[sipp.SippRun] = []
    yield runs
    _clean_up(env, runs)


def _caller(label: str, wait_s: float) -> rt.RoutingCaller:
    return rt.RoutingCaller(label, TELECOM, ZHANG_WEI, ZHANG_WEI_SHOWN, TO_AN_AGENT, wait_s=wait_s)


def _ms(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else b - a


def _changes_why(env: RoutingEnv, changes: list[dict], since: int) -> str:
    refused = [line for line in env.server.log_since(since, limit=10_000_000).splitlines()
               if "appendAgentStateChanges" in line]
    return f"stored changes: {changes}\nstate changes the server failed to store ({len(refused)}):\n" + "\n".join(refused[:3])


def _tone_at(wav: rtp.Wav, channel: int, start_s: float, end_s: float) -> tuple[float, float]:
    x = wav.channel(channel)[max(0, int(start_s * wav.rate)):max(0, int(end_s * wav.rate))]
    return rt.dominant_hz(x, wav.rate)


def _assert_tone(wav: rtp.Wav, channel: int, start_s: float, end_s: float, hz: float, what: str) -> None:
    assert end_s - start_s >= 1.0, f"{what}: only {end_s - start_s:.2f} s of audio to look at"
    peak, purity = _tone_at(wav, channel, start_s, end_s)
    side = "left (caller)" if channel == 0 else "right (agent)"
    assert abs(peak - hz) <= TONE_TOLERANCE_HZ and purity >= 0.6, (
        f"{what}: the {side} channel from {start_s:.2f} to {end_s:.2f} s peaks at {peak:.1f} Hz "
        f"({purity:.0%} of its power within 25 Hz), want {hz:.0f} Hz")


# ---------------------------------------------------------------------------
# 1. An agent answers
# ---------------------------------------------------------------------------


def test_available_agent_answers_and_wraps_up(env, calls):
    db, api = env.database, env.api
    since, first = env.server.log_size(), rt.last_sequence(db, "1001")
    wrap_up_s = env.seconds("telecom", "wrap_up_seconds")
    phone_run = env.phones["1001"].start("answer", hangup_after_ms=0, global_timeout=90)
    calls.append(phone_run)

    login = api.login("1001", ready=True)
    assert login.status == 200, login
    assert (login.body["state"], login.body["phoneRegistered"]) == ("available", True), login
    assert "reason" not in login.body, login

    caller = _caller("answered", wait_s=10.0).start(env.server, env.workdir / "answered")
    calls.append(caller)
    invite = agents.wait_for_invite(phone_run, timeout=20)
    call_id = rt.wait_call_id(caller)
    on_call = api.wait_state("1001", "on-call", timeout=5)
    caller.wait(40)
    phone_run.wait(20)
    found = rt.wait_call(db, call_id, rt.ended, timeout=10)
    during_wrap_up = api.agent("1001")
    after = api.wait_state("1001", "available", timeout=wrap_up_s + 5)
    found = rt.wait_call(db, call_id, rt.wrapped_up, timeout=5)
    why = env.explain(stored=found, runs=[caller, phone_run], since=since)

    # The phone rang with the interaction and the caller as presented.
    assert invite is not None, "agent 1001's phone got no INVITE\n" + why
    assert found.record is not None, "no call record for the caller's Call-ID\n" + why
    interaction = found.record["interaction_id"]
    assert agents.interaction_id(invite) == interaction, invite.text()
    assert invite.get("X-Hotline-Queue") == "telecom", invite.text()
    assert sipmsg.uri_of(invite.get("from")).startswith(f"sip:{ZHANG_WEI}@"), invite.get("from")
    assert on_call.body.get("interaction") == interaction, on_call
    caller.assert_all_successful(1)
    assert rt.flow(phone_run) == ANSWERED_HOTLINE_HUNG_UP, "\n" + why
    assert len(rt.find(caller, "sent", method="BYE")) == 1, "the caller did not end the call\n" + why

    # The call record.
    record = found.record
    assert (record["outcome"], record["end_reason"], record["queue"]) == ("answered", "caller hung up", "telecom"), why
    assert found.queues == ["telecom"] and (record["caller"], record["dialled"]) == (ZHANG_WEI, TELECOM), why
    assert found.ivr_path == IVR_PATH and record["ivr_outcome"] == "transfer to telecom", why
    assert record["wait_ms"] == _ms(record["queued_at"], record["answered_at"]), why
    assert 0 <= record["wait_ms"] < 10_000, why
    assert [(s["agent_id"], s["queue"], s["result"]) for s in found.segments] == [
        ("1001", "telecom", "answered")], why
    segment = found.segments[0]
    assert segment["answered_at"] == record["answered_at"] and segment["ended_at"] == record["ended_at"], why
    assert segment["talk_ms"] == _ms(segment["answered_at"], segment["ended_at"]) and segment["talk_ms"] > 5000, why
    assert abs(segment["wrap_up_ms"] - wrap_up_s * 1000) <= 500, why
    assert found.transfers == [] and record["disposition"] is None, why

    # The agent's state over the API: wrap-up after the call, available wrap_up_seconds later.
    assert during_wrap_up.status == 200 and during_wrap_up.body["state"] == "wrap-up", during_wrap_up
    assert during_wrap_up.body.get("interaction") == interaction, during_wrap_up
    assert after.body["state"] == "available", after
    assert abs(after.body["since"] - during_wrap_up.body["since"] - wrap_up_s * 1000) <= 500, (during_wrap_up, after)

    # The recording: stereo, the caller on the left, the agent on the right once bridged.
    path = Path(record["recording_path"] or "")
    assert record["recording_path"] and path.is_file(), why
    assert [(r["path"], r["layout"], r["status"]) for r in found.recordings] == [(str(path), "stereo", "complete")], why
    wav = rtp.read_wav(path)
    assert (wav.channels, wav.rate) == (2, 8000), (wav.channels, wav.rate, wav.header_problems)
    start = found.recordings[0]["started_at"]
    bridged, hung_up = (segment["answered_at"] - start) / 1000, (segment["ended_at"] - start) / 1000
    assert wav.duration >= hung_up - 0.5, f"recording {wav.duration:.2f} s, the call ended at {hung_up:.2f} s"
    _assert_tone(wav, 1, bridged + 0.5, hung_up - 0.5, AGENT_TONE_HZ, "agent 1001 talking")
    _assert_tone(wav, 0, bridged + 0.5, hung_up - 0.5, rt.CALLER_TONE_HZ, "the caller while bridged")

    # The phone shows the caller's name as the caller presented it (agent_answer.xml
    # checks it too, and counts the call failed without it).
    assert agents.display_name(invite.get("from")) == ZHANG_WEI_SHOWN, (
        f"the agent's INVITE has From {invite.get('from')!r}; the caller sent "
        f"{rt.find(caller, 'sent', method='INVITE')[0].message.get('from')!r}")
    phone_run.assert_all_successful(1)

    # The agent's state history as stored.
    changes = rt.wait_changes(db, "1001", first, 5, timeout=3)
    assert rt.transitions(changes) == [
        ("logged-out", "available", None), ("available", "reserved", None), ("reserved", "on-call", None),
        ("on-call", "wrap-up", None), ("wrap-up", "available", None)], _changes_why(env, changes, since)
    assert [c["interaction_id"] for c in changes] == [None, interaction, interaction, interaction, None], changes
    assert abs(changes[4]["changed_at"] - changes[3]["changed_at"] - wrap_up_s * 1000) <= 500, changes


# ---------------------------------------------------------------------------
# 2. Ring, no answer (RONA), the next agent
# ---------------------------------------------------------------------------


def test_ring_no_answer_goes_to_the_next_agent(env, calls):
    db, api = env.database, env.api
    since, first = env.server.log_size(), rt.last_sequence(db, "1001")
    ring_s = env.seconds("telecom", "ring_seconds")
    silent = env.phones["1001"].start("no_answer", global_timeout=90)
    answering = env.phones["2001"].start("answer", hangup_after_ms=0, global_timeout=90)
    calls += [silent, answering]

    # Longest idle first: 1001 logs in (and so waits) longer than 2001.
    assert api.login("1001", ready=True).status == 200
    time.sleep(0.3)
    assert api.login("2001", ready=True).status == 200

    caller = _caller("rona", wait_s=ring_s + 10.0).start(env.server, env.workdir / "rona")
    calls.append(caller)
    first_invite = agents.wait_for_invite(silent, timeout=20)
    missed = api.wait_state("1001", "not-ready", timeout=ring_s + 5)
    second_invite = agents.wait_for_invite(answering, timeout=10)
    call_id = rt.wait_call_id(caller)
    caller.wait(60)
    silent.wait(10)
    answering.wait(20)
    found = rt.wait_call(db, call_id, rt.wrapped_up, timeout=env.seconds("telecom", "wrap_up_seconds") + 8)
    why = env.explain(stored=found, runs=[caller, silent, answering], since=since)

    assert first_invite is not None and second_invite is not None, "an agent's phone got no INVITE\n" + why
    assert found.record is not None, why
    interaction = found.record["interaction_id"]
    assert agents.interaction_id(first_invite) == agents.interaction_id(second_invite) == interaction, why

    # 1001 rang for ring_seconds, then Hotline cancelled; 1001 is not ready (missed call).
    silent.assert_all_successful(1)
    invited = rt.find(silent, "received", method="INVITE")
    cancelled = rt.find(silent, "received", method="CANCEL")
    assert len(invited) == 1 and len(cancelled) == 1, why
    rang = cancelled[0].at - invited[0].at
    assert abs(rang - ring_s) <= 0.75, f"1001's phone rang {rang:.2f} s before the CANCEL, want {ring_s} s\n{why}"
    assert [(r.message.status, r.message.cseq[1]) for r in rt.find(silent, "sent")] == [
        (180, "INVITE"), (200, "CANCEL"), (487, "INVITE")], why
    assert (missed.body["state"], missed.body.get("reason")) == ("not-ready", "missed-call"), missed

    # 2001 answered; the record has both offers.
    assert rt.flow(answering) == ANSWERED_HOTLINE_HUNG_UP, "\n" + why
    caller.assert_all_successful(1)
    record = found.record
    assert (record["outcome"], record["queue"], record["end_reason"]) == ("answered", "telecom", "caller hung up"), why
    assert [(s["agent_id"], s["queue"], s["result"]) for s in found.segments] == [
        ("1001", "telecom", "no-answer"), ("2001", "telecom", "answered")], why
    no_answer, answered = found.segments
    assert no_answer["answered_at"] is None and abs(_ms(no_answer["offered_at"], no_answer["ended_at"]) - ring_s * 1000) <= 500, why
    assert answered["offered_at"] >= no_answer["ended_at"] and answered["answered_at"] == record["answered_at"], why
    assert record["first_offered_at"] == no_answer["offered_at"], why
    assert record["wait_ms"] == _ms(record["queued_at"], record["answered_at"]) and record["wait_ms"] >= ring_s * 1000, why

    changes = rt.state_changes(db, "1001", first)
    assert rt.transitions(changes) == [
        ("logged-out", "available", None), ("available", "reserved", None),
        ("reserved", "not-ready", "missed-call")], _changes_why(env, changes, since)


# ---------------------------------------------------------------------------
# 3. Nobody ready: the caller gives up in the queue
# ---------------------------------------------------------------------------


def test_caller_abandons_in_queue_when_no_agent_is_ready(env, calls):
    db, api = env.database, env.api
    since = env.server.log_size()
    phone_run = env.phones["1001"].start("answer", hangup_after_ms=0, global_timeout=60)
    calls.append(phone_run)
    assert api.login("1001", ready=True).status == 200
    on_break = api.set_state("1001", "not-ready", "break")
    assert on_break.status == 200 and (on_break.body["state"], on_break.body.get("reason")) == ("not-ready", "break"), on_break
    before = {q["id"]: q for q in api.request("GET", "/queues").body}["telecom"]

    # Queued about 1.4 s after the ACK (the 0 ends then); hangs up about 4 s later.
    caller = _caller("abandon", wait_s=5.5).start(env.server, env.workdir / "abandon")
    calls.append(caller)
    caller.wait(40)
    found = rt.wait_call(db, rt.sip_call_id(caller), rt.ended, timeout=10)
    after = {q["id"]: q for q in api.request("GET", "/queues").body}["telecom"]
    why = env.explain(stored=found, runs=[caller], since=since)

    caller.assert_all_successful(1)
    assert agents.received_invite(phone_run) is None, "agent 1001 (not ready) was offered the call\n" + why
    record = found.record
    assert record is not None, why
    assert (record["outcome"], record["end_reason"], record["queue"]) == ("abandoned-in-queue", "caller hung up", "telecom"), why
    assert found.segments == [] and record["first_offered_at"] is None and record["answered_at"] is None, why
    assert found.ivr_path == IVR_PATH, why
    assert record["wait_ms"] == _ms(record["queued_at"], record["ended_at"]), why
    assert 2000 <= record["wait_ms"] <= 6000, why
    assert (after["entered"] - before["entered"], after["abandoned"] - before["abandoned"],
            after["answered"] - before["answered"]) == (1, 1, 0), (before, after)
    assert api.agent("1001").body.get("reason") == "break"


# ---------------------------------------------------------------------------
# 4 and 5. Blind transfer over the API, and the API's refusals during that call
# ---------------------------------------------------------------------------


@dataclass
class TransferCall:
    """One call: 1001 answers, transfers it to queue cards over the API, 1002 answers;
    the caller hangs up and 1002 ends the wrap-up with a disposition. The API replies
    along the way are kept for test 5; the stored call is read when the call has ended
    (``ended``) and once the wrap-ups are over (``final``)."""
    caller: sipp.SippRun
    first: sipp.SippRun
    second: sipp.SippRun
    ended: rt.StoredCall
    final: rt.StoredCall
    since: int
    sequences: dict[str, int]
    invites: dict[str, sipmsg.SipMessage | None] = field(default_factory=dict)
    replies: dict[str, rt.Reply] = field(default_factory=dict)


@pytest.fixture(scope="module")
def transferred(env, tmp_path_factory):
    db, api = env.database, env.api
    _ensure_running(env)
    assert not api.log_everyone_out()
    since = env.server.log_size()
    sequences = {agent: rt.last_sequence(db, agent) for agent in ("1001", "1002")}
    tone = agents.write_audio(tmp_path_factory.mktemp("tones") / "agent_1000hz.wav", hz=SECOND_AGENT_TONE_HZ)
    first = env.phones["1001"].start("answer", hangup_after_ms=0, global_timeout=90)
    second = env.phones["1002"].start("answer", hangup_after_ms=0, audio=tone, global_timeout=90)
    runs = [first, second]
    try:
        replies = {"login-1001": api.login("1001", ready=True), "login-1002": api.login("1002", ready=True)}
        caller = _caller("transfer", wait_s=16.0).start(env.server, env.workdir / "transfer")
        runs.append(caller)
        invites = {"1001": agents.wait_for_invite(first, timeout=20)}
        replies["on-call-1001"] = api.wait_state("1001", "on-call", timeout=5)
        time.sleep(2.0)   # talk: 1001's tone in the recording
        replies["transfer-unknown-queue"] = api.transfer("1001", queue="no-such-queue")
        replies["transfer"] = api.transfer("1001", queue="cards")
        invites["1002"] = agents.wait_for_invite(second, timeout=env.seconds("cards", "ring_seconds") + 6)
        replies["after-transfer-1001"] = api.wait_state("1001", "wrap-up", timeout=5)
        replies["on-call-1002"] = api.wait_state("1002", "on-call", timeout=5)
        first.wait(15)
        caller.wait(40)
        second.wait(15)
        call_id = rt.sip_call_id(caller)
        ended = rt.wait_call(db, call_id, rt.ended, timeout=10)
        replies["wrap-up-1002"] = api.wait_state("1002", "wrap-up", timeout=5)
        replies["end-wrap-up-without-disposition"] = api.wrap_up("1002")
        replies["end-wrap-up"] = api.wrap_up("1002", disposition="resolved", notes="Card unblocked / 已解锁")
        replies["available-1001"] = api.wait_state("1001", "available", timeout=env.seconds("telecom", "wrap_up_seconds") + 5)
        final = rt.wait_call(db, call_id, rt.wrapped_up, timeout=5)
        yield TransferCall(caller=caller, first=first, second=second, ended=ended, final=final, since=since,
                           sequences=sequences, invites=invites, replies=replies)
    finally:
        _clean_up(env, runs)


def test_blind_transfer_to_a_queue_over_the_api(env, transferred):
    t, db = transferred, env.database
    replies = t.replies
    why = env.explain(*(str(r) for r in replies.values()), stored=t.ended, runs=[t.caller, t.first, t.second],
                      since=t.since)
    assert t.ended.record is not None, why
    interaction = t.ended.record["interaction_id"]

    assert (replies["transfer"].status, replies["transfer"].body) == (202, {"status": "transferring"}), why
    # 1002's phone rang with the same interaction, from queue cards; Hotline hung up 1001's leg.
    assert t.invites["1001"] is not None and t.invites["1002"] is not None, why
    assert agents.interaction_id(t.invites["1001"]) == agents.interaction_id(t.invites["1002"]) == interaction, why
    assert (t.invites["1001"].get("X-Hotline-Queue"), t.invites["1002"].get("X-Hotline-Queue")) == ("telecom", "cards"), why
    assert sipmsg.uri_of(t.invites["1002"].get("from")).startswith(f"sip:{ZHANG_WEI}@"), t.invites["1002"].get("from")
    assert rt.flow(t.first) == ANSWERED_HOTLINE_HUNG_UP, "1001's leg\n" + why
    assert rt.flow(t.second) == ANSWERED_HOTLINE_HUNG_UP, "1002's leg\n" + why
    t.caller.assert_all_successful(1)
    assert len(rt.find(t.caller, "sent", method="BYE")) == 1, "the caller's call did not last to its own BYE\n" + why
    assert replies["after-transfer-1001"].body["state"] == "wrap-up", why
    assert replies["on-call-1002"].body["state"] == "on-call", why
    assert replies["wrap-up-1002"].body["state"] == "wrap-up", why

    # The record once the call has ended.
    record = t.ended.record
    assert (record["outcome"], record["queue"], record["end_reason"]) == ("answered", "cards", "caller hung up"), why
    assert t.ended.queues == ["telecom", "cards"], why
    assert [(x["kind"], x["by_agent"], x["target_kind"], x["target"], x["completed"]) for x in t.ended.transfers] == [
        ("blind", "1001", "queue", "cards", 1)], why
    assert [(s["agent_id"], s["queue"], s["result"], s["answered_at"] is not None) for s in t.ended.segments] == [
        ("1001", "telecom", "transferred", True), ("1002", "cards", "answered", True)], why
    first_part, second_part = t.ended.segments
    assert first_part["ended_at"] == t.ended.transfers[0]["transferred_at"] <= second_part["offered_at"], why
    assert second_part["ended_at"] == record["ended_at"], why

    # The recording follows the caller: 1001's tone, then (after the transfer) 1002's.
    assert len(t.ended.recordings) == 1, why
    wav = rtp.read_wav(Path(record["recording_path"]))
    start = t.ended.recordings[0]["started_at"]
    rel = lambda ms: (ms - start) / 1000  # noqa: E731
    _assert_tone(wav, 1, rel(first_part["answered_at"]) + 0.5, rel(first_part["ended_at"]) - 0.3, AGENT_TONE_HZ,
                 "agent 1001 before the transfer")
    _assert_tone(wav, 1, rel(second_part["answered_at"]) + 0.5, rel(second_part["ended_at"]) - 0.5,
                 SECOND_AGENT_TONE_HZ, "agent 1002 after the transfer")
    _assert_tone(wav, 0, rel(second_part["answered_at"]) + 0.5, rel(second_part["ended_at"]) - 0.5,
                 rt.CALLER_TONE_HZ, "the caller with 1002")

    # 1002 ends the wrap-up with a disposition (cards requires one): it is in the record.
    why = env.explain(*(str(r) for r in replies.values()), stored=t.final, since=t.since)
    assert replies["end-wrap-up"].status == 200 and replies["end-wrap-up"].body["state"] == "available", why
    assert replies["available-1001"].body["state"] == "available", why
    assert t.final.record["disposition"] == "resolved", why
    assert [(s["disposition"], s["notes"]) for s in t.final.segments] == [
        (None, None), ("resolved", "Card unblocked / 已解锁")], why

    changes = {agent: rt.state_changes(db, agent, t.sequences[agent]) for agent in ("1001", "1002")}
    for agent in ("1001", "1002"):
        assert rt.transitions(changes[agent]) == [
            ("logged-out", "available", None), ("available", "reserved", None), ("reserved", "on-call", None),
            ("on-call", "wrap-up", None), ("wrap-up", "available", None)], _changes_why(env, changes[agent], t.since)


def _assert_error(reply: rt.Reply, status: int, code: str, field_name: str | None = "unset") -> None:
    assert reply.status == status and reply.error_code == code, f"want {status} {code}: {reply}"
    assert reply.headers.get("Content-Type", "").startswith("application/json"), reply.headers
    assert isinstance(reply.body["error"].get("message"), str) and reply.body["error"]["message"], reply
    if field_name != "unset":
        assert reply.body["error"].get("field") == field_name, reply


def test_api_refuses_bad_requests(env, transferred, calls):
    api = env.api
    # An agent nobody configured (asked by a supervisor, who may act on anyone).
    _assert_error(api.login("9999", ready=True, user=rt.SUPERVISOR), 404, "unknown-agent", "agent")
    # Available without a registered phone (1003 has none), at login and later.
    _assert_error(api.login("1003", ready=True), 409, "phone-not-registered", "agent")
    not_ready = api.login("1003", ready=False)
    assert not_ready.status == 200 and (not_ready.body["state"], not_ready.body.get("reason")) == ("not-ready", "login"), not_ready
    assert not_ready.body["phoneRegistered"] is False, not_ready
    _assert_error(api.set_state("1003", "available"), 409, "phone-not-registered", "agent")
    assert api.agent("1003").body["state"] == "not-ready"
    # A transfer with no call.
    assert api.login("1001", ready=True).status == 200
    _assert_error(api.transfer("1001", queue="cards"), 409, "not-on-a-call", "agent")
    assert api.agent("1001").body["state"] == "available"
    # During the call of the transfer test: a queue that does not exist, and ending
    # wrap-up in cards (wrap_up_requires_disposition) without a disposition.
    _assert_error(transferred.replies["transfer-unknown-queue"], 404, "invalid-target", "queue")
    _assert_error(transferred.replies["end-wrap-up-without-disposition"], 422, "disposition-required", "disposition")
    assert transferred.replies["wrap-up-1002"].body["state"] == "wrap-up", transferred.replies["wrap-up-1002"]


# ---------------------------------------------------------------------------
# 6. Blind transfer by the phone (REFER)
# ---------------------------------------------------------------------------


def test_blind_transfer_by_refer_from_the_phone(env, calls):
    db, api = env.database, env.api
    since = env.server.log_size()
    host, port = env.server.address
    transferor = env.phones["1001"].start("refer", refer_target="cards", refer_after_ms=2000, hotline=(host, port),
                                          global_timeout=90)
    target = env.phones["1002"].start("answer", hangup_after_ms=0, global_timeout=90)
    calls += [transferor, target]
    assert api.login("1001", ready=True).status == 200
    assert api.login("1002", ready=True).status == 200

    caller = _caller("refer", wait_s=14.0).start(env.server, env.workdir / "refer")
    calls.append(caller)
    transferor.wait(40)
    invite = agents.wait_for_invite(target, timeout=10)
    caller.wait(40)
    if invite is not None:
        target.wait(15)
    found = rt.wait_call(db, rt.sip_call_id(caller), rt.ended, timeout=10)
    why = env.explain(stored=found, runs=[caller, transferor, target], since=since)

    refer_answers = [r.message.status for r in rt.find(transferor, "received", cseq_method="REFER")
                     if r.message.status >= 200]
    assert refer_answers == [202], f"Hotline answered the REFER with {refer_answers}, want [202]\n{why}"
    frags = [n.message.body.decode(errors="replace").strip() for n in rt.find(transferor, "received", method="NOTIFY")]
    assert frags and frags[-1] == "SIP/2.0 200 OK", f"NOTIFY sipfrags {frags}\n{why}"
    ended = rt.flow(transferor)[-2:]
    assert ended in (["< BYE", "> 200 BYE"], ["> BYE", "< 200 BYE"]), f"1001's dialog did not end with a BYE: {ended}\n{why}"
    assert invite is not None, "1002's phone got no INVITE after the REFER\n" + why
    assert found.record is not None, why
    assert agents.interaction_id(invite) == found.record["interaction_id"], why
    assert rt.flow(target) == ANSWERED_HOTLINE_HUNG_UP, "1002's leg\n" + why
    assert [(x["kind"], x["by_agent"], x["target_kind"], x["target"]) for x in found.transfers] == [
        ("blind", "1001", "queue", "cards")], why
    assert [(s["agent_id"], s["result"]) for s in found.segments] == [
        ("1001", "transferred"), ("1002", "answered")], why


# ---------------------------------------------------------------------------
# 7. The records leave as CSV and as an Asterisk queue_log
# ---------------------------------------------------------------------------


def test_export_writes_csv_and_queue_log(env):
    """`hotline export calls` on the module's data (the calls of the tests above): the
    answered call of test 1 is a CSV row (outcome answered, queue telecom, agent 1001) and
    queue_log lines ENTERQUEUE, CONNECT by Agent/1001 and a COMPLETE* event, in time order."""
    import csv
    import io
    import subprocess

    def export(*args: str) -> str:
        done = subprocess.run([str(env.server.binary), "export", "calls", "--data-dir", str(env.server.data_dir), *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    rows = list(csv.DictReader(io.StringIO(export(), newline="")))
    answered = [r for r in rows if r["outcome"] == "answered" and r["queues"] == "telecom" and r["agents"] == "1001"]
    assert answered, "no answered telecom call by 1001 in the export:\n" + "\n".join(map(str, rows))
    row = answered[0]
    assert row["caller"] == ZHANG_WEI and row["dialled"] == TELECOM, row
    assert row["ivr_path"] == " > ".join(IVR_PATH), row
    assert row["end_reason"] == "caller hung up", row
    assert row["recording"].endswith(".wav"), row
    # Only the telecom queue's calls, and a day with no calls gives the header alone.
    only = list(csv.DictReader(io.StringIO(export("--queue", "cards"), newline="")))
    assert only and all(r["queue"] == "cards" for r in only), only
    assert export("--from", "2000-01-01", "--to", "2000-01-02").count("\n") == 1

    lines = export("--format", "queue-log").splitlines()
    fields = [line.split("|") for line in lines]
    times = [int(f[0]) for f in fields]
    assert times == sorted(times), lines
    call = answered[0]["interaction_id"]
    events = [(f[3], f[4]) for f in fields if f[1] == call]
    assert events[0] == ("NONE", "ENTERQUEUE"), events
    assert ("Agent/1001", "CONNECT") in events, events
    assert events[-1][0] == "Agent/1001" and events[-1][1] in ("COMPLETECALLER", "COMPLETEAGENT"), events


# ---------------------------------------------------------------------------
# 8. Blind transfer to an outside number, through the trunk
# ---------------------------------------------------------------------------


def test_blind_transfer_to_an_outside_number(env, calls, tmp_path):
    """1001 transfers the caller to 13900139000: Hotline dials it through the trunk (the
    caller's number shown), 1001 goes to wrap-up, the caller talks to the outside phone
    until they hang up; the record ends transferred-out with the transfer to the number."""
    db, api = env.database, env.api
    since = env.server.log_size()
    tone = agents.write_audio(tmp_path / "outside_1000hz.wav", hz=SECOND_AGENT_TONE_HZ)
    phone = env.phones["1001"].start("answer", hangup_after_ms=0, global_timeout=60)
    outside = env.outside.start("answer", hangup_after_ms=0, audio=tone, global_timeout=60)
    calls += [phone, outside]
    replies = {"login": api.login("1001", ready=True)}
    caller = _caller("to-number", wait_s=12.0).start(env.server, env.workdir / "to-number")
    calls.append(caller)
    invite = agents.wait_for_invite(phone, timeout=20)
    replies["on-call"] = api.wait_state("1001", "on-call", timeout=5)
    time.sleep(1.0)
    replies["not-a-number"] = api.transfer("1001", number="12ab")
    replies["transfer"] = api.transfer("1001", number=OUTSIDE)
    outside_invite = agents.wait_for_invite(outside, timeout=10)
    replies["wrap-up"] = api.wait_state("1001", "wrap-up", timeout=5)
    caller.wait(40)
    call_id = rt.sip_call_id(caller)
    found = rt.wait_call(db, call_id, rt.ended, timeout=10)
    why = env.explain(*(str(r) for r in replies.values()), stored=found, runs=[caller, phone, outside], since=since)

    assert invite is not None and outside_invite is not None, why
    assert (replies["not-a-number"].status, replies["not-a-number"].body["error"]["code"],
            replies["not-a-number"].body["error"]["field"]) == (422, "invalid-target", "number"), why
    assert (replies["transfer"].status, replies["transfer"].body) == (202, {"status": "transferring"}), why
    assert sipmsg.uri_of(outside_invite.get("from")).startswith(f"sip:{ZHANG_WEI}@"), outside_invite.get("from")
    assert agents.interaction_id(outside_invite) == found.record["interaction_id"], why
    assert replies["wrap-up"].body["state"] == "wrap-up", why
    assert len(rt.find(caller, "sent", method="BYE")) == 1, "the caller's call did not last to its own BYE\n" + why
    record = found.record
    assert (record["outcome"], record["end_reason"]) == ("transferred-out", "caller hung up"), why
    assert [(x["kind"], x["by_agent"], x["target_kind"], x["target"], x["completed"]) for x in found.transfers] == [
        ("blind", "1001", "number", OUTSIDE, 1)], why
    assert [(s["agent_id"], s["result"]) for s in found.segments] == [("1001", "transferred")], why



# ---------------------------------------------------------------------------
# 9. Ways out: the phone unregisters; Hotline crashes mid-call and restarts
# ---------------------------------------------------------------------------


def test_an_unregistered_phone_makes_its_agent_not_ready(env, calls):
    """1001 is available; their phone unregisters (Expires: 0): routing stops offering to
    them at once (not-ready phone-unavailable), and available is refused until it is back."""
    db, api = env.database, env.api
    before = rt.last_sequence(db, "1001")
    replies = {"login": api.login("1001", ready=True)}
    try:
        env.phones["1001"].unregister()
        replies["after"] = api.wait_state("1001", "not-ready", timeout=5)
        replies["available"] = api.set_state("1001", "available")
    finally:
        env.phones["1001"].register(expires=900)
    replies["again"] = api.set_state("1001", "available")
    why = "\n".join(str(r) for r in replies.values())
    assert replies["login"].body["state"] == "available", why
    assert (replies["after"].body["state"], replies["after"].body["reason"], replies["after"].body["phoneRegistered"]) == (
        "not-ready", "phone-unavailable", False), why
    assert (replies["available"].status, replies["available"].body["error"]["code"]) == (409, "phone-not-registered"), why
    assert replies["again"].body["state"] == "available", why
    # The journal stores in batches: wait for the three changes rather than read at once.
    changes = rt.wait_changes(db, "1001", before, count=3, timeout=5)
    assert [(c["from_state"], c["to_state"], c["reason"], c["cause"]) for c in changes] == [
        ("logged-out", "available", None, "login"),
        ("available", "not-ready", "phone-unavailable", "phone unregistered"),
        ("not-ready", "available", None, "agent")], changes


def test_a_crash_mid_call_logs_agents_out_and_marks_the_call_interrupted(env, calls):
    """SIGKILL while 1001 talks to a caller: after the restart 1001 is logged out (stored
    with cause restart), and the call's record is closed as interrupted."""
    db, api = env.database, env.api
    phone = env.phones["1001"].start("answer", hangup_after_ms=0, global_timeout=60)
    calls.append(phone)
    assert api.login("1001", ready=True).status == 200
    caller = _caller("crash", wait_s=30.0).start(env.server, env.workdir / "crash")
    calls.append(caller)
    assert agents.wait_for_invite(phone, timeout=20) is not None
    on_call = api.wait_state("1001", "on-call", timeout=5)
    call_id = rt.wait_call_id(caller)
    up = rt.wait_call(db, call_id, lambda f: f.record is not None and f.record["answered_at"] is not None, timeout=5)
    before = rt.last_sequence(db, "1001")
    # The journal writes in batches: wait until on-call is stored, so the restart has it to close.
    deadline = time.monotonic() + 5
    while rt.state_changes(db, "1001", after=before - 1)[-1]["to_state"] != "on-call" and time.monotonic() < deadline:
        time.sleep(0.1)
        before = rt.last_sequence(db, "1001")
    env.server.kill()
    _ensure_running(env)
    after = api.agent("1001")
    found = rt.wait_call(db, call_id, rt.ended, timeout=5)
    why = f"{on_call}\n{after}\n{found.record}"
    assert on_call.body["state"] == "on-call", why
    assert up.record["outcome"] is None, why
    assert (after.body["state"], after.body.get("interaction")) == ("logged-out", None), why
    changes = rt.state_changes(db, "1001", after=before - 1)
    assert [(c["from_state"], c["to_state"], c["cause"]) for c in changes][-1] == ("on-call", "logged-out", "restart"), changes
    assert (found.record["outcome"], found.record["end_reason"]) == ("interrupted", "interrupted"), why
    assert [(s["agent_id"], s["answered_at"] is not None) for s in found.segments] == [("1001", True)], why
