"""How items read when the bot shows them: one line in a list, or a few lines for one item."""

from __future__ import annotations

from bot.items import Item
from bot.messages import Message, Part, Quote
from bot.text import excerpt


def _qualifiers(item: Item) -> str:
    words = [item.kind.value]
    if item.priority is not None:
        words.append(item.priority.value)
    words.append(item.stakeholder.value)
    return ", ".join(words)


def votes(count: int) -> str:
    """``1 vote``, ``2 votes``."""
    return f"{count} vote" + ("" if count == 1 else "s")


def _status(item: Item) -> str:
    if item.duplicate_of is not None:
        return f"{item.status.label} of #{item.duplicate_of}"
    return item.status.label


def describe_line(item: Item) -> Message:
    """``#3 request, must-have, internal · planned · 2 votes · “excerpt”``"""
    return Message.of(
        f"#{item.number} {_qualifiers(item)} · {_status(item)} · {votes(item.votes)} · “",
        Quote(excerpt(item.text, 60)),
        "”",
    )


def describe(item: Item) -> Message:
    """The whole item: what was said, by whom (or anonymously), when, and its history."""
    # Display names are typed by people, so they are quoted like their text: never a ping.
    who: Part | str = "anonymous" if item.author is None else Quote(item.author.display_name)
    parts: list[Part | str] = [
        f"#{item.number} {_qualifiers(item)} · {_status(item)} · {votes(item.votes)}\n“",
        Quote(item.text),
        "”\nfrom ",
        who,
        f", {item.created_at:%Y-%m-%d %H:%M} UTC",
    ]
    for change in item.history:
        moved = f"{change.from_status.label} → {change.to_status.label}"
        parts.append(f"\n{change.at:%Y-%m-%d %H:%M} {moved}")
        if change.by:
            parts += [" by ", Quote(change.by.display_name)]
        if change.note:
            parts += [": ", Quote(change.note)]
    return Message.of(*parts)
