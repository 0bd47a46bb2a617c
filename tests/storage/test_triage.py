"""Triage on real databases (SQLite and PostgreSQL): merged votes, sealed handles, SLA breaches
claimed once, and KPIs checked against a seeded history whose answers are known."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sealing import FernetSeal, new_key
from bot.identity import Person, Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.service import FeedbackService, Recorded
from bot.sla_check import SlaCheck
from bot.slas import TriageChannels
from bot.triage import TriageService
from storage.engine import create_engine
from storage.unit_of_work import SqlStorage
from tests.core import core_on
from tests.fakes import ADA, BOB, CY, START, FakeChat, FixedClock, submission
from tests.scan import every_row

ACME = Workspace(Platform.SLACK, "T-ACME")
GLOBEX = Workspace(Platform.DISCORD, "G-GLOBEX")
ADMIN = Person("U-ADMIN", "Morgan")
TRIAGE = "C-TRIAGE"


class Everyone:
    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


@dataclass
class Replica:
    feedback: FeedbackService
    triage: TriageService
    slas: SlaCheck
    clock: FixedClock
    chat: FakeChat

    def channels(self, *platforms: Platform) -> TriageChannels:
        channels = TriageChannels()
        for platform in platforms or (Platform.SLACK,):
            channels.serve(platform, self.chat, TRIAGE)
        return channels

    async def add(self, text: str, at: datetime, ack_after: float = 0, **kwargs: object) -> Item:
        self.clock.set(at)
        kind = kwargs.pop("kind", ItemKind.REQUEST)
        outcome = await self.feedback.submit(
            submission(text, kind=kind, workspace=kwargs.pop("workspace", ACME), **kwargs)  # type: ignore[arg-type]
        )
        assert isinstance(outcome, Item)
        self.clock.set(at + timedelta(seconds=ack_after))
        recorded = await self.feedback.thank(outcome, outcome.author or ADA, self.chat)
        assert isinstance(recorded, Recorded)
        return outcome

    async def move(self, item: Item, to: Status, at: datetime, **kwargs: object) -> None:
        self.clock.set(at)
        assert item.number is not None
        result = await self.triage.change_status(
            item.workspace,
            ADMIN,
            Everyone(),
            self.chat,
            item.number,
            to,
            **kwargs,  # type: ignore[arg-type]
        )
        assert result.item.status is to


def replica(engine: AsyncEngine, seal: FernetSeal | None = None) -> Replica:
    clock = FixedClock()
    core = core_on(engine, clock, seal=seal)
    return Replica(core.feedback, core.triage, core.slas, clock, FakeChat())


# -- merged votes and sealed handles ------------------------------------------------------------


async def test_a_merge_moves_votes_to_the_kept_item_once_per_person(engine: AsyncEngine) -> None:
    r = replica(engine)
    kept = await r.add("Dark mode", START)
    duplicate = await r.add("Night theme", START, author=BOB)
    for voter, number in ((CY, 1), (CY, 2), (ADA, 2), (BOB, 2)):
        await r.feedback.vote(ACME, number, voter)
    await r.move(duplicate, Status.DUPLICATE, START, duplicate_of=kept.number)
    async with SqlStorage(engine).unit_of_work() as uow:
        assert sorted(await uow.items.voter_ids(ACME, 1)) == [ADA.user_id, BOB.user_id, CY.user_id]
        assert await uow.items.voter_ids(ACME, 2) == []
        first, second = await uow.items.get(ACME, 1), await uow.items.get(ACME, 2)
    assert first is not None and second is not None
    assert (first.votes, second.votes) == (3, 0)
    # A vote through the duplicate still lands once on the kept item.
    assert not (await r.feedback.vote(ACME, 2, CY)).counted


async def test_an_anonymous_item_stores_its_author_only_sealed(engine: AsyncEngine) -> None:
    seal = FernetSeal(new_key())
    r = replica(engine, seal)
    await r.add("psst", START, anonymous=True, author=Person("U-SECRET-42", "Secret Sam"))
    dump = await every_row(engine)
    assert "psst" in dump
    assert "U-SECRET-42" not in dump and "Secret Sam" not in dump
    stored = await r.feedback.find(ACME, 1)
    assert stored is not None and stored.author is None and stored.author_handle is not None
    assert seal.open(stored.author_handle) == "U-SECRET-42"


# -- SLAs -------------------------------------------------------------------------------------

MONDAY = START  # 2025-03-03 09:00 UTC, a Monday


async def test_a_must_have_still_new_after_one_working_day_is_posted_to_triage(
    engine: AsyncEngine,
) -> None:
    r = replica(engine)
    await r.add("SSO for Grafana", MONDAY, priority=Priority.MUST_HAVE)
    assert await r.slas.check(r.channels(), MONDAY + timedelta(hours=23)) == []
    (breach,) = await r.slas.check(r.channels(), MONDAY + timedelta(days=1, minutes=1))
    assert breach.number == 1 and breach.deadline == MONDAY + timedelta(days=1)
    (text,) = [t for c, t in r.chat.posted if c == TRIAGE]
    assert "SLA missed: Must-have request #1 “SSO for Grafana”" in text
    assert "1 working day" in text and "Asked by Ada." in text


async def test_a_breach_is_posted_once_however_often_it_is_checked(engine: AsyncEngine) -> None:
    r = replica(engine)
    await r.add("SSO", MONDAY, priority=Priority.MUST_HAVE)
    for hours in (25, 26, 48):
        await r.slas.check(r.channels(), MONDAY + timedelta(hours=hours))
    assert len([c for c, _ in r.chat.posted if c == TRIAGE]) == 1


async def test_two_replicas_checking_together_post_a_breach_once(
    engine: AsyncEngine, database_url_for_test: str
) -> None:
    other_engine = create_engine(database_url_for_test)
    try:
        first, second = replica(engine), replica(other_engine)
        for number in range(5):
            await first.add(f"must-have {number}", MONDAY, priority=Priority.MUST_HAVE)
        late = MONDAY + timedelta(days=2)
        await asyncio.gather(
            first.slas.check(first.channels(), late),
            second.slas.check(second.channels(), late),
        )
        posts = [t for c, t in first.chat.posted + second.chat.posted if c == TRIAGE]
        assert len(posts) == 5
        assert sorted(int(t.split("#")[1].split()[0]) for t in posts) == [1, 2, 3, 4, 5]
    finally:
        await other_engine.dispose()


async def test_working_days_skip_the_weekend(engine: AsyncEngine) -> None:
    r = replica(engine)
    friday = MONDAY + timedelta(days=4, hours=1)
    await r.add("over the weekend", friday, priority=Priority.MUST_HAVE)
    assert await r.slas.check(r.channels(), friday + timedelta(days=2)) == []
    (breach,) = await r.slas.check(r.channels(), friday + timedelta(days=3))
    assert breach.deadline == friday + timedelta(days=3)


async def test_an_anonymous_breach_names_nobody(engine: AsyncEngine) -> None:
    r = replica(engine)
    await r.add("quietly", MONDAY, priority=Priority.MUST_HAVE, anonymous=True)
    await r.slas.check(r.channels(), MONDAY + timedelta(days=2))
    ((_, text),) = [(c, t) for c, t in r.chat.posted if c == TRIAGE]
    assert "Asked anonymously." in text and "Ada" not in text


async def test_a_breach_is_listed_until_the_item_leaves_new(engine: AsyncEngine) -> None:
    r = replica(engine)
    item = await r.add("SSO", MONDAY, priority=Priority.MUST_HAVE)
    await r.slas.check(r.channels(), MONDAY + timedelta(days=2))
    assert [b.number for b in await r.slas.open_breaches(ACME)] == [1]
    await r.move(item, Status.UNDER_REVIEW, MONDAY + timedelta(days=2, hours=1))
    assert await r.slas.open_breaches(ACME) == []


async def test_a_process_checks_only_the_platforms_it_serves(engine: AsyncEngine) -> None:
    r = replica(engine)
    await r.add("on discord", MONDAY, priority=Priority.MUST_HAVE, workspace=GLOBEX)
    assert await r.slas.check(r.channels(Platform.SLACK), MONDAY + timedelta(days=3)) == []
    (breach,) = await r.slas.check(r.channels(Platform.DISCORD), MONDAY + timedelta(days=3))
    assert breach.workspace == GLOBEX


async def test_a_breach_is_never_posted_in_another_workspaces_channel(engine: AsyncEngine) -> None:
    r = replica(engine)
    await r.add("on globex", MONDAY, priority=Priority.MUST_HAVE, workspace=GLOBEX)
    channels = TriageChannels()
    channels.serve(Platform.DISCORD, r.chat, TRIAGE, workspace_id="G-OTHER")
    (breach,) = await r.slas.check(channels, MONDAY + timedelta(days=3))
    assert breach.workspace == GLOBEX and r.chat.posted[-1][0] != TRIAGE


# -- KPIs against a seeded history --------------------------------------------------------------


async def seeded(engine: AsyncEngine) -> Replica:
    """Five items in ACME and one in GLOBEX, with known times:

    acknowledged after 10, 20, 30, 40, 50 s; left new after 1 h, 3 h, 5 h; shipped after 10 h
    and 30 h; #5 (a must-have) still new two days later, so one SLA breach."""
    r = replica(engine)
    hour = timedelta(hours=1)
    one = await r.add("one", MONDAY, 10, priority=Priority.MUST_HAVE)
    two = await r.add("two", MONDAY, 20, stakeholder=Stakeholder.EXTERNAL)
    await r.add("three", MONDAY, 30, kind=ItemKind.FEEDBACK)
    four = await r.add("four", MONDAY, 40)
    await r.add(
        "five",
        MONDAY,
        50,
        priority=Priority.MUST_HAVE,
        stakeholder=Stakeholder.EXTERNAL,
        anonymous=True,
    )
    await r.move(one, Status.UNDER_REVIEW, MONDAY + 1 * hour)
    await r.move(one, Status.PLANNED, MONDAY + 2 * hour)
    await r.move(one, Status.SHIPPED, MONDAY + 10 * hour)
    await r.move(two, Status.UNDER_REVIEW, MONDAY + 3 * hour)
    await r.move(two, Status.DECLINED, MONDAY + 4 * hour)
    await r.move(four, Status.PLANNED, MONDAY + 5 * hour)
    await r.move(four, Status.IN_PILOT, MONDAY + 6 * hour)
    await r.move(four, Status.SHIPPED, MONDAY + 30 * hour)
    await r.add("elsewhere", MONDAY, 5, workspace=GLOBEX)
    await r.slas.check(r.channels(), MONDAY + timedelta(days=2))
    r.clock.set(MONDAY + timedelta(days=3))
    return r


async def test_kpis_count_items_by_status_priority_stakeholder_and_kind(
    engine: AsyncEngine,
) -> None:
    kpis = await (await seeded(engine)).triage.stats(ACME)
    assert kpis.items == 5
    assert kpis.by_status == {"new": 2, "shipped": 2, "declined": 1}
    assert kpis.by_priority == {"must-have": 2, "good-to-have": 2, "none": 1}
    assert kpis.by_stakeholder == {"internal": 3, "external": 2}
    assert kpis.by_kind == {"request": 4, "feedback": 1}


async def test_kpis_of_every_workspace_count_by_platform(engine: AsyncEngine) -> None:
    kpis = await (await seeded(engine)).triage.stats(None)
    assert kpis.by_platform == {"slack": 5, "discord": 1}


def within_2_percent(*seconds: float) -> tuple[object, ...]:
    """The times KPIs give: kept as log-scale histograms, within 2% (bot/kpis.py)."""
    return tuple(pytest.approx(value, rel=0.02) for value in seconds)


async def test_kpis_give_median_and_90th_percentile_times(engine: AsyncEngine) -> None:
    kpis = await (await seeded(engine)).triage.stats(ACME)
    ack, left, shipped = kpis.to_acknowledge, kpis.to_leave_new, kpis.to_ship
    assert (ack.count, ack.median, ack.p90) == (5, *within_2_percent(30.0, 46.0))
    assert (left.count, left.median, left.p90) == (3, *within_2_percent(10800.0, 16560.0))
    assert (shipped.count, shipped.median, shipped.p90) == (
        2,
        *within_2_percent(72000.0, 100800.0),
    )


async def test_kpis_count_the_sla_breaches_of_the_period(engine: AsyncEngine) -> None:
    r = await seeded(engine)
    kpis = await r.triage.stats(ACME)
    assert (kpis.sla_breaches, kpis.open_breaches) == (1, 1)
    later = await r.triage.stats(ACME, since=MONDAY + timedelta(days=2))
    assert (later.sla_breaches, later.items) == (0, 0)


async def test_kpis_of_a_period_time_only_what_happened_in_it(engine: AsyncEngine) -> None:
    r = await seeded(engine)
    kpis = await r.triage.stats(ACME, since=MONDAY + timedelta(hours=20))
    assert (kpis.to_ship.count, kpis.to_ship.median) == (1, *within_2_percent(108000.0))
    assert kpis.to_acknowledge.count == 0


async def test_kpis_of_an_unknown_workspace_are_empty(engine: AsyncEngine) -> None:
    kpis = await replica(engine).triage.stats(Workspace(Platform.SLACK, "T-NONE"))
    assert kpis.items == 0 and kpis.to_ship.median is None
