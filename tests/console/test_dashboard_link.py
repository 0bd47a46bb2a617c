"""Getting a dashboard sign-in link: ``/roadmap dashboard`` in the console, and
``feedbackbot dashboard link`` for operators and scripts."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console.session import CONSOLE, ConsoleSession, Seat, person_named
from bot.clock import SystemClock
from bot.core import Core, assemble
from bot.dashboard_access import LinkRefused, Session, Visitor
from bot.identity import Person, Platform, Workspace
from bot.items import Stakeholder
from storage.engine import create_engine
from tests.cli import run_cli
from tests.core import core_on
from tests.fakes import FakeUnitOfWorkFactory, FixedClock

LOCAL = Workspace(Platform.CONSOLE, "local")
PRIVATE = "feedbackbot (only you can see this): "
LINK = re.compile(r"(\S+)/signin/([A-Za-z0-9_-]{43})\b")


async def chat(core: Core, typed: str) -> str:
    seat = Seat(LOCAL, "general", person_named("alice"), Stakeholder.INTERNAL)
    out = io.StringIO()
    session = ConsoleSession(
        core.conversation(CONSOLE), seat, io.StringIO(typed), out, interactive=False
    )
    await session.run()
    return out.getvalue()


def link_in(text: str) -> tuple[str, str]:
    """The dashboard's address and the token of the one link in ``text``."""
    (found,) = LINK.finditer(text)
    return found[1], found[2]


async def test_roadmap_dashboard_gives_a_private_link_that_signs_in_as_admin(
    engine: AsyncEngine,
) -> None:
    core = core_on(engine, dashboard_url="https://bot.example.com")
    said = await chat(core, "/roadmap dashboard\n")
    assert said.startswith(f"{PRIVATE}Your dashboard link: https://bot.example.com/signin/")
    assert "works once, within 10 minutes" in said
    assert "as an admin" in said  # everyone may triage in the console
    _, token = link_in(said)
    session = await core.access.sign_in(token)
    assert isinstance(session, Session)
    assert session.visitor == Visitor(LOCAL, person_named("alice"), admin=True)


async def test_each_request_gives_a_new_link(engine: AsyncEngine) -> None:
    core = core_on(engine)
    said = await chat(core, "/roadmap dashboard\n/roadmap dashboard\n")
    first, second = LINK.findall(said)
    assert first[0] == "http://127.0.0.1:3000" and first[1] != second[1]


async def test_without_the_database_no_link_is_given() -> None:
    storage = FakeUnitOfWorkFactory()
    storage.unreachable = True
    said = await chat(assemble(storage, FixedClock()), "/roadmap dashboard\n")
    assert said == f"{PRIVATE}Sorry, I could not reach the database just now; nothing changed.\n"


async def test_the_roadmap_usage_mentions_the_dashboard(engine: AsyncEngine) -> None:
    said = await chat(core_on(engine), "/roadmap whatever\n/help\n")
    assert "/roadmap dashboard gives you a link (only to you)" in said
    assert "/roadmap dashboard  a link that signs you in to the web dashboard" in said


# -- feedbackbot dashboard link --------------------------------------------------------------


def sign_in(database: Path, token: str) -> Session | LinkRefused:
    async def use() -> Session | LinkRefused:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        try:
            return await core_on(engine, SystemClock()).access.sign_in(token)
        finally:
            await engine.dispose()

    return asyncio.run(use())


def test_the_command_prints_a_link_that_signs_in_once(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, "PUBLIC_URL": "https://bot.example.com/"}
    done = run_cli(
        "dashboard", "link", "--workspace", "slack:T1", "--as", "Ada", "--admin", "--user-id",
        "U1", env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.status == 0, done.stderr
    _, token = link_in(done.stdout)
    assert done.stdout == f"https://bot.example.com/signin/{token}\n"  # the link alone
    assert "works once, within 10 minutes" in done.stderr and "as an admin" in done.stderr
    session = sign_in(tmp_path / "feedbackbot.db", token)
    assert isinstance(session, Session)
    assert session.visitor == Visitor(Workspace(Platform.SLACK, "T1"), Person("U1", "Ada"), True)
    assert sign_in(tmp_path / "feedbackbot.db", token) is LinkRefused.USED


@pytest.mark.parametrize(
    ("workspace", "user_id"), [("discord:42", "Bob"), ("console:local", "console:Bob")]
)
def test_without_admin_or_user_id_it_signs_in_a_member_named_as_their_platform_names_them(
    clean_env: dict[str, str], tmp_path: Path, workspace: str, user_id: str
) -> None:
    env = {**clean_env, "HOST": "0.0.0.0", "PORT": "8080"}
    arguments = ("dashboard", "link", "--workspace", workspace, "--as", "Bob")
    done = run_cli(*arguments, env=env, cwd=tmp_path)
    assert done.status == 0, done.stderr
    base, token = link_in(done.stdout)
    assert base == "http://127.0.0.1:8080"
    assert "a member (not an admin)" in done.stderr
    session = sign_in(tmp_path / "feedbackbot.db", token)
    assert isinstance(session, Session)
    assert session.visitor == Visitor(Workspace.parse(workspace), Person(user_id, "Bob"), False)


@pytest.mark.parametrize(
    "arguments",
    [
        ("--as", "Ada"),
        ("--workspace", "slack:T1"),
        ("--workspace", "T1", "--as", "Ada"),
        ("--workspace", "teams:T1", "--as", "Ada"),
    ],
    ids=["no workspace", "no name", "no platform", "unknown platform"],
)
def test_a_link_for_nobody_or_nowhere_is_refused_with_a_usage_line(
    clean_env: dict[str, str], tmp_path: Path, arguments: tuple[str, ...]
) -> None:
    done = run_cli("dashboard", "link", *arguments, env=clean_env, cwd=tmp_path)
    assert done.status == 2 and done.stdout == ""
    assert not (tmp_path / "feedbackbot.db").exists()  # refused before opening the database
