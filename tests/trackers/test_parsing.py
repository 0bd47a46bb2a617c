"""Issue references, projects and webhook deliveries as the adapters read them; no network.

The deliveries are built as GitHub's and Atlassian's documentation shows them (see
tests/trackers/fake_github.py and fake_jira.py); the signature test vector is the one GitHub's
"Validating webhook deliveries" gives."""

from __future__ import annotations

import json

import httpx
import pytest

from adapters.trackers.github import GitHubTracker, parse_github_delivery, web_url_of
from adapters.trackers.jira import JiraTracker, parse_jira_delivery, wiki
from adapters.trackers.signatures import MalformedDelivery, signature
from bot.errors import BadSignature
from bot.issue_links import IssueRef
from tests.trackers.fake_github import FakeGitHub
from tests.trackers.fake_jira import FakeJira

SECRET = "It's a Secret to Everybody"
CLIENT = httpx.AsyncClient()


def github(api_url: str = "https://api.github.com") -> GitHubTracker:
    return GitHubTracker(CLIENT, "ghp_test", api_url)


def jira(url: str = "https://acme.atlassian.net") -> JiraTracker:
    return JiraTracker(CLIENT, url, "bot@acme.test", "token")


def test_the_signature_is_the_one_githubs_docs_give() -> None:
    assert signature(SECRET, b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


# -- GitHub references ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "acme/widgets#12",
        "Acme/Widgets#12",
        "https://github.com/acme/widgets/issues/12",
        "https://www.github.com/Acme/widgets/issues/12/",
        "  https://github.com/acme/widgets/issues/12  ",
    ],
)
def test_a_github_issue_is_read_from_its_short_name_or_url(text: str) -> None:
    ref = github().parse(text)
    assert ref is not None
    assert (ref.tracker, ref.key, ref.project) == ("github", "acme/widgets#12", "acme/widgets")
    assert ref.url.lower().endswith("/acme/widgets/issues/12")


@pytest.mark.parametrize(
    "text",
    [
        "PROJ-12",
        "acme/widgets",
        "https://gitlab.com/acme/widgets/issues/12",
        "https://github.com/acme/widgets/pull/12",
        "https://github.com/acme/widgets",
        "acme/widgets#twelve",
        "",
    ],
)
def test_what_is_not_a_github_issue_is_not_taken_for_one(text: str) -> None:
    assert github().parse(text) is None


def test_a_github_enterprise_server_issue_is_read_from_its_hosts_url() -> None:
    tracker = github("https://ghe.example.com/api/v3")
    ref = tracker.parse("https://ghe.example.com/platform/infra/issues/7")
    assert ref == IssueRef(
        "github", "platform/infra#7", "https://ghe.example.com/platform/infra/issues/7"
    )
    assert tracker.parse("https://github.com/platform/infra/issues/7") is None
    assert tracker.parse("platform/infra#7") is not None


def test_the_web_address_follows_the_api_address() -> None:
    assert web_url_of("https://api.github.com") == "https://github.com"
    assert web_url_of("https://ghe.example.com/api/v3/") == "https://ghe.example.com"


@pytest.mark.parametrize(
    ("text", "project"),
    [
        ("acme/widgets", "acme/widgets"),
        ("https://github.com/acme/widgets", "acme/widgets"),
        ("https://github.com/acme/widgets.git", "acme/widgets"),
        ("acme", None),
        ("PROJ", None),
    ],
)
def test_a_github_project_is_a_repository(text: str, project: str | None) -> None:
    assert github().project(text) == project


# -- Jira references ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "PROJ-12",
        "proj-12",
        "https://acme.atlassian.net/browse/PROJ-12",
        "https://acme.atlassian.net/jira/software/projects/PROJ/boards/1?selectedIssue=PROJ-12",
    ],
)
def test_a_jira_issue_is_read_from_its_key_or_url(text: str) -> None:
    assert jira().parse(text) == IssueRef(
        "jira", "PROJ-12", "https://acme.atlassian.net/browse/PROJ-12"
    )


def test_a_data_center_url_keeps_its_context_path() -> None:
    tracker = jira("https://tools.example.com/jira")
    ref = tracker.parse("https://tools.example.com/jira/browse/OPS-3")
    assert ref == IssueRef("jira", "OPS-3", "https://tools.example.com/jira/browse/OPS-3")


@pytest.mark.parametrize(
    "text", ["acme/widgets#12", "https://other.atlassian.net/browse/PROJ-12", "PROJ", "12"]
)
def test_what_is_not_a_jira_issue_is_not_taken_for_one(text: str) -> None:
    assert jira().parse(text) is None


def test_a_jira_project_is_a_key() -> None:
    assert jira().project("proj") == "PROJ"
    assert jira().project("acme/widgets") is None


def test_a_drafts_markdown_becomes_jira_wiki_markup() -> None:
    text = "> SSO for\n> the console\n\nSee [#12](https://bot.example.com/items/12)"
    assert wiki(text) == (
        "{quote}\nSSO for\nthe console\n{quote}\n\nSee [#12|https://bot.example.com/items/12]"
    )


# -- GitHub deliveries ----------------------------------------------------------------------

URL = "http://127.0.0.1/webhooks/github"


@pytest.fixture
def fake() -> FakeGitHub:
    fake = FakeGitHub()
    fake.add_issue("Acme/Widgets", 12, "SSO for the admin console")
    return fake


def test_an_issue_closed_as_completed_is_a_change(fake: FakeGitHub) -> None:
    fake.close("Acme/Widgets", 12, "completed")
    sent = fake.delivery(URL, "closed", "Acme/Widgets", 12, secret=SECRET)
    change = parse_github_delivery(sent.headers, sent.body, SECRET)
    assert change is not None
    assert change.delivery_id == f"github:{sent.headers['X-GitHub-Delivery']}"
    assert change.action == "closed"
    state = change.state
    assert state.ref.key == "acme/widgets#12"
    assert state.ref.url == "https://github.com/acme/widgets/issues/12"
    assert (state.open, state.state, state.reason) == (False, "closed", "completed")
    assert state.seen == "closed:completed"
    assert state.title == "SSO for the admin console"


def test_not_planned_and_reopened_keep_their_reason(fake: FakeGitHub) -> None:
    fake.close("Acme/Widgets", 12, "not_planned")
    sent = fake.delivery(URL, "closed", "Acme/Widgets", 12, secret=SECRET)
    change = parse_github_delivery(sent.headers, sent.body, SECRET)
    assert change is not None and change.state.reason == "not_planned"
    fake.reopen("Acme/Widgets", 12)
    sent = fake.delivery(URL, "reopened", "Acme/Widgets", 12, secret=SECRET)
    change = parse_github_delivery(sent.headers, sent.body, SECRET)
    assert change is not None and change.state.open and change.state.reason == "reopened"


def test_header_names_are_read_whatever_their_case(fake: FakeGitHub) -> None:
    sent = fake.delivery(URL, "opened", "Acme/Widgets", 12, secret=SECRET)
    lowered = {key.lower(): value for key, value in sent.headers.items()}
    assert parse_github_delivery(lowered, sent.body, SECRET) is not None


def test_a_ping_moves_nothing(fake: FakeGitHub) -> None:
    sent = fake.ping(URL, secret=SECRET)
    assert parse_github_delivery(sent.headers, sent.body, SECRET) is None


@pytest.mark.parametrize("action", ["edited", "labeled", "assigned", "transferred"])
def test_an_action_that_leaves_the_state_moves_nothing(fake: FakeGitHub, action: str) -> None:
    sent = fake.delivery(URL, action, "Acme/Widgets", 12, secret=SECRET)
    assert parse_github_delivery(sent.headers, sent.body, SECRET) is None


def test_another_event_moves_nothing(fake: FakeGitHub) -> None:
    sent = fake.delivery(URL, "closed", "Acme/Widgets", 12, secret=SECRET, event="push")
    assert parse_github_delivery(sent.headers, sent.body, SECRET) is None


def test_a_wrong_signature_is_refused(fake: FakeGitHub) -> None:
    sent = fake.delivery(URL, "closed", "Acme/Widgets", 12, secret="another secret")
    with pytest.raises(BadSignature, match="does not match"):
        parse_github_delivery(sent.headers, sent.body, SECRET)


def test_a_missing_signature_is_refused_when_a_secret_is_set(fake: FakeGitHub) -> None:
    sent = fake.delivery(URL, "closed", "Acme/Widgets", 12, secret=None)
    with pytest.raises(BadSignature, match="no X-Hub-Signature-256"):
        parse_github_delivery(sent.headers, sent.body, SECRET)


def test_a_body_changed_after_signing_is_refused(fake: FakeGitHub) -> None:
    sent = fake.delivery(URL, "closed", "Acme/Widgets", 12, secret=SECRET)
    with pytest.raises(BadSignature):
        parse_github_delivery(sent.headers, sent.body.replace(b"closed", b"open!!"), SECRET)


def test_a_form_encoded_delivery_is_read_too(fake: FakeGitHub) -> None:
    fake.close("Acme/Widgets", 12, "completed")
    sent = fake.delivery(URL, "closed", "Acme/Widgets", 12, secret=None)
    body = httpx.QueryParams({"payload": sent.body.decode()}).__str__().encode()
    headers = {
        **sent.headers,
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Hub-Signature-256": signature(SECRET, body),
    }
    change = parse_github_delivery(headers, body, SECRET)
    assert change is not None and change.state.reason == "completed"


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({"action": "closed"}).encode()],
    ids=["not-json", "not-an-object", "no-issue"],
)
def test_a_malformed_body_is_told_as_such(body: bytes) -> None:
    headers = {
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": "d-1",
        "X-Hub-Signature-256": signature(SECRET, body),
    }
    with pytest.raises(MalformedDelivery):
        parse_github_delivery(headers, body, SECRET)


# -- Jira deliveries ------------------------------------------------------------------------

JIRA_URL = "http://127.0.0.1/webhooks/jira"


@pytest.fixture
def fake_jira() -> FakeJira:
    fake = FakeJira()
    fake.base_url = "https://acme.atlassian.net"
    fake.add_issue("PROJ-12", "SSO for the admin console")
    return fake


def test_a_jira_status_change_is_a_change(fake_jira: FakeJira) -> None:
    moved = fake_jira.transition("PROJ-12", "Done", resolution="Done")
    sent = fake_jira.delivery(JIRA_URL, "PROJ-12", secret=SECRET, changed=moved)
    change = parse_jira_delivery(sent.headers, sent.body, {}, SECRET)
    assert change is not None
    assert change.action == "jira:issue_updated"
    assert change.delivery_id == f"jira:{sent.headers['X-Atlassian-Webhook-Identifier']}"
    state = change.state
    assert state.ref == IssueRef("jira", "PROJ-12", "https://acme.atlassian.net/browse/PROJ-12")
    assert (state.open, state.state, state.category, state.reason) == (
        False,
        "Done",
        "done",
        "Done",
    )


def test_the_secret_may_come_in_the_url_instead(fake_jira: FakeJira) -> None:
    sent = fake_jira.delivery(JIRA_URL, "PROJ-12", secret=SECRET, in_query=True)
    assert "X-Hub-Signature" not in sent.headers
    assert parse_jira_delivery(sent.headers, sent.body, {"secret": SECRET}, SECRET) is not None
    with pytest.raises(BadSignature, match="does not match"):
        parse_jira_delivery(sent.headers, sent.body, {"secret": "guess"}, SECRET)


def test_a_jira_delivery_without_signature_or_secret_is_refused(fake_jira: FakeJira) -> None:
    sent = fake_jira.delivery(JIRA_URL, "PROJ-12", secret=None)
    with pytest.raises(BadSignature):
        parse_jira_delivery(sent.headers, sent.body, {}, SECRET)


def test_a_wrong_jira_signature_is_refused(fake_jira: FakeJira) -> None:
    sent = fake_jira.delivery(JIRA_URL, "PROJ-12", secret="another")
    with pytest.raises(BadSignature):
        parse_jira_delivery(sent.headers, sent.body, {"secret": SECRET}, SECRET)


def test_an_update_that_is_not_of_the_status_moves_nothing(fake_jira: FakeJira) -> None:
    sent = fake_jira.delivery(JIRA_URL, "PROJ-12", secret=SECRET, field="summary")
    assert parse_jira_delivery(sent.headers, sent.body, {}, SECRET) is None


def test_another_jira_event_moves_nothing(fake_jira: FakeJira) -> None:
    sent = fake_jira.delivery(JIRA_URL, "PROJ-12", secret=SECRET, event="comment_created")
    assert parse_jira_delivery(sent.headers, sent.body, {}, SECRET) is None


def test_a_created_issue_is_a_change(fake_jira: FakeJira) -> None:
    sent = fake_jira.delivery(JIRA_URL, "PROJ-12", secret=SECRET, event="jira:issue_created")
    change = parse_jira_delivery(sent.headers, sent.body, {}, SECRET)
    assert change is not None and change.state.category == "new" and change.state.open


def test_without_an_identifier_the_same_event_has_the_same_delivery_id(
    fake_jira: FakeJira,
) -> None:
    sent = fake_jira.delivery(JIRA_URL, "PROJ-12", secret=SECRET, identifier=False)
    first = parse_jira_delivery(sent.headers, sent.body, {}, SECRET)
    again = parse_jira_delivery(dict(sent.headers), bytes(sent.body), {}, SECRET)
    other = fake_jira.delivery(JIRA_URL, "PROJ-12", secret=SECRET, identifier=False)
    later = parse_jira_delivery(other.headers, other.body, {}, SECRET)
    assert first is not None and again is not None and later is not None
    assert first.delivery_id == again.delivery_id
    assert first.delivery_id != later.delivery_id  # another changelog


def test_a_malformed_jira_body_is_told_as_such() -> None:
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "PROJ-1"}}).encode()
    with pytest.raises(MalformedDelivery, match="fields"):
        parse_jira_delivery({"X-Hub-Signature": signature(SECRET, body)}, body, {}, SECRET)
