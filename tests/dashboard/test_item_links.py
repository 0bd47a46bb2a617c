"""The item page lists the tracker issues an item is linked to, and its tracker history."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.issue_links import IssueRef
from storage.unit_of_work import SqlStorage
from tests.dashboard.conftest import Browser, record, sign_in
from tests.fakes import ACME, START, FakeChat

ISSUE = IssueRef("github", "acme/infra#12", "https://github.com/acme/infra/issues/12")
# What no page may ever turn into a link.
SCRIPTED = IssueRef("jira", "OPS-7", "javascript:alert(1)")


async def test_an_item_page_lists_its_linked_issues_as_links(
    browser: Browser, core: Core, chat: FakeChat, engine: AsyncEngine
) -> None:
    await record(core, chat, "Audit log export")
    async with SqlStorage(engine).unit_of_work() as uow:
        await uow.links.add(ACME, 1, ISSUE, START)
        await uow.links.add(ACME, 1, SCRIPTED, START)
        await uow.links.seen(ISSUE, "open", START)
        await uow.links.note(ACME, 1, START + timedelta(hours=1), "GitHub says <b>no</b>")
        await uow.commit()
    await sign_in(browser, core, admin=False)
    page = await browser.get("/items/1")
    issues = page.text[page.text.index("Linked issues") :].split("</section>")[0]
    assert (
        '<a href="https://github.com/acme/infra/issues/12" rel="noopener noreferrer">'
        "GitHub acme/infra#12</a>" in issues
    )
    assert "(open)" in issues
    assert "Jira OPS-7" in issues and "javascript:" not in page.text
    assert "GitHub says &lt;b&gt;no&lt;/b&gt;" in page.text


async def test_an_item_without_links_shows_no_linked_issues(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Audit log export")
    await sign_in(browser, core, admin=False)
    assert "Linked issues" not in (await browser.get("/items/1")).text
