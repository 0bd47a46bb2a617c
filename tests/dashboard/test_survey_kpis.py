"""The KPI page shows the surveys: the CSAT and its tables, a CSAT per month chart, and each
pulse survey's result, internal against external, charted and listed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.dashboard.views import kpi_charts
from bot.core import Core
from bot.identity import Person, Workspace
from bot.items import ItemKind, Priority, Stakeholder, Status
from bot.kpis import DURATION_SERIES, Csat, Durations, KpiCharts, PollResult, PollSplit
from bot.surveys import Role, Scale, ShipAnswer
from tests.dashboard.conftest import MORGAN, Browser, record, sign_in
from tests.fakes import ACME, START, FakeChat, FixedClock
from tests.survey_history import answer_poll, answer_shipped, open_poll

SVG = "{http://www.w3.org/2000/svg}"
EVIL_QUESTION = "How well do we <script>alert(1)</script> support you?"


class Admins:
    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


async def surveyed(engine: AsyncEngine, core: Core, chat: FakeChat, clock: FixedClock) -> None:
    """#1 (a must-have) and #2 (feedback) shipped on 3 March 2025; answers about them in March
    and April; a 1-5 survey on 10 March and 1 April, a yes/no one on 7 April; now 12 April."""
    await record(core, chat, "Single sign-on", priority=Priority.MUST_HAVE)
    await record(core, chat, "Faster runners", kind=ItemKind.FEEDBACK)
    for number in (1, 2):
        for status in (Status.PLANNED, Status.SHIPPED):
            await core.triage.change_status(ACME, MORGAN, Admins(), chat, number, status)
    march, april = START + timedelta(days=1), datetime(2025, 4, 2, tzinfo=UTC)
    solved, partly, no = ShipAnswer.SOLVED, ShipAnswer.PARTLY, ShipAnswer.NO
    await answer_shipped(engine, ACME, 1, "U-ADA", solved, march, role=Role.REQUESTER)
    await answer_shipped(engine, ACME, 1, "U-BOB", no, march)
    await answer_shipped(engine, ACME, 2, "U-ADA", solved, april, role=Role.REQUESTER)
    await answer_shipped(engine, ACME, 2, "U-CY", partly, april)
    first = await open_poll(engine, ACME, EVIL_QUESTION, datetime(2025, 3, 10, 10, tzinfo=UTC))
    second = await open_poll(engine, ACME, EVIL_QUESTION, datetime(2025, 4, 1, 10, tzinfo=UTC))
    yes_no = await open_poll(
        engine, ACME, "Did the move go well?", datetime(2025, 4, 7, tzinfo=UTC), Scale.YES_NO
    )
    answered = datetime(2025, 4, 8, tzinfo=UTC)
    internal, external = Stakeholder.INTERNAL, Stakeholder.EXTERNAL
    for poll, user, value, kind in (
        (first, "U-1", 4, internal),
        (first, "U-2", 2, external),
        (second, "U-1", 5, internal),
        (second, "U-3", 4, internal),
        (yes_no, "U-1", 1, internal),
        (yes_no, "U-2", 0, external),
    ):
        await answer_poll(engine, poll, user, value, answered, kind)
    clock.set(datetime(2025, 4, 12, tzinfo=UTC))


def svg_of(html: str, chart_id: str) -> ET.Element:
    found = re.search(
        rf'<figure class="chart-figure" id="{chart_id}">.*?(<svg .*?</svg>)', html, re.S
    )
    assert found, chart_id
    return ET.fromstring(found.group(1))


def drawn(svg: ET.Element) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (mark.get("data-label"), mark.get("data-series"), mark.get("data-value"))
        for mark in svg.iter(f"{SVG}circle")
        if mark.get("data-value")
    ]


async def test_the_kpi_page_gives_the_csat_and_its_tables(
    engine: AsyncEngine, browser: Browser, core: Core, chat: FakeChat, clock: FixedClock
) -> None:
    await surveyed(engine, core, chat, clock)
    await sign_in(browser, core, admin=False)
    page = await browser.get("/kpis")
    assert page.status == 200
    assert '<span class="big">50%</span> CSAT, of 4 answers' in page.text
    assert "Solved it 2, partly 1, no 1." in page.text
    by_priority = page.text[page.text.index("<caption>CSAT by priority</caption>") :]
    assert (
        '<th scope="row">must-have</th><td class="num">50%</td><td class="num">1</td>'
        '<td class="num">0</td><td class="num">1</td><td class="num">2</td>'
    ) in by_priority
    assert '<th scope="row">2025-04</th><td class="num">50%</td>' in page.text


async def test_the_kpi_page_charts_csat_per_month(
    engine: AsyncEngine, browser: Browser, core: Core, chat: FakeChat, clock: FixedClock
) -> None:
    await surveyed(engine, core, chat, clock)
    await sign_in(browser, core, admin=False)
    page = await browser.get("/kpis")
    assert drawn(svg_of(page.text, "csat-per-month")) == [
        ("Mar 2025", "CSAT", "50.0"),
        ("Apr 2025", "CSAT", "50.0"),
    ]


async def test_the_kpi_page_charts_and_lists_each_pulse_survey_internal_against_external(
    engine: AsyncEngine, browser: Browser, core: Core, chat: FakeChat, clock: FixedClock
) -> None:
    await surveyed(engine, core, chat, clock)
    await sign_in(browser, core, admin=False)
    page = await browser.get("/kpis")
    assert drawn(svg_of(page.text, "pulse-surveys-1-5")) == [
        ("Mar 10", "all", "3.0"),
        ("Apr 1", "all", "4.5"),
        ("Mar 10", "internal", "4.0"),
        ("Apr 1", "internal", "4.5"),
        ("Mar 10", "external", "2.0"),
    ]
    assert drawn(svg_of(page.text, "pulse-surveys-yes-no")) == [
        ("Apr 7", "all", "50.0"),
        ("Apr 7", "internal", "100.0"),
        ("Apr 7", "external", "0.0"),
    ]
    listed = page.text[page.text.index('<table class="small" id="polls">') :]
    assert "How well do we &lt;script&gt;alert(1)&lt;/script&gt; support you?" in listed
    assert "<script>alert" not in page.text
    assert '<td class="num">4.5</td><td class="num">4.5 (2)</td><td class="num">- (0)</td>' in (
        listed
    )
    assert "<td>1: 0, 2: 0, 3: 0, 4: 1, 5: 1</td>" in listed


async def test_a_workspace_without_surveys_says_how_to_start_one(
    browser: Browser, core: Core, chat: FakeChat
) -> None:
    await record(core, chat, "One")
    await sign_in(browser, core, admin=False)
    page = await browser.get("/kpis")
    assert '<span class="big">-</span> CSAT, of 0 answers' in page.text
    assert "No pulse survey posted yet" in page.text
    assert "Nothing yet" in ET.tostring(svg_of(page.text, "pulse-surveys-1-5"), encoding="unicode")


def poll_on(day: datetime, scale: str = "1-5") -> PollResult:
    return PollResult(1, "C", "Q", scale, day, PollSplit(), {"internal": PollSplit()})


def test_two_surveys_of_one_day_are_told_apart_by_their_time() -> None:
    morning = datetime(2025, 4, 1, 9, tzinfo=UTC)
    charts = KpiCharts(
        [],
        {},
        [],
        {},
        [],
        [],
        [],
        csat_per_month=[],
        polls=[
            poll_on(morning),
            poll_on(morning + timedelta(hours=5)),
            poll_on(morning + timedelta(days=1)),
        ],
    )
    (pulse,) = [chart for chart in kpi_charts(charts) if chart.id == "pulse-surveys-1-5"]
    assert [row[0] for row in pulse.rows] == ["Apr 1 09:00", "Apr 1 14:00", "Apr 2"]


def test_the_csat_chart_lists_how_many_answered_each_month() -> None:
    months = [datetime(2025, 3, 1).date(), datetime(2025, 4, 1).date()]
    durations = {series: [Durations()] * 2 for series in DURATION_SERIES}
    charts = KpiCharts(
        [], {}, months, durations, [], [], [], csat_per_month=[Csat(), Csat(3, 2, 1, 0)]
    )
    (csat,) = [chart for chart in kpi_charts(charts) if chart.id == "csat-per-month"]
    assert csat.columns == ["", "CSAT (%)", "answers"]
    assert csat.rows == [["Mar 2025", "-", "0"], ["Apr 2025", "66.7", "3"]]
