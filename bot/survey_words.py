"""Every word of the surveys: the question a shipped item's news ends with, the pulse survey's
post, the private acknowledgements, the triage channel's lines and the comment form.

Composed here once for every surface; adapters only render them (buttons included)."""

from __future__ import annotations

from bot.items import Item
from bot.messages import Button, ButtonStyle, Message, Part, Quote
from bot.news import headline
from bot.surveys import Poll, Role, Scale, ShipAnswer, poll_action, ship_action

QUESTION = "Did this solve it?"
ANSWER_LABELS = {ShipAnswer.SOLVED: "Solved it", ShipAnswer.PARTLY: "Partly", ShipAnswer.NO: "No"}
_ANSWER_STYLES = {
    ShipAnswer.SOLVED: ButtonStyle.PRIMARY,
    ShipAnswer.PARTLY: ButtonStyle.PLAIN,
    ShipAnswer.NO: ButtonStyle.DANGER,
}
ADD_COMMENT = "Add a comment"
# The comment form (Slack: a title of at most 24 characters; Discord: a label of at most 45).
COMMENT_TITLE = "Did this solve it?"
COMMENT_LABEL = "Your comment for the team"
COMMENT_PLACEHOLDER = "What works now, and what is still in your way?"


def ask_shipped(message: Message, item: Item) -> Message:
    """A shipped item's news to the person who asked for it or voted for it, ending with the
    question and its buttons (one answer each, a comment apart)."""
    assert item.number is not None
    buttons = [
        Button(ship_action(item.workspace, item.number, answer), label, _ANSWER_STYLES[answer])
        for answer, label in ANSWER_LABELS.items()
    ]
    buttons.append(Button(ship_action(item.workspace, item.number, None), ADD_COMMENT))
    asked = Message((*message.parts, *Message.of(f"\n{QUESTION} One click tells the team.").parts))
    return asked.with_buttons(*buttons)


# -- the answers, said privately to the person who pressed ------------------------------------


def shipped_answered(number: int, answer: ShipAnswer, before: ShipAnswer | None) -> Message:
    label = ANSWER_LABELS[answer]
    if before is answer:
        return Message.of(
            f"Your answer about #{number} is already {label}; nothing changed. "
            "Press another answer to change it."
        )
    changed = "" if before is None else f" (it was {ANSWER_LABELS[before]})"
    said = f"Thanks! Your answer about #{number} is kept: {label}{changed}."
    if answer is ShipAnswer.NO:
        said += (
            " The team will hear that it did not solve your problem; "
            "add a comment to tell them what is missing."
        )
    return Message.of(f"{said} Press another answer to change it.")


def comment_kept(number: int, answer: ShipAnswer) -> Message:
    label = ANSWER_LABELS[answer]
    return Message.of(
        f"Thanks! Your comment about #{number} is kept with your answer {label}"
        + (", and the team will read it." if answer is ShipAnswer.NO else ".")
    )


def answer_first(number: int, comment: str | None = None) -> Message:
    """A comment with no answer to keep it with: asked to answer first, their text given back."""
    said = f"Press Solved it, Partly or No about #{number} first, then add your comment."
    if comment is None:
        return Message.of(said)
    return Message.of(f"{said} Nothing was kept; here is what you wrote: “", Quote(comment), "”")


def comment_empty(number: int) -> Message:
    return Message.of(f"Your comment about #{number} was empty, so nothing changed.")


def comment_too_long(number: int, limit: int, comment: str) -> Message:
    return Message.of(
        f"Your comment about #{number} is over {limit:,} characters, so it was not kept; "
        "shorten it and add it again. Here is what you wrote: “",
        Quote(comment),
        "”",
    )


def not_asked(number: int) -> Message:
    return Message.of(
        f"This question about #{number} is for the people who asked for it or voted for it, "
        "so your answer was not kept."
    )


def not_shipped(item: Item) -> Message:
    return Message.of(
        f"#{item.number} is not shipped (it is {item.status.label} now), so there is nothing "
        "to answer about it; nothing was kept."
    )


def no_such_item(number: int) -> Message:
    return Message.of(f"There is no item #{number} any more, so nothing was kept.")


OTHER_WORKSPACE = Message.of(
    "This question belongs to another workspace than the one you pressed it in, so nothing "
    "was kept."
)
UNKNOWN_BUTTON = Message.of(
    "I do not know that button (it may be from an older version of me); nothing was kept."
)
NOT_KEPT = Message.of(
    "Sorry, I could not keep your answer just now (the database did not answer). "
    "Press the button again in a moment."
)
WENT_WRONG = Message.of(
    "Something went wrong on my side and I cannot say whether your answer was kept. "
    "Press the button again in a moment."
)


def given_back(refusal: Message, comment: str) -> Message:
    """A refusal of a comment, with the comment given back so nothing typed is lost."""
    return Message.of(*refusal.parts, " Here is what you wrote: “", Quote(comment), "”")


def comment_form_failed(reason: str) -> Message:
    """The comment form could not be opened (Slack's ``views.open`` refused, or the press was
    answered after its trigger expired): say so, and how to try again."""
    return Message.of(
        "I could not open the comment form (",
        Quote(reason),
        f"). Press {ADD_COMMENT} again to write your comment.",
    )


def comment_not_kept(comment: str) -> Message:
    return Message.of(
        "Sorry, I could not keep your comment just now (the database did not answer). "
        "Here is what you wrote, to add it again in a moment: “",
        Quote(comment),
        "”",
    )


# -- the triage channel's lines (never naming anyone) -------------------------------------------


def _who(role: Role) -> str:
    return "its requester" if role is Role.REQUESTER else "one of its voters"


def triage_no(item: Item, role: Role, comment: str | None) -> Message:
    """The triage channel hears when a shipped item did not solve someone's problem."""
    parts: list[Part | str] = ["Did not solve it: ", *headline(item)]
    parts.append(f" shipped, and {_who(role)} answered No.")
    if comment:
        parts += [" Their comment: “", Quote(comment), "”"]
    return Message.of(*parts)


def triage_comment(item: Item, role: Role, comment: str) -> Message:
    """A comment added (or changed) by someone whose answer is No."""
    return Message.of(
        "A comment on ",
        *headline(item),
        f", which {_who(role)} answered No about: “",
        Quote(comment),
        "”",
    )


# -- pulse surveys ------------------------------------------------------------------------------

POLL_LABELS = {Scale.YES_NO: {1: "Yes", 0: "No"}}


def poll_post(poll: Poll) -> Message:
    """The survey's question in its channel, with one button per answer."""
    assert poll.id is not None
    if poll.scale is Scale.FIVE:
        how = "Answer with one click, from 1 (not at all) to 5 (very well)."
    else:
        how = "Answer with one click: Yes or No."
    message = Message.of(
        "Pulse survey: “", Quote(poll.question), f"”\n{how} Only you see your answer."
    )
    return message.with_buttons(
        *(
            Button(poll_action(poll.id, value), _answer_label(poll.scale, value))
            for value in poll.scale.values
        )
    )


def _answer_label(scale: Scale, value: int) -> str:
    return POLL_LABELS.get(scale, {}).get(value, scale.label(value))


def poll_answered(poll: Poll, value: int, before: int | None) -> Message:
    label = _answer_label(poll.scale, value)
    if before == value:
        return Message.of(f"Your answer {label} is counted already; press another to change it.")
    if before is None:
        return Message.of(f"Thanks, your answer {label} is counted; press another to change it.")
    was = _answer_label(poll.scale, before)
    return Message.of(
        f"Thanks, your answer is now {label} (it was {was}), counted once; "
        "press another to change it."
    )


NO_SUCH_POLL = Message.of("That survey is gone, so your answer was not kept.")
NOT_ON_SCALE = Message.of("That is not one of this survey's answers; nothing was kept.")
POLL_OTHER_WORKSPACE = Message.of(
    "That survey belongs to another workspace, so your answer was not kept."
)
NO_QUESTION = (
    "What should the survey ask? Put the question after the schedule, e.g. /roadmap remind "
    "survey every month on the 1st at 10:00 How well does the platform team support you?"
)
SURVEY_EXAMPLE = (
    "/roadmap remind survey [1-5|yes/no] <schedule> <question> asks the channel on a "
    "schedule, e.g. /roadmap remind survey every month on the 1st at 10:00 How well does the "
    "platform team support you?"
)
