"""Routing end to end (test_routing.py): a SIPp caller works through the telecom IVR into a
queue, routing rings an agent's SIPp phone (harness/agents.py), and the agents are driven
over the HTTP API. This module holds the pieces:

* ``routing_config``: config/demo.yaml with MD5-only digest (SIPp) and the queues' times
  shortened by named overrides (``FAST_QUEUES``);
* ``API``: a urllib client for ``/api/v1`` signing in with HTTP Basic (SIP extension and
  SIP password);
* ``RoutingCaller``: an IVR caller (scenarios/ivr_uac.xml) whose From has a display name
  (agent_answer.xml checks for one) and whose voice is a steady tone, so its audio can be
  found in the recording;
* readers of what the server stored: the call record with its segments and transfers,
  the recording, the agents' state changes (SQLite, read-only);
* ``timed_messages`` (SIPp's traces with their times) and ``dominant_hz`` (an FFT peak).
"""

from __future__ import annotations

import base64
import http.client
import json
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from . import dtmf_pcap, rtp, sipmsg, sipp
from .server import HotlineServer
from .sipmsg import SipMessage

# Every agent of the demo configuration, with their SIP password (= API password).
PASSWORDS = {"1001": "agent1001", "1002": "agent1002", "1003": "agent1003", "2001": "super2001"}
SUPERVISOR = "2001"

# Shorter than the demo's so a module runs in minutes; every other queue setting stays.
FAST_QUEUES: dict[str, dict[str, object]] = {
    # wrap_up_seconds 3: the agent is available again 3 s after the call.
    "telecom": {"ring_seconds": 4, "wrap_up_seconds": 3, "announce_every_seconds": 5},
    # The demo's `wrap_up_seconds: agent` and `wrap_up_requires_disposition: true` stay.
    "cards": {"ring_seconds": 4, "announce_every_seconds": 5},
}


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


def routing_config(base: Path, out: Path, *, queues: dict[str, dict[str, object]] | None = None,
                   rtp_ports: str | None = None, trunk: str | None = None,
                   media: dict[str, object] | None = None) -> Path:
    """``base`` (config/demo.yaml) written to ``out`` with relative prompt, flow, web and
    OpenAPI paths made absolute, digest offered as MD5 only (SIPp 3.6 answers nothing else), each queue in
    ``queues`` (default ``FAST_QUEUES``) given the settings listed for it, and
    ``media.rtp_ports``, other ``media`` settings and the outbound ``trunk`` (a SIP URI)
    when given."""
    root = base.resolve().parent.parent
    text = base.read_text().replace("../prompts/", f"{root / 'prompts'}/").replace("../flows/", f"{root / 'flows'}/")
    config = yaml.safe_load(text)
    config["sip"]["auth_algorithms"] = ["MD5"]
    # The web desktop and the OpenAPI document, relative to the configuration's directory.
    for key in ("web_root", "openapi"):
        if key in config.get("http", {}):
            config["http"][key] = str((base.resolve().parent / config["http"][key]).resolve())
    if rtp_ports:
        config["media"]["rtp_ports"] = rtp_ports
    config["media"].update(media or {})
    if trunk:
        config["trunk"] = {"uri": trunk, "caller_id": "10000"}
    by_id = {q["id"]: q for q in config["queues"]}
    for queue_id, settings in (FAST_QUEUES if queues is None else queues).items():
        if queue_id not in by_id:
            raise AssertionError(f"{base} has no queue {queue_id!r} to override (queues: {sorted(by_id)})")
        by_id[queue_id].update(settings)
    out.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return out


def queue_setting(config: Path, queue_id: str, key: str):
    """One setting of one queue as the configuration file says it."""
    for queue in yaml.safe_load(config.read_text())["queues"]:
        if queue["id"] == queue_id:
            return queue.get(key)
    raise KeyError(queue_id)


# ---------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------


@dataclass
class Reply:
    method: str
    path: str
    status: int
    body: object            # parsed JSON, or the raw text when it is not JSON
    headers: dict[str, str]

    @property
    def error_code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} {json.dumps(self.body, ensure_ascii=False)}"


@dataclass
class API:
    """``/api/v1`` on ``host:port``; every call signs in as ``user`` (default: the agent the
    path names, else the supervisor) with the demo password."""

    host: str
    port: int
    timeout: float = 10.0

    @classmethod
    def of(cls, server: HotlineServer) -> "API":
        return cls(host=server.address[0], port=server.http_port)

    def request(self, method: str, path: str, body: object | None = None, *, user: str = SUPERVISOR,
                password: str | None = None) -> Reply:
        url = f"http://{self.host}:{self.port}/api/v1{path}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        secret = PASSWORDS.get(user, "") if password is None else password
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw, headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, raw, headers = error.code, error.read(), dict(error.headers)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            # No HTTP answer at all (the server is gone): status 0, so that the test reports
            # it with everything else it saw instead of stopping here.
            return Reply(method, path, 0, f"no answer: {error!r}", {})
        text = raw.decode("utf-8", "replace")
        try:
            parsed: object = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = text
        return Reply(method, path, status, parsed, headers)

    # The routes of docs/api.md; the agent signs in as themselves unless ``user`` says otherwise.
    def agent(self, agent: str, *, user: str | None = None) -> Reply:
        return self.request("GET", f"/agents/{agent}", user=user or agent)

    def login(self, agent: str, ready: bool, *, user: str | None = None) -> Reply:
        return self.request("POST", f"/agents/{agent}/login", {"ready": ready}, user=user or agent)

    def logout(self, agent: str, *, force: bool = False, user: str | None = None) -> Reply:
        return self.request("POST", f"/agents/{agent}/logout", {"force": force} if force else None,
                            user=user or agent)

    def set_state(self, agent: str, state: str, reason: str | None = None, *, user: str | None = None) -> Reply:
        body = {"state": state} if reason is None else {"state": state, "reason": reason}
        return self.request("PUT", f"/agents/{agent}/state", body, user=user or agent)

    def wrap_up(self, agent: str, disposition: str | None = None, notes: str | None = None, *,
                user: str | None = None) -> Reply:
        body = {k: v for k, v in (("disposition", disposition), ("notes", notes)) if v is not None}
        return self.request("POST", f"/agents/{agent}/wrap-up", body, user=user or agent)

    def transfer(self, agent: str, *, user: str | None = None, **target: str) -> Reply:
        return self.request("POST", f"/agents/{agent}/transfer", target, user=user or agent)

    def state(self, agent: str) -> str | None:
        reply = self.agent(agent)
        return reply.body.get("state") if reply.status == 200 and isinstance(reply.body, dict) else None

    def wait_state(self, agent: str, state: str, timeout: float) -> Reply:
        """Polls GET /agents/{agent} until its state is ``state``; the last reply."""
        deadline = time.monotonic() + timeout
        while True:
            reply = self.agent(agent)
            if (isinstance(reply.body, dict) and reply.body.get("state") == state) or time.monotonic() >= deadline:
                return reply
            time.sleep(0.1)

    def log_everyone_out(self) -> list[str]:
        """The supervisor forces every logged-in agent out (a test's clean-up); what failed."""
        problems = []
        listed = self.request("GET", "/agents")
        if listed.status != 200 or not isinstance(listed.body, list):
            return [str(listed)]
        for agent in listed.body:
            if agent.get("state") != "logged-out":
                reply = self.logout(agent["id"], force=True, user=SUPERVISOR)
                if reply.status != 200:
                    problems.append(str(reply))
        return problems


# ---------------------------------------------------------------------------
# The caller
# ---------------------------------------------------------------------------


CALLER_TONE_HZ = 400.0


def tone_ulaw(hz: float, seconds: float = 1.0, level: float = 0.3) -> bytes:
    """``seconds`` of a sine as 8 kHz mu-law (whole cycles per second: it loops seamlessly)."""
    t = np.arange(int(rtp.RATE * seconds)) / rtp.RATE
    return rtp.g711_encode(level * np.sin(2 * np.pi * hz * t), "ulaw")


@dataclass
class RoutingCaller:
    """A caller dialling ``line`` from ``number`` (shown as ``name``), keying ``keys``
    ((seconds after the ACK, key), RFC 4733) while streaming a ``tone_hz`` tone; it hangs
    up ``wait_s`` after the ACK unless Hotline hangs up first (scenarios/ivr_uac.xml)."""

    label: str
    line: str
    number: str
    name: str
    keys: list[tuple[float, str]]
    wait_s: float
    tone_hz: float = CALLER_TONE_HZ

    def start(self, server: HotlineServer, workdir: Path) -> sipp.SippRun:
        workdir.mkdir(parents=True, exist_ok=True)
        pcap = dtmf_pcap.rfc4733_stream(workdir / f"{self.label}.pcap", self.keys, self.wait_s + 5,
                                        speech=tone_ulaw(self.tone_hz))
        template = (sipp.SCENARIOS / "ivr_uac.xml").read_text()
        plain = "From: <sip:{{CALLER}}@"
        if template.count(plain) != 3:
            raise AssertionError(f"ivr_uac.xml changed: expected 3 x {plain!r} to add a display name to")
        values = {
            "CALLER": self.number, "WAIT_MS": int(self.wait_s * 1000), "PCAP": pcap, "FORMATS": "0 101",
            "EVENT_SDP": "      a=rtpmap:101 telephone-event/8000\n      a=fmtp:101 0-15",
        }
        text = template.replace(plain, f'From: "{self.name}" <sip:{{{{CALLER}}}}@')
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", str(value))
        if "{{" in text:
            raise AssertionError("placeholders left in the caller's scenario")
        scenario = workdir / f"{self.label}.xml"
        scenario.write_text(text)
        budget = int(self.wait_s + 30)
        return sipp.start(self.label, workdir, scenario=str(scenario), remote=server.address, service=self.line,
                          calls=1, global_timeout=budget, recv_timeout_ms=budget * 1000)


def sip_call_id(run: sipp.SippRun) -> str | None:
    """The Call-ID of the caller's INVITE."""
    for item in timed_messages(run):
        if item.direction == "sent" and item.message.method == "INVITE":
            return item.message.call_id
    return None


def wait_call_id(run: sipp.SippRun, timeout: float = 10.0) -> str | None:
    deadline = time.monotonic() + timeout
    while True:
        found = sip_call_id(run)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# SIPp traces with their times
# ---------------------------------------------------------------------------


@dataclass
class Timed:
    at: float               # seconds since the epoch (SIPp's local clock)
    direction: str          # "sent" or "received"
    message: SipMessage

    @property
    def first_line(self) -> str:
        return self.message.text().split("\r\n", 1)[0]


def timed_messages(run: sipp.SippRun) -> list[Timed]:
    """Every message of a run's -trace_msg file with the time SIPp wrote above it."""
    out = []
    for at, direction, body in sipp.trace_entries(run.file("messages.log")):
        if at is None or not body.strip():
            continue
        data = body.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        if b"\r\n\r\n" not in data:
            data += b"\r\n\r\n"
        out.append(Timed(at, direction, sipmsg.parse(data)))
    return out


def find(run: sipp.SippRun, direction: str, *, method: str | None = None, status: int | None = None,
         cseq_method: str | None = None) -> list[Timed]:
    """Requests (``method``) or responses (``status`` and/or ``cseq_method``) a run sent or received."""
    out = []
    for item in timed_messages(run):
        m = item.message
        if item.direction != direction:
            continue
        if method is not None and (m.is_response or m.method != method):
            continue
        if method is None and not m.is_response:
            continue
        if status is not None and m.status != status:
            continue
        if cseq_method is not None and (m.cseq is None or m.cseq[1] != cseq_method):
            continue
        out.append(item)
    return out


def flow(run: sipp.SippRun) -> list[str]:
    """The run's messages as short lines ("> INVITE", "< 200 INVITE"), for failure reports."""
    lines = []
    for item in timed_messages(run):
        m = item.message
        what = f"{m.status} {m.cseq[1] if m.cseq else '?'}" if m.is_response else m.method
        lines.append(f"{'>' if item.direction == 'sent' else '<'} {what}")
    return lines


# ---------------------------------------------------------------------------
# What the server stored
# ---------------------------------------------------------------------------


@dataclass
class StoredCall:
    record: dict | None = None
    segments: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    interaction: dict | None = None
    recordings: list[dict] = field(default_factory=list)

    @property
    def ivr_path(self) -> list[str]:
        return json.loads(self.record["ivr_path"]) if self.record else []

    @property
    def queues(self) -> list[str]:
        return json.loads(self.record["queues"]) if self.record else []

    def describe(self) -> str:
        lines = [f"interaction: {self.interaction}", f"call record: {self.record}", "segments:"]
        lines += [f"  {s}" for s in self.segments]
        lines += ["transfers:"] + [f"  {t}" for t in self.transfers]
        lines += ["recordings:"] + [f"  {r}" for r in self.recordings]
        return "\n".join(lines)


def _connect(database: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    db.row_factory = sqlite3.Row
    return db


def stored_call(database: Path, call_id: str | None) -> StoredCall:
    """The call record (found by the caller's SIP Call-ID), its segments, transfers,
    interaction and recordings; empty when not (yet) stored."""
    out = StoredCall()
    if not call_id or not database.exists():
        return out
    with _connect(database) as db:
        row = db.execute("SELECT * FROM call_records WHERE sip_call_id = ?", (call_id,)).fetchone()
        if row is None:
            return out
        out.record = dict(row)
        key = (row["interaction_id"],)
        out.segments = [dict(r) for r in db.execute(
            "SELECT * FROM call_segments WHERE interaction_id = ? ORDER BY position", key)]
        out.transfers = [dict(r) for r in db.execute(
            "SELECT * FROM call_transfers WHERE interaction_id = ? ORDER BY position", key)]
        interaction = db.execute("SELECT * FROM interactions WHERE id = ?", key).fetchone()
        out.interaction = dict(interaction) if interaction else None
        out.recordings = [dict(r) for r in db.execute(
            "SELECT * FROM recordings WHERE interaction_id = ? ORDER BY started_at", key)]
    return out


def wait_call(database: Path, call_id: str | None, until, timeout: float) -> StoredCall:
    """Polls until ``until(stored)`` holds (or the time is up); the last read."""
    deadline = time.monotonic() + timeout
    while True:
        found = stored_call(database, call_id)
        if until(found) or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def ended(found: StoredCall) -> bool:
    return bool(found.record and found.record["outcome"] is not None)


def wrapped_up(found: StoredCall) -> bool:
    """Ended, and every answered part's wrap-up is over (the record is then final)."""
    return ended(found) and all(s["wrap_up_ms"] > 0 or s["disposition"] is not None
                                for s in found.segments if s["answered_at"] is not None)


def stored_agent_id(database: Path, username: str) -> str:
    """The id the store names agent ``username`` by in state changes and interactions: their
    user's id (call records, the API, phones and logs use the username, the extension)."""
    with _connect(database) as db:
        row = db.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()
    if row is None:
        raise AssertionError(f"no user {username!r} in {database}")
    return row[0]


def last_sequence(database: Path, username: str) -> int:
    """The sequence of the agent's last stored state change (0 before any)."""
    agent = stored_agent_id(database, username)
    with _connect(database) as db:
        row = db.execute("SELECT MAX(sequence) FROM agent_state_changes WHERE agent_id = ?", (agent,)).fetchone()
    return row[0] or 0


def state_changes(database: Path, username: str, after: int) -> list[dict]:
    """The agent's state changes with a sequence above ``after``, in order."""
    agent = stored_agent_id(database, username)
    with _connect(database) as db:
        return [dict(r) for r in db.execute(
            "SELECT * FROM agent_state_changes WHERE agent_id = ? AND sequence > ? ORDER BY sequence",
            (agent, after))]


def wait_changes(database: Path, agent: str, after: int, count: int, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = state_changes(database, agent, after)
        if len(found) >= count or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def transitions(changes: list[dict]) -> list[tuple[str, str, str | None]]:
    """(from, to, reason) of each change."""
    return [(c["from_state"], c["to_state"], c["reason"]) for c in changes]


# ---------------------------------------------------------------------------
# Audio
# ---------------------------------------------------------------------------


def dominant_hz(x: np.ndarray, rate: int) -> tuple[float, float]:
    """The strongest frequency of ``x`` (Hann window) and the share of the signal's power
    within 25 Hz of it (1.0: a pure tone)."""
    if len(x) < rate // 10:
        return (0.0, 0.0)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    spectrum[0] = 0.0
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    peak = int(np.argmax(spectrum))
    total = float(spectrum.sum())
    near = float(spectrum[np.abs(freqs - freqs[peak]) <= 25].sum())
    return (float(freqs[peak]), near / total if total > 0 else 0.0)


def explain(server, *parts: str, stored: "StoredCall | None" = None, runs=(), since: int = 0) -> str:
    """What a failing routing test shows: the given parts, HOTLINE DIED when the server is
    gone, the stored call, each SIPp run's message flow and report, and the server's log
    since ``since``."""
    out = list(parts)
    if not server.is_running():
        out.insert(0, f"HOTLINE DIED (exit status {server.process.returncode}): see the end of the log below")
    if stored is not None:
        out.append("----- stored -----\n" + stored.describe())
    out += [f"{run.name}: {' | '.join(flow(run))}" for run in runs]
    out += [run.report() for run in runs]
    out.append(f"----- hotline log ({server.stderr_path}) -----\n"
               + "\n".join(line for line in server.log_since(since, limit=60_000).splitlines()
                           if "Rendered speech" not in line)[-30_000:])
    return "\n\n".join(out)



@dataclass
class ServerEnv:
    """What a routing test module (routing, callback, transfer) keeps of its server: the
    server, its directory, configuration and API client, and the checks they all use."""
    server: HotlineServer
    workdir: Path
    config: Path
    api: API

    @property
    def database(self) -> Path:
        return self.server.data_dir / "hotline.sqlite"

    def seconds(self, queue: str, key: str) -> int:
        return queue_setting(self.config, queue, key)

    def explain(self, *parts: str, stored: StoredCall | None = None, runs=(), since: int = 0) -> str:
        return explain(self.server, *parts, stored=stored, runs=runs, since=since)

    def restart_if_stopped(self, phones, timeout: float) -> None:
        """Restarts a server an earlier test crashed, and registers ``phones`` again, so
        that one crash does not take the following tests down with it."""
        if self.server.is_running():
            return
        self.server.start(timeout)
        for phone in phones:
            phone.stop()
            phone.register(expires=900)

    def call_ended(self, caller: sipp.SippRun, replies: dict, runs: list, since: int,
                   caller_timeout: float = 40) -> tuple[StoredCall, str]:
        """Waits for the caller's SIPp (and the others in ``runs``, 15 s each) to end, then
        for its stored call to end; returns the call and the explanation for asserts."""
        caller.wait(caller_timeout)
        for run in runs:
            if run is not caller:
                run.wait(15)
        found = wait_call(self.database, sip_call_id(caller), ended, timeout=10)
        why = self.explain(*(f"{k}: {v}" for k, v in replies.items()), stored=found, runs=runs, since=since)
        return found, why
