"""``feedbackbot stats`` and ``/roadmap stats`` include the surveys: the CSAT in all, per month,
per stakeholder kind and priority, and each pulse survey's result."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.identity import Platform, Workspace
from bot.items import Stakeholder
from bot.surveys import Role, Scale, ShipAnswer
from storage.engine import create_engine
from tests.cli import run_cli
from tests.survey_history import answer_poll, answer_shipped, open_poll

LOCAL = Workspace(Platform.CONSOLE, "local")
MARCH = datetime(2025, 3, 10, 9, tzinfo=UTC)
APRIL = datetime(2025, 4, 1, 10, tzinfo=UTC)
SHIPPING = (
    "/request must-have: SSO\n"
    "/feedback nice dashboards\n"
    "/roadmap status 1 planned\n/roadmap status 1 shipped\n"
    "/roadmap status 2 planned\n/roadmap status 2 shipped\n"
)


async def answers(database: Path) -> None:
    """About #1 (a must-have): solved and no, in March; about #2 (feedback): partly, in April.
    A 1-5 survey of 1 April, and a yes/no one of 8 April nobody answered."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        solved, partly, no = ShipAnswer.SOLVED, ShipAnswer.PARTLY, ShipAnswer.NO
        await answer_shipped(engine, LOCAL, 1, "console:alice", solved, MARCH, role=Role.REQUESTER)
        await answer_shipped(engine, LOCAL, 1, "console:bob", no, MARCH + timedelta(days=1))
        await answer_shipped(engine, LOCAL, 2, "console:alice", partly, APRIL, role=Role.REQUESTER)
        poll = await open_poll(engine, LOCAL, "How well do we <!channel> support you?", APRIL)
        for user, value, kind in (
            ("console:alice", 5, Stakeholder.INTERNAL),
            ("console:bob", 4, Stakeholder.INTERNAL),
            ("console:cy", 2, Stakeholder.EXTERNAL),
        ):
            await answer_poll(engine, poll, user, value, APRIL + timedelta(hours=1), kind)
        await open_poll(
            engine, LOCAL, "Did the move go well?", APRIL + timedelta(days=7), Scale.YES_NO
        )
    finally:
        await engine.dispose()


@pytest.fixture
def env(clean_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Two items recorded and shipped in the console, then answered about, and two surveys."""
    env = {**clean_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'kpis.db'}"}
    typed = run_cli("console", "--name", "alice", env=env, cwd=tmp_path, typed=SHIPPING)
    assert typed.status == 0, typed.stderr
    asyncio.run(answers(tmp_path / "kpis.db"))
    return env


def test_stats_as_json_give_csat_with_its_share_and_each_survey(
    env: dict[str, str], tmp_path: Path
) -> None:
    printed = run_cli(
        "stats", "--format", "json", "--workspace", "console:local", env=env, cwd=tmp_path
    )
    assert printed.status == 0, printed.stderr
    stats = json.loads(printed.stdout)
    assert stats["csat"] == {"answers": 3, "solved": 1, "partly": 1, "no": 1, "share": 1 / 3}
    assert stats["csat_by_month"]["2025-03"] == {
        "answers": 2,
        "solved": 1,
        "partly": 0,
        "no": 1,
        "share": 0.5,
    }
    assert list(stats["csat_by_priority"]) == ["must-have", "none"]
    newest, first = stats["polls"]
    assert newest["scale"] == "yes/no" and newest["total"]["answers"] == 0
    assert first["scheduled_for"] == "2025-04-01T10:00:00+00:00"
    assert first["total"]["mean"] == pytest.approx(11 / 3)
    assert first["by_stakeholder"]["external"] == {
        "answers": 1,
        "mean": 2.0,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0},
    }


def test_stats_as_text_give_csat_lines_and_each_survey(env: dict[str, str], tmp_path: Path) -> None:
    printed = run_cli("stats", "--workspace", "console:local", env=env, cwd=tmp_path)
    assert printed.status == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert "CSAT: 33% solved it, of 3 answers (solved it 1, partly 1, no 1)" in lines
    assert "CSAT by month: 2025-03 50% of 2, 2025-04 0% of 1" in lines
    assert "CSAT by stakeholder: internal 33% of 3" in lines
    assert "CSAT by priority: must-have 50% of 2, none 0% of 1" in lines
    assert lines[lines.index("pulse surveys, newest first:") + 1 :] == [
        "• 2025-04-08 10:00 UTC “Did the move go well?” (yes/no): no answers",
        "• 2025-04-01 10:00 UTC “How well do we <!channel> support you?” (1-5): mean 3.7 from "
        "3 answers (1: 0, 2: 1, 3: 0, 4: 1, 5: 1); internal 4.5 from 2, external 2.0 from 1",
    ]


def test_roadmap_stats_in_the_console_include_the_surveys(
    env: dict[str, str], tmp_path: Path
) -> None:
    printed = run_cli("console", "--name", "bob", env=env, cwd=tmp_path, typed="/roadmap stats\n")
    assert printed.status == 0, printed.stderr
    assert "CSAT: 33% solved it, of 3 answers" in printed.stdout
    assert "“How well do we <!channel> support you?” (1-5): mean 3.7" in printed.stdout
