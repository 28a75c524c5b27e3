#!/usr/bin/env python3
"""CTI benchmarks of issue #6 (the driver behind scripts/bench-cti.sh).

pop     Screen-pop latency: agent 1001's SIPp phone receives Hotline's INVITE; how long
        until the `interaction.offered` event for that interaction arrives on 1001's own
        WebSocket (/api/v1/events, Bearer token). A SIPp caller ("Zhang Wei",
        13800138000, a demo customer, so the pop carries a customer lookup) dials line
        10000, whose flow here is a one-node `transfer` to queue telecom (no IVR prompts:
        written under the work directory); the phone rings --ring-ms, answers, talks
        --talk-ms and hangs up; wrap-up is 0 s, so the next call is offered at once. The
        INVITE's time is SIPp's -trace_msg stamp for it, its interaction the
        X-Hotline-Interaction header; the event's time is when the client's receive
        returned. Both are this host's wall clock.
fanout  Event fan-out: --clients WebSocket clients (asyncio `websockets`, in --workers
        processes), all signed in with one supervisor session (2001, who sees every
        event), then agents 1001-1003 switch available / not-ready through the REST API
        at --rate changes per second for --seconds (each change: an agent.state event and
        the queue.stats of the agent's queues). Counts what every client received, the
        delivery delay (event `time`, server clock in ms, to arrival), clients closed
        early (4008: too slow) and the CPU of Hotline and of the clients.

Each run starts its own `hotline serve` (config/demo.yaml changed as described in
`write_config`) in a fresh directory, Hotline pinned to core 0 (--server-cpu) and SIPp
and the clients to core 1 (--client-cpu). With --runs N the last line is the median of the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from harness import agents as agent_phones  # noqa: E402
from harness import sipp  # noqa: E402
from harness.ports import LOOPBACK, free_port  # noqa: E402

PASSWORDS = {"1001": "agent1001", "1002": "agent1002", "1003": "agent1003", "2001": "super2001"}
SUPERVISOR = "2001"
LINE = "10000"
CALLER_NUMBER, CALLER_NAME = "13800138000", "Zhang Wei"   # c-demo-001 in the demo data
RTP_PORTS = "17000-17999"   # below the kernel's ephemeral ports (SIPp's media ports come from there)
TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------

FLOW = """\
# scripts/bench_cti.py: the caller goes straight to queue telecom (no prompts, no keys).
flow: bench-pop
description: CTI benchmark, straight to the telecom queue
language: zh-CN
start: agent
nodes:
  agent:
    transfer:
      queue: telecom
      skills: [telecom]
      priority: 5
      reason: "bench: straight to an agent"
"""


def write_config(work: Path, *, log_level: str, base: Path) -> Path:
    """config/demo.yaml with: digest MD5 only (SIPp), no rate limit, line 10000 alone and
    served by FLOW, no recording, queue telecom ringing 15 s with wrap-up 0 s and no
    announcements, absolute web and OpenAPI paths, data in ``work``."""
    demo = base
    config = yaml.safe_load(demo.read_text())
    (work / "flows").mkdir(parents=True, exist_ok=True)
    (work / "flows" / "bench-pop.yaml").write_text(FLOW)
    config["sip"]["auth_algorithms"] = ["MD5"]
    config["sip"]["rate_limit"] = {"per_source_per_second": 0, "burst": 1}
    for key in ("web_root", "openapi"):
        if key in config.get("http", {}):
            config["http"][key] = str((demo.parent / config["http"][key]).resolve())
    config["media"]["rtp_ports"] = RTP_PORTS
    config["media"]["music_on_hold"] = str((demo.parent / config["media"]["music_on_hold"]).resolve())
    config["ivr"]["flows"] = [str(work / "flows")]
    config["lines"] = [{"number": LINE, "name": "CTI bench", "answer_after_ms": 0, "flow": "bench-pop"}]
    for queue in config["queues"]:
        if queue["id"] == "telecom":
            queue.update(ring_seconds=15, wrap_up_seconds=0, announce_every_seconds="never")
            queue.pop("escalation", None)
    config["data_dir"] = str(work / "data")
    config["log_level"] = log_level
    path = work / "bench.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return path


@dataclass
class Server:
    binary: Path
    work: Path
    cpu: str
    base_config: Path = ROOT / "config" / "demo.yaml"
    log_level: str = "warning"
    sip_port: int = 0
    http_port: int = 0
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 240.0) -> None:
        config = write_config(self.work, log_level=self.log_level, base=self.base_config)
        self.sip_port, self.http_port = free_port(), free_port()
        cmd = ["taskset", "-c", self.cpu, str(self.binary), "serve", "--config", str(config),
               "--sip-listen", f"{LOOPBACK}:{self.sip_port}", "--http-listen", f"{LOOPBACK}:{self.http_port}",
               "--data-dir", str(self.work / "data"), "--log-level", self.log_level]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        self.log = self.work / "server.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                            env=env, cwd=self.work)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"hotline exited with {self.process.returncode} while starting:\n{self.tail()}")
            if "SIP listening on" in self.log.read_text(errors="replace") and self.healthy():
                return
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"hotline did not start within {timeout:.0f} s:\n{self.tail()}")

    def healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection(LOOPBACK, self.http_port, timeout=2)
            conn.request("GET", "/api/v1/health")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def ticks(self) -> int:
        return proc_ticks(self.process.pid) if self.process else 0

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            return None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def problems(self) -> list[str]:
        """Warning-or-worse lines of the log (the first few), for the report."""
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if re.search(r"\b(warning|error|critical)\b", line)][:8]


def proc_ticks(pid: int) -> int:
    """utime + stime of a process (all its threads), in clock ticks; 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


class Rest:
    """/api/v1 over one keep-alive connection, with a Bearer token once signed in."""

    def __init__(self, port: int):
        self.port = port
        self.token: str | None = None
        self.conn = http.client.HTTPConnection(LOOPBACK, port, timeout=15)

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self.conn.request(method, f"/api/v1{path}", body=data, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=15)
                if attempt == 2:
                    raise
        try:
            parsed = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            parsed = raw.decode(errors="replace")
        return response.status, parsed

    def sign_in(self, user: str) -> str:
        status, body = self.call("POST", "/sessions", {"username": user, "password": PASSWORDS[user]})
        if status != 201 or not isinstance(body, dict) or "token" not in body:
            raise SystemExit(f"sign-in of {user} failed: {status} {body}")
        self.token = body["token"]
        return self.token

    def expect(self, method: str, path: str, body: object | None = None, ok: tuple[int, ...] = (200,)) -> object:
        status, reply = self.call(method, path, body)
        if status not in ok:
            raise SystemExit(f"{method} /api/v1{path} {body}: {status} {reply}")
        return reply


# ---------------------------------------------------------------------------
# Percentiles
# ---------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest rank (as scripts/bench-ivr.sh): the value at rank ceil(n q)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), -(-int(len(sorted_values) * q * 1_000_000) // 1_000_000)))
    return sorted_values[rank - 1]


# ---------------------------------------------------------------------------
# pop: screen-pop latency
# ---------------------------------------------------------------------------

PHONE_SCENARIO = """\
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- scripts/bench_cti.py: agent 1001's phone. Each INVITE (it must carry
     X-Hotline-Interaction): 180, {ring_ms} ms of ringing, 200 with SDP, ACK, {talk_ms} ms
     of talk (no RTP sent), BYE. A BYE from Hotline during the talk is answered. -->
<scenario name="CTI bench agent phone">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="[^[:space:]]+" search_in="hdr" header="X-Hotline-Interaction:" check_it="true" assign_to="interaction"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="local_to"/>
      <ereg regexp="sip:[^&gt;;[:space:]]*" search_in="hdr" header="Contact:" check_it="true" assign_to="remote_contact"/>
      <log message="offer [$interaction]"/>
    </action>
  </recv>
  <send>
    <![CDATA[

      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[service]@[local_ip]:[local_port]>
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="{ring_ms}"/>
  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[service]@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=agent 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=ptime:20
      a=sendrecv

    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <pause milliseconds="{talk_ms}"/>
  <send retrans="500">
    <![CDATA[

      BYE [$remote_contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$local_to];tag=[pid]SIPpTag01[call_number]
      To: [$remote_from]
      Call-ID: [call_id]
      CSeq: 1 BYE
      Contact: <sip:[service]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" next="done"/>

  <label id="_unexp.main"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <label id="done"/>
</scenario>
"""

CALLER_SCENARIO = """\
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- scripts/bench_cti.py: a caller on line [service]: INVITE (PCMU), 200, ACK, then waits
     for Hotline's BYE (the agent hangs up) and answers it. No RTP sent. -->
<scenario name="CTI bench caller">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{name}" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:{number}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=ptime:20
      a=sendrecv

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200"/>
  <send>
    <![CDATA[

      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{name}" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:{number}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv request="BYE" timeout="60000"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
"""


class PopListener(threading.Thread):
    """Agent 1001's event stream (websocket-client, Bearer), filtered to interaction.offered:
    (arrival time, event) of every pop."""

    def __init__(self, port: int, token: str):
        super().__init__(daemon=True)
        import websocket
        self.ws = websocket.create_connection(
            f"ws://{LOOPBACK}:{port}/api/v1/events?types=interaction.offered",
            header=[f"Authorization: Bearer {token}"], suppress_origin=True, timeout=5)
        self.pops: list[tuple[float, dict]] = []
        self.closed: str | None = None
        self.ready = threading.Event()
        self.stopping = False

    def run(self) -> None:
        import websocket
        while not self.stopping:
            try:
                opcode, data = self.ws.recv_data()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketConnectionClosedException, OSError) as error:
                if not self.stopping:
                    self.closed = f"stream ended: {error!r}"
                return
            at = time.time()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                if self.stopping:
                    return
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                self.closed = f"closed by the server, code {code} {data[2:].decode(errors='replace')}"
                return
            if opcode != websocket.ABNF.OPCODE_TEXT:
                continue
            event = json.loads(data)
            if event.get("type") == "stream.ready":
                self.ready.set()
            elif event.get("type") == "interaction.offered":
                self.pops.append((at, event))

    def stop(self) -> None:
        self.stopping = True
        try:
            self.ws.close()
        except OSError:
            pass


def invites(run: sipp.SippRun) -> list[tuple[float, str | None]]:
    """(SIPp's time stamp, X-Hotline-Interaction) of every INVITE the phone received."""
    out = []
    for at, direction, text in sipp.trace_entries(run.file("messages.log")):
        if direction == "received" and text.startswith("INVITE ") and at is not None:
            match = re.search(r"^X-Hotline-Interaction:\s*(\S+)", text, flags=re.M | re.I)
            out.append((at, match.group(1) if match else None))
    return out


def pop_run(args: argparse.Namespace, index: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"bench-cti-pop-{index}-", dir=args.workdir))
    server = Server(Path(args.bin), work, args.server_cpu, base_config=Path(args.config), log_level=args.log_level)
    runs: list[sipp.SippRun] = []
    listener: PopListener | None = None
    try:
        server.start()
        rest = Rest(server.http_port)
        token = rest.sign_in("1001")
        phone = agent_phones.AgentPhone(user="1001", password=PASSWORDS["1001"], workdir=work / "phone",
                                        server=(LOOPBACK, server.sip_port))
        phone.register(expires=3600)
        (work / "phone.xml").write_text(PHONE_SCENARIO.format(ring_ms=args.ring_ms, talk_ms=args.talk_ms))
        (work / "caller.xml").write_text(CALLER_SCENARIO.format(name=CALLER_NAME, number=CALLER_NUMBER))
        budget = int(args.calls * (args.ring_ms + args.talk_ms + 2000) / 1000) + 60
        answering = sipp.start_uas("phone", work / "phone", scenario=str(work / "phone.xml"), port=phone.port,
                                   service="1001", calls=args.calls, global_timeout=budget,
                                   recv_timeout_ms=budget * 1000,
                                   extra=["-trace_logs", "-log_file", str(work / "phone" / "phone.logs.log")])
        runs.append(answering)
        listener = PopListener(server.http_port, token)
        listener.start()
        if not listener.ready.wait(10):
            raise SystemExit(f"1001's event stream sent no stream.ready within 10 s ({listener.closed})")
        agent = rest.expect("POST", "/agents/1001/login", {"ready": True})
        if agent.get("state") != "available":
            raise SystemExit(f"1001 is not available after login: {agent}")
        h0, t0 = server.ticks(), time.monotonic()
        caller = sipp.start("caller", work / "caller", scenario=str(work / "caller.xml"),
                            remote=(LOOPBACK, server.sip_port), service=LINE, calls=args.calls,
                            rate=10, call_limit=args.concurrent, global_timeout=budget,
                            recv_timeout_ms=budget * 1000, trace_msg=False)
        runs.append(caller)
        caller.wait(budget + 30)
        answering.wait(30)
        elapsed, cpu = time.monotonic() - t0, (server.ticks() - h0) / TICKS
        time.sleep(1.0)  # the last pop, if it is late
        listener.stop()
        rings = invites(answering)
        arrivals: dict[str, float] = {}
        for at, event in listener.pops:
            arrivals.setdefault(event["data"].get("interaction"), at)
        latencies = sorted((arrivals[i] - at) * 1000 for at, i in rings if i in arrivals)
        # The event's own `time` (when Hotline published it, ms) against the INVITE's
        # arrival: negative when the pop is published before the phone has the INVITE.
        published_at = {e["data"].get("interaction"): parse_ms(e["time"]) for _, e in listener.pops}
        publish_offsets = sorted(published_at[i] - at * 1000 for at, i in rings if i in published_at)
        missing = [i for _, i in rings if i not in arrivals]
        extra = len(set(arrivals) - {i for _, i in rings})
        result = {
            "calls": args.calls, "invites": len(rings), "pops": len(listener.pops), "n": len(latencies),
            "missing": len(missing), "unmatched_pops": extra,
            "p50": percentile(latencies, 0.50), "p90": percentile(latencies, 0.90),
            "p99": percentile(latencies, 0.99), "max": latencies[-1] if latencies else float("nan"),
            "min": latencies[0] if latencies else float("nan"),
            "published_p50": percentile(publish_offsets, 0.5), "published_p99": percentile(publish_offsets, 0.99),
            "calls_per_s": len(rings) / elapsed if elapsed else 0.0, "cpu_pct": cpu / elapsed * 100 if elapsed else 0.0,
            "caller_ok": caller.successful, "caller_failed": caller.failed,
            "phone_ok": answering.successful, "phone_failed": answering.failed,
            "closed": listener.closed, "work": str(work),
        }
        if caller.failed or answering.failed or result["missing"] or listener.closed:
            result["why"] = [line for line in (
                caller.report() if caller.failed else "", answering.report() if answering.failed else "",
                f"invites without a pop: {missing[:5]}" if missing else "", listener.closed or "") if line]
        result["server_problems"] = server.problems()
        return result
    finally:
        if listener is not None:
            listener.stop()
        for run in runs:
            run.kill()
        code = server.stop()
        if code not in (0, None) and not args.keep:
            print(f"  hotline exited with {code} after SIGTERM", flush=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def print_pop(result: dict, label: str) -> None:
    print(f"{label:<7} calls={result['calls']} invites={result['invites']} pops={result['pops']} n={result['n']} "
          f"p50={result['p50']:.1f} p90={result['p90']:.1f} p99={result['p99']:.1f} max={result['max']:.1f} "
          f"min={result['min']:.1f} ms (event time - INVITE p50 {result['published_p50']:+.1f}, p99 {result['published_p99']:+.1f} ms); "
          f"{result['calls_per_s']:.2f} calls/s, hotline {result['cpu_pct']:.0f} % of a core; "
          f"caller ok/failed {result['caller_ok']}/{result['caller_failed']}, "
          f"phone ok/failed {result['phone_ok']}/{result['phone_failed']}", flush=True)
    if result.get("missing") or result.get("unmatched_pops"):
        print(f"  invites without a pop: {result['missing']}; pops for no INVITE the phone saw: {result['unmatched_pops']}")
    for line in result.get("why", []):
        print("  " + line.replace("\n", "\n  ")[:4000])
    for line in result.get("server_problems", []):
        print("  server: " + line[:300])


# ---------------------------------------------------------------------------
# fanout: events to many desktops
# ---------------------------------------------------------------------------


def fanout_worker(url: str, token: str, count: int, cpu: int | None, connected, go, stop, results) -> None:
    """One process: ``count`` WebSocket clients on one asyncio loop. Puts ("connected", n)
    once its clients have their stream.ready, then, after ``stop``, its results."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    import websockets
    try:   # websockets >= 13 (PyPI); Debian 12's python3-websockets is 10.4, the legacy API
        from websockets.asyncio.client import connect
        headers_argument = "additional_headers"
    except ImportError:
        from websockets import connect
        headers_argument = "extra_headers"

    async def main() -> dict:
        clients: list[dict] = []
        delays: list[float] = []

        async def client(state: dict) -> None:
            try:
                async with connect(url, **{headers_argument: {"Authorization": f"Bearer {token}"}},
                                   origin=None, max_queue=None, ping_interval=None,
                                   open_timeout=60, close_timeout=2) as ws:
                    state["ws"] = ws
                    async for message in ws:
                        at = time.time()
                        event = json.loads(message)
                        kind = event.get("type", "")
                        if kind == "stream.ready":
                            state["ready"] = True
                            continue
                        if kind.startswith("stream."):
                            state["control"].append(kind)
                            continue
                        if not go.is_set():
                            state["before"] += 1
                            continue
                        state["count"] += 1
                        state["last"] = at
                        seq = event.get("seq", 0)
                        state["first_seq"] = state["first_seq"] or seq
                        if state["last_seq"] and seq != state["last_seq"] + 1:
                            state["gaps"] += 1
                        state["last_seq"] = seq
                        state["types"][kind] = state["types"].get(kind, 0) + 1
                        delays.append(at * 1000 - parse_ms(event["time"]))
                    state["close"] = ws.close_code
            except websockets.ConnectionClosed as closed:
                state["close"] = closed.rcvd.code if closed.rcvd else None
            except Exception as error:  # noqa: BLE001 - reported, never hidden
                state["error"] = repr(error)[:200]
            finally:
                state["ended"] = time.time()

        tasks = []
        for _ in range(count):
            state = {"ready": False, "count": 0, "before": 0, "first_seq": 0, "last_seq": 0, "gaps": 0,
                     "types": {}, "control": [], "close": None, "error": None, "ended": None, "last": None}
            clients.append(state)
            tasks.append(asyncio.create_task(client(state)))
            await asyncio.sleep(0)  # let each connect start before the next (the server sees a ramp)
        deadline = time.monotonic() + 120
        while not all(c["ready"] or c["ended"] for c in clients) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        connected.put(sum(1 for c in clients if c["ready"] and not c["ended"]))
        while not stop.is_set():
            await asyncio.sleep(0.05)
        stopped = time.time()
        for c in clients:
            if c.get("ws") is not None and not c["ended"]:
                c["ended_by_us"] = True
        await asyncio.gather(*(c["ws"].close() for c in clients if c.get("ws") is not None and not c["ended"]),
                             return_exceptions=True)
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            c.pop("ws", None)
            if c.get("ended_by_us"):
                c["close"] = "ours"
        return {"clients": clients, "delays": delays, "stopped": stopped,
                "cpu": (lambda t: t.ru_utime + t.ru_stime)(__import__("resource").getrusage(0))}

    results.put(asyncio.run(main()))


def parse_ms(stamp: str) -> float:
    """Milliseconds since the epoch of an RFC 3339 UTC time ("2026-11-25T10:00:00.123Z")."""
    from datetime import datetime, timezone
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000


def fanout_run(args: argparse.Namespace, index: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"bench-cti-fanout-{index}-", dir=args.workdir))
    server = Server(Path(args.bin), work, args.server_cpu, base_config=Path(args.config), log_level=args.log_level)
    procs: list[mp.Process] = []
    ctx = mp.get_context("fork")
    try:
        server.start()
        rest = Rest(server.http_port)
        token = rest.sign_in(SUPERVISOR)
        for agent in args.agents:
            # Only an agent whose phone is registered may become available.
            agent_phones.AgentPhone(user=agent, password=PASSWORDS[agent], workdir=work / f"phone-{agent}",
                                    server=(LOOPBACK, server.sip_port)).register(expires=3600)
            rest.expect("POST", f"/agents/{agent}/login", {"ready": False})
        url = f"ws://{LOOPBACK}:{server.http_port}/api/v1/events"
        connected, results = ctx.Queue(), ctx.Queue()
        go, stop = ctx.Event(), ctx.Event()
        per = [args.clients // args.workers + (1 if i < args.clients % args.workers else 0) for i in range(args.workers)]
        client_cpu = int(args.client_cpu) if args.client_cpu not in ("", "any") else None
        started = time.monotonic()
        for n in per:
            p = ctx.Process(target=fanout_worker, args=(url, token, n, client_cpu, connected, go, stop, results), daemon=True)
            p.start()
            procs.append(p)
        up = sum(connected.get(timeout=180) for _ in procs)
        connect_s = time.monotonic() - started
        subscribers_note = f"{up} of {args.clients} clients connected in {connect_s:.1f} s"
        time.sleep(1.0)   # the connections' own events settle
        client_ticks0 = sum(proc_ticks(p.pid) for p in procs)
        h0 = server.ticks()
        go.set()
        t_start = time.time()
        # One thread per agent, each with its own keep-alive connection and its share of
        # the rate, so one slow answer does not hold the others back; a change that would
        # start after the window is not made (the generator reports how many it made).
        counts = {agent: [0, 0, 0.0] for agent in args.agents}   # made, refused, slowest answer (s)

        def toggle(agent: str, offset: int) -> None:
            api = Rest(server.http_port)
            api.token = token
            current = "not-ready"
            period = len(args.agents) / args.rate
            k = 0
            while True:
                due = t_start + (offset + k * len(args.agents)) / args.rate
                if due >= t_start + args.seconds:
                    return
                pause = due - time.time()
                if pause > 0:
                    time.sleep(pause)
                elif -pause > period:
                    k += int(-pause / period)   # fell behind: skip the changes whose time has passed
                    continue
                want = "available" if current == "not-ready" else "not-ready"
                sent = time.monotonic()
                status, _ = api.call("PUT", f"/agents/{agent}/state",
                                     {"state": want} if want == "available" else {"state": want, "reason": "break"})
                counts[agent][2] = max(counts[agent][2], time.monotonic() - sent)
                if status == 200:
                    current = want
                    counts[agent][0] += 1
                else:
                    counts[agent][1] += 1
                k += 1

        threads = [threading.Thread(target=toggle, args=(agent, n), daemon=True) for n, agent in enumerate(args.agents)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        changes = sum(c[0] for c in counts.values())
        refused = sum(c[1] for c in counts.values())
        slowest = max(c[2] for c in counts.values())
        asked = int(args.seconds * args.rate)
        t_end = time.time()
        server_cpu = (server.ticks() - h0) / TICKS / (t_end - t_start) * 100
        # What is still on its way arrives during the drain; a client short of events after it is behind.
        time.sleep(args.drain)
        client_cpu_pct = (sum(proc_ticks(p.pid) for p in procs) - client_ticks0) / TICKS / (time.time() - t_start) * 100
        stop.set()
        outs = [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=10)
        clients = [c for out in outs for c in out["clients"]]
        delays = sorted(d for out in outs for d in out["delays"])
        published = max((c["count"] for c in clients), default=0)
        total = sum(c["count"] for c in clients)
        last_arrival = max((c["last"] for c in clients if c["last"]), default=t_end)
        short = [c for c in clients if c["count"] < published]
        closed = [c for c in clients if c["close"] != "ours"]
        kinds: dict[str, int] = {}
        for c in clients:
            if c["count"] == published:
                kinds = c["types"]
                break
        result = {
            "clients": args.clients, "connected": up, "connect_s": connect_s, "changes": changes, "refused": refused,
            "published": published, "events_per_s": published / (t_end - t_start),
            "deliveries": total, "deliveries_per_s": total / (max(last_arrival, t_end) - t_start),
            "window_s": t_end - t_start, "drain_s": max(0.0, last_arrival - t_end), "asked": asked, "slowest": slowest,
            "p50": percentile(delays, 0.5), "p99": percentile(delays, 0.99), "max": delays[-1] if delays else float("nan"),
            "short": len(short), "closed": len(closed),
            "close_codes": sorted({str(c["close"]) for c in closed}),
            "errors": sorted({c["error"] for c in clients if c["error"]})[:3],
            "gaps": sum(c["gaps"] for c in clients), "kinds": kinds,
            "server_cpu": server_cpu, "client_cpu": client_cpu_pct, "note": subscribers_note,
            "server_problems": server.problems(),
        }
        return result
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
        server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def print_fanout(r: dict, label: str) -> None:
    print(f"{label:<7} clients={r['connected']}/{r['clients']} published={r['published']} ({r['events_per_s']:.1f}/s, "
          f"{r['changes']} state changes) deliveries={r['deliveries']} ({r['deliveries_per_s']:.0f}/s) "
          f"delay p50={r['p50']:.1f} p99={r['p99']:.1f} max={r['max']:.1f} ms; behind={r['short']} closed={r['closed']} "
          f"hotline {r['server_cpu']:.0f} %, clients {r['client_cpu']:.0f} % of a core", flush=True)
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["kinds"].items()))
    print(f"  {r['note']}; events: {kinds}; last delivery {r['drain_s']:.2f} s after the last change"
          + (f"; {r['refused']} changes refused" if r["refused"] else "")
          + (f"; only {r['changes'] + r['refused']} of {r['asked']} changes made in time" if r["changes"] + r["refused"] < r["asked"] else "")
          + f"; slowest state change answered in {r['slowest'] * 1000:.0f} ms")
    if r["closed"]:
        print(f"  closed by the server or failed: {r['closed']} (close codes {', '.join(r['close_codes'])}) {r['errors']}")
    if r["gaps"]:
        print(f"  sequence gaps seen by clients: {r['gaps']}")
    for line in r.get("server_problems", []):
        print("  server: " + line[:300])


# ---------------------------------------------------------------------------


def median_line(results: list[dict], keys: list[str]) -> str:
    return " ".join(f"{k}={statistics.median(r[k] for r in results):.1f}" for k in keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["pop", "fanout"])
    parser.add_argument("--bin", default=os.environ.get("HOTLINE_BIN", str(ROOT / ".build" / "release" / "hotline")))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workdir", default=None, help="parent of the runs' directories (default: $TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep each run's directory (logs, SIPp traces)")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--config", default=str(ROOT / "config" / "demo.yaml"),
                        help="the configuration the bench's is made from (its relative paths are relative to it)")
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--client-cpu", default="1", help="core of the clients and SIPp ('any': not pinned)")
    # pop
    parser.add_argument("--calls", type=int, default=120)
    parser.add_argument("--ring-ms", type=int, default=500)
    parser.add_argument("--talk-ms", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=1, help="calls the caller keeps up at once")
    # fanout
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--rate", type=float, default=20.0, help="agent state changes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--drain", type=float, default=3.0)
    parser.add_argument("--agents", default="1001,1002,1003")
    args = parser.parse_args()
    args.agents = args.agents.split(",")
    if args.client_cpu not in ("", "any"):
        os.sched_setaffinity(0, {int(args.client_cpu)})   # SIPp and the listener inherit it
    if not Path(args.bin).exists():
        raise SystemExit(f"{args.bin} does not exist: build it (swift build -c release --product hotline) or set HOTLINE_BIN")
    results = []
    for index in range(1, args.runs + 1):
        label = f"run {index}"
        if args.mode == "pop":
            r = pop_run(args, index)
            print_pop(r, label)
        else:
            r = fanout_run(args, index)
            print_fanout(r, label)
        results.append(r)
        if index < args.runs:
            time.sleep(2)
    if args.runs > 1:
        keys = (["n", "p50", "p90", "p99", "max", "cpu_pct"] if args.mode == "pop"
                else ["published", "events_per_s", "deliveries_per_s", "p50", "p99", "max", "short", "closed",
                      "server_cpu", "client_cpu"])
        print(f"median of {args.runs}: {median_line(results, keys)}")


if __name__ == "__main__":
    main()
