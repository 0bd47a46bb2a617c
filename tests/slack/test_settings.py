"""Slack settings: what is required, what is optional, and how a mistake is named."""

from __future__ import annotations

import pytest

from adapters.slack.settings import load_slack_settings
from bot.errors import ConfigError

HTTP = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}


def test_slack_stays_off_without_a_bot_token() -> None:
    assert load_slack_settings({}) is None


def test_http_mode_needs_the_signing_secret() -> None:
    with pytest.raises(ConfigError) as raised:
        load_slack_settings({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert raised.value.variable == "SLACK_SIGNING_SECRET"


def test_socket_mode_runs_without_a_signing_secret() -> None:
    settings = load_slack_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert settings is not None and settings.socket_mode and settings.signing_secret is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-1"),
        ("SLACK_API_URL", "slack.example"),
        ("SLACK_VOTE_EMOJI", "thumbs up"),
        ("SLACK_BOT_USER_ID", "B0BOT"),
        ("SLACK_BOT_ID", "U0BOT"),
    ],
)
def test_a_wrong_value_is_named(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_slack_settings({**HTTP, variable: value})
    assert raised.value.variable == variable


def test_emoji_channels_and_api_url_are_read_as_people_write_them() -> None:
    settings = load_slack_settings(
        {
            **HTTP,
            "SLACK_VOTE_EMOJI": ":heart:",
            "SLACK_CAPTURE_EMOJI": "pushpin",
            "SLACK_EXTERNAL_CHANNELS": "C1, C2 ,",
            "SLACK_API_URL": "https://slack-gov.com/api",
        }
    )
    assert settings is not None
    assert (settings.vote_emoji, settings.capture_emoji) == ("heart", "pushpin")
    assert settings.external_channels == frozenset({"C1", "C2"})
    assert settings.api_url == "https://slack-gov.com/api/"


def test_an_emoji_alias_is_read_as_the_name_slack_sends_reactions_under() -> None:
    settings = load_slack_settings(
        {**HTTP, "SLACK_VOTE_EMOJI": "thumbsup", "SLACK_CAPTURE_EMOJI": ":pencil:"}
    )
    assert settings is not None
    assert (settings.vote_emoji, settings.capture_emoji) == ("+1", "memo")


def test_the_bots_identity_can_be_given_so_no_auth_test_is_needed() -> None:
    settings = load_slack_settings({**HTTP, "SLACK_BOT_USER_ID": "U0BOT", "SLACK_BOT_ID": "B0BOT"})
    assert settings is not None
    assert (settings.bot_user_id, settings.bot_id) == ("U0BOT", "B0BOT")


def test_a_bot_id_without_the_bot_user_id_is_named() -> None:
    with pytest.raises(ConfigError) as raised:
        load_slack_settings({**HTTP, "SLACK_BOT_ID": "B0BOT"})
    assert raised.value.variable == "SLACK_BOT_ID"


def test_the_installing_organisation_can_be_given_with_the_bots_identity() -> None:
    settings = load_slack_settings(
        {
            **HTTP,
            "SLACK_BOT_USER_ID": "U0BOT",
            "SLACK_TEAM_ID": "T0ACME",
            "SLACK_ENTERPRISE_ID": "E0ACME",
        }
    )
    assert settings is not None
    assert (settings.team_id, settings.enterprise_id) == ("T0ACME", "E0ACME")


def test_an_enterprise_id_without_the_bot_user_id_is_named() -> None:
    with pytest.raises(ConfigError) as raised:
        load_slack_settings({**HTTP, "SLACK_ENTERPRISE_ID": "E0ACME"})
    assert raised.value.variable == "SLACK_ENTERPRISE_ID"
