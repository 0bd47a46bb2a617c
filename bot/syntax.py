"""How people write what they say to the bot: qualifiers, item numbers, statuses.

The words people put before a colon qualify what they submit:

``/request must-have: single sign-on for the dashboard``
``/feedback anonymous: the on-call rota is exhausting``
``/request anonymous must-have: audit logs``

Only a leading run of known words followed by a colon counts, so an ordinary sentence that
happens to contain a colon is kept whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.items import ItemKind, Priority, Status
from bot.text import parse_number

_PRIORITY_WORDS = {
    "must-have": Priority.MUST_HAVE,
    "must": Priority.MUST_HAVE,
    "musthave": Priority.MUST_HAVE,
    # No bare "good" or "nice": "Good: the new dashboard is fast" is a sentence, not a priority.
    "good-to-have": Priority.GOOD_TO_HAVE,
    "nice-to-have": Priority.GOOD_TO_HAVE,
}
_SPACED_PHRASES = ("must have", "good to have", "nice to have")
_ANONYMOUS_WORDS = frozenset({"anonymous", "anon", "anonymously"})


@dataclass(frozen=True, slots=True)
class Qualified:
    text: str
    priority: Priority | None
    anonymous: bool


def parse_qualifiers(kind: ItemKind, raw: str) -> Qualified:
    """Split ``raw`` into its qualifiers and its text; priorities apply to requests only."""
    head, colon, rest = raw.partition(":")
    phrase = " ".join(head.lower().replace(",", " ").split())
    for spaced in _SPACED_PHRASES:
        phrase = phrase.replace(spaced, spaced.replace(" ", "-"))
    words = phrase.split()
    if not colon or not words or not _all_known(kind, words):
        return Qualified(raw, None, False)
    priority = next((_PRIORITY_WORDS[w] for w in words if w in _PRIORITY_WORDS), None)
    return Qualified(rest, priority, any(w in _ANONYMOUS_WORDS for w in words))


def _all_known(kind: ItemKind, words: list[str]) -> bool:
    known = set(_ANONYMOUS_WORDS)
    if kind is ItemKind.REQUEST:
        known |= _PRIORITY_WORDS.keys()
    return all(w in known for w in words)


USAGE = {
    ItemKind.FEEDBACK: "/feedback [anonymous:] <what you think>",
    ItemKind.REQUEST: "/request [must-have|good-to-have] [anonymous]: <what you need>",
}


def leading_number(text: str) -> tuple[int | None, str]:
    """The item number at the start of ``text`` (``3`` or ``#3``) and what follows it."""
    word, _, rest = text.strip().partition(" ")
    number = parse_number(word)
    return (number, rest.strip()) if number is not None else (None, text.strip())


def leading_status(text: str) -> tuple[Status | None, str]:
    """The status at the start of ``text`` (``under review``, ``in-pilot``, ``shipped``...)
    and what follows it."""
    words = text.split()
    for size in (2, 1):
        if len(words) >= size:
            try:
                status = Status.parse(" ".join(words[:size]))
            except ValueError:
                continue
            return status, " ".join(text.split(maxsplit=size)[size:])
    return None, text
