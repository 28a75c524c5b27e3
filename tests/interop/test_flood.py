"""A flood from one source is rate-limited without starving others.

The demo configuration limits each source address to 2,000 messages/s with a burst of
400 (config/demo.yaml, sip.rate_limit). A sender on 127.0.0.2 sends OPTIONS at 2.5 times
that rate for two seconds while a second sender on 127.0.0.3 asks every 200 ms: the
second one is answered every time, and the flooder gets no more than its allowance.
Both addresses are on loopback.
"""

from __future__ import annotations

import socket
import threading
import time

from harness import sipmsg

RATE = 2_000            # the demo's per-source rate, messages/s
BURST = 400             # the demo's per-source burst
FLOOD_RATE = 5_000      # what the flooder sends, messages/s
FLOOD_SECONDS = 2.0
CUSTOMER_REQUESTS = 8


def _options(host: str, port: int, source: tuple[str, int], n: int) -> bytes:
    return (f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {source[0]}:{source[1]};rport;branch={sipmsg.new_branch()}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:flood@{source[0]}>;tag=f{n}\r\nTo: <sip:{host}:{port}>\r\n"
            f"Call-ID: flood-{n}-{source[1]}@{source[0]}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


def _socket(address: str) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((address, 0))
    return s


def test_flood_from_one_source_does_not_starve_another(server):
    host, port = server.address
    flooder, customer = _socket("127.0.0.2"), _socket("127.0.0.3")
    answered = [0]
    stop = threading.Event()

    def drain() -> None:
        flooder.settimeout(0.2)
        while not stop.is_set():
            try:
                flooder.recv(65535)
                answered[0] += 1
            except socket.timeout:
                pass

    def flood() -> None:
        source, n, started = flooder.getsockname(), 0, time.monotonic()
        while (elapsed := time.monotonic() - started) < FLOOD_SECONDS:
            while n < elapsed * FLOOD_RATE:
                flooder.sendto(_options(host, port, source, n), (host, port))
                n += 1
            time.sleep(0.002)
        sent[0] = n

    sent = [0]
    drainer, flooding = threading.Thread(target=drain), threading.Thread(target=flood)
    try:
        drainer.start()
        flooding.start()
        customer.settimeout(2.0)
        latencies = []
        for n in range(CUSTOMER_REQUESTS):
            asked = time.monotonic()
            customer.sendto(_options(host, port, customer.getsockname(), n), (host, port))
            reply = customer.recv(65535).decode("utf-8", "replace")
            assert reply.startswith("SIP/2.0 200"), reply[:200]
            latencies.append(time.monotonic() - asked)
            time.sleep(0.2)
        flooding.join()
        time.sleep(0.5)
    finally:
        stop.set()
        flooding.join()
        drainer.join()
        flooder.close()
        customer.close()
    allowed = BURST + RATE * (FLOOD_SECONDS + 0.5)
    print(f"flooder sent {sent[0]}, answered {answered[0]} (allowance {allowed:.0f}); "
          f"customer latency max {max(latencies) * 1000:.0f} ms")
    assert sent[0] > allowed, "the flood did not exceed the limit: the test proves nothing"
    assert answered[0] <= allowed, f"{answered[0]} flood requests answered; the limit allows {allowed:.0f}"
