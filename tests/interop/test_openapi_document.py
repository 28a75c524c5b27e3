"""The OpenAPI document (openapi.yaml at the repository root): valid OpenAPI 3.1, every
route of the API in it, and every example in it valid against its schema.

No server needed: this reads the file only. Needs `openapi-spec-validator` and
`jsonschema` (with `rfc3339-validator`, which openapi-spec-validator brings, for the
`date-time` format) from PyPI, and PyYAML.

Examples are checked with JSON Schema Draft 2020-12 (OpenAPI 3.1's dialect): the whole
document is registered as one resource, so a schema's `$ref: '#/components/...'`
resolves inside it, and each example is validated against the schema at its JSON pointer.
A failure names the method, path, status (or parameter, header, schema) and the JSON
pointers of the example and of the part of it at fault.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# HOTLINE_OPENAPI_DOCUMENT checks another copy (e.g. one broken on purpose).
DOCUMENT = Path(os.environ.get("HOTLINE_OPENAPI_DOCUMENT", Path(__file__).resolve().parents[2] / "openapi.yaml"))
BASE_URI = "urn:hotline:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
UNSAFE = {"post", "put", "patch", "delete"}

# Every route the server serves (APIServer.routeTable in Sources/HotlineServer/API/
# APIServer.swift, which OpenAPIRoutesTests compares with this document both ways), except
# the static desktop pages under /desktop/.
ROUTES = {
    ("GET", "/api/v1/health"),
    ("GET", "/openapi.yaml"),
    ("POST", "/api/v1/sessions"),
    ("GET", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/agents"),
    ("GET", "/api/v1/agents/{id}"),
    ("POST", "/api/v1/agents/{id}/login"),
    ("POST", "/api/v1/agents/{id}/logout"),
    ("PUT", "/api/v1/agents/{id}/state"),
    ("POST", "/api/v1/agents/{id}/wrap-up"),
    ("POST", "/api/v1/agents/{id}/transfer"),
    ("POST", "/api/v1/agents/{id}/consult"),
    ("POST", "/api/v1/agents/{id}/consult/complete"),
    ("POST", "/api/v1/agents/{id}/consult/cancel"),
    ("POST", "/api/v1/agents/{id}/hold"),
    ("POST", "/api/v1/agents/{id}/resume"),
    ("POST", "/api/v1/agents/{id}/hangup"),
    ("POST", "/api/v1/agents/{id}/dial"),
    ("GET", "/api/v1/agents/{id}/stats"),
    ("GET", "/api/v1/queues"),
    ("GET", "/api/v1/interactions"),
    ("GET", "/api/v1/interactions/{id}"),
    ("GET", "/api/v1/recordings/{id}"),
    ("GET", "/api/v1/customers"),
    ("POST", "/api/v1/customers"),
    ("GET", "/api/v1/customers/{id}"),
    ("PATCH", "/api/v1/customers/{id}"),
    ("GET", "/api/v1/dispositions"),
    ("GET", "/api/v1/reasons"),
    ("GET", "/api/v1/admin/agents"),
    ("GET", "/api/v1/admin/agents/{id}"),
    ("PUT", "/api/v1/admin/agents/{id}"),
    ("GET", "/api/v1/admin/queues"),
    ("GET", "/api/v1/admin/queues/{id}"),
    ("PUT", "/api/v1/admin/queues/{id}"),
    ("GET", "/api/v1/admin/lines"),
    ("GET", "/api/v1/admin/lines/{number}"),
    ("PUT", "/api/v1/admin/lines/{number}"),
    ("GET", "/api/v1/admin/flows"),
    ("POST", "/api/v1/admin/flows/validate"),
    ("PUT", "/api/v1/admin/flows/{name}"),
    ("GET", "/api/v1/admin/audit"),
    ("PUT", "/api/v1/interactions/{id}/customer"),
}

# The only routes that need no sign-in.
PUBLIC = {("GET", "/api/v1/health"), ("GET", "/openapi.yaml"), ("POST", "/api/v1/sessions")}

# The WebSocket: refusals come after the upgrade (a `stream.error` event, then close code
# 4000 + status), so its only HTTP error of its own is 400 `not-websocket`.
WEBSOCKET = {("GET", "/api/v1/events")}

# Bodies with no text example: a recording is a WAV file.
BINARY_MEDIA = ("audio/",)

# Schema keywords whose values are schemas, or maps/lists of schemas (JSON Schema 2020-12).
SCHEMA_VALUED = ("items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "not",
                 "if", "then", "else", "contains", "propertyNames", "contentSchema")
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def escape(token: str) -> str:
    """One JSON pointer reference token (RFC 6901 §3)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens) -> str:
    return "".join("/" + escape(t) for t in tokens)


def load_document() -> dict:
    with DOCUMENT.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


DOC = load_document()


def resolve(ptr: str):
    """The value at a JSON pointer of the document."""
    value = DOC
    for token in ptr.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


def follow(ptr: str) -> str:
    """`ptr`, or where its `$ref` (to this document) leads, until no `$ref` is left."""
    seen = set()
    while isinstance(resolve(ptr), dict) and "$ref" in resolve(ptr) and len(resolve(ptr)) == 1:
        ref = resolve(ptr)["$ref"]
        assert ref.startswith("#/"), f"{ptr}: $ref {ref!r} leaves the document"
        assert ref not in seen, f"{ptr}: $ref loop through {ref}"
        seen.add(ref)
        ptr = ref[1:]
    return ptr


REGISTRY = Registry().with_resource(BASE_URI, Resource(contents=DOC, specification=DRAFT202012))


def validator(schema_pointer: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for the schema at `schema_pointer`, with formats checked."""
    ref = BASE_URI + "#" + quote(schema_pointer, safe="/~")
    return Draft202012Validator({"$ref": ref}, registry=REGISTRY,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def operations():
    """(METHOD, path, operation pointer) for every operation, in document order."""
    for path, item in DOC["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, pointer("paths", path, method)


@dataclass(frozen=True)
class Example:
    where: str            # "PUT /api/v1/agents/{id}/state request application/json example 'break'"
    schema_pointer: str   # the schema the example must satisfy
    example_pointer: str  # the example's value in the document

    @property
    def value(self):
        return resolve(self.example_pointer)


def media_examples(where: str, media_pointer: str) -> list[Example]:
    """The `example` and each `examples` entry of a Media Type, Parameter or Header Object."""
    found = []
    holder = resolve(media_pointer)
    if "schema" not in holder:
        return found
    schema_pointer = media_pointer + "/schema"
    if "example" in holder:
        found.append(Example(f"{where} example", schema_pointer, media_pointer + "/example"))
    for name in holder.get("examples", {}):
        entry = follow(media_pointer + pointer("examples", name))
        assert "externalValue" not in resolve(entry), f"{where} example {name!r}: externalValue is not checked; inline it"
        found.append(Example(f"{where} example {name!r}", schema_pointer, entry + "/value"))
    return found


def schema_examples(where: str, schema_pointer: str) -> list[Example]:
    """The `examples` (and deprecated `example`) of a schema and of every schema inside it."""
    found = []
    schema = resolve(schema_pointer)
    if not isinstance(schema, dict):
        return found
    for i, _ in enumerate(schema.get("examples", [])):
        found.append(Example(f"{where} examples[{i}]", schema_pointer, schema_pointer + pointer("examples", i)))
    if "example" in schema:
        found.append(Example(f"{where} example", schema_pointer, schema_pointer + "/example"))
    for key in SCHEMA_VALUED:
        if isinstance(schema.get(key), dict):
            found += schema_examples(f"{where}.{key}", schema_pointer + pointer(key))
    for key in SCHEMA_MAPS:
        for name in schema.get(key, {}):
            found += schema_examples(f"{where}.{key}.{name}", schema_pointer + pointer(key, name))
    for key in SCHEMA_LISTS:
        for i, _ in enumerate(schema.get(key, [])):
            found += schema_examples(f"{where}.{key}[{i}]", schema_pointer + pointer(key, i))
    return found


def parameters(op_pointer: str) -> list[str]:
    """Pointers of the (resolved) parameters of an operation: the path item's, then its own."""
    path_item = op_pointer.rsplit("/", 1)[0]
    found = []
    for holder in (path_item, op_pointer):
        for i, _ in enumerate(resolve(holder).get("parameters", [])):
            found.append(follow(holder + pointer("parameters", i)))
    return found


def all_examples() -> list[Example]:
    found = []
    for method, path, op in operations():
        operation = resolve(op)
        for p in parameters(op):
            parameter = resolve(p)
            where = f"{method} {path} parameter {parameter['in']} {parameter['name']!r}"
            found += media_examples(where, p)
            found += schema_examples(f"{where} schema", p + "/schema")
        if "requestBody" in operation:
            body = follow(op + "/requestBody")
            for media in resolve(body).get("content", {}):
                where = f"{method} {path} request {media}"
                found += media_examples(where, body + pointer("content", media))
                found += schema_examples(f"{where} schema", body + pointer("content", media, "schema"))
        for status in operation["responses"]:
            response = follow(op + pointer("responses", status))
            for media in resolve(response).get("content", {}):
                where = f"{method} {path} {status} {media}"
                found += media_examples(where, response + pointer("content", media))
                found += schema_examples(f"{where} schema", response + pointer("content", media, "schema"))
            for header in resolve(response).get("headers", {}):
                h = follow(response + pointer("headers", header))
                found += media_examples(f"{method} {path} {status} header {header}", h)
    for name in DOC["components"]["schemas"]:
        found += schema_examples(f"components.schemas.{name}", pointer("components", "schemas", name))
    # An example reached from several operations (a shared response) is checked once.
    unique = {}
    for example in found:
        unique.setdefault((example.schema_pointer, example.example_pointer), example)
    return list(unique.values())


EXAMPLES = all_examples()


def test_document_is_valid_openapi_3_1():
    assert DOC["openapi"] == "3.1.0"
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
              for e in OpenAPIV31SpecValidator(DOC).iter_errors()]
    assert not errors, "openapi.yaml is not valid OpenAPI 3.1:\n" + "\n".join(errors)


def test_document_holds_exactly_the_routes():
    present = {(method, path) for method, path, _ in operations()}
    assert sorted(present - ROUTES) == [], "routes in openapi.yaml that the API does not have"
    assert sorted(ROUTES - present) == [], "routes of the API missing from openapi.yaml"


def deepest(error):
    """The error deepest in the instance among `error` and those under it: a oneOf or
    anyOf says only "not valid under any of the given schemas", the branch errors say where."""
    found = error
    for sub in error.context:
        candidate = deepest(sub)
        if len(candidate.absolute_path) > len(found.absolute_path):
            found = candidate
    return found


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.where)
def test_example_matches_its_schema(example: Example):
    errors = sorted(validator(example.schema_pointer).iter_errors(example.value), key=lambda e: list(e.absolute_path))
    problems = []
    for error in errors:
        cause = deepest(error)
        problems.append(f"  at {example.example_pointer}{pointer(*cause.absolute_path)} (schema keyword "
                        f"{'/'.join(map(str, cause.absolute_schema_path))}): {cause.message}")
    assert not problems, (f"{example.where} does not match schema {example.schema_pointer}:\n" + "\n".join(problems))


def test_no_yaml_flow_mapping_was_split_at_a_comma():
    """`{note: VIP, card lost}` is YAML for {"note": "VIP", "card lost": null}: a text with
    a comma in a flow mapping must be quoted. Every key in the document is a name, a media
    type, a status or a path; one with a space or a bracket is such a split."""
    bad = []

    def walk(value, at):
        if isinstance(value, dict):
            for key, item in value.items():
                if not (str(key).startswith("/") or re.fullmatch(r"[A-Za-z0-9_.{}$/+-]+", str(key))):
                    bad.append(f"{at}: key {key!r} (value {item!r})")
                walk(item, at + pointer(key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, at + pointer(i))

    walk(DOC, "")
    assert not bad, "quote the text these keys were split from:\n" + "\n".join(bad)


def test_examples_were_found_everywhere():
    """The walk reaches request bodies, responses, shared responses, parameters, headers
    and component schemas (a walk that found nothing would pass every example test)."""
    pointers = [e.example_pointer for e in EXAMPLES]
    def count(prefix):
        return sum(p.startswith(prefix) for p in pointers)
    assert count(pointer("paths", "/api/v1/agents/{id}/state", "put", "requestBody")) == 2
    assert count(pointer("paths", "/api/v1/agents/{id}/transfer", "post", "requestBody")) == 3
    assert count(pointer("components", "responses", "InvalidRequest")) == 3
    assert count(pointer("components", "responses", "TooManyAttempts")) == 2  # body and Retry-After
    assert count(pointer("components", "parameters", "AgentID")) == 1
    assert count(pointer("components", "schemas", "InteractionOfferedEvent")) == 2
    assert count(pointer("components", "schemas", "DialNumber")) == 2
    assert count(pointer("components", "schemas", "StreamErrorEvent")) == 2
    assert count(pointer("components", "responses", "Unauthenticated")) == 4  # 3 bodies and WWW-Authenticate
    assert count(pointer("paths", "/api/v1/admin/queues/{id}", "put", "requestBody")) == 2  # JSON and YAML
    assert len(EXAMPLES) > 150


def test_every_request_body_and_success_response_has_an_example():
    missing = []
    for method, path, op in operations():
        operation = resolve(op)
        if "requestBody" in operation:
            body = follow(op + "/requestBody")
            for media, content in resolve(body)["content"].items():
                if "example" not in content and not content.get("examples"):
                    missing.append(f"{method} {path} request {media} ({body}/content)")
        for status in operation["responses"]:
            if not status.startswith("2"):
                continue
            response = follow(op + pointer("responses", status))
            for media, content in resolve(response).get("content", {}).items():
                if media.startswith(BINARY_MEDIA):
                    continue
                if "example" not in content and not content.get("examples"):
                    missing.append(f"{method} {path} {status} {media} ({response}/content)")
    assert not missing, "no example for:\n" + "\n".join(missing)


def test_every_operation_is_described():
    problems = []
    ids = {}
    for method, path, op in operations():
        operation = resolve(op)
        for field in ("summary", "description", "operationId", "tags"):
            if not operation.get(field):
                problems.append(f"{method} {path}: no {field} ({op})")
        ids.setdefault(operation.get("operationId"), []).append(f"{method} {path}")
        declared = {resolve(p)["name"] for p in parameters(op) if resolve(p)["in"] == "path"}
        used = set(re.findall(r"\{([^}]+)\}", path))
        if declared != used:
            problems.append(f"{method} {path}: path parameters {sorted(declared)} for {sorted(used)} ({op})")
        if not any(s.startswith("2") or s == "101" for s in operation["responses"]):
            problems.append(f"{method} {path}: no success response ({op}/responses)")
    problems += [f"operationId {k!r} used by {v}" for k, v in ids.items() if len(v) > 1]
    assert not problems, "\n".join(problems)


def test_error_responses_use_the_shared_error_schema():
    problems = []
    for method, path, op in operations():
        for status in resolve(op)["responses"]:
            if status[0] not in "45":
                continue
            response = follow(op + pointer("responses", status))
            content = resolve(response).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if list(content) != ["application/json"] or schema != {"$ref": "#/components/schemas/Error"}:
                problems.append(f"{method} {path} {status}: {response}/content is {content!r}, "
                                "not application/json with $ref #/components/schemas/Error")
    assert not problems, "\n".join(problems)


def test_error_examples_carry_a_code_their_response_names():
    """Each error example's `code` is one the response's description lists in backticks,
    so the prose and the examples cannot drift apart."""
    problems = []
    checked = 0
    for example in EXAMPLES:
        if not example.schema_pointer.endswith("/schema") or resolve(example.schema_pointer) != {"$ref": "#/components/schemas/Error"}:
            continue
        response_pointer = example.schema_pointer.split("/content/")[0]
        description = resolve(response_pointer)["description"]
        code = example.value["error"]["code"]
        checked += 1
        if f"`{code}`" not in description:
            problems.append(f"{example.where}: code {code!r} is not in the description of {response_pointer}: {description!r}")
    assert not problems, "\n".join(problems)
    assert checked >= 40, f"only {checked} error examples found"


def test_json_request_bodies_refuse_unknown_fields():
    """The server refuses fields it does not know (422 unknown-field): every JSON request
    schema must too. Checked by behaviour: each example plus a made-up field fails."""
    problems = []
    for method, path, op in operations():
        if "requestBody" not in resolve(op):
            continue
        body = follow(op + "/requestBody")
        media = pointer("content", "application/json")
        if "application/json" not in resolve(body)["content"]:
            continue
        for example in media_examples(f"{method} {path} request application/json", body + media):
            value = dict(example.value, reasn="break")
            if validator(example.schema_pointer).is_valid(value):
                problems.append(f"{example.where}: accepted with an unknown field 'reasn' ({example.schema_pointer})")
    assert not problems, "\n".join(problems)


def test_unsafe_methods_need_the_csrf_header_with_the_cookie():
    problems = []
    default = DOC.get("security", [])
    for method, path, op in operations():
        security = resolve(op).get("security", default)
        if (method, path) in PUBLIC:
            if security != []:
                problems.append(f"{method} {path}: public, but security is {security!r}")
            continue
        schemes = [set(requirement) for requirement in security]
        if not schemes:
            problems.append(f"{method} {path}: no sign-in required ({op})")
        if {"bearerAuth"} not in schemes:
            problems.append(f"{method} {path}: bearer tokens not accepted ({op})")
        for requirement in schemes:
            if "cookieAuth" in requirement:
                want = {"cookieAuth", "csrfHeader"} if method.lower() in UNSAFE else {"cookieAuth"}
                if requirement != want:
                    problems.append(f"{method} {path}: cookie requirement {sorted(requirement)}, want {sorted(want)} ({op}/security)")
        if (method, path) in WEBSOCKET:
            if set(resolve(op)["responses"]) & {"401", "403", "422", "429"}:
                problems.append(f"{method} {path}: WebSocket refusals are stream.error events, not HTTP statuses ({op}/responses)")
        elif "401" not in resolve(op)["responses"]:
            problems.append(f"{method} {path}: signed-in route without a 401 ({op}/responses)")
        if method.lower() in UNSAFE and "403" not in resolve(op)["responses"]:
            problems.append(f"{method} {path}: unsafe route without a 403 for csrf-mismatch ({op}/responses)")
    assert not problems, "\n".join(problems)


def test_formats_are_checked():
    """`date-time` is only checked when jsonschema finds rfc3339-validator; without it every
    time in the examples would pass unchecked."""
    session = {"token": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
               "csrfToken": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", "expiresAt": "tomorrow",
               "user": {"username": "1001", "name": "Li Na", "roles": ["agent"], "agent": "1001"}}
    errors = list(validator(pointer("components", "schemas", "Session")).iter_errors(session))
    assert [(list(e.absolute_path), e.validator) for e in errors] == [(["expiresAt"], "format")]
    session["expiresAt"] = "2026-11-25T20:00:00Z"
    assert validator(pointer("components", "schemas", "Session")).is_valid(session)


def test_refs_resolve_across_the_document():
    """A nested `$ref` (StreamEvent → AgentStateEvent → Event and AgentStateData) is
    followed: a wrong state deep inside is caught, with its pointer."""
    event = dict(resolve(pointer("components", "schemas", "AgentStateEvent", "examples", 0)))
    assert validator(pointer("components", "schemas", "StreamEvent")).is_valid(event)
    event["data"] = dict(event["data"], state="lunch")
    errors = list(validator(pointer("components", "schemas", "StreamEvent")).iter_errors(event))
    assert [(list(e.absolute_path), e.validator) for e in errors] == [([], "oneOf")]
    cause = deepest(errors[0])
    assert (list(cause.absolute_path), cause.validator, cause.instance) == (["data", "state"], "enum", "lunch")


def test_every_401_challenges_bearer():
    """Every 401 says `WWW-Authenticate: Bearer realm="hotline"` (APIError.challenge): a Basic
    challenge would open the browser's own login box over the desktop's sign-in page."""
    problems = []
    checked = 0
    for method, path, op in operations():
        if "401" not in resolve(op)["responses"]:
            continue
        response = follow(op + pointer("responses", "401"))
        header = resolve(response).get("headers", {}).get("WWW-Authenticate")
        checked += 1
        if header is None:
            problems.append(f"{method} {path} 401: no WWW-Authenticate ({response})")
            continue
        header = resolve(follow(response + pointer("headers", "WWW-Authenticate")))
        if header.get("schema") != {"const": 'Bearer realm="hotline"'} or header.get("example") != 'Bearer realm="hotline"':
            problems.append(f"{method} {path} 401: WWW-Authenticate is {header!r}")
    assert not problems, "\n".join(problems)
    assert checked >= 40
    assert 'Basic realm' not in DOCUMENT.read_text(encoding="utf-8")


# What the stream sends: EventType (Sources/HotlineModel/Event.swift) and the stream's own
# messages (EventRoutes.swift).
EVENT_TYPES = {"agent.state", "interaction.queued", "interaction.offered", "interaction.offer-cancelled",
               "interaction.answered", "interaction.ended", "interaction.wrapped-up", "queue.stats",
               "stream.ready", "stream.reset", "stream.error"}


def event_schemas() -> dict[str, str]:
    """Event type → the pointer of its schema, from StreamEvent's discriminator."""
    mapping = resolve(pointer("components", "schemas", "StreamEvent", "discriminator", "mapping"))
    return {t: ref[1:] for t, ref in mapping.items()}


def test_events_document_every_type_the_stream_sends():
    schemas = event_schemas()
    assert set(schemas) == EVENT_TYPES
    assert set(resolve(pointer("components", "schemas", "Event", "properties", "type", "enum"))) == EVENT_TYPES
    one_of = {item["$ref"][1:] for item in resolve(pointer("components", "schemas", "StreamEvent", "oneOf"))}
    assert one_of == set(schemas.values())
    for event_type, schema in schemas.items():
        own = resolve(schema)["allOf"][1]["properties"]
        assert own["type"] == {"const": event_type}, schema
        examples = resolve(schema).get("examples", [])
        assert examples, f"{schema}: no example"
        for example in examples:
            assert example["type"] == event_type
            assert example["id"] == (f"{example['source']}#control-{event_type}-{example['seq']}"
                                     if event_type.startswith("stream.") else f"{example['source']}#{example['seq']}")
            assert validator(pointer("components", "schemas", "StreamEvent")).is_valid(example), (schema, example)


def test_event_data_members_are_always_present():
    """Events carry `null` for an absent optional field (JSONValue.string(nil)), so every
    member of every event's `data` is required."""
    problems = []
    for event_type, schema in event_schemas().items():
        data_pointer = schema + "/allOf/1/properties/data"
        data = resolve(follow(data_pointer))
        if set(data.get("required", [])) != set(data["properties"]):
            problems.append(f"{event_type}: required {sorted(data.get('required', []))}, members {sorted(data['properties'])}")
    assert not problems, "\n".join(problems)


# REST answers leave out an absent optional field (APIResources.object, Codable's
# encodeIfPresent); none of these schemas may allow null.
REST_SCHEMAS = ("AgentStatus", "QueueStatus", "User", "Session", "CurrentSession", "Stats", "Customer", "Account",
                "Bill", "Card", "Order", "Parcel", "Ticket", "Interaction", "Segment", "Transfer", "Recording",
                "TimelineEntry", "AdminAgent", "QueueConfig", "AdminLine", "FlowInfo", "FlowValid", "FlowUploaded")


def test_rest_fields_are_left_out_not_null():
    problems = []
    for name in REST_SCHEMAS:
        for member, schema in resolve(pointer("components", "schemas", name)).get("properties", {}).items():
            types = schema.get("type", [])
            if "null" in (types if isinstance(types, list) else [types]) or {"type": "null"} in schema.get("oneOf", []):
                problems.append(f"{name}.{member} allows null")
    assert not problems, "\n".join(problems)


# ConfigurationReader.queueKeys (Sources/HotlineServer/ConfigurationReader+Queues.swift):
# the admin queue body and answer are the configuration file's `queues:` item.
QUEUE_KEYS = {"id", "names", "skills", "strategy", "service_level", "max_wait_seconds", "max_wait_offer", "max_length",
              "ring_seconds", "wrap_up_seconds", "wrap_up_requires_disposition", "announce_every_seconds",
              "preferred_agent_window_seconds", "default_handle_seconds", "record", "escalation", "callback_key"}


def test_admin_queues_are_the_configuration_file_queue_item():
    for name in ("QueueConfig", "QueueConfigInput"):
        assert set(resolve(pointer("components", "schemas", name, "properties"))) == QUEUE_KEYS, name
    step = resolve(pointer("components", "schemas", "EscalationStep"))
    assert set(step["properties"]) == {"after_seconds", "relax_minimum_level", "add_skill", "overflow"}
    queue = validator(pointer("components", "schemas", "QueueConfigInput"))
    assert queue.is_valid({"skills": ["cards:5"], "wrap_up_seconds": "agent", "announce_every_seconds": "never"})
    assert not queue.is_valid({"skills": ["cards:5"], "wrapUpSeconds": 30})
    assert not queue.is_valid({"skills": ["cards:11"]})
    assert not queue.is_valid({"skills": ["cards"], "escalation": [{"after_seconds": 60, "overflow": "a", "add_skill": "b"}]})
    body = pointer("paths", "/api/v1/admin/queues/{id}", "put", "requestBody", "content")
    assert set(resolve(body)) == {"application/json", "application/yaml"}


def test_sign_in_refusal_names_the_password():
    example = resolve(pointer("paths", "/api/v1/sessions", "post", "responses", "401", "content", "application/json",
                              "example"))
    assert example["error"]["code"] == "wrong-credentials" and example["error"]["field"] == "password"
