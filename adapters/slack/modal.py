"""The modal that asks for what a bare ``/feedback`` or ``/request`` left out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from adapters.slack.payloads import id_of, ignored, url_of
from bot.items import ItemKind, Priority
from bot.text import MAX_TEXT_LENGTH

CALLBACK_ID = "feedbackbot_submit"

Choice = TypeVar("Choice", ItemKind, Priority)


@dataclass(frozen=True, slots=True)
class ModalAnswer:
    kind: ItemKind
    channel_id: str
    response_url: str | None
    text: str
    priority: Priority | None
    anonymous: bool


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def build_view(kind: ItemKind, channel_id: str, response_url: str | None) -> dict[str, Any]:
    """The modal; where it came from travels in ``private_metadata``."""
    noun = "feedback" if kind is ItemKind.FEEDBACK else "request"
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "text",
            "label": {"type": "plain_text", "text": f"Your {noun}"},
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": MAX_TEXT_LENGTH,
                "placeholder": {
                    "type": "plain_text",
                    "text": "What works, what hurts, what you need…",
                },
            },
        }
    ]
    if kind is ItemKind.REQUEST:
        must, good = _option("Must-have", "must-have"), _option("Good-to-have", "good-to-have")
        blocks.append(
            {
                "type": "input",
                "block_id": "priority",
                "label": {"type": "plain_text", "text": "Priority"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "options": [must, good],
                    "initial_option": good,
                },
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": "anonymous",
            "optional": True,
            "label": {"type": "plain_text", "text": "Anonymity"},
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [_option("Submit anonymously", "anonymous")],
            },
        }
    )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps(
            {"kind": kind.value, "channel": channel_id, "response_url": response_url}
        ),
        "title": {"type": "plain_text", "text": f"Send {noun}"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def read_submission(view: Mapping[str, Any]) -> ModalAnswer | None:
    """What the form holds, or ``None`` when it is not this bot's form as built above (its
    ``private_metadata`` not the JSON written there, or no channel in it)."""
    try:
        metadata = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        ignored("form submission", "its private_metadata")
        return None
    channel_id = id_of(metadata.get("channel"))
    kind = _choice(ItemKind, metadata.get("kind", ItemKind.FEEDBACK.value))
    if channel_id is None or kind is None:
        ignored("form submission", "its channel or kind")
        return None
    values = _field(view.get("state"), "values")
    text = _field(_field(values, "text"), "value").get("value")
    chosen = _field(_field(_field(values, "priority"), "value"), "selected_option").get("value")
    boxes = _field(_field(values, "anonymous"), "value").get("selected_options")
    return ModalAnswer(
        kind=kind,
        channel_id=channel_id,
        response_url=url_of(metadata.get("response_url")),
        text=text if isinstance(text, str) else "",
        priority=_choice(Priority, chosen),
        anonymous=isinstance(boxes, list)
        and any(isinstance(box, dict) and box.get("value") == "anonymous" for box in boxes),
    )


def _field(value: object, name: str) -> Mapping[str, Any]:
    inner = value.get(name) if isinstance(value, Mapping) else None
    return inner if isinstance(inner, Mapping) else {}


def _choice(kind: type[Choice], value: object) -> Choice | None:
    try:
        return kind(value) if isinstance(value, str) else None
    except ValueError:
        return None
