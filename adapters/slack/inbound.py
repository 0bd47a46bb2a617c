"""What a request to ``/slack/events`` must be before Bolt reads it: signed, not too large, not
nested too deep, of the types Bolt reads without checking, and parsed once, here; and the same
check of types for what arrives over Socket Mode.

Bolt parses a body before it checks its signature, with ``json.loads`` (a body nested a
thousand deep ends in a ``RecursionError``), and treats any form body that contains the word
``payload`` anywhere as an interaction (``/feedback the payload is slow`` becomes an empty
request nobody handles). So the body is checked and read here and handed to Bolt already parsed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

# Slack cuts a message's text at 40,000 characters (chat.postMessage's documentation); an
# event that carries such a message, every character JSON-escaped as a surrogate pair
# (12 bytes), is under 0.5 MB. 1 MiB, aiohttp's own default request limit, leaves room for its
# blocks and attachments and is refused above.
MAX_BODY_BYTES = 1024 * 1024
# Slack's deepest payloads (rich text blocks inside a message inside an event envelope, a
# modal's state) nest about a dozen levels; Python's own json stops near a thousand.
MAX_JSON_DEPTH = 64

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a request is answered with ``status`` and never reaches Bolt."""

    status: int
    reason: str


def signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether Slack signed ``body`` (``v0=HMAC-SHA256(secret, "v0:{ts}:{body}")``), within
    Slack's five minutes. Slack signs UTF-8 text only, which is what the verifier reads."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER)
    if not timestamp.isascii() or not timestamp.isdigit() or signature is None:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return verifier.is_valid(body=text, timestamp=timestamp, signature=signature)


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON ``text`` nests more than ``limit`` arrays and objects, found without
    parsing it (brackets inside strings do not count)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse(body: bytes, content_type: str) -> dict[str, Any] | Refused:
    """The body as Bolt reads it: a JSON object (Events API), or a form whose ``payload``
    field holds the interaction's JSON, or a form of fields (slash commands)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refused(400, "the body is not UTF-8")
    if not text:
        return {}
    if content_type == JSON or text.startswith("{"):
        found = _json_object(text)
    else:
        fields = dict(parse_qsl(text, keep_blank_values=True))
        payload = fields.get("payload")
        found = fields if payload is None else _json_object(payload)
    return found


def _json_object(text: str) -> dict[str, Any] | Refused:
    if too_deep(text):
        return Refused(400, f"JSON nested deeper than {MAX_JSON_DEPTH}")
    try:
        found = json.loads(text)
    except ValueError:
        return Refused(400, "the body is not JSON")
    if not isinstance(found, dict):
        return Refused(400, "the body is not a JSON object")
    return found


# Where Slack's payloads hold objects (or lists of objects) that Bolt reads without checking
# their type (``body["event"].get(...)``, ``body["actions"][0]``, ``"type" in body["view"]``):
# another type there ends in Bolt's own error handler failing, as a server error.
_OBJECTS = ("event", "user", "view", "container", "message", "previous_message", "state")
_OBJECTS_OR_NULL = ("team", "enterprise", "channel", "function_data", "workflow_step")
_EVENT_OBJECTS = ("item", "message", "previous_message", "assistant_thread")


def unreadable(body: Mapping[str, Any]) -> str | None:
    """Which part of ``body`` is not of the type Slack sends there, if any."""
    for key in _OBJECTS:
        if key in body and not isinstance(body[key], Mapping):
            return key
    for key in _OBJECTS_OR_NULL:
        if body.get(key) is not None and not isinstance(body[key], Mapping):
            return key
    if "actions" in body and not (_objects(body["actions"]) and body["actions"]):
        return "actions"  # Bolt reads ``actions[0]``
    if body.get("type") == "block_actions" and not isinstance(
        body["actions"][0].get("action_id") if body.get("actions") else None, str
    ):
        return "actions[0].action_id"  # Bolt matches it as a string, unchecked
    if "response_urls" in body and not _objects(body["response_urls"]):
        return "response_urls"
    if body.get("authorizations") is not None and not _objects(body["authorizations"]):
        return "authorizations"
    if isinstance(body.get("view"), Mapping) and "type" not in body["view"]:
        return "view.type"  # Bolt reads it to tell a workflow step's view
    if "type" in body and not isinstance(body["type"], str):
        return "type"
    event = body.get("event")
    if isinstance(event, Mapping):
        if not isinstance(event.get("type", ""), str):
            return "event.type"
        for key in _EVENT_OBJECTS:
            if key in event and not isinstance(event[key], Mapping):
                return f"event.{key}"
    return None


def _objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(each, Mapping) for each in value)


def bolt_request(
    text: str, body: dict[str, Any], query: str, headers: Mapping[str, str]
) -> AsyncBoltRequest | Refused:
    """Bolt's request for a body already parsed; ``text`` stays its raw body, which Bolt's own
    signature check reads."""
    wrong = unreadable(body)
    if wrong is not None:
        return Refused(400, f"not a Slack payload ({wrong!r} of another type)")
    request = AsyncBoltRequest(body="", query=query, headers=dict(headers))
    request.raw_body = text
    request.body = body
    try:
        request.context = build_async_context(AsyncBoltContext({}), body)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as error:
        # Bolt reads the team, user and channel from fixed places, and fails on other types.
        return Refused(400, f"not a Slack payload ({type(error).__name__})")
    return request


def described(body: Mapping[str, Any]) -> str:
    """What a request is, in a few printable characters fit for a log line (never its text)."""
    kind = body.get("type")
    if kind == "event_callback" and isinstance(body.get("event"), Mapping):
        kind = f"event {body['event'].get('type')!r}"
    elif kind is None:
        kind = f"command {body.get('command')!r}"
    shown = "".join(char if char.isprintable() else "?" for char in str(kind))
    return shown[:60]


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, with the envelope's payload checked as an HTTP body is: one
    Bolt cannot read is acknowledged (so Slack does not send it again) and logged in a line."""

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        payload = req.payload
        wrong = unreadable(payload) if isinstance(payload, Mapping) else "payload"
        if wrong is None:
            await super().handle(client, req)
            return
        log.warning("ignored a Socket Mode envelope: not a Slack payload (%r)", wrong)
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
