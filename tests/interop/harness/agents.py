"""Agents' phones for the routing tests: SIPp registered with Hotline's registrar, then
answering, not answering, busy, or transferring Hotline's offers.

One ``AgentPhone`` is one agent's extension on its own free loopback port. SIPp cannot
register and then serve incoming calls in one process (a scenario is either a UAC or a
UAS), so a phone is a sequence of SIPp runs on that same port:

1. ``register()`` runs ``agent_register.xml`` to completion: the binding
   ``<sip:USER@127.0.0.1:PORT>`` is then in Hotline's location service;
2. ``start(behaviour)`` starts the UAS scenario (``agent_answer.xml``, ``agent_no_answer.xml``,
   ``agent_busy.xml``, ``agent_refer.xml``) on the same port, where Hotline's INVITE arrives;
3. ``unregister()`` runs ``agent_unregister.xml`` (Expires: 0) on the port once the UAS is done.

SIPp 3.6.1 answers only the first WWW-Authenticate header and only MD5, while the demo
registrar offers SHA-256 first (RFC 8760 order): register phones with a server whose
configuration is ``md5_only_config()`` (``sip.auth_algorithms: [MD5]``).

Scenario parameters are SIPp ``-set`` variables; every run keeps its traces
(``<name>.messages.log``, ``.errors.log``, ...) in the phone's directory, and
``messages()`` / ``received_invite()`` read what a run sent and received.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import rtp, sipmsg, sipp
from .ports import LOOPBACK, free_port
from .sipmsg import SipMessage
from .sipp import SippRun

REALM = "hotline.local"

REGISTER_SCENARIO = "agent_register.xml"
UNREGISTER_SCENARIO = "agent_unregister.xml"
BEHAVIOURS = {
    "answer": "agent_answer.xml",
    "no_answer": "agent_no_answer.xml",
    "busy": "agent_busy.xml",
    "refer": "agent_refer.xml",
}

# agent_answer.xml / agent_refer.xml stream this file (relative to SIPp's working directory,
# which is the phone's directory) as PCMU: 8 kHz mono mu-law, data at byte 44.
AUDIO_FILE = "agent_audio.wav"
AUDIO_TONE_HZ = 700.0
AUDIO_SECONDS = 2.0


# ---------------------------------------------------------------------------
# Server configuration
# ---------------------------------------------------------------------------


def md5_only_config(base: Path, out: Path) -> Path:
    """The configuration ``base`` (normally config/demo.yaml) with ``sip.auth_algorithms: [MD5]``,
    written to ``out``; its relative prompt and flow paths made absolute (the copy lives
    elsewhere)."""
    text = base.read_text()
    if "\nsip:\n" not in text:
        raise AssertionError(f"{base} has no sip: section to extend")
    root = base.resolve().parent.parent
    text = text.replace("../prompts/", f"{root / 'prompts'}/").replace("../flows/", f"{root / 'flows'}/")
    out.write_text(text.replace("\nsip:\n", "\nsip:\n  auth_algorithms: [MD5]\n", 1))
    return out


# ---------------------------------------------------------------------------
# What a SIPp run sent and received
# ---------------------------------------------------------------------------


@dataclass
class Traced:
    direction: str   # "sent" or "received"
    message: SipMessage


def messages(run: SippRun) -> list[Traced]:
    """Every message of a run's -trace_msg file, in order."""
    out = []
    for direction, text in sipp.trace_messages(run.file("messages.log")):
        if not text.strip():
            continue
        data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        if b"\r\n\r\n" not in data:
            data += b"\r\n\r\n"
        out.append(Traced(direction, sipmsg.parse(data)))
    return out


def requests(run: SippRun, method: str, direction: str = "received") -> list[SipMessage]:
    return [t.message for t in messages(run)
            if t.direction == direction and t.message.method == method]


def responses(run: SippRun, direction: str = "received", cseq_method: str | None = None) -> list[SipMessage]:
    return [t.message for t in messages(run)
            if t.direction == direction and t.message.is_response
            and (cseq_method is None or (t.message.cseq and t.message.cseq[1] == cseq_method))]


def received_invite(run: SippRun) -> SipMessage | None:
    """The first INVITE the phone received (Hotline's offer), or None."""
    found = requests(run, "INVITE")
    return found[0] if found else None


def wait_for_invite(run: SippRun, timeout: float = 10.0) -> SipMessage | None:
    deadline = time.monotonic() + timeout
    while True:
        invite = received_invite(run)
        if invite is not None or time.monotonic() >= deadline:
            return invite
        time.sleep(0.05)


def interaction_id(invite: SipMessage) -> str | None:
    return invite.get("X-Hotline-Interaction")


def display_name(name_addr: str) -> str | None:
    """The display name of a From/To value (unquoted), or None."""
    match = re.match(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<', name_addr)
    if not match:
        return None
    name = match.group(1) if match.group(1) is not None else match.group(2)
    return name or None


def binding_expires(response: SipMessage, contact_uri: str) -> int | None:
    """The ;expires of ``contact_uri`` among a REGISTER 200's Contact values (None: not listed)."""
    want = contact_uri.split(";", 1)[0].strip().lower()
    for value in response.values("contact"):
        if sipmsg.uri_of(value).split(";", 1)[0].strip().lower() == want:
            expires = sipmsg.header_param(value, "expires")
            return int(expires) if expires is not None and expires.isdigit() else -1
    return None


# ---------------------------------------------------------------------------
# The phone
# ---------------------------------------------------------------------------


def write_audio(path: Path, seconds: float = AUDIO_SECONDS, hz: float = AUDIO_TONE_HZ) -> Path:
    """A tone as 8 kHz mu-law WAV (what the answering scenarios stream)."""
    t = np.arange(int(rtp.RATE * seconds)) / rtp.RATE
    return rtp.write_wav(path, 0.3 * np.sin(2 * np.pi * hz * t), encoding="ulaw")


@dataclass
class AgentPhone:
    """An agent's SIPp phone on 127.0.0.1:``port`` (free, chosen once for the phone's life)."""

    user: str
    password: str
    workdir: Path
    server: tuple[str, int] | None = None   # Hotline's SIP address (None: self-checks only)
    port: int = 0
    runs: list[SippRun] = field(default_factory=list)
    _count: int = 0

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()

    @property
    def contact(self) -> str:
        return f"sip:{self.user}@{LOOPBACK}:{self.port}"

    @property
    def audio_path(self) -> Path:
        return self.workdir / AUDIO_FILE

    def _name(self, what: str) -> str:
        self._count += 1
        return f"{self.user}-{self._count:02d}-{what}"

    def _require_idle(self) -> None:
        busy = [r.name for r in self.runs if r.process is not None and r.process.poll() is None]
        if busy:
            raise AssertionError(f"phone {self.user} on port {self.port} is still running {busy}")

    # -- registrar -------------------------------------------------------------
    def register_attempt(self, *, expires: int = 300, timeout: int = 20) -> SippRun:
        """Run agent_register.xml once to completion; returns the run, whatever its outcome."""
        if self.server is None:
            raise AssertionError("this phone has no server to register with")
        self._require_idle()
        run = sipp.run(self._name("register"), self.workdir, scenario=REGISTER_SCENARIO,
                       remote=self.server, port=self.port, service=self.user,
                       auth=(self.user, self.password), calls=1, global_timeout=timeout,
                       extra=["-set", "expires", str(expires)])
        self.runs.append(run)
        return run

    def register(self, *, expires: int = 300, timeout: int = 20) -> SipMessage:
        """Register (digest) and return Hotline's 200, which lists this phone's binding
        with a positive ;expires; raises with SIPp's report otherwise."""
        run = self.register_attempt(expires=expires, timeout=timeout)
        run.assert_all_successful(1)
        final = self.last_register_response(run)
        assert final is not None and final.status == 200, run.report()
        expires_left = binding_expires(final, self.contact)
        assert expires_left is not None and 0 < expires_left <= expires, (
            f"binding {self.contact} not listed with 0 < expires <= {expires} in the 200:\n{final.text()}")
        return final

    def unregister(self, *, timeout: int = 20) -> SipMessage:
        """Remove this phone's binding (Expires: 0); returns the 200, which must not list it."""
        if self.server is None:
            raise AssertionError("this phone has no server to unregister from")
        self._require_idle()
        run = sipp.run(self._name("unregister"), self.workdir, scenario=UNREGISTER_SCENARIO,
                       remote=self.server, port=self.port, service=self.user,
                       auth=(self.user, self.password), calls=1, global_timeout=timeout)
        self.runs.append(run)
        run.assert_all_successful(1)
        final = self.last_register_response(run)
        assert final is not None and final.status == 200, run.report()
        assert binding_expires(final, self.contact) is None, (
            f"binding {self.contact} still listed after Expires: 0:\n{final.text()}")
        return final

    @staticmethod
    def last_register_response(run: SippRun) -> SipMessage | None:
        found = [r for r in responses(run, cseq_method="REGISTER") if r.status is not None and r.status >= 200]
        return found[-1] if found else None

    # -- offers ------------------------------------------------------------------
    def start(self, behaviour: str, *, hangup_after_ms: int = 0, refer_target: str | None = None,
              refer_after_ms: int = 1000, hotline: tuple[str, int] | None = None,
              audio: Path | None = None, global_timeout: int = 300, calls: int = 1) -> SippRun:
        """Start the UAS for ``behaviour`` (answer, no_answer, busy, refer) on this phone's port,
        in the background; returns once the port is bound. ``audio``: an 8 kHz mu-law WAV to
        stream when answering (default: a 700 Hz tone). The caller stops it with ``stop()``
        (or it ends by itself after ``calls`` calls or ``global_timeout`` s)."""
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}: one of {sorted(BEHAVIOURS)}")
        self._require_idle()
        sets: dict[str, str] = {}
        if behaviour in ("answer", "refer"):
            if audio is None:
                write_audio(self.audio_path)
            elif Path(audio).resolve() != self.audio_path.resolve():
                self.audio_path.write_bytes(Path(audio).read_bytes())
        if behaviour == "answer":
            sets["hangup_after_ms"] = str(hangup_after_ms)
        if behaviour == "refer":
            if not refer_target:
                raise ValueError("refer needs refer_target")
            target_host = hotline or self.server
            if target_host is None:
                raise ValueError("refer needs Hotline's address (server or hotline=)")
            sets.update(refer_target=refer_target, refer_after_ms=str(refer_after_ms),
                        hotline=f"{target_host[0]}:{target_host[1]}")
        extra = [arg for name, value in sets.items() for arg in ("-set", name, value)]
        run = sipp.start_uas(self._name(behaviour), self.workdir, scenario=BEHAVIOURS[behaviour],
                             port=self.port, service=self.user, calls=calls,
                             global_timeout=global_timeout, extra=extra)
        self.runs.append(run)
        return run

    def stop(self) -> None:
        """Kill every SIPp run of this phone that is still running (by PID)."""
        for run in self.runs:
            run.kill()

    def report(self) -> str:
        return "\n\n".join(run.report() for run in self.runs) or f"phone {self.user}: no SIPp runs"


def media_port(run: SippRun) -> int | None:
    """The -mp (RTP) port of a SIPp run: where its streamed audio comes from."""
    return int(run.cmd[run.cmd.index("-mp") + 1]) if "-mp" in run.cmd else None
