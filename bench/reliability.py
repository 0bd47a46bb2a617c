"""Whether every `/feedback` sent to `feedbackbot run` is recorded and thanked exactly once when
Slack, the bot's own processes or its database fail for a while.

Run from the repository root::

    python -m bench.reliability [--requests N] [--concurrency C] [--scenario NAME ...]
        [--window S] [--postgres URL]

Each scenario starts the real ``feedbackbot run`` (``WORKERS`` processes, a fresh database) and
sends it N signed ``/feedback`` commands (default 3,000, at concurrency 50), each from a new user
and with a text of its own, while a fault lasts ``--window`` seconds from shortly after the load
begins: Slack's Web API answering 429 or 500, unreachable, or slow (``bench.lean_slack``, in this
process), the bot stopped with SIGTERM or killed with SIGKILL and started again, or PostgreSQL
stopped and started. Then it waits (up to two minutes) for the bot to catch up, and sorts every
request by what the person was told and what the database and the fake Slack hold. The table and
the targets are described in ``bench/README.md``. The exit status is 0 when every scenario met
its targets, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Connection, column, func, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bench.lean_client import LeanClient
from bench.lean_slack import Fault, FaultKind, LeanSlack
from bench.roadmap import drop_postgres_database, with_postgres_database
from bench.slack_ack import SIGNING_SECRET, SLACK_PATH, bot_env, signed_headers
from storage.tables import items
from storage.url import database_url
from tests.processes import FEEDBACKBOT, free_port

CHANNELS = ("C1", "C2", "C3")
SERVING = "health at GET /healthz"
# Slack shows the person its own error when a command is not answered within 3 s, and whatever
# the bot answers later is never shown.
SLACK_ACK_TIMEOUT_S = 3.0
# The fault starts once this share of the commands is answered: under way, whatever N is.
LEAD_SHARE = 0.05
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0  # then the whole process group is killed, as a container runtime would
CATCH_UP_LIMIT_S = 120.0
POLL_S = 1.0
SETTLE_S = 2.0  # after catching up, for answers still on their way to the fake
TARGET_CATCH_UP_S = 60.0
SLOW = Fault(FaultKind.SLOW, delay=5.0)

# A request's marker, at the start of its text, so the thank-you's excerpt keeps it.
MARKER = re.compile(r"fbrel-(\d{5})")
ITEM_NUMBER = re.compile(r"#\d+")


def marker(index: int) -> str:
    return f"fbrel-{index:05d}"


def user_id(index: int) -> str:
    return f"UR{index:05d}"


def indexes_in(text: str) -> set[int]:
    return {int(found) for found in MARKER.findall(text)}


# -- scenarios ---------------------------------------------------------------------------------

Process = Literal["sigterm", "kill9"]


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    slack: tuple[Fault, ...] = ()  # in turn, sharing the window equally
    process: Process | None = None
    postgres: bool = False


SCENARIOS = (
    Scenario("baseline", "no fault"),
    Scenario(
        "slack-429",
        "every Slack call answered 429 with Retry-After: 1",
        (Fault(FaultKind.RATE_LIMITED, retry_after=1.0),),
    ),
    Scenario("slack-500", "every Slack call answered 500", (Fault(FaultKind.SERVER_ERROR),)),
    Scenario(
        "slack-unreachable",
        "Slack refuses connections, then drops them unanswered, then drops them after posting",
        (
            Fault(FaultKind.REFUSED),
            Fault(FaultKind.DROPPED),
            Fault(FaultKind.DROPPED, record_posts=True),
        ),
    ),
    Scenario("slack-slow", "every Slack answer 5 s late", (SLOW,)),
    Scenario(
        "sigterm",
        "Slack 5 s late; SIGTERM halfway through, started again once it exits",
        (SLOW,),
        process="sigterm",
    ),
    Scenario("kill9", "every bot process killed with SIGKILL, started again", process="kill9"),
    Scenario("postgres-restart", "PostgreSQL stopped, then started", postgres=True),
)
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


# -- the bot -------------------------------------------------------------------------------------


class Bot:
    """``feedbackbot run`` on one port and database, which can be stopped and started again.
    Each start is a new process group, so that SIGKILL reaches its workers too."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{env['PORT']}{SLACK_PATH}"
        self.process: asyncio.subprocess.Process | None = None
        self.log_lines = 0
        self.problems = 0  # WARNING and worse, and tracebacks
        self.tail: deque[str] = deque(maxlen=20)
        self.notes: list[str] = []
        self._drains: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        process = await asyncio.create_subprocess_exec(
            FEEDBACKBOT,
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
        self._drains.append(asyncio.create_task(self._drain(process.stderr)))

    async def _line(self, stream: asyncio.StreamReader) -> str:
        raw = await stream.readline()
        if not raw:
            raise RuntimeError("feedbackbot run ended before serving:\n" + "\n".join(self.tail))
        line = raw.decode(errors="replace").rstrip()
        self.log_lines += 1
        self.tail.append(line)
        if any(word in line for word in ("WARNING", "ERROR", "CRITICAL", "Traceback")):
            self.problems += 1
        return line

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        """Read the log on, so that the pipe never fills and blocks the bot."""
        with suppress(RuntimeError):
            while True:
                await self._line(stream)

    async def terminate(self, why: str = "SIGTERM") -> None:
        """SIGTERM to the first process, as ``docker stop`` does; what is left after
        ``STOP_TIMEOUT_S`` is killed. Noted under ``why``."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            how = f"exited {process.returncode}"
        except TimeoutError:
            how = f"still running after {STOP_TIMEOUT_S:.0f} s, killed"
        self._kill_group(process.pid)
        await process.wait()
        self.notes.append(f"{why}: {how} after {time.monotonic() - began:.1f} s")

    async def kill(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        self._kill_group(process.pid)
        await process.wait()

    @staticmethod
    def _kill_group(pid: int) -> None:
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)

    async def close(self) -> None:
        await self.terminate()
        for drain in self._drains:
            drain.cancel()
            with suppress(asyncio.CancelledError):
                await drain


# -- load ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Sent:
    """What the client got for one command."""

    status: int | None = None
    ack: str = ""  # the answer's text, when it came in time
    error: str = ""


def command_body(index: int, response_url: str) -> bytes:
    channel = CHANNELS[index % len(CHANNELS)]
    fields = {
        "token": "verification-token",
        "team_id": "T1",
        "team_domain": "acme",
        "channel_id": channel,
        "channel_name": channel.lower(),
        "user_id": user_id(index),
        "user_name": f"person{index}",
        "command": "/feedback",
        "text": f"{marker(index)}: the new runners are fast, thanks",
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"13345224609.738474920.{index:08x}",
    }
    return urlencode(fields).encode()


def ack_text(body: str) -> str:
    """The text of a command's answer (JSON from Bolt; empty for a bare acknowledgement)."""
    if not body.strip():
        return ""
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    return str(answer.get("text") or "") if isinstance(answer, dict) else body


@dataclass
class Load:
    """The commands to send, and when the load got far enough for the fault to start."""

    bodies: Sequence[bytes]
    concurrency: int
    up: asyncio.Event = field(default_factory=asyncio.Event)  # a bot process listens
    under_way: asyncio.Event = field(default_factory=asyncio.Event)
    seconds: float = math.nan

    def __post_init__(self) -> None:
        self.up.set()


async def send_all(client: LeanClient, bot: Bot, load: Load) -> list[Sent]:
    """Send every command once, at most ``load.concurrency`` at a time. While no bot process
    listens (``load.up`` is clear) a refused request holds its slot until one does, so that the
    load waits instead of running through the rest of the commands in a moment."""
    verifier = SignatureVerifier(SIGNING_SECRET)
    bodies, up = load.bodies, load.up
    results = [Sent() for _ in bodies]
    gate = asyncio.Semaphore(load.concurrency)
    answered = 0
    enough = max(1, int(len(bodies) * LEAD_SHARE))

    async def one(index: int, body: bytes) -> None:
        async with gate:
            headers = signed_headers(verifier, body)
            result = results[index]
            try:
                result.status, text = await client.post(bot.url, body, headers)
            except ConnectionRefusedError:
                result.error = "refused"
                await up.wait()
                return
            except (OSError, TimeoutError) as error:
                result.error = type(error).__name__
                return
            finally:
                nonlocal answered
                answered += 1
                if answered >= enough:
                    load.under_way.set()
            if result.status == 200:
                result.ack = ack_text(text)

    began = time.monotonic()
    await asyncio.gather(*(one(index, body) for index, body in enumerate(bodies)))
    load.seconds = time.monotonic() - began
    return results


# -- faults --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Window:
    started: float = math.nan  # monotonic
    ended: float = math.nan
    notes: list[str] = field(default_factory=list)


async def inject(
    scenario: Scenario,
    fake: LeanSlack,
    bot: Bot,
    window_s: float,
    load: Load,
    cluster: tuple[str, str] | None,
) -> Window:
    """The scenario's fault, once the load is under way; when it started and ended."""
    up = load.up
    await load.under_way.wait()
    window = Window(started=time.monotonic())
    if scenario.process == "kill9":
        up.clear()
        await bot.kill()
        await bot.start()
        up.set()
        window.notes.append(f"down for {time.monotonic() - window.started:.1f} s")
    elif scenario.process == "sigterm":
        await fake.set_fault(SLOW)
        await asyncio.sleep(window_s / 2)
        up.clear()
        await bot.terminate("SIGTERM under load")
        await bot.start()
        up.set()
        await asyncio.sleep(max(0.0, window.started + window_s - time.monotonic()))
        await fake.set_fault(None)
    elif scenario.postgres:
        assert cluster is not None
        window.notes.append(await pg_ctl(cluster, "stop"))
        await asyncio.sleep(window_s)
        window.notes.append(await pg_ctl(cluster, "start"))
    else:
        for fault in scenario.slack:
            await fake.set_fault(fault)
            await asyncio.sleep(window_s / len(scenario.slack))
        await fake.set_fault(None)
        phases = ", then ".join(fault.describe() for fault in scenario.slack)
        if phases:
            window.notes.append(f"Slack {phases}, {window_s / len(scenario.slack):.1f} s each")
    window.ended = time.monotonic()
    return window


def postgres_cluster(url: str) -> tuple[str, str] | None:
    """The local cluster (version, name) that serves ``url``'s port, when ``pg_ctlcluster``
    can stop and start it."""
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None:
        return None
    port = str(database_port(url))
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    )
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == port:
            return fields[0], fields[1]
    return None


def database_port(url: str) -> int:
    return make_url(url).port or 5432


async def pg_ctl(cluster: tuple[str, str], action: str) -> str:
    began = time.monotonic()
    mode = ["--mode", "fast"] if action == "stop" else []
    process = await asyncio.create_subprocess_exec(
        "pg_ctlcluster", *mode, *cluster, action, stderr=subprocess.PIPE
    )
    _, err = await process.communicate()
    took = time.monotonic() - began
    if process.returncode != 0:
        return f"pg_ctlcluster {action} failed ({err.decode(errors='replace').strip()[:80]})"
    return f"PostgreSQL {action} took {took:.1f} s"


# -- what the database and the fake Slack hold -----------------------------------------------------


@dataclass(slots=True)
class StoredItem:
    thanks_channel_id: str | None
    thanks_message_id: str | None
    acknowledged: bool


async def read_items(engine: AsyncEngine) -> dict[int, list[StoredItem]] | None:
    """The items the commands stored, by request; ``None`` while the database does not answer."""
    query = select(
        items.c.text, items.c.thanks_channel_id, items.c.thanks_message_id, items.c.acknowledged_at
    )
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(query)).all()
    except (SQLAlchemyError, OSError):
        return None
    stored: dict[int, list[StoredItem]] = defaultdict(list)
    for text, channel, message, acknowledged in rows:
        found = MARKER.match(text)
        if found is not None:
            stored[int(found.group(1))].append(
                StoredItem(channel, message, acknowledged is not None)
            )
    return stored


# A column an outbox row may have that is empty until it is delivered or given up.
_DONE_COLUMNS = ("done_at", "delivered_at", "finished_at", "completed_at", "sent_at")


async def pending_outbox(engine: AsyncEngine) -> str | None:
    """How many outbox rows are not done yet, said in words, when the database has an outbox
    (the durable outbox of issue 13; absent before it lands); ``None`` without one."""
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(_outbox_columns)
            if columns is None:
                return None
            done = next((name for name in _DONE_COLUMNS if name in columns), None)
            query = select(func.count()).select_from(table("outbox"))
            if done is not None:
                query = query.where(column(done).is_(None))
            count = await connection.scalar(query)
    except (SQLAlchemyError, OSError) as error:
        return f"outbox unreadable ({type(error).__name__})"
    return f"outbox rows with {done} empty: {count}" if done else f"outbox rows: {count}"


def _outbox_columns(connection: Connection) -> list[str] | None:
    inspector = inspect(connection)
    if not inspector.has_table("outbox"):
        return None
    return [str(found["name"]) for found in inspector.get_columns("outbox")]


@dataclass
class Heard:
    """What the fake Slack saw, by request."""

    channel_thanks: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    private: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, fake: LeanSlack) -> Heard:
        heard = cls()
        for post in fake.posts:
            if not post.ok:
                continue
            if post.channel.startswith(("U", "W", "D")):  # a direct message to a person
                index = _index_of_user(post.channel)
                if index is not None:
                    heard.private[index].append(post.text)
            elif post.thread_ts is None:
                for index in indexes_in(post.text):
                    heard.channel_thanks[index].append(post.ts)
        for ephemeral in fake.ephemerals:
            index = _index_of_user(ephemeral.user)
            if index is not None:
                heard.private[index].append(ephemeral.text)
        for name, body in fake.responses:
            found = MARKER.fullmatch(name)
            if found is not None:
                heard.private[int(found.group(1))].append(ack_text(body.decode(errors="replace")))
        return heard

    def thanked_privately(self, index: int) -> bool:
        return any(kind_of(text, index) == "thanks" for text in self.private[index])


def _index_of_user(user: str) -> int | None:
    return int(user[2:]) if re.fullmatch(r"UR\d{5}", user) else None


def kind_of(text: str, index: int) -> str:
    """What a message to the person says: the thank-you (their text and its number), a refusal
    (their text given back, no number), a confirmation (a number, not their text), or other."""
    numbered = ITEM_NUMBER.search(text) is not None
    if index in indexes_in(text):
        return "thanks" if numbered else "refusal"
    return "confirmation" if numbered else "other"


def unthanked(index: int, stored: list[StoredItem], heard: Heard) -> bool:
    """A stored request whose item has no thank-you, or whose channel thank-you is not noted
    on the item (``thanks_message_id`` must be the posted message, or votes cannot find it)."""
    posted = heard.channel_thanks.get(index, [])
    for item in stored:
        if not item.acknowledged:
            return True
        if posted and item.thanks_message_id not in posted:
            return True
        if not posted and not heard.thanked_privately(index):
            return True
    return False


def caught_up(sent: Sequence[Sent], stored: dict[int, list[StoredItem]], heard: Heard) -> bool:
    """Every stored item thanked and noted, and every answered request either stored or told
    it was not (an empty answer is followed by the outcome, maybe long after: until the wait
    ends, such a request is not yet lost)."""
    if any(unthanked(index, found, heard) for index, found in stored.items()):
        return False
    return all(
        index in stored
        or result.status != 200
        or any(kind_of(text, index) == "refusal" for text in [result.ack, *heard.private[index]])
        for index, result in enumerate(sent)
    )


# -- outcomes ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    scenario: str
    sent: int = 0
    recorded: int = 0  # stored, and the person was told so (answer, thank-you or note)
    told_not_stored: int = 0  # not stored, and told so with their text back
    slack_error: int = 0  # not stored, no answer within 3 s: Slack showed its own error
    silently_lost: int = 0  # not stored, answered, and never told it was not
    stored_untold: int = 0  # stored, and the person never heard of it
    in_channel: int = 0
    privately: int = 0
    twice: int = 0
    unthanked: int = 0
    catch_up_s: float | None = None
    notes: list[str] = field(default_factory=list)
    error: str = ""

    def targets_met(self) -> bool:
        return (
            not self.error
            and self.silently_lost == 0
            and self.twice == 0
            and self.unthanked == 0
            and self.catch_up_s is not None
            and self.catch_up_s <= TARGET_CATCH_UP_S
        )


def classify(
    scenario: str, sent: Sequence[Sent], stored: dict[int, list[StoredItem]], heard: Heard
) -> Outcome:
    outcome = Outcome(scenario, sent=len(sent))
    odd: Counter[str] = Counter()
    for index, result in enumerate(sent):
        said = [result.ack, *heard.private.get(index, [])]
        kinds = {kind_of(text, index) for text in said if text}
        items_ = stored.get(index, [])
        posts = len(heard.channel_thanks.get(index, []))
        if items_:
            told = posts > 0 or bool(kinds & {"thanks", "confirmation"})
            outcome.recorded += told
            outcome.stored_untold += not told
            outcome.in_channel += posts > 0
            outcome.privately += posts == 0 and "thanks" in kinds
            outcome.twice += posts > 1
            outcome.unthanked += unthanked(index, items_, heard)
            odd["stored twice"] += len(items_) > 1
            odd["stored but told it was not"] += "refusal" in kinds
        elif "refusal" in kinds:
            outcome.told_not_stored += 1
        elif result.status != 200:
            outcome.slack_error += 1
            odd[f"no answer in time ({result.error or result.status})"] += 1
        else:
            outcome.silently_lost += 1
            odd["told it was recorded, not stored"] += bool(kinds & {"thanks", "confirmation"})
        odd["thanked in channel for a request not stored"] += posts > 0 and not items_
    outcome.notes += [f"{what}: {count}" for what, count in sorted(odd.items()) if count]
    return outcome


# -- one scenario --------------------------------------------------------------------------------


async def run_scenario(
    scenario: Scenario, args: argparse.Namespace, cluster: tuple[str, str] | None
) -> Outcome:
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(LeanSlack())
        for index in range(args.requests):
            fake.add_user(user_id(index), f"person{index}", "T1")
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fb-reliab-")))
        database = f"sqlite:///{workdir / 'bench.db'}"
        if args.postgres is not None:
            database, name = await with_postgres_database(args.postgres, "reliability")
            stack.push_async_callback(drop_postgres_database, args.postgres, name)
        env = bot_env(fake, workdir, args.workers)
        bot = Bot({**env, "PORT": str(free_port()), "DATABASE_URL": database}, workdir)
        stack.push_async_callback(bot.close)
        await bot.start()
        engine = create_async_engine(database_url(database), poolclass=NullPool)
        stack.push_async_callback(engine.dispose)
        bodies = [command_body(i, fake.response_url(marker(i))) for i in range(args.requests)]

        load = Load(bodies, args.concurrency)
        client = await stack.enter_async_context(
            LeanClient(args.concurrency + 10, timeout=SLACK_ACK_TIMEOUT_S)
        )
        sending = asyncio.create_task(send_all(client, bot, load))
        window = await inject(scenario, fake, bot, args.window, load, cluster)
        sent = await sending
        since = max(window.ended, time.monotonic())
        catch_up_s = await catch_up(fake, engine, sent, since, args.catch_up_limit)
        if catch_up_s is not None:
            await asyncio.sleep(SETTLE_S)
        stored = await read_items(engine) or {}
        outcome = classify(scenario.name, sent, stored, Heard.of(fake))
        outcome.catch_up_s = catch_up_s
        outbox = await pending_outbox(engine)
        await bot.terminate("stop at the end")
        outcome.notes = [
            f"load {load.seconds:.1f} s",
            *window.notes,
            *bot.notes,
            *(f"Slack {what}: {count}" for what, count in fake.faulted.items()),
            f"bot log: {bot.log_lines} lines, {bot.problems} warnings/errors",
            *([outbox] if outbox else []),
            *outcome.notes,
        ]
        return outcome
    raise AssertionError("unreachable")


async def catch_up(
    fake: LeanSlack, engine: AsyncEngine, sent: Sequence[Sent], since: float, limit_s: float
) -> float | None:
    """Seconds from ``since`` until every stored item is thanked and noted, looked at once a
    second; ``None`` when that did not happen within ``limit_s``."""
    while True:
        stored = await read_items(engine)
        now = time.monotonic()
        if stored is not None and caught_up(sent, stored, Heard.of(fake)):
            return max(0.0, now - since)
        if now - since >= limit_s:
            return None
        await asyncio.sleep(POLL_S)


# -- report --------------------------------------------------------------------------------------

COLUMNS = (
    ("scenario", 17),
    ("sent", 5),
    ("recorded", 8),
    ("told not stored", 15),
    ("Slack error", 11),
    ("silently lost", 13),
    ("stored untold", 13),
    ("in channel", 10),
    ("privately", 9),
    ("twice", 5),
    ("unthanked", 9),
    ("catch-up s", 10),
    ("targets", 7),
)


def print_header() -> None:
    header = " | ".join(f"{name:>{width}}" for name, width in COLUMNS)
    print(header)
    print("-" * len(header), flush=True)


def print_row(outcome: Outcome) -> None:
    if outcome.error:
        print(f"{outcome.scenario:>17} | did not run to the end: {outcome.error}", flush=True)
        return
    catch_up = "-" if outcome.catch_up_s is None else f"{outcome.catch_up_s:.0f}"
    cells = (
        outcome.scenario,
        outcome.sent,
        outcome.recorded,
        outcome.told_not_stored,
        outcome.slack_error,
        outcome.silently_lost,
        outcome.stored_untold,
        outcome.in_channel,
        outcome.privately,
        outcome.twice,
        outcome.unthanked,
        catch_up,
        "MET" if outcome.targets_met() else "MISSED",
    )
    print(" | ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, COLUMNS, strict=True)))
    print(f"{'':>17}   " + "; ".join(outcome.notes), flush=True)


def print_targets(outcomes: Sequence[Outcome]) -> None:
    print(
        f"\nTargets per scenario: 0 silently lost, 0 thanked twice, 0 unthanked after recovery, "
        f"caught up within {TARGET_CATCH_UP_S:.0f} s of the fault's end (or the load's, if later;"
        f" '-': not within the wait)."
    )
    missed = [outcome.scenario for outcome in outcomes if not outcome.targets_met()]
    print(f"  missed in: {', '.join(missed)}" if missed else "  met in every scenario run")
    print(
        "The whole-job ratio at concurrency 50 (at least 0.5) is measured by "
        "`python -m bench.slack_ack --concurrency 50`."
    )


# -- the whole run -------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> int:
    chosen = [BY_NAME[name] for name in args.scenario] if args.scenario else list(SCENARIOS)
    cluster = postgres_cluster(args.postgres) if args.postgres else None
    print(
        f"feedbackbot reliability benchmark: {args.requests} /feedback commands per scenario at "
        f"concurrency {args.concurrency}, faults of {args.window:g} s, the bot with "
        f"WORKERS={args.workers} on {'PostgreSQL' if args.postgres else 'SQLite'}\n"
    )
    print_header()
    outcomes: list[Outcome] = []
    for scenario in chosen:
        if scenario.postgres and cluster is None:
            why = "needs --postgres" if not args.postgres else "no pg_ctlcluster for that server"
            print(f"{scenario.name:>17} | skipped: {why}", flush=True)
            continue
        try:
            outcome = await run_scenario(scenario, args, cluster)
        except (RuntimeError, OSError, TimeoutError, SQLAlchemyError) as error:
            outcome = Outcome(scenario.name, error=f"{type(error).__name__}: {error}"[:300])
        outcomes.append(outcome)
        print_row(outcome)
    print_targets(outcomes)
    print(f"(finished {datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z})")
    return 0 if all(outcome.targets_met() for outcome in outcomes) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__)
    parser.add_argument("--requests", type=int, default=3000, help="commands per scenario")
    parser.add_argument("--concurrency", type=int, default=50, help="commands in flight")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(BY_NAME),
        help="a scenario to run (repeatable; default: all)",
    )
    parser.add_argument(
        "--window", type=float, default=20.0, help="seconds each fault lasts (default 20)"
    )
    parser.add_argument(
        "--catch-up-limit",
        type=float,
        default=CATCH_UP_LIMIT_S,
        metavar="S",
        help=f"how long to wait for the bot to catch up (default {CATCH_UP_LIMIT_S:.0f})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="the bot's WORKERS (default: the number of CPUs)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run the bot on a fresh database on this PostgreSQL server instead of SQLite (the "
        "user must be allowed to create databases); postgres-restart runs only with it",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 99_999:
        parser.error("--requests must be between 1 and 99,999")
    if args.concurrency < 1 or args.window <= 0:
        parser.error("--concurrency and --window must be positive")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
