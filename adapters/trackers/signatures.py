"""What inbound tracker webhooks share: HMAC-SHA256 signatures over the raw body, checked in
constant time, and the error for a body that is not a delivery at all."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from bot.errors import BadSignature


class MalformedDelivery(ValueError):
    """A signed (or unsigned, when no secret is set) body that is not the JSON a tracker
    sends; its text is one line for the log."""


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of ``body`` under ``secret``, as GitHub sends in
    ``X-Hub-Signature-256`` and Jira Cloud in ``X-Hub-Signature``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, given: str | None, header: str) -> None:
    """Raise ``BadSignature`` unless ``given`` is the body's signature under ``secret``."""
    if not given:
        raise BadSignature(f"no {header} header")
    if not hmac.compare_digest(signature(secret, body).encode(), given.strip().encode()):
        raise BadSignature(f"{header} does not match the body")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name whatever its case (aiohttp's headers are case-insensitive already; a
    plain dict from a test is not)."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, each in headers.items():
        if key.lower() == lowered:
            return each
    return None


def json_object(body: bytes, content_type: str | None = None) -> dict[str, Any]:
    """The delivery's JSON object; GitHub's form-encoded deliveries carry it in ``payload``."""
    text: str | bytes = body
    if content_type and "x-www-form-urlencoded" in content_type:
        try:
            fields = parse_qs(body.decode(), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise MalformedDelivery("a form body that cannot be read") from None
        if "payload" not in fields:
            raise MalformedDelivery("a form body without a payload field")
        text = fields["payload"][0]
    try:
        parsed = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise MalformedDelivery("a body that is not JSON") from None
    if not isinstance(parsed, dict):
        raise MalformedDelivery("a JSON body that is not an object")
    return parsed


def text_field(holder: Mapping[str, Any], name: str, where: str) -> str:
    value = holder.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedDelivery(f"{where}.{name} is missing or not text")
    return value


def object_field(holder: Mapping[str, Any], name: str, where: str) -> dict[str, Any]:
    value = holder.get(name)
    if not isinstance(value, dict):
        raise MalformedDelivery(f"{where}.{name} is missing or not an object")
    return value
