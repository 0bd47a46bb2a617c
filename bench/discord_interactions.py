"""How fast `feedbackbot run` answers Discord's `/feedback`, compared with a bare discord.py
bot whose command only responds.

Run from the repository root::

    python -m bench.discord_interactions [--requests N]

Both bots run as subprocesses, each against its own fake Discord (REST and gateway, from
``tests.discord.fake_discord``) in this process. N ``/feedback`` interactions per concurrency
level (1, 10, 50) go out through the fake gateway, at most that many awaiting their callback at
once; time-to-callback is from the INTERACTION_CREATE sent to the interaction callback received,
both on this process's monotonic clock. The exit status is 0 unless a callback was lost, came
twice, or was not the thank-you.

``python -m bench.discord_interactions --serve-bare`` is the bare bot itself (used internally).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import discord
import yarl
from discord import app_commands

from bench.latency import percentile_ms
from tests.discord.fake_discord import FakeDiscord, Request
from tests.processes import FEEDBACKBOT

REPO_ROOT = Path(__file__).resolve().parents[1]
CONCURRENCIES = (1, 10, 50)
GUILD = "111111111111111111"
CHANNELS = ("211111111111111111", "211111111111111112", "211111111111111113")
USERS = tuple(f"31111111111111111{i}" for i in range(5))
READY = "bench-bare-ready"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
CALLBACK = re.compile(r"/interactions/(\d+)/[^/]+/callback")


# -- the bare bot (a subprocess) ---------------------------------------------------------------


async def serve_bare() -> None:
    """A discord.py client whose ``/feedback`` only responds, on the same fake endpoints."""
    discord.http.Route.BASE = os.environ["DISCORD_API_URL"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(intents=intents, allowed_mentions=discord.AllowedMentions.none())
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)

    @tree.command(name="feedback", description="only responds")
    async def feedback(interaction: discord.Interaction, text: str | None = None) -> None:
        await interaction.response.send_message("thanks")

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with client:
        await client.login(os.environ["DISCORD_TOKEN"])
        connection = asyncio.create_task(client.connect())
        print(READY, flush=True)
        await stop.wait()
        await client.close()
        with suppress(Exception):
            await connection


# -- the two bots under test -------------------------------------------------------------------


@dataclass
class Bot:
    name: str
    fake: FakeDiscord
    process: asyncio.subprocess.Process
    log_tail: deque[str] = field(default_factory=lambda: deque(maxlen=40))
    problems: int = 0


async def _read_until(stream: asyncio.StreamReader, marker: str, bot: Bot) -> None:
    async with asyncio.timeout(START_TIMEOUT):
        while True:
            raw = await stream.readline()
            if not raw:
                raise RuntimeError(
                    f"{bot.name} ended before it was ready:\n" + "\n".join(bot.log_tail)
                )
            line = raw.decode(errors="replace").rstrip()
            bot.log_tail.append(line)
            if marker in line:
                return


async def _drain(stream: asyncio.StreamReader, bot: Bot) -> None:
    while raw := await stream.readline():
        line = raw.decode(errors="replace").rstrip()
        bot.log_tail.append(line)
        if any(word in line for word in ("ERROR", "CRITICAL", "Traceback")):
            bot.problems += 1


def fake_env(fake: FakeDiscord, workdir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
        "PYTHONPATH": str(REPO_ROOT),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "HOST": "127.0.0.1",
        "PORT": "0",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
    }


@asynccontextmanager
async def started(name: str, workdir: Path, codes: dict[str, int | None]) -> AsyncIterator[Bot]:
    """``feedbackbot run`` (``bot``) or this script's bare bot (``bare``), each on its own fake
    Discord, ready once that fake has answered its IDENTIFY."""
    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, "Bench", {channel: f"c{i}" for i, channel in enumerate(CHANNELS)})
        for index, user in enumerate(USERS):
            fake.add_member(GUILD, user, f"user{index}")
        env = fake_env(fake, workdir / name)
        (workdir / name).mkdir()
        if name == "bot":
            argv = [FEEDBACKBOT, "run"]
            env["LOG_LEVEL"] = "INFO"  # it says when it serves
            marker = "serving Discord"
        else:
            argv = [sys.executable, "-m", "bench.discord_interactions", "--serve-bare"]
            marker = READY
        process = await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            cwd=REPO_ROOT if name == "bare" else workdir / name,
            stdout=subprocess.DEVNULL if name == "bot" else subprocess.PIPE,
            stderr=subprocess.PIPE if name == "bot" else subprocess.STDOUT,
        )
        stream = process.stderr if name == "bot" else process.stdout
        assert stream is not None
        bot = Bot(name, fake, process)
        drain: asyncio.Task[None] | None = None
        try:
            await _read_until(stream, marker, bot)
            drain = asyncio.create_task(_drain(stream, bot))
            await fake.wait_until(fake.ready.is_set, START_TIMEOUT)
            yield bot
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            codes[name] = process.returncode
            if drain is not None:
                with suppress(Exception):
                    await drain


# -- load --------------------------------------------------------------------------------------


@dataclass
class Round:
    bot: str
    concurrency: int
    requests: int
    latencies: list[float] = field(default_factory=list)  # seconds, dispatch -> callback
    seconds: float = 0.0  # first dispatch -> last callback
    lost: list[str] = field(default_factory=list)
    deferred: int = 0

    def percentile_ms(self, p: float) -> float:
        return percentile_ms(self.latencies, p)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else math.nan


def marker(tag: str, index: int) -> str:
    return f"bench-{tag}-{index:04d}"


async def send_round(bot: Bot, tag: str, requests: int, concurrency: int) -> Round:
    """``requests`` ``/feedback`` interactions, at most ``concurrency`` awaiting a callback."""
    fake = bot.fake
    result = Round(bot.name, concurrency, requests)
    pending: dict[str, asyncio.Future[Request]] = {}
    seen: dict[str, int] = {}

    def on_request(request: Request) -> None:
        match = CALLBACK.fullmatch(request.path)
        if match is None:
            return
        interaction = match.group(1)
        seen[interaction] = seen.get(interaction, 0) + 1
        waiting = pending.get(interaction)
        if waiting is not None and not waiting.done():
            waiting.set_result(request)

    fake.listeners.append(on_request)
    gate = asyncio.Semaphore(concurrency)
    loop = asyncio.get_running_loop()

    async def one(index: int) -> None:
        text = f"{marker(tag, index)}: the new runners are fast ({index})"
        async with gate:
            sent = await fake.command(
                "feedback",
                guild_id=GUILD,
                channel_id=CHANNELS[index % len(CHANNELS)],
                user_id=USERS[index % len(USERS)],
                options={"text": text},
            )
            interaction = str(sent.data["id"])
            waiting = pending.setdefault(interaction, loop.create_future())
            try:
                callback = await asyncio.wait_for(waiting, 30)
            except TimeoutError:
                result.lost.append(f"{marker(tag, index)}: no callback within 30 s")
                return
        result.latencies.append(callback.at - sent.at)
        if callback.json.get("type") == 5:
            result.deferred += 1
        elif bot.name == "bot":
            content = str((callback.json.get("data") or {}).get("content", ""))
            if marker(tag, index) not in content.replace("\\", ""):
                result.lost.append(f"{marker(tag, index)}: the callback is not its thank-you")

    started_at = loop.time()
    try:
        await asyncio.gather(*(one(index) for index in range(requests)))
    finally:
        fake.listeners.remove(on_request)
    result.seconds = loop.time() - started_at
    twice = [interaction for interaction, count in seen.items() if count > 1]
    if twice:
        result.lost.append(f"{len(twice)} interaction(s) answered more than once")
    return result


# -- report ------------------------------------------------------------------------------------


def _cell(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def print_table(rows: Sequence[tuple[Round, Round]]) -> None:
    header = (
        f"{'conc':>4} | {'bare p50':>8} {'bare p99':>8} {'bare int/s':>10} | "
        f"{'bot p50':>8} {'bot p99':>8} {'bot int/s':>9} | {'ratio':>5}"
    )
    print(header)
    print("-" * len(header))
    for bare, bot in rows:
        print(
            f"{bare.concurrency:>4} | {_cell(bare.percentile_ms(50)):>8} "
            f"{_cell(bare.percentile_ms(99)):>8} {_cell(bare.per_second):>10} | "
            f"{_cell(bot.percentile_ms(50)):>8} {_cell(bot.percentile_ms(99)):>8} "
            f"{_cell(bot.per_second):>9} | {_cell(bot.per_second / bare.per_second, 2):>5}"
        )
    print(
        "(time-to-callback in ms: INTERACTION_CREATE sent -> interaction callback received; "
        "int/s: N / (first sent -> last callback); ratio: bot int/s / bare int/s)"
    )
    for _, bot in rows:
        if bot.deferred:
            print(f"  c={bot.concurrency}: {bot.deferred} of {bot.requests} answers were deferred")


async def bench(requests: int) -> int:
    codes: dict[str, int | None] = {}
    rows: list[tuple[Round, Round]] = []
    async with AsyncExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fb-dbench-")))
        bot = await stack.enter_async_context(started("bot", workdir, codes))
        bare = await stack.enter_async_context(started("bare", workdir, codes))
        print(
            f"feedbackbot Discord interaction benchmark: {requests} interactions per round, "
            f"discord.py {discord.__version__}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPU(s)\n"
        )
        for each in (bare, bot):  # warm-up: connections, caches, the database
            warm = await send_round(each, "warmup", len(USERS), 1)
            if warm.lost:
                raise RuntimeError(f"{each.name} warm-up failed: {warm.lost[:3]}")
        for concurrency in CONCURRENCIES:
            tag = f"c{concurrency}"
            rows.append(
                (
                    await send_round(bare, tag, requests, concurrency),
                    await send_round(bot, tag, requests, concurrency),
                )
            )
        print_table(rows)
        bots = (bot, bare)
    failed = False
    for pair in rows:
        for result in pair:
            if result.lost:
                failed = True
                print(
                    f"\n!! {result.bot} c={result.concurrency}: {len(result.lost)} problem(s): "
                    f"{result.lost[:3]}"
                )
    for each in bots:
        if each.problems:
            print(f"\n! {each.name} logged {each.problems} error line(s); last lines:")
            print("\n".join(f"    {line}" for line in list(each.log_tail)[-10:]))
        if codes.get(each.name) != 0:
            print(f"\n! {each.name} exited with {codes.get(each.name)} after SIGTERM")
    if not failed:
        print("\nEvery interaction was answered once, the bot's each time with its thank-you.")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.discord_interactions", description=__doc__
    )
    parser.add_argument("--requests", type=int, default=300, help="interactions per round")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        asyncio.run(serve_bare())
        return 0
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    return asyncio.run(bench(args.requests))


if __name__ == "__main__":
    sys.exit(main())
