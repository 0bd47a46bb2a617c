"""The dashboard served by aiohttp's test server on the real core and database, and a small
browser for it: it keeps the cookie, and the CSRF token of the last page it read, as a person's
browser would."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.dashboard.routes import dashboard_app
from bot.core import Core
from bot.identity import Person, Workspace
from bot.items import Item, ItemKind
from bot.service import Recorded
from storage.tables import outbox, workspaces
from tests.core import core_on
from tests.fakes import ACME, START, FakeChat, FixedClock, submission

MORGAN = Person("U-MORGAN", "Morgan")
Client = TestClient[web.Request, web.Application]
CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class Page:
    status: int
    text: str
    headers: dict[str, str]

    @property
    def csrf(self) -> str | None:
        found = CSRF.search(self.text)
        return unescape(found.group(1)) if found else None


class Browser:
    """One person's browser: its own cookies, the CSRF token of the last page it read."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.csrf: str | None = None

    async def get(self, path: str) -> Page:
        async with self.client.get(path, allow_redirects=False) as response:
            page = Page(response.status, await response.text(), dict(response.headers))
        self.csrf = page.csrf or self.csrf
        return page

    async def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Page:
        form = dict(data or {})
        if csrf and self.csrf is not None:
            form.setdefault("csrf", self.csrf)
        async with self.client.post(
            path, data=form, allow_redirects=False, headers=headers
        ) as response:
            page = Page(response.status, await response.text(), dict(response.headers))
        self.csrf = page.csrf or self.csrf
        return page

    def cookie(self) -> str | None:
        for cookie in self.client.session.cookie_jar:
            if cookie.key == "feedbackbot_session":
                return cookie.value
        return None


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def core(engine: AsyncEngine, clock: FixedClock) -> Core:
    return core_on(engine, clock)


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()


OpenBrowser = Callable[[], Awaitable[Browser]]


@pytest.fixture
async def open_browser(core: Core) -> AsyncIterator[OpenBrowser]:
    """A new browser (its own cookies) on the one dashboard served for the test."""
    server = TestServer(dashboard_app(core, secure=False))
    clients: list[Client] = []

    async def opened() -> Browser:
        client: Client = TestClient(server)
        await client.start_server()
        clients.append(client)
        return Browser(client)

    try:
        yield opened
    finally:
        for client in clients:
            await client.close()
        await server.close()


@pytest.fixture
async def browser(open_browser: OpenBrowser) -> Browser:
    return await open_browser()


async def sign_in(
    browser: Browser,
    core: Core,
    *,
    workspace: Workspace = ACME,
    person: Person = MORGAN,
    admin: bool = True,
) -> Page:
    """Sign in through a link from chat, as the person would: open it, press the button."""
    token = await core.access.link(workspace, person, admin=admin)
    await browser.get(f"/signin/{token}")
    signed = await browser.post(f"/signin/{token}", csrf=False)
    assert signed.status == 303, signed.text
    return await browser.get("/backlog")


async def record(
    core: Core, chat: FakeChat, text: str, *, kind: ItemKind = ItemKind.REQUEST, **given: Any
) -> Item:
    """An item recorded and thanked in its channel, as ``/request`` or ``/feedback`` does;
    ``given``: the other fields of ``tests.fakes.submission``."""
    recorded = await core.feedback.submit_and_thank(submission(text, kind=kind, **given), chat)
    assert isinstance(recorded, Recorded)
    return recorded.item


async def owed(engine: AsyncEngine, workspace: Workspace = ACME) -> list[dict[str, object]]:
    """The workspace's messages still owed (not yet delivered), oldest first."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(
                outbox.c.purpose,
                outbox.c.item_number,
                outbox.c.person_id,
                outbox.c.thread_message_id,
                outbox.c.body,
            )
            .join(workspaces, workspaces.c.id == outbox.c.workspace_id)
            .where(
                outbox.c.done_at.is_(None),
                workspaces.c.platform == workspace.platform.value,
                workspaces.c.external_id == workspace.id,
            )
            .order_by(outbox.c.id)
        )
        return [dict(row._mapping) for row in rows]
