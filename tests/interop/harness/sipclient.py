"""Raw SIP peers over loopback UDP and TCP, for the tests that need exact bytes."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

from . import sipmsg
from .ports import LOOPBACK
from .sipmsg import SipMessage

T1 = 0.5  # RFC 3261 §17.1.1.1


@dataclass
class Exchange:
    """What came back for one request."""

    request: bytes
    responses: list[SipMessage] = field(default_factory=list)

    @property
    def final(self) -> SipMessage | None:
        return next((r for r in self.responses if r.status is not None and r.status >= 200), None)

    @property
    def provisionals(self) -> list[SipMessage]:
        return [r for r in self.responses if r.status is not None and r.status < 200]

    @property
    def codes(self) -> list[int | None]:
        return [r.status for r in self.responses]

    def describe(self) -> str:
        request = sipmsg.parse(self.request)
        lines = [f"sent: {request.start_line}"]
        if not self.responses:
            lines.append("received: nothing")
        for response in self.responses:
            lines.append("received:\n" + response.text())
        return "\n".join(lines)


def _matches(request: SipMessage, response: SipMessage) -> bool:
    if request.call_id is not None and response.call_id != request.call_id:
        return False
    if request.cseq is not None and response.cseq is not None:
        return response.cseq == request.cseq
    return True


class UdpPeer:
    """A UDP socket on 127.0.0.1 (kernel-chosen port) talking to one server address."""

    transport = "UDP"

    def __init__(self, server: tuple[str, int]):
        self.server = server
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, 0))
        self.port = self.sock.getsockname()[1]
        self.strays: list[SipMessage] = []  # received but not matched to a request

    def __enter__(self) -> "UdpPeer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    @property
    def via(self) -> str:
        return f"SIP/2.0/UDP {LOOPBACK}:{self.port};rport;branch={sipmsg.new_branch()}"

    def send(self, data: bytes) -> None:
        self.sock.sendto(data, self.server)

    def recv_raw(self, timeout: float) -> bytes | None:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data, _ = self.sock.recvfrom(65535)
            return data
        except (socket.timeout, TimeoutError):
            return None

    def recv(self, timeout: float) -> SipMessage | None:
        data = self.recv_raw(timeout)
        return sipmsg.parse(data) if data is not None else None

    def drain(self, duration: float) -> list[SipMessage]:
        """Everything that arrives within ``duration`` seconds."""
        out, deadline = [], time.monotonic() + duration
        while (left := deadline - time.monotonic()) > 0:
            message = self.recv(left)
            if message is not None:
                out.append(message)
        return out

    def transact(self, request: bytes, *, timeout: float = 4.0, retransmit: bool = True) -> Exchange:
        """Send ``request`` and collect its responses until a final one (or ``timeout``).

        Retransmits like a UAC (Timer A/E doubling from T1) until a final
        response (non-INVITE) or any response (INVITE), unless ``retransmit`` is off.
        """
        parsed = sipmsg.parse(request)
        exchange = Exchange(request)
        self.send(request)
        start = time.monotonic()
        deadline = start + timeout
        interval, next_retransmit = T1, start + T1
        while (now := time.monotonic()) < deadline:
            wait = deadline - now
            if retransmit:
                wait = min(wait, max(next_retransmit - now, 0.001))
            message = self.recv(wait)
            if message is None:
                if retransmit and time.monotonic() >= next_retransmit:
                    self.send(request)
                    interval = min(interval * 2, 4.0)
                    next_retransmit = time.monotonic() + interval
                continue
            if not message.is_response or not _matches(parsed, message):
                self.strays.append(message)
                continue
            exchange.responses.append(message)
            if parsed.method == "INVITE":
                retransmit = False
            if message.status is not None and message.status >= 200:
                break
        return exchange

    # -- convenience requests ---------------------------------------------
    def request(
        self,
        method: str,
        uri: str,
        *,
        user: str = "interop",
        to: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        content_type: str | None = None,
        call_id: str | None = None,
        cseq: int = 1,
        from_tag: str | None = None,
        timeout: float = 4.0,
        retransmit: bool = True,
    ) -> Exchange:
        data = sipmsg.build_request(
            method,
            uri,
            via=self.via,
            from_=f"<sip:{user}@{LOOPBACK}>;tag={from_tag or sipmsg.new_tag()}",
            to=to or f"<{uri}>",
            call_id=call_id or sipmsg.new_call_id(method.lower()),
            cseq=cseq,
            contact=f"<sip:{user}@{LOOPBACK}:{self.port}>",
            headers=headers,
            body=body,
            content_type=content_type,
        )
        return self.transact(data, timeout=timeout, retransmit=retransmit)

    def options(self, uri: str | None = None, **kwargs) -> Exchange:
        host, port = self.server
        return self.request("OPTIONS", uri or f"sip:{host}:{port}", headers=[("Accept", "application/sdp")], **kwargs)

    def ack_final(self, exchange: Exchange) -> None:
        """ACK a non-2xx final response to an INVITE we sent."""
        final = exchange.final
        assert final is not None and final.status is not None and final.status >= 300
        request = sipmsg.parse(exchange.request)
        self.send(sipmsg.ack_for_final(request.request_uri or "", final))

    def end_call(self, exchange: Exchange, *, timeout: float = 4.0) -> Exchange:
        """ACK a 2xx to an INVITE we sent, then BYE; returns the BYE exchange."""
        final = exchange.final
        assert final is not None and final.status is not None and 200 <= final.status < 300
        request = sipmsg.parse(exchange.request)
        fallback = request.request_uri or ""
        self.send(sipmsg.in_dialog_request("ACK", final, local_via_host=LOOPBACK,
                                           local_via_port=self.port, fallback_uri=fallback))
        number = (final.cseq[0] if final.cseq else 1) + 1
        bye = sipmsg.in_dialog_request("BYE", final, local_via_host=LOOPBACK, local_via_port=self.port,
                                       cseq=number, fallback_uri=fallback)
        return self.transact(bye, timeout=timeout)


class TcpPeer:
    """A TCP connection from 127.0.0.1 to the server, with Content-Length framing."""

    transport = "TCP"

    def __init__(self, server: tuple[str, int], *, timeout: float = 5.0):
        self.server = server
        self.sock = socket.create_connection(server, timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = self.sock.getsockname()[1]
        self.buffer = b""
        self.eof = False

    def __enter__(self) -> "TcpPeer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    @property
    def via(self) -> str:
        return f"SIP/2.0/TCP {LOOPBACK}:{self.port};branch={sipmsg.new_branch()}"

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _frame(self) -> bytes | None:
        while self.buffer.startswith(b"\r\n"):  # RFC 5626 keep-alive CRLFs between messages
            self.buffer = self.buffer[2:]
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = sipmsg.parse(self.buffer[: end + 4])
        length_text = head.get("content-length") or "0"
        length = int(length_text) if length_text.strip().isdigit() else 0
        total = end + 4 + length
        if len(self.buffer) < total:
            return None
        frame, self.buffer = self.buffer[:total], self.buffer[total:]
        return frame

    def recv(self, timeout: float) -> SipMessage | None:
        deadline = time.monotonic() + timeout
        while True:
            frame = self._frame()
            if frame is not None:
                return sipmsg.parse(frame)
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return None
            if not chunk:
                self.eof = True
                return None
            self.buffer += chunk

    def transact(self, request: bytes, *, timeout: float = 4.0) -> Exchange:
        parsed = sipmsg.parse(request)
        exchange = Exchange(request)
        self.send(request)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self.recv(left)
            if message is None:
                if self.eof:
                    break
                continue
            if message.is_response and _matches(parsed, message):
                exchange.responses.append(message)
                if message.status is not None and message.status >= 200:
                    break
        return exchange

    def options_request(self, user: str = "interop") -> bytes:
        host, port = self.server
        uri = f"sip:{host}:{port}"
        return sipmsg.build_request(
            "OPTIONS", uri, via=self.via,
            from_=f"<sip:{user}@{LOOPBACK}>;tag={sipmsg.new_tag()}", to=f"<{uri}>",
            call_id=sipmsg.new_call_id("options-tcp"), cseq=1,
            headers=[("Accept", "application/sdp")],
        )


def options_ping(server: tuple[str, int], *, timeout: float = 4.0) -> Exchange:
    """One OPTIONS over UDP from a fresh socket: the liveness check used after rough tests."""
    with UdpPeer(server) as peer:
        return peer.options(timeout=timeout)


def assert_answers_options(server: tuple[str, int], *, after: str) -> None:
    """The server still answers OPTIONS with 200 (used after the rough tests)."""
    exchange = options_ping(server)
    assert exchange.final is not None and exchange.final.status == 200, (
        f"the server no longer answers OPTIONS with 200 after {after}\n{exchange.describe()}")
