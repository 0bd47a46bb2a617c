"""Reminders on a real database: managed from /roadmap, posted once per occurrence, however many
processes try, across restarts, failures and daylight saving. Time is a fixed clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import MessageRef
from bot.messages import Message
from bot.ports import ChatFailed
from bot.reminders import ReminderKind
from bot.roadmap import DEFAULT_PROMPT, FireOutcome
from storage.engine import create_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.fakes import FakeChat, FixedClock, submission
from tests.reminders.conftest import ACME, GLOBEX, MONDAY, Directory, Roadmap, build_roadmap

BERLIN = ZoneInfo("Europe/Berlin")


class FlakyChat(FakeChat):
    """Fails the next posts with the given passing errors (429, 5xx, network), then posts."""

    def __init__(self, *failures: str) -> None:
        super().__init__()
        self.failures = list(failures)

    async def post(
        self, channel_id: str, message: Message, *, marker: str | None = None
    ) -> MessageRef:
        if self.failures:
            raise ChatFailed(self.failures.pop(0))
        return await super().post(channel_id, message, marker=marker)


async def test_a_reminder_added_from_chat_shows_its_next_time_in_its_zone(
    roadmap: Roadmap,
) -> None:
    roadmap.at(datetime(2025, 3, 26, 12, 0, tzinfo=UTC))  # a Wednesday, Berlin in winter time
    answer = await roadmap.say("remind every monday at 09:00 in Europe/Berlin")
    assert answer.plain == (
        "Added: #1 roadmap update, every monday at 09:00 (Europe/Berlin); "
        "next: Mon 31 Mar 2025 09:00 CEST."
    )
    listed = await roadmap.say("reminders")
    assert listed.plain == answer.plain.removeprefix("Added: ").removesuffix(".")


async def test_a_bad_schedule_adds_nothing_and_shows_an_example(roadmap: Roadmap) -> None:
    answer = await roadmap.say("remind every blursday at 9")
    assert "every monday at 09:00 in Europe/Berlin" in answer.plain
    assert answer.plain.endswith("Nothing was added.")
    assert await roadmap.service.reminders(ACME) == []


async def test_reminders_are_listed_per_channel_and_removed_per_workspace(
    roadmap: Roadmap,
) -> None:
    await roadmap.say("remind every day at 10:00")
    await roadmap.say("remind prompt every friday at 16:00", "C-OTHER")
    here = (await roadmap.say("reminders")).plain
    assert "#1 roadmap update, every day at 10:00 (UTC)" in here and "#2" not in here
    other = (await roadmap.say("reminders", "C-OTHER")).plain
    assert "#2 feedback prompt, every friday at 16:00" in other
    # Another workspace cannot remove ACME's reminder, even knowing its id.
    assert not await roadmap.service.remove_reminder(GLOBEX, 1)
    removed = await roadmap.say("unremind #1")
    assert removed.plain == "Reminder #1 is removed."
    assert (await roadmap.say("unremind 1")).plain == ("There is no reminder #1 here.")
    assert "no reminders" in (await roadmap.say("reminders")).plain


async def test_roadmap_alone_shows_the_digest_and_anything_else_the_usage(
    roadmap: Roadmap,
) -> None:
    await roadmap.feedback.submit(submission("Ship it", workspace=ACME))
    roadmap.advance(minutes=1)
    digest = await roadmap.say("")
    assert digest.plain.startswith("Roadmap update, ") and "1 new item" in digest.plain
    usage = await roadmap.say("please")
    assert "/roadmap remind <schedule>" in usage.plain


async def test_an_occurrence_is_posted_once_at_its_time(roadmap: Roadmap) -> None:
    roadmap.at(MONDAY - timedelta(days=1))
    reminder = await roadmap.service.add_reminder(
        ACME, "C-ROADMAP", "every monday at 09:00 in Europe/Berlin"
    )
    assert reminder.id is not None
    assert await roadmap.service.fire(reminder.id, roadmap.chats) is FireOutcome.NOT_DUE
    roadmap.at(MONDAY)  # 09:00 in Berlin
    assert await roadmap.service.fire(reminder.id, roadmap.chats) is FireOutcome.POSTED
    assert await roadmap.service.fire(reminder.id, roadmap.chats) is FireOutcome.NOT_DUE
    roadmap.advance(seconds=40)
    assert await roadmap.service.catch_up(roadmap.chats) == []
    assert [channel for channel, _ in roadmap.chat.posted] == ["C-ROADMAP"]
    assert roadmap.chat.posted[0][1].startswith("Roadmap update, Sun 02 Mar to Mon 03 Mar")


async def test_every_concurrent_claim_but_one_is_refused(engine: AsyncEngine) -> None:
    roadmap = build_roadmap(engine)
    reminder = await roadmap.service.add_reminder(ACME, "C1", "cron * * * * *")
    assert reminder.id is not None
    due = MONDAY
    url = engine.url.render_as_string(hide_password=False)
    engines = [create_engine(url) for _ in range(5)]

    async def claim(on: AsyncEngine) -> bool:
        async with SqlUnitOfWork(on) as uow:
            won = await uow.reminders.claim(reminder.id or 0, due, due)
            await uow.commit()
            return won

    try:
        results = await asyncio.gather(*(claim(each) for each in engines * 4))
        older = await claim(engines[0])
        await_older = older  # an older occurrence after a newer one is refused too
    finally:
        for each in engines:
            await each.dispose()
    assert results.count(True) == 1
    assert await_older is False


async def test_two_processes_firing_together_post_each_occurrence_once(
    engine: AsyncEngine,
) -> None:
    clock = FixedClock(MONDAY - timedelta(minutes=5))
    first = build_roadmap(engine, clock)
    url = engine.url.render_as_string(hide_password=False)
    second_engine = create_engine(url)
    try:
        second = build_roadmap(second_engine, clock)
        chats = Directory(first.chat, ACME)  # both post to one platform
        reminder = await first.service.add_reminder(ACME, "C1", "cron * * * * *")
        assert reminder.id is not None
        for minute in range(1, 4):
            clock.set(MONDAY - timedelta(minutes=5) + timedelta(minutes=minute, seconds=1))
            outcomes = await asyncio.gather(
                first.service.fire(reminder.id, chats),
                second.service.fire(reminder.id, chats),
                first.service.catch_up(chats),
                second.service.catch_up(chats),
            )
            flat = [o for each in outcomes for o in (each if isinstance(each, list) else [each])]
            assert flat.count(FireOutcome.POSTED) == 1, flat
    finally:
        await second_engine.dispose()
    assert len(first.chat.posted) == 3


async def test_missed_occurrences_within_the_grace_window_make_one_post(
    roadmap: Roadmap,
) -> None:
    roadmap.at(datetime(2025, 3, 3, 6, 30, tzinfo=UTC))
    await roadmap.service.add_reminder(ACME, "C1", "cron 0 * * * *")  # hourly
    # No process ran from 06:30 to 09:40: 07:00, 08:00 and 09:00 were missed.
    roadmap.at(datetime(2025, 3, 3, 9, 40, tzinfo=UTC))
    outcomes = await roadmap.service.catch_up(roadmap.chats)
    assert outcomes == [FireOutcome.POSTED]
    assert await roadmap.service.catch_up(roadmap.chats) == []
    (reminder,) = await roadmap.service.reminders(ACME)
    assert reminder.last_posted_for == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert len(roadmap.chat.posted) == 1


async def test_an_occurrence_older_than_the_grace_window_is_skipped(roadmap: Roadmap) -> None:
    roadmap.at(datetime(2025, 3, 3, 6, 30, tzinfo=UTC))
    await roadmap.service.add_reminder(ACME, "C1", "every day at 07:00")
    roadmap.at(datetime(2025, 3, 3, 8, 30, tzinfo=UTC))  # 90 minutes late, grace is an hour
    assert await roadmap.service.catch_up(roadmap.chats) == []
    roadmap.at(datetime(2025, 3, 4, 7, 0, tzinfo=UTC))
    assert await roadmap.service.catch_up(roadmap.chats) == [FireOutcome.POSTED]


async def test_a_workspace_no_adapter_serves_waits_unclaimed(roadmap: Roadmap) -> None:
    roadmap.at(MONDAY - timedelta(hours=1))
    reminder = await roadmap.service.add_reminder(ACME, "C1", "cron 0 * * * *")
    assert reminder.id is not None
    roadmap.at(MONDAY)
    nobody = Directory(roadmap.chat)
    assert await roadmap.service.fire(reminder.id, nobody) is FireOutcome.NO_CHAT
    assert await roadmap.service.fire(reminder.id, roadmap.chats) is FireOutcome.POSTED


async def test_a_passing_failure_is_retried_with_backoff(roadmap: Roadmap) -> None:
    flaky = FlakyChat("ratelimited", "http_503", "network: connection reset")
    roadmap.at(MONDAY - timedelta(hours=1))
    reminder = await roadmap.service.add_reminder(ACME, "C1", "cron 0 * * * *")
    assert reminder.id is not None
    roadmap.at(MONDAY)
    outcome = await roadmap.service.fire(reminder.id, Directory(flaky, ACME))
    assert outcome is FireOutcome.POSTED
    assert roadmap.sleeps.taken == [2.0, 4.0, 8.0]
    assert len(flaky.posted) == 1


async def test_a_post_that_keeps_failing_gives_up_that_occurrence_only(
    roadmap: Roadmap,
) -> None:
    flaky = FlakyChat(*["http_500"] * 6)
    chats = Directory(flaky, ACME)
    roadmap.at(MONDAY - timedelta(hours=1))
    reminder = await roadmap.service.add_reminder(ACME, "C1", "cron 0 * * * *")
    assert reminder.id is not None
    roadmap.at(MONDAY)
    assert await roadmap.service.fire(reminder.id, chats) is FireOutcome.FAILED
    assert roadmap.sleeps.taken == [2.0, 4.0, 8.0, 16.0, 32.0]
    roadmap.advance(hours=1)
    assert await roadmap.service.fire(reminder.id, chats) is FireOutcome.POSTED
    (stored,) = await roadmap.service.reminders(ACME)
    assert stored.active


async def test_a_channel_the_bot_cannot_post_in_disables_the_reminder_and_says_why(
    roadmap: Roadmap,
) -> None:
    roadmap.at(MONDAY - timedelta(hours=1))
    reminder = await roadmap.service.add_reminder(ACME, "C-GONE", "cron 0 * * * *")
    assert reminder.id is not None
    roadmap.chat.make_unavailable("C-GONE")
    roadmap.at(MONDAY)
    assert await roadmap.service.fire(reminder.id, roadmap.chats) is FireOutcome.DISABLED
    assert roadmap.sleeps.taken == []  # not retried: it cannot get better by waiting
    roadmap.advance(hours=1)
    assert await roadmap.service.fire(reminder.id, roadmap.chats) is FireOutcome.NOT_DUE
    assert await roadmap.service.scheduled() == []
    listed = (await roadmap.say("reminders", "C-GONE")).plain
    assert "DISABLED on Mon 03 Mar 2025 08:00 UTC" in listed
    assert "cannot post in this channel (not_in_channel)" in listed


async def test_a_feedback_prompt_posts_its_own_words_or_the_default(roadmap: Roadmap) -> None:
    roadmap.at(MONDAY - timedelta(hours=1))
    await roadmap.say("remind prompt cron 0 * * * *")
    await roadmap.say("remind prompt cron 0 * * * * saying What slowed you down this week?", "C-2")
    roadmap.at(MONDAY)
    assert await roadmap.service.catch_up(roadmap.chats) == [FireOutcome.POSTED] * 2
    assert sorted(roadmap.chat.posted) == [
        ("C-2", "What slowed you down this week?"),
        ("C-ROADMAP", DEFAULT_PROMPT),
    ]
    (stored, *_) = await roadmap.service.reminders(ACME)
    assert stored.kind is ReminderKind.PROMPT


async def test_each_update_covers_the_time_since_the_previous_one(roadmap: Roadmap) -> None:
    roadmap.at(MONDAY - timedelta(days=8))
    await roadmap.service.add_reminder(ACME, "C1", "every monday at 08:00")
    roadmap.at(MONDAY - timedelta(days=3))
    await roadmap.feedback.submit(submission("First week", workspace=ACME))
    roadmap.at(MONDAY - timedelta(days=7))
    await roadmap.service.catch_up(roadmap.chats)
    roadmap.at(MONDAY)
    await roadmap.service.catch_up(roadmap.chats)
    roadmap.at(MONDAY + timedelta(days=7))
    await roadmap.service.catch_up(roadmap.chats)
    texts = [text for _, text in roadmap.chat.posted]
    assert len(texts) == 3
    assert "quiet period" in texts[0] and "1 new item" in texts[1] and "quiet period" in texts[2]
    assert texts[1].startswith("Roadmap update, Mon 24 Feb to Mon 03 Mar")


async def test_a_weekly_berlin_reminder_is_posted_at_nine_through_both_clock_changes(
    roadmap: Roadmap,
) -> None:
    # Over three weeks around each change in 2025, catch up as the scheduler's one-minute
    # catch-up would, at checkpoints: a wrong occurrence stays due for the grace window, so one
    # check an hour sees it; and every quarter hour near the due times and the change, and the
    # minute before each due time, show the post comes at nine, not earlier or later.
    assert roadmap.service.grace >= timedelta(hours=1)
    for start, change in (
        (datetime(2025, 3, 20, tzinfo=UTC), datetime(2025, 3, 30, 1, tzinfo=UTC)),
        (datetime(2025, 10, 16, tzinfo=UTC), datetime(2025, 10, 26, 1, tzinfo=UTC)),
    ):
        roadmap.chat.posted.clear()
        roadmap.at(start)
        reminder = await roadmap.service.add_reminder(
            ACME, f"C-{start.month}", "every monday at 09:00 in Europe/Berlin"
        )
        posted_at = []
        for moment in checkpoints(start, start + timedelta(days=21), change):
            roadmap.at(moment)
            if await roadmap.service.catch_up(roadmap.chats):
                posted_at.append(roadmap.clock.now().astimezone(BERLIN))
        assert [(m.strftime("%a"), m.hour, m.minute) for m in posted_at] == [("Mon", 9, 0)] * 3
        assert len({m.utcoffset() for m in posted_at}) == 2  # winter and summer time both seen
        assert reminder.id is not None


def checkpoints(start: datetime, end: datetime, change: datetime) -> list[datetime]:
    """Every hour from ``start`` to ``end``; every quarter hour within three hours of the clock
    change and of each Monday 09:00 in Berlin; and the minute before each of those nines."""
    hour, quarter = timedelta(hours=1), timedelta(minutes=15)
    days = [(start + timedelta(days=n)).date() for n in range((end - start).days)]
    nines = [
        datetime(day.year, day.month, day.day, 9, tzinfo=BERLIN).astimezone(UTC)
        for day in days
        if day.weekday() == 0
    ]
    moments = {start + n * hour for n in range(1, (end - start) // hour + 1)}
    for near in (change, *nines):
        moments.update(near + n * quarter for n in range(-12, 13))
    moments.update(nine - timedelta(minutes=1) for nine in nines)
    return sorted(moment for moment in moments if start < moment <= end)
