"""Where the dashboard's sign-in links point, and ``DASHBOARD_SESSION_HOURS``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.app.settings import load_settings
from bot.errors import ConfigError


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "http://127.0.0.1:3000"),
        ({"HOST": "0.0.0.0", "PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"HOST": "dash.internal"}, "http://dash.internal:3000"),
        ({"HOST": "::"}, "http://127.0.0.1:3000"),
        ({"HOST": "::1"}, "http://[::1]:3000"),
        ({"PUBLIC_URL": "https://bot.example.com/", "PORT": "8080"}, "https://bot.example.com"),
        ({"PUBLIC_URL": "https://example.com/feedback/"}, "https://example.com/feedback"),
    ],
)
def test_links_point_at_the_public_url_or_else_this_server(
    environ: dict[str, str], url: str
) -> None:
    assert load_settings(environ).dashboard_url == url


def test_a_session_lasts_twelve_hours_unless_set() -> None:
    assert load_settings({}).dashboard_session == timedelta(hours=12)
    assert load_settings({"DASHBOARD_SESSION_HOURS": "72"}).dashboard_session == timedelta(days=3)


@pytest.mark.parametrize("value", ["0", "a day", "745", "1.5"])
def test_a_wrong_session_length_is_named(value: str) -> None:
    with pytest.raises(ConfigError, match="DASHBOARD_SESSION_HOURS"):
        load_settings({"DASHBOARD_SESSION_HOURS": value})
