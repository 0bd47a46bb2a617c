"""Tests of the Slack test harness itself: the fake Web API and the signed sender."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

SECRET = "s3cr3t"
NOW = 1_700_000_000


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.api_url)


async def test_auth_test_answers_the_team_of_the_token(fake: FakeSlack) -> None:
    fake.add_token("xoxb-other", "T2")
    default = await AsyncWebClient(token="xoxb-test", base_url=fake.api_url).auth_test()
    other = await AsyncWebClient(token="xoxb-other", base_url=fake.api_url).auth_test()
    assert (default["team_id"], default["user_id"], default["bot_id"]) == ("T1", "UBOT", "BBOT")
    assert other["team_id"] == "T2"
    assert [c.token for c in fake.calls_to("auth.test")] == ["xoxb-test", "xoxb-other"]


async def test_post_message_json_and_form(fake: FakeSlack, client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    first = await client.chat_postMessage(channel="C1", text="Thanks!", blocks=blocks)
    second = await client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "again", "blocks": json.dumps(blocks)}
    )
    assert first["channel"] == "C1" and first["message"]["ts"] == first["ts"]
    assert float(second["ts"]) > float(first["ts"])
    json_call, form_call = fake.calls_to("chat.postMessage")
    assert json_call.headers["content-type"].startswith("application/json")
    assert form_call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert json_call.args["blocks"] == blocks
    assert isinstance(form_call.args["blocks"], str)
    assert form_call.json_arg("blocks") == blocks == json_call.json_arg("blocks")
    assert fake.posted_texts() == ["Thanks!", "again"] == fake.posted_texts("C1")
    assert fake.posted_texts("C2") == []


async def test_users_info(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.add_user("U1", "alice", "T1", real_name="Alice Liddell", display_name="ali")
    found = await client.users_info(user="U1")
    assert found["user"]["profile"] == {"display_name": "ali", "real_name": "Alice Liddell"}
    assert found["user"]["team_id"] == "T1"
    with pytest.raises(SlackApiError) as missing:
        await client.users_info(user="U404")
    assert missing.value.response["error"] == "user_not_found"
    assert [c.answered_ok for c in fake.calls_to("users.info")] == [True, False]


async def test_users_info_of_a_grid_user_names_the_enterprise(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_user("W1", "pia", "T-PARTNER", enterprise_id="E-PARTNER", is_admin=True)
    found = (await client.users_info(user="W1"))["user"]
    assert (found["team_id"], found["is_admin"]) == ("T-PARTNER", True)
    assert found["enterprise_user"]["enterprise_id"] == "E-PARTNER"


async def test_auth_test_of_an_org_wide_token_names_the_enterprise_and_no_team(
    fake: FakeSlack,
) -> None:
    fake.add_token("xoxb-grid", None, "E-ACME")
    answer = await AsyncWebClient(token="xoxb-grid", base_url=fake.api_url).auth_test()
    assert (answer["team_id"], answer["enterprise_id"]) == (None, "E-ACME")
    assert answer["is_enterprise_install"] is True


async def test_history_and_replies_follow_threads(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.add_message("C1", "100.000001", "U1", "parent")
    fake.add_message("C1", "100.000002", "U2", "reply one", thread_ts="100.000001")
    fake.add_message("C1", "100.000003", "U3", "other top-level")
    fake.add_message("C1", "100.000004", "U1", "reply two", thread_ts="100.000001")

    history = await client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["other top-level", "parent"]
    assert history["messages"][1]["reply_count"] == 2

    by_reply = await client.conversations_replies(channel="C1", ts="100.000002")
    assert [m["text"] for m in by_reply["messages"]] == ["parent", "reply one", "reply two"]

    one = await client.conversations_history(
        channel="C1", latest="100.000003", inclusive=True, limit=1
    )
    assert [m["text"] for m in one["messages"]] == ["other top-level"] and one["has_more"]
    before = await client.conversations_history(channel="C1", latest="100.000003")
    assert [m["text"] for m in before["messages"]] == ["parent"]

    with pytest.raises(SlackApiError) as missing:
        await client.conversations_history(channel="C404")
    assert missing.value.response["error"] == "channel_not_found"


async def test_posted_replies_show_in_the_thread(fake: FakeSlack, client: AsyncWebClient) -> None:
    parent = await client.chat_postMessage(channel="C1", text="roadmap")
    await client.chat_postMessage(channel="C1", text="detail", thread_ts=parent["ts"])
    replies = await client.conversations_replies(channel="C1", ts=parent["ts"])
    assert [(m["text"], m["user"]) for m in replies["messages"]] == [
        ("roadmap", "UBOT"),
        ("detail", "UBOT"),
    ]


async def test_fail_only_matching_calls(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail("chat.postMessage", "not_in_channel", when=lambda args: args["channel"] == "C2")
    await client.chat_postMessage(channel="C1", text="fine")
    with pytest.raises(SlackApiError) as failed:
        await client.chat_postMessage(channel="C2", text="nope")
    assert failed.value.response.status_code == 200
    assert failed.value.response["error"] == "not_in_channel"
    await client.chat_postMessage(channel="C2", text="now fine")
    assert fake.posted_texts() == ["fine", "now fine"]
    assert len(fake.calls_to("chat.postMessage")) == 3


async def test_rate_limit_then_retry_succeeds(fake: FakeSlack) -> None:
    fake.rate_limit("chat.postMessage", retry_after=0)
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=fake.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    answer = await client.chat_postMessage(channel="C1", text="hello")
    assert answer["ok"]
    limited, ok = fake.calls_to("chat.postMessage")
    assert (limited.answered_ok, ok.answered_ok) == (False, True)
    assert fake.posted_texts() == ["hello"]


async def test_rate_limit_without_retry_raises(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel="C1", text="hello")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["retry-after"] in ("7", ["7"])


async def test_wait_for_and_response_urls(fake: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(AssertionError, match=r"reactions\.add"):
        await fake.wait_for("reactions.add", timeout=0.05)
    await client.reactions_add(channel="C1", timestamp="1.0", name="eyes")
    assert len(await fake.wait_for("reactions.add")) == 1

    async with httpx.AsyncClient() as http:
        answer = await http.post(fake.response_url("r9"), json={"text": "got it"})
    assert answer.headers["content-type"] == "application/json"
    assert await fake.wait_for_responses(1) == [("r9", {"text": "got it"})]


@pytest.fixture
async def capture() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append({"body": await request.read(), "headers": dict(request.headers)})
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", seen
    finally:
        await runner.cleanup()


async def test_sender_signs_as_slack_does(
    capture: tuple[str, list[dict[str, Any]]], fake: FakeSlack
) -> None:
    base_url, seen = capture
    sender = SlackSender(base_url, SECRET, now=lambda: NOW)
    verifier = SignatureVerifier(SECRET, clock=_Clock())

    await sender.command(
        "/feedback", "more dark mode & <!channel>", response_url=fake.response_url()
    )
    await sender.event({"type": "app_mention", "user": "U1", "text": "hi"}, retry_num=1)
    await sender.reaction(True, ts="1.0")
    await sender.view_submission(callback_id="cb", private_metadata="{}", values={})
    await sender.raw(b"token=x", "application/x-www-form-urlencoded", signature="v0=bad")
    await sender.raw(b"token=x", "application/x-www-form-urlencoded", timestamp=NOW - 600)

    valid = [
        verifier.is_valid(
            body=s["body"],
            timestamp=s["headers"]["X-Slack-Request-Timestamp"],
            signature=s["headers"]["X-Slack-Signature"],
        )
        for s in seen
    ]
    assert valid == [True, True, True, True, False, False]

    command = {k: v[0] for k, v in parse_qs(seen[0]["body"].decode()).items()}
    assert command["text"] == "more dark mode & <!channel>"
    assert command["response_url"] == fake.response_url()
    event = json.loads(seen[1]["body"])
    assert event["type"] == "event_callback" and event["event"]["type"] == "app_mention"
    assert seen[1]["headers"]["X-Slack-Retry-Num"] == "1"
    assert json.loads(seen[2]["body"])["event"]["item"] == {
        "type": "message",
        "channel": "C1",
        "ts": "1.0",
    }
    view = json.loads(parse_qs(seen[3]["body"].decode())["payload"][0])
    assert view["type"] == "view_submission" and view["view"]["callback_id"] == "cb"


class _Clock(Clock):
    def now(self) -> float:
        return float(NOW)
