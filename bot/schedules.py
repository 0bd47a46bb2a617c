"""Schedules people can write and read, and the moments they fall on.

``every day at 09:00``, ``every weekday at 9am``, ``every monday at 09:00``, ``every month on
the 1st at 10:00``, ``every quarter at 09:00``, and ``cron 30 8 * * 1-5`` for anything else, each
optionally followed by ``in Europe/Berlin``. A schedule is kept as the words it reads as, so what
is stored is what people are shown.

The moments come from APScheduler's own ``CronTrigger``, the very logic that fires the
reminders, used here as plain time arithmetic (no scheduler, no I/O): the next time a list shows
is the time the reminder will be posted. Times are wall-clock times in the reminder's zone, so
09:00 Europe/Berlin stays 09:00 in Berlin on both sides of a daylight-saving change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.errors import FeedbackBotError

DEFAULT_TIME = (9, 0)
EXAMPLES = (
    "every day at 09:00",
    "every weekday at 9am",
    "every monday at 09:00 in Europe/Berlin",
    "every month on the 1st at 10:00",
    "every quarter at 09:00",
    "cron 30 8 * * 1-5",
)

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ALIASES = {day[:3]: day for day in _DAYS} | {"tues": "tuesday", "thur": "thursday"}
_DAY_ALIASES |= {"thurs": "thursday", **{day: day for day in _DAYS}}
_DAY_ALIASES |= {f"{day}s": day for day in _DAYS}
# Standard crontab numbers weekdays from Sunday (0 and 7); APScheduler 3 from Monday (0). Names
# mean the same to both, so numbers people write are turned into names.
_CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_MONTH_DAY = re.compile(
    r"^(?:the\s+)?(?:day\s+)?(\d{1,2})(?:st|nd|rd|th)?$|^(?:the\s+)?last(?:\s+day)?$"
)


class ScheduleError(FeedbackBotError):
    """What was typed is not a schedule; the message says why and shows one that works."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"{problem}. For example: `every monday at 09:00 in Europe/Berlin`; also "
            f"{', '.join(f'`{e}`' for e in EXAMPLES if 'monday' not in e)}."
        )
        self.problem = problem


def zone_named(name: str) -> ZoneInfo:
    """An IANA time zone (``Europe/Berlin``, ``UTC``); anything else is a ``ScheduleError``."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"I do not know the time zone {name.strip()!r}") from None


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurring wall-clock time. ``text`` is how it reads; the rest are its cron fields."""

    text: str
    minute: str
    hour: str
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"

    def trigger(self, zone: ZoneInfo) -> CronTrigger:
        """The APScheduler trigger that fires this schedule in ``zone``."""
        return CronTrigger(
            minute=self.minute,
            hour=self.hour,
            day=self.day,
            month=self.month,
            day_of_week=self.day_of_week,
            second="0",
            timezone=zone,
        )

    def next_after(self, moment: datetime, zone: ZoneInfo) -> datetime | None:
        """The first occurrence strictly after ``moment``, in UTC."""
        return _next(self.trigger(zone), moment)

    def occurrences(self, after: datetime, until: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        """Every occurrence in ``(after, until]``, oldest first, in UTC."""
        trigger = self.trigger(zone)
        moment = _next(trigger, after)
        while moment is not None and moment <= until:
            yield moment
            moment = _next(trigger, moment)

    def latest_due(self, after: datetime, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The newest occurrence in ``(after, now]``, or ``None``: occurrences missed before it
        are folded into it, so a process that comes back posts once, not once per miss."""
        latest = None
        for latest in self.occurrences(after, now, zone):  # noqa: B007 - the last one is wanted
            pass
        return latest


def _next(trigger: CronTrigger, moment: datetime) -> datetime | None:
    # Step in UTC: wall-clock arithmetic on a zoned time would step back into the repeated hour.
    step = timedelta(microseconds=1)
    fire: datetime | None = trigger.get_next_fire_time(None, moment.astimezone(UTC) + step)
    # When the clocks go back, a wall-clock time such as 02:30 happens twice and the trigger
    # offers both; a reminder is for the time people read, so only the first one counts.
    while fire is not None and fire.fold == 1 and _ambiguous(fire):
        fire = trigger.get_next_fire_time(None, fire.astimezone(UTC) + step)
    return None if fire is None else fire.astimezone(UTC)


def _ambiguous(local: datetime) -> bool:
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def parse_schedule(text: str) -> tuple[Schedule, str | None]:
    """Read a schedule and an optional ``in <Zone>`` after it; ``ScheduleError`` if unreadable.

    The zone is returned apart (``None`` when not given) because it belongs to the reminder:
    the same schedule reads the same in every zone."""
    words = " ".join(text.strip().split())
    zone_name: str | None = None
    match = re.search(r"\s+in\s+([A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)*|UTC)$", words, re.IGNORECASE)
    if match:
        zone_name = match.group(1)
        zone_named(zone_name)
        words = words[: match.start()]
    if not words:
        raise ScheduleError("Tell me when")
    if words.lower().startswith("cron "):
        return _cron(words[5:].strip()), zone_name
    return _plain(words.lower()), zone_name


def _cron(expression: str) -> Schedule:
    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"A cron expression has five fields (minute hour day month weekday), "
            f"`{expression}` has {len(fields)}"
        )
    minute, hour, day, month, weekday = fields
    schedule = Schedule(
        f"cron {' '.join(fields)}", minute, hour, day, month, _cron_weekdays(weekday)
    )
    try:
        schedule.trigger(ZoneInfo("UTC"))
    except ValueError as error:
        raise ScheduleError(
            f"`cron {expression}` is not a cron expression I can read ({error})"
        ) from None
    return schedule


def _cron_weekdays(field: str) -> str:
    if "/" in field and any(ch.isdigit() for ch in field.split("/")[0]):
        raise ScheduleError("Write weekday steps with names, like `mon-fri`")

    def name(match: re.Match[str]) -> str:
        number = int(match.group())
        if number >= len(_CRON_WEEKDAYS):
            raise ScheduleError(f"There is no weekday {number} (0 and 7 are Sunday)")
        return _CRON_WEEKDAYS[number]

    return re.sub(r"\d+", name, field.lower())


def _plain(words: str) -> Schedule:
    when, _, at = words.partition(" at ")
    if at:
        hour, minute = _time(at.strip())
    elif re.search(r"\d", when.split(" on ")[0]):
        raise ScheduleError(f"Say the time with `at`: I could not read `{words}`")
    else:
        hour, minute = DEFAULT_TIME
    clock = f"{hour:02d}:{minute:02d}"
    when = re.sub(r"^every\s+", "", when.strip())
    fields = {"minute": str(minute), "hour": str(hour)}
    if when in ("day", "daily"):
        return Schedule(f"every day at {clock}", **fields)
    if when in ("weekday", "weekdays", "working day", "business day"):
        return Schedule(f"every weekday at {clock}", **fields, day_of_week="mon-fri")
    weekly = re.fullmatch(r"(?:weekly|week)(?:\s+on)?\s+(\w+)|(\w+)", when)
    if weekly and (day := _DAY_ALIASES.get(weekly.group(1) or weekly.group(2) or "")):
        return Schedule(f"every {day} at {clock}", **fields, day_of_week=day[:3])
    if when in ("week", "weekly"):
        raise ScheduleError("Which day of the week?")
    periodic = re.fullmatch(r"(month|monthly|quarter|quarterly)(?:\s+on\s+(.+))?", when)
    if periodic:
        quarterly = periodic.group(1).startswith("quarter")
        day, label = _month_day(periodic.group(2) or "1st")
        months = {"month": "1,4,7,10"} if quarterly else {}
        period = "quarter" if quarterly else "month"
        return Schedule(f"every {period} on the {label} at {clock}", **fields, day=day, **months)
    raise ScheduleError(f"I could not read `{words}` as a schedule")


def _time(text: str) -> tuple[int, int]:
    match = _TIME.match(text.replace(".", ":"))
    if not match:
        raise ScheduleError(f"`{text}` is not a time; use 24-hour `09:00` or `9am`")
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"`{text}` is not a time")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{text}` is not a time of day")
    return hour, minute


def _month_day(text: str) -> tuple[str, str]:
    match = _MONTH_DAY.match(text.strip())
    if not match:
        raise ScheduleError(
            f"`{text}` is not a day of the month; e.g. `on the 1st` or `on the last`"
        )
    if match.group(1) is None:
        return "last", "last day"
    day = int(match.group(1))
    if not 1 <= day <= 31:
        raise ScheduleError(f"There is no day {day} in a month")
    return str(day), _ordinal(day)


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"
