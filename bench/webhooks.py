"""How fast and how faithfully ``feedbackbot run`` delivers its outgoing webhooks.

Run from the repository root::

    python -m bench.webhooks [--events 10000] [--voted-items 250] [--votes-per-item 4]
        [--latency-ms 50] [--fail-every 10] [--database sqlite|postgresql] [--postgres URL]
        [--profile FILE]

It starts the real ``feedbackbot run`` (``WORKERS=1``, no chat platform: the dashboard alone,
with the webhook dispatcher) on a fresh database, after one endpoint of the console workspace
``console:local`` was registered with ``feedbackbot webhooks add`` pointing at a receiver in this
process (aiohttp on 127.0.0.1) that verifies every request with the ``standardwebhooks`` package,
answers after ``--latency-ms`` and fails every ``--fail-every``-th request with a 500. The
events are made by ``bench/webhook_events.py`` in a process of its own, through the bot's use
cases (``FeedbackService.submit`` and ``FeedbackService.vote``, which write each change and its
deliveries in one transaction): ``--events`` in all, one ``item.created`` per item, and
``--votes-per-item`` ``item.voted`` on each of ``--voted-items`` of them (whose order is
checked). Then it waits until the receiver has answered 2xx
to every event (or nothing arrived for ``--idle-limit`` seconds), and prints the events delivered
per second, the end-to-end lag (the event's ``timestamp`` to its verified receipt), how many
were lost (never answered 2xx), delivered twice (a ``webhook-id`` received again after a 2xx)
and out of order (an item's event received after a later event of the same item). The exit
status is 0 when none was lost and 1 otherwise; events still being retried when the wait ends
(their back-off outlasted it) are counted apart, from the bot's database. Figures and how to
read them: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bench.roadmap import drop_postgres_database, with_postgres_database
from bench.slack_ack import cpu_seconds
from storage.engine import create_engine
from storage.tables import webhook_deliveries
from storage.url import database_url
from tests.processes import FEEDBACKBOT, free_port

WORKSPACE = "console:local"
SERVING = "the dashboard alone"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")
REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


# -- the receiver --------------------------------------------------------------------------------


@dataclass
class Receiver:
    """Verifies every request, answers after ``latency_s``, 500 to every ``fail_every``-th,
    and keeps what a receiver would: which ids it answered 2xx, when, and in which order each
    item's events came."""

    latency_s: float
    fail_every: int
    secret: str | None = None
    requests: int = 0
    refused: int = 0  # did not verify
    failed: int = 0  # answered 500 on purpose
    twice: int = 0  # received again after a 2xx
    in_flight: int = 0
    most_in_flight: int = 0  # requests being answered at once, at most
    delivered: dict[str, float] = field(default_factory=dict)  # webhook-id -> lag in seconds
    answered: list[float] = field(default_factory=list)  # wall clock of each 2xx, in turn
    # item number -> the rank of each event in the order its 2xx was given
    ranks: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    types: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _webhook: Webhook | None = None
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        received = time.time()
        if self._webhook is None:
            assert self.secret is not None, "the endpoint's secret is set before the bot starts"
            self._webhook = Webhook(self.secret)
        try:
            payload = self._webhook.verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.refused += 1
            return web.Response(status=401)
        self.requests += 1
        number = self.requests
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency_s)
        finally:
            self.in_flight -= 1
        if self.fail_every and number % self.fail_every == 0:
            self.failed += 1
            return web.Response(status=500)
        webhook_id = request.headers["webhook-id"]
        if webhook_id in self.delivered:
            self.twice += 1
            return web.Response(status=200)
        self.delivered[webhook_id] = received - _epoch(payload["timestamp"])
        self.answered.append(time.time())
        self.types[str(payload["type"])] += 1
        item = payload["item"]
        self.ranks[int(item["number"])].append(rank(payload))
        self.progress.set()
        return web.Response(status=204)


def _epoch(timestamp: Any) -> float:
    if isinstance(timestamp, int | float):
        return float(timestamp)
    return datetime.fromisoformat(str(timestamp)).timestamp()


def rank(payload: dict[str, Any]) -> int:
    """Where an event stands among its item's: created first, then each vote by the count it
    brought the item to."""
    if payload["type"] == "item.created":
        return 0
    data = payload.get("data") or {}
    return int(data.get("votes", 0))


def out_of_order(ranks: Sequence[int]) -> int:
    """Events received after one that came later among the item's."""
    highest, late = -1, 0
    for each in ranks:
        if each < highest:
            late += 1
        highest = max(highest, each)
    return late


@dataclass
class Bot:
    """``feedbackbot run`` in a process group of its own; its log read on, so the pipe never
    fills, and its warnings counted."""

    env: dict[str, str]
    workdir: Path
    profile: str | None = None  # cProfile's output file, when the bot is profiled
    process: asyncio.subprocess.Process | None = None
    warnings: int = 0
    tail: list[str] = field(default_factory=list)
    _drain: asyncio.Task[None] | None = None

    async def start(self) -> None:
        program: tuple[str, ...] = (FEEDBACKBOT,)
        if self.profile is not None:
            program = (sys.executable, "-m", "cProfile", "-o", self.profile, FEEDBACKBOT)
        process = await asyncio.create_subprocess_exec(
            *program,
            "run",
            env=self.env,
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.process = process
        assert process.stderr is not None
        async with asyncio.timeout(START_TIMEOUT_S):
            while SERVING not in await self._line(process.stderr):
                pass
        self._drain = asyncio.create_task(self._read_on(process.stderr))

    async def _line(self, stream: asyncio.StreamReader) -> str:
        raw = await stream.readline()
        if not raw:
            raise RuntimeError("feedbackbot run ended:\n" + "\n".join(self.tail))
        line = raw.decode(errors="replace").rstrip()
        self.tail = [*self.tail[-19:], line]
        if any(word in line for word in ("WARNING", "ERROR", "CRITICAL", "Traceback")):
            self.warnings += 1
        return line

    async def _read_on(self, stream: asyncio.StreamReader) -> None:
        with suppress(RuntimeError):
            while True:
                await self._line(stream)

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        if self._drain is not None:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._drain, 5)


async def command(env: dict[str, str], cwd: Path, *argv: str) -> str:
    """``feedbackbot ARGV`` (or ``python -m ARGV``), its standard output once it exited 0."""
    program = (sys.executable, "-m") if argv[0].startswith("bench.") else (FEEDBACKBOT,)
    process = await asyncio.create_subprocess_exec(
        *program,
        *argv,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}:\n{err.decode()}")
    return out.decode()


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the run ---------------------------------------------------------------------------------------


async def bench(arguments: argparse.Namespace) -> int:
    voted = arguments.voted_items if arguments.votes_per_item else 0
    items = max(1, arguments.events - voted * arguments.votes_per_item)
    voted = min(voted, items)
    receiver = Receiver(arguments.latency_ms / 1000, arguments.fail_every)
    async with AsyncExitStack() as stack:
        if arguments.keep:
            workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
            print(f"the bot's folder and database are kept in {workdir}")
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database = f"sqlite:///{workdir / 'bench.db'}"
        if arguments.database == "postgresql":
            database, name = await with_postgres_database(arguments.postgres, "webhooks")
            stack.push_async_callback(drop_postgres_database, arguments.postgres, name)
        runner = web.AppRunner(receiver_app(receiver), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        receiver_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hooks"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(workdir),
            "DATABASE_URL": database,
            "FEEDBACKBOT_SEAL_KEY": Fernet.generate_key().decode(),
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            "WORKERS": "1",
            "LOG_LEVEL": "INFO",
            # This checkout's code, whichever one is installed (and what the caller adds).
            "PYTHONPATH": os.pathsep.join(
                [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            # The caller's webhook settings, to compare them.
            **{key: value for key, value in os.environ.items() if key.startswith("WEBHOOK_")},
        }
        added = await command(
            env, workdir, "webhooks", "add", "--workspace", WORKSPACE, receiver_url
        )
        found = SECRET.search(added)
        if found is None:
            raise RuntimeError(f"no secret in what `webhooks add` printed:\n{added}")
        receiver.secret = found.group(0)

        bot = Bot(env, workdir, arguments.profile)
        stack.push_async_callback(bot.stop)
        await bot.start()
        assert bot.process is not None
        cpu_before = cpu_seconds(bot.process.pid)
        print(
            f"firing {items + voted * arguments.votes_per_item:,} events ({items:,} items, "
            f"{voted:,} of them with {arguments.votes_per_item} votes) at {receiver_url}, "
            f"{arguments.latency_ms:.0f} ms per answer, every "
            f"{arguments.fail_every}th answered 500, WORKERS=1 on {arguments.database}",
            flush=True,
        )
        fired = json.loads(
            await command(
                env,
                workdir,
                "bench.webhook_events",
                str(items),
                str(voted),
                str(arguments.votes_per_item),
                str(arguments.concurrency),
            )
        )
        expected = fired["items"] + fired["votes"]
        print(
            f"fired {expected:,} events in {fired['seconds']:.1f} s "
            f"({expected / fired['seconds']:,.0f}/s); waiting for the receiver",
            flush=True,
        )
        while len(receiver.delivered) < expected:
            receiver.progress.clear()
            try:
                await asyncio.wait_for(receiver.progress.wait(), arguments.idle_limit)
            except TimeoutError:
                # Quiet: waiting out a back-off is worth it while the next try comes within
                # one more wait (the sixth try of an event comes 5 minutes after its first).
                waiting = await still_owed(database)
                if not waiting.pending or waiting.next_try_s > arguments.idle_limit:
                    break
        cpu = cpu_seconds(bot.process.pid) - cpu_before
        await bot.stop()
        owed = await still_owed(database)

    return report(arguments, receiver, fired, expected, cpu, bot.warnings, owed)


@dataclass(frozen=True)
class Owed:
    """Deliveries the bot's database still holds pending once the wait is over: not lost,
    still being retried (their back-off outlasted the wait)."""

    pending: int
    most_attempts: int
    next_try_s: float  # from now, for the latest due of them


async def still_owed(url: str) -> Owed:
    engine = create_engine(database_url(url))
    try:
        async with engine.connect() as connection:
            found = (
                await connection.execute(
                    select(
                        func.count(),
                        func.max(webhook_deliveries.c.attempts),
                        func.max(webhook_deliveries.c.due_at),
                    ).where(webhook_deliveries.c.state == "pending")
                )
            ).one()
    finally:
        await engine.dispose()
    pending, attempts, due = found
    if not pending:
        return Owed(0, 0, 0.0)
    due_at = due if isinstance(due, datetime) else datetime.fromisoformat(str(due))
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=UTC)
    return Owed(int(pending), int(attempts or 0), due_at.timestamp() - time.time())


def receiver_app(receiver: Receiver) -> web.Application:
    app = web.Application()
    app.router.add_post("/hooks", receiver.handle)
    return app


def report(
    arguments: argparse.Namespace,
    receiver: Receiver,
    fired: dict[str, Any],
    expected: int,
    cpu_s: float,
    warnings: int,
    owed: Owed,
) -> int:
    delivered = len(receiver.delivered)
    lost = expected - delivered - owed.pending
    began = fired["first_at"]
    span = receiver.answered[-1] - began if delivered else float("nan")
    # When each share of the events had arrived: the last ones are those whose retries failed
    # too, waiting out the back-off (5 s, then 10, 20 ...), whatever the dispatcher's speed.
    shares = {
        share: receiver.answered[max(0, math.ceil(share * expected) - 1)] - began
        for share in (0.5, 0.9, 0.99)
        if math.ceil(share * expected) <= delivered
    }
    steady = 0.9 * expected / shares[0.9] if 0.9 in shares else float("nan")
    # While events were still being made, the load shared the machine's cores and SQLite's
    # lock with the bot; after, the dispatcher worked alone through what was left.
    made_s = fired["last_at"] - began
    by_then = bisect.bisect_right(receiver.answered, fired["last_at"])
    ninety = math.ceil(0.9 * expected)
    alone = (
        (ninety - by_then) / (shares[0.9] - made_s)
        if 0.9 in shares and shares[0.9] > made_s
        else float("nan")
    )
    lags = list(receiver.delivered.values())
    late = sum(out_of_order(ranks) for ranks in receiver.ranks.values())
    items_late = sum(1 for ranks in receiver.ranks.values() if out_of_order(ranks))
    print(f"events fired:        {expected:,} ({dict(receiver.types)})")
    print(f"delivered:           {delivered:,}, the last {span:.1f} s after the first was made")
    print(
        "arrived by:          "
        + ", ".join(f"{share:.0%} {seconds:.1f} s" for share, seconds in shares.items())
        + f", all {span:.1f} s (from the first event made)"
    )
    print(f"until 90% arrived:   {steady:,.0f} events/s")
    print(
        f"  while being made:  {by_then / made_s:,.0f} events/s ({by_then:,} in {made_s:.1f} s); "
        f"after, to 90%: {alone:,.0f} events/s"
    )
    print(
        f"lag p50 / p99 / max: {percentile(lags, 0.5) * 1000:,.0f} / "
        f"{percentile(lags, 0.99) * 1000:,.0f} / {max(lags, default=0) * 1000:,.0f} ms"
    )
    print(f"lost:                {lost}")
    if owed.pending:
        print(
            f"still being retried: {owed.pending} (up to {owed.most_attempts} failed attempts; "
            f"the last due in {owed.next_try_s:.0f} s): not arrived within --idle-limit"
        )
    print(f"delivered twice:     {receiver.twice}")
    print(f"out of order:        {late} events on {items_late} items")
    print(
        f"requests:            {receiver.requests:,} verified ({receiver.failed:,} answered 500 "
        f"on purpose), {receiver.refused} that did not verify, at most "
        f"{receiver.most_in_flight} at once"
    )
    print(f"bot CPU:             {cpu_s:.1f} s = {cpu_s / max(delivered, 1) * 1000:.2f} ms/event")
    print(f"bot log warnings:    {warnings}")
    met = lost == 0 and steady >= 500
    print("targets met" if met else "targets NOT met (0 lost, >= 500 events/s until 90% arrived)")
    return 0 if lost == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument(
        "--voted-items", type=int, default=250, help="items that get votes (each in order)"
    )
    parser.add_argument("--votes-per-item", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--fail-every", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=50, help="tasks making events")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres", default=POSTGRES, help="server for --database postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the bot's folder and database")
    parser.add_argument(
        "--profile", metavar="FILE", help="run the bot under cProfile, its statistics to FILE"
    )
    parser.add_argument(
        "--idle-limit", type=float, default=120, help="give up after this long with no delivery"
    )
    return asyncio.run(bench(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
