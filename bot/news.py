"""What people are told when an item moves: the requester, its voters, the triage channel."""

from __future__ import annotations

from bot.identity import Person
from bot.items import Item, Status
from bot.messages import Mention, Message, Part, Quote
from bot.slas import Breach, SlaPolicy
from bot.text import excerpt

# Voters are told the outcome of these; the steps in between are the requester's news.
OUTCOMES = frozenset({Status.SHIPPED, Status.DECLINED})

_NEWS = {
    Status.UNDER_REVIEW: "is now under review: the team is looking at it.",
    Status.PLANNED: "is planned.",
    Status.IN_PILOT: "is in pilot: try it and tell the team how it goes.",
    Status.SHIPPED: "has shipped. Thank you for asking for it!",
    Status.DECLINED: "was declined.",
}


def headline(item: Item) -> list[Part | str]:
    """``Must-have request #3 “excerpt”``: how news names an item."""
    what = "Feedback" if item.priority is None else f"{item.priority.value.capitalize()} request"
    return [f"{what} #{item.number} “", Quote(excerpt(item.text, 80)), "”"]


def compose_update(item: Item, note: str, by: Person | None, *, thread: bool) -> Message:
    """What the requester reads when their item moves: the new status, and the admin's note."""
    parts: list[Part | str] = []
    if thread and item.author is not None:
        parts += [Mention(item.author), ", an update: "]
    else:
        parts.append("An update on what you asked: ")
    parts += headline(item)
    if item.status is Status.DUPLICATE:
        parts.append(
            f" was merged into #{item.duplicate_of}, which carries its votes from now on; "
            f"follow #{item.duplicate_of} to hear what becomes of it."
        )
    else:
        parts.append(f" {_NEWS.get(item.status, f'is now {item.status.label}.')}")
    if note:
        # A display name is typed by a person, so it is quoted like their text: never a ping.
        who: Part | str = Quote(by.display_name) if by is not None else "the team"
        parts += ["\nNote from ", who, ": “", Quote(note), "”"]
    return Message.of(*parts)


def compose_outcome(item: Item, note: str) -> Message:
    """What a voter reads when an item they voted for ships or is declined."""
    parts: list[Part | str] = ["An item you voted for: ", *headline(item)]
    parts.append(f" {_NEWS[item.status]}" if item.status in _NEWS else "")
    if note:
        parts += ["\nThe team's note: “", Quote(note), "”"]
    return Message.of(*parts)


def compose_breach(breach: Breach, item: Item, policy: SlaPolicy) -> Message:
    """The triage channel's notice: which item, how long it may wait, who asked."""
    limit = policy.limit_for(item)
    parts: list[Part | str] = ["SLA missed: ", *headline(item)]
    parts.append(
        f" ({item.stakeholder.value}) is still new after {limit} "
        f"(due {breach.deadline:%Y-%m-%d %H:%M} UTC). "
    )
    if item.author is None:
        parts.append("Asked anonymously.")
    else:
        # The name as text, not a mention: the triage channel should not ping the requester.
        parts += ["Asked by ", Quote(item.author.display_name), "."]
    parts.append(f" Triage it with /roadmap status #{item.number} <status>.")
    return Message.of(*parts)
