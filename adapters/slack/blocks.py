"""Block Kit for the core's messages that carry buttons, and the form that asks for a comment.

A message with buttons is posted with ``blocks``: its text in ``section`` blocks, then its
buttons in ``actions`` blocks, in the core's order. Its ``text`` stays as the notification's
fallback. Each button's ``action_id`` and ``value`` are the core's token, handed back to it
unchanged when pressed (Slack's ``block_actions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.payloads import ignored
from bot.messages import Button, ButtonStyle, Message
from bot.surveys import ACTION_PREFIX
from bot.text import MAX_TEXT_LENGTH

# Block Kit's limits (Slack's block reference): a section's text, a button's text, the
# elements of one actions block, and a plain_text_input's length.
SECTION_MAX = 3000
BUTTON_TEXT_MAX = 75
ACTIONS_MAX = 25
INPUT_MAX = 3000
# The longest token Slack can carry in an ``action_id`` (255) and in ``private_metadata``.
ACTION_MAX = 255

COMMENT_CALLBACK_ID = "feedbackbot_comment"
# The form's one input block, which an ``errors`` answer names.
COMMENT_BLOCK = "comment"
_COMMENT_ELEMENT = "value"

_STYLES = {ButtonStyle.PRIMARY: "primary", ButtonStyle.DANGER: "danger"}


def message_blocks(message: Message, text: str) -> list[dict[str, Any]] | None:
    """The blocks that show ``message`` (its text already rendered for Slack as ``text``);
    ``None`` for a message without buttons, which is posted as text alone."""
    if not message.buttons:
        return None
    # verbatim: Slack would otherwise link-ify names and parse "@here" in what people typed;
    # the rendered text already carries every mention the core meant, as <@U...>.
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk, "verbatim": True}}
        for chunk in _chunks(text, SECTION_MAX)
    ]
    buttons = [_button(button) for button in message.buttons]
    for start in range(0, len(buttons), ACTIONS_MAX):
        blocks.append({"type": "actions", "elements": buttons[start : start + ACTIONS_MAX]})
    return blocks


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": button.label[:BUTTON_TEXT_MAX], "emoji": True},
        "action_id": button.action,
        "value": button.action,
    }
    style = _STYLES.get(button.style)
    if style is not None:
        element["style"] = style
    return element


def _chunks(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, cut at a line break (else a space)
    where there is one, and never inside an escape (``&amp;``) or a mention (``<@U1>``)."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, size + 1)
        if cut <= 0:
            cut = _outside_markup(text, size)
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text.strip():
        pieces.append(text)
    return [piece for piece in pieces if piece.strip()]


def _outside_markup(text: str, cut: int) -> int:
    opened = max(text.rfind("&", 0, cut), text.rfind("<", 0, cut))
    closed = max(text.rfind(";", 0, cut), text.rfind(">", 0, cut))
    return opened if opened > closed and opened > 0 else cut


# -- the comment form ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommentSubmission:
    """What the comment form sent back: the token it was opened for, and the typed text."""

    action: str
    text: str


def comment_view(action: str, title: str, label: str, placeholder: str) -> dict[str, Any]:
    """The modal that asks for a comment; the token travels in ``private_metadata``."""
    return {
        "type": "modal",
        "callback_id": COMMENT_CALLBACK_ID,
        "private_metadata": action,
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "label": {"type": "plain_text", "text": label[:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": _COMMENT_ELEMENT,
                    "multiline": True,
                    "max_length": min(MAX_TEXT_LENGTH, INPUT_MAX),
                    "placeholder": {"type": "plain_text", "text": placeholder[:150]},
                },
            }
        ],
    }


def read_comment(view: Mapping[str, Any]) -> CommentSubmission | None:
    """The comment form's token and text; ``None`` when the form is not the one built above."""
    action = view.get("private_metadata")
    if not isinstance(action, str) or not is_core_action(action):
        ignored("comment form", "its token")
        return None
    values = _field(view.get("state"), "values")
    text = _field(_field(values, COMMENT_BLOCK), _COMMENT_ELEMENT).get("value")
    # An emptied optional field comes back as null.
    return CommentSubmission(action, text if isinstance(text, str) else "")


def is_core_action(action: str) -> bool:
    """Whether a token is one of the core's: its prefix, and a length Slack could have sent."""
    return action.startswith(ACTION_PREFIX) and len(action) <= ACTION_MAX and "\x00" not in action


def _field(value: object, name: str) -> Mapping[str, Any]:
    inner = value.get(name) if isinstance(value, Mapping) else None
    return inner if isinstance(inner, Mapping) else {}
