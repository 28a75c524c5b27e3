"""A client of Hotline's web API as the desktop and API clients use it (issue #6):
sign in with ``POST /api/v1/sessions``, then send either the ``hotline_session`` cookie
(with ``X-CSRF-Token`` on unsafe requests, as a browser does) or ``Authorization: Bearer``
(as a script does); and the WebSocket event stream ``/api/v1/events``.

* ``WebAPI``: raw HTTP/1.1 requests on ``host:port`` (http.client, nothing added behind
  the test's back), optionally from another loopback source address (``127.0.0.N``), so
  a test that provokes the sign-in throttle, which counts per source address, does not
  throttle the rest of the module;
* ``Session``: one signed-in session and its requests, in ``bearer`` or ``cookie`` mode;
* ``EventStream``: a WebSocket subscription (websocket-client) with ``after``, ``types``,
  ``agent``, ``queue``; every frame it received is kept, in order;
* ``upgrade``: the WebSocket handshake alone, to see how the server refuses one;
* ``Contract``: JSON Schema validation against openapi.yaml's components.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import websocket
import yaml

API = "/api/v1"
COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
# A made-up but valid Sec-WebSocket-Key (RFC 6455 §4.1: 16 random bytes in base64).
WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


@dataclass
class Reply:
    method: str
    path: str
    status: int
    raw: bytes
    body: object                      # parsed JSON, or the text when it is not JSON
    headers: list[tuple[str, str]]    # every header as sent, in order (Set-Cookie may repeat)
    seconds: float = 0.0

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def all_headers(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def error(self) -> dict | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"]
        return None

    @property
    def error_code(self) -> str | None:
        return self.error.get("code") if self.error else None

    @property
    def route_missing(self) -> bool:
        """The server has no route for this path and method (its 404 not-found or 405)."""
        return (self.status == 404 and self.error_code == "not-found") or self.status == 405

    def __str__(self) -> str:
        shown = json.dumps(self.body, ensure_ascii=False) if not isinstance(self.body, str) else repr(self.body[:300])
        return f"{self.method} {self.path} -> {self.status} {shown}"


def cookie_attributes(set_cookie: str) -> tuple[str, str, dict[str, str | bool]]:
    """``name=value; Attr=x; Flag`` as (name, value, {attr lower-cased: value or True})."""
    first, *rest = [part.strip() for part in set_cookie.split(";")]
    name, _, value = first.partition("=")
    attributes: dict[str, str | bool] = {}
    for part in rest:
        key, sep, val = part.partition("=")
        attributes[key.strip().lower()] = val.strip() if sep else True
    return name, value, attributes


@dataclass
class WebAPI:
    """Hotline's HTTP server at ``host:port``; requests leave from ``source`` (None: any)."""

    host: str
    port: int
    source: str | None = None
    timeout: float = 15.0

    def from_source(self, source: str) -> "WebAPI":
        return WebAPI(self.host, self.port, source=source, timeout=self.timeout)

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    def request(self, method: str, path: str, body: object | None = None, *, raw: bytes | None = None,
                content_type: str | None = "application/json", headers: dict[str, str] | None = None) -> Reply:
        """One request. ``path`` is sent exactly as given (no normalisation, no quoting);
        ``body`` is JSON-encoded, ``raw`` sent as it is (with ``content_type`` unless None)."""
        data = raw if raw is not None else (None if body is None else json.dumps(body, ensure_ascii=False).encode())
        sent = dict(headers or {})
        if data is not None and content_type is not None:
            sent.setdefault("Content-Type", content_type)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                          source_address=(self.source, 0) if self.source else None)
        started = time.monotonic()
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            payload = response.read()
            status, got = response.status, list(response.getheaders())
        except (OSError, http.client.HTTPException) as error:
            # No HTTP answer (the server is gone): status 0, so the test shows what it saw.
            return Reply(method, path, 0, b"", f"no answer: {error!r}", [], time.monotonic() - started)
        finally:
            conn.close()
        text = payload.decode("utf-8", "replace")
        try:
            parsed: object = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = text
        return Reply(method, path, status, payload, parsed, got, time.monotonic() - started)

    def sign_in(self, username: str, password: str) -> Reply:
        return self.request("POST", f"{API}/sessions", {"username": username, "password": password})

    def session(self, username: str, password: str, mode: str = "bearer") -> "Session":
        """A new session (fails the test unless the sign-in answers 201)."""
        reply = self.sign_in(username, password)
        assert reply.status == 201 and isinstance(reply.body, dict), f"sign-in of {username} failed: {reply}"
        return Session(self, username, reply.body["token"], reply.body["csrfToken"], reply.body, mode)


@dataclass
class Session:
    """A signed-in session. ``mode`` ``bearer`` sends ``Authorization: Bearer <token>``;
    ``cookie`` sends the cookie, and on POST/PUT/PATCH/DELETE ``X-CSRF-Token`` (the
    session's own unless ``csrf=`` says otherwise; ``csrf=None`` sends none)."""

    api: WebAPI
    username: str
    token: str
    csrf: str
    signed_in: dict
    mode: str = "bearer"

    def as_cookie(self) -> "Session":
        return Session(self.api, self.username, self.token, self.csrf, self.signed_in, "cookie")

    def as_bearer(self) -> "Session":
        return Session(self.api, self.username, self.token, self.csrf, self.signed_in, "bearer")

    def auth_headers(self, method: str, csrf: object = "own") -> dict[str, str]:
        if self.mode == "bearer":
            return {"Authorization": f"Bearer {self.token}"}
        headers = {"Cookie": f"{COOKIE}={self.token}"}
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            token = self.csrf if csrf == "own" else csrf
            if token is not None:
                headers[CSRF_HEADER] = str(token)
        return headers

    def request(self, method: str, path: str, body: object | None = None, *, csrf: object = "own",
                headers: dict[str, str] | None = None, **kwargs) -> Reply:
        sent = self.auth_headers(method, csrf)
        sent.update(headers or {})
        # "/agents/1001" means /api/v1/agents/1001; a full path ("/api/...", "/openapi.yaml",
        # "/desktop/...") is sent as it is.
        full = path if path.startswith(("/api/", "/openapi", "/desktop")) else API + path
        return self.api.request(method, full, body, headers=sent, **kwargs)

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def agent(self, agent: str) -> Reply:
        return self.get(f"/agents/{agent}")

    def set_state(self, agent: str, state: str, reason: str | None = None, **kwargs) -> Reply:
        body = {"state": state} if reason is None else {"state": state, "reason": reason}
        return self.request("PUT", f"/agents/{agent}/state", body, **kwargs)

    def login(self, agent: str, ready: bool) -> Reply:
        return self.request("POST", f"/agents/{agent}/login", {"ready": ready})

    def logout(self, agent: str, force: bool = False) -> Reply:
        return self.request("POST", f"/agents/{agent}/logout", {"force": True} if force else None)

    def events(self, **query) -> "EventStream":
        return EventStream.open(self.api, self.auth_headers("GET"), **query)


# ---------------------------------------------------------------------------
# The event stream
# ---------------------------------------------------------------------------


def events_path(after: int | None = None, types: str | None = None, agent: str | None = None,
                queue: str | None = None) -> str:
    query = {k: v for k, v in (("after", after), ("types", types), ("agent", agent), ("queue", queue)) if v is not None}
    return f"{API}/events" + (("?" + urllib.parse.urlencode(query, safe=",.")) if query else "")


@dataclass
class EventStream:
    """One open ``/api/v1/events`` WebSocket; ``frames`` holds every event received, in order."""

    ws: websocket.WebSocket
    path: str
    frames: list[dict] = field(default_factory=list)

    @classmethod
    def open(cls, api: WebAPI, headers: dict[str, str], *, origin: str | None = None, timeout: float = 10.0,
             **query) -> "EventStream":
        path = events_path(**query)
        ws = websocket.create_connection(f"ws://{api.authority}{path}", **ws_options(api, headers, origin, timeout))
        return cls(ws, path)

    def next(self, timeout: float) -> dict | None:
        """The next event, or None when none comes within ``timeout`` seconds (or it closed)."""
        self.ws.settimeout(max(0.01, timeout))
        try:
            text = self.ws.recv()
        except (websocket.WebSocketTimeoutException, socket.timeout):
            return None
        except (websocket.WebSocketConnectionClosedException, OSError):
            return None
        if not text:
            return None
        event = json.loads(text)
        self.frames.append(event)
        return event

    def until(self, predicate, timeout: float) -> tuple[dict | None, list[dict]]:
        """Reads until an event satisfies ``predicate``; (that event or None, every event read)."""
        deadline = time.monotonic() + timeout
        seen: list[dict] = []
        while time.monotonic() < deadline:
            event = self.next(deadline - time.monotonic())
            if event is None:
                continue
            seen.append(event)
            if predicate(event):
                return event, seen
        return None, seen

    def ready(self, timeout: float = 10.0) -> tuple[dict | None, list[dict]]:
        """Reads up to and including ``stream.ready``: (it, the frames before it)."""
        event, seen = self.until(lambda e: e.get("type") == "stream.ready", timeout)
        return event, seen[:-1] if event else seen

    def drain(self, seconds: float) -> list[dict]:
        """Everything that arrives within ``seconds``."""
        deadline = time.monotonic() + seconds
        got = []
        while time.monotonic() < deadline:
            event = self.next(deadline - time.monotonic())
            if event is not None:
                got.append(event)
        return got

    def close(self) -> None:
        try:
            self.ws.close(timeout=1)
        except Exception:  # noqa: BLE001 - closing a socket the server may have closed
            pass


def agent_state(event: dict, agent: str | None = None) -> bool:
    return event.get("type") == "agent.state" and (agent is None or event.get("data", {}).get("agent") == agent)


def upgrade(api: WebAPI, path: str, headers: dict[str, str] | None = None, *, websocket_headers: bool = True) -> Reply:
    """The WebSocket opening handshake only (or a plain GET without ``websocket_headers``):
    the server's answer. A 101 is answered with its headers and closed at once."""
    sent = {"Host": api.authority}
    if websocket_headers:
        sent.update({"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                     "Sec-WebSocket-Key": WS_KEY})
    sent.update(headers or {})
    conn = http.client.HTTPConnection(api.host, api.port, timeout=api.timeout,
                                      source_address=(api.source, 0) if api.source else None)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for key, value in sent.items():
            conn.putheader(key, value)
        conn.endheaders()
        response = conn.getresponse()
        got = list(response.getheaders())
        payload = b"" if response.status == 101 else response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        return Reply("GET", path, 0, b"", f"no answer: {error!r}", [])
    finally:
        conn.close()
    text = payload.decode("utf-8", "replace")
    try:
        parsed: object = json.loads(text) if text else None
    except json.JSONDecodeError:
        parsed = text
    return Reply("GET", path, status, payload, parsed, got)


# ---------------------------------------------------------------------------
# The OpenAPI document
# ---------------------------------------------------------------------------


OPENAPI = Path(__file__).resolve().parents[3] / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch")


class Contract:
    """openapi.yaml: its operations, and JSON Schema checks of values against its components."""

    def __init__(self, path: Path = OPENAPI):
        self.path = path
        self.document = yaml.safe_load(path.read_text())

    def operations(self) -> list[tuple[str, str, dict, list[dict]]]:
        """(METHOD, path template, operation, parameters incl. the path item's) in document order."""
        out = []
        for path, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method in METHODS:
                if method in item:
                    op = item[method]
                    out.append((method.upper(), path, op, shared + op.get("parameters", [])))
        return out

    def resolve(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            pointer = node["$ref"].removeprefix("#/").split("/")
            node = self.document
            for part in pointer:
                node = node[part]
        return node

    def problems(self, schema_name: str, value: object) -> list[str]:
        """Why ``value`` is not a valid ``#/components/schemas/<schema_name>`` (empty: valid)."""
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        base = "urn:hotline:openapi"
        registry = Registry().with_resource(base, Resource(self.document, specification=DRAFT202012))
        validator = Draft202012Validator({"$ref": f"{base}#/components/schemas/{schema_name}"}, registry=registry,
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        out = []
        for error in validator.iter_errors(value):
            where = "/".join(map(str, error.absolute_path)) or "(top)"
            # oneOf/anyOf (a value or null): say why the non-null branches refused it.
            reasons = [sub for sub in error.context or [] if "'null'" not in sub.message]
            if reasons:
                out += [f"{'/'.join(map(str, sub.absolute_path)) or where}: {shorten(sub.message)}" for sub in reasons]
            else:
                out.append(f"{where}: {shorten(error.message)}")
        return out

    def event_problems(self, event: dict) -> list[str]:
        """``problems`` against the schema the StreamEvent discriminator names for the
        event's type (oneOf alone only says "not valid under any")."""
        mapping = self.document["components"]["schemas"]["StreamEvent"]["discriminator"]["mapping"]
        ref = mapping.get(event.get("type"))
        if ref is None:
            return [f"type {event.get('type')!r} is not a documented event type"]
        return self.problems(ref.rsplit("/", 1)[-1], event)


def shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def fill_path(template: str, parameters: list[dict], contract: Contract, overrides: dict[str, str]) -> str:
    """The template with each path parameter replaced by ``overrides[name]`` or the
    document's example for it."""
    def value(name: str) -> str:
        if name in overrides:
            return overrides[name]
        for p in parameters:
            p = contract.resolve(p)
            if p.get("in") == "path" and p.get("name") == name:
                example = p.get("example", contract.resolve(p.get("schema", {})).get("example"))
                if example is not None:
                    return urllib.parse.quote(str(example), safe="")
        raise AssertionError(f"openapi.yaml gives no example for path parameter {name!r} of {template}")
    return re.sub(r"\{([^}]+)\}", lambda m: value(m.group(1)), template)


def ws_options(api: WebAPI, headers: dict[str, str], origin: str | None, timeout: float) -> dict:
    """websocket-client's options: the headers, the timeout, this client's source address,
    and an Origin only when asked (websocket-client sends one of its own unless told)."""
    options: dict = {"header": [f"{k}: {v}" for k, v in headers.items()], "timeout": timeout,
                     "suppress_origin": origin is None}
    if origin is not None:
        options["origin"] = origin
    if api.source:
        options["source_address"] = (api.source, 0)
    return options


def refusal(api: WebAPI, path: str, headers: dict[str, str] | None = None, *, origin: str | None = None,
            timeout: float = 10.0) -> Reply:
    """A refused event stream as Hotline refuses one: the upgrade happens (a browser sees
    nothing of a refused handshake), then one ``stream.error`` event and a close with code
    4000 + the HTTP status. Answered as a Reply: status = close code - 4000 (0 when the
    stream was not refused that way), body = the event's ``{"error": ...}``, headers =
    [("X-Close-Code", code), ("X-Close-Reason", reason)]."""
    try:
        ws = websocket.create_connection(f"ws://{api.authority}{path}", **ws_options(api, headers or {}, origin, timeout))
    except websocket.WebSocketBadStatusException as error:
        return Reply("GET", path, 0, b"", f"handshake refused with {error.status_code}", [])
    except (OSError, websocket.WebSocketException) as error:
        return Reply("GET", path, 0, b"", f"no stream: {error!r}", [])
    event: object = None
    code, reason = 0, ""
    try:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_TEXT:
            event = json.loads(data.decode("utf-8"))
            opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE and len(data) >= 2:
            code, reason = int.from_bytes(data[:2], "big"), data[2:].decode("utf-8", "replace")
    except (OSError, websocket.WebSocketException, ValueError) as error:
        reason = f"no close: {error!r}"
    finally:
        ws.close()
    refused = isinstance(event, dict) and event.get("type") == "stream.error" and 4000 <= code < 5000
    body = {"error": event["data"]["error"]} if refused else {"event": event}
    return Reply("GET", path, code - 4000 if refused else 0, json.dumps(body).encode(), body,
                 [("Content-Type", "application/json"), ("X-Close-Code", str(code)), ("X-Close-Reason", reason)])
