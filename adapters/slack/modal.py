"""The modal that asks for what a bare ``/feedback`` or ``/request`` left out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.items import ItemKind, Priority
from bot.text import MAX_TEXT_LENGTH

CALLBACK_ID = "feedbackbot_submit"


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


def read_submission(view: dict[str, Any]) -> ModalAnswer:
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = view.get("state", {}).get("values", {})
    text = values.get("text", {}).get("value", {}).get("value") or ""
    chosen = (values.get("priority", {}).get("value", {}).get("selected_option") or {}).get("value")
    boxes = values.get("anonymous", {}).get("value", {}).get("selected_options") or []
    return ModalAnswer(
        kind=ItemKind(metadata.get("kind", ItemKind.FEEDBACK.value)),
        channel_id=str(metadata.get("channel", "")),
        response_url=metadata.get("response_url"),
        text=text,
        priority=Priority(chosen) if chosen else None,
        anonymous=any(box.get("value") == "anonymous" for box in boxes),
    )
