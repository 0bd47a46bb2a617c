"""The webhooks page: admins list, add, test and remove the workspace's endpoints and read the
recent deliveries; an endpoint's secret is shown once, when it is added."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sealing import FernetSeal, new_key
from adapters.webhooks.sender import HttpxWebhookSender
from bot.core import Core
from bot.identity import Platform, Workspace
from bot.webhook_events import EventType
from tests.core import core_on
from tests.dashboard.conftest import Browser, record, sign_in
from tests.fakes import ACME, BOB, FakeChat, FixedClock
from tests.webhooks.receiver import Receiver

GLOBEX = Workspace(Platform.DISCORD, "G-GLOBEX")
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@pytest.fixture
async def receiver(clock: FixedClock) -> AsyncIterator[Receiver]:
    async with Receiver(now=clock.now) as receiver:
        yield receiver


@pytest.fixture
def sealed() -> bool:
    """Whether the bot has a seal key (FEEDBACKBOT_SEAL_KEY); a test parametrizes it off."""
    return True


@pytest.fixture
async def core(engine: AsyncEngine, clock: FixedClock, sealed: bool) -> AsyncIterator[Core]:
    seal = FernetSeal(new_key()) if sealed else None
    async with httpx.AsyncClient() as client:
        yield core_on(engine, clock, seal=seal, webhook_sender=HttpxWebhookSender(client))


async def added(browser: Browser, url: str, *events: EventType) -> tuple[str, str, str]:
    """Add an endpoint through the form, every event ticked unless ``events`` are given; its
    number, the secret the answer shows, and the answer."""
    chosen = events or tuple(e for e in EventType if e is not EventType.TEST)
    form = [("url", url), *(("events", e.value) for e in chosen)]
    assert browser.csrf is not None
    async with browser.client.post(
        "/webhooks", data=[*form, ("csrf", browser.csrf)], allow_redirects=False
    ) as response:
        text = await response.text()
    assert response.status == 200, text
    number = re.search(r"Endpoint #(\d+) is added", text)
    secret = SECRET.search(text)
    assert number is not None and secret is not None, text
    return number[1], secret[0], text


async def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(
    browser: Browser, core: Core, receiver: Receiver
) -> None:
    await sign_in(browser, core)
    number, secret, answer = await added(
        browser, receiver.url(), EventType.CREATED, EventType.STATUS_CHANGED
    )
    assert "Store it now" in answer and "never shows it again" in answer
    [endpoint] = await core.webhooks.endpoints(ACME)
    assert str(endpoint.id) == number
    assert endpoint.events == {EventType.CREATED, EventType.STATUS_CHANGED}
    listed = await browser.get("/webhooks")
    assert listed.status == 200
    assert receiver.url() in listed.text
    assert "item.created, item.status_changed" in listed.text
    assert secret not in listed.text and "whsec_" not in listed.text


async def test_send_test_reaches_the_receiver_signed_and_shows_the_status_code(
    browser: Browser, core: Core, receiver: Receiver
) -> None:
    await sign_in(browser, core)
    number, secret, _ = await added(browser, receiver.url())
    receiver.trust(secret)
    sent = await browser.post(f"/webhooks/{number}/test")
    assert sent.status == 303
    page = await browser.get(sent.headers["Location"])
    assert f"A test event was sent to endpoint #{number}: it answered <strong>204</strong>" in (
        page.text
    )
    [payload] = receiver.payloads  # verified with the secret the page showed
    assert payload["type"] == "webhook.test"
    deliveries = page.text.split("Recent deliveries", 1)[1]
    assert "webhook.test" in deliveries and ">204<" in deliveries and "delivered" in deliveries


async def test_a_test_to_an_endpoint_that_is_down_says_it_got_no_answer(
    browser: Browser, core: Core, receiver: Receiver
) -> None:
    await sign_in(browser, core)
    number, _, _ = await added(browser, receiver.url())
    await receiver.go_down()
    sent = await browser.post(f"/webhooks/{number}/test")
    page = await browser.get(sent.headers["Location"])
    assert f"A test event was sent to endpoint #{number}: no answer" in page.text


async def test_an_admin_removes_an_endpoint(
    browser: Browser, core: Core, receiver: Receiver
) -> None:
    await sign_in(browser, core)
    number, _, _ = await added(browser, receiver.url())
    removed = await browser.post(f"/webhooks/{number}/remove")
    assert removed.status == 303
    assert await core.webhooks.endpoints(ACME) == []
    page = await browser.get(removed.headers["Location"])
    assert f"Endpoint #{number} is removed" in page.text
    assert "No endpoints in this workspace yet." in page.text


async def test_another_workspaces_endpoint_is_not_found_and_stays(
    browser: Browser, core: Core, receiver: Receiver
) -> None:
    theirs, _ = await core.webhooks.add(GLOBEX, receiver.url("globex"))
    await sign_in(browser, core)
    page = await browser.get("/webhooks")
    assert receiver.url("globex") not in page.text
    for action in ("test", "remove"):
        page = await browser.post(f"/webhooks/{theirs.id}/{action}")
        assert page.status == 404, action
    assert [e.id for e in await core.webhooks.endpoints(GLOBEX)] == [theirs.id]
    assert receiver.requests == []


async def test_a_non_admin_gets_no_webhooks_page_and_changes_nothing(
    browser: Browser, core: Core, receiver: Receiver
) -> None:
    ours, _ = await core.webhooks.add(ACME, receiver.url())
    backlog = await sign_in(browser, core, person=BOB, admin=False)
    assert 'href="/webhooks"' not in backlog.text
    page = await browser.get("/webhooks")
    assert page.status == 403
    assert receiver.url() not in page.text
    for path in ("/webhooks", f"/webhooks/{ours.id}/test", f"/webhooks/{ours.id}/remove"):
        refused = await browser.post(path, {"url": "https://example.test/hook"})
        assert refused.status == 403, path
        assert "Nothing was changed" in refused.text
    assert [e.id for e in await core.webhooks.endpoints(ACME)] == [ours.id]
    assert receiver.requests == []


async def test_adding_an_endpoint_needs_the_csrf_token(browser: Browser, core: Core) -> None:
    await sign_in(browser, core)
    page = await browser.post(
        "/webhooks", {"url": "https://example.test/hook", "events": "item.created"}, csrf=False
    )
    assert page.status == 403
    assert "whsec_" not in page.text
    assert await core.webhooks.endpoints(ACME) == []


async def test_a_url_that_is_not_http_is_refused_and_kept_in_the_form(
    browser: Browser, core: Core
) -> None:
    await sign_in(browser, core)
    page = await browser.post("/webhooks", {"url": "ftp://example.test/x", "events": "item.voted"})
    assert page.status == 400
    assert "Nothing was added:" in page.text and "not an http(s) URL" in page.text
    assert 'value="ftp://example.test/x"' in page.text
    assert "whsec_" not in page.text
    page = await browser.post("/webhooks", {"url": "https://example.test/x"})
    assert page.status == 400
    assert "Choose at least one event" in page.text
    assert await core.webhooks.endpoints(ACME) == []


async def test_a_url_with_markup_is_shown_as_text(browser: Browser, core: Core) -> None:
    await sign_in(browser, core)
    url = "https://example.test/<script>alert(1)</script>"
    await added(browser, url)
    page = await browser.get("/webhooks")
    assert "<script>" not in page.text
    assert "https://example.test/&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


@pytest.mark.parametrize("sealed", [False])
async def test_without_a_seal_key_adding_is_refused_with_how_to_fix_it(
    browser: Browser, core: Core
) -> None:
    await sign_in(browser, core)
    page = await browser.post(
        "/webhooks", {"url": "https://example.test/x", "events": "item.voted"}
    )
    assert page.status == 400
    assert "Nothing was added: FEEDBACKBOT_SEAL_KEY:" in page.text
    assert "feedbackbot seal-key" in page.text
    assert await core.webhooks.endpoints(ACME) == []


async def test_the_deliveries_of_item_events_are_listed_with_their_outcome(
    browser: Browser, core: Core, chat: FakeChat, receiver: Receiver
) -> None:
    await sign_in(browser, core)
    _, secret, _ = await added(browser, receiver.url(), EventType.CREATED)
    receiver.trust(secret)
    await record(core, chat, "SSO")
    assert core.dispatch is not None
    await core.dispatch.run_due()
    receiver.status = 500
    await record(core, chat, "Dark theme")
    await core.dispatch.run_due()
    page = await browser.get("/webhooks")
    rows = page.text.split("Recent deliveries", 1)[1].split("<tr>")[2:]
    assert len(rows) == 2
    # Newest first: #2 failed and is retried later, #1 was delivered.
    assert 'href="/items/2"' in rows[0] and ">500<" in rows[0] and "failed, will retry" in rows[0]
    assert 'href="/items/1"' in rows[1] and ">204<" in rows[1] and "delivered" in rows[1]
    assert all("item.created" in row for row in rows)
    # The endpoint had a success, and fails since the 500.
    endpoints = page.text.split('<h2 id="endpoints-h">', 1)[1].split("</table>", 1)[0]
    assert "never" not in endpoints and "sla-breached" in endpoints
