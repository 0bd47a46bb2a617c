"""What signed-in people read: the backlog, its exports, the board, an item, the KPIs."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import quote

from bot.core import Core
from bot.identity import Person, Platform, Workspace
from bot.items import ItemKind, Priority, Stakeholder, Status
from tests.dashboard.conftest import MORGAN, Browser, record, sign_in
from tests.fakes import ACME, ADA, BOB, CY, FakeChat, FixedClock

GLOBEX = Workspace(Platform.DISCORD, "G-GLOBEX")
ITEM_LINK = re.compile(r'<td class="num"><a href="/items/(\d+)">')


def numbers(html: str) -> list[int]:
    """The items a backlog page lists, in its order."""
    return [int(number) for number in ITEM_LINK.findall(html)]


def next_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]*)" rel="next">', html)
    return found.group(1).replace("&amp;", "&") if found else None


async def test_the_backlog_lists_each_item_with_what_triage_needs(
    browser: Browser, core: Core, chat: FakeChat, clock: FixedClock
) -> None:
    await record(core, chat, "SSO for the admin console", priority=Priority.MUST_HAVE)
    await record(
        core, chat, "Dashboards load fast", kind=ItemKind.FEEDBACK, author=BOB, anonymous=True
    )
    await core.feedback.vote(ACME, 1, CY)
    clock.advance(timedelta(days=3))
    page = await sign_in(browser, core)
    assert page.status == 200
    assert numbers(page.text) == [1, 2]  # most votes first
    row = page.text[page.text.index('href="/items/1"') :].split("</tr>")[0]
    for shown in ("SSO for the admin console", "Ada", "request", "internal", "must-have"):
        assert shown in row
    assert "3 d" in row and ">1</td>" in row
    anonymous = page.text[page.text.index('href="/items/2"') :].split("</tr>")[0]
    assert "anonymous" in anonymous and "Bob" not in anonymous


async def test_the_backlog_filters_by_kind_status_stakeholder_priority_and_channel(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Must-have SSO", priority=Priority.MUST_HAVE)
    await record(core, chat, "Nice feedback", kind=ItemKind.FEEDBACK)
    await record(core, chat, "External ask", stakeholder=Stakeholder.EXTERNAL)
    await record(core, chat, "Ops channel ask", channel_id="C-OPS")
    await core.triage.change_status(ACME, MORGAN, _Admins(), chat, 1, Status.PLANNED)
    await sign_in(browser, core)
    cases = {
        "/backlog?kind=feedback": [2],
        "/backlog?status=planned": [1],
        "/backlog?status=new&status=planned&kind=request&sort=oldest": [1, 3, 4],
        "/backlog?stakeholder=external": [3],
        "/backlog?priority=must-have": [1],
        "/backlog?channel=C-OPS": [4],
    }
    for path, expected in cases.items():
        page = await browser.get(path)
        assert page.status == 200, path
        assert sorted(numbers(page.text)) == sorted(expected), path
    # The form shows what is chosen.
    page = await browser.get("/backlog?status=planned&kind=request")
    assert 'value="planned" checked' in page.text
    assert '<option value="request" selected>' in page.text


async def test_mine_shows_the_visitors_own_items(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Ada's ask", author=ADA)
    await record(core, chat, "Bob's ask", author=BOB)
    await sign_in(browser, core, person=BOB, admin=False)
    page = await browser.get("/backlog?mine=1")
    assert numbers(page.text) == [2]


async def test_the_backlog_searches_the_items_text(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Audit log export for SOC2")
    await record(core, chat, "Dark mode please")
    await sign_in(browser, core)
    page = await browser.get("/backlog?q=audit")
    assert numbers(page.text) == [1]
    assert 'value="audit"' in page.text
    for odd in ('"audit', "audit*", "(audit OR", "NEAR(", "%_"):
        assert (await browser.get(f"/backlog?q={quote(odd)}")).status == 200, odd
    page = await browser.get("/backlog?q=nothing-like-this")
    assert numbers(page.text) == []
    assert "No items match this filter." in page.text


async def test_the_backlog_pages_through_every_item_once(
    browser: Browser, core: Core, chat: FakeChat, clock: FixedClock
) -> None:
    for n in range(1, 56):
        clock.advance(timedelta(minutes=1))
        await record(core, chat, f"ask number {n}")
    await sign_in(browser, core)
    page = await browser.get("/backlog?sort=newest")
    first = numbers(page.text)
    assert first == list(range(55, 5, -1))
    link = next_link(page.text)
    assert link is not None and "sort=newest" in link and "after=" in link
    page = await browser.get(link)
    assert numbers(page.text) == [5, 4, 3, 2, 1]
    assert next_link(page.text) is None
    assert 'href="/backlog?sort=newest">First page' in page.text


async def test_item_text_is_shown_as_text_never_as_html(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, '<script>alert("x")</script> & <b>bold</b>')
    page = await sign_in(browser, core)
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    item = await browser.get("/items/1")
    assert "<script>alert" not in item.text and "<b>bold</b>" not in item.text


async def test_exports_stream_what_the_filter_shows(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "SSO, with a comma", priority=Priority.MUST_HAVE)
    await record(core, chat, "Good to have")
    await record(core, chat, "Globex's own", workspace=GLOBEX)
    page = await sign_in(browser, core)
    assert 'href="/backlog.csv"' in page.text and 'href="/backlog.json"' in page.text
    filtered = await browser.get("/backlog?priority=must-have")
    assert 'href="/backlog.csv?priority=must-have"' in filtered.text
    csv_page = await browser.get("/backlog.csv?priority=must-have")
    assert csv_page.status == 200
    assert csv_page.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_page.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_page.text)))
    assert [(r["number"], r["text"]) for r in rows] == [("1", "SSO, with a comma")]
    json_page = await browser.get("/backlog.json")
    assert json_page.headers["Content-Type"].startswith("application/json")
    exported = json.loads(json_page.text)
    assert sorted(r["number"] for r in exported) == [1, 2]
    assert all(r["workspace"] == "slack:T-ACME" for r in exported)


async def test_the_board_shows_each_stage_with_votes_and_marks(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Under review ask")
    await record(core, chat, "Planned ask", priority=Priority.MUST_HAVE)
    await record(core, chat, "Shipped ask", stakeholder=Stakeholder.EXTERNAL)
    await record(core, chat, "Still new")
    admins = _Admins()
    await core.triage.change_status(ACME, MORGAN, admins, chat, 1, Status.UNDER_REVIEW)
    await core.triage.change_status(ACME, MORGAN, admins, chat, 2, Status.PLANNED)
    await core.triage.change_status(ACME, MORGAN, admins, chat, 3, Status.PLANNED)
    await core.triage.change_status(ACME, MORGAN, admins, chat, 3, Status.SHIPPED)
    await core.feedback.vote(ACME, 2, BOB)
    await sign_in(browser, core)
    page = await browser.get("/roadmap")
    assert page.status == 200
    columns = {
        heading: page.text[page.text.index(f'id="col-{heading}"') :].split("</section>")[0]
        for heading in ("under_review", "planned", "in_pilot", "shipped")
    }
    assert "Under review ask" in columns["under_review"]
    assert "Planned ask" in columns["planned"] and "1 vote" in columns["planned"]
    assert "must-have" in columns["planned"]
    assert "Shipped ask" in columns["shipped"] and "external" in columns["shipped"]
    assert "Nothing here." in columns["in_pilot"]
    assert "Still new" not in page.text


async def test_an_item_shows_its_text_author_voters_history_and_thank_you(
    browser: Browser, core: Core, chat: FakeChat, clock: FixedClock
) -> None:
    item = await record(core, chat, "Audit log export\nfor SOC2")
    await core.feedback.vote(ACME, 1, BOB)
    await core.feedback.vote(ACME, 1, CY)
    clock.advance(timedelta(hours=2))
    await core.triage.change_status(
        ACME, MORGAN, _Admins(), chat, 1, Status.PLANNED, note="Q3, after the audit"
    )
    await record(core, chat, "Audit logs please")
    await core.triage.change_status(
        ACME, MORGAN, _Admins(), chat, 2, Status.DUPLICATE, duplicate_of=1
    )
    await sign_in(browser, core, admin=False)
    page = await browser.get("/items/1")
    assert page.status == 200
    assert "Audit log export\nfor SOC2" in page.text
    assert "Ada" in page.text
    assert "<li>Bob</li>" in page.text and "<li>Cy</li>" in page.text
    assert "new → <strong>planned</strong>, by Morgan" in page.text
    assert "Q3, after the audit" in page.text
    assert item.thanks is not None
    thanks = f"https://slack.com/archives/{item.thanks.channel_id}/p"
    assert thanks + item.thanks.message_id.replace(".", "") in page.text
    duplicates = page.text[page.text.index("Duplicates merged into it") :]
    assert 'href="/items/2"' in duplicates and "Audit logs please" in duplicates


async def test_an_anonymous_items_page_does_not_name_its_author(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Pay is unfair", author=BOB, anonymous=True)
    await sign_in(browser, core)
    page = await browser.get("/items/1")
    assert "anonymous" in page.text
    assert "Bob" not in page.text and "U-BOB" not in page.text


async def test_another_workspaces_item_is_not_found(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "Globex secret plan", workspace=GLOBEX)
    await sign_in(browser, core)
    for path in ("/items/1", "/items/999", "/items/abc", "/items/99999999999999999999"):
        page = await browser.get(path)
        assert page.status == 404, path
        assert "Globex secret plan" not in page.text


async def test_the_kpis_show_the_figures_of_stats_and_charts_with_their_numbers(
    browser: Browser, core: Core, chat: FakeChat, clock: FixedClock
) -> None:
    await record(core, chat, "One", priority=Priority.MUST_HAVE)
    await record(core, chat, "Two", kind=ItemKind.FEEDBACK)
    await record(core, chat, "Globex's", workspace=GLOBEX)
    clock.advance(timedelta(hours=1))
    await sign_in(browser, core, admin=False)
    page = await browser.get("/kpis")
    assert page.status == 200
    assert '<span class="big">2</span> items' in page.text
    assert '<th scope="row">new</th><td class="num">2</td>' in page.text
    assert '<th scope="row">must-have</th><td class="num">1</td>' in page.text
    assert "Time to acknowledge" in page.text
    svgs = re.findall(r"<svg .*?</svg>", page.text, re.DOTALL)
    assert len(svgs) == 9  # and CSAT per month, pulse surveys (1-5)
    titles = [ET.fromstring(svg).findtext("{http://www.w3.org/2000/svg}title") for svg in svgs]
    assert titles[0] == "Items per week" and "Votes on open items" in titles
    weekly = ET.fromstring(svgs[0])
    drawn = {
        (mark.get("data-series"), mark.get("data-value"))
        for mark in weekly.iter("{http://www.w3.org/2000/svg}rect")
        if mark.get("data-value")
    }
    assert drawn == {("request/internal", "1"), ("feedback/internal", "1")}


class _Admins:
    """Everyone may triage (to set items up through the same use case the web calls)."""

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


async def test_a_page_link_that_was_tampered_with_shows_the_first_page(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "SSO")
    await sign_in(browser, core)
    page = await browser.get("/backlog?after=not-a-cursor")
    assert page.status == 400
    assert "That page link does not work any more" in page.text
    assert numbers(page.text) == [1]
