"""Capturing someone's message as feedback, and events that platforms deliver twice."""

from __future__ import annotations

from dataclasses import replace

from bot.identity import MessageRef
from bot.service import Recorded, Refusal, Refused
from tests.fakes import ACME, ADA, BOB, CY, GENERAL, build, submission

SOURCE = MessageRef(GENERAL, "1600000000.000200")
THREAD = MessageRef(GENERAL, "1600000000.000100")


async def test_a_captured_message_is_thanked_in_its_thread() -> None:
    h = build()
    outcome = await h.service.capture(
        replace(submission("rollbacks hurt", author=BOB), source=SOURCE), CY, h.chat, THREAD
    )
    assert isinstance(outcome, Recorded)
    assert [(c, t) for c, t, _ in h.chat.threads] == [(GENERAL, THREAD.message_id)]
    assert "Bob" in h.chat.threads[0][2] and "#1" in h.chat.threads[0][2]
    assert h.chat.posted == []


async def test_a_message_is_captured_only_once_and_a_later_asker_hears_its_number() -> None:
    h = build()
    first = replace(submission("rollbacks hurt", author=BOB), source=SOURCE)
    await h.service.capture(first, CY, h.chat)
    again = await h.service.capture(first, ADA, h.chat)
    assert isinstance(again, Refused) and again.reason is Refusal.ALREADY_RECORDED
    assert len(h.chat.threads) == 1
    assert h.chat.private_to == [ADA]
    assert h.chat.private == [(GENERAL, "That message is already recorded as #1.")]
    assert len(await h.service.list_items(ACME)) == 1


async def test_a_capture_delivered_twice_is_recorded_and_thanked_once_in_silence() -> None:
    h = build()
    first = replace(submission("rollbacks hurt", author=BOB), source=SOURCE, delivery_id="Ev-1")
    await h.service.capture(first, CY, h.chat)
    again = await h.service.capture(first, CY, h.chat)
    assert isinstance(again, Refused) and again.reason is Refusal.REPEATED
    assert len(h.chat.threads) == 1 and h.chat.private == []


async def test_a_capture_whose_thread_reply_fails_thanks_the_author_privately() -> None:
    h = build()
    h.chat.make_unavailable(GENERAL)
    outcome = await h.service.capture(
        replace(submission("rollbacks hurt", author=BOB), source=SOURCE), CY, h.chat, THREAD
    )
    assert isinstance(outcome, Recorded) and outcome.posted is None
    assert h.chat.private_to == [BOB] and "#1" in h.chat.private[0][1]
    (stored,) = await h.service.list_items(ACME)
    assert stored.acknowledged_at is not None


async def test_an_empty_message_is_not_captured_and_the_asker_is_told() -> None:
    h = build()
    outcome = await h.service.capture(
        replace(submission("   ", author=BOB), source=SOURCE), CY, h.chat
    )
    assert isinstance(outcome, Refused) and outcome.reason is Refusal.EMPTY
    assert h.chat.private_to == [CY]
    assert h.chat.private[0][1] == "That message has no text to record, so nothing was recorded."
    assert await h.service.list_items(ACME) == []


async def test_a_vote_delivered_twice_counts_once() -> None:
    h = build()
    item = await h.service.submit(submission("faster CI"))
    assert not isinstance(item, Refused) and item.number is not None
    await h.service.vote(ACME, item.number, BOB, "Ev-1")
    await h.service.withdraw_vote(ACME, item.number, BOB, "Ev-2")
    repeated = await h.service.vote(ACME, item.number, BOB, "Ev-1")
    stored = await h.service.find(ACME, item.number)
    assert repeated.counted is False
    assert stored is not None and stored.votes == 0
