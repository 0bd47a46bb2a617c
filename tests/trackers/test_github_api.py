"""GitHubTracker against the fake GitHub REST API: what it sends, what it reads, and every fault
told as one line (``TrackerFailed``)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.trackers.github import GitHubTracker
from bot.errors import TrackerFailed
from bot.trackers import IssueDraft
from tests.trackers.conftest import state_refused
from tests.trackers.fake_github import FakeGitHub

TOKEN = "ghp_test"
DRAFT = IssueDraft("#3 SSO for the admin console", "> SSO for the admin console\n\nVotes: 4")


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(token=TOKEN) as fake:
        fake.add_issue("acme/widgets", 12, "SSO for the admin console")
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield client


@pytest.fixture
def tracker(fake: FakeGitHub, client: httpx.AsyncClient) -> GitHubTracker:
    return GitHubTracker(client, TOKEN, fake.api_url, web_url="https://github.com")


async def test_an_issue_is_read_with_githubs_headers(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    ref = tracker.parse("acme/widgets#12")
    assert ref is not None
    state = await tracker.state(ref)
    assert (state.open, state.state, state.reason, state.title) == (
        True,
        "open",
        None,
        "SSO for the admin console",
    )
    (call,) = fake.calls
    assert (call.method, call.path) == ("GET", "/repos/acme/widgets/issues/12")
    assert call.headers["accept"] == "application/vnd.github+json"
    assert call.headers["x-github-api-version"] == "2022-11-28"
    assert call.headers["authorization"] == f"Bearer {TOKEN}"


async def test_a_closed_issue_reads_with_its_reason(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    fake.close("acme/widgets", 12, "not_planned")
    ref = tracker.parse("https://github.com/acme/widgets/issues/12")
    assert ref is not None
    state = await tracker.state(ref)
    assert (state.open, state.seen) == (False, "closed:not_planned")


async def test_an_issue_is_created_with_the_drafts_title_and_body(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    ref = await tracker.create("acme/widgets", DRAFT)
    assert (ref.tracker, ref.key, ref.url) == (
        "github",
        "acme/widgets#13",
        "https://github.com/acme/widgets/issues/13",
    )
    (call,) = fake.calls_to("POST", "/repos/acme/widgets/issues")
    assert call.json == {"title": DRAFT.title, "body": DRAFT.body}
    assert fake.issue("acme/widgets", 13).body == DRAFT.body


async def test_github_enterprise_server_is_reached_under_api_v3(
    client: httpx.AsyncClient,
) -> None:
    async with FakeGitHub(token=TOKEN, prefix="/api/v3", web_url="https://ghe.example.com") as ghe:
        ghe.add_issue("platform/infra", 7, "Faster builds")
        tracker = GitHubTracker(client, TOKEN, ghe.api_url, web_url="https://ghe.example.com")
        ref = tracker.parse("https://ghe.example.com/platform/infra/issues/7")
        assert ref is not None
        assert (await tracker.state(ref)).title == "Faster builds"
        assert ghe.calls[0].path == "/api/v3/repos/platform/infra/issues/7"
        made = await tracker.create("platform/infra", DRAFT)
        assert made.url == "https://ghe.example.com/platform/infra/issues/8"
        assert await tracker.whoami() == "feedbackbot-ci"


async def fails(tracker: GitHubTracker, repo: str = "acme/widgets#12") -> str:
    return await state_refused(tracker, repo)


async def test_a_refused_token_names_the_variable(
    fake: FakeGitHub, client: httpx.AsyncClient
) -> None:
    tracker = GitHubTracker(client, "ghp_wrong", fake.api_url)
    assert "GitHub refused GITHUB_TOKEN (401" in await fails(tracker)


async def test_a_missing_issue_is_told(tracker: GitHubTracker) -> None:
    said = await fails(tracker, "acme/widgets#99")
    assert said == "GitHub has no issue acme/widgets#99, or GITHUB_TOKEN cannot see it (404)"


async def test_creating_in_a_repository_it_cannot_see_is_told(tracker: GitHubTracker) -> None:
    with pytest.raises(TrackerFailed, match="no repository acme/secret"):
        await tracker.create("acme/secret", DRAFT)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            403,
            {"message": "Resource not accessible by personal access token"},
            "refused GITHUB_TOKEN access to issue acme/widgets#12 (403: Resource",
        ),
        (410, {"message": "Issues are disabled for this repo"}, "is gone (410"),
        (
            422,
            {"message": "Validation Failed"},
            "refused the request for issue acme/widgets#12 (422: Validation Failed)",
        ),
        (502, {"message": "Server Error"}, "GitHub answered HTTP 502: Server Error"),
    ],
)
async def test_each_refusal_is_one_line(
    fake: FakeGitHub, tracker: GitHubTracker, status: int, body: dict[str, str], expected: str
) -> None:
    fake.fail(status, body=body)
    assert expected in await fails(tracker)


async def test_a_secondary_rate_limit_says_when_to_try_again(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    fake.fail(403, retry_after=60, body={"message": "You have exceeded a secondary rate limit"})
    assert await fails(tracker) == ("GitHub is rate limiting the bot (HTTP 403); try again in 60 s")


async def test_a_429_says_when_to_try_again(fake: FakeGitHub, tracker: GitHubTracker) -> None:
    fake.fail(429, retry_after=7)
    assert "try again in 7 s" in await fails(tracker)


async def test_an_exhausted_primary_rate_limit_says_when_it_resets(
    fake: FakeGitHub, tracker: GitHubTracker
) -> None:
    reset = int(time.time()) + 120
    fake.fail(
        403,
        body={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    said = await fails(tracker)
    assert said.startswith("GitHub is rate limiting the bot (HTTP 403); try again in ")
    assert 100 <= int(said.rsplit(" ", 2)[1]) <= 121


async def test_a_dropped_connection_is_told(fake: FakeGitHub, tracker: GitHubTracker) -> None:
    fake.drop()
    said = await fails(tracker)
    assert said.startswith("GitHub could not be reached (") and said.endswith("try again later")


async def test_a_github_that_does_not_answer_in_time_is_told(fake: FakeGitHub) -> None:
    fake.hold()
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as impatient:
        tracker = GitHubTracker(impatient, TOKEN, fake.api_url)
        assert await fails(tracker) == "GitHub did not answer in time; try again later"
    fake.release()


async def test_nothing_listening_is_told(client: httpx.AsyncClient) -> None:
    async with FakeGitHub() as gone:
        url = gone.api_url
    tracker = GitHubTracker(client, TOKEN, url)
    assert (await fails(tracker)).startswith("GitHub could not be reached")


async def test_a_body_that_is_not_githubs_is_told(fake: FakeGitHub, tracker: GitHubTracker) -> None:
    fake.fail(200, body={"unexpected": True})
    assert "a body the bot cannot read" in await fails(tracker)
