"""The outbox on SQLite and PostgreSQL: owed messages kept whole, each claimed by one process at
a time, handed back, and done once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import MessageRef, Person, Platform, Workspace
from bot.messages import Button, ButtonStyle, Mention, Message, Quote
from bot.outbox import Owed, Postponed, Purpose, Settled
from storage.unit_of_work import SqlStorage
from tests.fakes import START

ACME = Workspace(Platform.SLACK, "T-ACME")
GUILD = Workspace(Platform.DISCORD, "G-1")
SLACK = frozenset({Platform.SLACK})
LEASE = timedelta(seconds=30)


def owed(text: str = "hello", workspace: Workspace = ACME) -> Owed:
    return Owed(
        workspace,
        Purpose.THREAD,
        START,
        channel_id="C1",
        thread=MessageRef("C1", "1.0"),
        message=Message.of("Hi ", Mention(Person("U1", "Ada")), ", ", Quote(text)),
    )


async def keep(storage: SqlStorage, *messages: Owed) -> None:
    async with storage.unit_of_work() as uow:
        await uow.outbox.add(list(messages))
        await uow.commit()


async def claim(storage: SqlStorage, by: str, limit: int = 100) -> list[Owed]:
    async with storage.unit_of_work() as uow:
        claimed = await uow.outbox.claim(SLACK, START, by=by, until=START + LEASE, limit=limit)
        await uow.commit()
        return claimed


async def test_an_owed_message_comes_back_whole(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    kept = owed("<!channel> typed by a person")
    await keep(storage, kept)
    (claimed,) = await claim(storage, "p1")
    assert (claimed.key, claimed.message, claimed.thread) == (kept.key, kept.message, kept.thread)
    assert claimed.workspace == ACME and claimed.purpose is Purpose.THREAD


async def test_an_owed_message_keeps_its_buttons(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    kept = owed("Did this solve it?")
    kept.message = Message.of("Did this solve it?").with_buttons(
        Button("fb:csat:1:solved:T-ACME", "Solved it", ButtonStyle.PRIMARY),
        Button("fb:csat:1:no:T-ACME", "No", ButtonStyle.DANGER),
        Button("fb:csat:1:comment:T-ACME", "Add a comment"),
    )
    await keep(storage, kept)
    (claimed,) = await claim(storage, "p1")
    assert claimed.message == kept.message


async def test_a_message_is_claimed_by_one_process_until_its_lease_ends(
    engine: AsyncEngine,
) -> None:
    storage = SqlStorage(engine)
    await keep(storage, *(owed(f"m{n}") for n in range(20)))
    first, second = await asyncio.gather(claim(storage, "p1"), claim(storage, "p2"))
    keys = [each.key for each in first + second]
    assert len(keys) == 20 and len(set(keys)) == 20
    async with storage.unit_of_work() as uow:
        late = await uow.outbox.claim(
            SLACK, START + LEASE, by="p3", until=START + 2 * LEASE, limit=100
        )
    assert len(late) == 20  # the first claimers died: their lease is over


async def test_only_the_platforms_a_process_serves_are_claimed(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    await keep(storage, owed(workspace=GUILD))
    assert await claim(storage, "slack-only") == []


async def test_a_postponed_message_waits_and_a_settled_one_is_done(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    later, done = owed("later"), owed("done")
    await keep(storage, later, done)
    async with storage.unit_of_work() as uow:
        await uow.outbox.postpone(
            [Postponed(later.key, START + timedelta(seconds=5), 1, True, "http_503")]
        )
        await uow.outbox.settle([Settled(done.key, START, "posted", MessageRef("C1", "2.0"))])
        await uow.commit()
    assert await claim(storage, "p1") == []
    async with storage.unit_of_work() as uow:
        assert await uow.outbox.pending() == 1
        (again,) = await uow.outbox.claim(
            SLACK, START + timedelta(seconds=5), by="p1", until=START + LEASE, limit=10
        )
    assert again.key == later.key and again.attempts == 1 and again.maybe_sent


async def test_released_claims_are_free_at_once(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    await keep(storage, owed())
    assert len(await claim(storage, "stopping")) == 1
    async with storage.unit_of_work() as uow:
        assert await uow.outbox.release("stopping") == 1
        await uow.commit()
    (again,) = await claim(storage, "next")
    assert again.maybe_sent  # it may have gone out before the stop: look first
