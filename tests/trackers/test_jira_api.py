"""JiraTracker against the fake Jira REST API v2: basic auth (Cloud) or a bearer token (Data
Center), what it sends and reads, and every fault told as one line (``TrackerFailed``)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.trackers.jira import JiraTracker
from bot.errors import TrackerFailed
from bot.trackers import IssueDraft
from tests.trackers.conftest import state_refused
from tests.trackers.fake_jira import FakeJira

USER, TOKEN = "bot@acme.test", "atl-token"
DRAFT = IssueDraft(
    "#3 SSO for the admin console",
    "> SSO for the admin console\n\n[#3 on the dashboard](https://bot.example.com/items/3)",
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeJira]:
    async with FakeJira(user=USER, api_token=TOKEN) as fake:
        fake.add_issue("PROJ-12", "SSO for the admin console", status="In Progress")
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield client


@pytest.fixture
def tracker(fake: FakeJira, client: httpx.AsyncClient) -> JiraTracker:
    return JiraTracker(client, fake.base_url, USER, TOKEN)


async def state_of(tracker: JiraTracker, key: str = "PROJ-12") -> str:
    ref = tracker.parse(key)
    assert ref is not None
    return (await tracker.state(ref)).seen


async def test_an_issue_is_read_with_basic_auth_and_only_the_fields_needed(
    fake: FakeJira, tracker: JiraTracker
) -> None:
    ref = tracker.parse("PROJ-12")
    assert ref is not None
    state = await tracker.state(ref)
    assert (state.open, state.state, state.category, state.reason) == (
        True,
        "In Progress",
        "indeterminate",
        None,
    )
    (call,) = fake.calls
    assert (call.method, call.path) == ("GET", "/rest/api/2/issue/PROJ-12")
    assert call.query == {"fields": "status,resolution,summary"}
    basic = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    assert call.headers["authorization"] == f"Basic {basic}"


async def test_a_done_issue_reads_with_its_resolution(fake: FakeJira, tracker: JiraTracker) -> None:
    fake.transition("PROJ-12", "Done", resolution="Won't Do")
    assert await state_of(tracker) == "Done:Won't Do"


async def test_data_center_signs_in_with_a_bearer_token(client: httpx.AsyncClient) -> None:
    async with FakeJira(bearer="pat-123") as fake:
        fake.add_issue("OPS-1", "Faster builds")
        tracker = JiraTracker(client, fake.base_url, bearer="pat-123")
        assert await state_of(tracker, "OPS-1") == "To Do"
        assert fake.calls[0].headers["authorization"] == "Bearer pat-123"
        assert await tracker.whoami() == "Feedback Bot"


async def test_an_issue_is_created_as_a_task_with_wiki_markup(
    fake: FakeJira, tracker: JiraTracker
) -> None:
    ref = await tracker.create("PROJ", DRAFT)
    assert (ref.key, ref.url) == ("PROJ-2", f"{fake.base_url}/browse/PROJ-2")
    (call,) = fake.calls_to("POST", "/rest/api/2/issue")
    assert call.json == {
        "fields": {
            "project": {"key": "PROJ"},
            "summary": DRAFT.title,
            "description": (
                "{quote}\nSSO for the admin console\n{quote}\n\n"
                "[#3 on the dashboard|https://bot.example.com/items/3]"
            ),
            "issuetype": {"name": "Task"},
        }
    }


async def test_the_issue_type_is_configurable(fake: FakeJira, client: httpx.AsyncClient) -> None:
    tracker = JiraTracker(client, fake.base_url, USER, TOKEN, issue_type="Story")
    await tracker.create("PROJ", DRAFT)
    assert fake.issues["PROJ-2"].issue_type == "Story"


async def test_an_unknown_issue_type_is_told_with_the_variable(
    fake: FakeJira, client: httpx.AsyncClient
) -> None:
    tracker = JiraTracker(client, fake.base_url, USER, TOKEN, issue_type="Epic Saga")
    with pytest.raises(TrackerFailed) as failed:
        await tracker.create("PROJ", DRAFT)
    assert str(failed.value) == (
        "Jira refused the request for project PROJ (400: issuetype: Specify a valid issue "
        "type); check JIRA_ISSUE_TYPE"
    )


async def fails(tracker: JiraTracker, key: str = "PROJ-12") -> str:
    return await state_refused(tracker, key)


async def test_refused_credentials_name_the_variables(
    fake: FakeJira, client: httpx.AsyncClient
) -> None:
    tracker = JiraTracker(client, fake.base_url, USER, "wrong")
    assert await fails(tracker) == (
        "Jira refused the credentials (401); check JIRA_USER and JIRA_API_TOKEN"
    )
    bearer = JiraTracker(client, fake.base_url, bearer="wrong")
    assert await fails(bearer) == "Jira refused the credentials (401); check JIRA_BEARER_TOKEN"


async def test_a_missing_issue_is_told(tracker: JiraTracker) -> None:
    assert await fails(tracker, "PROJ-99") == (
        "Jira has no issue PROJ-99, or the account cannot see it (404)"
    )


async def test_a_forbidden_issue_is_told(fake: FakeJira, tracker: JiraTracker) -> None:
    fake.fail(403, body={"errorMessages": ["You do not have permission"], "errors": {}})
    assert (
        "refused JIRA_USER and JIRA_API_TOKEN access to issue PROJ-12 (403: You do not"
        in await fails(tracker)
    )


async def test_a_rate_limit_says_when_to_try_again(fake: FakeJira, tracker: JiraTracker) -> None:
    fake.fail(429, retry_after=12)
    assert await fails(tracker) == "Jira is rate limiting the bot (HTTP 429); try again in 12 s"


async def test_a_server_error_is_told(fake: FakeJira, tracker: JiraTracker) -> None:
    fake.fail(503, body={"errorMessages": ["Service Unavailable"], "errors": {}})
    assert await fails(tracker) == "Jira answered HTTP 503: Service Unavailable"


async def test_a_dropped_connection_is_told(fake: FakeJira, tracker: JiraTracker) -> None:
    fake.drop()
    assert (await fails(tracker)).startswith("Jira could not be reached (")


async def test_a_jira_that_does_not_answer_in_time_is_told(fake: FakeJira) -> None:
    fake.hold()
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        tracker = JiraTracker(impatient, fake.base_url, USER, TOKEN)
        assert await fails(tracker) == "Jira did not answer in time; try again later"
    fake.release()


async def test_a_login_page_instead_of_json_is_told(fake: FakeJira, tracker: JiraTracker) -> None:
    fake.fail(200, body={"html": "<title>Log in</title>"})
    assert "a body the bot cannot read; check JIRA_URL" in await fails(tracker)
