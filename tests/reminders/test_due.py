"""When an occurrence is due: from its scheduled time until that time plus the grace, and a grace
of 0 still posts the occurrence its timer fires for a moment late. A pure rule of
``bot.reminders.Reminder``; the clock is a value passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reminders import ON_TIME, Reminder, ReminderKind
from bot.roadmap import FireOutcome
from bot.schedules import parse_schedule
from tests.fakes import FixedClock
from tests.reminders.conftest import ACME, MONDAY, Directory, build_roadmap

NINE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NO_GRACE = timedelta(0)
HOUR = timedelta(hours=1)


def daily_at_nine(**fields: object) -> Reminder:
    schedule, _ = parse_schedule("every day at 09:00")
    reminder = Reminder(
        ACME, "C1", schedule, "UTC", ReminderKind.ROADMAP, created_at=NINE - timedelta(days=1)
    )
    for name, value in fields.items():
        setattr(reminder, name, value)
    return reminder


def test_with_no_grace_the_occurrence_is_due_when_its_timer_fires_a_few_ms_late() -> None:
    assert daily_at_nine().due(NINE + timedelta(milliseconds=3), NO_GRACE) == NINE


def test_with_no_grace_the_occurrence_is_due_at_its_exact_time() -> None:
    assert daily_at_nine().due(NINE, NO_GRACE) == NINE


def test_with_no_grace_an_occurrence_missed_by_more_than_a_timers_lateness_is_not_due() -> None:
    assert daily_at_nine().due(NINE + ON_TIME + timedelta(seconds=1), NO_GRACE) is None


def test_an_occurrence_is_not_due_before_its_time() -> None:
    assert daily_at_nine().due(NINE - timedelta(milliseconds=1), HOUR) is None


def test_an_occurrence_is_due_until_the_very_end_of_its_grace() -> None:
    assert daily_at_nine().due(NINE + HOUR, HOUR) == NINE


def test_an_occurrence_is_not_due_once_its_grace_has_passed() -> None:
    assert daily_at_nine().due(NINE + HOUR + timedelta(seconds=1), HOUR) is None


def test_a_claimed_occurrence_is_not_due_again() -> None:
    assert daily_at_nine(last_claimed_for=NINE).due(NINE + timedelta(seconds=5), HOUR) is None


def test_an_occurrence_before_the_reminder_was_created_is_not_due() -> None:
    reminder = daily_at_nine(created_at=NINE + timedelta(seconds=1))
    assert reminder.due(NINE + timedelta(seconds=5), HOUR) is None


def test_a_disabled_reminder_has_nothing_due() -> None:
    assert daily_at_nine(disabled_at=NINE - HOUR).due(NINE, HOUR) is None


async def test_with_no_grace_a_reminder_fired_just_after_its_time_is_posted(
    engine: AsyncEngine,
) -> None:
    roadmap = build_roadmap(engine, FixedClock(MONDAY - timedelta(days=1)), grace=NO_GRACE)
    service = roadmap.service
    reminder = await service.add_reminder(ACME, "C1", "every day at 08:00")
    assert reminder.id is not None
    roadmap.at(MONDAY + timedelta(milliseconds=4))  # the timer runs a moment after 08:00

    outcome = await service.fire(reminder.id, Directory(roadmap.chat, ACME))

    assert outcome is FireOutcome.POSTED
    assert len(roadmap.chat.posted) == 1
