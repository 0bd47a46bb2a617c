"""The least a bot on slack-bolt can do for a `/feedback`, measured as ``bench.slack_ack``
measures `feedbackbot run`: where the Slack benchmark's ratio goes.

Run from the repository root::

    python -m bench.slack_floor [--requests N] [--rounds R] [--only FLOOR|bot ...]

A floor is two processes sharing one port, as `feedbackbot run` with ``WORKERS=2``: each a
slack-bolt ``AsyncApp`` served by aiohttp, as the bare app of ``bench.slack_ack`` is, whose
``/feedback`` listener stores the command, acknowledges it with the item's number, posts the
thank-you through one aiohttp session to the fake Slack, and notes the posted message. Nothing
else: no parsing, wording, triage, metrics or logs. The floors differ in what they store:

- ``no-database``: nothing; a counter numbers the items.
- ``one-table``: one SQLite table (the item, its delivery id, its thank-you), written by group
  commits on a thread of their own, the workers taking turns on a lock file, as the bot's are.
- ``bot-storage``: the bot's own schema and writes (``bot.journal.Journal`` over
  ``storage.sqlite_writes.SqliteWriteTogether``): the item, its delivery id and the thank-you it
  owes in one transaction, then the thank-you noted and settled in another.

Each round of each floor, and of `feedbackbot run` itself, follows a round of the bare app, so
each ratio compares servers measured minutes apart at most (the machine's speed moves). It
prints, per server, the median over the rounds of items/s, of the ratio to the bare app's
acks/s just before, and of the CPU time per item.

``python -m bench.slack_floor --serve FLOOR PORT`` is a floor itself (used internally).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from adapters.app.event_loop import run as run_loop
from bench.slack_ack import (
    REPO_ROOT,
    SLACK_PATH,
    Round,
    Server,
    _fake_slack_and_settings,
    _running,
    bot_round,
    command_bodies,
    load_client,
    measured,
    send_commands,
    started_bare,
    started_bot,
)
from tests.processes import free_port

FLOORS = ("no-database", "one-table", "bot-storage")
BOT = "feedbackbot run"
READY = "bench-floor-ready"
CONCURRENCY = 50

ONE_TABLE = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY, text TEXT NOT NULL, channel_id TEXT NOT NULL,
    author_id TEXT NOT NULL, delivery_id TEXT NOT NULL UNIQUE, thanks_message_id TEXT
)"""

Store = Callable[[dict[str, Any]], Awaitable[int]]
Note = Callable[[int, str], Awaitable[None]]


# -- the floors (subprocesses) -------------------------------------------------------------------


@asynccontextmanager
async def no_database() -> AsyncIterator[tuple[Store, Note]]:
    numbers = iter(range(1, sys.maxsize))

    async def store(_: dict[str, Any]) -> int:
        return next(numbers)

    async def note(_: int, __: str) -> None:
        return None

    yield store, note


@asynccontextmanager
async def one_table(path: str) -> AsyncIterator[tuple[Store, Note]]:
    from bot.batching import GroupCommit
    from storage.file_lock import held, open_lock_file
    from storage.writer_thread import WriterThread

    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("busy_timeout=30000", "journal_mode=WAL", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    lock = open_lock_file(path)
    thread = WriterThread("floor-writes")

    def write(batch: list[tuple[str, Any]]) -> list[int]:
        added = [values for kind, values in batch if kind == "add"]
        noted = [values for kind, values in batch if kind == "note"]
        with held(lock):
            connection.execute("BEGIN IMMEDIATE")
            # The lock is held: the next ids are this transaction's to give.
            (last,) = connection.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()
            ids = list(range(last + 1, last + 1 + len(added)))
            connection.executemany(
                "INSERT INTO items (id, text, channel_id, author_id, delivery_id) "
                "VALUES (?, ?, ?, ?, ?)",
                [(number, *values) for number, values in zip(ids, added, strict=True)],
            )
            connection.executemany("UPDATE items SET thanks_message_id = ? WHERE id = ?", noted)
            connection.execute("COMMIT")
        answers = iter(ids)
        return [next(answers) if kind == "add" else 0 for kind, _ in batch]

    async def write_all(batch: list[tuple[str, Any]]) -> list[int]:
        return await thread.call(write, batch)

    commit: GroupCommit[tuple[str, Any], int] = GroupCommit(write_all)

    async def store(command: dict[str, Any]) -> int:
        values = (command["text"], command["channel_id"], command["user_id"])
        return await commit(("add", (*values, command["trigger_id"])))

    async def note(number: int, message_id: str) -> None:
        await commit(("note", (message_id, number)))

    try:
        yield store, note
    finally:
        thread.close()
        connection.close()


@asynccontextmanager
async def bot_storage(path: str) -> AsyncIterator[tuple[Store, Note]]:
    from bot.identity import MessageRef, Person, Platform, Workspace
    from bot.items import Item, ItemKind, Stakeholder
    from bot.journal import Journal
    from bot.outbox import Owed, Settled
    from bot.ports import FirstDelivery, ThanksNote
    from storage.engine import create_engine
    from storage.sqlite_writes import SqliteWriteTogether
    from storage.unit_of_work import SqlStorage

    workspace = Workspace(Platform.SLACK, "T1")
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    storage = SqlStorage(engine)
    owed: dict[int, tuple[Owed, str]] = {}
    try:
        async with SqliteWriteTogether(engine, storage.known) as writer:
            journal = Journal(storage.unit_of_work, writer)

            async def store(command: dict[str, Any]) -> int:
                now = datetime.now(UTC)
                item = Item(
                    workspace=workspace,
                    kind=ItemKind.FEEDBACK,
                    text=command["text"],
                    channel_id=command["channel_id"],
                    author=Person(command["user_id"], command["user_name"]),
                    stakeholder=Stakeholder.INTERNAL,
                    priority=None,
                    created_at=now,
                )
                thanks = Owed.thanks(item)
                await journal(FirstDelivery(item, [thanks], command["trigger_id"], now))
                assert item.number is not None
                owed[item.number] = (thanks, item.channel_id)
                return item.number

            async def note(number: int, message_id: str) -> None:
                thanks, channel_id = owed.pop(number)
                posted, now = MessageRef(channel_id, message_id), datetime.now(UTC)
                await journal(
                    ThanksNote(workspace, number, now, posted),
                    Settled(thanks.key, now, "posted", posted),
                )

            yield store, note
    finally:
        await engine.dispose()


async def serve_floor(floor: str, sock: socket.socket, database: str) -> None:
    """One process of a floor, on ``sock`` (shared with the other through SO_REUSEPORT)."""
    api_url = os.environ["SLACK_API_URL"]
    token = os.environ["SLACK_BOT_TOKEN"]
    bolt = AsyncApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=AsyncWebClient(token=token, base_url=api_url),
        process_before_response=True,
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    tasks: set[asyncio.Task[None]] = set()
    stores: dict[str, Callable[[], AbstractAsyncContextManager[tuple[Store, Note]]]] = {
        "no-database": no_database,
        "one-table": lambda: one_table(database),
        "bot-storage": lambda: bot_storage(database),
    }
    async with (
        aiohttp.ClientSession() as session,
        stores[floor]() as (store, note),
    ):

        async def thank(command: dict[str, Any], number: int) -> None:
            text = f"Thanks <@{command['user_id']}>! #{number}: {command['text']}"
            body = json.dumps({"channel": command["channel_id"], "text": text}).encode()
            async with session.post(
                api_url + "chat.postMessage", data=body, headers=headers
            ) as response:
                answer = json.loads(await response.read())
            await note(number, answer["ts"])

        async def on_feedback(ack: AsyncAck, command: dict[str, Any]) -> None:
            number = await store(command)
            await ack(text=f"Recorded as #{number}. Thank you!", response_type="ephemeral")
            task = asyncio.get_running_loop().create_task(thank(command, number))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        bolt.command("/feedback")(on_feedback)

        async def events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await bolt.async_dispatch(await to_bolt_request(request))
            )

        app = web.Application()
        app.router.add_post(SLACK_PATH, events)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            print(READY, flush=True)
            await stop.wait()
        finally:
            await runner.cleanup()


def serve(floor: str, port: int, first: bool) -> None:
    """A floor's process; the first one makes the database and starts the second, and says it
    is ready once both are."""
    database = str(Path(os.environ["HOME"]) / f"floor-{floor}.db")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    second = None
    if first:
        make_database(floor, database)
        second = subprocess.Popen(
            [sys.executable, "-m", "bench.slack_floor", "--serve", floor, str(port), "--second"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert second.stdout is not None
        if second.stdout.readline().strip() != READY:
            raise RuntimeError("the floor's second process did not start")
    try:
        run_loop(serve_floor(floor, sock, database))  # as `feedbackbot run` serves
    finally:
        if second is not None:
            second.send_signal(signal.SIGTERM)
            second.wait()


def make_database(floor: str, database: str) -> None:
    if floor == "one-table":
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(ONE_TABLE)
    elif floor == "bot-storage":
        from storage.engine import create_engine
        from storage.schema import migrate

        async def migrated() -> None:
            engine = create_engine(f"sqlite+aiosqlite:///{database}")
            await migrate(engine)
            await engine.dispose()

        asyncio.run(migrated())


# -- the benchmark ------------------------------------------------------------------------------


@asynccontextmanager
async def started_floor(
    floor: str, env: Mapping[str, str], codes: dict[str, int | None]
) -> AsyncIterator[Server]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.slack_floor",
        "--serve",
        floor,
        str(port),
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    server = Server(floor, f"http://127.0.0.1:{port}", process)
    async with _running(server, process.stdout, READY, f"the {floor} floor", codes):
        yield server


async def bench(requests: int, rounds: int, only: Sequence[str]) -> int:
    codes: dict[str, int | None] = {}
    results: dict[str, list[tuple[Round, Round]]] = {}
    async with AsyncExitStack() as stack:
        fake, workdir, env = await _fake_slack_and_settings(stack, 2)
        bare = await stack.enter_async_context(started_bare(env, workdir, codes))
        servers = [
            await stack.enter_async_context(started_floor(floor, env, codes))
            for floor in FLOORS
            if floor in only
        ]
        if BOT in only:
            database = f"sqlite:///{workdir / 'bench.db'}"
            servers.append(
                await stack.enter_async_context(started_bot(env, workdir, codes, database, BOT))
            )
        post = await stack.enter_async_context(load_client("lean", CONCURRENCY + 10))
        print(
            f"The least a bot can do, against `feedbackbot run`: {rounds} rounds of {requests} "
            f"requests at concurrency {CONCURRENCY}, each after a round of the bare app; "
            f"two processes each, {os.cpu_count()} CPU(s)\n"
        )
        for index, server in enumerate(servers):
            tag = f"warm{index}"
            warm = await bot_round(
                post, fake, server, tag, command_bodies(tag, 5, fake.response_url), 1
            )
            results[server.name] = []
            if warm.failures or warm.lost:
                raise RuntimeError(f"{server.name}: {(warm.failures + warm.lost)[:3]}")
        for number in range(rounds):
            for index, server in enumerate(servers):
                tag = f"r{number}s{index}"
                bodies = command_bodies(tag, requests, fake.response_url)
                bare_round = await send_commands(post, bare, bodies, CONCURRENCY)
                result = await measured(
                    server, bot_round(post, fake, server, tag, bodies, CONCURRENCY)
                )
                results[server.name].append((bare_round, result))
    print(f"{'server':<18} {'items/s':>8} {'bare acks/s':>11} {'ratio':>6} {'CPU ms/item':>11}")
    failed = False
    for name, pairs in results.items():
        failed = failed or any(result.failures or result.lost for _, result in pairs)
        items = statistics.median(result.items_per_second for _, result in pairs)
        acks = statistics.median(bare_round.acks_per_second for bare_round, _ in pairs)
        ratio = statistics.median(
            result.items_per_second / bare_round.acks_per_second for bare_round, result in pairs
        )
        cpu = statistics.median(
            result.cpu_ms_per_request(result.server_cpu_s) for _, result in pairs
        )
        print(f"{name:<18} {items:8.0f} {acks:11.0f} {ratio:6.2f} {cpu:11.2f}")
    print("(medians over the rounds; ratio: items/s / the bare app's acks/s in the round before)")
    if failed:
        print("\n!! a request failed or a thank-you was lost")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_floor", description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server")
    parser.add_argument(
        "--only",
        action="append",
        choices=(*FLOORS, "bot"),
        help="run only this server (repeatable; default: the three floors and the bot)",
    )
    parser.add_argument("--serve", nargs=2, metavar=("FLOOR", "PORT"), help=argparse.SUPPRESS)
    parser.add_argument("--second", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        floor, port = args.serve
        if floor not in FLOORS:
            parser.error(f"a floor is one of {', '.join(FLOORS)}")
        serve(floor, int(port), first=not args.second)
        return 0
    if args.requests < 1 or args.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")
    only = [BOT if name == "bot" else name for name in args.only or (*FLOORS, "bot")]
    return asyncio.run(bench(args.requests, args.rounds, only))


if __name__ == "__main__":
    sys.exit(main())
