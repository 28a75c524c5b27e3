"""Garbage in: random datagrams, and TCP streams that never finish a message. The server must
shed them (a TCP connection is closed once it has sent more than the 64 KiB message limit)
and keep answering. Random input is seeded (HOTLINE_INTEROP_SEED) so a failure can be replayed."""

from __future__ import annotations

import errno
import os
import random
import select
import socket
import time
from collections.abc import Iterator

import pytest

from harness import sipmsg
from harness.sipclient import TcpPeer, UdpPeer, assert_answers_options

pytestmark = pytest.mark.garbage

SEED = int(os.environ.get("HOTLINE_INTEROP_SEED", "4475"))
DATAGRAMS = 1000
MESSAGE_LIMIT = 64 * 1024   # the server's maximum message size
SLACK = 16 * 1024           # read-ahead the server may do past the limit before it notices
CLOSE_WITHIN = 5.0          # seconds to close once past the limit


def _mutated_options(rng: random.Random, port: int, server) -> bytes:
    """A valid OPTIONS whose bytes after the top Via are truncated, flipped or padded.

    The request line and top Via stay intact, so any reply comes back here (no DNS,
    no other host), while everything the parser sees after them is unreliable."""
    host, sport = server.address
    head = (f"OPTIONS sip:{host}:{sport} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{port};rport;branch={sipmsg.new_branch()}\r\n").encode()
    rest = bytearray(
        f"Max-Forwards: 70\r\nFrom: <sip:garbage@127.0.0.1>;tag={rng.getrandbits(32)}\r\n"
        f"To: <sip:{host}:{sport}>\r\nCall-ID: garbage-{rng.getrandbits(64)}@127.0.0.1\r\n"
        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n".encode())
    how = rng.choice(["truncate", "flip", "insert", "huge-value", "bad-length"])
    if how == "truncate":
        rest = rest[: rng.randrange(len(rest))]
    elif how == "flip":
        for _ in range(rng.randint(1, 12)):
            rest[rng.randrange(len(rest))] = rng.randrange(256)
    elif how == "insert":
        at = rng.randrange(len(rest))
        rest[at:at] = rng.randbytes(rng.randint(1, 200))
    elif how == "huge-value":
        rest[0:0] = b"X-Huge: " + b"x" * rng.randint(1000, 60000) + b"\r\n"
    else:
        rest = rest.replace(b"Content-Length: 0", f"Content-Length: {rng.choice(['-1', '99999', 'abc', '1e9', ''])}".encode())
    return head + bytes(rest)


def test_random_datagrams_do_not_break_the_server(server):
    rng = random.Random(SEED)
    with UdpPeer(server.address) as peer:
        for i in range(DATAGRAMS):
            if i % 4 == 3:
                data = _mutated_options(rng, peer.port, server)
            elif i % 100 == 99:
                data = rng.randbytes(rng.randint(30000, 65000))
            else:
                data = rng.randbytes(rng.randint(1, 1400))
            peer.send(data)
            time.sleep(0.001)  # let the server read them rather than the kernel drop them
            if i % 50 == 0:
                peer.drain(0.0)
        peer.drain(0.5)
    assert_answers_options(server.address, after=f"{DATAGRAMS} garbage datagrams (seed {SEED})")


def _random_bytes(rng: random.Random) -> Iterator[bytes]:
    while True:
        yield rng.randbytes(4096)


def _endless_header_value(rng: random.Random, port: int) -> Iterator[bytes]:
    yield (f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:{port};branch={sipmsg.new_branch()}\r\n"
           "X-Endless: ").encode()
    while True:
        yield b"a" * 4096


def _endless_header_lines(rng: random.Random, port: int) -> Iterator[bytes]:
    yield (f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:{port};branch={sipmsg.new_branch()}\r\n").encode()
    n = 0
    while True:
        lines = []
        for _ in range(64):
            n += 1
            lines.append(f"X-Line-{n}: {'b' * 40}\r\n")
        yield "".join(lines).encode()


def _closed(sock: socket.socket) -> bool:
    """True once the server has closed (FIN or RST). Reads and drops anything it sent."""
    while True:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return True
        except BlockingIOError:
            return False
        if not data:
            return True


@pytest.mark.parametrize("stream", ["random-bytes", "endless-header-value", "endless-header-lines"])
def test_tcp_garbage_stream_is_cut_off(server, stream):
    rng = random.Random(SEED)
    sock = socket.create_connection(server.address, timeout=5)
    sock.settimeout(1.0)  # a send that blocks this long means the server stopped reading
    port = sock.getsockname()[1]
    chunks = {
        "random-bytes": lambda: _random_bytes(rng),
        "endless-header-value": lambda: _endless_header_value(rng, port),
        "endless-header-lines": lambda: _endless_header_lines(rng, port),
    }[stream]()
    sent, closed, stalled = 0, False, False

    def send(chunk: bytes) -> None:
        nonlocal sent, closed, stalled
        try:
            sock.sendall(chunk)
            sent += len(chunk)
        except (socket.timeout, TimeoutError):
            stalled = True  # our send buffer stayed full: the server stopped reading
        except OSError as error:  # BrokenPipeError, ConnectionResetError: it closed
            if error.errno not in (errno.EPIPE, errno.ECONNRESET):
                raise
            closed = True
        closed = closed or _closed(sock)

    try:
        # Past the limit, at full speed.
        while sent < MESSAGE_LIMIT + SLACK and not closed and not stalled:
            send(next(chunks))
        at_limit = sent
        # Then keep streaming, slower: the server must close, not just stop reading.
        deadline = time.monotonic() + CLOSE_WITHIN
        while not closed and time.monotonic() < deadline:
            send(next(chunks)[:1024])
            time.sleep(0.01)
    finally:
        sock.close()
    assert closed, (
        f"{stream}: the server still had the connection open {CLOSE_WITHIN:.0f} s after receiving "
        f"{at_limit} bytes (limit {MESSAGE_LIMIT} + {SLACK} slack); {sent} bytes sent in all"
        + ("; it had stopped reading without closing" if stalled else ""))


def test_server_still_answers_after_the_garbage(server):
    assert_answers_options(server.address, after="garbage datagrams and TCP streams")
    with TcpPeer(server.address) as peer:
        exchange = peer.transact(peer.options_request())
    assert exchange.final is not None and exchange.final.status == 200, (
        "a new TCP connection gets no 200 to OPTIONS after the garbage tests\n" + exchange.describe())
