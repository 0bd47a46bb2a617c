"""Tracker settings read from the environment: what configures a tracker, and a wrong value
refused with the variable named; secrets never shown."""

from __future__ import annotations

import pytest

from adapters.app.settings import load_settings
from adapters.trackers.settings import load_tracker_settings
from bot.errors import ConfigError
from bot.issue_links import IssueRef
from bot.items import Status
from bot.trackers import IssueState

JIRA = {
    "JIRA_URL": "https://acme.atlassian.net/",
    "JIRA_USER": "bot@acme.test",
    "JIRA_API_TOKEN": "t",
}


def test_nothing_set_configures_no_tracker() -> None:
    settings = load_settings({}).trackers
    assert not settings.configured
    assert (settings.github, settings.jira, settings.poll_minutes) == (None, None, 5)


def test_a_github_token_configures_github_on_github_com() -> None:
    settings = load_tracker_settings({"GITHUB_TOKEN": "ghp_x", "GITHUB_WEBHOOK_SECRET": "s"})
    assert settings.github is not None
    assert settings.github.api_url == "https://api.github.com"
    assert settings.names == ["GitHub"]


def test_github_enterprise_server_is_named_by_its_api_url() -> None:
    settings = load_tracker_settings(
        {"GITHUB_TOKEN": "ghp_x", "GITHUB_API_URL": "https://ghe.example.com/api/v3/"}
    )
    assert settings.github is not None
    assert settings.github.api_url == "https://ghe.example.com/api/v3"
    assert settings.names == ["GitHub Enterprise Server"]


def test_jira_cloud_and_data_center() -> None:
    cloud = load_tracker_settings(JIRA).jira
    assert cloud is not None and cloud.url == "https://acme.atlassian.net"
    assert cloud.issue_type == "Task"
    center = load_tracker_settings(
        {
            "JIRA_URL": "https://tools.example.com/jira",
            "JIRA_BEARER_TOKEN": "pat",
            "JIRA_ISSUE_TYPE": "Story",
        }
    ).jira
    assert center is not None and center.bearer == "pat" and center.issue_type == "Story"


def test_secrets_never_show_in_the_settings() -> None:
    shown = repr(
        load_settings(
            {
                "GITHUB_TOKEN": "ghp_SECRET1",
                "GITHUB_WEBHOOK_SECRET": "SECRET2",
                **JIRA,
                "JIRA_API_TOKEN": "SECRET3",
                "JIRA_WEBHOOK_SECRET": "SECRET4",
            }
        )
    )
    assert "SECRET" not in shown


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"GITHUB_WEBHOOK_SECRET": "s"}, "GITHUB_TOKEN"),
        ({"GITHUB_API_URL": "https://ghe.example.com/api/v3"}, "GITHUB_TOKEN"),
        ({"GITHUB_TOKEN": "ghp_x", "GITHUB_API_URL": "ghe.example.com"}, "GITHUB_API_URL"),
        ({"GITHUB_TOKEN": "ghp x"}, "GITHUB_TOKEN"),
        ({"JIRA_USER": "bot@acme.test"}, "JIRA_URL"),
        ({"JIRA_URL": "acme.atlassian.net", "JIRA_BEARER_TOKEN": "p"}, "JIRA_URL"),
        ({"JIRA_URL": "https://acme.atlassian.net"}, "JIRA_USER"),
        ({"JIRA_URL": "https://acme.atlassian.net", "JIRA_USER": "u"}, "JIRA_API_TOKEN"),
        ({**JIRA, "JIRA_BEARER_TOKEN": "p"}, "JIRA_BEARER_TOKEN"),
        ({"TRACKER_POLL_MINUTES": "often"}, "TRACKER_POLL_MINUTES"),
        ({"TRACKER_POLL_MINUTES": "-1"}, "TRACKER_POLL_MINUTES"),
        ({"TRACKER_STATUS_MAP": "jira:PROJ:In Pilot=soon"}, "TRACKER_STATUS_MAP"),
        ({"TRACKER_STATUS_MAP": "In Pilot=in_pilot"}, "TRACKER_STATUS_MAP"),
    ],
)
def test_a_wrong_value_names_its_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ)
    assert refused.value.variable == variable


def test_polling_can_be_turned_off() -> None:
    assert load_tracker_settings({"TRACKER_POLL_MINUTES": "0"}).poll_minutes == 0


def test_the_status_map_is_read_per_project() -> None:
    settings = load_tracker_settings(
        {**JIRA, "TRACKER_STATUS_MAP": "jira:PROJ:In Pilot=in_pilot; jira:*:Blocked=under_review"}
    )
    pilot = IssueState(IssueRef("jira", "PROJ-1", ""), True, "In Pilot", category="indeterminate")
    other = IssueState(IssueRef("jira", "OPS-1", ""), True, "In Pilot", category="indeterminate")
    assert settings.state_map.status_for(pilot) is Status.IN_PILOT
    assert settings.state_map.status_for(other) is Status.PLANNED
