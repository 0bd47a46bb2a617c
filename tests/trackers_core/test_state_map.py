"""The state map: tracker states to statuses, by default and as ``TRACKER_STATUS_MAP`` says."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.issue_links import IssueRef
from bot.items import Status
from bot.state_map import StateMap
from bot.trackers import IssueState

GITHUB = IssueRef("github", "acme/infra#12", "https://github.com/acme/infra/issues/12")
JIRA = IssueRef("jira", "OPS-7", "https://acme.atlassian.net/browse/OPS-7")
OTHER_JIRA = IssueRef("jira", "WEB-3", "https://acme.atlassian.net/browse/WEB-3")


def github(open: bool, state: str, reason: str | None = None) -> IssueState:
    return IssueState(GITHUB, open, state, reason)


def jira(
    state: str, category: str, resolution: str | None = None, ref: IssueRef = JIRA
) -> IssueState:
    return IssueState(ref, category != "done", state, resolution, category)


def test_the_state_seen_is_the_state_with_its_reason() -> None:
    assert github(False, "closed", "completed").seen == "closed:completed"
    assert github(True, "open").seen == "open"
    assert jira("In Progress", "indeterminate").seen == "In Progress"


def test_a_status_map_reads_per_project_and_every_project_entries() -> None:
    mapped = StateMap.parse(
        "jira:OPS:In Pilot=in_pilot; jira:*:Blocked=under review; "
        "github:*:closed:not_planned=declined;github:acme/infra:open=under_review"
    )
    assert mapped.status_for(jira("In Pilot", "indeterminate")) is Status.IN_PILOT
    assert mapped.status_for(jira("In Pilot", "indeterminate", ref=OTHER_JIRA)) is Status.PLANNED
    assert mapped.status_for(jira("blocked", "indeterminate", ref=OTHER_JIRA)) is (
        Status.UNDER_REVIEW
    )
    assert mapped.status_for(github(True, "open")) is Status.UNDER_REVIEW
    assert mapped.status_for(github(False, "closed", "not_planned")) is Status.DECLINED
    assert mapped.status_for(github(False, "closed", "completed")) is Status.SHIPPED


def test_an_empty_status_map_keeps_the_defaults() -> None:
    assert StateMap.parse("").status_for(github(True, "open")) is Status.PLANNED


@pytest.mark.parametrize(
    "text",
    ["jira:OPS=in_pilot", "jira:OPS:In Pilot", "jira:OPS:In Pilot=soon", "jira:OPS:Dup=duplicate"],
)
def test_a_status_map_that_cannot_be_read_names_its_variable(text: str) -> None:
    with pytest.raises(ConfigError) as refused:
        StateMap.parse(text)
    assert refused.value.variable == "TRACKER_STATUS_MAP"
