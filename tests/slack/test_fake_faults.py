"""The fake Slack's faults: each on for a window the test opens and closes, without sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.slack.fake_slack import FakeSlack


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    session: aiohttp.ClientSession, fake: FakeSlack, method: str, **args: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with session.post(fake.api_url + method, json=args) as response:
        return response.status, await response.json(), dict(response.headers)


async def test_a_rate_limited_window_answers_429_with_retry_after_until_it_ends(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    fault = fake.rate_limited(retry_after=7)
    status, body, headers = await post(session, fake, "chat.postMessage", channel="C1", text="a")
    assert (status, body["error"], headers["Retry-After"]) == (429, "ratelimited", "7")
    fault.end()
    status, body, _ = await post(session, fake, "chat.postMessage", channel="C1", text="b")
    assert status == 200 and body["ok"]
    assert fake.posted_texts() == ["b"]


async def test_a_fault_on_one_method_leaves_the_others_alone(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    with fake.server_error("users.info"):
        async with session.post(fake.api_url + "users.info", data={"user": "U1"}) as response:
            assert response.status == 500
        status, body, _ = await post(session, fake, "chat.postMessage", channel="C1", text="a")
    assert status == 200 and body["ok"]


async def test_a_slow_window_holds_requests_until_released(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    fault = fake.slow("chat.postMessage")
    posting = asyncio.create_task(
        post(session, fake, "chat.postMessage", channel="C1", text="late")
    )
    await fault.hit()
    assert not posting.done() and fake.posted_texts() == []
    fault.release()
    status, body, _ = await posting
    assert status == 200 and body["ok"] and fake.posted_texts() == ["late"]


async def test_a_slow_handled_post_is_stored_before_its_answer_comes(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    fault = fake.slow("chat.postMessage", handled=True)
    posting = asyncio.create_task(post(session, fake, "chat.postMessage", channel="C1", text="x"))
    await fault.hit()
    assert [m["text"] for m in fake.messages("C1")] == ["x"]
    fault.end()
    await posting


async def test_a_dropped_connection_raises_a_client_error_and_posts_nothing(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    with fake.dropped(), pytest.raises(aiohttp.ClientError):
        await post(session, fake, "chat.postMessage", channel="C1", text="lost")
    assert fake.messages("C1") == []


async def test_a_handled_then_dropped_post_is_in_the_channel_though_its_answer_was_lost(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    with fake.dropped("chat.postMessage", handled=True), pytest.raises(aiohttp.ClientError):
        await post(session, fake, "chat.postMessage", channel="C1", text="posted")
    assert fake.posted_texts("C1") == ["posted"]


async def test_refused_connections_fail_to_connect_until_accepted_again_on_the_same_url(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    url = fake.api_url
    await post(session, fake, "auth.test")  # a kept-alive connection is closed too
    await fake.refuse_connections()
    with pytest.raises(aiohttp.ClientConnectionError):
        await post(session, fake, "auth.test")
    await fake.accept_connections()
    status, body, _ = await post(session, fake, "auth.test")
    assert status == 200 and body["ok"] and fake.api_url == url


async def test_metadata_is_kept_and_returned_only_when_asked_for(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    metadata = {"event_type": "feedbackbot_post", "event_payload": {"outbox_id": 7}}
    _, posted, _ = await post(
        session, fake, "chat.postMessage", channel="C1", text="hi", metadata=metadata
    )
    assert posted["message"]["metadata"] == metadata
    _, plain, _ = await post(session, fake, "conversations.history", channel="C1")
    assert "metadata" not in plain["messages"][0]
    _, full, _ = await post(
        session, fake, "conversations.history", channel="C1", include_all_metadata=True
    )
    assert full["messages"][0]["metadata"] == metadata
    _, thread, _ = await post(
        session,
        fake,
        "conversations.replies",
        channel="C1",
        ts=posted["ts"],
        include_all_metadata="true",
    )
    assert thread["messages"][0]["metadata"] == metadata


async def test_form_encoded_metadata_is_kept_as_json(
    fake: FakeSlack, session: aiohttp.ClientSession
) -> None:
    form = {"channel": "C1", "text": "hi", "metadata": '{"event_type": "e", "event_payload": {}}'}
    async with session.post(fake.api_url + "chat.postMessage", data=form) as response:
        assert (await response.json())["ok"]
    assert fake.messages("C1")[0]["metadata"] == {"event_type": "e", "event_payload": {}}
