"""A small, tolerant SIP message reader and builder for the interop tests.

This is a test tool, not a SIP stack: it reads whatever the server sends back
well enough to check fields, and builds the few requests the tests send.
Header values are decoded with ``surrogateescape`` so that a value compared
with the bytes of the request it came from round-trips exactly.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field

# RFC 3261 §7.3.3 plus the common extensions' compact forms.
COMPACT_FORMS = {
    "i": "call-id", "m": "contact", "e": "content-encoding", "l": "content-length",
    "c": "content-type", "f": "from", "s": "subject", "k": "supported", "t": "to",
    "v": "via", "o": "event", "r": "refer-to", "b": "referred-by", "u": "allow-events",
    "a": "accept-contact", "j": "reject-contact", "d": "request-disposition",
    "x": "session-expires", "y": "identity", "n": "identity-info",
}


def canonical_name(name: str) -> str:
    """Lower-case long form of a header name (``v`` -> ``via``)."""
    lowered = name.strip().lower()
    return COMPACT_FORMS.get(lowered, lowered)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@dataclass(repr=False)
class SipMessage:
    """One parsed SIP request or response."""

    raw: bytes
    start_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)  # (name as sent, unfolded value)
    body: bytes = b""

    def __repr__(self) -> str:
        return f"<SipMessage {self.start_line!r}>"

    # -- start line ---------------------------------------------------------
    @property
    def is_response(self) -> bool:
        return self.start_line.startswith("SIP/")

    @property
    def status(self) -> int | None:
        if not self.is_response:
            return None
        parts = self.start_line.split(" ", 2)
        if len(parts) >= 2 and parts[1].isdigit() and len(parts[1]) == 3:
            return int(parts[1])
        return None

    @property
    def reason(self) -> str:
        parts = self.start_line.split(" ", 2)
        return parts[2] if self.is_response and len(parts) == 3 else ""

    @property
    def method(self) -> str | None:
        return None if self.is_response else self.start_line.split(" ", 1)[0]

    @property
    def request_uri(self) -> str | None:
        if self.is_response:
            return None
        parts = self.start_line.split()
        return parts[1] if len(parts) >= 2 else None

    # -- headers ------------------------------------------------------------
    def get_all(self, name: str) -> list[str]:
        """Every value of header ``name`` (compact forms included), one per header line."""
        wanted = canonical_name(name)
        return [value for (n, value) in self.headers if canonical_name(n) == wanted]

    def get(self, name: str) -> str | None:
        values = self.get_all(name)
        return values[0] if values else None

    def has(self, name: str) -> bool:
        return bool(self.get_all(name))

    def values(self, name: str) -> list[str]:
        """Every comma-separated element of header ``name`` across all its lines."""
        out: list[str] = []
        for value in self.get_all(name):
            out.extend(v for v in split_commas(value) if v)
        return out

    def tokens(self, name: str) -> set[str]:
        """Lower-cased tokens of a token-list header (Allow, Supported, Unsupported, ...)."""
        return {v.strip().lower() for v in self.values(name) if v.strip()}

    @property
    def call_id(self) -> str | None:
        value = self.get("call-id")
        return value.strip() if value is not None else None

    @property
    def cseq(self) -> tuple[int, str] | None:
        value = self.get("cseq")
        if value is None:
            return None
        parts = value.split()
        if len(parts) != 2 or not parts[0].isdigit():
            return None
        return int(parts[0]), parts[1]

    def tag(self, header: str) -> str | None:
        value = self.get(header)
        return header_param(value, "tag") if value is not None else None

    def summary(self) -> str:
        return self.start_line

    def text(self, limit: int = 4000) -> str:
        text = self.raw.decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more chars)"


def parse(data: bytes) -> SipMessage:
    """Parse one message. Never raises: broken input gives a message with few headers."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    lines = re.split(rb"\r?\n", head)
    start = _decode(lines[0]).strip() if lines else ""
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:  # RFC 3261 §7.3.1 line folding
            name, value = headers[-1]
            headers[-1] = (name, (value + " " + _decode(line).strip()).strip())
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            continue
        headers.append((_decode(name).strip(), _decode(value).strip()))
    return SipMessage(raw=data, start_line=start, headers=headers, body=body)


def split_commas(value: str) -> list[str]:
    """Split a header value at commas that are outside quotes and <>."""
    parts, current, quoted, angle, escaped = [], [], False, 0, False
    for ch in value:
        if escaped:
            current.append(ch)
            escaped = False
            continue
        if ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle += 1
        elif ch == ">" and not quoted and angle:
            angle -= 1
        elif ch == "," and not quoted and not angle:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return parts


def header_params(value: str) -> dict[str, str | None]:
    """Header parameters (after the URI / the ``>``), lower-cased names."""
    if ">" in value:
        value = value.rsplit(">", 1)[1]
    else:
        # addr-spec form: parameters after the first ';' belong to the header
        value = value.split(";", 1)[1] if ";" in value else ""
        value = ";" + value
    params: dict[str, str | None] = {}
    for item in value.split(";"):
        item = item.strip()
        if not item:
            continue
        key, eq, val = item.partition("=")
        params[key.strip().lower()] = val.strip().strip('"') if eq else None
    return params


def header_param(value: str, name: str) -> str | None:
    return header_params(value).get(name.lower())


def uri_of(value: str) -> str:
    """The URI inside a name-addr (``"A" <sip:a@b>;tag=1`` -> ``sip:a@b``) or an addr-spec."""
    if "<" in value and ">" in value:
        return value[value.index("<") + 1 : value.rindex(">")].strip()
    return value.split(";", 1)[0].strip()


# -- building requests --------------------------------------------------------

_counter = itertools.count(1)


def new_branch() -> str:
    """A fresh RFC 3261 branch (magic cookie + unique part)."""
    return f"z9hG4bK-interop-{os.getpid()}-{next(_counter)}-{os.urandom(4).hex()}"


def new_tag() -> str:
    return os.urandom(6).hex()


def new_call_id(prefix: str = "interop") -> str:
    return f"{prefix}-{os.getpid()}-{next(_counter)}-{os.urandom(6).hex()}@127.0.0.1"


def build_request(
    method: str,
    uri: str,
    *,
    via: str,
    from_: str,
    to: str,
    call_id: str,
    cseq: int,
    cseq_method: str | None = None,
    contact: str | None = None,
    max_forwards: int | None = 70,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    content_type: str | None = None,
) -> bytes:
    """Serialize a request. ``via`` is a complete Via value (``SIP/2.0/UDP host:port;branch=...``)."""
    lines = [
        f"{method} {uri} SIP/2.0",
        f"Via: {via}",
    ]
    if max_forwards is not None:
        lines.append(f"Max-Forwards: {max_forwards}")
    lines += [
        f"From: {from_}",
        f"To: {to}",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} {cseq_method or method}",
    ]
    if contact is not None:
        lines.append(f"Contact: {contact}")
    for name, value in headers or []:
        lines.append(f"{name}: {value}")
    if body and content_type:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body)}")
    return _encode("\r\n".join(lines) + "\r\n\r\n") + body


def sdp_offer(port: int = 40000, session_id: int = 1) -> bytes:
    """A plain PCMU/PCMA + telephone-event offer on 127.0.0.1."""
    return (
        "v=0\r\n"
        f"o=interop {session_id} 1 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "c=IN IP4 127.0.0.1\r\n"
        "t=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 8 101\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-15\r\n"
        "a=sendrecv\r\n"
    ).encode()


def ack_for_final(request_uri: str, response: SipMessage) -> bytes:
    """ACK for a non-2xx final response to an INVITE (RFC 3261 §17.1.1.3).

    Same transaction as the INVITE: the top Via (with its branch) comes back in
    the response, as do From, Call-ID and the To tag the server added.
    """
    vias = response.values("via")
    cseq = response.cseq
    number = cseq[0] if cseq else 1
    return build_request(
        "ACK",
        request_uri,
        via=vias[0] if vias else f"SIP/2.0/UDP 127.0.0.1;branch={new_branch()}",
        from_=response.get("from") or "<sip:interop@127.0.0.1>",
        to=response.get("to") or "<sip:interop@127.0.0.1>",
        call_id=response.call_id or new_call_id(),
        cseq=number,
        cseq_method="ACK",
    )


def in_dialog_request(
    method: str,
    response: SipMessage,
    *,
    local_via_host: str,
    local_via_port: int,
    transport: str = "UDP",
    cseq: int | None = None,
    fallback_uri: str,
) -> bytes:
    """ACK (for a 2xx) or BYE inside the dialog a 2xx response created (RFC 3261 §12.2.1.1).

    The remote target is the 2xx's Contact; the Route set is the Record-Route
    reversed. From/To come from the response, which already carries both tags.
    """
    contacts = response.values("contact")
    target = uri_of(contacts[0]) if contacts else fallback_uri
    route = [v for v in reversed(response.values("record-route"))]
    number = response.cseq[0] if response.cseq else 1
    if cseq is not None:
        number = cseq
    headers = [("Route", r) for r in route]
    return build_request(
        method,
        target,
        via=f"SIP/2.0/{transport} {local_via_host}:{local_via_port};rport;branch={new_branch()}",
        from_=response.get("from") or "",
        to=response.get("to") or "",
        call_id=response.call_id or "",
        cseq=number,
        headers=headers,
    )


# -- rewriting the top Via of a corpus message ---------------------------------

_LWS = rb"(?:[ \t]*\r?\n)?[ \t]+"
_SWS = rb"(?:" + _LWS + rb")?"
_TOKEN = rb"[A-Za-z0-9\-.!%*_+`'~]+"
_VIA_PARM = re.compile(
    _SWS
    + rb"(?P<proto>SIP" + _SWS + rb"/" + _SWS + rb"[0-9.]+" + _SWS + rb"/" + _SWS + rb")"
    + rb"(?P<transport>" + _TOKEN + rb")"
    + rb"(?P<lws>" + _LWS + rb")"
    + rb"(?P<sentby>(?:\[[0-9A-Fa-f:.]*\]|[A-Za-z0-9\-.]+)(?:" + _SWS + rb":" + _SWS + rb"[0-9]+)?)",
    re.IGNORECASE,
)
_VIA_HEADER = re.compile(rb"(?im)^(?:via|v)[ \t]*:")


@dataclass
class ViaRewrite:
    data: bytes
    notes: list[str]
    rewritten: bool


def rewrite_top_via(data: bytes, host: str, port: int) -> ViaRewrite:
    """Point the top Via of ``data`` at ``host:port`` so that replies come back to us.

    Only the first via-parm of the first Via header line in the header section is
    touched: its sent-by becomes ``host:port``; a non-UDP transport becomes UDP
    (the message is sent as a UDP datagram, and RFC 3261 §18.2.2 would otherwise
    send the response over that transport); if that via-parm carries ``received``,
    ``;rport`` is added so the response goes to the packet's source (RFC 3581 §4)
    instead of the archived address. Everything else stays byte-exact. Messages
    with no Via, or whose Via cannot be read, come back unchanged.
    """
    line_end = data.find(b"\n")
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        head_end = data.find(b"\n\n")
    if head_end < 0:
        head_end = len(data)
    if line_end < 0 or line_end >= head_end:
        return ViaRewrite(data, ["no header section: sent unchanged"], False)
    header = _VIA_HEADER.search(data, line_end + 1, head_end)
    if header is None:
        return ViaRewrite(data, ["no Via header: sent unchanged"], False)
    match = _VIA_PARM.match(data, header.end(), head_end)
    if match is None:
        return ViaRewrite(data, ["top Via unreadable: sent unchanged"], False)

    notes = []
    transport = match.group("transport")
    new_transport = transport
    if transport.upper() != b"UDP":
        new_transport = b"UDP"
        notes.append(f"top Via transport {transport.decode()} -> UDP")
    old_sent_by = match.group("sentby")
    new_sent_by = f"{host}:{port}".encode()
    notes.append(f"top Via sent-by {old_sent_by.decode(errors='replace')!r} -> {new_sent_by.decode()}")

    # The parameters of this via-parm run to the next top-level comma or the end of the header.
    header_end_match = re.compile(rb"\r?\n(?![ \t])").search(data, match.end(), head_end + 2)
    header_end = header_end_match.start() if header_end_match else head_end
    comma = data.find(b",", match.end(), header_end)
    params = data[match.end() : comma if comma >= 0 else header_end]
    suffix = b""
    if re.search(rb"(?i);\s*received\s*=", params) and not re.search(rb"(?i);\s*rport", params):
        suffix = b";rport"
        notes.append("top Via has received=: added ;rport so the reply comes to the packet source")

    rewritten = (
        data[: match.start("transport")]
        + new_transport
        + match.group("lws")
        + new_sent_by
        + suffix
        + data[match.end("sentby") :]
    )
    return ViaRewrite(rewritten, notes, True)
