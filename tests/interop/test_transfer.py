"""Attended transfer, hold, and phones that vanish, end to end.

A SIPp caller reaches agent 1001 through the telecom IVR (as in test_routing.py). Over the
HTTP API 1001 then puts the caller on hold, consults agent 1002 (whose SIPp phone rings
with the caller's interaction id), and completes or cancels the transfer. The tests read
the call record (segments, transfers with their note, hold time), the stereo recording
(caller left, whoever the caller hears right: 1001 streams 700 Hz, 1002 1000 Hz) and the
agents' states.

The server runs with ``media.rtp_timeout_seconds: 5``: every phone here streams audio for
the whole call, so only a phone that is really gone (its SIPp killed) goes silent. An
agent phone killed mid-call is dropped and its caller re-queued to the next agent; a
caller killed in the queue is hung up, and the record says so.

Needs root or CAP_NET_RAW (SIPp's play_pcap_audio), like test_routing.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import agents, rtp, sipp
from harness import routing as rt
from harness.settings import shutdown_problem, hotline_config, new_server, ready_timeout
from test_media import need_sipp_pcaps
from test_routing import AGENT_TONE_HZ, SECOND_AGENT_TONE_HZ, _assert_tone, _caller

pytestmark = [pytest.mark.sipp]

# Below the kernel's ephemeral range; test_routing has 32500-32999.
RTP_PORTS = "33000-33499"
READY_TIMEOUT = 240.0
RTP_TIMEOUT_S = 5
PHONES = ("1001", "1002", "2001")   # 1001 and 2001 take telecom calls; 1002 (cards) is consulted


@dataclass
class TransferEnv(rt.ServerEnv):
    phones: dict[str, agents.AgentPhone]
    second_tone: Path

    def ensure_running(self) -> None:
        self.restart_if_stopped(self.phones.values(), max(ready_timeout(), READY_TIMEOUT))


@pytest.fixture(scope="module")
def env(tmp_path_factory, hotline_bin, sipp_bin):
    need_sipp_pcaps()
    if not rtp.can_spoof():
        pytest.skip("SIPp's play_pcap_audio needs root or CAP_NET_RAW")
    workdir = tmp_path_factory.mktemp("transfer")
    config = rt.routing_config(hotline_config(), workdir / "transfer.yaml", rtp_ports=RTP_PORTS,
                               media={"rtp_timeout_seconds": RTP_TIMEOUT_S})
    server = new_server(workdir / "hotline", config=config, extra_args=["--rtp-ports", RTP_PORTS])
    server.start(max(ready_timeout(), READY_TIMEOUT))
    phones = {user: agents.AgentPhone(user=user, password=rt.PASSWORDS[user], workdir=workdir / f"phone-{user}",
                                      server=server.address) for user in PHONES}
    second_tone = agents.write_audio(workdir / "agent_1000hz.wav", hz=SECOND_AGENT_TONE_HZ)
    try:
        for phone in phones.values():
            phone.register(expires=900)
        yield TransferEnv(server=server, workdir=workdir, config=config, api=rt.API.of(server), phones=phones,
                          second_tone=second_tone)
    finally:
        for phone in phones.values():
            phone.stop()
        problem = shutdown_problem(server, "the transfer server")
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def calls(env):
    """A test's SIPp runs: killed by PID afterwards, then every agent is logged out."""
    env.ensure_running()
    problems = env.api.log_everyone_out()
    assert not problems, f"could not log the agents out before the test: {problems}"
    runs: list[sipp.SippRun] = []
    yield runs
    for run in runs:
        run.kill()
    for phone in env.phones.values():
        phone.stop()
    env.api.log_everyone_out()


def _answered_by_1001(env: TransferEnv, calls: list, label: str, wait_s: float, second: str = "answer",
                      other_agent: str = "1002"):
    """1001 answers a caller; ``other_agent``'s phone waits with ``second`` (logged in,
    available, after 1001 took the call) streaming 1000 Hz. Returns (caller, 1001's run,
    the other phone's run)."""
    api = env.api
    first = env.phones["1001"].start("answer", hangup_after_ms=0, global_timeout=90)
    kwargs = {"audio": env.second_tone} if second == "answer" else {}
    other = env.phones[other_agent].start(second, hangup_after_ms=0, global_timeout=90, **kwargs)
    calls += [first, other]
    assert api.login("1001", ready=True).status == 200
    caller = _caller(label, wait_s=wait_s).start(env.server, env.workdir / label)
    calls.append(caller)
    assert agents.wait_for_invite(first, timeout=20) is not None, env.explain(runs=[caller, first])
    assert api.wait_state("1001", "on-call", timeout=5).body["state"] == "on-call"
    assert api.login(other_agent, ready=True).status == 200
    return caller, first, other


def _wav_clock(found: rt.StoredCall):
    wav = rtp.read_wav(Path(found.record["recording_path"]))
    start = found.recordings[0]["started_at"]
    return wav, (lambda ms: (ms - start) / 1000)


# ---------------------------------------------------------------------------
# Attended transfer
# ---------------------------------------------------------------------------


def test_attended_transfer_to_an_agent(env, calls):
    """1001 consults 1002 (with a note) while the caller holds, then completes: the caller
    talks to 1002, 1001 goes to wrap-up; the record has the attended transfer with its
    note, 1001's part transferred with the consultation as hold time, 1002's part answered."""
    api = env.api
    since = env.server.log_size()
    caller, first, second = _answered_by_1001(env, calls, "attended", wait_s=22.0)
    time.sleep(2.0)                                   # 1001 and the caller talk
    replies = {"consult": api.request("POST", "/agents/1001/consult", {"agent": "1002", "note": "VIP 客户, card lost"})}
    invite = agents.wait_for_invite(second, timeout=10)
    replies["consulting-1002"] = api.wait_state("1002", "on-call", timeout=5)
    replies["consulting-1001"] = api.agent("1001")
    replies["blind-while-consulting"] = api.transfer("1001", queue="cards")
    time.sleep(2.5)                                   # 1001 and 1002 talk; the caller hears music
    replies["complete"] = api.request("POST", "/agents/1001/consult/complete")
    replies["after-1001"] = api.wait_state("1001", "wrap-up", timeout=5)
    replies["after-1002"] = api.agent("1002")
    found, why = env.call_ended(caller, replies, [caller, first, second], since)

    assert (replies["consult"].status, replies["consult"].body) == (202, {"status": "consulting"}), why
    assert invite is not None, "1002's phone did not ring for the consultation\n" + why
    assert invite.get("X-Hotline-Consultation") == "1001", why
    assert found.record is not None, why
    assert agents.interaction_id(invite) == found.record["interaction_id"], why
    assert replies["consulting-1002"].body["state"] == "on-call", why
    assert replies["consulting-1001"].body["state"] == "on-call", why
    assert replies["blind-while-consulting"].error_code == "not-on-a-call" or \
        replies["blind-while-consulting"].error_code == "already-consulting", why
    assert (replies["complete"].status, replies["complete"].body) == (202, {"status": "transferred"}), why
    assert replies["after-1001"].body["state"] == "wrap-up", why
    assert replies["after-1002"].body["state"] == "on-call", why
    assert replies["after-1002"].body["interaction"] == found.record["interaction_id"], why
    assert rt.flow(first)[-2:] == ["< BYE", "> 200 BYE"], "Hotline did not hang up 1001's leg\n" + why
    assert len(rt.find(caller, "sent", method="BYE")) == 1, "the caller's call did not last to its own BYE\n" + why

    record = found.record
    assert (record["outcome"], record["end_reason"]) == ("answered", "caller hung up"), why
    assert [(x["kind"], x["by_agent"], x["target_kind"], x["target"], x["completed"], x["note"]) for x in found.transfers] == [
        ("attended", "1001", "agent", "1002", 1, "VIP 客户, card lost")], why
    assert [(s["agent_id"], s["queue"], s["result"]) for s in found.segments] == [
        ("1001", "telecom", "transferred"), ("1002", None, "answered")], why
    first_part, second_part = found.segments
    assert 2000 <= first_part["hold_ms"] <= 6000, f"1001's hold {first_part['hold_ms']} ms, want the ~2.5 s consultation\n{why}"
    assert first_part["ended_at"] == found.transfers[0]["transferred_at"] == second_part["answered_at"], why

    # The caller heard 1001, then (after the completion) 1002; during the consultation
    # their recording has no agent's voice.
    wav, rel = _wav_clock(found)
    _assert_tone(wav, 1, rel(first_part["answered_at"]) + 0.5, rel(first_part["ended_at"]) - first_part["hold_ms"] / 1000 - 0.3,
                 AGENT_TONE_HZ, "agent 1001 before the consultation")
    _assert_tone(wav, 1, rel(second_part["answered_at"]) + 0.5, rel(second_part["ended_at"]) - 0.5,
                 SECOND_AGENT_TONE_HZ, "agent 1002 after the transfer")
    consult_start = rel(first_part["ended_at"]) - first_part["hold_ms"] / 1000
    for hz in (AGENT_TONE_HZ, SECOND_AGENT_TONE_HZ):
        peak, purity = rt.dominant_hz(wav.channel(1)[int((consult_start + 0.5) * wav.rate):int((rel(first_part["ended_at"]) - 0.3) * wav.rate)],
                                      wav.rate)
        assert not (abs(peak - hz) <= 5 and purity >= 0.6), f"the caller's recording has {hz:.0f} Hz during the consultation\n{why}"


def test_cancelled_consultation_and_hold(env, calls):
    """1001 holds the caller (music) and resumes, then consults 1002 and cancels: 1002 is
    available again without wrap-up, the caller is back with 1001; the record keeps the
    attended transfer as not completed and counts both holds."""
    db, api = env.database, env.api
    since = env.server.log_size()
    caller, first, second = _answered_by_1001(env, calls, "cancelled", wait_s=20.0)
    time.sleep(1.5)
    replies = {"hold": api.request("POST", "/agents/1001/hold"), "hold-again": api.request("POST", "/agents/1001/hold")}
    time.sleep(2.0)
    replies["resume"] = api.request("POST", "/agents/1001/resume")
    time.sleep(1.5)
    replies["complete-before-consult"] = api.request("POST", "/agents/1001/consult/complete")
    replies["consult-a-queue"] = api.request("POST", "/agents/1001/consult", {"queue": "cards"})
    replies["consult-self"] = api.request("POST", "/agents/1001/consult", {"agent": "1001"})
    replies["consult"] = api.request("POST", "/agents/1001/consult", {"agent": "1002"})
    invite = agents.wait_for_invite(second, timeout=10)
    replies["consulting-1002"] = api.wait_state("1002", "on-call", timeout=5)
    time.sleep(2.0)
    replies["cancel"] = api.request("POST", "/agents/1001/consult/cancel")
    replies["after-1002"] = api.wait_state("1002", "available", timeout=5)
    replies["after-1001"] = api.agent("1001")
    found, why = env.call_ended(caller, replies, [caller, first, second], since)

    assert (replies["hold"].status, replies["hold"].body) == (202, {"status": "held"}), why
    assert replies["hold-again"].status == 202, why            # already held: nothing changes
    assert (replies["resume"].status, replies["resume"].body) == (202, {"status": "resumed"}), why
    assert (replies["complete-before-consult"].status, replies["complete-before-consult"].error_code) == (409, "not-consulting"), why
    assert (replies["consult-a-queue"].status, replies["consult-a-queue"].error_code) == (422, "unknown-field"), why
    assert (replies["consult-self"].status, replies["consult-self"].error_code) == (422, "invalid-target"), why
    assert replies["consult"].status == 202 and invite is not None, why
    assert (replies["cancel"].status, replies["cancel"].body) == (202, {"status": "with-caller"}), why
    assert replies["after-1002"].body["state"] == "available", why
    assert replies["after-1001"].body["state"] == "on-call", why
    assert rt.flow(second)[-2:] == ["< BYE", "> 200 BYE"], "Hotline did not hang up the consultation\n" + why
    changes = rt.state_changes(db, "1002", after=0)
    assert [(c["from_state"], c["to_state"], c["cause"]) for c in changes][-3:] == [
        ("available", "reserved", "consultation"), ("reserved", "on-call", "consultation answered"),
        ("on-call", "available", "consultation ended")], why

    record = found.record
    assert (record["outcome"], record["end_reason"]) == ("answered", "caller hung up"), why
    assert [(x["kind"], x["by_agent"], x["target"], x["completed"]) for x in found.transfers] == [
        ("attended", "1001", "1002", 0)], why
    assert [(s["agent_id"], s["result"]) for s in found.segments] == [("1001", "answered")], why
    part = found.segments[0]
    assert 3500 <= part["hold_ms"] <= 8000, f"hold {part['hold_ms']} ms, want ~2 s held plus ~2 s consulting\n{why}"
    # After the cancel the caller hears 1001 again.
    wav, rel = _wav_clock(found)
    end = rel(part["ended_at"])
    _assert_tone(wav, 1, end - 2.5, end - 0.4, AGENT_TONE_HZ, "agent 1001 after the cancelled consultation")


def test_consulted_phone_that_does_not_answer(env, calls):
    """1002's phone rings out: after the queue's ring time Hotline gives up, 1002 becomes
    not ready (missed call), and the caller is back with 1001."""
    api = env.api
    since = env.server.log_size()
    caller, first, second = _answered_by_1001(env, calls, "unanswered", wait_s=16.0, second="no_answer")
    replies = {"consult": api.request("POST", "/agents/1001/consult", {"agent": "1002"})}
    invite = agents.wait_for_invite(second, timeout=10)
    ring = env.seconds("telecom", "ring_seconds")
    replies["after-1002"] = api.wait_state("1002", "not-ready", timeout=ring + 5)
    replies["after-1001"] = api.agent("1001")
    found, why = env.call_ended(caller, replies, [caller, first, second], since)
    assert replies["consult"].status == 202 and invite is not None, why
    assert (replies["after-1002"].body["state"], replies["after-1002"].body["reason"]) == ("not-ready", "missed-call"), why
    assert replies["after-1001"].body["state"] == "on-call", why
    assert [(s["agent_id"], s["result"]) for s in found.segments] == [("1001", "answered")], why
    assert [x["completed"] for x in found.transfers] == [0], why


# ---------------------------------------------------------------------------
# Returning callers
# ---------------------------------------------------------------------------


def test_a_returning_caller_gets_their_last_agent(env, calls):
    """Zhang Wei talks to 1001. When they call again, 2001 has been free longer (the
    queue's longest-idle strategy would pick 2001), but the telecom queue's
    preferred-agent window gives the call to 1001, whom they talked to last."""
    db, api = env.database, env.api
    since = env.server.log_size()
    first = env.phones["1001"].start("answer", hangup_after_ms=0, global_timeout=60)
    other = env.phones["2001"].start("answer", hangup_after_ms=0, global_timeout=90)
    calls += [first, other]
    assert api.login("1001", ready=True).status == 200
    before = _caller("before", wait_s=9.0).start(env.server, env.workdir / "before")
    calls.append(before)
    assert agents.wait_for_invite(first, timeout=20) is not None, env.explain(runs=[before, first], since=since)
    assert api.login("2001", ready=True).status == 200          # free from now on
    before.wait(40)
    first.wait(15)
    wrap = env.seconds("telecom", "wrap_up_seconds")
    assert api.wait_state("1001", "available", timeout=wrap + 5).body["state"] == "available"
    again = env.phones["1001"].start("answer", hangup_after_ms=0, global_timeout=60)
    calls.append(again)
    returning = _caller("returning", wait_s=8.0).start(env.server, env.workdir / "returning")
    calls.append(returning)
    invite = agents.wait_for_invite(again, timeout=20)
    returning.wait(40)
    found = rt.wait_call(db, rt.sip_call_id(returning), rt.ended, timeout=10)
    why = env.explain(stored=found, runs=[before, returning, again, other], since=since)
    assert invite is not None, "1001's phone did not ring for the returning caller\n" + why
    assert agents.received_invite(other) is None, "2001 was offered the returning caller\n" + why
    assert [(s["agent_id"], s["result"]) for s in found.segments] == [("1001", "answered")], why
    assert "returning caller: their last agent is preferred" in env.server.log_since(since, limit=10_000_000), why


# ---------------------------------------------------------------------------
# Phones that vanish
# ---------------------------------------------------------------------------


def test_an_agent_phone_that_vanishes_mid_call_requeues_the_caller(env, calls):
    """(Last but one: Hotline's BYE to the dead phone is retransmitted for 32 s to its port,
    which a later test's SIPp on that port would take for a call of its own.)

    1001's phone dies mid-call (SIPp killed: no BYE, no more RTP). After the media
    timeout Hotline drops its leg, 1001 becomes not ready (phone unavailable), the caller
    hears why and goes back to the queue, and 1002 answers; the record has 1001's part as
    lost and 2001's as answered, with one outcome: answered."""
    db, api = env.database, env.api
    since = env.server.log_size()
    caller, first, second = _answered_by_1001(env, calls, "vanish", wait_s=30.0, other_agent="2001")
    time.sleep(1.5)
    killed_at = time.monotonic()
    first.kill()
    invite = agents.wait_for_invite(second, timeout=RTP_TIMEOUT_S + 15)
    requeued_after = time.monotonic() - killed_at
    replies = {"1001": api.wait_state("1001", "not-ready", timeout=5), "2001": api.wait_state("2001", "on-call", timeout=5)}
    found, why = env.call_ended(caller, replies, [caller, second], since, caller_timeout=60)

    assert invite is not None, "the caller was not offered to 2001 after 1001's phone died\n" + why
    assert RTP_TIMEOUT_S - 1 <= requeued_after <= RTP_TIMEOUT_S + 12, f"re-queued {requeued_after:.1f} s after the kill\n{why}"
    assert agents.interaction_id(invite) == found.record["interaction_id"], why
    assert (replies["1001"].body["state"], replies["1001"].body["reason"]) == ("not-ready", "phone-unavailable"), why
    assert replies["2001"].body["state"] == "on-call", why
    assert len(rt.find(caller, "sent", method="BYE")) == 1, "the caller's call did not last to its own BYE\n" + why
    record = found.record
    assert (record["outcome"], record["end_reason"]) == ("answered", "caller hung up"), why
    assert [(s["agent_id"], s["result"]) for s in found.segments] == [("1001", "lost"), ("2001", "answered")], why
    # The caller kept their place: the wait counts from their first queueing.
    assert record["wait_ms"] == found.segments[0]["answered_at"] - record["queued_at"], why
    changes = rt.state_changes(db, "1001", after=0)
    assert (changes[-1]["from_state"], changes[-1]["to_state"], changes[-1]["reason"], changes[-1]["cause"]) == (
        "on-call", "not-ready", "phone-unavailable", "phone lost mid-call"), why
    wav, rel = _wav_clock(found)
    second_part = found.segments[1]
    _assert_tone(wav, 1, rel(second_part["answered_at"]) + 0.5, rel(second_part["ended_at"]) - 0.5,
                 SECOND_AGENT_TONE_HZ, "agent 2001 after the re-queue")


def test_a_caller_whose_phone_vanishes_in_the_queue_is_hung_up(env, calls):
    """Nobody is ready; the caller's SIPp is killed while they wait. After the media
    timeout Hotline ends the call, and the record says the caller left the queue with why."""
    db = env.database
    since = env.server.log_size()
    caller = _caller("gone", wait_s=30.0).start(env.server, env.workdir / "gone")
    calls.append(caller)
    call_id = rt.wait_call_id(caller)
    queued = rt.wait_call(db, call_id, lambda f: f.record is not None and f.record["queued_at"] is not None, timeout=20)
    caller.kill()
    found = rt.wait_call(db, call_id, rt.ended, timeout=RTP_TIMEOUT_S + 10)
    why = env.explain(stored=found, runs=[caller], since=since)
    assert queued.record is not None, why
    assert found.record is not None and found.record["outcome"] == "abandoned-in-queue", why
    assert found.record["end_reason"] == f"no media for {RTP_TIMEOUT_S} s", why

