"""The media tests' own Hotline server: its configuration, its log, and SIPp scenario
templates.

The media tests run a second `hotline serve` (module-scoped) with a configuration
written into a temporary directory: the demo's sip/http/agents sections, an RTP range
that does not overlap the session server's (20000-29999), and the media lines of the
issue (700 prompt, 701 DTMF, 702 record, 703 bridge, 705 speech prompt).

Hotline logs with swift-log's StreamLogHandler:
``<timestamp> <level> <label>: key=value key=value ... [Module] message``;
``LogEvent`` parses one such line, ``wait_for`` polls the stderr file for events.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import sipp
from .ports import free_port
from .server import HotlineServer
from .settings import SHUTDOWN_LIMIT, hotline_config, new_server, ready_timeout, shutdown_problem  # noqa: F401 (SHUTDOWN_LIMIT re-exported)

RTP_PORTS = (31000, 31999)   # the session server uses 20000-29999
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


@dataclass
class MediaLines:
    prompt_wav: Path          # line 700 (and the baresip test)
    speech_wav: Path          # line 705: the PCMA prompt test, not 8 kHz on purpose
    bridge_port: int          # line 703 calls sip:agent@127.0.0.1:<bridge_port>


def media_config(base: Path, lines: MediaLines) -> dict:
    """The demo configuration with the media lines and range of the media tests."""
    demo = yaml.safe_load(base.read_text())
    config = {key: demo[key] for key in ("sip", "http", "data_dir", "log_level", "agents") if key in demo}
    config["media"] = dict(demo.get("media") or {}, rtp_ports=f"{RTP_PORTS[0]}-{RTP_PORTS[1]}")
    if "music_on_hold" in config["media"]:
        # Relative to the demo configuration's directory; this file is written elsewhere.
        config["media"]["music_on_hold"] = str((base.parent / config["media"]["music_on_hold"]).resolve())
    config["lines"] = [
        {"number": "700", "name": "Prompt then hang up", "answer_after_ms": 0,
         "media": {"play": [str(lines.prompt_wav)], "loop": False, "hangup_after_play": True, "record": "off"}},
        {"number": "701", "name": "DTMF (silence, digits logged)", "answer_after_ms": 0,
         "media": {"record": "off"}},
        {"number": "702", "name": "Record", "answer_after_ms": 0, "media": {"record": "stereo"}},
        {"number": "703", "name": "Bridge", "answer_after_ms": 0,
         "bridge_to": f"sip:agent@127.0.0.1:{lines.bridge_port}", "media": {"record": "stereo"}},
        {"number": "705", "name": "Speech prompt (22.05 kHz) then hang up", "answer_after_ms": 0,
         "media": {"play": [str(lines.speech_wav)], "loop": False, "hangup_after_play": True, "record": "off"}},
    ]
    return config


def write_config(path: Path, lines: MediaLines, base: Path | None = None) -> Path:
    path.write_text("# Written by tests/interop/harness/media_server.py for test_media.py\n"
                    + yaml.safe_dump(media_config(base or hotline_config(), lines), sort_keys=False,
                                     allow_unicode=True))
    return path


def start_media_server(workdir: Path, config: Path) -> HotlineServer:
    server = new_server(workdir, config=config,
                        extra_args=["--rtp-ports", f"{RTP_PORTS[0]}-{RTP_PORTS[1]}"])
    server.start(ready_timeout())
    return server


def stop_media_server(server: HotlineServer) -> str | None:
    """SIGTERM, as the suite does for its own server; a problem description or None."""
    return shutdown_problem(server, "media-test hotline")


# ---------------------------------------------------------------------------
# Log
# ---------------------------------------------------------------------------

_LINE = re.compile(r"^(?P<time>\S+) (?P<level>[a-z]+) (?P<label>[^:]*?) ?: ?(?P<meta>.*?) ?\[(?P<module>[\w.\-]+)\] (?P<message>.*)$")
_PAIR = re.compile(r"(?:^|\s)([A-Za-z][\w.\-]*)=(\S+)")


@dataclass
class LogEvent:
    level: str
    module: str
    message: str
    fields: dict[str, str]
    line: str

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.fields.get(key, default)


def parse_line(line: str) -> LogEvent | None:
    match = _LINE.match(line.rstrip("\n"))
    if not match:
        return None
    fields = {k: v for k, v in _PAIR.findall(match["meta"])}
    return LogEvent(match["level"], match["module"], match["message"].strip(), fields, line.rstrip("\n"))


def events(server: HotlineServer, message: str, *, since: int = 0, **where: str) -> list[LogEvent]:
    """Log events with this message (exact) logged after byte ``since``, whose fields
    match ``where`` (keys with dots written as underscores: call_id -> call.id)."""
    wanted = {k.replace("_", "."): v for k, v in where.items()}
    out = []
    for line in server.log_since(since, limit=50_000_000).splitlines():
        event = parse_line(line)
        if event is None or event.message != message:
            continue
        if all(event.fields.get(k) == v for k, v in wanted.items()):
            out.append(event)
    return out


def wait_for(server: HotlineServer, message: str, *, count: int = 1, timeout: float = 10.0,
             since: int = 0, **where: str) -> list[LogEvent]:
    """Poll until ``count`` matching events are logged (or the time is up); returns what was found."""
    deadline = time.monotonic() + timeout
    while True:
        found = events(server, message, since=since, **where)
        if len(found) >= count or time.monotonic() >= deadline or not server.is_running():
            return found
        time.sleep(0.1)


def parse_drops(value: str | None) -> dict[str, int]:
    """``media.drops=malformed=3,rateLimited=4750`` -> {"malformed": 3, "rateLimited": 4750}; ``-`` -> {}."""
    if not value or value == "-":
        return {}
    out = {}
    for part in value.split(","):
        name, _, count = part.partition("=")
        if name:
            out[name] = int(count) if count.isdigit() else -1
    return out


# ---------------------------------------------------------------------------
# SIPp: scenario templates and what a run's message log says
# ---------------------------------------------------------------------------


def scenario(template: str, workdir: Path, **values: str) -> str:
    """scenarios/<template> with each ``{{NAME}}`` replaced, written into ``workdir``.

    SIPp substitutes -key values only in message text, not in <exec> attributes
    (rtp_stream's payload type, play_pcap_audio's file), so those are filled here."""
    text = (SCENARIOS / template).read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", str(value))
    left = re.findall(r"\{\{(\w+)\}\}", text)
    if left:
        raise ValueError(f"{template}: no value for {sorted(set(left))}")
    out = workdir / template
    out.write_text(text)
    return str(out)


@dataclass
class SippCall:
    call_id: str | None = None
    local_media_port: int | None = None    # SIPp's m=audio port (its offer or answer)
    remote_media_port: int | None = None   # the other side's m=audio port (Hotline's)
    remote_codecs: list[str] = field(default_factory=list)


def _audio_port(sdp_message: str) -> tuple[int | None, list[str]]:
    port, formats = None, []
    for line in sdp_message.splitlines():
        line = line.strip()
        if line.startswith("m=audio "):
            fields = line.split()
            port, formats = int(fields[1]), fields[3:]
    return port, formats


def sipp_call(messages_log: Path) -> SippCall:
    """The Call-ID and both m=audio ports of the (first) call in a SIPp message log."""
    call = SippCall()
    for direction, message in sipp.trace_messages(messages_log):
        match = re.search(r"^Call-ID:\s*(\S+)", message, re.M | re.I)
        if match and call.call_id is None:
            call.call_id = match.group(1)
        if "m=audio " not in message:
            continue
        port, formats = _audio_port(message)
        if direction == "sent" and call.local_media_port is None:
            call.local_media_port = port
        elif direction == "received" and call.remote_media_port is None:
            call.remote_media_port = port
            call.remote_codecs = formats
    return call


def wait_for_sipp_call(messages_log: Path, timeout: float = 10.0) -> SippCall:
    """Poll a running SIPp's message log until both media ports are known."""
    deadline = time.monotonic() + timeout
    while True:
        call = sipp_call(messages_log)
        if (call.remote_media_port and call.local_media_port) or time.monotonic() >= deadline:
            return call
        time.sleep(0.05)


def media_port_of(cmd: list[str]) -> int | None:
    """The -mp port of a SIPp command line."""
    return int(cmd[cmd.index("-mp") + 1]) if "-mp" in cmd else None


def free_sip_port() -> int:
    return free_port()
