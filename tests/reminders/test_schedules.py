"""Schedules as people write them, and the moments APScheduler's trigger puts them on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.schedules import ScheduleError, parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("typed", "reads", "zone"),
    [
        ("every day at 9", "every day at 09:00", None),
        ("daily at 17:30", "every day at 17:30", None),
        ("every weekday at 9am", "every weekday at 09:00", None),
        ("Every Monday at 09:00 in Europe/Berlin", "every monday at 09:00", "Europe/Berlin"),
        ("weekly on fri at 4:30pm", "every friday at 16:30", None),
        ("every week on tuesday at 12pm", "every tuesday at 12:00", None),
        ("every month on the 1st at 10:00", "every month on the 1st at 10:00", None),
        ("monthly on the 15th at 8", "every month on the 15th at 08:00", None),
        ("every month on the last day at 18:00", "every month on the last day at 18:00", None),
        ("every quarter", "every quarter on the 1st at 09:00", None),
        (
            "quarterly at 10:00 in America/New_York",
            "every quarter on the 1st at 10:00",
            "America/New_York",
        ),
        ("cron 30 8 * * 1-5", "cron 30 8 * * 1-5", None),
        ("cron 30 8 * * 1-5 in Europe/Berlin", "cron 30 8 * * 1-5", "Europe/Berlin"),
    ],
)
def test_people_write_schedules_and_read_them_back(
    typed: str, reads: str, zone: str | None
) -> None:
    schedule, named = parse_schedule(typed)
    assert (schedule.text, named) == (reads, zone)
    assert parse_schedule(schedule.text)[0] == schedule  # what is stored reads back the same


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("every blursday at 9", "could not read"),
        ("every day at 25:00", "not a time of day"),
        ("every day at noonish", "not a time"),
        ("cron 1 2 3", "five fields"),
        ("cron 99 * * * *", "not a cron expression"),
        ("every monday at 9 in Mars/Olympus", "time zone"),
        ("every week", "Which day"),
        ("every month on the 40th", "no day 40"),
        ("", "Tell me when"),
    ],
)
def test_a_bad_schedule_says_why_and_shows_one_that_works(typed: str, problem: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(typed)
    assert problem in str(refused.value)
    assert "`every monday at 09:00 in Europe/Berlin`" in str(refused.value)


def test_cron_weekdays_count_from_sunday_as_in_crontab() -> None:
    # APScheduler 3 numbers weekdays from Monday; people write crontab, where 0 is Sunday.
    schedule, _ = parse_schedule("cron 0 9 * * 0")
    saturday = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)
    upcoming = schedule.next_after(saturday, ZoneInfo("UTC"))
    assert upcoming == datetime(2025, 3, 9, 9, 0, tzinfo=UTC)
    assert upcoming.strftime("%A") == "Sunday"


def test_weekdays_skip_the_weekend() -> None:
    schedule, _ = parse_schedule("every weekday at 09:00")
    friday = datetime(2025, 3, 7, 10, 0, tzinfo=UTC)
    week = list(schedule.occurrences(friday, friday + timedelta(days=7), ZoneInfo("UTC")))
    assert [moment.strftime("%a") for moment in week] == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def test_a_quarter_starts_in_january_april_july_and_october() -> None:
    schedule, _ = parse_schedule("every quarter at 09:00")
    year = list(
        schedule.occurrences(
            datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), ZoneInfo("UTC")
        )
    )
    assert [(m.month, m.day, m.hour) for m in year] == [(1, 1, 9), (4, 1, 9), (7, 1, 9), (10, 1, 9)]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # Clocks go forward on Sunday 30 March 2025 and back on Sunday 26 October 2025.
        (datetime(2025, 3, 17, tzinfo=UTC), datetime(2025, 4, 15, tzinfo=UTC)),
        (datetime(2025, 10, 13, tzinfo=UTC), datetime(2025, 11, 11, tzinfo=UTC)),
    ],
)
def test_a_weekly_berlin_reminder_stays_at_nine_across_daylight_saving(
    start: datetime, end: datetime
) -> None:
    schedule, zone = parse_schedule("every monday at 09:00 in Europe/Berlin")
    assert zone == "Europe/Berlin"
    mondays = list(schedule.occurrences(start, end, BERLIN))
    local = [moment.astimezone(BERLIN) for moment in mondays]
    assert len(mondays) == 5 and len(set(mondays)) == 5
    assert all((m.strftime("%a"), m.hour, m.minute) == ("Mon", 9, 0) for m in local)
    assert {m.utcoffset() for m in local} == {timedelta(hours=1), timedelta(hours=2)}
    assert all(
        b - a in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=6, hours=23))
        for a, b in pairwise(mondays)
    )


def test_a_daily_berlin_reminder_fires_once_on_the_day_the_clocks_go_back() -> None:
    # 02:30 happens twice on 26 October 2025 in Berlin; it must be posted once.
    schedule, _ = parse_schedule("every day at 02:30")
    day = list(
        schedule.occurrences(
            datetime(2025, 10, 25, 12, tzinfo=UTC), datetime(2025, 10, 27, 12, tzinfo=UTC), BERLIN
        )
    )
    assert len(day) == 2  # the 26th and the 27th


def test_missed_occurrences_fold_into_the_newest_within_the_grace_window() -> None:
    schedule, _ = parse_schedule("cron * * * * *")
    now = datetime(2025, 3, 3, 9, 30, 20, tzinfo=UTC)
    latest = schedule.latest_due(now - timedelta(hours=1), now, ZoneInfo("UTC"))
    assert latest == datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    assert schedule.latest_due(latest, now, ZoneInfo("UTC")) is None
