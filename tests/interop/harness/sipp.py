"""Run SIPp as a peer: bounded, on loopback, its traces in a per-run directory.

Every run gets its own SIP port, media port and control port (SIPp 3.6 binds
its remote-control socket on 0.0.0.0 and cannot be told otherwise; giving it a
free port at least keeps parallel runs apart). Trace files are named
explicitly so nothing is written next to the scenario files.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .ports import LOOPBACK, free_port, wait_until_bound
from .processes import track

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

EXIT_MEANINGS = {
    0: "all calls successful",
    1: "at least one call failed",
    97: "exit on internal command (calls may have been lost)",
    99: "normal exit without any call processed",
    255: "fatal error (see the error log)",
    254: "fatal error binding a socket",
}


def sipp_binary() -> str | None:
    return shutil.which("sipp")


@dataclass
class SippRun:
    name: str
    workdir: Path
    cmd: list[str]
    port: int
    returncode: int | None = None
    timed_out: bool = False
    stats: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    # -- files --------------------------------------------------------------
    def file(self, kind: str) -> Path:
        return self.workdir / f"{self.name}.{kind}"

    def read(self, kind: str, limit: int = 6000) -> str:
        path = self.file(kind)
        if not path.exists():
            return f"({path.name}: not written)"
        text = path.read_text(errors="replace")
        if len(text) > limit:
            text = f"... ({len(text) - limit} earlier chars in {path})\n" + text[-limit:]
        return text

    # -- results ------------------------------------------------------------
    def counter(self, name: str) -> int | None:
        value = self.stats.get(name)
        return int(value) if value not in (None, "") and value.isdigit() else None

    @property
    def successful(self) -> int | None:
        return self.counter("SuccessfulCall(C)")

    @property
    def failed(self) -> int | None:
        return self.counter("FailedCall(C)")

    def failure_counters(self) -> dict[str, int]:
        return {
            k: int(v) for k, v in self.stats.items()
            if k.startswith("Failed") and k.endswith("(C)") and v.isdigit() and int(v) > 0
        }

    def report(self) -> str:
        meaning = "timed out and was killed" if self.timed_out else EXIT_MEANINGS.get(self.returncode, "?")
        return "\n".join([
            f"SIPp run {self.name!r}: exit {self.returncode} ({meaning})",
            f"command: {' '.join(self.cmd)}",
            f"traces: {self.workdir}",
            f"successful={self.successful} failed={self.failed} {self.failure_counters()}",
            "----- errors -----", self.read("errors.log"),
            "----- screen -----", self.read("screen.log", 4000),
            "----- messages (tail) -----", self.read("messages.log", 6000),
            "----- stdout/stderr (tail) -----", self.read("out.log", 2000),
        ])

    def _load_stats(self) -> None:
        path = self.file("stat.csv")
        if not path.exists():
            return
        rows = [r for r in csv.reader(path.open(errors="replace"), delimiter=";") if r]
        if len(rows) >= 2:
            header, last = rows[0], rows[-1]
            self.stats = dict(zip(header, last))

    def wait(self, timeout: float) -> "SippRun":
        assert self.process is not None
        try:
            self.returncode = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.timed_out = True
            self.kill()
        self._load_stats()
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            try:
                self.returncode = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def assert_all_successful(self, calls: int) -> None:
        assert self.returncode == 0 and self.successful == calls and not self.failed, self.report()


def _scenario_args(scenario: str) -> list[str]:
    if scenario.startswith("builtin:"):
        return ["-sn", scenario.removeprefix("builtin:")]
    path = Path(scenario)
    if not path.is_absolute():
        path = SCENARIOS / scenario
    if not path.exists():
        raise FileNotFoundError(path)
    return ["-sf", str(path)]


def build_command(
    *,
    name: str,
    workdir: Path,
    scenario: str,
    port: int,
    remote: tuple[str, int] | None,
    calls: int,
    transport: str = "u1",
    service: str | None = None,
    rate: float | None = None,
    call_limit: int | None = None,
    duration_ms: int | None = None,
    auth: tuple[str, str] | None = None,
    keys: dict[str, str] | None = None,
    global_timeout: int = 30,
    recv_timeout_ms: int = 10000,
    trace_msg: bool = True,
    extra: list[str] | None = None,
) -> list[str]:
    binary = sipp_binary() or "sipp"
    media = free_port(tcp=False, span=4)
    control = free_port(tcp=False)
    cmd = [binary]
    if remote is not None:
        cmd.append(f"{remote[0]}:{remote[1]}")
    cmd += _scenario_args(scenario)
    cmd += [
        "-i", LOOPBACK, "-p", str(port),
        "-mi", LOOPBACK, "-mp", str(media), "-cp", str(control),
        "-t", transport,
        "-m", str(calls),
        "-nostdin", "-aa",
        "-timeout", f"{global_timeout}s", "-timeout_error",
        "-recv_timeout", str(recv_timeout_ms),
        "-trace_err", "-error_file", str(workdir / f"{name}.errors.log"),
        "-trace_screen", "-screen_file", str(workdir / f"{name}.screen.log"),
        "-trace_stat", "-stf", str(workdir / f"{name}.stat.csv"), "-fd", "1",
    ]
    if trace_msg:
        cmd += ["-trace_msg", "-message_file", str(workdir / f"{name}.messages.log")]
    if service is not None:
        cmd += ["-s", service]
    if rate is not None:
        cmd += ["-r", str(rate)]
    if call_limit is not None:
        cmd += ["-l", str(call_limit)]
    if duration_ms is not None:
        cmd += ["-d", str(duration_ms)]
    if auth is not None:
        cmd += ["-au", auth[0], "-ap", auth[1]]
    for key, value in (keys or {}).items():
        cmd += ["-key", key, value]
    return cmd + (extra or [])


def start(name: str, workdir: Path, **kwargs) -> SippRun:
    """Start SIPp in the background (its own PID, killed by the caller's fixture)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = kwargs.pop("port", None) or free_port()
    cmd = build_command(name=name, workdir=workdir, port=port, **kwargs)
    run = SippRun(name=name, workdir=workdir, cmd=cmd, port=port)
    out = open(run.file("out.log"), "wb")
    run.process = track(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         cwd=workdir))
    out.close()
    return run


def run(name: str, workdir: Path, *, wall_timeout: float | None = None, **kwargs) -> SippRun:
    """Run SIPp to completion (bounded by its -timeout and, as a backstop, a wall clock)."""
    sipp = start(name, workdir, **kwargs)
    limit = wall_timeout if wall_timeout is not None else kwargs.get("global_timeout", 30) + 15
    return sipp.wait(limit)


def start_uas(name: str, workdir: Path, *, transport: str = "u1", scenario: str = "builtin:uas",
              calls: int = 1, **kwargs) -> SippRun:
    """A SIPp UAS listening on its own loopback port; returns once the port is bound."""
    sipp = start(name, workdir, scenario=scenario, remote=None, calls=calls, transport=transport, **kwargs)
    tcp = transport.startswith("t")
    if not wait_until_bound(sipp.port, udp=not tcp, tcp=tcp, timeout=10):
        sipp.kill()
        time.sleep(0.1)
        raise AssertionError(f"SIPp UAS did not bind 127.0.0.1:{sipp.port}\n" + sipp.report())
    return sipp


def trace_entries(path: Path) -> list[tuple[float | None, str, str]]:
    """(time SIPp wrote above it in seconds since the epoch or None, direction
    'sent'|'received', message text) from a SIPp -trace_msg file, in order; empty when
    the file is not there."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return []
    out = []
    pieces = re.split(r"^-{20,} (.*)$", text, flags=re.M)
    for stamp, block in zip(pieces[1::2], pieces[2::2]):
        block = block.strip("\r\n")
        head, _, body = block.partition("\n")
        direction = "sent" if " sent" in head else "received" if "received" in head else None
        if not direction:
            continue
        try:
            at: float | None = datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        except ValueError:
            at = None
        out.append((at, direction, body.strip("\r\n")))
    return out


def trace_messages(path: Path) -> list[tuple[str, str]]:
    """(direction 'sent'|'received', message text) from a SIPp -trace_msg file, in order;
    empty when the file is not there."""
    return [(direction, text) for _, direction, text in trace_entries(path)]
