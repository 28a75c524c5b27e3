"""Free loopback ports for the server and for each peer.

A port is handed out at most once per test session, so a port that a finished
peer left in TIME_WAIT (or that a lingering process still holds) is never reused.
"""

from __future__ import annotations

import errno
import socket
import threading
import time

LOOPBACK = "127.0.0.1"

_lock = threading.Lock()
_handed_out: set[int] = set()


def _bindable(port: int, kinds: tuple[int, ...]) -> bool:
    sockets = []
    try:
        for kind in kinds:
            sock = socket.socket(socket.AF_INET, kind)
            sockets.append(sock)
            sock.bind((LOOPBACK, port))
        return True
    except OSError:
        return False
    finally:
        for sock in sockets:
            sock.close()


def free_port(*, udp: bool = True, tcp: bool = True, span: int = 1) -> int:
    """A loopback port free on UDP and/or TCP (and the next ``span - 1`` ports too)."""
    kinds = tuple(k for k, wanted in ((socket.SOCK_DGRAM, udp), (socket.SOCK_STREAM, tcp)) if wanted)
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((LOOPBACK, 0))
            base = probe.getsockname()[1]
        if span > 1:
            base -= base % 2  # RTP-style even base
        candidates = range(base, base + span)
        if any(p > 65535 for p in candidates):
            continue
        with _lock:
            if any(p in _handed_out for p in candidates):
                continue
            if all(_bindable(p, kinds) for p in candidates):
                _handed_out.update(candidates)
                return base
    raise RuntimeError("no free loopback port found after 200 tries")


def wait_until_bound(port: int, *, udp: bool = True, tcp: bool = False, timeout: float = 10.0) -> bool:
    """Wait until some process has bound ``port`` on loopback (our own bind then fails)."""
    kinds = tuple(k for k, wanted in ((socket.SOCK_DGRAM, udp), (socket.SOCK_STREAM, tcp)) if wanted)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = True
        for kind in kinds:
            with socket.socket(socket.AF_INET, kind) as sock:
                try:
                    sock.bind((LOOPBACK, port))
                    busy = False
                except OSError as error:
                    if error.errno != errno.EADDRINUSE:
                        busy = False
        if busy:
            return True
        time.sleep(0.05)
    return False
