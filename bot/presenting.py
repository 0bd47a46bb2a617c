"""How items read when the bot shows them: one line in a list, or a few lines for one item."""

from __future__ import annotations

from datetime import datetime

from bot.issue_links import IssueRef
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


# How people call the trackers an item can be linked to (``IssueRef.tracker``).
TRACKER_LABELS = {"github": "GitHub", "jira": "Jira", "gitlab": "GitLab", "linear": "Linear"}


def issue_name(ref: IssueRef) -> str:
    """``GitHub acme/infra#12``, ``Jira OPS-7``."""
    return f"{TRACKER_LABELS.get(ref.tracker, ref.tracker)} {ref.key}"


def issue_parts(ref: IssueRef) -> list[Part | str]:
    """An issue's name and its page: ``GitHub acme/infra#12 (https://...)``. The key and URL
    come from what an admin typed, so they are quoted like any typed text."""
    return [Quote(issue_name(ref)), " (", Quote(ref.url), ")"]


def describe_line(item: Item) -> Message:
    """``#3 request, must-have, internal · planned · 2 votes · “excerpt”``"""
    return Message.of(
        f"#{item.number} {_qualifiers(item)} · {_status(item)} · {votes(item.votes)} · “",
        Quote(excerpt(item.text, 60)),
        "”",
    )


def describe(item: Item) -> Message:
    """The whole item: what was said, by whom (or anonymously), when, its history (tracker
    moves refused too) and the tracker issues it is linked to."""
    # Display names are typed by people, so they are quoted like their text: never a ping.
    who: Part | str = "anonymous" if item.author is None else Quote(item.author.display_name)
    parts: list[Part | str] = [
        f"#{item.number} {_qualifiers(item)} · {_status(item)} · {votes(item.votes)}\n“",
        Quote(item.text),
        "”\nfrom ",
        who,
        f", {item.created_at:%Y-%m-%d %H:%M} UTC",
    ]
    # The tracker's refused moves read in time among the status changes.
    lines: list[tuple[datetime, list[Part | str]]] = []
    for change in item.history:
        moved = f"{change.from_status.label} → {change.to_status.label}"
        line: list[Part | str] = [f"\n{change.at:%Y-%m-%d %H:%M} {moved}"]
        if change.by:
            line += [" by ", Quote(change.by.display_name)]
        if change.note:
            line += [": ", Quote(change.note)]
        lines.append((change.at, line))
    for at, note in item.tracker_notes:
        lines.append((at, [f"\n{at:%Y-%m-%d %H:%M} ", Quote(note)]))
    for _, line in sorted(lines, key=lambda entry: entry[0]):
        parts += line
    if item.links:
        parts.append("\nLinked issues:")
        for link in item.links:
            parts += ["\n- ", *issue_parts(link.ref)]
    return Message.of(*parts)
