"""The reminder settings, read from the same injected mapping as every other setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import ConfigError
from bot.schedules import ScheduleError, zone_named

DEFAULT_GRACE_MINUTES = 60


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    # How late a missed occurrence may still be posted (after a restart, say).
    grace: timedelta = timedelta(minutes=DEFAULT_GRACE_MINUTES)
    # The zone of reminders created without one.
    default_zone: str = "UTC"


def load_reminder_settings(environ: Mapping[str, str]) -> ReminderSettings:
    raw = environ.get("REMINDER_GRACE_MINUTES", "").strip()
    minutes = DEFAULT_GRACE_MINUTES
    if raw:
        try:
            minutes = int(raw)
        except ValueError:
            raise ConfigError(
                "REMINDER_GRACE_MINUTES", f"expected a whole number, got {raw!r}"
            ) from None
        if not 0 <= minutes <= 7 * 24 * 60:
            raise ConfigError(
                "REMINDER_GRACE_MINUTES", f"expected 0 to 10080 minutes, got {minutes}"
            )
    zone = environ.get("REMINDER_TIMEZONE", "").strip() or "UTC"
    try:
        zone_named(zone)
    except ScheduleError:
        raise ConfigError(
            "REMINDER_TIMEZONE", f"expected an IANA time zone like Europe/Berlin, got {zone!r}"
        ) from None
    return ReminderSettings(timedelta(minutes=minutes), zone)
