"""Display names are typed by people: wherever the core names someone in text (the note of a
triage notice, ``/roadmap show``), each platform's formatter makes the name inert."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from adapters.discord import formatting as discord
from adapters.slack import formatting as slack
from bot.identity import Person
from bot.items import Item, ItemKind, Stakeholder, Status, StatusChange
from bot.messages import Message
from bot.news import compose_update
from bot.presenting import describe
from tests.fakes import ACME, GENERAL, START

EVIL = Person("U66", "<!channel> @everyone @here <@&42> <@7> Evil")


def evil_item() -> Item:
    item = Item(
        workspace=ACME,
        kind=ItemKind.FEEDBACK,
        text="dark mode",
        channel_id=GENERAL,
        author=EVIL,
        stakeholder=Stakeholder.INTERNAL,
        priority=None,
        created_at=START,
        number=1,
        status=Status.PLANNED,
    )
    item.history.append(StatusChange(Status.NEW, Status.PLANNED, START, by=EVIL, note="soon"))
    return item


MESSAGES: dict[str, Callable[[], Message]] = {
    "update in the thread": lambda: compose_update(evil_item(), "soon", EVIL, thread=True),
    "update by DM": lambda: compose_update(evil_item(), "soon", EVIL, thread=False),
    "roadmap show": lambda: describe(evil_item()),
}


@pytest.mark.parametrize("compose", MESSAGES.values(), ids=MESSAGES.keys())
def test_slack_shows_a_name_like_a_mass_mention_as_text(compose: Callable[[], Message]) -> None:
    message = compose()
    text = slack.render(message)
    assert "&lt;!channel&gt; @everyone @here &lt;@&amp;42&gt; &lt;@7&gt; Evil" in text
    # Only the requester's own mention in the thread is live.
    assert re.findall(r"<[^<>]*>", text) in ([], ["<@U66>"])


@pytest.mark.parametrize("compose", MESSAGES.values(), ids=MESSAGES.keys())
def test_discord_shows_a_name_like_a_mass_mention_as_text(compose: Callable[[], Message]) -> None:
    message = compose()
    text = discord.render(message)
    assert "@\u200beveryone @\u200bhere \\<@&42\\> \\<@7\\> Evil" in text
    assert re.search(r"@(everyone|here)", text) is None
    assert re.search(r"(?<!\\)<@[!&]?\d+>", text) is None


def test_the_terminal_shows_the_name_as_typed() -> None:
    assert (
        f"Note from {EVIL.display_name}: “soon”"
        in compose_update(evil_item(), "soon", EVIL, thread=False).plain
    )
