"""An owed message's words as the JSON kept in its row."""

from __future__ import annotations

import json

from bot.identity import Person
from bot.messages import Mention, Message, Part, Plain, Quote


def encode(message: Message | None) -> str | None:
    """A message as JSON, its parts kept apart so each platform still escapes what people typed."""
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
    return json.dumps(parts, ensure_ascii=False)


def decode(body: str | None) -> Message | None:
    if body is None:
        return None
    parts: list[Part] = []
    for kind, *values in json.loads(body):
        if kind == "p":
            parts.append(Plain(values[0]))
        elif kind == "q":
            parts.append(Quote(values[0]))
        else:
            parts.append(Mention(Person(values[0], values[1])))
    return Message(tuple(parts))
