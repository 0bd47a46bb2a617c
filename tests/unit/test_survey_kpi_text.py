"""How the KPIs word the surveys, the same in a chat and a terminal; a survey's question was
typed by a person, so each platform escapes it."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.discord import formatting as discord
from adapters.slack import formatting as slack
from bot.kpis import Csat, Kpis, PollResult, PollSplit, format_kpis, kpis_message
from bot.messages import Quote
from tests.fakes import ACME

UNTIL = datetime(2025, 5, 1, tzinfo=UTC)
EVIL = "<!channel> @everyone how are we doing?"


def with_surveys(**fields: object) -> Kpis:
    return Kpis(ACME, None, UNTIL, **fields)  # type: ignore[arg-type]


def yes_no(question: str = "Did the move go well?") -> PollResult:
    return PollResult(
        poll_id=3,
        channel_id="C-OPS",
        question=question,
        scale="yes/no",
        scheduled_for=datetime(2025, 4, 8, 10, tzinfo=UTC),
        total=PollSplit(4, 0.75, {"yes": 3, "no": 1}),
        by_stakeholder={
            "internal": PollSplit(3, 1.0, {"yes": 3, "no": 0}),
            "external": PollSplit(1, 0.0, {"yes": 0, "no": 1}),
        },
    )


def test_no_answers_and_no_surveys_say_so_in_a_line_each() -> None:
    lines = format_kpis(with_surveys()).splitlines()
    assert lines[-2:] == ["CSAT: no answers yet", "pulse surveys: none"]


def test_csat_is_given_in_all_then_per_month_stakeholder_and_priority() -> None:
    text = format_kpis(
        with_surveys(
            csat=Csat(4, 3, 1, 0),
            csat_by_month={"2025-04": Csat(4, 3, 1, 0)},
            csat_by_stakeholder={"internal": Csat(1, 1, 0, 0), "external": Csat(3, 2, 1, 0)},
            csat_by_priority={"good-to-have": Csat(4, 3, 1, 0)},
        )
    )
    assert (
        "CSAT: 75% solved it, of 4 answers (solved it 3, partly 1, no 0)\n"
        "CSAT by month: 2025-04 75% of 4\n"
        "CSAT by stakeholder: internal 100% of 1, external 67% of 3\n"
        "CSAT by priority: good-to-have 75% of 4"
    ) in text


def test_a_yes_no_survey_is_given_as_its_share_of_yes() -> None:
    text = format_kpis(with_surveys(polls=[yes_no()]))
    assert text.splitlines()[-1] == (
        "• 2025-04-08 10:00 UTC “Did the move go well?” (yes/no): 75% yes from 4 answers "
        "(yes: 3, no: 1); internal 100% yes from 3, external 0% yes from 1"
    )


def test_a_surveys_question_is_a_quote_each_platform_escapes() -> None:
    message = kpis_message(with_surveys(polls=[yes_no(EVIL)]))
    assert Quote(EVIL) in message.parts
    assert "<!channel>" not in slack.render(message)
    assert "@everyone" not in discord.render(message)
