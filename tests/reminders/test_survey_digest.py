"""The roadmap digest ends with the result of the last pulse survey posted: its day, its
question (a quote: a person typed it), its mean and how many answered, by stakeholder kind."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.digest import RoadmapFacts, compose_digest
from bot.items import ItemKind, Stakeholder
from bot.kpis import PollResult, PollSplit
from bot.messages import Quote
from bot.surveys import Scale
from tests.fakes import submission
from tests.reminders.conftest import ACME, GLOBEX, MONDAY, Roadmap
from tests.reminders.test_digest import busy_week, rendered_length
from tests.survey_history import answer_poll, open_poll

UTC_ZONE = ZoneInfo("UTC")
QUESTION = "How well does the platform team support you?"


async def polled(roadmap: Roadmap) -> None:
    """An item last week; the survey of Saturday 1 March answered by three internal and two
    external people, and a newer one of GLOBEX's."""
    roadmap.at(MONDAY - timedelta(days=3))
    await roadmap.feedback.submit(submission("Faster runners", kind=ItemKind.REQUEST))
    await roadmap.feedback.submit(submission("Globex's", kind=ItemKind.REQUEST, workspace=GLOBEX))
    first = datetime(2025, 3, 1, 10, tzinfo=UTC)
    poll = await open_poll(roadmap.engine, ACME, QUESTION, first)
    for user, value, kind in (
        ("U-1", 5, Stakeholder.INTERNAL),
        ("U-2", 4, Stakeholder.INTERNAL),
        ("U-3", 4, Stakeholder.INTERNAL),
        ("U-4", 2, Stakeholder.EXTERNAL),
        ("U-5", 3, Stakeholder.EXTERNAL),
    ):
        await answer_poll(roadmap.engine, poll, user, value, first + timedelta(hours=1), kind)
    await open_poll(roadmap.engine, GLOBEX, "Globex's question", first + timedelta(days=1))


async def test_the_digest_ends_with_the_last_surveys_mean_by_stakeholder(
    roadmap: Roadmap,
) -> None:
    await polled(roadmap)
    message = await roadmap.service.digest(ACME, MONDAY - timedelta(days=7), MONDAY, 4000)
    assert message.plain.splitlines()[-1] == (
        "Last pulse survey (Sat 01 Mar): “How well does the platform team support you?” "
        "mean 3.6 of 5 from 5 answers (internal 4.3, external 2.5)."
    )
    assert Quote(QUESTION) in message.parts
    assert "Globex" not in message.plain


async def test_a_quiet_digest_still_gives_the_last_surveys_result(roadmap: Roadmap) -> None:
    await polled(roadmap)
    later = MONDAY + timedelta(days=14)
    message = await roadmap.service.digest(ACME, later - timedelta(days=7), later, 4000)
    quiet, survey = message.plain.splitlines()
    assert "a quiet period" in quiet
    assert survey.startswith("Last pulse survey (Sat 01 Mar): “How well")


async def test_a_workspace_without_surveys_has_no_survey_line(roadmap: Roadmap) -> None:
    roadmap.at(MONDAY - timedelta(days=3))
    await roadmap.feedback.submit(submission("Faster runners", kind=ItemKind.REQUEST))
    message = await roadmap.service.digest(ACME, MONDAY - timedelta(days=7), MONDAY, 4000)
    assert "pulse survey" not in message.plain


def poll(question: str, scale: Scale, total: PollSplit, **kinds: PollSplit) -> PollResult:
    return PollResult(
        poll_id=7,
        channel_id="C-PULSE",
        question=question,
        scale=scale.value,
        scheduled_for=MONDAY - timedelta(days=2),
        total=total,
        by_stakeholder={"internal": PollSplit(), "external": PollSplit(), **kinds},
    )


def test_a_yes_no_survey_gives_the_share_of_yes() -> None:
    yes_no = poll(
        "Did the migration go well?",
        Scale.YES_NO,
        PollSplit(4, 0.75, {"yes": 3, "no": 1}),
        internal=PollSplit(4, 0.75, {"yes": 3, "no": 1}),
    )
    facts = RoadmapFacts(since=MONDAY - timedelta(days=7), until=MONDAY, last_poll=yes_no)
    assert compose_digest(facts, UTC_ZONE, 2000).plain.splitlines()[-1] == (
        "Last pulse survey (Sat 01 Mar): “Did the migration go well?” 75% yes from 4 answers "
        "(internal 75% yes)."
    )


def test_a_survey_nobody_answered_yet_says_so() -> None:
    unanswered = poll(QUESTION, Scale.FIVE, PollSplit())
    facts = RoadmapFacts(since=MONDAY - timedelta(days=7), until=MONDAY, last_poll=unanswered)
    assert compose_digest(facts, UTC_ZONE, 2000).plain.endswith("support you?” no answers yet.")


def test_a_busy_week_with_a_long_survey_question_still_fits_and_keeps_the_survey_line() -> None:
    long = poll("<!channel> " + "why " * 500, Scale.FIVE, PollSplit(1, 5.0, {"5": 1}))
    facts = replace(busy_week(), last_poll=long)
    for limit in (2000, 600):
        message = compose_digest(facts, UTC_ZONE, limit)
        assert rendered_length(message.parts) <= limit
        last = message.plain.splitlines()[-1]
        assert last.startswith("Last pulse survey (Sat 01 Mar): “<!channel> why why")
        assert last.endswith("…” mean 5.0 of 5 from 1 answer.")
