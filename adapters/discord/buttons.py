"""The core's buttons on Discord: message components under the text, and the form a press may
open.

A button's ``custom_id`` is the core's own token, and a comment form's ``custom_id`` is the
token of the button that opened it, so a press or a submitted comment is understood from the
interaction alone: nothing is kept in memory, and buttons posted before a restart still work.
The views and forms are built already stopped because discord.py keeps (and would dispatch to)
a view or modal only while it is not finished; the presses reach ``on_interaction`` instead.
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.formatting import chunks, render
from adapters.discord.modal import TEXT_ID
from bot.conversation import CommentForm
from bot.messages import ButtonStyle, Message
from bot.surveying import MAX_COMMENT_LENGTH

# Discord's limits (docs/components/reference): an action row holds at most 5 buttons, a
# message at most 5 action rows; a label is at most 80 characters.
PER_ROW = 5
MAX_BUTTONS = 25
LABEL_LIMIT = 80
# A modal's title and a label's text are at most 45 characters, a placeholder 100.
TITLE_LIMIT = 45
FIELD_LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100

_STYLES = {
    ButtonStyle.PLAIN: discord.ButtonStyle.secondary,  # 2
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,  # 1
    ButtonStyle.DANGER: discord.ButtonStyle.danger,  # 4
}


def button_view(message: Message) -> discord.ui.View | None:
    """The message's buttons in order, five to an action row; ``None`` when it has none."""
    if not message.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for index, button in enumerate(message.buttons[:MAX_BUTTONS]):
        view.add_item(
            discord.ui.Button(
                style=_STYLES[button.style],
                label=button.label[:LABEL_LIMIT],
                custom_id=button.action,
                row=index // PER_ROW,
            )
        )
    view.stop()
    return view


def with_view(message: Message) -> dict[str, Any]:
    """The keyword that sends the message's buttons, or nothing for a message without any
    (discord.py's interaction responses refuse ``view=None``)."""
    view = button_view(message)
    return {} if view is None else {"view": view}


def pieces(message: Message) -> list[tuple[str, dict[str, Any]]]:
    """The message as the posts Discord accepts (2,000 characters each), the buttons under
    the last one, so they follow the whole text."""
    parts = chunks(render(message))
    last = len(parts) - 1
    return [(part, with_view(message) if index == last else {}) for index, part in enumerate(parts)]


def comment_form(form: CommentForm) -> discord.ui.Modal:
    """The form the core asked for: one paragraph for a comment, no longer than the core keeps
    (Discord stops the typing there, so nothing typed is refused). Its ``custom_id`` is the
    button's token, handed back to the core with the text when it is submitted."""
    modal = discord.ui.Modal(title=form.title[:TITLE_LIMIT], custom_id=form.action)
    modal.add_item(
        discord.ui.Label(
            text=form.label[:FIELD_LABEL_LIMIT],
            component=discord.ui.TextInput(
                custom_id=TEXT_ID,
                style=discord.TextStyle.paragraph,
                placeholder=form.placeholder[:PLACEHOLDER_LIMIT] or None,
                max_length=MAX_COMMENT_LENGTH,
                required=True,
            ),
        )
    )
    modal.stop()
    return modal
