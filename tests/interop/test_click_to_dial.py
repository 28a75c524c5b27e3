"""Click-to-dial end to end (docs/api.md, "dial"): ``POST /api/v1/agents/{id}/dial``.

The agent's registered phone rings first, showing "Outbound 外呼" <sip:NUMBER@domain> and
``X-Hotline-Callback: NUMBER``; once it answers, Hotline dials NUMBER through the
configuration's ``trunk:`` and joins the two (recorded when the queue records). If the
agent's phone does not take the call, it ends (outcome ``failed``) and is offered to
nobody else.

The trunk is a SIPp UAS on the loopback port ``trunk:`` points at, as in test_callback.py
(harness/callback.py: ``CustomerPhone``, scenarios/customer_answer.xml streaming a 550 Hz
voice); agents' phones are SIPp UASes registered with Hotline (harness/agents.py,
agent_answer.xml streaming a 700 Hz voice, agent_busy.xml, agent_no_answer.xml).

One server for the module, config/demo.yaml through ``harness.callback.callback_config``:
the routing tests' fast queues, a trunk (caller id 10000), and

* broadband: the first queue (by id) agent 1001's skills serve, so a dial of 1001's
  belongs to it: ``record: true``, ring 4 s, wrap-up 3 s;
* agent 1002 given ``broadband:5`` too, so a failed dial that were put back in the queue
  would ring 1002's phone at once (the tests check it does not).

Phones of 1001 and 1002 are registered for the module; 1003's only in the refusals test. The tests sign in with
``POST /api/v1/sessions`` and send ``Authorization: Bearer`` (harness/webapi.py). Every
test logs everyone out before and after itself. SIPp's ``rtp_stream`` needs no raw
sockets, so unlike test_callback.py this module needs neither root nor pcaps.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from harness import agents, rtp, sipmsg, sipp
from harness import callback as cb
from harness import routing as rt
from harness import webapi as wa
from harness.ports import LOOPBACK, free_port
from harness.settings import hotline_config, new_server, ready_timeout, shutdown_problem

pytestmark = [pytest.mark.sipp]

# Below the kernel's ephemeral range and apart from the other modules' servers
# (session 20000-29999, test_callback 19000-19499, test_desktop 18000-18499,
# test_desktop_admin 18500-18999, test_ivr 30000-30999 and 32000-32499, test_media
# 31000-31999, test_routing 32500-32999, test_transfer 33000-33499, test_api 33500-33999).
RTP_PORTS = "34000-34499"
READY_TIMEOUT = 240.0

DOMAIN = "hotline.local"
AGENT, OTHER, PHONELESS, SUPERVISOR = "1001", "1002", "1003", "2001"
NUMBER = "13912345678"
CUSTOMER = "c-demo-001"
QUEUE = "broadband"
RING_S, WRAP_UP_S = 4, 3
QUEUES: dict[str, dict[str, object]] = {
    QUEUE: {"record": True, "ring_seconds": RING_S, "wrap_up_seconds": WRAP_UP_S},
}
CUSTOMER_TALK_MS = 4000
TONE_TOLERANCE_HZ = 5.0
INTERACTION_ID = re.compile(r"i-[0-9A-Za-z-]+")

ANSWERED_HOTLINE_HUNG_UP = ["< INVITE", "> 180 INVITE", "> 200 INVITE", "< ACK", "< BYE", "> 200 BYE"]
CUSTOMER_HUNG_UP = ["< INVITE", "> 180 INVITE", "> 200 INVITE", "< ACK", "> BYE", "< 200 BYE"]
CONTRACT = wa.Contract()


def _dial_config(out: Path, trunk_port: int) -> Path:
    """callback_config with QUEUES, and 1002 skilled for the dial's queue as well."""
    cb.callback_config(hotline_config(), out, trunk_port=trunk_port, queues=QUEUES, rtp_ports=RTP_PORTS)
    config = yaml.safe_load(out.read_text())
    other = next(a for a in config["agents"] if a["username"] == OTHER)
    other["skills"] = list(other["skills"]) + ["broadband:5"]
    out.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return out


@dataclass
class DialEnv(rt.ServerEnv):
    phone: agents.AgentPhone
    other_phone: agents.AgentPhone
    customer: cb.CustomerPhone
    trunk_port: int
    sessions: dict[str, wa.Session]

    def session(self, user: str) -> wa.Session:
        return self.sessions[user]


@pytest.fixture(scope="module")
def env(tmp_path_factory, hotline_bin, sipp_bin):
    workdir = tmp_path_factory.mktemp("click-to-dial")
    trunk_port = free_port()
    config = _dial_config(workdir / "click-to-dial.yaml", trunk_port)
    server = new_server(workdir / "hotline", config=config, extra_args=["--rtp-ports", RTP_PORTS])
    server.start(max(ready_timeout(), READY_TIMEOUT))
    phone = agents.AgentPhone(user=AGENT, password=rt.PASSWORDS[AGENT], workdir=workdir / f"phone-{AGENT}",
                              server=server.address)
    other_phone = agents.AgentPhone(user=OTHER, password=rt.PASSWORDS[OTHER], workdir=workdir / f"phone-{OTHER}",
                                    server=server.address)
    customer = cb.CustomerPhone(number=NUMBER, port=trunk_port, workdir=workdir / "trunk")
    try:
        phone.register(expires=900)
        other_phone.register(expires=900)
        web = wa.WebAPI(server.address[0], server.http_port)
        sessions = {user: web.session(user, rt.PASSWORDS[user]) for user in (AGENT, OTHER, PHONELESS, SUPERVISOR)}
        yield DialEnv(server=server, workdir=workdir, config=config, api=rt.API.of(server), phone=phone,
                      other_phone=other_phone, customer=customer, trunk_port=trunk_port, sessions=sessions)
    finally:
        phone.stop()
        other_phone.stop()
        customer.stop()
        problem = shutdown_problem(server, "the click-to-dial server")
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def calls(env):
    """A test's SIPp runs: killed by PID afterwards, then every agent is logged out."""
    assert env.server.is_running(), "the click-to-dial server is not running (an earlier test crashed it?)"
    problems = env.api.log_everyone_out()
    assert not problems, f"could not log the agents out before the test: {problems}"
    runs: list[sipp.SippRun] = []
    yield runs
    for run in runs:
        run.kill()
    env.phone.stop()
    env.other_phone.stop()
    env.customer.stop()
    env.api.log_everyone_out()


def _dial(env: DialEnv, body: dict, *, agent: str = AGENT, user: str = AGENT) -> wa.Reply:
    return env.session(user).request("POST", f"/agents/{agent}/dial", body)


def _interaction(env: DialEnv, interaction: str, user: str = AGENT) -> wa.Reply:
    return env.session(user).get(f"/interactions/{interaction}")


def _wait_interaction(env: DialEnv, interaction: str, until, timeout: float, user: str = AGENT) -> wa.Reply:
    """Polls GET /interactions/{id} as ``user`` until ``until(body)`` holds (or the time is
    up); the last reply."""
    deadline = time.monotonic() + timeout
    while True:
        reply = _interaction(env, interaction, user)
        if (reply.status == 200 and isinstance(reply.body, dict) and until(reply.body)) or time.monotonic() >= deadline:
            return reply
        time.sleep(0.1)


def _wait_state(env: DialEnv, agent: str, state: str, timeout: float) -> wa.Reply:
    deadline = time.monotonic() + timeout
    while True:
        reply = env.session(agent).agent(agent)
        if (isinstance(reply.body, dict) and reply.body.get("state") == state) or time.monotonic() >= deadline:
            return reply
        time.sleep(0.1)


def _call_id(interaction: str) -> str:
    """The key prepareDial gives a dial's call record (its sip_call_id; the legs' own
    Call-IDs are the endpoint's)."""
    return f"dial-{interaction}@{DOMAIN}"


def _assert_error(reply: wa.Reply, status: int, code: str, field_name: object = "any") -> None:
    assert (reply.status, reply.error_code) == (status, code), f"want {status} {code}: {reply}"
    assert isinstance(reply.error["message"], str) and reply.error["message"], reply
    if field_name != "any":
        assert reply.error.get("field") == field_name, f"want field {field_name!r}: {reply}"
    assert CONTRACT.problems("Error", reply.body) == [], reply


def _assert_tone(wav: rtp.Wav, channel: int, start_s: float, end_s: float, hz: float, what: str) -> None:
    assert end_s - start_s >= 1.0, f"{what}: only {end_s - start_s:.2f} s of audio to look at"
    x = wav.channel(channel)[max(0, int(start_s * wav.rate)):max(0, int(end_s * wav.rate))]
    peak, purity = rt.dominant_hz(x, wav.rate)
    assert abs(peak - hz) <= TONE_TOLERANCE_HZ and purity >= 0.6, (
        f"{what}: channel {channel} from {start_s:.2f} to {end_s:.2f} s peaks at {peak:.1f} Hz "
        f"({purity:.0%} of its power within 25 Hz), want {hz:.0f} Hz")


def _assert_agent_invite(invite: sipmsg.SipMessage | None, interaction: str, why: str) -> None:
    """The agent's phone rings first: From "Outbound 外呼" with the number to call."""
    assert invite is not None, f"agent {AGENT}'s phone got no INVITE for the dial\n" + why
    assert agents.display_name(invite.get("from")) == "Outbound 外呼", invite.get("from")
    assert sipmsg.uri_of(invite.get("from")) == f"sip:{NUMBER}@{DOMAIN}", invite.get("from")
    assert invite.get("X-Hotline-Callback") == NUMBER, invite.text()
    assert agents.interaction_id(invite) == interaction, invite.text()
    assert invite.get("X-Hotline-Queue") == QUEUE, invite.text()


def _epoch(text: str) -> float:
    """An RFC 3339 UTC time of the API as epoch seconds."""
    assert isinstance(text, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _detail_problems(reply: wa.Reply) -> list[str]:
    return CONTRACT.problems("InteractionDetail", reply.body) if isinstance(reply.body, dict) else [str(reply)]


# ---------------------------------------------------------------------------
# 1. The agent answers, then the number is dialled through the trunk
# ---------------------------------------------------------------------------


def test_dial_rings_the_agent_then_calls_the_number(env, calls):
    db = env.database
    me = env.session(AGENT)
    since, first = env.server.log_size(), rt.last_sequence(db, AGENT)
    phone = env.phone.start("answer", hangup_after_ms=0, global_timeout=120)
    customer = env.customer.answer(hangup_after_ms=CUSTOMER_TALK_MS)
    calls += [phone, customer]
    login = me.login(AGENT, ready=True)
    assert login.status == 200 and login.body["state"] == "available", login

    asked_at = time.time()
    dialled = _dial(env, {"number": NUMBER, "customer": CUSTOMER})
    interaction = dialled.body.get("interaction", "") if isinstance(dialled.body, dict) else ""
    agent_invite = agents.wait_for_invite(phone, timeout=10)
    customer_invite = cb.wait_invite(customer, timeout=15)
    on_call = _wait_state(env, AGENT, "on-call", timeout=5)
    customer.wait(40)
    wrap_up = _wait_state(env, AGENT, "wrap-up", timeout=5)
    phone.wait(20)
    ended = _wait_interaction(env, interaction, lambda b: b.get("outcome") is not None, timeout=10)
    back = _wait_state(env, AGENT, "available", timeout=WRAP_UP_S + 8)
    detail = _wait_interaction(env, interaction, lambda b: any(s.get("wrapUpSeconds", 0) > 0 for s in b.get("segments", [])),
                               timeout=5)
    found = rt.stored_call(db, _call_id(interaction))
    why = env.explain(str(dialled), str(on_call), str(wrap_up), str(back), str(detail),
                      stored=found, runs=[phone, customer], since=since)

    # 202 at once, with the interaction. (1001 is reserved only until their phone answers,
    # which SIPp does at once: the stored state changes below show it.)
    assert dialled.status == 202 and dialled.body == {"status": "dialling", "interaction": interaction}, why
    assert INTERACTION_ID.fullmatch(interaction), why

    # 1001's phone rings first; the number is dialled once they answer.
    _assert_agent_invite(agent_invite, interaction, why)
    assert customer_invite is not None, "the trunk got no INVITE\n" + why
    assert customer_invite.request_uri == f"sip:{NUMBER}@{LOOPBACK}:{env.trunk_port}", customer_invite.text()
    assert sipmsg.uri_of(customer_invite.get("from")) == f"sip:{cb.TRUNK_CALLER_ID}@{DOMAIN}", customer_invite.get("from")
    assert agents.interaction_id(customer_invite) == interaction, customer_invite.text()
    agent_answer = rt.find(phone, "sent", status=200, cseq_method="INVITE")
    assert agent_answer and rt.find(customer, "received", method="INVITE")[0].at >= agent_answer[0].at, (
        "the number was dialled before the agent answered\n" + why)
    assert (on_call.body.get("state"), on_call.body.get("interaction")) == ("on-call", interaction), why
    customer.assert_all_successful(1)
    assert rt.flow(customer) == CUSTOMER_HUNG_UP, "\n" + why
    assert rt.flow(phone) == ANSWERED_HOTLINE_HUNG_UP, "the agent's leg did not end with Hotline's BYE\n" + why
    phone.assert_all_successful(1)
    assert (wrap_up.body.get("state"), wrap_up.body.get("interaction")) == ("wrap-up", interaction), why
    assert back.body.get("state") == "available", why

    # The interaction: outbound, 1001 to the number, answered, 1001's one answered segment.
    assert ended.status == 200 and detail.status == 200, why
    body = detail.body
    assert not (problems := _detail_problems(detail)), f"{problems}\n{why}"
    assert (body["id"], body["channel"], body["direction"]) == (interaction, "call", "outbound"), why
    assert (body["caller"], body["dialled"]) == (AGENT, NUMBER), why
    assert (body.get("outcome"), body.get("queue"), body["agents"]) == ("answered", QUEUE, [AGENT]), why
    assert body.get("customerId") == CUSTOMER and (body["customer"] or {}).get("id") == CUSTOMER, why
    assert [(s["agent"], s.get("queue"), s["result"]) for s in body["segments"]] == [(AGENT, QUEUE, "answered")], why
    assert body["ivr"] is None and body["transfers"] == [], why
    assert [t["what"] for t in body["timeline"]] == ["arrived", "queued", "offered", "answered", "recording-started", "ended"], why
    segment = body["segments"][0]
    assert abs(segment["talkSeconds"] - CUSTOMER_TALK_MS / 1000) <= 1, why
    assert 1 <= segment["wrapUpSeconds"] <= WRAP_UP_S + 1, why
    started = _epoch(body["startedAt"])
    assert asked_at - 1 <= started <= asked_at + 2, f"startedAt {body['startedAt']}, asked at {asked_at:.3f}\n{why}"

    changes = rt.wait_changes(db, AGENT, first, 5, timeout=3)
    assert rt.transitions(changes)[1:] == [
        ("available", "reserved", None), ("reserved", "on-call", None), ("on-call", "wrap-up", None),
        ("wrap-up", "available", None)], changes

    # The recording (broadband records): the customer on the left, 1001 on the right, from
    # the customer's answer to their BYE.
    assert [(r["layout"], r["status"]) for r in body["recordings"]] == [("stereo", "complete")], why
    assert len(found.recordings) == 1, why
    wav = rtp.read_wav(Path(found.recordings[0]["path"]))
    assert (wav.channels, wav.rate) == (2, 8000), (wav.channels, wav.rate)
    assert abs(wav.duration * 1000 - CUSTOMER_TALK_MS) <= 500, (wav.duration, CUSTOMER_TALK_MS)
    _assert_tone(wav, 0, 0.5, wav.duration - 0.5, cb.CUSTOMER_TONE_HZ, "the number's party in the recording")
    _assert_tone(wav, 1, 0.5, wav.duration - 0.5, agents.AUDIO_TONE_HZ, f"agent {AGENT} in the recording")


# ---------------------------------------------------------------------------
# 2. The agent's phone does not take it: the call ends, nobody else rings
# ---------------------------------------------------------------------------


# The agent's own call: they missed no customer, so they stay available either way.
@pytest.mark.parametrize("behaviour, result, state_after", [
    ("busy", "busy", ("available", None)),
    ("no_answer", "no-answer", ("available", None)),
], ids=["rejected-486", "not-answered"])
def test_dial_not_taken_by_the_agent_ends_there(env, calls, behaviour, result, state_after):
    me = env.session(AGENT)
    since = env.server.log_size()
    phone = env.phone.start(behaviour, global_timeout=60)
    other = env.other_phone.start("answer", hangup_after_ms=1000, global_timeout=60)
    customer = env.customer.answer(hangup_after_ms=1000, global_timeout=60)
    calls += [phone, other, customer]
    assert env.session(OTHER).login(OTHER, ready=True).body.get("state") == "available"
    assert me.login(AGENT, ready=True).body.get("state") == "available"

    dialled = _dial(env, {"number": NUMBER})
    interaction = dialled.body.get("interaction", "") if isinstance(dialled.body, dict) else ""
    agent_invite = agents.wait_for_invite(phone, timeout=10)
    phone.wait(RING_S + 10)
    # The supervisor reads it: an agent reads the calls they answered (InteractionRoutes.mayRead).
    ended = _wait_interaction(env, interaction, lambda b: b.get("outcome") is not None, timeout=10, user=SUPERVISOR)
    # Long enough for a second offer to reach 1002's phone (an offer goes out at once).
    time.sleep(3)
    after = me.agent(AGENT)
    other_after = env.session(OTHER).agent(OTHER)
    detail = _interaction(env, interaction, SUPERVISOR)
    why = env.explain(str(dialled), str(after), str(other_after), str(detail),
                      stored=rt.stored_call(env.database, _call_id(interaction)), runs=[phone, other, customer],
                      since=since)

    assert dialled.status == 202 and dialled.body == {"status": "dialling", "interaction": interaction}, why
    _assert_agent_invite(agent_invite, interaction, why)
    phone.assert_all_successful(1)
    want_flow = (["< INVITE", "> 486 INVITE", "< ACK"] if behaviour == "busy" else
                 ["< INVITE", "> 180 INVITE", "< CANCEL", "> 200 CANCEL", "> 487 INVITE", "< ACK"])
    assert rt.flow(phone) == want_flow, why

    # Nothing was dialled and nobody else rang.
    assert cb.received_invite(customer) is None, "the trunk was dialled for a dial the agent did not take\n" + why
    assert agents.received_invite(other) is None, f"{OTHER}'s phone rang with {AGENT}'s dial\n" + why

    # The call is over: failed, one segment for 1001.
    assert ended.status == 200 and detail.status == 200, why
    body = detail.body
    assert not (problems := _detail_problems(detail)), f"{problems}\n{why}"
    assert (body["direction"], body["caller"], body["dialled"]) == ("outbound", AGENT, NUMBER), why
    assert (body.get("outcome"), body.get("endReason")) == (
        "failed", f"the agent's phone did not answer ({result})"), why
    assert [(s["agent"], s.get("queue"), s["result"]) for s in body["segments"]] == [(AGENT, QUEUE, result)], why
    # `agents` lists those who answered (HotlineModel CallRecord.agents).
    assert (body["agents"], body["recordings"], body["transfers"]) == ([], [], []), why
    assert [t["what"] for t in body["timeline"]] == ["arrived", "queued", "offered", result, "ended"], why

    # 1001 is not left reserved; 1002 was never reserved.
    assert (after.body.get("state"), after.body.get("reason")) == state_after, why
    assert "interaction" not in after.body, why
    assert (other_after.body.get("state"), other_after.body.get("interaction")) == ("available", None), why


# ---------------------------------------------------------------------------
# 3. Refusals
# ---------------------------------------------------------------------------


def test_dial_refusals(env, calls):
    me = env.session(AGENT)
    since = env.server.log_size()
    phone = env.phone.start("answer", hangup_after_ms=1000, global_timeout=60)
    customer = env.customer.answer(hangup_after_ms=1000, global_timeout=60)
    calls += [phone, customer]

    logged_out = _dial(env, {"number": NUMBER})
    assert me.login(AGENT, ready=False).body.get("state") == "not-ready"
    not_ready = _dial(env, {"number": NUMBER})
    assert me.set_state(AGENT, "available").body.get("state") == "available"
    assert env.session(OTHER).login(OTHER, ready=True).body.get("state") == "available"
    someone_else = _dial(env, {"number": NUMBER}, agent=OTHER)
    bad_number = _dial(env, {"number": "12ab"})
    # An agent without a registered phone cannot become available at all (login: 409
    # phone-not-registered), and one whose phone unregisters goes not-ready
    # (phone-unavailable) at once; so dial's own phone check cannot be reached from
    # outside, and such an agent is refused as not available.
    phoneless_login = env.session(PHONELESS).login(PHONELESS, ready=True)
    phoneless = agents.AgentPhone(user=PHONELESS, password=rt.PASSWORDS[PHONELESS],
                                  workdir=env.workdir / f"phone-{PHONELESS}", server=env.server.address)
    phoneless.register(expires=300)
    calls += phoneless.runs
    registered_login = env.session(PHONELESS).login(PHONELESS, ready=True)
    phoneless.unregister()
    unregistered = env.session(PHONELESS).agent(PHONELESS)
    no_phone = _dial(env, {"number": NUMBER}, agent=PHONELESS, user=PHONELESS)
    time.sleep(1)
    still = me.agent(AGENT)
    other_still = env.session(OTHER).agent(OTHER)
    why = env.explain(*(str(r) for r in (logged_out, not_ready, someone_else, bad_number, phoneless_login,
                                         registered_login, unregistered, no_phone, still, other_still)),
                      runs=[phone, customer], since=since)

    _assert_error(logged_out, 409, "agent-not-available")
    _assert_error(not_ready, 409, "agent-not-available")
    _assert_error(someone_else, 403, "forbidden")
    _assert_error(bad_number, 422, "invalid-value", "number")
    _assert_error(phoneless_login, 409, "phone-not-registered", "agent")
    assert (registered_login.status, registered_login.body.get("state")) == (200, "available"), why
    assert (unregistered.body.get("state"), unregistered.body.get("reason"), unregistered.body.get("phoneRegistered")) == (
        "not-ready", "phone-unavailable", False), why
    _assert_error(no_phone, 409, "agent-not-available")
    # Nothing rang, nothing was dialled, nobody was reserved.
    assert agents.received_invite(phone) is None, why
    assert cb.received_invite(customer) is None, why
    assert (still.body.get("state"), other_still.body.get("state")) == ("available", "available"), why
