"""IVR calls for test_ivr.py: a SIPp caller that keys digits (RFC 4733, in-band or SIP
INFO), and what the server stored about the call (read back from its SQLite database).

A call is started in the background (``IVRCaller.start``), so that a test can place
several at once against one server; ``CallResult`` then holds SIPp's run, the Call-ID,
and the interaction, IVR summary and steps the server wrote.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import dtmf_pcap
from . import media_server as ms
from . import sipp
from .server import HotlineServer

EVENT_SDP = "      a=rtpmap:101 telephone-event/8000\n      a=fmtp:101 0-15"


# ---------------------------------------------------------------------------
# SIPp callers
# ---------------------------------------------------------------------------


def info_steps(keys: list[tuple[float, str]], *, signal_ms: int = 160) -> tuple[str, int]:
    """SIPp XML for keys sent as SIP INFO (application/dtmf-relay) at their times after
    the ACK, each expecting 200; and the CSeq left for the BYE."""
    out, now, cseq = [], 0.0, 2
    for at, key in keys:
        pause = max(0, int(round((at - now) * 1000)))
        now = max(now, at)
        out.append(f"""  <pause milliseconds="{pause}"/>
  <send retrans="500">
    <![CDATA[

      INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{{{{CALLER}}}}@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: {cseq} INFO
      Contact: <sip:{{{{CALLER}}}}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={key}
      Duration={signal_ms}

    ]]>
  </send>
  <recv response="200"/>
""")
        cseq += 1
    return "\n".join(out), cseq


@dataclass
class IVRCaller:
    """One caller: ``line`` dialled from ``caller`` pressing ``keys`` ((seconds after the
    ACK, key) pairs) by ``mode`` (rfc4733, inband or info). The caller's stream lasts
    ``seconds``; the caller waits ``wait_s`` after the ACK (after the last INFO with
    ``info``) for Hotline's BYE, then hangs up itself."""

    name: str
    line: str
    caller: str
    keys: list[tuple[float, str]]
    mode: str = "rfc4733"
    wait_s: float = 60.0
    seconds: float | None = None
    speech: bytes | None = None

    def prepare(self, workdir: Path) -> str:
        seconds = self.seconds or self.wait_s + 5
        pcap = workdir / f"{self.name}.pcap"
        values = {"CALLER": self.caller, "WAIT_MS": int(self.wait_s * 1000)}
        if self.mode == "inband":
            dtmf_pcap.inband_stream(pcap, self.keys, seconds)
        elif self.mode == "rfc4733":
            dtmf_pcap.rfc4733_stream(pcap, self.keys, seconds, speech=self.speech)
        elif self.mode == "info":
            dtmf_pcap.rfc4733_stream(pcap, [], seconds, speech=self.speech)
        else:
            raise ValueError(f"unknown key mode {self.mode!r}")
        values["PCAP"] = pcap
        if self.mode == "rfc4733":
            values.update(FORMATS="0 101", EVENT_SDP=EVENT_SDP)
        else:
            values.update(FORMATS="0", EVENT_SDP="")
        template = "ivr_uac.xml"
        if self.mode == "info":
            steps, bye_cseq = info_steps(self.keys)
            template = "ivr_uac_info.xml"
            text = (ms.SCENARIOS / template).read_text().replace("{{INFO_STEPS}}", steps)
            source = workdir / f"{self.name}.template.xml"
            source.write_text(text)
            values["BYE_CSEQ"] = bye_cseq
            return _fill(source, workdir / f"{self.name}.xml", values)
        return _fill(ms.SCENARIOS / template, workdir / f"{self.name}.xml", values)

    def start(self, server: HotlineServer, workdir: Path) -> sipp.SippRun:
        scenario = self.prepare(workdir)
        last_key = self.keys[-1][0] if self.keys else 0.0
        budget = int(self.wait_s + (last_key if self.mode == "info" else 0) + 30)
        return sipp.start(self.name, workdir, scenario=scenario, remote=server.address, service=self.line,
                          calls=1, global_timeout=budget, recv_timeout_ms=budget * 1000)


def _fill(template: Path, out: Path, values: dict) -> str:
    text = template.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", str(value))
    if "{{" in text:
        raise ValueError(f"{template}: placeholders left unfilled in {out}")
    out.write_text(text)
    return str(out)


def hotline_hung_up(run: sipp.SippRun) -> bool:
    """Whether the SIPp caller received a BYE (Hotline hung up) rather than sending one."""
    return any(direction == "received" and message.startswith("BYE ")
               for direction, message in sipp.trace_messages(run.file("messages.log")))


def call_id(run: sipp.SippRun) -> str | None:
    return ms.sipp_call(run.file("messages.log")).call_id


# ---------------------------------------------------------------------------
# What the server stored
# ---------------------------------------------------------------------------


@dataclass
class Stored:
    """The rows of one call: interaction, IVR summary, steps, tickets and returns."""
    interaction: dict | None = None
    summary: dict | None = None
    steps: list[dict] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)
    returns: list[dict] = field(default_factory=list)

    @property
    def variables(self) -> dict:
        return json.loads(self.summary["variables_json"]) if self.summary else {}

    def step(self, node: str) -> list[dict]:
        return [s for s in self.steps if s["node"] == node]

    def describe(self) -> str:
        lines = [f"interaction: {self.interaction}", f"ivr summary: {self.summary}", "ivr steps:"]
        lines += [f"  {s['position']:3d} {s['flow']}/{s['node']:<14} {s['kind']:<9} input={s['input']!s:<22} "
                  f"outcome={s['outcome']}  ({s['duration_ms']} ms)" for s in self.steps]
        if self.tickets:
            lines.append(f"tickets: {self.tickets}")
        if self.returns:
            lines.append(f"return requests: {self.returns}")
        return "\n".join(lines)


def stored(database: Path, sip_call_id: str | None) -> Stored:
    out = Stored()
    if not sip_call_id or not database.exists():
        return out
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM interactions WHERE sip_call_id = ?", (sip_call_id,)).fetchone()
        if row is None:
            return out
        out.interaction = dict(row)
        key = (row["id"],)
        summary = db.execute("SELECT * FROM ivr_summaries WHERE interaction_id = ?", key).fetchone()
        out.summary = dict(summary) if summary else None
        out.steps = [dict(r) for r in db.execute(
            "SELECT * FROM ivr_steps WHERE interaction_id = ? ORDER BY position", key)]
        out.tickets = [dict(r) for r in db.execute("SELECT * FROM tickets WHERE interaction_id = ?", key)]
        out.returns = [dict(r) for r in db.execute("SELECT * FROM return_requests WHERE interaction_id = ?", key)]
    return out


def wait_stored(database: Path, sip_call_id: str | None, until, timeout: float = 5.0) -> Stored:
    """Poll the database until ``until(stored)`` holds (or the time is up); the last read."""
    deadline = time.monotonic() + timeout
    while True:
        found = stored(database, sip_call_id)
        if until(found) or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def ended(found: Stored) -> bool:
    return bool(found.interaction and found.interaction["state"] == "ended" and found.summary
                and found.summary["ended_at"] is not None)
