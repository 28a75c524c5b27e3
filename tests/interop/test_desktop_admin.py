"""The admin page (web/admin.html) in real headless Chromium (harness/browser.py) against a
live Hotline and its admin API (docs/api.md "Administration").

1. The administrator (9000) changes agent 1003's skills: a level of 11 is refused by the
   server and the refusal shows next to that skill's row; levels in range are saved, the
   table shows them, and GET /api/v1/admin/agents/1003 says so.
2. Supervisor 2001 opening admin.html is told the page is for administrators, and the
   page asks the admin API nothing.
3. A flow file with two mistakes is uploaded through the file input; "validate" marks
   both in the text itself (the gutter's line numbers, the tinted lines, the mistaken
   word underlined, the message after the line) and lists them with line and column, as
   the server found them. Fixed in the editor, it validates, then "upload and activate"
   shows the catalog's next version, which GET /api/v1/admin/flows lists.
4. Line 40000 is given another loaded flow from its select (and a flow the server does
   not have is refused next to the select).
5. Queue returns is edited in the form: a service level of 120% is refused next to its
   field; fixed, with wrap-up until the agent ends it and an overflow step added, the
   server's document is exactly the old one with those changes.

One server for the module: config/demo.yaml (routing_config: paths made absolute), its
own data directory and RTP ports. No SIPp: nothing here makes a call. Screenshots go to
artifacts/screenshots/.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import routing as rt
from harness.ports import LOOPBACK
from harness.settings import hotline_config, new_server, ready_timeout, shutdown_problem

try:
    from harness import browser as br
except ImportError as error:  # selenium missing
    br = None
    _IMPORT_PROBLEM = f"selenium is not installed ({error}): run scripts/install-test-deps.sh"
else:
    _IMPORT_PROBLEM = None

# Below the kernel's ephemeral range; test_desktop uses 18000-18499, the others 19000 and up.
RTP_PORTS = "18500-18999"
READY_TIMEOUT = 240.0
ADMIN_PAGE = "/desktop/admin.html"
PASSWORDS = {**rt.PASSWORDS, "9000": "admin9000"}   # the demo's administrator

# A flow with two mistakes: a field a flow file does not have (line 5) and a `next` to a
# node that does not exist (line 11, column 11).
BROKEN_FLOW = """\
# A greeting for the admin page test.
flow: greeting
language: en-US
start: greet
colour: red
prompts:
  hi: {zh-CN: "你好", en-US: "Hello"}
nodes:
  greet:
    play: hi
    next: byee
  bye:
    hangup: {outcome: done}
"""
FIXED_FLOW = BROKEN_FLOW.replace("colour: red\n", "").replace("next: byee", "next: bye")


# ---------------------------------------------------------------------------
# The server and the browsers
# ---------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: object

    def __str__(self) -> str:
        return f"{self.status} {json.dumps(self.body, ensure_ascii=False)}"


@dataclass
class AdminEnv:
    server: object
    workdir: Path

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.server.http_port}"

    def api(self, method: str, path: str, body: object = None, *, user: str = "9000",
            content_type: str = "application/json") -> Reply:
        """One /api/v1 request with HTTP Basic as ``user``; a str body is sent as it is."""
        data = None if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        request = urllib.request.Request(f"{self.base_url}/api/v1{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        secret = base64.b64encode(f"{user}:{PASSWORDS[user]}".encode()).decode()
        request.add_header("Authorization", f"Basic {secret}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        text = raw.decode("utf-8", "replace")
        try:
            return Reply(status, json.loads(text) if text else None)
        except json.JSONDecodeError:
            return Reply(status, text)

    def ok(self, method: str, path: str, body: object = None, **kwargs) -> object:
        reply = self.api(method, path, body, **kwargs)
        assert reply.status in (200, 201), f"{method} /api/v1{path} -> {reply}"
        return reply.body


@pytest.fixture(scope="module")
def env(tmp_path_factory, hotline_bin):
    if _IMPORT_PROBLEM or br.missing():
        pytest.fail(_IMPORT_PROBLEM or br.missing(), pytrace=False)
    workdir = tmp_path_factory.mktemp("desktop-admin")
    config = rt.routing_config(hotline_config(), workdir / "admin.yaml", queues={}, rtp_ports=RTP_PORTS)
    server = new_server(workdir / "hotline", config=config, extra_args=["--rtp-ports", RTP_PORTS])
    server.start(max(ready_timeout(), READY_TIMEOUT))
    try:
        yield AdminEnv(server=server, workdir=workdir)
    finally:
        problem = shutdown_problem(server, "the admin page's server")
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def browsers(env, request):
    """``browsers(label, language)`` starts a headless Chromium on the module's server; all
    are quit at teardown, and their consoles printed when the test failed."""
    yield from br.browsers(env.base_url, request)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def sign_in(page, user: str) -> None:
    page.open(ADMIN_PAGE)
    page.wait_until(lambda: page.visible("login-username"), 20, "the login form")
    page.type("login-username", user)
    page.type("login-password", PASSWORDS[user])
    page.click("login-submit")


def sign_in_admin(page) -> None:
    sign_in(page, "9000")
    page.wait_until(lambda: page.visible("admin-agent-1003"), 20, "the agents table with agent 1003")


def open_tab(page, name: str) -> None:
    page.click(f"tab-{name}")
    page.wait_until(lambda: page.js(f"return !document.getElementById('panel-{name}').hidden"), 5, f"the {name} panel")


def field_error(page, form: str, field: str) -> str:
    """The error shown next to ``[data-field=field]`` in ``form`` (it must be the element
    right after that field, and the field marked), waited for."""
    script = ("const f = document.querySelector(arguments[0]); const el = f && f.querySelector(`[data-field=\"${arguments[1]}\"]`);"
              "if (!el) return 'no field'; const next = el.nextElementSibling;"
              "return el.classList.contains('has-error') && next && next.classList.contains('field-error') ? next.textContent : null;")
    shown = page.wait_until(lambda: page.js(script, form, field), 10, f"an error next to {field} in {form}")
    assert shown != "no field", f"{form} has no [data-field={field!r}]"
    return shown


def notice(page) -> str:
    return page.wait_until(lambda: page.js("const n = document.getElementById('notice'); return !n.hidden && n.textContent"),
                           10, "the notice bar")


def console_problems(page, expected: tuple[tuple[str, int], ...] = ()) -> list[str]:
    """What the page logged at warning or above, less the refusals a test provoked:
    (path, status) pairs, plus the session check before signing in (401)."""
    allowed = tuple(f"{page.base_url}{path} - Failed to load resource: the server responded with a status of {status}"
                    for path, status in (("/api/v1/session", 401), *expected))
    return [e["message"] for e in page.console()
            if e.get("level") in ("SEVERE", "WARNING") and not e["message"].startswith(allowed)]


# ---------------------------------------------------------------------------
# 1. Agents
# ---------------------------------------------------------------------------


def test_admin_changes_an_agents_skills(env, browsers):
    before = env.ok("GET", "/admin/agents/1003")
    assert before["skills"] == {"orders": 8, "returns": 6, "telecom": 3}, before
    page = browsers("admin-9000", "zh-CN")
    sign_in_admin(page)
    page.wait_text("admin-agent-1003-skills", "orders:8, returns:6, telecom:3", 5)
    page.screenshot("1-agents")

    page.click("admin-agent-1003-edit")
    page.wait_until(lambda: page.visible("agent-form"), 10, "the agent form")
    assert page.attribute("agent-name", "value") == "Emily Chen"
    assert page.select("agent-language").first_selected_option.get_attribute("value") == "en-US"
    assert [page.find(f"agent-role-{r}").is_selected() for r in ("agent", "supervisor", "admin")] == [True, False, False]
    level = "document.querySelector('[data-testid=\"agent-form\"] .row[data-skill=\"{0}\"] .skill-level')"

    # Level 11: the server refuses it, and says so next to the telecom row.
    telecom = page.js(f"return {level.format('telecom')}")
    telecom.clear()
    telecom.send_keys("11")
    page.click("agent-save")
    shown = field_error(page, '[data-testid="agent-form"]', "skills.2")
    assert page.js("return document.querySelector('[data-testid=\"agent-form\"] .row.has-error').dataset.skill") == "telecom"
    assert shown.startswith(br.i18n("err.invalid-value", "zh")) and "'telecom'" in shown, shown
    assert env.ok("GET", "/admin/agents/1003")["skills"] == before["skills"], "a refused change was stored"
    page.screenshot("2-level-refused")

    # Telecom 6 and a new skill, broadband 4: saved, shown, and what the server has.
    telecom.clear()
    telecom.send_keys("6")
    page.click("skill-add")
    new_row = page.driver.find_elements(br.By.CSS_SELECTOR, '[data-testid="agent-form"] .row')[-1]
    new_row.find_element(br.By.CSS_SELECTOR, ".skill-name").send_keys("broadband")
    new_level = new_row.find_element(br.By.CSS_SELECTOR, ".skill-level")
    new_level.clear()
    new_level.send_keys("4")
    page.click("agent-save")
    assert notice(page) == br.i18n("admin.agent-saved", "zh", id="1003")
    page.wait_text("admin-agent-1003-skills", "broadband:4, orders:8, returns:6, telecom:6", 5)
    assert not page.js("return document.querySelector('[data-testid=\"agent-form\"] .field-error')"), "an error is still shown"
    page.screenshot("3-saved")
    # The language switch re-labels the open form and the table, and keeps what they show.
    page.click("lang-switch")
    page.wait_until(lambda: page.js("return document.querySelector('[data-testid=\"agent-form\"] h2').textContent")
                    == f"{br.i18n('admin.edit-agent', 'en')} 1003", 5, "the form's heading in English")
    assert page.js("return document.querySelector('#admin-agents thead th:nth-child(4)').textContent") == br.i18n("admin.skills", "en")
    assert page.text("admin-agent-1003-skills") == "broadband:4, orders:8, returns:6, telecom:6"
    assert page.attribute("agent-name", "value") == "Emily Chen"
    stored = env.ok("GET", "/admin/agents/1003")
    assert stored == {**before, "skills": {"broadband": 4, "orders": 8, "returns": 6, "telecom": 6}}, stored
    assert not console_problems(page, (("/api/v1/admin/agents/1003", 422),)), console_problems(page)
    env.ok("PUT", "/admin/agents/1003", {"skills": before["skills"]})


# ---------------------------------------------------------------------------
# 2. Not an admin
# ---------------------------------------------------------------------------


ADMIN_FETCHES = ("return performance.getEntriesByType('resource')"
                 ".filter((e) => new URL(e.name).pathname.startsWith('/api/v1/admin')).map((e) => e.name);")


def test_a_supervisor_is_told_they_are_not_an_admin(env, browsers):
    page = browsers("supervisor-2001", "en")
    sign_in(page, "2001")
    page.wait_until(lambda: page.visible("denied"), 20, "the not-for-you notice")
    page.wait_text("denied-text", br.i18n("admin.denied", "en"), 5)
    assert page.js("return document.querySelector('#denied-view h1').textContent") == br.i18n("app.denied-title", "en")
    assert page.js("return document.getElementById('app-view').hidden") is True
    assert page.js(ADMIN_FETCHES) == [], "the page asked the admin API for a non-admin"
    # The server agrees: a supervisor's session gets 403 from the admin API.
    status, text = page.fetch("GET", "/api/v1/admin/agents")
    assert status == 403 and json.loads(text)["error"]["code"] == "forbidden", f"GET /api/v1/admin/agents as 2001 -> {status} {text}"
    page.click("lang-switch")
    page.wait_text("denied-text", br.i18n("admin.denied", "zh"), 5)
    page.screenshot("denied")
    assert not console_problems(page, (("/api/v1/admin/agents", 403),)), console_problems(page)


# ---------------------------------------------------------------------------
# 3. Flows
# ---------------------------------------------------------------------------


def _marks(page) -> dict:
    return page.js("""
        const gutter = [...document.querySelectorAll('#flow-gutter li.has-problem')];
        const lines = [...document.querySelectorAll('#flow-backdrop .code-line.has-problem')];
        return {
          gutter: gutter.map((li) => li.dataset.line),
          lines: lines.map((div) => [div.dataset.line, div.querySelector('.problem-mark').textContent,
                                     div.querySelector('.problem-note').textContent]),
          // The gutter's number and the tinted line sit at the same height.
          offsets: lines.map((div) => Math.abs(div.getBoundingClientRect().top -
              document.querySelector(`#flow-gutter li[data-line="${div.dataset.line}"]`).getBoundingClientRect().top)),
        };""")


def test_a_flow_with_two_mistakes_is_shown_in_place_then_fixed_and_activated(env, browsers):
    listed = {f["name"]: f for f in env.ok("GET", "/admin/flows")}
    version = next(iter(listed.values()))["version"]
    assert "greeting" not in listed, listed
    # What the server says of the broken file, to compare with what the page shows.
    checked = env.api("POST", "/admin/flows/validate", BROKEN_FLOW, content_type="application/yaml")
    assert checked.status == 422, f"POST /api/v1/admin/flows/validate (the broken flow) -> {checked}"
    problems = checked.body["problems"]
    assert [(p["line"], p["column"], p["code"], p["inThisFile"]) for p in problems] == [
        (5, 1, "unknownField", True), (11, 11, "unknownNode", True)], checked

    page = browsers("admin-9000", "zh-CN")
    sign_in_admin(page)
    open_tab(page, "flows")
    page.wait_text("admin-flow-bank-version", str(version), 5)
    upload = env.workdir / "greeting.yaml"
    upload.write_text(BROKEN_FLOW)
    page.find("flow-file").send_keys(str(upload))
    page.wait_text("flow-detected", br.i18n("admin.flow-detected", "zh", name="greeting"), 5)
    assert page.js("return document.getElementById('flow-text').value") == BROKEN_FLOW
    assert page.js("return document.querySelectorAll('#flow-gutter li').length") == BROKEN_FLOW.count("\n") + 1

    page.click("flow-validate")
    page.wait_attribute("flow-outcome", "data-outcome", "invalid", 15)
    page.wait_text("flow-outcome", br.i18n("admin.flow-problems", "zh", count=2), 2)
    listed_on_page = page.js("""return [...document.querySelectorAll('[data-testid="flow-problem"]')].map((li) =>
        [li.dataset.line, li.dataset.column, li.dataset.code, li.querySelector('.where').textContent,
         li.querySelector('.problem-message').textContent, li.querySelector('.problem-fix')?.textContent ?? null]);""")
    assert listed_on_page == [[str(p["line"]), str(p["column"]), p["code"], br.i18n("admin.at-line", "zh", line=p["line"], column=p["column"]),
                               p["message"], p["fix"]] for p in problems], listed_on_page
    # In place: line numbers 5 and 11 marked beside the text, the mistaken words underlined
    # (from the problem's column to the end of the word), the message after the line.
    marks = _marks(page)
    assert marks["gutter"] == ["5", "11"], marks
    assert marks["lines"] == [["5", "colour:", problems[0]["message"]], ["11", "byee", problems[1]["message"]]], marks
    assert all(offset < 0.5 for offset in marks["offsets"]), marks
    page.js("document.getElementById('flow-editor').scrollIntoView({block: 'start'})")
    page.screenshot("1-two-problems")

    # The second problem's place link puts the cursor on line 11, column 11.
    page.driver.find_elements(br.By.CSS_SELECTOR, '[data-testid="flow-problem"] .where')[1].click()
    cursor = page.js("const t = document.getElementById('flow-text'); return [document.activeElement === t, t.selectionStart]")
    lines = BROKEN_FLOW.split("\n")
    assert cursor == [True, sum(len(line) + 1 for line in lines[:10]) + 10], cursor

    # Activating the broken flow is refused the same way; nothing is loaded.
    page.js("document.getElementById('flow-result').replaceChildren()")
    page.click("flow-activate")
    page.wait_attribute("flow-outcome", "data-outcome", "invalid", 15)
    assert _marks(page)["gutter"] == ["5", "11"]
    assert env.ok("GET", "/admin/flows") == list(listed.values()), "a refused upload changed the flows"

    # Fixed in the editor: it validates, then upload and activate gives the next version.
    text = page.find("flow-text")
    text.clear()
    text.send_keys(FIXED_FLOW)
    assert page.js("return document.getElementById('flow-text').value") == FIXED_FLOW
    page.click("flow-validate")
    page.wait_attribute("flow-outcome", "data-outcome", "valid", 15)
    page.wait_text("flow-outcome", br.i18n("admin.flow-valid", "zh", name="greeting"), 2)
    assert _marks(page)["gutter"] == [], "problem marks left after a clean check"
    page.click("flow-activate")
    page.wait_attribute("flow-outcome", "data-outcome", "activated", 30)
    page.wait_text("flow-outcome", br.i18n("admin.flow-activated", "zh", name="greeting", version=version + 1), 2)
    assert page.attribute("flow-activated-detail", "data-version") == str(version + 1)
    page.wait_text("admin-flow-greeting-version", str(version + 1), 10)
    page.wait_text("admin-flow-bank-version", str(version + 1), 2)
    page.js("document.getElementById('flow-result').scrollIntoView({block: 'end'})")
    page.screenshot("2-activated")

    after = {f["name"]: f for f in env.ok("GET", "/admin/flows")}
    assert sorted(after) == sorted([*listed, "greeting"]), after
    assert {name: f["version"] for name, f in after.items()} == {name: version + 1 for name in after}, after
    greeting = after["greeting"]
    assert (greeting["uploaded"], greeting["lines"], greeting["language"]) == (True, [], "en-US"), greeting
    assert (env.server.data_dir / "flows" / "greeting.yaml").read_text() == FIXED_FLOW
    assert not console_problems(page, (("/api/v1/admin/flows/validate", 422), ("/api/v1/admin/flows/greeting", 422))), \
        console_problems(page)


# ---------------------------------------------------------------------------
# 4. Lines
# ---------------------------------------------------------------------------


def test_admin_changes_the_flow_a_line_runs(env, browsers):
    lines = env.ok("GET", "/admin/lines")
    flows = sorted(f["name"] for f in env.ok("GET", "/admin/flows"))
    assert {line["number"]: line["flow"] for line in lines} == {"10000": "telecom", "40000": "shop", "95500": "bank"}, lines
    page = browsers("admin-9000", "en")
    sign_in_admin(page)
    open_tab(page, "lines")
    page.wait_until(lambda: page.visible("admin-line-40000"), 10, "line 40000")
    for line in lines:
        chosen = page.select(f"line-{line['number']}-flow")
        assert chosen.first_selected_option.get_attribute("value") == line["flow"], line
        assert [o.get_attribute("value") for o in chosen.options] == flows, "the select offers other than the loaded flows"

    try:
        page.select("line-40000-flow").select_by_value("telecom")
        page.click("line-40000-save")
        assert notice(page) == br.i18n("admin.line-saved", "en", number="40000", flow="telecom")
        assert env.ok("GET", "/admin/lines/40000") == {"number": "40000", "name": "Online shop service line / 网店客服热线",
                                                         "flow": "telecom"}
        by_name = {f["name"]: f for f in env.ok("GET", "/admin/flows")}
        assert (by_name["telecom"]["lines"], by_name["shop"]["lines"]) == (["10000", "40000"], []), by_name
        open_tab(page, "flows")
        page.wait_text("admin-flow-telecom-lines", "10000, 40000", 5)
        page.wait_text("admin-flow-shop-lines", "—", 5)
        open_tab(page, "lines")
        assert page.select("line-40000-flow").first_selected_option.get_attribute("value") == "telecom"
        page.screenshot("1-line-changed")

        # A flow the server does not have (say, the page is older than the catalog) is
        # refused, next to the select; the line keeps its flow.
        page.js("const s = document.querySelector('[data-testid=\"line-40000-flow\"]');"
                "s.append(new Option('retired', 'retired')); s.value = 'retired';")
        page.click("line-40000-save")
        shown = field_error(page, '[data-testid="admin-line-40000"]', "flow")
        assert shown.startswith(br.i18n("err.unknown-flow", "en")) and "'retired'" in shown, shown
        assert env.ok("GET", "/admin/lines/40000")["flow"] == "telecom"
        page.screenshot("2-unknown-flow")
        assert not console_problems(page, (("/api/v1/admin/lines/40000", 422),)), console_problems(page)
    finally:
        env.ok("PUT", "/admin/lines/40000", {"flow": "shop"})


# ---------------------------------------------------------------------------
# 5. Queues
# ---------------------------------------------------------------------------


def _set(page, testid: str, value: str) -> None:
    element = page.find(testid)
    element.clear()
    element.send_keys(value)


def test_admin_edits_a_queue(env, browsers):
    before = env.ok("GET", "/admin/queues/returns")
    assert (before["escalation"], before["wrap_up_seconds"], before["wrap_up_requires_disposition"]) == (
        [{"after_seconds": 120, "add_skill": "orders:5"}], 10, False), before
    page = browsers("admin-9000", "zh-CN")
    sign_in_admin(page)
    open_tab(page, "queues")
    page.click("admin-queue-returns-edit")
    page.wait_until(lambda: page.visible("queue-form"), 10, "the queue form")
    assert page.attribute("queue-name-zh", "value") == before["names"]["zh-CN"]
    assert page.attribute("queue-ring-seconds", "value") == str(before["ring_seconds"])
    assert page.select("queue-strategy").first_selected_option.get_attribute("value") == before["strategy"]

    try:
        _set(page, "queue-ring-seconds", "20")
        page.select("queue-wrap-up-mode").select_by_value("agent")
        page.find("queue-disposition").click()
        _set(page, "queue-sl-percent", "120")
        _set(page, "queue-sl-seconds", "25")
        page.click("step-add")
        row = page.driver.find_elements(br.By.CSS_SELECTOR, '[data-testid="escalation"] .row')[-1]
        after = row.find_element(br.By.CSS_SELECTOR, ".step-after")
        after.clear()
        after.send_keys("200")
        br.Select(row.find_element(br.By.CSS_SELECTOR, ".step-kind")).select_by_value("overflow")
        br.Select(row.find_element(br.By.CSS_SELECTOR, ".step-value")).select_by_value("general")

        # 120 %: the server's problem names the key, and the page puts it by that field.
        page.click("queue-save")
        shown = field_error(page, '[data-testid="queue-form"]', "service_level.percent")
        assert shown.startswith(br.i18n("err.invalid-value", "zh")) and "120" in shown and "queues[0]" not in shown, shown
        assert env.ok("GET", "/admin/queues/returns") == before, "a refused queue was applied"
        page.screenshot("1-percent-refused")

        _set(page, "queue-sl-percent", "85")
        page.click("queue-save")
        assert notice(page) == br.i18n("admin.queue-saved", "zh", id="returns")
        stored = env.ok("GET", "/admin/queues/returns")
        assert stored == {**before, "ring_seconds": 20, "wrap_up_seconds": "agent", "wrap_up_requires_disposition": True,
                          "service_level": {"percent": 85, "seconds": 25},
                          "escalation": [*before["escalation"], {"after_seconds": 200, "overflow": "general"}]}, stored
        # The form shows what the server kept.
        page.wait_until(lambda: page.attribute("queue-sl-percent", "value") == "85", 5, "the saved form")
        assert page.find("queue-wrap-up-seconds").get_attribute("disabled") is not None
        page.screenshot("2-saved")
        assert not console_problems(page, (("/api/v1/admin/queues/returns", 422),)), console_problems(page)
    finally:
        env.ok("PUT", "/admin/queues/returns", before)
