"""Linking an item to a tracker issue from its page: admins only, every form with its CSRF
token, the tracker's refusals shown on the page as a triage form's are."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.errors import TrackerFailed
from bot.issue_links import IssueRef
from bot.items import Status
from bot.trackers import IssueDraft, IssueState
from tests.core import core_on
from tests.dashboard.conftest import Browser, OpenBrowser, record, sign_in
from tests.fakes import ACME, BOB, FakeChat, FixedClock

ISSUE = re.compile(r"^(?:https://github\.test/)?([\w.-]+/[\w.-]+)(?:#|/issues/)(\d+)$")
PROJECT = re.compile(r"^[\w.-]+/[\w.-]+$")


class Issues:
    """A GitHub of our own, behind the ``Tracker`` port: issues it holds by key, the drafts it
    was asked to create, and a failure to give when ``down`` says why."""

    name = "github"
    label = "GitHub"

    def __init__(self) -> None:
        self.states: dict[str, tuple[bool, str]] = {}
        self.created: list[tuple[str, IssueDraft]] = []
        self.down: str | None = None

    def open(self, key: str) -> IssueRef:
        self.states[key] = (True, "open")
        return self._ref(key)

    def _ref(self, key: str) -> IssueRef:
        project, _, number = key.partition("#")
        return IssueRef("github", key, f"https://github.test/{project}/issues/{number}")

    def parse(self, text: str) -> IssueRef | None:
        found = ISSUE.match(text.strip())
        return None if found is None else self._ref(f"{found[1]}#{found[2]}")

    def project(self, text: str) -> str | None:
        return text.strip() if PROJECT.match(text.strip()) else None

    async def create(self, project: str, draft: IssueDraft) -> IssueRef:
        self._fail()
        self.created.append((project, draft))
        return self.open(f"{project}#{100 + len(self.created)}")

    async def state(self, ref: IssueRef) -> IssueState:
        self._fail()
        if ref.key not in self.states:
            raise TrackerFailed(f"GitHub has no issue {ref.key}")
        is_open, state = self.states[ref.key]
        return IssueState(ref, is_open, state)

    def _fail(self) -> None:
        if self.down is not None:
            raise TrackerFailed(self.down)


@pytest.fixture
def issues() -> Issues:
    return Issues()


@pytest.fixture
def core(engine: AsyncEngine, clock: FixedClock, issues: Issues) -> Core:
    return core_on(engine, clock, trackers={"github": issues})


async def test_an_admin_links_an_issue_and_the_item_follows_it(
    browser: Browser, core: Core, chat: FakeChat, issues: Issues
) -> None:
    issues.open("acme/platform#12")
    await record(core, chat, "SSO for the admin console")
    await sign_in(browser, core)
    page = await browser.get("/items/1")
    assert 'action="/items/1/links"' in page.text and "Link an issue" in page.text
    linked = await browser.post("/items/1/links", {"issue": "acme/platform#12"})
    assert linked.status == 303
    page = await browser.get(linked.headers["Location"])
    assert "#1 is linked to GitHub acme/platform#12" in page.text
    assert "It is now planned" in page.text  # an open GitHub issue: planned
    assert 'href="https://github.test/acme/platform/issues/12"' in page.text
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None and stored.status is Status.PLANNED
    assert [link.ref.key for link in stored.links] == ["acme/platform#12"]


async def test_an_admin_creates_an_issue_from_the_item(
    browser: Browser, core: Core, chat: FakeChat, issues: Issues
) -> None:
    await record(core, chat, "SSO for the admin console")
    await sign_in(browser, core)
    linked = await browser.post("/items/1/links", {"issue": "github acme/platform"})
    assert linked.status == 303
    page = await browser.get(linked.headers["Location"])
    assert "#1 is linked to GitHub acme/platform#101, created from this item" in page.text
    [(project, draft)] = issues.created
    assert project == "acme/platform" and "SSO for the admin console" in draft.title


async def test_an_admin_unlinks_an_issue_and_the_item_keeps_its_status(
    browser: Browser, core: Core, chat: FakeChat, issues: Issues
) -> None:
    issues.open("acme/platform#12")
    await record(core, chat, "SSO")
    await sign_in(browser, core)
    await browser.post("/items/1/links", {"issue": "https://github.test/acme/platform/issues/12"})
    page = await browser.get("/items/1")
    assert 'action="/items/1/links/remove"' in page.text
    unlinked = await browser.post(
        "/items/1/links/remove", {"issue": "https://github.test/acme/platform/issues/12"}
    )
    assert unlinked.status == 303
    page = await browser.get(unlinked.headers["Location"])
    assert "#1 is unlinked from 1 issue" in page.text
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None and stored.links == []
    assert stored.status is Status.PLANNED


async def test_a_tracker_that_fails_is_shown_on_the_page_and_nothing_is_linked(
    browser: Browser, core: Core, chat: FakeChat, issues: Issues
) -> None:
    issues.open("acme/platform#12")
    issues.down = "GitHub answered 502 Bad Gateway"
    await record(core, chat, "SSO")
    await sign_in(browser, core)
    page = await browser.post("/items/1/links", {"issue": "acme/platform#12"})
    assert page.status == 409
    assert "Nothing was changed: GitHub answered 502 Bad Gateway" in page.text
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None and stored.links == [] and stored.status is Status.NEW


async def test_an_issue_of_a_tracker_that_is_not_configured_is_refused_with_why(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "SSO")
    await sign_in(browser, core)
    page = await browser.post("/items/1/links", {"issue": "PROJ-12"})
    assert page.status == 409
    assert "Nothing was changed: Jira is not configured on this bot." in page.text
    page = await browser.post("/items/1/links", {"issue": "   "})
    assert page.status == 409
    assert "Nothing was changed: Which issue?" in page.text


async def test_a_non_admin_sees_no_link_forms_and_their_posts_change_nothing(
    browser: Browser, core: Core, chat: FakeChat, issues: Issues
) -> None:
    issues.open("acme/platform#12")
    await record(core, chat, "SSO")
    await core.trackers.link(ACME, BOB, _Admin(), 1, "acme/platform#12")
    await sign_in(browser, core, person=BOB, admin=False)
    page = await browser.get("/items/1")
    assert "/items/1/links" not in page.text
    for path in ("/items/1/links", "/items/1/links/remove"):
        refused = await browser.post(path, {"issue": "acme/platform#12"})
        assert refused.status == 403, path
        assert "Nothing was changed" in refused.text
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None
    assert [link.ref.key for link in stored.links] == ["acme/platform#12"]


async def test_a_link_without_the_sessions_csrf_token_is_refused(
    open_browser: OpenBrowser, core: Core, chat: FakeChat, issues: Issues
) -> None:
    issues.open("acme/platform#12")
    await record(core, chat, "SSO")
    admin, other = await open_browser(), await open_browser()
    await sign_in(admin, core)
    await sign_in(other, core)
    for form in (
        {"issue": "acme/platform#12"},
        {"issue": "acme/platform#12", "csrf": str(other.csrf)},  # another session's
    ):
        page = await admin.post("/items/1/links", form, csrf="csrf" in form)
        assert page.status == 403
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None and stored.links == [] and stored.status is Status.NEW


async def test_a_crafted_address_puts_no_issue_on_the_page(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "SSO")
    await sign_in(browser, core)
    page = await browser.get("/items/1?done=linked&issue=evil.example%2F1%23<b>")
    assert page.status == 200
    assert "is linked to" not in page.text and "evil.example" not in page.text


class _Admin:
    async def may_triage(self, *_: object) -> bool:
        return True
