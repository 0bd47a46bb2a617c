"""``feedbackbot export --what answers`` and ``feedbackbot delete`` as an operator runs them,
on SQLite and PostgreSQL: the answers seeded through the store, the command run in this
process (on a thread: it runs its own event loop)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.export import ANSWER_FIELDS
from bot.items import Item, Stakeholder
from bot.reminders import Reminder, ReminderKind
from bot.schedules import parse_schedule
from bot.surveys import ANONYMOUS_REQUESTER, Poll, PollAnswer, Role, Scale, ShipAnswer
from bot.surveys import ShippedAnswer as Shipped
from storage.unit_of_work import SqlStorage
from tests.cli import Result, run_cli
from tests.core import core_on
from tests.fakes import ACME, BOB, CY, GLOBEX, START, FixedClock, submission

LATER = START + timedelta(hours=1)
QUESTION = "How well does the platform team support you?"


async def _cli(url: str, cwd: Path, clean_env: dict[str, str], *argv: str) -> Result:
    env = {**clean_env, "DATABASE_URL": url}
    return await asyncio.to_thread(run_cli, *argv, env=env, cwd=cwd)


async def _seed(engine: AsyncEngine) -> None:
    """ACME: #1 (Bob answered solved with a comment), #2 anonymous (its requester answered
    no, Cy partly), a yes/no poll Bob answered yes; GLOBEX: #1 answered by Cy."""
    feedback = core_on(engine, FixedClock()).feedback
    for workspace, anonymous in ((ACME, False), (ACME, True), (GLOBEX, False)):
        item = await feedback.submit(
            submission("faster CI", workspace=workspace, anonymous=anonymous)
        )
        assert isinstance(item, Item)
    storage = SqlStorage(engine)
    async with storage.unit_of_work() as uow:
        reminder = await uow.reminders.add(
            Reminder(
                ACME,
                "C-GENERAL",
                parse_schedule("every month on the 1st at 10:00")[0],
                "UTC",
                ReminderKind.SURVEY,
                START,
                text=QUESTION,
                scale=Scale.YES_NO,
            )
        )
        poll = await uow.surveys.open_poll(
            Poll(ACME, "C-GENERAL", QUESTION, Scale.YES_NO, START, START, reminder.id)
        )
        assert poll.id is not None
        for answer in (
            Shipped(ACME, 1, BOB.user_id, BOB.user_id, Role.VOTER, ShipAnswer.SOLVED, START, "ok"),
            Shipped(ACME, 2, ANONYMOUS_REQUESTER, None, Role.REQUESTER, ShipAnswer.NO, START),
            Shipped(ACME, 2, CY.user_id, CY.user_id, Role.VOTER, ShipAnswer.PARTLY, LATER),
            Shipped(GLOBEX, 1, CY.user_id, CY.user_id, Role.VOTER, ShipAnswer.NO, START),
        ):
            await uow.surveys.answer_shipped(answer)
        await uow.surveys.answer_poll(
            PollAnswer(poll.id, BOB.user_id, Stakeholder.INTERNAL, 1, START)
        )
        await uow.commit()


async def test_export_answers_writes_one_csv_row_per_answer_with_no_id_for_anonymous_items(
    engine: AsyncEngine, database_url_for_test: str, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    await _seed(engine)
    result = await _cli(
        database_url_for_test,
        tmp_path,
        clean_env,
        "export",
        "--what",
        "answers",
        "--workspace",
        str(ACME),
    )
    assert result.status == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == ANSWER_FIELDS
    shown = [dict(zip(ANSWER_FIELDS, row, strict=True)) for row in rows[1:]]
    assert [(r["survey"], r["number"], r["user_id"], r["role"], r["answer"]) for r in shown] == [
        ("shipped", "1", BOB.user_id, "voter", "solved"),
        ("shipped", "2", "", "requester", "no"),
        ("shipped", "2", "", "voter", "partly"),
        ("pulse", "", BOB.user_id, "", "yes"),
    ]
    assert shown[0]["comment"] == "ok" and shown[3]["question"] == QUESTION
    assert shown[3]["scheduled_for"] == START.isoformat()
    assert CY.user_id not in result.stdout


async def test_export_answers_as_json_covers_every_workspace(
    engine: AsyncEngine, database_url_for_test: str, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    await _seed(engine)
    result = await _cli(
        database_url_for_test,
        tmp_path,
        clean_env,
        "export",
        "--what",
        "answers",
        "--format",
        "json",
    )
    assert result.status == 0, result.stderr
    answers = json.loads(result.stdout)
    assert sorted({answer["workspace"] for answer in answers}) == sorted({str(ACME), str(GLOBEX)})
    assert len(answers) == 5
    anonymous = [a for a in answers if a["workspace"] == str(ACME) and a["number"] == 2]
    assert [a["user_id"] for a in anonymous] == [None, None]


async def test_export_without_what_still_exports_items(
    engine: AsyncEngine, database_url_for_test: str, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    await _seed(engine)
    result = await _cli(
        database_url_for_test,
        tmp_path,
        clean_env,
        "export",
        "--format",
        "json",
        "--workspace",
        str(ACME),
    )
    assert [item["number"] for item in json.loads(result.stdout)] == [1, 2]


async def test_delete_removes_the_item_and_its_answers_and_says_what_went(
    engine: AsyncEngine, database_url_for_test: str, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    await _seed(engine)
    result = await _cli(
        database_url_for_test, tmp_path, clean_env, "delete", "--workspace", str(ACME), "2"
    )
    assert result.status == 0, result.stderr
    assert result.stdout.startswith(f"Deleted #2 of {ACME} with its ")
    assert "2 survey answers" in result.stdout and result.stdout.count("\n") == 1
    exported = await _cli(
        database_url_for_test,
        tmp_path,
        clean_env,
        "export",
        "--what",
        "answers",
        "--workspace",
        str(ACME),
    )
    assert [row[2] for row in csv.reader(io.StringIO(exported.stdout))][1:] == ["1", ""]
    again = await _cli(
        database_url_for_test, tmp_path, clean_env, "delete", "--workspace", str(ACME), "2"
    )
    assert again.status == 1
    assert again.stderr == f"feedbackbot: there is no item #2 in {ACME}\n"


async def test_delete_names_its_item_with_a_workspace_and_a_number(
    engine: AsyncEngine, database_url_for_test: str, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    result = await _cli(database_url_for_test, tmp_path, clean_env, "delete", "2")
    assert result.status == 2 and "--workspace" in result.stderr
    assert "Traceback" not in result.stderr
