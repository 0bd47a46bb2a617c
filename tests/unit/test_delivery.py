"""What is owed is delivered: at once, or after passing failures, once, and never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery import BACKOFF
from bot.identity import Platform
from bot.messages import Message
from bot.outbox import Owed, Purpose
from bot.ports import TryLater
from bot.service import Recorded
from tests.fakes import ACME, ADA, FakeChat, Harness, build, submission


class Outlet:
    def __init__(self, chat: FakeChat) -> None:
        self._chat = chat

    def chat(self, response_url: str | None = None) -> FakeChat:
        return self._chat


def delivering(h: Harness) -> Harness:
    """The harness with its chat as the outbox's way to Slack, as ``feedbackbot run`` has."""
    h.service.delivery.serve(Platform.SLACK, Outlet(h.chat))
    return h


async def recorded(h: Harness, text: str = "Faster builds") -> Recorded:
    outcome = await h.service.submit_and_thank(submission(text), h.chat)
    assert isinstance(outcome, Recorded), outcome
    return outcome


async def test_a_thank_you_the_platform_cannot_take_now_is_owed_not_lost() -> None:
    h = delivering(build())
    h.chat.failing = TryLater("http_503")
    thanked = await recorded(h)
    assert thanked.later and thanked.posted is None
    assert h.chat.posted == [] and len(h.uow.state.owed) == 1


async def test_an_owed_thank_you_is_posted_on_the_round_after_its_wait() -> None:
    h = delivering(build())
    h.chat.failing = TryLater("http_503")
    await recorded(h)
    h.chat.failing = None
    assert await h.service.delivery.run_due() == 0  # not due yet
    h.clock.advance(timedelta(seconds=BACKOFF[0]))
    assert await h.service.delivery.run_due() == 1
    (item,) = h.uow.stored_items(ACME)
    assert len(h.chat.posted) == 1 and item.thanks is not None
    assert h.uow.state.owed == {}


async def test_the_wait_grows_after_each_failure_and_stays_under_twenty_seconds() -> None:
    h = delivering(build())
    h.chat.failing = TryLater("http_503")
    await recorded(h)
    waits = []
    for _ in range(8):
        (owed,) = h.uow.state.owed.values()
        assert owed.due_at is not None
        waits.append((owed.due_at - h.clock.now()).total_seconds())
        h.clock.set(owed.due_at)
        await h.service.delivery.run_due()
    assert waits == [1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0, 15.0]


async def test_a_platform_that_says_when_to_come_back_is_waited_for() -> None:
    h = delivering(build())
    h.chat.failing = TryLater("ratelimited", retry_after=30)
    await recorded(h)
    (owed,) = h.uow.state.owed.values()
    assert owed.due_at == h.clock.now() + timedelta(seconds=30)


async def test_a_post_that_may_have_gone_out_is_looked_for_and_not_posted_again() -> None:
    h = delivering(build())
    thanked = await recorded(h)  # posted, then the process died before noting it:
    assert thanked.posted is not None
    (key,) = h.uow.state.settled
    owed = Owed.thanks(thanked.item)
    owed.maybe_sent = True
    await h.service.delivery.deliver(owed, h.chat)
    assert len(h.chat.posted) == 1
    (item,) = h.uow.stored_items(ACME)
    assert item.thanks == thanked.posted and key == owed.key


async def test_a_thank_you_still_refused_after_hours_goes_to_its_author_privately() -> None:
    h = delivering(build())
    h.chat.failing = TryLater("http_503")
    await recorded(h, "Keep trying")
    h.clock.advance(timedelta(hours=7))
    await h.service.delivery.run_due()
    assert h.chat.posted == []
    ((_, privately),) = h.chat.private
    assert "Keep trying" in privately and h.chat.private_to == [ADA]
    (item,) = h.uow.stored_items(ACME)
    assert item.acknowledged_at is not None and item.thanks is None
    assert h.uow.state.owed == {}


async def test_a_channel_the_bot_cannot_post_in_gets_the_thank_you_to_its_author() -> None:
    h = delivering(build())
    h.chat.make_unavailable("C-GENERAL")
    thanked = await recorded(h, "Nobody invited the bot")
    assert thanked.posted is None and not thanked.later
    ((_, privately),) = h.chat.private
    assert "Nobody invited the bot" in privately
    assert h.uow.state.owed == {}


async def test_a_private_answer_is_delivered_even_when_the_database_cannot_keep_it() -> None:
    h = delivering(build())
    h.uow.unreachable = True
    owed = h.service.delivery.privately(ACME, "C-GENERAL", ADA, Message.of("Sorry"))
    delivered = await h.service.delivery.tell(owed, h.chat)
    assert delivered.privately and h.chat.private == [("C-GENERAL", "Sorry")]


async def test_a_stopping_process_hands_its_claims_back_for_the_next_start() -> None:
    h = delivering(build())
    await h.service.submit(submission("Stored, not yet thanked"))
    assert [owed.claimed_by for owed in h.uow.state.owed.values()] == [h.service.delivery.owner]
    assert await h.service.delivery.release() == 1
    assert await h.service.delivery.run_due() == 1  # at once, no lease to wait for
    assert len(h.chat.posted) == 1


async def test_an_owed_post_without_its_platform_here_waits_for_a_process_that_has_it() -> None:
    h = build()  # serves no platform
    owed = Owed(ACME, Purpose.POST, h.clock.now(), channel_id="C1", message=Message.of("hi"))
    await h.service.delivery.journal(owed)
    assert await h.service.delivery.run_due() == 0
    assert len(h.uow.state.owed) == 1


async def test_messages_waiting_for_one_reason_are_said_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = delivering(build())
    h.chat.failing = TryLater("http_503")
    for n in range(5):
        await recorded(h, f"item {n}")
    h.clock.advance(timedelta(seconds=11))
    await recorded(h, "later")
    said = [r.getMessage() for r in caplog.records if "waits" in r.getMessage()]
    assert len(said) == 2 and "(and 4 more in the last 10 s)" in said[1]
