"""An owed message's words as the JSON kept in its row."""

from __future__ import annotations

import json
from typing import Any

from bot.identity import Person
from bot.messages import Button, ButtonStyle, Mention, Message, Part, Plain, Quote


def encode(message: Message | None) -> str | None:
    """A message as JSON, its parts kept apart so each platform still escapes what people typed.
    A message with buttons is an object (``parts`` and ``buttons``); one without stays the bare
    list of parts that rows written before buttons existed hold."""
    if message is None:
        return None
    parts: list[list[str]] = []
    for part in message.parts:
        if isinstance(part, Plain):
            parts.append(["p", part.text])
        elif isinstance(part, Quote):
            parts.append(["q", part.text])
        else:
            parts.append(["m", part.person.user_id, part.person.display_name])
    if not message.buttons:
        return json.dumps(parts, ensure_ascii=False)
    buttons = [[b.action, b.label, b.style.value] for b in message.buttons]
    return json.dumps({"parts": parts, "buttons": buttons}, ensure_ascii=False)


def decode(body: str | None) -> Message | None:
    if body is None:
        return None
    kept: Any = json.loads(body)
    rows, buttons = (kept, []) if isinstance(kept, list) else (kept["parts"], kept["buttons"])
    parts: list[Part] = []
    for kind, *values in rows:
        if kind == "p":
            parts.append(Plain(values[0]))
        elif kind == "q":
            parts.append(Quote(values[0]))
        else:
            parts.append(Mention(Person(values[0], values[1])))
    return Message(
        tuple(parts),
        tuple(Button(action, label, ButtonStyle(style)) for action, label, style in buttons),
    )
