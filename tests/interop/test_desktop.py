"""The web desktop in real headless Chromium (harness/browser.py) against a live Hotline.

1. Agent 1002 (王强, skills cards and banking) signs in to /desktop/ and goes available; a
   registered SIPp phone is theirs and rings 3 s before it answers. A SIPp caller from
   王芳's number dials the bank line 95500, keys 1 (Chinese), her card number and PIN
   (verified) and 0 (an agent: queue banking). While the phone rings, within 1 s of it
   receiving the INVITE, the page shows the screen pop: her name, "verified by card PIN"
   (web/i18n.js), her balance (computed from the stored demo data), her IVR path with
   the card number and PIN masked. The phone answers, the caller hangs up; the wrap-up
   form refuses to end without a disposition (the queue requires one), then the agent
   picks one of the server's codes, adds notes and is available again; the interaction
   (GET /api/v1/interactions/{id}) and its call segment in SQLite have both.
2. Supervisor 2001 watches the wallboard while a caller waits in queue telecom with
   nobody ready; the waiting count and another agent's state changes (made over the API)
   show up without a reload and without the page fetching anything (WebSocket only).
3. Small ones: a wrong password, signing out (the old cookie is refused), the language
   switch.

One server for the module: config/demo.yaml with MD5-only digest (SIPp), the routing
tests' shorter queue times (harness.routing.FAST_QUEUES), ``web_root`` made absolute,
and queue banking given what the demo gives queue cards: wrap-up until the agent ends
it, with a disposition required (the demo's banking queue ends wrap-up by itself after
10 s, which would race the page). Screenshots go to artifacts/screenshots/.

Needs chromium + chromedriver + selenium, and root or CAP_NET_RAW (SIPp's
play_pcap_audio) like test_routing.py.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from harness import agents, rtp, sipp
from harness import routing as rt
from harness.dtmf_pcap import presses
from harness.ports import LOOPBACK
from harness.settings import hotline_config, new_server, ready_timeout, shutdown_problem
from test_media import need_sipp_pcaps

try:
    from harness import browser as br
except ImportError as error:  # selenium missing
    br = None
    _IMPORT_PROBLEM = f"selenium is not installed ({error}): run scripts/install-test-deps.sh"
else:
    _IMPORT_PROBLEM = None

pytestmark = [pytest.mark.sipp]

# Below the kernel's ephemeral range (32768-60999: SIPp's and Chromium's ports come from
# there); the other modules use 19000-19499 and 20000-33499.
RTP_PORTS = "18000-18499"
READY_TIMEOUT = 240.0

BANK = "95500"
WANG_FANG_PHONE, WANG_FANG_SHOWN = "13600136000", "Wang Fang"
WANG_FANG_CARD, WANG_FANG_PIN = "6222020200112233445", "147258"   # docs/demo-customers.md
TELECOM = "10000"
ZHANG_WEI, ZHANG_WEI_SHOWN = "13800138000", "Zhang Wei"
# The bank's card queue settings for queue banking (see the module doc).
BANKING = {"ring_seconds": 8, "wrap_up_seconds": "agent", "wrap_up_requires_disposition": True}
MASK = "******"                # how the IVR masks a secret input
RING_MS = 3000                 # agent 1002's phone rings this long before answering
POP_LIMIT_S = 1.0              # the issue: the pop within 1 s of the phone starting to ring
PHONES = ("1002", "1003")


# ---------------------------------------------------------------------------
# The server, the phones, the browsers
# ---------------------------------------------------------------------------


@dataclass
class DesktopEnv(rt.ServerEnv):
    phones: dict[str, agents.AgentPhone]

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.server.http_port}"


def _desktop_config(out: Path) -> Path:
    queues = {**rt.FAST_QUEUES, "banking": BANKING}
    config = rt.routing_config(hotline_config(), out, rtp_ports=RTP_PORTS, queues=queues)
    data = yaml.safe_load(config.read_text())
    # The copy lives elsewhere: the http section's paths (the pages, the OpenAPI document),
    # like the prompts and flows, made absolute against the original's directory.
    base = hotline_config().resolve().parent
    http_section = data.setdefault("http", {})
    for key in ("web_root", "openapi"):
        if isinstance(http_section.get(key), str) and not Path(http_section[key]).is_absolute():
            http_section[key] = str((base / http_section[key]).resolve())
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return config


@pytest.fixture(scope="module")
def env(tmp_path_factory, hotline_bin, sipp_bin):
    if _IMPORT_PROBLEM or br.missing():
        pytest.fail(_IMPORT_PROBLEM or br.missing(), pytrace=False)
    need_sipp_pcaps()
    if not rtp.can_spoof():
        pytest.skip("SIPp's play_pcap_audio needs root or CAP_NET_RAW")
    workdir = tmp_path_factory.mktemp("desktop")
    config = _desktop_config(workdir / "desktop.yaml")
    server = new_server(workdir / "hotline", config=config, extra_args=["--rtp-ports", RTP_PORTS])
    server.start(max(ready_timeout(), READY_TIMEOUT))
    phones = {user: agents.AgentPhone(user=user, password=rt.PASSWORDS[user], workdir=workdir / f"phone-{user}",
                                      server=server.address) for user in PHONES}
    try:
        for phone in phones.values():
            phone.register(expires=900)
        yield DesktopEnv(server=server, workdir=workdir, config=config, api=rt.API.of(server), phones=phones)
    finally:
        for phone in phones.values():
            phone.stop()
        problem = shutdown_problem(server, "the desktop server")
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def calls(env):
    """A test's SIPp runs, killed by PID afterwards; every agent is logged out before and after."""
    env.restart_if_stopped(env.phones.values(), max(ready_timeout(), READY_TIMEOUT))
    problems = env.api.log_everyone_out()
    assert not problems, f"could not log the agents out before the test: {problems}"
    runs: list[sipp.SippRun] = []
    yield runs
    for run in runs:
        run.kill()
    for phone in env.phones.values():
        phone.stop()
    env.api.log_everyone_out()


@pytest.fixture
def browsers(env, request):
    """``browsers(label, language)`` starts a headless Chromium on the module's server; all
    are quit at teardown, and their consoles printed when the test failed."""
    yield from br.browsers(env.base_url, request)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def sign_in(page: br.Browser, path: str, user: str, password: str | None = None) -> None:
    page.open(path)
    page.wait_until(lambda: page.visible("login-username"), 20, "the login form")
    page.type("login-username", user)
    page.type("login-password", rt.PASSWORDS[user] if password is None else password)
    page.click("login-submit")


def ring_then_answer(phone: agents.AgentPhone, ring_ms: int, *, global_timeout: int = 120) -> sipp.SippRun:
    """The phone's answering scenario (agent_answer.xml, waits for Hotline's BYE) with a
    pause of ``ring_ms`` between its 180 Ringing and its 200 OK."""
    template = (sipp.SCENARIOS / agents.BEHAVIOURS["answer"]).read_text()
    anchor = "  <send retrans=\"500\">\n    <![CDATA[\n\n      SIP/2.0 200 OK"
    if template.count(anchor) != 1:
        raise AssertionError("agent_answer.xml changed: its 200 OK send is not where this test adds the ring")
    scenario = phone.workdir / "agent_ring_then_answer.xml"
    scenario.write_text(template.replace(anchor, f"  <pause milliseconds=\"{ring_ms}\"/>\n\n" + anchor))
    agents.write_audio(phone.audio_path)
    run = sipp.start_uas(f"{phone.user}-ring-then-answer-{len(phone.runs) + 1:02d}", phone.workdir,
                         scenario=str(scenario), port=phone.port, service=phone.user, calls=1,
                         global_timeout=global_timeout, extra=["-set", "hangup_after_ms", "0"])
    phone.runs.append(run)
    return run


def http(env: DesktopEnv, method: str, path: str, *, cookie: str | None = None, user: str | None = None) -> rt.Reply:
    """One request with a session cookie, or HTTP Basic as ``user``, or nothing."""
    request = urllib.request.Request(f"{env.base_url}{path}", method=method)
    if cookie is not None:
        request.add_header("Cookie", f"hotline_session={cookie}")
    if user is not None:
        secret = base64.b64encode(f"{user}:{rt.PASSWORDS[user]}".encode()).decode()
        request.add_header("Authorization", f"Basic {secret}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), dict(error.headers)
    text = raw.decode("utf-8", "replace")
    try:
        body: object = json.loads(text) if text else None
    except json.JSONDecodeError:
        body = text
    return rt.Reply(method, path, status, body, headers)


def session_cookie(page: br.Browser) -> str | None:
    for cookie in page.driver.get_cookies():
        if cookie["name"] == "hotline_session":
            return cookie["value"]
    return None


@dataclass
class DemoCard:
    customer: str
    name_zh: str
    name_en: str
    balance_minor: int
    currency: str


def demo_card(database: Path, card: str) -> DemoCard:
    """The stored demo data behind a card: its owner and the balance of its account."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
        row = db.execute(
            "SELECT c.id, c.name_zh, c.name_en, a.balance_minor, a.balance_currency FROM cards k "
            "JOIN customers c ON c.id = k.customer_id JOIN service_accounts a ON a.number = k.account_number "
            "WHERE k.number = ?", (card,)).fetchone()
    if row is None:
        raise AssertionError(f"no demo card {card} in {database}: is ivr.demo_data on?")
    return DemoCard(*row)


def money_zh(minor: int, currency: str) -> str:
    """What the page's formatMoney shows in Chinese (Intl zh-CN, narrow symbol): ¥12,345.67."""
    assert currency == "CNY", f"this test knows the yuan's symbol only, not {currency}"
    sign = "-" if minor < 0 else ""
    return f"{sign}¥{abs(minor) / 100:,.2f}"


POP_WATCH = """
// Records (Date.now()) when the screen pop first shows the customer: the pop section
// visible and its customer name filled in.
window.__popAt = null;
const seen = () => {
  const pop = document.querySelector('[data-testid="pop"]');
  const name = document.querySelector('[data-testid="pop-customer-name"]');
  if (window.__popAt === null && pop && !pop.hidden && name && name.textContent.trim()) {
    window.__popAt = Date.now();
  }
};
new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
"""


# ---------------------------------------------------------------------------
# 1. The screen pop of a verified bank caller, the call, the wrap-up
# ---------------------------------------------------------------------------


def test_screen_pop_verified_bank_caller_wrap_up(env, calls, browsers, record_property):
    db, api = env.database, env.api
    since = env.server.log_size()
    expected = demo_card(db, WANG_FANG_CARD)
    phone_run = ring_then_answer(env.phones["1002"], RING_MS)
    calls.append(phone_run)

    page = browsers("agent-1002", "zh-CN")
    sign_in(page, "/desktop/", "1002")
    # Signing in logs the agent in to routing, not ready.
    page.wait_attribute("state", "data-state", "not-ready", 20)
    page.screenshot("1-signed-in")
    page.click("state-available")
    page.wait_attribute("state", "data-state", "available", 10)
    page.wait_text("state", br.i18n("state.available", "zh"), 5)
    assert api.state("1002") == "available", api.agent("1002")
    page.js(POP_WATCH)

    caller = rt.RoutingCaller("bank-pop", BANK, WANG_FANG_PHONE, WANG_FANG_SHOWN,
                              presses((1.0, "1" + WANG_FANG_CARD + WANG_FANG_PIN + "0")), wait_s=26.0)
    caller_run = caller.start(env.server, env.workdir / "bank-pop")
    calls.append(caller_run)

    invite = agents.wait_for_invite(phone_run, timeout=45)
    why = lambda *parts: env.explain(*parts, runs=[caller_run, phone_run], since=since)  # noqa: E731
    assert invite is not None, why("agent 1002's phone got no INVITE")
    interaction = agents.interaction_id(invite)
    assert invite.get("X-Hotline-Queue") == "banking", invite.text()

    # The pop, timed from the phone receiving the INVITE (SIPp's trace) to the page showing it.
    pop_at_ms = page.wait_until(lambda: page.js("return window.__popAt"), 10, "the screen pop with a customer name")
    invite_at = rt.find(phone_run, "received", method="INVITE")[0].at
    latency = pop_at_ms / 1000 - invite_at
    print(f"screen pop latency: {latency * 1000:.0f} ms from the phone's INVITE to the pop on the page")
    record_property("screen_pop_ms", round(latency * 1000))
    page.screenshot("2-pop")
    page.wait_text("pop-customer-name", f"{expected.name_zh} · {expected.name_en}", 5)
    page.wait_text("pop-verification", br.i18n("verify.by.card", "zh"), 5)
    page.wait_text("pop-balance", money_zh(expected.balance_minor, expected.currency), 10)
    page.js("arguments[0].scrollIntoView({block: 'center'})", page.find("pop-balance"))
    page.screenshot("2-pop-detail")
    # What the caller did in the IVR, in order, with the card number and PIN masked: the
    # keyed card number is not in the IVR part (the customer's cards further down list it),
    # the PIN is nowhere.
    path = page.js("return [...document.querySelectorAll('[data-testid=\"pop-path\"] li')].map((li) => "
                   "[li.querySelector('.step-node').textContent, li.querySelector('.step-input')?.textContent ?? null])")
    assert [tuple(step) for step in path] == [
        ("lang", "1"), ("begin", None), ("card", MASK), ("pin", MASK), ("check", None), ("main", "0"), ("agent", None)], path
    ivr_part = page.js("return document.querySelector('#pop .pop-ivr').innerText")
    assert WANG_FANG_CARD not in ivr_part and WANG_FANG_PIN not in ivr_part, f"a secret in the pop's IVR part:\n{ivr_part}"
    assert WANG_FANG_PIN not in page.js("return document.body.innerText"), "the PIN is on the page"
    assert latency < POP_LIMIT_S, (
        f"the pop showed {latency * 1000:.0f} ms after the phone received the INVITE (limit {POP_LIMIT_S * 1000:.0f} ms)")

    # The phone answers after ringing; the caller hangs up; the wrap-up form shows.
    page.wait_attribute("state", "data-state", "on-call", RING_MS / 1000 + 10)
    page.wait_attribute("pop-phase", "data-phase", "connected", 5)
    answered = rt.find(phone_run, "sent", status=200, cseq_method="INVITE")
    assert answered and pop_at_ms / 1000 < answered[0].at, (
        f"the pop showed at {pop_at_ms / 1000:.3f}, not while the phone rang (it answered at "
        f"{answered[0].at if answered else None})")
    caller_run.wait(60)
    page.wait_attribute("state", "data-state", "wrap-up", 15)
    page.wait_until(lambda: page.visible("wrapup-form"), 5, "the wrap-up form")
    page.screenshot("3-wrap-up")

    # Without a disposition the queue refuses to end the wrap-up, and the page says why.
    page.click("wrapup-submit")
    refusal = page.wait_until(lambda: page.js(
        "const e = document.querySelector('#wrapup-form .field-error'); return e && e.textContent"), 10,
        "the disposition-required error under the form")
    assert refusal.startswith(br.i18n("err.disposition-required", "zh")), refusal
    assert page.attribute("state", "data-state") == "wrap-up"

    # The codes offered are the server's (GET /api/v1/dispositions); pick the first.
    status, text = page.fetch("GET", "/api/v1/dispositions")
    assert status == 200, f"GET /api/v1/dispositions -> {status} {text} (the page's disposition list comes from it)"
    listed = json.loads(text)
    codes = [d["code"] for d in (listed["items"] if isinstance(listed, dict) else listed)]
    offered = [o.get_attribute("value") for o in page.select("disposition").options]
    assert offered == ["", *codes], f"the disposition select offers {offered}, the server lists {codes}"
    assert codes, f"GET /api/v1/dispositions lists no codes: {text}"
    disposition = codes[0]
    notes = "核实身份后已转人工 / verified, put through (browser test)"
    page.select("disposition").select_by_value(disposition)
    page.type("notes", notes)
    page.click("wrapup-submit")
    page.wait_attribute("state", "data-state", "available", 10)
    page.wait_until(lambda: not page.visible("wrapup-form"), 5, "the wrap-up form gone")
    page.screenshot("4-after")
    assert api.state("1002") == "available", api.agent("1002")

    # The stored record: the interaction over the API, and the call segment in SQLite.
    stored = rt.wait_call(db, rt.sip_call_id(caller_run), rt.wrapped_up, timeout=10)
    explained = env.explain(stored=stored, runs=[caller_run, phone_run], since=since)
    assert stored.record is not None and stored.record["interaction_id"] == interaction, explained
    assert [(s["agent_id"], s["queue"], s["result"], s["disposition"], s["notes"]) for s in stored.segments] == [
        ("1002", "banking", "answered", disposition, notes)], explained
    assert stored.record["disposition"] == disposition, explained
    detail = http(env, "GET", f"/api/v1/interactions/{interaction}", user="1002")
    assert detail.status == 200, f"{detail}\n(the contract: GET /api/v1/interactions/{{id}} with disposition and notes)"
    assert (detail.body.get("disposition"), detail.body.get("notes")) == (disposition, notes), detail

    # The phone rang RING_MS, answered, and Hotline hung up after the caller.
    assert rt.flow(phone_run) == ["< INVITE", "> 180 INVITE", "> 200 INVITE", "< ACK", "< BYE", "> 200 BYE"], explained
    caller_run.assert_all_successful(1)
    # Nothing went wrong on the page but the two refusals this test provoked: the session
    # check before signing in (401) and the wrap-up without a disposition (422).
    expected_refusals = (f"{env.base_url}/api/v1/session - Failed to load resource: the server responded with a status of 401",
                         f"{env.base_url}/api/v1/agents/1002/wrap-up - Failed to load resource: the server responded with a status of 422")
    problems = [e["message"] for e in page.console()
                if e.get("level") in ("SEVERE", "WARNING") and not e["message"].startswith(expected_refusals)]
    assert not problems, "the page logged problems:\n" + "\n".join(problems)


SHOP = "40000"                 # "1 0": an agent, queue orders (agent 1003)
STRANGER, STRANGER_SHOWN = "13612340000", "Stranger"


def test_unknown_caller_is_created_and_named_on_the_call(env, calls, browsers):
    """A caller the store does not know: the pop says so and offers the search and the
    create form; the agent creates the customer with the caller's number, and the call is
    theirs in the stored interaction (PUT /api/v1/interactions/{id}/customer)."""
    api = env.api
    since = env.server.log_size()
    phone_run = ring_then_answer(env.phones["1003"], RING_MS)
    calls.append(phone_run)
    page = browsers("agent-1003", "en-US")
    sign_in(page, "/desktop/", "1003")
    page.wait_attribute("state", "data-state", "not-ready", 20)
    page.click("state-available")
    page.wait_attribute("state", "data-state", "available", 10)

    caller = rt.RoutingCaller("stranger", SHOP, STRANGER, STRANGER_SHOWN, presses((1.0, "10")), wait_s=25.0)
    caller_run = caller.start(env.server, env.workdir / "stranger")
    calls.append(caller_run)
    invite = agents.wait_for_invite(phone_run, timeout=45)
    why = lambda *parts, **kw: env.explain(*parts, runs=[caller_run, phone_run], since=since, **kw)  # noqa: E731
    assert invite is not None, why("agent 1003's phone got no INVITE")
    interaction = agents.interaction_id(invite)
    page.wait_text("pop-customer-name", br.i18n("pop.unknown-caller", "en"), 10)
    page.screenshot("5-unknown-caller")

    # Create them; the form starts with the caller's number.
    page.click("customer-create")
    phones = page.wait_until(lambda: page.find("customer-create-phones"), 5, "the create form's phone field")
    assert phones.get_attribute("value") == STRANGER, phones.get_attribute("value")
    page.type("customer-create-name-en", "Test Stranger")
    page.type("customer-create-name-zh", "测试陌生人")
    page.click("customer-create-submit")
    page.wait_text("pop-customer-name", "测试陌生人 · Test Stranger", 10)
    page.screenshot("6-created")

    # The call goes on and ends; the stored interaction names the new customer.
    caller_run.wait(60)
    stored = rt.wait_call(env.database, rt.sip_call_id(caller_run), rt.ended, timeout=15)
    assert stored.record is not None and stored.record["interaction_id"] == interaction, why(stored=stored)
    detail = http(env, "GET", f"/api/v1/interactions/{interaction}", user="1003")
    assert detail.status == 200, detail
    customer = detail.body.get("customer") or {}
    assert (customer.get("nameEn"), customer.get("nameZh"), customer.get("phoneNumbers")) == (
        "Test Stranger", "测试陌生人", [STRANGER]), detail
    assert detail.body.get("customerId") == customer.get("id"), detail
    # Wrap-up (the orders queue ends it by itself or on the agent's word): free the agent.
    api.wrap_up("1003", "resolved")


# ---------------------------------------------------------------------------
# 2. The supervisor's wallboard, live
# ---------------------------------------------------------------------------

API_FETCHES = ("return performance.getEntriesByType('resource')"
               ".filter((e) => new URL(e.name).pathname.startsWith('/api/')).map((e) => e.name);")


def test_supervisor_wallboard_live(env, calls, browsers):
    api = env.api
    since = env.server.log_size()
    # Nobody telecom can take a call: 1001 and 2001 stay logged out, 1003 (telecom 3, below
    # the queue's 5) is the agent whose state the supervisor watches change.
    assert api.login("1003", ready=False).status == 200
    page = browsers("supervisor-2001", "en")
    sign_in(page, "/desktop/supervisor.html", "2001")
    page.wait_until(lambda: page.visible("queue-telecom"), 20, "the telecom queue tile")
    page.wait_text("queue-telecom-waiting", "0", 5)
    page.wait_attribute("agent-1003-state", "data-state", "not-ready", 5)
    page.wait_until(lambda: page.js("return document.getElementById('stream-status').classList.contains('live')"),
                    10, "the event stream live")
    page.screenshot("1-board")
    before = page.js(API_FETCHES)

    # A caller keys 1 (Chinese) and 0 (an agent) and waits in queue telecom.
    caller = rt.RoutingCaller("wallboard", TELECOM, ZHANG_WEI, ZHANG_WEI_SHOWN, presses((1.0, "10")), wait_s=14.0)
    caller_run = caller.start(env.server, env.workdir / "wallboard")
    calls.append(caller_run)
    why = lambda *parts: env.explain(*parts, runs=[caller_run], since=since)  # noqa: E731
    try:
        page.wait_text("queue-telecom-waiting", "1", 15)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{why()}") from None
    assert page.js("return document.querySelector('[data-testid=\"queue-telecom\"]').classList.contains('busy')")
    page.screenshot("2-waiting")

    # 1003 changes state in another session (the API): the board follows.
    assert api.set_state("1003", "available").status == 200
    page.wait_attribute("agent-1003-state", "data-state", "available", 5)
    page.wait_text("agent-1003-state", br.i18n("state.available", "en"), 2)
    assert api.set_state("1003", "not-ready", "training").status == 200
    page.wait_attribute("agent-1003-state", "data-state", "not-ready", 5)
    # The page names a reason as the server's GET /reasons does (its own words without it).
    reasons = api.request("GET", "/reasons", user="2001")
    training = ({r["code"]: r.get("labelEn") for r in reasons.body}.get("training") if reasons.status == 200 else None)
    page.wait_text("agent-1003-reason-text", training or br.i18n("reason.training", "en"), 2)
    page.screenshot("3-agent-changed")
    pushed_only = (f"the wallboard fetched over HTTP while it should only listen to its WebSocket:\n"
                   f"before: {before}\nafter:  {{}}")
    assert page.js(API_FETCHES) == before, pushed_only.format(page.js(API_FETCHES))

    # The caller gives up; the count goes back to 0.
    caller_run.wait(45)
    caller_run.assert_all_successful(1)
    try:
        page.wait_text("queue-telecom-waiting", "0", 10)
    except AssertionError as error:
        queues = {q["id"]: q for q in api.request("GET", "/queues").body}
        raise AssertionError(f"{error}\nthe server's GET /api/v1/queues says telecom: {queues.get('telecom')}\n"
                             + why()) from None
    page.screenshot("4-abandoned")
    assert page.js(API_FETCHES) == before, pushed_only.format(page.js(API_FETCHES))
    assert not page.visible("error"), page.text("error")


# ---------------------------------------------------------------------------
# 3. Sign-in, sign-out, language
# ---------------------------------------------------------------------------


def test_wrong_password_shows_the_error_and_no_session(env, browsers):
    page = browsers("agent-1003", "en")
    sign_in(page, "/desktop/", "1003", password="not-the-password")
    shown = page.wait_until(lambda: page.visible("error") and page.text("error"), 10, "the error bar")
    assert shown.startswith(br.i18n("err.wrong-credentials", "en")), shown
    assert page.visible("login-submit") and not page.js("return !document.getElementById('app-view').hidden")
    assert session_cookie(page) is None, page.driver.get_cookies()
    status, text = page.fetch("GET", "/api/v1/session")
    assert status == 401, f"GET /api/v1/session after a wrong password -> {status} {text}"
    page.screenshot("wrong-password")


def test_logout_returns_to_login_and_the_old_cookie_is_refused(env, calls, browsers):
    page = browsers("agent-1003", "en")
    sign_in(page, "/desktop/", "1003")
    page.wait_attribute("state", "data-state", "not-ready", 20)
    cookie = session_cookie(page)
    assert cookie, page.driver.get_cookies()
    assert http(env, "GET", "/api/v1/session", cookie=cookie).status == 200

    page.driver.find_element(br.By.ID, "logout").click()
    page.wait_until(lambda: page.visible("login-username"), 10, "the login form after signing out")
    page.screenshot("signed-out")
    assert session_cookie(page) is None, page.driver.get_cookies()
    # Signing out of the desktop logs the agent out of routing too.
    assert env.api.state("1003") == "logged-out", env.api.agent("1003")
    old = http(env, "GET", "/api/v1/session", cookie=cookie)
    assert old.status == 401, f"the signed-out cookie still works: {old}"
    again = http(env, "GET", "/api/v1/agents/1003", cookie=cookie)
    assert again.status == 401, f"the signed-out cookie still works: {again}"


def test_language_switch(env, browsers):
    page = browsers("lang", "zh-CN")
    page.open("/desktop/")
    page.wait_until(lambda: page.visible("login-submit"), 20, "the login form")
    page.wait_text("login-submit", br.i18n("login.submit", "zh"), 5)
    assert page.text("lang-switch") == "English"
    assert page.js("return document.getElementById('login-title').textContent") == br.i18n("login.title", "zh")
    page.click("lang-switch")
    page.wait_text("login-submit", br.i18n("login.submit", "en"), 5)
    assert page.js("return document.getElementById('login-title').textContent") == br.i18n("login.title", "en")
    assert page.text("lang-switch") == "中文"
    page.screenshot("english")
    # The choice is remembered across a reload.
    page.open("/desktop/")
    page.wait_text("login-submit", br.i18n("login.submit", "en"), 10)
    page.click("lang-switch")
    page.wait_text("login-submit", br.i18n("login.submit", "zh"), 5)
