"""The lean Web API call that posts every thank-you, against the fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.web_api import RATE_LIMIT_RETRIES, WebApiError, call
from tests.fakes import Waits
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
async def client(fake: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    async with aiohttp.ClientSession() as session:
        yield AsyncWebClient(token="xoxb-test", base_url=fake.api_url, session=session)


async def test_a_post_returns_slacks_answer(fake: FakeSlack, client: AsyncWebClient) -> None:
    answer = await call(client, "chat.postMessage", {"channel": "C1", "text": "hello"})
    assert answer["ok"] and answer["channel"] == "C1" and answer["ts"]
    assert fake.posted_texts("C1") == ["hello"]


async def test_a_rate_limited_post_waits_retry_after_and_is_posted_once(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=7, times=2)
    waits = Waits()
    await call(client, "chat.postMessage", {"channel": "C1", "text": "hello"}, sleep=waits)
    assert waits.seconds == [7.0, 7.0]
    assert fake.posted_texts() == ["hello"]


async def test_a_post_still_rate_limited_after_the_retries_fails_as_ratelimited(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=1, times=RATE_LIMIT_RETRIES + 1)
    with pytest.raises(WebApiError) as limited:
        await call(client, "chat.postMessage", {"channel": "C1", "text": "x"}, sleep=Waits())
    assert limited.value.code == "ratelimited"
    assert fake.posted_texts() == []


async def test_slacks_error_code_is_kept(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail("chat.postMessage", "not_in_channel")
    with pytest.raises(WebApiError) as failed:
        await call(client, "chat.postMessage", {"channel": "C1", "text": "x"})
    assert failed.value.code == "not_in_channel"


async def test_a_client_without_a_session_opens_one_for_the_call(fake: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
    await call(client, "chat.postMessage", {"channel": "C1", "text": "alone"})
    assert fake.posted_texts() == ["alone"]


async def test_an_answer_that_is_not_slacks_json_is_an_http_error() -> None:
    async def gateway_error(_: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>bad gateway</html>")

    app = web.Application()
    app.router.add_post("/api/chat.postMessage", gateway_error)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        port = runner.addresses[0][1]
        client = AsyncWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/")
        with pytest.raises(WebApiError) as failed:
            await call(client, "chat.postMessage", {"channel": "C1", "text": "x"})
        assert failed.value.code == "http_502"
    finally:
        await runner.cleanup()
