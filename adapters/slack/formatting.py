"""Slack's text rules: what arrives is escaped, what we send must be."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.identity import Person
from bot.messages import Message

# Slack's own names for the same emoji; a reaction arrives under the canonical one.
_ALIASES = {"thumbsup": "+1", "thumbs_up": "+1", "pencil": "memo"}


def escape(text: str) -> str:
    """Make typed text inert: no ``<!channel>``, ``<@U123>`` or link can be formed from it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack escapes ``&``, ``<`` and ``>`` in what people typed; keep what they typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# Slack's markup in a message's text: <@U123>, <#C123|general>, <!here>, <https://x|label>.
_ENTITY = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^<>]*)?>")


def mentioned_users(text: str) -> set[str]:
    """The user ids a message's text mentions, whose names ``readable`` wants."""
    return set(_USER.findall(text))


def readable(text: str, names: Mapping[str, str]) -> str:
    """A message's text as a person reads it in Slack: mentions by name (``names``: user id to
    display name), channels and groups by name, links by their label and address, and no
    escapes. What it gives is stored as typed text, so it is escaped again whenever posted."""

    def entity(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + (names.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            # <!here>, <!subteam^S1|@team>, <!date^...|fallback>: Slack shows the label.
            return label or "@" + target[1:].split("^", 1)[0]
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        if label and label != target:
            return f"{label} ({target})"
        return target

    return unescape(_ENTITY.sub(entity, text))


def mention(person: Person) -> str:
    return f"<@{person.user_id}>"


def render(message: Message) -> str:
    return message.render(escape, mention)


def emoji_name(reaction: str) -> str:
    """``+1::skin-tone-3`` and ``thumbsup`` are both ``+1``."""
    name = reaction.split("::", 1)[0]
    return _ALIASES.get(name, name)
