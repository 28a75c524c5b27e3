"""Start and stop `hotline serve` for the tests, by PID, with its logs kept in files."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .ports import LOOPBACK, free_port
from .processes import track

READY_LINE = "SIP listening on"
# Variables the server itself reads (its CLI contract). The tests pass flags and
# clear these so a developer's shell cannot change what is being tested.
SERVER_ENV_VARS = (
    "HOTLINE_CONFIG",
    "HOTLINE_SIP_LISTEN",
    "HOTLINE_DATA_DIR",
    "HOTLINE_HTTP_LISTEN",
    "HOTLINE_LOG_LEVEL",
)


class ServerStartError(AssertionError):
    pass


@dataclass
class HotlineServer:
    """One `hotline serve` process on 127.0.0.1."""

    binary: Path
    config: Path
    workdir: Path
    sip_port: int = 0
    http_port: int = 0
    log_level: str = "debug"
    use_flags: bool = True  # False: configure through HOTLINE_* variables only
    extra_env: dict[str, str] = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        self.sip_port = self.sip_port or free_port()
        self.http_port = self.http_port or free_port()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.workdir / "data"
        self.stdout_path = self.workdir / "hotline.stdout.log"
        self.stderr_path = self.workdir / "hotline.stderr.log"

    @property
    def address(self) -> tuple[str, int]:
        return (LOOPBACK, self.sip_port)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        cmd = [str(self.binary), "serve"]
        if self.use_flags:
            cmd += [
                "--config", str(self.config),
                "--sip-listen", f"{LOOPBACK}:{self.sip_port}",
                "--data-dir", str(self.data_dir),
                "--http-listen", f"{LOOPBACK}:{self.http_port}",
                "--log-level", self.log_level,
            ]
        return cmd + self.extra_args

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV_VARS}
        if not self.use_flags:
            env.update({
                "HOTLINE_CONFIG": str(self.config),
                "HOTLINE_SIP_LISTEN": f"{LOOPBACK}:{self.sip_port}",
                "HOTLINE_DATA_DIR": str(self.data_dir),
                "HOTLINE_HTTP_LISTEN": f"{LOOPBACK}:{self.http_port}",
                "HOTLINE_LOG_LEVEL": self.log_level,
            })
        env.update(self.extra_env)
        return env

    def start(self, ready_timeout: float = 60.0) -> None:
        if not self.binary.exists():
            raise ServerStartError(
                f"{self.binary} does not exist: build it first (swift build), "
                "or point HOTLINE_BIN at a hotline executable"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            banner = f"\n===== start #{self.starts}: {' '.join(self.command())}\n".encode()
            out.write(banner)
            err.write(banner)
            out.flush()
            err.flush()
            self.process = track(subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                env=self.environment(), cwd=self.workdir,
            ))
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self._ready():
                return
            code = self.process.poll()
            if code is not None:
                raise ServerStartError(
                    f"hotline exited with status {code} before printing {READY_LINE!r}\n"
                    f"command: {' '.join(self.command())}\n{self.log_tail()}"
                )
            time.sleep(0.05)
        self.kill()
        raise ServerStartError(
            f"hotline did not print {READY_LINE!r} within {ready_timeout:.0f} s (killed it)\n"
            f"command: {' '.join(self.command())}\n{self.log_tail()}"
        )

    def _ready(self) -> bool:
        # The contract says the line is printed; accept it on either stream.
        for path in (self.stderr_path, self.stdout_path):
            try:
                if READY_LINE in path.read_text(errors="replace").rsplit("===== start #", 1)[-1]:
                    return True
            except FileNotFoundError:
                pass
        return False

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> tuple[int | None, float]:
        """Send ``sig`` to the PID; returns (exit status or None if it had to be killed, seconds)."""
        if self.process is None:
            return (None, 0.0)
        if self.process.poll() is not None:
            return (self.process.returncode, 0.0)
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
            return (code, time.monotonic() - started)
        except subprocess.TimeoutExpired:
            self.kill()
            return (None, time.monotonic() - started)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    # -- logs ---------------------------------------------------------------
    def log_size(self) -> int:
        try:
            return self.stderr_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, offset: int, limit: int = 20000) -> str:
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return ""
        text = data.decode("utf-8", "replace")
        if len(text) > limit:
            text = f"... ({len(text) - limit} earlier chars in {self.stderr_path})\n" + text[-limit:]
        return text

    def log_tail(self, limit: int = 8000) -> str:
        parts = []
        for path in (self.stderr_path, self.stdout_path):
            try:
                text = path.read_text(errors="replace")
            except FileNotFoundError:
                continue
            if len(text) > limit:
                text = f"... ({len(text) - limit} earlier chars)\n" + text[-limit:]
            parts.append(f"----- {path} -----\n{text}")
        return "\n".join(parts)
