"""The demo IVR flows end to end: SIPp callers key digits (RFC 4733 events, in-band tones,
SIP INFO) into the telecom (10000), bank (95500) and shop (40000) lines of a Hotline
started with config/demo.yaml, and the tests read back what the server stored (the
interaction, its IVR summary and steps, tickets, return requests) and what it logged.
A second server runs small flows with an http node against a local HTTP server (one of
them checks that keys typed while the request runs are kept), and reloads a flow while
calls run.

Keys follow the flow files' header comments. Every caller's keys go out early and 0.3 s
apart: the prompts they fall into (language choice, menus, collects, wrong-PIN notices)
all take barge-in, and keys pressed during a lookup are kept, so no key lands in a prompt
that drops it. A PIN after a wrong one starts 1 s after it, in the wrong-PIN notice: a
key typed during the PIN check itself is dropped when that notice starts (the notice
clears older type-ahead), which would make the test depend on how long the check takes. To keep the module short every demo call is placed at
once, by a module fixture, on its own SIPp; each test then waits for its own call.

Needs root or CAP_NET_RAW (SIPp's play_pcap_audio) and SIPp's pcaps, like test_media.py.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import yaml

from harness import dtmf_pcap
from harness import ivr
from harness import media_server as ms
from harness import rtp, sipp
from harness.server import HotlineServer
from harness.settings import SHUTDOWN_LIMIT, hotline_config, new_server, ready_timeout
from test_media import need_capture, need_sipp_pcaps

pytestmark = [pytest.mark.sipp]

# Below the kernel's ephemeral range (32768-60999), where free_port() finds SIPp's ports;
# the session server uses 20000-29999, test_media 31000-31999.
DEMO_RTP_PORTS = "30000-30999"
HTTP_RTP_PORTS = "32000-32499"
# The demo server seeds ~500 scrypt PINs and renders every static prompt before it listens:
# about 30 s with a debug build on 2 cores.
DEMO_READY_TIMEOUT = 240.0
MASK = "******"
WELCOME_ZH = Path(__file__).resolve().parents[2] / "prompts" / "demo" / "welcome-zh.wav"

TELECOM, BANK, SHOP = "10000", "95500", "40000"
ZHANG_WEI, LI_XIUYING = "13800138000", "13700137000"          # telecom personas
WANG_FANG_CARD, WANG_FANG_PIN = "6222020200112233445", "147258"
ZHAO_LEI_CARD = "6222020200555566667"
ORDER = "1000012345"                                         # 刘洋's shipped order


# ---------------------------------------------------------------------------
# The demo server and its calls, all placed at once
# ---------------------------------------------------------------------------


def _callers() -> list[ivr.IVRCaller]:
    keys = dtmf_pcap.presses
    return [
        # 1 1 123456: Chinese, balance, PIN (the caller ID identifies him); then no key: goodbye.
        ivr.IVRCaller("telecom-balance", TELECOM, ZHANG_WEI, keys((1.0, "11" + "123456")), wait_s=60),
        # 1 1 000000 x3: locked, queued; the caller hangs up while waiting. Each PIN after
        # a wrong one starts 1 s after it, while the wrong-PIN notice (barge-in) plays.
        ivr.IVRCaller("telecom-locked", TELECOM, LI_XIUYING,
                      keys((1.0, "11" + "000000"), (4.1, "000000"), (6.6, "000000")), wait_s=25),
        # 1 3 1: broadband, no connection: a ticket.
        ivr.IVRCaller("telecom-fault", TELECOM, ZHANG_WEI, keys((1.0, "131")), wait_s=60),
        ivr.IVRCaller("bank-balance", BANK, "13600136000",
                      keys((1.0, "1" + WANG_FANG_CARD + WANG_FANG_PIN + "1")), wait_s=60),
        ivr.IVRCaller("bank-locked", BANK, "13200132000",
                      keys((1.0, "1" + ZHAO_LEI_CARD + "000000"), (9.5, "000000"), (12.0, "000000")), wait_s=30),
        ivr.IVRCaller("shop-status-inband", SHOP, "13500135000", keys((1.0, "11" + ORDER), gap=0.25),
                      mode="inband", wait_s=60),
        ivr.IVRCaller("shop-return-info", SHOP, "13500135000", keys((1.0, "12" + ORDER + "1")), mode="info",
                      wait_s=60),
        # No key at all: Chinese after 5 s, three silent tries at the main menu, an agent.
        ivr.IVRCaller("no-keys", TELECOM, "13911112222", [], wait_s=95),
        # Hangs up 2 s in, in the middle of the language prompt.
        ivr.IVRCaller("hangs-up", TELECOM, "13911113333", [], wait_s=2.0),
    ]


@dataclass
class PlacedCall:
    caller: ivr.IVRCaller
    run: sipp.SippRun
    call_id: str | None = None
    finished: bool = False
    # The interaction's state when the IVR summary first showed a transfer (a watcher
    # thread polls while the call is up: the caller then waits in the queue).
    state_when_queued: str | None = None


@dataclass
class DemoEnv:
    server: HotlineServer
    workdir: Path
    calls: dict[str, PlacedCall] = field(default_factory=dict)
    watchers: list[threading.Thread] = field(default_factory=list)

    @property
    def database(self) -> Path:
        return self.server.data_dir / "hotline.sqlite"

    def log(self, call_id: str | None = None) -> str:
        text = self.server.log_since(0, limit=50_000_000)
        if call_id is None:
            return text[-20000:]
        mine = [line for line in text.splitlines() if f"call.id={call_id} " in line and "Rendered speech" not in line]
        return "\n".join(mine[-200:]) or "(nothing logged for this call)"

    def finish(self, name: str) -> tuple[PlacedCall, ivr.Stored]:
        """Waits for the call's SIPp to end; the rows once the interaction has ended."""
        call = self.calls[name]
        if not call.finished:
            call.run.wait(call.caller.wait_s + 60)
            call.finished = True
            call.call_id = ivr.call_id(call.run)
        return call, ivr.wait_stored(self.database, call.call_id, ivr.ended, timeout=10)

    def explain(self, call: PlacedCall, found: ivr.Stored, *parts: str) -> str:
        return "\n\n".join([*parts, f"----- stored for call {call.call_id} -----\n" + found.describe(),
                            call.run.report(),
                            f"----- hotline log for call.id={call.call_id} ({self.server.stderr_path}) -----\n"
                            + self.log(call.call_id)])


def _watch_queue(env: DemoEnv, call: PlacedCall, deadline: float) -> None:
    while time.monotonic() < deadline:
        cid = call.call_id or ms.sipp_call(call.run.file("messages.log")).call_id
        call.call_id = call.call_id or cid
        found = ivr.stored(env.database, cid)
        if found.summary and found.summary["transfer_queue"] and found.interaction:
            call.state_when_queued = found.interaction["state"]
            return
        if call.run.process and call.run.process.poll() is not None:
            return
        time.sleep(0.2)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, hotline_bin, sipp_bin) -> DemoEnv:
    need_capture()
    need_sipp_pcaps()
    if shutil.which("sox") is None:
        pytest.fail("sox not found: run scripts/install-test-deps.sh", pytrace=False)
    workdir = tmp_path_factory.mktemp("ivr-demo")
    server = new_server(workdir / "hotline", config=hotline_config(), extra_args=["--rtp-ports", DEMO_RTP_PORTS])
    server.start(max(ready_timeout(), DEMO_READY_TIMEOUT))
    env = DemoEnv(server=server, workdir=workdir)
    calls = workdir / "calls"
    calls.mkdir()
    # One caller talks (the Chinese welcome prompt as its voice) while it keys: with
    # telephone-event offered, speech must not turn into digits.
    speech = dtmf_pcap.speech_ulaw(WELCOME_ZH, calls)
    try:
        for caller in _callers():
            if caller.name == "telecom-balance":
                caller.speech = speech
            env.calls[caller.name] = PlacedCall(caller=caller, run=caller.start(server, calls))
        for name in ("telecom-locked", "bank-locked", "no-keys"):
            call = env.calls[name]
            thread = threading.Thread(target=_watch_queue, args=(env, call, time.monotonic() + call.caller.wait_s + 20),
                                      daemon=True)
            thread.start()
            env.watchers.append(thread)
        yield env
    finally:
        for call in env.calls.values():
            call.run.kill()
        for thread in env.watchers:
            thread.join(timeout=1)
        code, seconds = server.stop(timeout=SHUTDOWN_LIMIT)
    if code != 0:
        pytest.fail(f"the IVR demo server (pid {server.pid}) did not exit 0 within {SHUTDOWN_LIMIT:.0f} s of "
                    f"SIGTERM: status {code} after {seconds:.1f} s\n" + server.log_tail(), pytrace=False)


def _digits_logged(env: DemoEnv, call_id: str) -> list[ms.LogEvent]:
    return ms.events(env.server, "dtmf", call_id=call_id)


def _assert_call_ok(env: DemoEnv, call: PlacedCall, found: ivr.Stored, *, hotline_hangs_up: bool) -> None:
    assert call.run.returncode == 0 and call.run.successful == 1, env.explain(
        call, found, f"the SIPp caller {call.caller.name!r} did not complete its call")
    who = "Hotline (its BYE)" if hotline_hangs_up else f"the caller (BYE after {call.caller.wait_s:.0f} s)"
    assert ivr.hotline_hung_up(call.run) == hotline_hangs_up, env.explain(
        call, found, f"expected the call to be ended by {who}")
    assert found.interaction and found.interaction["state"] == "ended" and found.interaction["end_reason"], env.explain(
        call, found, "expected the interaction stored as ended, with an end reason")
    assert found.summary and found.summary["ended_at"] is not None, env.explain(
        call, found, "expected an ended IVR summary for the interaction")


def _nodes(found: ivr.Stored) -> list[tuple[str, str]]:
    return [(s["node"], s["outcome"]) for s in found.steps]


# ---------------------------------------------------------------------------
# 1-3. Telecom
# ---------------------------------------------------------------------------


def test_telecom_balance_by_caller_id(demo):
    """13800138000 keys 1 1 123456 (RFC 4733, while speaking): identified by caller ID, PIN
    right, balance said; no key after it: goodbye, self-served. The PIN is masked in the
    steps and in the log."""
    call, found = demo.finish("telecom-balance")
    _assert_call_ok(demo, call, found, hotline_hangs_up=True)
    s = found.summary
    assert (s["flow"], s["flow_version"], s["language"], s["outcome"], s["verification"], s["verification_method"]) \
        == ("telecom", 1, "zh-CN", "self-served", "verified", "caller_id"), demo.explain(
        call, found, "expected summary telecom v1 zh-CN, outcome self-served, verified by caller_id")
    assert s["transfer_queue"] is None, demo.explain(call, found, "a self-served call is not transferred")
    verify = found.step("by_caller")
    assert [(v["kind"], v["outcome"]) for v in verify] == [("verify", "verified")], demo.explain(
        call, found, "expected one verify step by_caller with outcome 'verified'")
    pin = found.step("pin")
    assert [(p["kind"], p["input"], p["outcome"]) for p in pin] == [("collect", MASK, "collected")], demo.explain(
        call, found, f"expected one collect step pin with input {MASK!r} (the PIN masked)")
    assert ("get_balance", "found") in _nodes(found) and ("say_balance", "played") in _nodes(found), demo.explain(
        call, found, "expected the balance looked up and said")
    variables = found.variables
    assert variables.get("account", {}).get("balance") == 56.3 and variables.get("pin") == MASK, demo.explain(
        call, found, "expected the stored variables to hold balance 56.3 and the PIN masked")
    assert ("bye_served", "self-served") == _nodes(found)[-1], demo.explain(
        call, found, "expected the last step to be bye_served (no key after the answer)")
    digits = [e.get("dtmf.digit") for e in _digits_logged(demo, call.call_id)]
    assert digits == ["1", "1"] + [MASK] * 6, demo.explain(
        call, found, f"expected dtmf lines 1, 1 then six masked PIN digits; logged {digits}")
    leaked = [line for line in demo.log(call.call_id).splitlines() if "123456" in line]
    assert not leaked, demo.explain(call, found, "the PIN 123456 appears in the server log:\n" + "\n".join(leaked))


def test_telecom_three_wrong_pins_lock_and_queue(demo):
    """13700137000 keys 1 1 000000 000000 000000: two 'wrong PIN' checks, the third locks;
    the locked notice, then the telecom queue with the lock reason; the interaction is
    'queued' while the caller waits, 'ended' after the caller's BYE."""
    call, found = demo.finish("telecom-locked")
    _assert_call_ok(demo, call, found, hotline_hangs_up=False)
    verifies = [v["outcome"] for v in found.step("by_caller")]
    assert verifies == ["wrong PIN, 2 left", "wrong PIN, 1 left", "locked"], demo.explain(
        call, found, f"expected three PIN checks: wrong (2 left), wrong (1 left), locked; got {verifies}")
    pins = [p["input"] for p in found.step("pin")]
    assert pins == [MASK] * 3, demo.explain(call, found, f"expected three masked PIN entries, got {pins}")
    s = found.summary
    assert (s["verification"], s["verification_method"], s["outcome"]) == ("locked", "caller_id", "transferred to telecom"), \
        demo.explain(call, found, "expected verification locked by caller_id, outcome 'transferred to telecom'")
    assert (s["transfer_queue"], json.loads(s["transfer_skills"]), s["transfer_priority"], s["transfer_reason"]) == \
        ("telecom", ["telecom"], 3, "PIN 错误三次已锁定 / locked after three wrong PINs"), demo.explain(
        call, found, "expected the transfer of locked_agent: queue telecom, skills [telecom], priority 3, the lock reason")
    assert _nodes(found)[-2:] == [("locked", "played"), ("locked_agent", "queue telecom")], demo.explain(
        call, found, "expected the locked notice, then the transfer, as the last steps")
    assert call.state_when_queued == "queued", demo.explain(
        call, found, f"while the caller waited after the transfer the interaction state was "
                     f"{call.state_when_queued!r}, expected 'queued'")
    assert found.interaction["end_reason"] == "remote hangup", demo.explain(
        call, found, "expected end_reason 'remote hangup' (the caller hung up while queued)")
    digits = [e.get("dtmf.digit") for e in _digits_logged(demo, call.call_id)]
    assert digits == ["1", "1"] + [MASK] * 18, demo.explain(
        call, found, "expected dtmf lines 1, 1, then all 18 PIN digits masked (also the ones typed ahead during a "
                     f"PIN check or a wrong-PIN notice); logged {digits}")


def test_telecom_broadband_fault_opens_a_ticket(demo):
    """13800138000 keys 1 3 1: a broadband no-connection ticket linked to the interaction,
    its number said, outcome ticket-created."""
    call, found = demo.finish("telecom-fault")
    _assert_call_ok(demo, call, found, hotline_hangs_up=True)
    assert found.summary["outcome"] == "ticket-created", demo.explain(call, found, "expected outcome ticket-created")
    assert len(found.tickets) == 1, demo.explain(call, found, "expected exactly one ticket linked to the interaction")
    ticket = found.tickets[0]
    assert (ticket["category"], ticket["kind"], ticket["status"]) == ("broadband", "no-connection", "open"), \
        demo.explain(call, found, "expected an open ticket, category broadband, kind no-connection")
    assert re.fullmatch(r"\d{8}", ticket["number"]) and int(ticket["number"]) >= 10000001, demo.explain(
        call, found, "expected an eight-digit ticket number from 10000001")
    assert ticket["summary"] == ("宽带故障 no-connection，来电号码 13800138000 / "
                                 "broadband fault no-connection, reported from 13800138000"), demo.explain(
        call, found, "expected the flow's summary template filled with the fault and the caller")
    report = found.step("report")
    assert [r["outcome"] for r in report] == [f"created ticket {ticket['number']}"], demo.explain(
        call, found, "expected the create step to name the stored ticket")
    assert found.variables.get("ticket", {}).get("number") == ticket["number"], demo.explain(
        call, found, "expected the variable ticket.number (said to the caller) to be the stored ticket's")
    assert _nodes(found)[-1] == ("bye_ticket", "ticket-created"), demo.explain(call, found, "expected bye_ticket last")


# ---------------------------------------------------------------------------
# 4. Bank
# ---------------------------------------------------------------------------


def test_bank_balance_after_the_right_pin(demo):
    """Card 6222020200112233445, PIN 147258, then 1: balance 12,345.67, self-served; card
    number and PIN masked in the steps and never in the log."""
    call, found = demo.finish("bank-balance")
    _assert_call_ok(demo, call, found, hotline_hangs_up=True)
    s = found.summary
    assert (s["flow"], s["outcome"], s["verification"], s["verification_method"]) == \
        ("bank", "self-served", "verified", "card"), demo.explain(
        call, found, "expected bank, outcome self-served, verified by card")
    assert [(x["node"], x["input"], x["outcome"]) for x in found.steps[2:6]] == [
        ("card", MASK, "collected"), ("pin", MASK, "collected"), ("check", None, "verified"), ("main", "1", "option 1"),
    ], demo.explain(call, found, "expected card and PIN collected (masked), verified, then option 1 at the main menu")
    assert found.variables.get("account", {}).get("balance") == 12345.67, demo.explain(
        call, found, "expected the balance 12345.67 looked up")
    assert ("say_balance", "played") in _nodes(found) and _nodes(found)[-1] == ("bye", "self-served"), demo.explain(
        call, found, "expected the balance said, then goodbye")
    log = demo.log(call.call_id)
    leaked = [line for line in log.splitlines() if WANG_FANG_CARD in line or WANG_FANG_PIN in line]
    assert not leaked, demo.explain(call, found, "the card number or PIN appears in the log:\n" + "\n".join(leaked))


def test_bank_three_wrong_pins_lock_the_card(demo):
    """Card 6222020200555566667 with 000000 three times: locked, to the cards queue with
    the lock reason."""
    call, found = demo.finish("bank-locked")
    _assert_call_ok(demo, call, found, hotline_hangs_up=False)
    checks = [c["outcome"] for c in found.step("check")]
    assert checks == ["wrong PIN, 2 left", "wrong PIN, 1 left", "locked"], demo.explain(
        call, found, "expected three card PIN checks: wrong (2 left), wrong (1 left), locked; "
                     f"got {checks} (all 18 PIN keys were sent 0.3 s apart; see the dtmf lines)")
    s = found.summary
    assert (s["verification"], s["verification_method"], s["transfer_queue"], s["transfer_priority"],
            s["transfer_reason"]) == ("locked", "card", "cards", 3, "PIN 错误三次已锁定 / locked after three wrong PINs"), \
        demo.explain(call, found, "expected locked by card, transferred to the cards queue at priority 3 with the reason")
    assert s["outcome"] == "transferred to cards", demo.explain(call, found, "expected outcome 'transferred to cards'")
    assert call.state_when_queued == "queued", demo.explain(
        call, found, f"while the caller waited the interaction state was {call.state_when_queued!r}, expected 'queued'")
    digits = [e.get("dtmf.digit") for e in _digits_logged(demo, call.call_id)]
    assert digits == ["1"] + [MASK] * (19 + 18), demo.explain(
        call, found, f"expected dtmf lines 1, then the card number and the three PINs masked; logged {digits}")


# ---------------------------------------------------------------------------
# 5. Shop: in-band digits and SIP INFO
# ---------------------------------------------------------------------------


def test_shop_order_status_with_inband_digits(demo):
    """A caller offering no telephone-event keys 1 1 1000012345 as DTMF tones in its PCMU
    audio: order status (shipped, SF Express, due 2026-11-03), then goodbye."""
    call, found = demo.finish("shop-status-inband")
    _assert_call_ok(demo, call, found, hotline_hangs_up=True)
    events = _digits_logged(demo, call.call_id)
    digits = "".join(e.get("dtmf.digit", "?") for e in events)
    sources = sorted({e.get("dtmf.source", "?") for e in events})
    assert digits == "11" + ORDER and sources == ["inBand"], demo.explain(
        call, found, f"expected the tones detected in-band as 11{ORDER}, once each; logged {digits!r} from {sources}")
    assert [(x["node"], x["input"], x["outcome"]) for x in found.steps[:5]] == [
        ("lang", "1", "language zh-CN"), ("main", "1", "option 1"), ("status", None, "set"),
        ("order", ORDER, "collected"), ("find", None, "found")], demo.explain(
        call, found, "expected language 1, option 1, the order number collected and found")
    order = found.variables.get("order", {})
    assert (order.get("status"), order.get("parcel", {}).get("carrier_en"), order.get("parcel", {}).get("eta")) == \
        ("shipped", "SF Express", "2026-11-03"), demo.explain(call, found, "expected the shipped order's parcel")
    assert [n for n, _ in _nodes(found)][5:] == ["say_status", "has_parcel", "say_parcel", "has_eta", "say_eta", "more",
                                                 "bye", "bye_served"], demo.explain(
        call, found, "expected status, parcel and delivery date said, then goodbye")
    assert found.summary["outcome"] == "self-served", demo.explain(call, found, "expected outcome self-served")


def test_shop_return_with_sip_info(demo):
    """Keys 1 2 1000012345 1 sent as SIP INFO (application/dtmf-relay): a return request
    for the order, reason damaged, linked to the interaction; outcome return-created."""
    call, found = demo.finish("shop-return-info")
    _assert_call_ok(demo, call, found, hotline_hangs_up=True)
    events = _digits_logged(demo, call.call_id)
    digits = "".join(e.get("dtmf.digit", "?") for e in events)
    sources = sorted({e.get("dtmf.source", "?") for e in events})
    assert digits == "12" + ORDER + "1" and sources == ["sipInfo"], demo.explain(
        call, found, f"expected 12{ORDER}1 from SIP INFO; logged {digits!r} from {sources}")
    assert len(found.returns) == 1, demo.explain(call, found, "expected one return request linked to the interaction")
    request = found.returns[0]
    assert (request["order_number"], request["reason"], request["status"], request["customer_id"]) == \
        (ORDER, "damaged", "requested", "c-demo-007"), demo.explain(
        call, found, "expected a requested return of order 1000012345 (刘洋's), reason damaged")
    assert re.fullmatch(r"\d{8}", request["number"]) and int(request["number"]) >= 50000001, demo.explain(
        call, found, "expected an eight-digit return number from 50000001")
    assert found.variables.get("return_request", {}).get("number") == request["number"], demo.explain(
        call, found, "expected the number said (variable return_request.number) to be the stored one")
    assert found.summary["outcome"] == "return-created" and _nodes(found)[-1] == ("bye_return", "return-created"), \
        demo.explain(call, found, "expected outcome return-created")


# ---------------------------------------------------------------------------
# 6. Bad input
# ---------------------------------------------------------------------------


def test_a_caller_who_presses_nothing_reaches_an_agent(demo):
    """No key at all: Chinese after 5 s, three silent tries at the main menu, then the
    flow gives up to the telecom queue (menu_help); the caller hangs up while queued."""
    call, found = demo.finish("no-keys")
    _assert_call_ok(demo, call, found, hotline_hangs_up=False)
    assert _nodes(found) == [("lang", "timeout"), ("main", "timeout"), ("menu_help", "queue telecom")], demo.explain(
        call, found, "expected: language timeout (Chinese), main menu timeout after its tries, menu_help transfer")
    s = found.summary
    assert (s["language"], s["outcome"], s["transfer_queue"], s["transfer_reason"]) == \
        ("zh-CN", "transferred to telecom", "telecom", "主菜单未做选择 / no choice at the main menu"), demo.explain(
        call, found, "expected outcome 'transferred to telecom' with the no-choice reason, in Chinese")
    assert call.state_when_queued == "queued", demo.explain(
        call, found, f"while the caller waited the interaction state was {call.state_when_queued!r}, expected 'queued'")
    assert found.interaction["end_reason"] == "remote hangup", demo.explain(call, found, "expected 'remote hangup'")
    assert not _digits_logged(demo, call.call_id), demo.explain(call, found, "a silent caller produced digits")


def test_a_caller_who_hangs_up_during_a_prompt(demo):
    """BYE 2 s after the answer, during the language prompt: 'abandoned at lang'."""
    call, found = demo.finish("hangs-up")
    _assert_call_ok(demo, call, found, hotline_hangs_up=False)
    assert found.summary["outcome"] == "abandoned at lang", demo.explain(
        call, found, "expected summary outcome 'abandoned at lang'")
    assert _nodes(found) == [("lang", "caller hung up")], demo.explain(
        call, found, "expected one step: the language node, 'caller hung up'")
    assert found.interaction["end_reason"] == "remote hangup", demo.explain(call, found, "expected 'remote hangup'")
    started, ended = found.interaction["started_at"], found.interaction["ended_at"]
    assert 1500 <= ended - started <= 5000, demo.explain(
        call, found, f"the call lasted {ended - started} ms; the caller hung up 2 s after the ACK")


# ---------------------------------------------------------------------------
# 7-8. The http node against a real HTTP server, and reloading flows
# ---------------------------------------------------------------------------

STALLING_CALLER = "13100000002"
HTTP_TIMEOUT_MS = 1500
STALL_SECONDS = 4.0
TYPING_CALLER = "13100000009"     # the CRM answers them after 2 s: they type ahead meanwhile
STALLS = {STALLING_CALLER: STALL_SECONDS, TYPING_CALLER: 2.0}


class CRM(http.server.ThreadingHTTPServer):
    """Answers every POST with {"tier": "gold", "echo": <the body>} and records it; first
    stalls as long as STALLS says for the body's number."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CRMHandler)
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/crm/contacts"


class _CRMHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self.server.lock:
            self.server.requests.append({"method": "POST", "path": self.path, "body": body, "raw": raw.decode(errors="replace"),
                                         "content_type": self.headers.get("Content-Type")})
        if isinstance(body, dict) and body.get("number") in STALLS:
            time.sleep(STALLS[body["number"]])
        answer = json.dumps({"tier": "gold", "echo": body}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass  # Hotline gave up waiting (the timeout call)

    def log_message(self, *args):
        pass


def crm_flow(url: str, *, ok_outcome: str = "http-ok", broken: bool = False) -> str:
    """The test flow: a menu (1 continues; no key in 15 s continues too), the http node,
    the tier said, hangup. ``broken`` names a node that does not exist."""
    ok_node = "nowhere" if broken else "tell"
    return f"""\
flow: crm
description: http node test (written by test_ivr.py)
language: en-US
start: wait
prompts:
  press: {{en-US: "Press 1."}}
nodes:
  wait:
    menu:
      prompt: press
      options: {{"1": ask}}
      timeout_ms: 15000
      tries: 1
      on_failure: ask
  ask:
    http:
      method: POST
      url: "{url}"
      body: {{number: "{{caller}}", line: "{{dialled}}"}}
      into: crm
      timeout_ms: {HTTP_TIMEOUT_MS}
      on_error: failed
      on_timeout: slow
    next: {ok_node}
  tell:
    say:
      - text: "Your tier is {{crm.tier}}"
    next: done
  done:
    hangup: {{outcome: {ok_outcome}}}
  failed:
    hangup: {{outcome: http-error}}
  slow:
    hangup: {{outcome: http-timeout}}
"""


TYPE_AHEAD_FLOW = """\
flow: typeahead
description: keys typed while an http request runs (written by test_ivr.py)
language: en-US
start: ask
prompts:
  notice: {en-US: "Thank you. Your details are on the screen of our agent now. Please listen carefully."}
  choose: {en-US: "For sales, press 1. For support, press 2."}
nodes:
  ask:
    http:
      method: POST
      url: "%(url)s"
      body: {number: "{caller}"}
      into: crm
      timeout_ms: 5000
      on_error: failed
    next: notice
  notice:
    play: {prompts: [notice], barge_in: true}
    next: choose
  choose:
    menu:
      prompt: choose
      options: {"1": sales, "2": support}
      timeout_ms: 4000
      tries: 1
      on_failure: no_key
  sales:
    hangup: {outcome: chose-1}
  support:
    hangup: {outcome: chose-2}
  no_key:
    hangup: {outcome: no-key}
  failed:
    hangup: {outcome: http-error}
"""


MESSAGES_FLOW = """\
flow: messages
description: voicemail and a callback request (written by test_ivr.py)
language: en-US
start: record
prompts:
  leave: {en-US: "Please leave a message after the tone, then press the hash key."}
  callme: {en-US: "We will call you back this evening."}
nodes:
  record:
    voicemail: {prompt: leave, max_seconds: 20}
    next: offer
  offer:
    callback: {prompt: callme, preferred_time: "'18:00'"}
    next: done
  done:
    hangup: {outcome: message-left}
"""


@dataclass
class CRMEnv:
    server: HotlineServer
    crm: CRM
    flow: Path
    workdir: Path

    @property
    def database(self) -> Path:
        return self.server.data_dir / "hotline.sqlite"

    def call(self, name: str, caller: str, keys: list[tuple[float, str]], wait_s: float = 20,
             line: str = "7100", speech: bytes | None = None) -> PlacedCall:
        spec = ivr.IVRCaller(name, line, caller, keys, wait_s=wait_s, speech=speech)
        return PlacedCall(caller=spec, run=spec.start(self.server, self.workdir / "calls"))

    def finish(self, call: PlacedCall) -> ivr.Stored:
        call.run.wait(call.caller.wait_s + 60)
        call.finished = True
        call.call_id = ivr.call_id(call.run)
        return ivr.wait_stored(self.database, call.call_id, ivr.ended, timeout=10)

    def explain(self, call: PlacedCall, found: ivr.Stored, *parts: str) -> str:
        log = [line for line in self.server.log_since(0, limit=50_000_000).splitlines()
               if f"call.id={call.call_id} " in line or "flow" in line.lower()]
        return "\n\n".join([*parts, f"----- stored for call {call.call_id} -----\n" + found.describe(),
                            f"CRM requests: {self.crm.requests}", call.run.report(),
                            f"----- hotline log ({self.server.stderr_path}) -----\n" + "\n".join(log[-150:])])


@pytest.fixture(scope="module")
def crm_env(tmp_path_factory, hotline_bin, sipp_bin) -> CRMEnv:
    need_capture()
    need_sipp_pcaps()
    workdir = tmp_path_factory.mktemp("ivr-http")
    (workdir / "calls").mkdir()
    crm = CRM()
    thread = threading.Thread(target=crm.serve_forever, daemon=True)
    thread.start()
    flows = workdir / "flows"
    flows.mkdir()
    flow = flows / "crm.yaml"
    flow.write_text(crm_flow(crm.url))
    (flows / "typeahead.yaml").write_text(TYPE_AHEAD_FLOW % {"url": crm.url})
    (flows / "messages.yaml").write_text(MESSAGES_FLOW)
    demo = yaml.safe_load(hotline_config().read_text())
    config = {key: demo[key] for key in ("sip", "http", "log_level") if key in demo}
    config["data_dir"] = str(workdir / "hotline" / "data")
    config["media"] = {"rtp_ports": HTTP_RTP_PORTS, "threads": 1}
    config["ivr"] = {"flows": str(flows), "demo_data": False}
    config["lines"] = [{"number": "7100", "name": "HTTP node test", "answer_after_ms": 0, "flow": "crm",
                        "media": {"record": "off"}},
                       {"number": "7101", "name": "Type-ahead test", "answer_after_ms": 0, "flow": "typeahead",
                        "media": {"record": "off"}},
                       {"number": "7102", "name": "Voicemail test", "answer_after_ms": 0, "flow": "messages",
                        "media": {"record": "stereo"}}]
    path = workdir / "ivr-http.yaml"
    path.write_text("# Written by tests/interop/test_ivr.py\n" + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    server = new_server(workdir / "hotline", config=path, extra_args=["--rtp-ports", HTTP_RTP_PORTS])
    try:
        server.start(max(ready_timeout(), 120))
        yield CRMEnv(server=server, crm=crm, flow=flow, workdir=workdir)
    finally:
        code, seconds = server.stop(timeout=SHUTDOWN_LIMIT)
        crm.shutdown()
        crm.server_close()
    if code != 0:
        pytest.fail(f"the http-test server did not exit 0 within {SHUTDOWN_LIMIT:.0f} s of SIGTERM: status {code} "
                    f"after {seconds:.1f} s\n" + server.log_tail(), pytrace=False)


def test_http_node_posts_the_caller_and_times_out(crm_env):
    """Two calls at once to 7100: the CRM answers one at once (http 200, the tier said,
    outcome http-ok) and stalls the other past timeout_ms (outcome http-timeout)."""
    crm_env.crm.requests.clear()
    ok = crm_env.call("http-ok", "13100000001", dtmf_pcap.presses((1.0, "1")))
    slow = crm_env.call("http-slow", STALLING_CALLER, dtmf_pcap.presses((1.0, "1")))
    found = crm_env.finish(ok)
    _assert_crm_call(crm_env, ok, found)
    assert found.summary["outcome"] == "http-ok", crm_env.explain(ok, found, "expected outcome http-ok")
    ask = found.step("ask")
    assert [(a["kind"], a["outcome"]) for a in ask] == [("http", "http 200")], crm_env.explain(
        ok, found, "expected the http step with outcome 'http 200'")
    assert found.variables.get("crm", {}).get("tier") == "gold", crm_env.explain(
        ok, found, "expected the JSON answer stored in the variable crm")
    assert [n for n, _ in _nodes(found)] == ["wait", "ask", "tell", "done"], crm_env.explain(
        ok, found, "expected wait, ask, tell (the tier said), done")
    mine = [r for r in crm_env.crm.requests if (r["body"] or {}).get("number") == "13100000001"]
    assert len(mine) == 1 and mine[0]["path"] == "/crm/contacts" and mine[0]["body"] == \
        {"number": "13100000001", "line": "7100"}, crm_env.explain(
        ok, found, "expected exactly one POST /crm/contacts with the JSON body "
                   "{\"number\": \"13100000001\", \"line\": \"7100\"}")
    assert (mine[0]["content_type"] or "").startswith("application/json"), crm_env.explain(
        ok, found, f"expected Content-Type application/json, got {mine[0]['content_type']!r}")

    found = crm_env.finish(slow)
    _assert_crm_call(crm_env, slow, found)
    assert found.summary["outcome"] == "http-timeout", crm_env.explain(
        slow, found, f"the CRM stalled {STALL_SECONDS} s, longer than timeout_ms {HTTP_TIMEOUT_MS}: "
                     "expected outcome http-timeout")
    ask = found.step("ask")
    assert len(ask) == 1 and HTTP_TIMEOUT_MS - 100 <= ask[0]["duration_ms"] <= HTTP_TIMEOUT_MS + 1500, crm_env.explain(
        slow, found, f"expected the http step to give up after about {HTTP_TIMEOUT_MS} ms")
    assert len(crm_env.crm.requests) == 2, crm_env.explain(slow, found, "expected exactly two POSTs in all")


def test_keys_typed_while_a_request_runs_are_kept(crm_env):
    """The caller presses 1 while the http node waits (the CRM answers after 2 s). Keys
    pressed while a lookup or request runs are the caller typing ahead and are kept
    (FlowSession.digit); the barge-in notice that follows must then not wipe them out:
    the key reaches the menu (outcome chose-1), whether it stops the notice or is
    answered after it."""
    call = crm_env.call("type-ahead", TYPING_CALLER, dtmf_pcap.presses((0.8, "1")), wait_s=30, line="7101")
    found = crm_env.finish(call)
    _assert_crm_call(crm_env, call, found)
    ask = found.step("ask")
    assert ask and ask[0]["duration_ms"] >= 1500, crm_env.explain(
        call, found, "the key must have been pressed while the http node waited (the CRM stalls 2 s)")
    digits = [e.get("dtmf.digit") for e in ms.events(crm_env.server, "dtmf", call_id=call.call_id)]
    # A key typed ahead (here during the request) may be the start of a PIN: it is logged
    # masked; the menu's step keeps what it chose.
    assert digits == ["******"], crm_env.explain(call, found, f"expected one key logged masked, got {digits}")
    assert [a["input"] for a in found.step("choose")] == ["1"], crm_env.explain(
        call, found, "expected the menu's step to show the 1 typed ahead")
    assert found.summary["outcome"] == "chose-1", crm_env.explain(
        call, found, "the 1 typed during the http request was lost: expected outcome chose-1 (the menu answered "
                     "by the type-ahead); the notice with barge_in: true cleared the type-ahead instead")


def test_voicemail_and_callback_are_stored(crm_env):
    """The caller speaks after the tone and presses # (the message ends), then hears the
    callback offer: a voicemail row with a mono WAV holding the caller's speech, and a
    callback request for the caller's number at 18:00, both linked to the interaction."""
    prompt_s = 5.0   # "Please leave a message after the tone..." and the beep
    speech = dtmf_pcap.speech_ulaw(WELCOME_ZH, crm_env.workdir)
    call = crm_env.call("voicemail", "13100000007", dtmf_pcap.presses((prompt_s + 3.0, "#")), wait_s=30, line="7102",
                        speech=speech)
    found = crm_env.finish(call)
    _assert_crm_call(crm_env, call, found)
    assert found.summary["outcome"] == "message-left", crm_env.explain(call, found, "expected outcome message-left")
    with sqlite3.connect(f"file:{crm_env.database}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        voicemails = [dict(r) for r in db.execute(
            "SELECT v.* FROM voicemails v JOIN interactions i ON i.id = v.interaction_id WHERE i.sip_call_id = ?",
            (call.call_id,))]
        callbacks = [dict(r) for r in db.execute(
            "SELECT c.* FROM callback_requests c JOIN interactions i ON i.id = c.interaction_id WHERE i.sip_call_id = ?",
            (call.call_id,))]
    assert len(voicemails) == 1, crm_env.explain(call, found, f"expected one voicemail row, found {voicemails}")
    vm = voicemails[0]
    assert (vm["from_address"], vm["to_address"]) == ("13100000007", "7102"), crm_env.explain(
        call, found, f"expected the voicemail from 13100000007 to 7102: {vm}")
    wav = Path(vm["path"])
    assert wav.exists(), crm_env.explain(call, found, f"the voicemail file {wav} is missing")
    audio = rtp.read_wav(wav)
    assert audio.channels == 1 and audio.rate == 8000, crm_env.explain(call, found, f"expected mono 8 kHz, got {audio}")
    # '#' at ~3 s into the message: it holds about that much, and it is speech, not silence.
    assert 1.5 <= audio.duration <= 6.0, crm_env.explain(
        call, found, f"expected the message to end at '#' about 3 s in; it lasted {audio.duration:.2f} s")
    rms = float(np.sqrt(np.mean(np.square(audio.samples.astype(np.float64)))))
    assert rms > 0.01, crm_env.explain(call, found, f"expected the caller's speech in the message; RMS {rms:.4f} of full scale")
    assert len(callbacks) == 1 and callbacks[0]["number"] == "13100000007" and \
        callbacks[0]["preferred_time"] == "18:00" and callbacks[0]["status"] == "pending", crm_env.explain(
        call, found, f"expected one pending callback request for 13100000007 at 18:00, found {callbacks}")


def _assert_crm_call(env: CRMEnv, call: PlacedCall, found: ivr.Stored) -> None:
    assert call.run.returncode == 0 and call.run.successful == 1 and ivr.hotline_hung_up(call.run), env.explain(
        call, found, "expected the call to complete with Hotline's BYE")
    assert found.interaction and found.interaction["state"] == "ended" and found.summary, env.explain(
        call, found, "expected an ended interaction with an IVR summary")


def _reload(env: CRMEnv) -> subprocess.CompletedProcess:
    return subprocess.run([str(env.server.binary), "flow", "reload", "--data-dir", str(env.server.data_dir),
                           "--timeout", "30"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)


def test_reload_refuses_a_broken_flow_and_versions_calls(crm_env):
    """A broken flow file: `hotline flow reload` exits 1 naming the problem, new calls keep
    version 1. A valid change: exit 0, 'version 2'; a call that was waiting at the menu
    during the reload finishes on version 1, a new call runs version 2."""
    original = crm_env.flow.read_text()
    try:
        crm_env.flow.write_text(crm_flow(crm_env.crm.url, broken=True))
        refused = _reload(crm_env)
        assert refused.returncode == 1 and "crm.yaml:" in refused.stdout and "'nowhere'" in refused.stdout, (
            f"a flow naming a node that does not exist ('nowhere') must be refused: expected exit 1 and the problem "
            f"printed with its place (crm.yaml:line:column); got exit {refused.returncode}:\n{refused.stdout}\n{crm_env.server.log_tail()}")
        call = crm_env.call("after-refused", "13100000003", dtmf_pcap.presses((1.0, "1")))
        found = crm_env.finish(call)
        _assert_crm_call(crm_env, call, found)
        assert (found.summary["flow_version"], found.summary["outcome"]) == (1, "http-ok"), crm_env.explain(
            call, found, "after a refused reload a new call must still run version 1 (outcome http-ok)")

        # A call that waits at the menu across the reload (its key comes 12 s in).
        old = crm_env.call("across-reload", "13100000004", dtmf_pcap.presses((12.0, "1")), wait_s=30)
        started = ms.wait_for(crm_env.server, "ivr started", timeout=10, call_id=_call_id_soon(old))
        assert started and started[-1].get("ivr.flow_version") == "1", (
            f"the call across the reload did not start on version 1: {[e.line for e in started]}\n{old.run.report()}")
        crm_env.flow.write_text(crm_flow(crm_env.crm.url, ok_outcome="http-ok-v2"))
        loaded = _reload(crm_env)
        assert loaded.returncode == 0 and "version 2" in loaded.stdout, (
            f"a valid change must be loaded: expected exit 0 and 'version 2'; got exit {loaded.returncode}:\n"
            f"{loaded.stdout}\n{crm_env.server.log_tail()}")
        new = crm_env.call("after-reload", "13100000005", dtmf_pcap.presses((1.0, "1")))
        found_new = crm_env.finish(new)
        _assert_crm_call(crm_env, new, found_new)
        assert (found_new.summary["flow_version"], found_new.summary["outcome"]) == (2, "http-ok-v2"), \
            crm_env.explain(new, found_new, "a call after the reload must run version 2 (outcome http-ok-v2)")
        found_old = crm_env.finish(old)
        _assert_crm_call(crm_env, old, found_old)
        assert (found_old.summary["flow_version"], found_old.summary["outcome"]) == (1, "http-ok"), crm_env.explain(
            old, found_old, "the call in progress during the reload must finish on version 1 (outcome http-ok)")
        wait = found_old.step("wait")
        assert wait and wait[0]["input"] == "1" and wait[0]["duration_ms"] >= 8000, crm_env.explain(
            old, found_old, "expected the old call to have waited at the menu across the reload and pressed 1")
    finally:
        crm_env.flow.write_text(original)


def _call_id_soon(call: PlacedCall, timeout: float = 10) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cid = ms.sipp_call(call.run.file("messages.log")).call_id
        if cid:
            call.call_id = cid
            return cid
        time.sleep(0.05)
    return None


# ---------------------------------------------------------------------------
# The harness's caller stream itself
# ---------------------------------------------------------------------------


def test_caller_stream_spells_repeated_keys_like_sipp(tmp_path):
    """harness/dtmf_pcap.py: one SSRC, sequence numbers +1 per packet (an event's end
    packet repeated with its own number), timestamps on the 20 ms audio grid, and each
    event's packets exactly as in SIPp's dtmf_2833_<key>.pcap but for the event code, so
    that 0 0 (and 1 1) are two presses, not a retransmission."""
    need_sipp_pcaps()
    path = dtmf_pcap.rfc4733_stream(tmp_path / "keys.pcap", dtmf_pcap.presses((0.5, "001")), 3.0)
    packets = [rtp.parse_rtp(d) for d in rtp.read_pcap(path)]
    assert len({p.ssrc for p in packets}) == 1, "one SSRC for the whole call"
    problems = []
    for a, b in zip(packets, packets[1:]):
        repeat = b.payload_type == 101 and b.payload == a.payload and b.payload[1] & 0x80
        if (b.seq - a.seq) & 0xFFFF != (0 if repeat else 1):
            problems.append(f"seq {a.seq} -> {b.seq} ({'end repeat' if repeat else 'new packet'})")
        if (b.timestamp - a.timestamp) & 0xFFFFFFFF > 0x7FFFFFFF:
            problems.append(f"timestamp went back: {a.timestamp} -> {b.timestamp}")
    assert not problems, "\n".join(problems)
    events = [p for p in packets if p.payload_type == 101]
    by_start: dict[int, list] = {}
    for p in events:
        by_start.setdefault(p.timestamp, []).append(p)
    assert [group[0].payload[0] for group in by_start.values()] == [0, 0, 1], (
        f"expected three events 0, 0, 1 with their own timestamps; got {[(ts, g[0].payload[0]) for ts, g in by_start.items()]}")
    for key, group in zip("001", by_start.values()):
        name = {"*": "star", "#": "pound"}.get(key, key)
        sipps = [p for p in (rtp.parse_rtp(d) for d in rtp.read_pcap(dtmf_pcap.SIPP_PCAPS / f"dtmf_2833_{name}.pcap"))
                 if p.payload_type == 101]
        assert [(p.marker, p.payload) for p in group] == [(p.marker, p.payload) for p in sipps], (
            f"event {key}: ours {[(p.marker, p.payload.hex()) for p in group]} vs SIPp's "
            f"{[(p.marker, p.payload.hex()) for p in sipps]}")
