"""Queued callbacks and the queue's maximum wait end to end (test_callback.py): the pieces
harness/routing.py does not have.

* ``callback_config``: ``routing_config`` (MD5-only digest, fast queues) plus an outbound
  ``trunk:`` to a loopback port where the customer's SIPp phone listens, and the queues
  the tests wait in made to reach their maximum wait within seconds;
* ``CustomerPhone``: the customer behind the trunk, one SIPp UAS per callback on the
  trunk's port (scenarios/customer_answer.xml answers and streams a tone,
  scenarios/agent_busy.xml answers 486);
* ``voicemails``: the rows of the voicemails table of an interaction (SQLite, read-only).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from . import rtp, sipp
from . import routing as rt
from .agents import received_invite, wait_for_invite as wait_invite  # noqa: F401 (re-exported)
from .ports import LOOPBACK
from .sipmsg import SipMessage
from .sipp import SippRun

TRUNK_CALLER_ID = "10000"
CUSTOMER_AUDIO_FILE = "customer_audio.wav"   # customer_answer.xml streams it (SIPp's cwd)
CUSTOMER_TONE_HZ = 550.0


def callback_config(base: Path, out: Path, *, trunk_port: int, queues: dict[str, dict[str, object]],
                    rtp_ports: str) -> Path:
    """``rt.routing_config`` of ``base`` with ``queues`` (merged over ``rt.FAST_QUEUES``,
    setting by setting) and ``trunk: {uri: sip:127.0.0.1:<trunk_port>, caller_id: 10000}``."""
    merged: dict[str, dict[str, object]] = {k: dict(v) for k, v in rt.FAST_QUEUES.items()}
    for queue_id, settings in queues.items():
        merged.setdefault(queue_id, {}).update(settings)
    rt.routing_config(base, out, queues=merged, rtp_ports=rtp_ports)
    config = yaml.safe_load(out.read_text())
    config["trunk"] = {"uri": f"sip:{LOOPBACK}:{trunk_port}", "caller_id": TRUNK_CALLER_ID}
    out.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return out


def write_tone(path: Path, hz: float, seconds: float = 2.0) -> Path:
    """A tone as 8 kHz mu-law WAV (whole cycles: it loops seamlessly)."""
    t = np.arange(int(rtp.RATE * seconds)) / rtp.RATE
    return rtp.write_wav(path, 0.3 * np.sin(2 * np.pi * hz * t), encoding="ulaw")


@dataclass
class CustomerPhone:
    """The customer's phone on the trunk's port: each ``answer()`` / ``busy()`` is one SIPp
    UAS run for one call (a run must have ended before the next starts on the port)."""

    number: str
    port: int
    workdir: Path
    runs: list[SippRun] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)

    def _start(self, what: str, scenario: str, extra: list[str], global_timeout: int) -> SippRun:
        busy = [r.name for r in self.runs if r.process is not None and r.process.poll() is None]
        if busy:
            raise AssertionError(f"the customer's phone on port {self.port} is still running {busy}")
        name = f"customer-{len(self.runs) + 1:02d}-{what}"
        run = sipp.start_uas(name, self.workdir, scenario=scenario, port=self.port, service=self.number,
                             calls=1, global_timeout=global_timeout, extra=extra)
        self.runs.append(run)
        return run

    def answer(self, *, hangup_after_ms: int, global_timeout: int = 90) -> SippRun:
        """Answers, streams a CUSTOMER_TONE_HZ tone, hangs up after ``hangup_after_ms`` (0: never)."""
        write_tone(self.workdir / CUSTOMER_AUDIO_FILE, CUSTOMER_TONE_HZ)
        return self._start("answer", "customer_answer.xml", ["-set", "hangup_after_ms", str(hangup_after_ms)],
                           global_timeout)

    def busy(self, *, global_timeout: int = 90) -> SippRun:
        """Answers the INVITE 486 Busy Here (agent_busy.xml: it checks X-Hotline-Interaction too)."""
        return self._start("busy", "agent_busy.xml", [], global_timeout)

    def stop(self) -> None:
        for run in self.runs:
            run.kill()


def voicemails(database: Path, interaction: str) -> list[dict]:
    """The voicemails rows of ``interaction``, oldest first."""
    if not database.exists():
        return []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(
            "SELECT * FROM voicemails WHERE interaction_id = ? ORDER BY created_at, id", (interaction,))]


def wait_voicemails(database: Path, interaction: str, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = voicemails(database, interaction)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def log_lines(text: str, *needles: str) -> list[str]:
    """The server log's lines holding every one of ``needles``."""
    return [line for line in text.splitlines() if all(n in line for n in needles)]
