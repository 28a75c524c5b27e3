"""baresip as a headless softphone on loopback (see /work/shared/INTEROP.md).

One ``Baresip`` is one process with its own config directory: SIP on a free
127.0.0.1 port, a small free RTP port range, audio from a WAV (``aufile``), no sound
card (``aubridge``), what it hears written by ``sndfile`` (``dump-*-dec.wav`` in
``snd_path``), and commands over ``ctrl_tcp`` (netstring-framed JSON). Started and
stopped by PID; its stdout/stderr go to ``baresip.log`` in the config directory.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .ports import LOOPBACK, free_port, wait_until_bound
from .processes import track

MODULES = ["g711.so", "aufile.so", "aubridge.so", "sndfile.so", "ctrl_tcp.so"]
MODULE_DIRS = [Path("/usr/lib/baresip/modules"), Path("/usr/local/lib/baresip/modules"),
               Path("/usr/lib/x86_64-linux-gnu/baresip/modules"), Path("/usr/lib/aarch64-linux-gnu/baresip/modules")]


def baresip_binary() -> str | None:
    return shutil.which("baresip")


def module_dir() -> Path | None:
    for path in MODULE_DIRS:
        if (path / "sndfile.so").exists() and (path / "ctrl_tcp.so").exists():
            return path
    return None


def missing() -> str | None:
    """Why baresip cannot be used here, or None."""
    if baresip_binary() is None:
        return "baresip is not installed (Debian packages baresip, baresip-core)"
    if module_dir() is None:
        return f"baresip modules sndfile.so / ctrl_tcp.so not found in {', '.join(map(str, MODULE_DIRS))}"
    return None


def _netstring(data: bytes) -> bytes:
    return str(len(data)).encode() + b":" + data + b","


@dataclass
class Baresip:
    workdir: Path
    source_wav: Path               # 8 kHz mono s16; baresip hangs up when it ends: pad it
    user: str = "caller"
    codecs: str = "PCMU,PCMA"
    answermode: str | None = None  # "auto" for an agent phone
    sip_port: int = 0
    ctrl_port: int = 0
    rtp_base: int = 0
    process: subprocess.Popen | None = None
    events: list[dict] = field(default_factory=list)
    _sock: socket.socket | None = None
    _buffer: bytes = b""

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.sip_port = self.sip_port or free_port()
        self.ctrl_port = self.ctrl_port or free_port(udp=False)
        self.rtp_base = self.rtp_base or free_port(tcp=False, span=10)
        self.snd_path = self.workdir / "heard"
        self.snd_path.mkdir(exist_ok=True)
        self.log_path = self.workdir / "baresip.log"

    @property
    def aor(self) -> str:
        return f"sip:{self.user}@{LOOPBACK}:{self.sip_port}"

    def write_config(self) -> None:
        modules = module_dir()
        lines = [
            "poll_method epoll",
            f"sip_listen {LOOPBACK}:{self.sip_port}",
            "sip_transports udp",
            f"net_interface {LOOPBACK}",
            f"audio_source aufile,{self.source_wav}",
            "audio_player aubridge,nil",
            "audio_alert aubridge,nil",
            "audio_srate 8000",
            "audio_channels 1",
            f"rtp_ports {self.rtp_base}-{self.rtp_base + 9}",
            "rtcp_mux no",
            "jitter_buffer_delay 1-5",
            f"module_path {modules}",
            *[f"module {m}" for m in MODULES],
            "module_app account.so",
            "module_app menu.so",
            f"snd_path {self.snd_path}",
            f"ctrl_tcp_listen {LOOPBACK}:{self.ctrl_port}",
        ]
        (self.workdir / "config").write_text("\n".join(lines) + "\n")
        account = f"<sip:{self.user}@{LOOPBACK}:{self.sip_port}>;regint=0;audio_codecs={self.codecs}"
        if self.answermode:
            account += f";answermode={self.answermode}"
        (self.workdir / "accounts").write_text(account + "\n")
        (self.workdir / "contacts").write_text("")

    def start(self, timeout: float = 15.0) -> "Baresip":
        binary = baresip_binary()
        if binary is None:
            raise AssertionError(missing())
        self.write_config()
        log = open(self.log_path, "wb")
        self.process = track(subprocess.Popen([binary, "-f", str(self.workdir)], stdin=subprocess.DEVNULL,
                                              stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir))
        log.close()
        if not wait_until_bound(self.ctrl_port, udp=False, tcp=True, timeout=timeout):
            self.stop()
            raise AssertionError(f"baresip did not open its ctrl_tcp port {self.ctrl_port} within "
                                 f"{timeout:.0f} s\n{self.log()}")
        self._sock = socket.create_connection((LOOPBACK, self.ctrl_port), timeout=5)
        return self

    # -- control ------------------------------------------------------------
    def command(self, command: str, params: str = "", timeout: float = 5.0) -> dict | None:
        """Send one ctrl_tcp command; returns its response (or None if none came)."""
        assert self._sock is not None, "baresip not started"
        token = f"t{time.monotonic_ns()}"
        self._sock.sendall(_netstring(json.dumps({"command": command, "params": params, "token": token}).encode()))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self._read(deadline - time.monotonic()):
                if message.get("response") and message.get("token") == token:
                    return message
        return None

    def _read(self, timeout: float) -> list[dict]:
        assert self._sock is not None
        self._sock.settimeout(max(timeout, 0.01))
        try:
            chunk = self._sock.recv(65536)
            if chunk:
                self._buffer += chunk
        except (socket.timeout, TimeoutError):
            pass
        messages = []
        while b":" in self._buffer:
            head, _, rest = self._buffer.partition(b":")
            if not head.isdigit() or len(rest) < int(head) + 1:
                break
            body, self._buffer = rest[:int(head)], rest[int(head) + 1:]
            try:
                message = json.loads(body)
            except ValueError:
                continue
            if message.get("event"):
                self.events.append(message)
            messages.append(message)
        return messages

    def wait_event(self, kind: str, timeout: float) -> dict | None:
        """Wait for an event of ``type`` ``kind`` (e.g. CALL_ESTABLISHED, CALL_CLOSED)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("type") == kind:
                    return event
            if time.monotonic() >= deadline:
                return None
            self._read(min(0.2, deadline - time.monotonic()))

    def dial(self, uri: str) -> dict | None:
        return self.command("dial", uri)

    def hangup(self) -> dict | None:
        return self.command("hangup")

    # -- results ------------------------------------------------------------
    def recordings(self, kind: str = "dec") -> list[Path]:
        """What sndfile wrote: ``dec`` is what baresip heard, ``enc`` what it sent."""
        return sorted(self.snd_path.glob(f"dump-*-{kind}.wav"))

    def log(self, limit: int = 6000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no baresip log)"
        if len(text) > limit:
            text = f"... ({len(text) - limit} earlier chars in {self.log_path})\n" + text[-limit:]
        return text

    def report(self) -> str:
        events = "\n".join(f"  {e.get('type')}: {e.get('param', '')}" for e in self.events) or "  (none)"
        return (f"baresip (pid {self.process.pid if self.process else None}) in {self.workdir}\n"
                f"events:\n{events}\nrecordings: {[p.name for p in self.recordings()]}\n"
                f"----- baresip.log -----\n{self.log()}")

    def stop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.sendall(_netstring(json.dumps({"command": "quit", "params": "", "token": "q"}).encode()))
            except OSError:
                pass
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> "Baresip":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
