"""The surveys' KPIs on SQLite and PostgreSQL, checked against a seeded history whose answers
are known (kept through the survey store): CSAT in all, per month, per stakeholder kind and
priority; each pulse survey occurrence's mean and distribution, in all and by internal and
external answerers; the chart series; the digest's last survey; and, end to end, what people
pressed through the core in ``/roadmap stats`` and the digest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation import Speaker
from bot.identity import Person
from bot.items import ItemKind, Priority, Stakeholder, Status
from bot.kpis import Csat, PollResult, PollSplit
from bot.messages import Message
from bot.roadmap import FireOutcome
from bot.service import Recorded
from bot.surveys import ANONYMOUS_REQUESTER, Role, Scale, ShipAnswer, ship_action
from storage.unit_of_work import SqlStorage
from tests.core import core_on
from tests.fakes import ADA, BOB, CY, GENERAL, FakeChat, FixedClock, request
from tests.storage.test_kpi_figures import charts, kpis
from tests.storage.test_triage import ACME, GLOBEX, MONDAY, Replica, replica
from tests.survey_history import answer_poll, answer_shipped, open_poll
from tests.surveys_core.harness import SURFACE, Admins, Directory

SOLVED, PARTLY, NO = ShipAnswer.SOLVED, ShipAnswer.PARTLY, ShipAnswer.NO
INTERNAL, EXTERNAL = Stakeholder.INTERNAL, Stakeholder.EXTERNAL
MARCH = datetime(2025, 3, 1, tzinfo=UTC)
APRIL = datetime(2025, 4, 1, tzinfo=UTC)
MAY = datetime(2025, 5, 1, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
QUESTION = "How well does the platform team support you?"


def about(mean: float) -> float:
    """A mean as the KPIs compute it: the same but for float rounding."""
    return cast(float, pytest.approx(mean))


async def shipped_items(engine: AsyncEngine) -> Replica:
    """In ACME, shipped on Monday 3 March 2025: #1 a must-have from an internal stakeholder,
    #2 a good-to-have from an external one, #3 internal feedback, #4 an anonymous external
    must-have; in GLOBEX, #1."""
    r = replica(engine)
    shipped = [
        await r.add("one", MONDAY, priority=Priority.MUST_HAVE),
        await r.add("two", MONDAY, priority=Priority.GOOD_TO_HAVE, stakeholder=EXTERNAL),
        await r.add("three", MONDAY, kind=ItemKind.FEEDBACK),
        await r.add(
            "four", MONDAY, priority=Priority.MUST_HAVE, stakeholder=EXTERNAL, anonymous=True
        ),
        await r.add("elsewhere", MONDAY, priority=Priority.MUST_HAVE, workspace=GLOBEX),
    ]
    for item in shipped:
        await r.move(item, Status.PLANNED, MONDAY + HOUR)
        await r.move(item, Status.SHIPPED, MONDAY + 2 * HOUR)
    return r


async def answered(engine: AsyncEngine) -> Replica:
    """Three answers in March and three in April in ACME (3 solved, 1 partly, 2 no), one in
    GLOBEX."""
    r = await shipped_items(engine)
    for number, respondent, answer, at in (
        (1, "U-ADA", SOLVED, MARCH + 3 * DAY),
        (1, "U-BOB", PARTLY, MARCH + 4 * DAY + 12 * HOUR),
        (2, "U-CY", NO, MARCH + 19 * DAY),
        (2, "U-ADA", SOLVED, APRIL + DAY),
        (3, "U-BOB", SOLVED, APRIL + 2 * DAY),
        (4, ANONYMOUS_REQUESTER, NO, APRIL + 9 * DAY),
    ):
        await answer_shipped(engine, ACME, number, respondent, answer, at)
    await answer_shipped(engine, GLOBEX, 1, "D-1", SOLVED, MARCH + 9 * DAY, role=Role.REQUESTER)
    return r


# -- CSAT ---------------------------------------------------------------------------------------


async def test_csat_is_the_share_of_solved_it_among_the_answers(engine: AsyncEngine) -> None:
    await answered(engine)
    found = await kpis(engine, None, MAY)
    assert found.csat == Csat(answers=6, solved=3, partly=1, no=2)
    assert found.csat.share == 0.5


async def test_csat_per_month_counts_each_answer_in_the_month_it_was_given(
    engine: AsyncEngine,
) -> None:
    await answered(engine)
    found = await kpis(engine, None, MAY)
    assert found.csat_by_month == {
        "2025-03": Csat(answers=3, solved=1, partly=1, no=1),
        "2025-04": Csat(answers=3, solved=2, partly=0, no=1),
    }


async def test_csat_per_stakeholder_and_priority_are_the_items_with_none_for_feedback(
    engine: AsyncEngine,
) -> None:
    await answered(engine)
    found = await kpis(engine, None, MAY)
    assert found.csat_by_stakeholder == {
        "internal": Csat(answers=3, solved=2, partly=1, no=0),
        "external": Csat(answers=3, solved=1, partly=0, no=2),
    }
    assert found.csat_by_priority == {
        "must-have": Csat(answers=3, solved=1, partly=1, no=1),
        "good-to-have": Csat(answers=2, solved=1, partly=0, no=1),
        "none": Csat(answers=1, solved=1, partly=0, no=0),
    }
    assert list(found.csat_by_priority) == ["must-have", "good-to-have", "none"]


async def test_csat_of_a_period_counts_only_the_answers_given_in_it(engine: AsyncEngine) -> None:
    await answered(engine)
    april = await kpis(engine, APRIL, MAY)
    assert april.csat == Csat(answers=3, solved=2, partly=0, no=1)
    # Cut inside days at both ends: 5 March 00:00 to 2 April 12:00.
    cut = await kpis(engine, MARCH + 4 * DAY, APRIL + DAY + 12 * HOUR)
    assert cut.csat == Csat(answers=3, solved=1, partly=1, no=1)
    assert list(cut.csat_by_month) == ["2025-03", "2025-04"]
    assert (await kpis(engine, MAY, MAY + DAY)).csat == Csat()


async def test_csat_of_every_workspace_counts_them_all_and_of_one_only_its_own(
    engine: AsyncEngine,
) -> None:
    await answered(engine)
    assert (await kpis(engine, None, MAY, workspace=None)).csat.answers == 7
    assert (await kpis(engine, None, MAY, workspace=GLOBEX)).csat == Csat(1, solved=1)


async def test_a_changed_answer_counts_once_as_it_stands_in_the_month_it_was_last_given(
    engine: AsyncEngine,
) -> None:
    await shipped_items(engine)
    await answer_shipped(engine, ACME, 1, "U-ADA", SOLVED, MARCH + 5 * DAY)
    await answer_shipped(engine, ACME, 1, "U-ADA", NO, APRIL + 5 * DAY)
    found = await kpis(engine, None, MAY)
    assert found.csat == Csat(answers=1, no=1)
    assert found.csat_by_month == {"2025-04": Csat(answers=1, no=1)}


async def test_an_anonymous_requesters_answer_counts_like_anyone_elses(
    engine: AsyncEngine,
) -> None:
    await shipped_items(engine)
    await answer_shipped(engine, ACME, 4, ANONYMOUS_REQUESTER, SOLVED, APRIL)
    found = await kpis(engine, None, MAY)
    assert found.csat == Csat(1, solved=1) and found.csat_by_stakeholder["external"].solved == 1


async def test_no_answers_give_no_csat(engine: AsyncEngine) -> None:
    await shipped_items(engine)
    found = await kpis(engine, None, MAY)
    assert found.csat == Csat() and found.csat.share is None
    assert found.csat_by_month == {} and found.csat_by_priority == {}


# -- pulse surveys ------------------------------------------------------------------------------


async def polled(engine: AsyncEngine, *, answered_too: bool = False) -> dict[str, int]:
    """Three occurrences in ACME (two on a 1-5 scale, one yes/no) and one in GLOBEX; with
    ``answered``'s answers about shipped items when ``answered_too``."""
    await (answered if answered_too else shipped_items)(engine)
    march = await open_poll(engine, ACME, QUESTION, MARCH + 10 * HOUR)
    for user, value, kind in (
        ("U-1", 5, INTERNAL),
        ("U-2", 4, INTERNAL),
        ("U-3", 4, INTERNAL),
        ("U-4", 2, EXTERNAL),
        ("U-5", 3, EXTERNAL),
    ):
        await answer_poll(engine, march, user, value, MARCH + 11 * HOUR, kind)
    april = await open_poll(engine, ACME, QUESTION, APRIL + 10 * HOUR)
    await answer_poll(engine, april, "U-1", 5, APRIL + 11 * HOUR, INTERNAL)
    await answer_poll(engine, april, "U-4", 5, APRIL + 12 * HOUR, EXTERNAL)
    yes_no = await open_poll(
        engine, ACME, "Did the migration go well?", APRIL + 6 * DAY, Scale.YES_NO, "C-OPS"
    )
    for user, value, kind in (("U-1", 1, INTERNAL), ("U-2", 1, INTERNAL), ("U-4", 0, EXTERNAL)):
        await answer_poll(engine, yes_no, user, value, APRIL + 7 * DAY, kind)
    globex = await open_poll(engine, GLOBEX, "Globex's own", APRIL + 10 * HOUR)
    await answer_poll(engine, globex, "D-1", 1, APRIL + 11 * HOUR)
    return {"march": march, "april": april, "yes_no": yes_no, "globex": globex}


async def test_each_pulse_survey_has_its_mean_and_distribution_by_stakeholder(
    engine: AsyncEngine,
) -> None:
    polls = await polled(engine)
    found = await kpis(engine, None, MAY)
    assert [poll.poll_id for poll in found.polls] == [
        polls["yes_no"],
        polls["april"],
        polls["march"],
    ]
    march = found.polls[2]
    assert march == PollResult(
        poll_id=polls["march"],
        channel_id="C-PULSE",
        question=QUESTION,
        scale="1-5",
        scheduled_for=MARCH + 10 * HOUR,
        total=PollSplit(5, about(3.6), {"1": 0, "2": 1, "3": 1, "4": 2, "5": 1}),
        by_stakeholder={
            "internal": PollSplit(3, about(13 / 3), {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}),
            "external": PollSplit(2, about(2.5), {"1": 0, "2": 1, "3": 1, "4": 0, "5": 0}),
        },
    )


async def test_a_yes_no_survey_means_the_share_of_yes(engine: AsyncEngine) -> None:
    await polled(engine)
    yes_no = (await kpis(engine, None, MAY)).polls[0]
    assert (yes_no.scale, yes_no.channel_id) == ("yes/no", "C-OPS")
    assert yes_no.total == PollSplit(3, about(2 / 3), {"yes": 2, "no": 1})
    assert yes_no.by_stakeholder == {
        "internal": PollSplit(2, 1.0, {"yes": 2, "no": 0}),
        "external": PollSplit(1, 0.0, {"yes": 0, "no": 1}),
    }


async def test_a_changed_poll_answer_counts_once_as_it_stands(engine: AsyncEngine) -> None:
    polls = await polled(engine)
    await answer_poll(engine, polls["april"], "U-1", 2, APRIL + 13 * HOUR, INTERNAL)
    april = (await kpis(engine, APRIL, MAY)).polls[1]
    assert april.total == PollSplit(2, 3.5, {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1})


async def test_a_survey_nobody_answered_yet_shows_every_value_at_zero(
    engine: AsyncEngine,
) -> None:
    await shipped_items(engine)
    await open_poll(engine, ACME, QUESTION, APRIL)
    (poll,) = (await kpis(engine, None, MAY)).polls
    assert poll.total == PollSplit(0, None, {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0})
    assert poll.by_stakeholder["external"].answers == 0


async def test_the_pulse_surveys_of_a_period_are_those_scheduled_in_it_newest_first_at_most_12(
    engine: AsyncEngine,
) -> None:
    await shipped_items(engine)
    weekly = [
        await open_poll(engine, ACME, f"Week {week}", MARCH + week * 7 * DAY) for week in range(14)
    ]
    after = MARCH + 14 * 7 * DAY
    assert [p.poll_id for p in (await kpis(engine, None, after)).polls] == weekly[::-1][:12]
    april = await kpis(engine, APRIL, MAY)
    assert [p.question for p in april.polls] == ["Week 8", "Week 7", "Week 6", "Week 5"]
    assert (await kpis(engine, None, after, workspace=GLOBEX)).polls == []


async def test_kpis_as_json_give_each_csat_share_and_each_polls_moment(
    engine: AsyncEngine,
) -> None:
    await polled(engine, answered_too=True)
    data = (await kpis(engine, None, MAY)).as_json()
    assert data["csat"] == {"answers": 6, "solved": 3, "partly": 1, "no": 2, "share": 0.5}
    assert data["csat_by_month"]["2025-04"]["share"] == about(2 / 3)  # type: ignore[index]
    first = data["polls"][0]  # type: ignore[index]
    assert first["scheduled_for"] == "2025-04-07T00:00:00+00:00"
    assert first["total"]["distribution"] == {"yes": 2, "no": 1}


# -- the chart series ---------------------------------------------------------------------------


async def test_charts_give_csat_per_month_and_the_last_pulse_surveys_oldest_first(
    engine: AsyncEngine,
) -> None:
    polls = await polled(engine, answered_too=True)
    shown = await charts(engine, APRIL + 20 * DAY, months=3)
    assert shown.months == [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
    assert shown.csat_per_month == [
        Csat(),
        Csat(answers=3, solved=1, partly=1, no=1),
        Csat(answers=3, solved=2, partly=0, no=1),
    ]
    assert [p.poll_id for p in shown.polls] == [polls["march"], polls["april"], polls["yes_no"]]
    # Up to a moment: what came after it is not there yet.
    earlier = await charts(engine, APRIL + 3 * DAY, months=2)
    assert earlier.csat_per_month == [Csat(3, 1, 1, 1), Csat(2, 2, 0, 0)]
    assert [p.poll_id for p in earlier.polls] == [polls["march"], polls["april"]]


# -- the digest's last survey -------------------------------------------------------------------


async def test_the_digest_facts_hold_the_newest_survey_posted_before_their_end(
    engine: AsyncEngine,
) -> None:
    polls = await polled(engine)
    async with SqlStorage(engine).unit_of_work() as uow:
        in_april = await uow.roadmap.facts(ACME, APRIL, APRIL + 5 * DAY, 5)
        later = await uow.roadmap.facts(ACME, APRIL + 5 * DAY, APRIL + 12 * DAY, 5)
        before = await uow.roadmap.facts(ACME, MARCH, MARCH + 10 * HOUR, 5)
        globex = await uow.roadmap.facts(GLOBEX, APRIL, MAY, 5)
    assert in_april.last_poll is not None and in_april.last_poll.poll_id == polls["april"]
    assert in_april.last_poll.total.answers == 2
    assert later.last_poll is not None and later.last_poll.poll_id == polls["yes_no"]
    assert before.last_poll is None  # posted at the very end: not before it
    assert globex.last_poll is not None and globex.last_poll.question == "Globex's own"


# -- end to end: what people pressed, in /roadmap stats and the digest ---------------------------


async def test_roadmap_stats_and_the_digest_give_what_people_pressed(engine: AsyncEngine) -> None:
    clock, chat = FixedClock(), FakeChat()
    core = core_on(engine, clock)
    conversation = core.conversation(SURFACE)
    admin = Speaker(ACME, GENERAL, Person("U-ADMIN", "Morgan"))

    async def roadmap(text: str) -> str:
        return (await conversation.roadmap(admin, text, chat, Admins())).plain

    async def press(person: Person, action: str, kind: Stakeholder = INTERNAL) -> None:
        answer = await conversation.press(Speaker(ACME, "D-DM", person, kind), action)
        assert isinstance(answer, Message), answer

    recorded = await core.feedback.submit_and_thank(request("Faster CI runners"), chat)
    assert isinstance(recorded, Recorded)
    await core.feedback.vote(ACME, 1, BOB)
    await roadmap("status #1 planned")
    await roadmap("status #1 shipped")
    await press(ADA, ship_action(ACME, 1, SOLVED))
    await press(BOB, ship_action(ACME, 1, NO))
    await press(BOB, ship_action(ACME, 1, NO))  # a repeated delivery
    await roadmap(f"remind survey every month on the 1st at 10:00 {QUESTION}")
    clock.set(APRIL + 10 * HOUR)
    assert await core.roadmap.fire(1, Directory(chat)) is FireOutcome.POSTED
    ((_, post),) = [(channel, m) for channel, m in chat.posted_messages if m.buttons]
    button = {b.label: b.action for b in post.buttons}
    await press(ADA, button["5"])
    await press(BOB, button["3"], EXTERNAL)
    await press(CY, button["4"])
    await press(BOB, button["2"], EXTERNAL)  # changed
    clock.set(APRIL + 2 * DAY)

    stats = await roadmap("stats")
    assert "CSAT: 50% solved it, of 2 answers (solved it 1, partly 0, no 1)" in stats
    assert "CSAT by month: 2025-03 50% of 2" in stats
    assert stats.splitlines()[-1] == (
        f"• 2025-04-01 10:00 UTC “{QUESTION}” (1-5): mean 3.7 from 3 answers "
        "(1: 0, 2: 1, 3: 0, 4: 1, 5: 1); internal 4.5 from 2, external 2.0 from 1"
    )
    digest = await roadmap("")
    assert digest.splitlines()[-1] == (
        f"Last pulse survey (Tue 01 Apr): “{QUESTION}” mean 3.7 of 5 from 3 answers "
        "(internal 4.5, external 2.0)."
    )
