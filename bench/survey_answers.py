"""1,000 people answering one pulse survey on Slack at once: every press acknowledged within
Slack's 3 s, and every answer stored once.

Run from the repository root::

    python -m bench.survey_answers [--people N] [--concurrency C] [--repeats R] [--workers W]
    python -m bench.survey_answers --database postgresql --postgres URL

A real ``feedbackbot run`` (HTTP mode, ``WORKERS`` processes, SQLite in a temporary directory
by default, or a fresh database on the PostgreSQL server at ``--postgres``, dropped at the end)
serves Slack against the lean fake Slack Web API of ``bench/lean_slack.py``, in this process.
Before it starts, a survey reminder (scale 1-5) is added whose occurrence a minute ago is still
due, so its first sync posts the survey: the fake records the post and its buttons. Then N
different people (``U00001``...) each press one of its buttons (the values in turn) with signed
``block_actions`` requests, from the lean HTTP client, at most C at a time, as Slack sends a
press: a form whose ``payload`` is the interaction's JSON, with a response URL of its own. It
prints the acknowledgement latency (send -> HTTP 200) p50/p99/max, how many presses were
acknowledged within Slack's 3 s, presses per second, how many private answers came back through
the response URLs, and how many answers the database holds for the survey (N, one per person).
Then R of those people press the same button again (a repeated delivery) and the database must
still hold N. The exit status is 1 when a press was not acknowledged 200 within 3 s, an answer
was lost or counted twice, or a private answer is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from adapters.slack.app import ACK_BUDGET_S
from bench.latency import percentile_ms
from bench.lean_slack import LeanSlack, LeanSlackTimeout, PostedMessage
from bench.roadmap import drop_postgres_database, with_postgres_database
from bench.slack_ack import (
    SIGNING_SECRET,
    Post,
    Server,
    bot_env,
    cpu_seconds,
    load_client,
    send_signed,
    started_bot,
)
from bot.identity import Platform, Workspace
from bot.reminders import ReminderKind
from bot.roadmap import RoadmapService
from bot.surveys import ACTION_PREFIX, Scale
from storage import tables
from storage.engine import create_engine
from storage.schema import migrate
from storage.unit_of_work import SqlUnitOfWork
from storage.url import database_url
from tests.fakes import FixedClock
from tests.slack.signed import SlackSender

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKSPACE = Workspace(Platform.SLACK, "T1")  # the lean fake's auth.test team
CHANNEL = "C-PULSE"
QUESTION = "How well does the platform team support you?"
ACK_LIMIT_S = 3.0  # Slack's
# How long the bot waits for an answer to be kept before acknowledging (adapters/slack/app.py).
STORE_FIRST_S = ACK_BUDGET_S
WITHIN_S = 10.0  # the issue's: 1,000 people answering within 10 seconds
POST_TIMEOUT_S = 90.0


@dataclass
class Presses:
    """One round of presses: the latency of each one answered 200, and what failed."""

    requests: int
    latencies: list[float] = field(default_factory=list)  # seconds
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0  # first press sent -> last acknowledgement

    def percentile_ms(self, p: float) -> float:
        return percentile_ms(self.latencies, p)

    @property
    def within_limit(self) -> int:
        return sum(1 for latency in self.latencies if latency <= ACK_LIMIT_S)

    @property
    def stored_first(self) -> int:
        """Presses acknowledged within the bot's budget for keeping the answer first: each was
        kept (or refused) before Slack heard back."""
        return sum(1 for latency in self.latencies if latency < STORE_FIRST_S)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else math.nan


@dataclass
class Figures:
    """What the benchmark found; ``problems`` is empty when every target is met."""

    people: int
    first: Presses
    repeats: Presses
    answered_privately: int = 0  # private answers to the first presses
    repeats_answered: int = 0  # ... and to the repeated ones
    stored: int = 0  # answers the database holds for the survey
    stored_people: int = 0  # distinct people among them
    stored_after_repeats: int = 0
    values: dict[int, int] = field(default_factory=dict)
    server_cpu_ms_per_press: float = math.nan
    problems: list[str] = field(default_factory=list)


async def seed_survey(url: str) -> None:
    """A survey reminder in ``CHANNEL``, added ten minutes ago, whose daily occurrence was a
    minute or two ago: within the grace window, so ``run``'s first sync posts it, once."""
    now = datetime.now(UTC)
    was = now - timedelta(minutes=2)
    engine = create_engine(database_url(url))
    try:
        await migrate(engine)
        roadmap = RoadmapService(
            lambda: SqlUnitOfWork(engine), FixedClock(now - timedelta(minutes=10))
        )
        await roadmap.add_reminder(
            WORKSPACE,
            CHANNEL,
            f"every day at {was:%H:%M} in UTC",
            kind=ReminderKind.SURVEY,
            text=QUESTION,
            scale=Scale.FIVE,
        )
    finally:
        await engine.dispose()


def survey_buttons(posts: Sequence[PostedMessage]) -> dict[str, str]:
    """The survey's buttons, label -> token, from its post in ``CHANNEL``."""
    for post in posts:
        if post.channel != CHANNEL or not post.blocks:
            continue
        return {
            element["text"]["text"]: element["action_id"]
            for block in post.blocks
            if block.get("type") == "actions"
            for element in block["elements"]
            if str(element.get("action_id", "")).startswith(ACTION_PREFIX)
        }
    raise RuntimeError(f"no survey with buttons was posted in {CHANNEL}")


def person(index: int) -> str:
    return f"U{index:05d}"


def press_bodies(
    tokens: Sequence[str], people: range, fake: LeanSlack, round_name: str
) -> list[bytes]:
    """Each person's press of one button (the values in turn), as Slack posts it; built
    before the round starts, outside its clock."""
    sender = SlackSender("http://unused", SIGNING_SECRET)
    bodies = []
    for index in people:
        payload = sender.block_actions_payload(
            tokens[index % len(tokens)],
            user_id=person(index),
            user_name=f"person{index}",
            team_id=WORKSPACE.id,
            channel_id=CHANNEL,
            response_url=fake.response_url(f"{round_name}-{index:05d}"),
            trigger_id=f"13345224609.{index:06d}.{round_name}",
        )
        bodies.append(urlencode({"payload": json.dumps(payload)}).encode())
    return bodies


async def press_all(post: Post, bot: Server, bodies: Sequence[bytes], concurrency: int) -> Presses:
    """Send the signed presses ``bodies``, at most ``concurrency`` at a time."""
    result = Presses(len(bodies))
    result.seconds = await send_signed(
        post, bot.url, bodies, concurrency, result.latencies, result.failures
    )
    return result


async def stored_answers(url: str) -> tuple[int, int, dict[int, int]]:
    """How many survey answers the database holds (it holds the one survey), from how many
    people, and how many of each value."""
    answers = tables.survey_poll_answers
    engine = create_engine(database_url(url))
    try:
        async with engine.connect() as connection:
            counted = await connection.execute(
                select(func.count(), func.count(func.distinct(answers.c.user_id)))
            )
            total, people = counted.one()
            by_value = await connection.execute(
                select(answers.c.value, func.count()).group_by(answers.c.value)
            )
            values = {int(value): int(count) for value, count in by_value}
    finally:
        await engine.dispose()
    return int(total), int(people), values


async def measure(
    people: int,
    concurrency: int,
    repeats: int,
    workers: int,
    postgres: str | None,
    quiet: bool = False,
) -> Figures:
    """Run the benchmark (see the module's docstring) and return its figures."""
    codes: dict[str, int | None] = {}

    def say(line: str) -> None:
        if not quiet:
            print(line)

    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(LeanSlack())
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fb-survey-")))
        env = {**bot_env(fake, workdir, workers), "PYTHONPATH": str(REPO_ROOT)}
        url = f"sqlite:///{workdir / 'bench.db'}"
        if postgres is not None:
            url, name = await with_postgres_database(postgres, "surveys")
            stack.push_async_callback(drop_postgres_database, postgres, name)
        await seed_survey(url)
        bot = await stack.enter_async_context(started_bot(env, workdir, codes, url))
        buttons = survey_buttons(await fake.wait_for_posts(1, POST_TIMEOUT_S))
        tokens = [buttons[label] for label in sorted(buttons)]
        post = await stack.enter_async_context(load_client("lean", concurrency + 10))
        say(
            f"feedbackbot survey answers on Slack: {people:,} people at concurrency "
            f"{concurrency}, then {repeats} repeated presses; Python "
            f"{platform.python_version()}, {os.cpu_count()} CPU(s), WORKERS={workers}, "
            f"{'PostgreSQL' if postgres else 'SQLite'}; buttons {', '.join(sorted(buttons))}\n"
        )
        bodies = press_bodies(tokens, range(people), fake, "press")
        cpu_before = cpu_seconds(bot.process.pid)
        first = await press_all(post, bot, bodies, concurrency)
        figures = Figures(people, first, Presses(0))
        try:
            await fake.wait_for_responses(people, max(60.0, people * 0.1))
        except LeanSlackTimeout as timeout:
            figures.problems.append(str(timeout))
        # The whole of each press: acknowledged, kept, and answered privately.
        figures.server_cpu_ms_per_press = (
            (cpu_seconds(bot.process.pid) - cpu_before) / people * 1000
        )
        figures.answered_privately = len(fake.responses)
        figures.stored, figures.stored_people, figures.values = await stored_answers(url)
        again = press_bodies(tokens, range(min(repeats, people)), fake, "again")
        figures.repeats = await press_all(post, bot, again, concurrency)
        try:
            await fake.wait_for_responses(people + len(again), 60.0)
        except LeanSlackTimeout as timeout:
            figures.problems.append(str(timeout))
        figures.repeats_answered = len(fake.responses) - figures.answered_privately
        figures.stored_after_repeats = (await stored_answers(url))[0]
        unexpected = bot.problems
    figures.problems += judge(figures, fake, unexpected, codes)
    return figures


def judge(
    figures: Figures, fake: LeanSlack, unexpected: int, codes: dict[str, int | None]
) -> list[str]:
    """What went wrong, if anything."""
    problems: list[str] = []
    for name, presses in (("press", figures.first), ("repeat", figures.repeats)):
        if presses.failures:
            problems.append(f"{len(presses.failures)} {name}(es) failed: {presses.failures[:3]}")
        late = len(presses.latencies) - presses.within_limit
        if late:
            problems.append(f"{late} {name}(es) acknowledged after {ACK_LIMIT_S:g} s")
    if (figures.stored, figures.stored_people) != (figures.people, figures.people):
        problems.append(
            f"the database holds {figures.stored} answers from {figures.stored_people} people, "
            f"not {figures.people} from {figures.people}"
        )
    if figures.stored_after_repeats != figures.people:
        problems.append(f"after the repeats it holds {figures.stored_after_repeats} answers")
    said = Counter(
        "counted" in str(json.loads(body or b"{}").get("text", "")) for _, body in fake.responses
    )
    if said[False]:
        problems.append(f"{said[False]} private answer(s) do not say the answer is counted")
    if unexpected:
        problems.append(f"the bot logged {unexpected} warning/error line(s)")
    if codes.get("bot") != 0:
        problems.append(f"the bot exited with {codes.get('bot')} after SIGTERM")
    return problems


def report(figures: Figures) -> None:
    first, repeats = figures.first, figures.repeats
    print(
        f"acknowledgements of {figures.people:,} presses: p50 {first.percentile_ms(50):.1f} ms, "
        f"p99 {first.percentile_ms(99):.1f} ms, max {first.percentile_ms(100):.1f} ms; "
        f"{first.within_limit:,} of {figures.people:,} within {ACK_LIMIT_S:g} s, "
        f"{first.stored_first:,} within the {STORE_FIRST_S:g} s the bot waits to keep an answer "
        "before acknowledging it"
    )
    print(
        f"all {figures.people:,} presses sent and acknowledged in {first.seconds:.2f} s "
        f"({first.per_second:.0f} presses/s; within {WITHIN_S:g} s: "
        f"{'yes' if first.seconds <= WITHIN_S else 'NO'}); the bot's CPU "
        f"{figures.server_cpu_ms_per_press:.2f} ms per press"
    )
    print(
        f"private answers through the response URLs: {figures.answered_privately:,}; "
        f"answers stored: {figures.stored:,} from {figures.stored_people:,} people, by value "
        f"{dict(sorted(figures.values.items()))}"
    )
    print(
        f"{repeats.requests} repeated presses: p99 {repeats.percentile_ms(99):.1f} ms, "
        f"{repeats.within_limit} within {ACK_LIMIT_S:g} s, {figures.repeats_answered} answered "
        f"privately; answers stored after them: "
        f"{figures.stored_after_repeats:,} (counted once)"
    )
    if figures.problems:
        print("\n!! " + "\n!! ".join(figures.problems))
    else:
        print("\nEvery press was acknowledged within 3 s and every answer stored once.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.survey_answers", description=__doc__)
    parser.add_argument("--people", type=int, default=1000, help="people who press (1,000)")
    parser.add_argument("--concurrency", type=int, default=50, help="presses at once (50)")
    parser.add_argument("--repeats", type=int, default=100, help="presses sent again (100)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="the bot's WORKERS (CPUs)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="with --database postgresql: a PostgreSQL server on which a fresh database is "
        "created (the user must be allowed to) and dropped at the end",
    )
    args = parser.parse_args(argv)
    if args.people < 1 or args.concurrency < 1 or args.repeats < 0:
        parser.error("--people and --concurrency must be at least 1, --repeats at least 0")
    if (args.database == "postgresql") != (args.postgres is not None):
        parser.error("--database postgresql and --postgres URL go together")
    figures = asyncio.run(
        measure(args.people, args.concurrency, args.repeats, args.workers, args.postgres)
    )
    report(figures)
    return 1 if figures.problems else 0


if __name__ == "__main__":
    sys.exit(main())
