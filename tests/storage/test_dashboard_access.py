"""Signing in to the dashboard on real databases (SQLite and PostgreSQL): a link signs in once,
within ten minutes, into the workspace it was made for; sessions last their lifetime or until
signed out; the signing key is made once and shared by every process."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dashboard_access import DashboardAccess, LinkRefused, Session, Visitor
from bot.identity import Person, Platform, Workspace
from storage.engine import create_engine
from tests.core import core_on
from tests.fakes import FixedClock
from tests.scan import every_row

ACME = Workspace(Platform.SLACK, "T-ACME")
GLOBEX = Workspace(Platform.DISCORD, "G-GLOBEX")
ADA = Person("U-ADA", "Ada")
BOB = Person("U-BOB", "Bob")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def access(engine: AsyncEngine, clock: FixedClock) -> DashboardAccess:
    return core_on(engine, clock).access


async def signed_in(access: DashboardAccess, token: str) -> Session:
    session = await access.sign_in(token)
    assert isinstance(session, Session), session
    return session


async def test_a_link_signs_its_person_in_to_its_workspace_with_their_role(
    access: DashboardAccess,
) -> None:
    admin = await signed_in(access, await access.link(ACME, ADA, admin=True))
    member = await signed_in(access, await access.link(ACME, BOB, admin=False))
    assert admin.visitor == Visitor(ACME, ADA, admin=True)
    assert member.visitor == Visitor(ACME, BOB, admin=False)
    assert await access.visitor(admin.token) == Visitor(ACME, ADA, admin=True)
    assert await access.visitor(member.token) == Visitor(ACME, BOB, admin=False)


async def test_a_link_signs_in_once(access: DashboardAccess) -> None:
    token = await access.link(ACME, ADA, admin=True)
    first = await signed_in(access, token)
    assert await access.sign_in(token) is LinkRefused.USED
    assert await access.visitor(first.token) == first.visitor  # the first session stands


async def test_a_link_works_for_ten_minutes(access: DashboardAccess, clock: FixedClock) -> None:
    on_time = await access.link(ACME, ADA, admin=False)
    late = await access.link(ACME, BOB, admin=False)
    clock.advance(timedelta(minutes=9, seconds=59))
    await signed_in(access, on_time)
    clock.advance(timedelta(seconds=1))
    assert await access.sign_in(late) is LinkRefused.EXPIRED
    assert await access.sign_in(late) is LinkRefused.EXPIRED  # trying did not use it


@pytest.mark.parametrize(
    "forged", ["", "not-a-link", "A" * 43, "é\u202e<script>", "x" * 5000], ids=len
)
async def test_a_forged_link_signs_nobody_in(access: DashboardAccess, forged: str) -> None:
    await access.link(ACME, ADA, admin=True)
    assert await access.sign_in(forged) is LinkRefused.UNKNOWN


async def test_a_link_of_another_workspace_signs_in_there_only(access: DashboardAccess) -> None:
    # The same person id in two workspaces: each link opens its own workspace, never the other.
    in_acme = await signed_in(access, await access.link(ACME, ADA, admin=True))
    in_globex = await signed_in(access, await access.link(GLOBEX, ADA, admin=False))
    assert await access.visitor(in_acme.token) == Visitor(ACME, ADA, admin=True)
    assert await access.visitor(in_globex.token) == Visitor(GLOBEX, ADA, admin=False)


async def test_the_workspace_keeps_its_organisation(access: DashboardAccess) -> None:
    grid = Workspace(Platform.SLACK, "T-SALES", organisation="E-GRID")
    session = await signed_in(access, await access.link(grid, ADA, admin=False))
    visitor = await access.visitor(session.token)
    assert visitor is not None and visitor.workspace.organisation == "E-GRID"


async def test_signing_out_ends_that_session_only(access: DashboardAccess) -> None:
    phone = await signed_in(access, await access.link(ACME, ADA, admin=True))
    laptop = await signed_in(access, await access.link(ACME, ADA, admin=True))
    await access.sign_out(phone.token)
    assert await access.visitor(phone.token) is None
    assert await access.visitor(laptop.token) == Visitor(ACME, ADA, admin=True)
    await access.sign_out(phone.token)  # again: nothing to do, nothing fails
    await access.sign_out("never-a-session")


async def test_a_session_lasts_twelve_hours(access: DashboardAccess, clock: FixedClock) -> None:
    session = await signed_in(access, await access.link(ACME, ADA, admin=True))
    assert session.expires_at == clock.now() + timedelta(hours=12)
    clock.advance(timedelta(hours=11, minutes=59))
    assert await access.visitor(session.token) is not None
    clock.advance(timedelta(minutes=1))
    assert await access.visitor(session.token) is None


async def test_a_session_lasts_as_long_as_configured(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    access = core_on(engine, clock, session_lifetime=timedelta(hours=2)).access
    session = await signed_in(access, await access.link(ACME, ADA, admin=True))
    assert session.expires_at == clock.now() + timedelta(hours=2)
    clock.advance(timedelta(hours=2))
    assert await access.visitor(session.token) is None


async def test_an_unknown_session_is_nobody(access: DashboardAccess) -> None:
    token = await access.link(ACME, ADA, admin=True)
    assert await access.visitor(token) is None  # a link is not a session
    assert await access.visitor("") is None


async def test_only_hashes_of_links_and_sessions_are_stored(
    engine: AsyncEngine, access: DashboardAccess
) -> None:
    token = await access.link(ACME, ADA, admin=True)
    session = await signed_in(access, token)
    stored = await every_row(engine)
    assert "dashboard_sessions" in stored
    assert token not in stored and session.token not in stored


async def test_links_and_sessions_long_expired_are_removed_when_a_link_is_made(
    engine: AsyncEngine, access: DashboardAccess, clock: FixedClock
) -> None:
    old_link = await access.link(ACME, ADA, admin=True)
    session = await signed_in(access, await access.link(ACME, ADA, admin=True))
    clock.advance(timedelta(hours=12, minutes=1))
    await access.link(ACME, BOB, admin=False)
    assert await access.sign_in(old_link) is LinkRefused.EXPIRED  # kept a day after it expired
    clock.advance(timedelta(days=1))
    await access.link(ACME, BOB, admin=False)
    assert await access.sign_in(old_link) is LinkRefused.UNKNOWN
    assert session.token not in await every_row(engine)
    assert (await every_row(engine)).count("dashboard_links") == 2  # the two made last


async def test_two_processes_using_one_link_at_once_sign_in_once(
    engine: AsyncEngine, database_url_for_test: str
) -> None:
    other_engine = create_engine(database_url_for_test)
    try:
        first, second = core_on(engine).access, core_on(other_engine).access
        for _ in range(5):
            token = await first.link(ACME, ADA, admin=True)
            outcomes = await asyncio.gather(first.sign_in(token), second.sign_in(token))
            sessions = [each for each in outcomes if isinstance(each, Session)]
            assert len(sessions) == 1, outcomes
            assert LinkRefused.USED in outcomes
    finally:
        await other_engine.dispose()


async def test_the_signing_key_is_made_once_and_shared_by_every_process(
    engine: AsyncEngine, database_url_for_test: str
) -> None:
    other_engine = create_engine(database_url_for_test)
    try:
        first, second = core_on(engine).access, core_on(other_engine).access
        keys = await asyncio.gather(first.signing_key(), second.signing_key())
        assert len(keys[0]) == 32 and keys[0] == keys[1]
        assert await core_on(engine).access.signing_key() == keys[0]  # after a restart too
    finally:
        await other_engine.dispose()


async def test_the_signing_key_is_read_once_per_process(
    engine: AsyncEngine, access: DashboardAccess
) -> None:
    key = await access.signing_key()
    async with engine.begin() as connection:
        await connection.exec_driver_sql("DELETE FROM dashboard_keys")
    assert await access.signing_key() == key  # from memory: a read would have made a new one
