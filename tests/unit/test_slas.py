"""SLA limits: what they default to, how they are configured, and working days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.app.triage_settings import load_triage_settings
from bot.errors import ConfigError
from bot.items import Stakeholder
from bot.slas import Limit, SlaPolicy

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_by_default_must_haves_get_one_working_day_and_good_to_haves_five() -> None:
    policy = SlaPolicy.default()
    assert policy.limit("must-have", Stakeholder.INTERNAL) == Limit(working_days=1)
    assert policy.limit("good-to-have", Stakeholder.EXTERNAL) == Limit(working_days=5)
    assert policy.limit("feedback", Stakeholder.INTERNAL) is None


def test_a_stakeholder_specific_limit_wins_over_the_general_one() -> None:
    policy = SlaPolicy.parse("external must-have=4h, good-to-have=3d, feedback=10d")
    assert policy.limit("must-have", Stakeholder.EXTERNAL) == Limit(hours=4)
    assert policy.limit("must-have", Stakeholder.INTERNAL) == Limit(working_days=1)
    assert policy.limit("good-to-have", Stakeholder.INTERNAL) == Limit(working_days=3)
    assert policy.limit("feedback", Stakeholder.INTERNAL) == Limit(working_days=10)


def test_off_removes_an_sla() -> None:
    policy = SlaPolicy.parse("good-to-have=off, internal must-have=off")
    assert policy.limit("good-to-have", Stakeholder.EXTERNAL) is None
    assert policy.limit("must-have", Stakeholder.INTERNAL) is None
    assert policy.limit("must-have", Stakeholder.EXTERNAL) == Limit(working_days=1)


@pytest.mark.parametrize("text", ["must-have", "urgent=1d", "must-have=1w", "partner must-have=1d"])
def test_an_unreadable_sla_names_the_variable(text: str) -> None:
    with pytest.raises(ConfigError, match="FEEDBACKBOT_SLA"):
        SlaPolicy.parse(text)


@pytest.mark.parametrize(
    ("created", "days", "deadline"),
    [
        (MONDAY, 1, MONDAY + timedelta(days=1)),
        (MONDAY + timedelta(days=4), 1, MONDAY + timedelta(days=7)),  # Friday -> Monday
        (MONDAY + timedelta(days=5), 1, datetime(2025, 3, 11, tzinfo=UTC)),  # Saturday
        (MONDAY, 5, MONDAY + timedelta(days=7)),
    ],
)
def test_working_days_skip_weekends(created: datetime, days: int, deadline: datetime) -> None:
    assert Limit(working_days=days).deadline(created) == deadline


def test_hours_run_on_the_clock() -> None:
    friday = MONDAY + timedelta(days=4, hours=8)
    assert Limit(hours=4).deadline(friday) == friday + timedelta(hours=4)


def test_a_bad_seal_key_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="FEEDBACKBOT_SEAL_KEY"):
        load_triage_settings({"FEEDBACKBOT_SEAL_KEY": "not-a-key"})


def test_without_a_seal_key_nothing_is_sealed() -> None:
    assert load_triage_settings({}).seal is None


def test_a_discord_triage_channel_may_name_its_server() -> None:
    settings = load_triage_settings({"DISCORD_TRIAGE_CHANNEL": "111:222"})
    assert settings.discord_triage_channel == ("111", "222")
