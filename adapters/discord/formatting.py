"""Discord's text rules: what people typed is shown as typed, and can neither format nor ping.

``allowed_mentions`` on the client already stops every ping; escaping also keeps a typed
``<@123>`` or ``@everyone`` from *looking* like one, and ``**`` from turning the bot's
thank-you bold.
"""

from __future__ import annotations

import re
import unicodedata

from bot.identity import Person
from bot.messages import Message

# Discord accepts 2,000 characters in one message.
MESSAGE_LIMIT = 2000
# Markdown that Discord renders, and ``<`` that starts mentions, channels, emoji and timestamps.
# A backslash before any of them shows the character itself.
_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()<])")
_BROADCAST = re.compile(r"@(everyone|here)", re.IGNORECASE)
_SKIN_TONES = frozenset(chr(code) for code in range(0x1F3FB, 0x1F400))


def escape(text: str) -> str:
    """Make typed text inert and shown exactly: markdown and ``<@...>`` are backslash-escaped,
    and a zero-width space after ``@`` keeps ``@everyone``/``@here`` plain text."""
    return _BROADCAST.sub("@\u200b\\1", _MARKDOWN.sub(r"\\\1", text))


def mention(person: Person) -> str:
    return f"<@{person.user_id}>"


def render(message: Message) -> str:
    return message.render(escape, mention)


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split ``text`` into messages Discord accepts, at a line break or a space where one is
    near, and never between a backslash and the character it escapes."""
    out: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut < limit // 2:
            cut = limit
        # An odd run of backslashes just before the cut would orphan an escape.
        run = len(text[:cut]) - len(text[:cut].rstrip("\\"))
        if run % 2:
            cut -= 1
        out.append(text[:cut])
        text = text[cut:].lstrip(" ") if text[cut : cut + 1] == " " else text[cut:]
    out.append(text)
    return out


def same_emoji(reaction: str, configured: str) -> bool:
    """Whether a reaction is the configured emoji: a skin tone or a variation selector does
    not make 👍🏽 another vote, and a custom emoji is matched by its name."""
    return _bare(reaction) == _bare(configured)


def _bare(emoji: str) -> str:
    kept = "".join(ch for ch in emoji if ch not in _SKIN_TONES and ch != "\ufe0f")
    return unicodedata.normalize("NFC", kept.strip(":"))
