"""Slack's text rules: what arrives is escaped, what we send must be."""

from __future__ import annotations

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


def mention(person: Person) -> str:
    return f"<@{person.user_id}>"


def render(message: Message) -> str:
    return message.render(escape, mention)


def emoji_name(reaction: str) -> str:
    """``+1::skin-tone-3`` and ``thumbsup`` are both ``+1``."""
    name = reaction.split("::", 1)[0]
    return _ALIASES.get(name, name)
