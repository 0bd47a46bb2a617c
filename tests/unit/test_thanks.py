"""The thank-you a person reads, and finding an item again from its thank-you."""

from __future__ import annotations

import pytest

from bot.acknowledgement import compose_thanks
from bot.identity import MessageRef, Person
from bot.items import Item, ItemKind, Priority, Stakeholder
from bot.messages import Mention, Message
from bot.service import Recorded, Submission
from tests.fakes import ACME, ADA, GENERAL, GLOBEX, START, Harness, build, request, submission


async def thank(h: Harness, sub: Submission) -> str:
    """Submit and return the thank-you as everyone in the channel reads it."""
    outcome = await h.service.submit_and_thank(sub, h.chat)
    assert isinstance(outcome, Recorded), outcome
    return h.chat.posted[-1][1]


async def test_thank_you_names_the_author() -> None:
    text = await thank(build(), submission("The new runner is great"))

    assert "Ada" in text


async def test_thank_you_gives_the_number_and_quotes_the_text() -> None:
    h = build()
    await thank(h, submission("first"))

    text = await thank(h, request("Export the audit log to CSV"))

    assert "#2" in text
    assert "“Export the audit log to CSV”" in text


async def test_thank_you_says_what_was_recorded_and_its_priority() -> None:
    h = build()

    feedback = await thank(h, submission("Nice"))
    wish = await thank(h, request("Dark mode"))
    must = await thank(h, request("SSO", priority=Priority.MUST_HAVE))

    assert "feedback #1" in feedback.lower()
    assert "request" not in feedback.lower() and "have" not in feedback.lower()
    assert "#2" in wish and "request" in wish.lower() and "good-to-have" in wish.lower()
    assert "#3" in must and "request" in must.lower() and "must-have" in must.lower()


async def test_thank_you_tells_what_happens_next() -> None:
    h = build()

    feedback = await thank(h, submission("Nice"))
    wish = await thank(h, request("Dark mode"))
    must = await thank(h, request("SSO", priority=Priority.MUST_HAVE))

    assert "reads every piece of feedback" in feedback
    assert "you will hear here when its status changes" in wish
    assert "Must-haves are triaged first" in must


async def test_anonymous_thank_you_names_no_one() -> None:
    h = build()
    author = Person("U-ZED", "Zed Zebrowski")

    text = await thank(h, submission("The rota is exhausting", author=author, anonymous=True))

    assert "Zed" not in text and "Zebrowski" not in text
    assert "#1" in text and "The rota is exhausting" in text
    message = compose_thanks(await _stored(h, 1))
    assert not any(isinstance(part, Mention) for part in message.parts)


async def test_consecutive_thank_yous_read_differently() -> None:
    h = build()

    texts = [await thank(h, submission(f"point {n}")) for n in range(1, 5)]

    openings = [text.split("#")[0] for text in texts]
    assert len(set(openings)) == 4


async def test_consecutive_anonymous_thank_yous_read_differently() -> None:
    h = build()

    first = await thank(h, submission("a", anonymous=True))
    second = await thank(h, submission("b", anonymous=True))

    assert first.split("#")[0] != second.split("#")[0]


async def test_thank_you_quotes_a_long_text_as_a_one_line_excerpt() -> None:
    h = build()
    long_text = "The deploy pipeline " + "waits for the slow integration suite " * 10 + "\nend"

    text = await thank(h, submission(long_text))

    quoted = text.split("“", 1)[1].split("”", 1)[0]
    assert quoted.endswith("…")
    assert len(quoted) <= 80
    assert "\n" not in quoted
    assert quoted.startswith("The deploy pipeline waits")


def test_thank_you_marks_the_quoted_text_for_escaping() -> None:
    item = Item(
        workspace=ACME,
        kind=ItemKind.FEEDBACK,
        text="<!channel> look",
        channel_id=GENERAL,
        author=ADA,
        stakeholder=Stakeholder.INTERNAL,
        priority=None,
        created_at=START,
        number=7,
    )

    rendered = compose_thanks(item).render(
        lambda text: text.replace("<", "&lt;").replace(">", "&gt;"),
        lambda person: f"<@{person.user_id}>",
    )

    assert "&lt;!channel&gt; look" in rendered
    assert "<@U-ADA>" in rendered


def test_an_unnumbered_item_cannot_be_thanked() -> None:
    item = Item(
        workspace=ACME,
        kind=ItemKind.FEEDBACK,
        text="hi",
        channel_id=GENERAL,
        author=ADA,
        stakeholder=Stakeholder.INTERNAL,
        priority=None,
        created_at=START,
    )

    with pytest.raises(ValueError):
        compose_thanks(item)


def test_same_item_is_thanked_with_the_same_words() -> None:
    item = Item(
        workspace=ACME,
        kind=ItemKind.REQUEST,
        text="Dark mode",
        channel_id=GENERAL,
        author=ADA,
        stakeholder=Stakeholder.INTERNAL,
        priority=None,
        created_at=START,
        number=3,
    )

    assert compose_thanks(item) == compose_thanks(item)
    assert isinstance(compose_thanks(item), Message)


# -- finding an item by its thank-you ----------------------------------------------------------


async def test_item_for_thanks_finds_the_item_its_thank_you_belongs_to() -> None:
    h = build()
    await thank(h, submission("first"))
    second = await h.service.submit_and_thank(request("second"), h.chat)
    assert isinstance(second, Recorded) and second.posted is not None

    found = await h.service.item_for_thanks(ACME, second.posted)

    assert found is not None and found.number == 2 and found.text == "second"


async def test_item_for_thanks_knows_nothing_of_other_messages() -> None:
    h = build()
    await thank(h, submission("first"))

    assert await h.service.item_for_thanks(ACME, MessageRef(GENERAL, "someone-else")) is None


async def test_item_for_thanks_does_not_reach_into_another_workspace() -> None:
    h = build()
    outcome = await h.service.submit_and_thank(submission("acme only"), h.chat)
    assert isinstance(outcome, Recorded) and outcome.posted is not None

    assert await h.service.item_for_thanks(GLOBEX, outcome.posted) is None


async def _stored(h: Harness, number: int) -> Item:
    item = await h.service.find(ACME, number)
    assert item is not None
    return item
