"""The thank-you: courteous, concrete, one or two lines, and not the same words every time."""

from __future__ import annotations

from bot.items import Item, ItemKind, Priority
from bot.messages import Mention, Message, Part, Quote
from bot.text import excerpt

_NAMED_OPENERS = (
    ("Thanks, ", "!"),
    ("Thank you, ", "!"),
    ("Much appreciated, ", "!"),
    ("Got it, thanks ", "!"),
)
_ANONYMOUS_OPENERS = (
    "Thanks for this!",
    "Thank you for speaking up!",
    "Much appreciated!",
    "Got it, thank you!",
)
_RECORDED = ("recorded", "logged", "noted", "on the list")

_NEXT_STEP = {
    ItemKind.FEEDBACK: "The team reads every piece of feedback when it plans what comes next.",
    ItemKind.REQUEST: "The team will triage it, and you will hear here when its status changes.",
}
_MUST_HAVE_NEXT_STEP = (
    "Must-haves are triaged first, and you will hear here when its status changes."
)


# Said with a thank-you given privately because its channel would not take it.
NOT_IN_THE_CHANNEL = (
    " Only you see this: I could not post in that channel (it is not available to me), so "
    "nobody else can see it or vote for it there."
)


def compose_private_thanks(item: Item) -> Message:
    """The thank-you, given to its author alone where the channel would not take it, and why."""
    return Message.of(*compose_thanks(item).parts, NOT_IN_THE_CHANNEL)


def compose_thanks(item: Item) -> Message:
    """Thank the author by name (never when anonymous), give the number, echo an excerpt and
    say what happens next.

    The wording rotates with the item number, so neighbouring thank-yous in a busy channel read
    differently while each one stays reproducible.
    """
    if item.number is None:
        raise ValueError("an item is thanked only after it is stored and numbered")
    variant = item.number % len(_NAMED_OPENERS)
    parts: list[Part | str]
    if item.author is None:
        parts = [_ANONYMOUS_OPENERS[variant]]
    else:
        before, after = _NAMED_OPENERS[variant]
        parts = [before, Mention(item.author), after]
    what = "Feedback" if item.priority is None else f"{item.priority.value.capitalize()} request"
    parts += [
        f" {what} #{item.number} is {_RECORDED[variant]}: “",
        Quote(excerpt(item.text)),
        "”. ",
        _MUST_HAVE_NEXT_STEP if item.priority is Priority.MUST_HAVE else _NEXT_STEP[item.kind],
    ]
    return Message.of(*parts)
