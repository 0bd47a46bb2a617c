"""Triage from the web: the chat's use cases, admins only, every form with its CSRF token."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.items import ItemKind, Priority, Stakeholder, Status
from bot.outbox import Purpose
from tests.dashboard.conftest import MORGAN, Browser, OpenBrowser, owed, record, sign_in
from tests.fakes import ACME, ADA, BOB, FakeChat


async def test_an_admin_moves_an_item_and_the_requester_is_owed_a_thread_reply_and_a_dm(
    browser: Browser, core: Core, chat: FakeChat, engine: AsyncEngine
) -> None:
    item = await record(core, chat, "SSO for the admin console")
    assert await owed(engine) == []  # the thank-you was posted
    await sign_in(browser, core)
    page = await browser.get("/items/1")
    assert 'action="/items/1/status"' in page.text
    moved = await browser.post(
        "/items/1/status", {"status": "planned", "note": "Q3, after the audit"}
    )
    assert moved.status == 303
    assert moved.headers["Location"] == "/items/1?done=status"
    page = await browser.get(moved.headers["Location"])
    assert "#1 is now planned." in page.text
    assert "new → <strong>planned</strong>, by Morgan" in page.text
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None and stored.status is Status.PLANNED
    assert stored.history[-1].by == MORGAN
    news = await owed(engine)
    assert [n["purpose"] for n in news] == [Purpose.THREAD.value, Purpose.DIRECT.value]
    assert item.thanks is not None
    assert news[0]["thread_message_id"] == item.thanks.message_id
    assert news[1]["person_id"] == ADA.user_id
    assert all("Q3, after the audit" in str(n["body"]) for n in news)


async def test_a_non_admin_sees_no_triage_controls(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "SSO")
    await sign_in(browser, core, person=BOB, admin=False)
    page = await browser.get("/items/1")
    assert page.status == 200
    assert "/items/1/status" not in page.text
    assert "/items/1/priority" not in page.text
    assert "/items/1/stakeholder" not in page.text


async def test_a_non_admins_triage_post_is_refused_and_changes_nothing(
    browser: Browser, core: Core, chat: FakeChat, engine: AsyncEngine
) -> None:
    await record(core, chat, "SSO")
    await sign_in(browser, core, person=BOB, admin=False)
    for path, form in (
        ("/items/1/status", {"status": "planned", "note": "sneaky"}),
        ("/items/1/priority", {"priority": "must-have"}),
        ("/items/1/stakeholder", {"stakeholder": "external"}),
    ):
        page = await browser.post(path, form)
        assert page.status == 403, path
        assert "Nothing was changed" in page.text
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None
    assert (stored.status, stored.priority, stored.stakeholder) == (
        Status.NEW,
        Priority.GOOD_TO_HAVE,
        Stakeholder.INTERNAL,
    )
    assert stored.history == []
    assert await owed(engine) == []


async def test_a_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    open_browser: OpenBrowser, core: Core, chat: FakeChat, engine: AsyncEngine
) -> None:
    await record(core, chat, "SSO")
    admin, other = await open_browser(), await open_browser()
    await sign_in(admin, core)
    await sign_in(other, core)
    assert other.csrf is not None and other.csrf != admin.csrf
    for form in (
        {"status": "planned"},
        {"status": "planned", "csrf": ""},
        {"status": "planned", "csrf": other.csrf},  # another session's
    ):
        page = await admin.post("/items/1/status", form, csrf="csrf" in form)
        assert page.status == 403
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None and stored.status is Status.NEW
    assert await owed(engine) == []


async def test_a_move_the_lifecycle_does_not_allow_is_refused_with_why(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "SSO")
    await sign_in(browser, core)
    page = await browser.post("/items/1/status", {"status": "shipped"})
    assert page.status == 409
    assert "Nothing was changed: #1 is new; it cannot become shipped" in page.text
    page = await browser.post("/items/1/status", {"status": "sideways"})
    assert page.status == 409
    assert "Choose the status to move it to." in page.text


async def test_an_admin_marks_a_duplicate_of_another_item(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "SSO")
    await record(core, chat, "Single sign-on", author=BOB)
    await core.feedback.vote(ACME, 2, ADA)
    await sign_in(browser, core)
    asked = await browser.post("/items/2/status", {"status": "duplicate"})
    assert asked.status == 409
    assert "A duplicate of which item?" in asked.text
    marked = await browser.post("/items/2/status", {"status": "duplicate", "duplicate_of": "#1"})
    assert marked.status == 303
    duplicate = await core.feedback.find(ACME, 2)
    kept = await core.feedback.find(ACME, 1)
    assert duplicate is not None and duplicate.status is Status.DUPLICATE
    assert duplicate.duplicate_of == 1
    assert kept is not None and kept.votes == 1  # Ada's vote moved to the kept item
    page = await browser.get("/items/1")
    assert "Duplicates merged into it" in page.text and "Single sign-on" in page.text


async def test_an_admin_corrects_priority_and_stakeholder(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "SSO")
    await record(core, chat, "Nice", kind=ItemKind.FEEDBACK)
    await sign_in(browser, core)
    assert (await browser.post("/items/1/priority", {"priority": "must-have"})).status == 303
    assert (await browser.post("/items/1/stakeholder", {"stakeholder": "external"})).status == 303
    stored = await core.feedback.find(ACME, 1)
    assert stored is not None
    assert (stored.priority, stored.stakeholder) == (Priority.MUST_HAVE, Stakeholder.EXTERNAL)
    page = await browser.get("/items/2")
    assert "/items/2/priority" not in page.text  # feedback has no priority
    refused = await browser.post("/items/2/priority", {"priority": "must-have"})
    assert refused.status == 409
    assert "only requests have a priority" in refused.text


async def test_triage_of_an_item_that_is_not_there_is_not_found(
    browser: Browser, core: Core
) -> None:
    await sign_in(browser, core)
    page = await browser.post("/items/7/status", {"status": "planned"})
    assert page.status == 404
