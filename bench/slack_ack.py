"""How fast `feedbackbot run` acknowledges `/feedback`, and how fast it gets the work done,
compared with a bare slack-bolt app that only acknowledges.

Run from the repository root::

    python -m bench.slack_ack [--requests N]
    python -m bench.slack_ack --compare-metrics 6 [--requests N] [--concurrency C]

Both servers run as subprocesses on 127.0.0.1 and are driven the same way: N signed
`/feedback` requests per concurrency level (1, 10, 50) from one shared HTTP client (by default
``bench.lean_client.LeanClient``, a lean asyncio client: its CPU time is spent on the servers'
cores; ``--client aiohttp`` or ``--client httpx`` for those; see ``load_client``).
The fake Slack Web API (``bench.lean_slack.LeanSlack``, a lean asyncio server: its CPU time is
spent on the bot's cores, real Slack's is not) runs in this process and records the bot's
thank-yous. The exit status is 0 unless a request failed or a thank-you was lost.

With ``--compare-metrics ROUNDS`` it runs no bare app: two bots at once, one with metrics
(``METRICS=true``, the default) and one with ``METRICS=false``, each on its own database, given
the same load in alternating rounds (runs are noisy, ±15%, so one round each says little), and
prints both rates and the CPU time per request.

``python -m bench.slack_ack --serve-bare PORT`` is the bare server itself (used internally).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import httpx
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bench.latency import percentile_ms
from bench.lean_client import LeanClient
from bench.lean_slack import LeanSlack, LeanSlackTimeout
from bench.roadmap import drop_postgres_database, with_postgres_database
from tests.processes import FEEDBACKBOT, free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "bench-8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-bench"
SLACK_PATH = "/slack/events"
CONCURRENCIES = (1, 10, 50)
USERS = (("U1", "alice"), ("U2", "bob"), ("U3", "carol"), ("U4", "dave"), ("U5", "erin"))
CHANNELS = ("C1", "C2", "C3")
READY = "bench-bare-ready"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
# Targets, checked at the highest concurrency.
TARGET_ACK_P99_MS = 300.0
TARGET_RATIO = 0.5


# -- the bare server (a subprocess) ------------------------------------------------------------


async def serve_bare(port: int) -> None:
    """A slack-bolt AsyncApp that only acknowledges ``/feedback``, served by aiohttp like the
    bot's own server (same signing secret; its client asks the fake Slack for ``auth.test``)."""
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    bolt = AsyncApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        process_before_response=True,
    )

    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/feedback")(ack_only)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_post(SLACK_PATH, events)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        actual = runner.addresses[0][1] if runner.addresses else port
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        print(f"{READY} {actual}", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


# -- the two servers under test ------------------------------------------------------------------


@dataclass
class Server:
    name: str
    base_url: str
    process: asyncio.subprocess.Process
    log_tail: deque[str] = field(default_factory=lambda: deque(maxlen=40))
    problems: int = 0  # log lines at WARNING or above, and tracebacks

    @property
    def url(self) -> str:
        return self.base_url + SLACK_PATH


async def _read_until(
    stream: asyncio.StreamReader, marker: str, tail: deque[str], what: str
) -> str:
    """Lines of ``stream`` until one containing ``marker`` (returned); no sleeping."""
    async with asyncio.timeout(START_TIMEOUT):
        while True:
            raw = await stream.readline()
            if not raw:
                shown = "\n".join(tail)
                raise RuntimeError(f"{what} ended before it was ready:\n{shown}")
            line = raw.decode(errors="replace").rstrip()
            tail.append(line)
            if marker in line:
                return line


async def _drain(stream: asyncio.StreamReader, server: Server) -> None:
    """Keep reading a server's log so its pipe never fills; count what looks like trouble."""
    while raw := await stream.readline():
        line = raw.decode(errors="replace").rstrip()
        server.log_tail.append(line)
        if any(word in line for word in ("WARNING", "ERROR", "CRITICAL", "Traceback")):
            server.problems += 1


async def _stop(server: Server, codes: dict[str, int | None]) -> None:
    process = server.process
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            print(f"!! {server.name} did not stop within {STOP_TIMEOUT:.0f}s on SIGTERM; killed")
            process.kill()
            await process.wait()
    codes[server.name] = process.returncode


@asynccontextmanager
async def started_bot(
    env: Mapping[str, str],
    workdir: Path,
    codes: dict[str, int | None],
    database: str,
    name: str = "bot",
) -> AsyncIterator[Server]:
    """``feedbackbot run``, ready once its first process logs that it serves (with
    ``WORKERS``, only after every worker does)."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        FEEDBACKBOT,
        "run",
        env={**env, "PORT": str(port), "DATABASE_URL": database},
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Server(name, f"http://127.0.0.1:{port}", process)
    assert process.stderr is not None
    ready = "health at GET /healthz"
    async with _running(server, process.stderr, ready, "feedbackbot run", codes):
        yield server


@asynccontextmanager
async def started_bare(
    env: Mapping[str, str], workdir: Path, codes: dict[str, int | None]
) -> AsyncIterator[Server]:
    """This script in ``--serve-bare`` mode, ready once it prints its port."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.slack_ack",
        "--serve-bare",
        "0",
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    server = Server("bare", "", process)
    async with _running(server, process.stdout, READY, "the bare server", codes) as line:
        server.base_url = f"http://127.0.0.1:{int(line.split()[-1])}"
        yield server


@asynccontextmanager
async def _running(
    server: Server,
    log: asyncio.StreamReader,
    marker: str,
    what: str,
    codes: dict[str, int | None],
) -> AsyncIterator[str]:
    """A started server, once ``log`` shows ``marker`` (that line is given); its log is read on
    so its pipe never fills, and it is stopped with SIGTERM at the end."""
    drain: asyncio.Task[None] | None = None
    try:
        line = await _read_until(log, marker, server.log_tail, what)
        drain = asyncio.create_task(_drain(log, server))
        yield line
    finally:
        await _stop(server, codes)
        if drain is not None:
            with suppress(Exception):
                await drain


# -- load ------------------------------------------------------------------------------------


def signed_headers(verifier: SignatureVerifier, body: bytes) -> dict[str, str]:
    """The headers Slack sends with a command, signed now (Bolt refuses old signatures)."""
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": str(verifier.generate_signature(timestamp=timestamp, body=body)),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }


# POST ``body`` with ``headers`` to ``url``; the HTTP status and the response text.
Ack = tuple[int, str]
Post = Callable[[str, bytes, Mapping[str, str]], Awaitable[Ack]]


@asynccontextmanager
async def load_client(kind: str, connections: int) -> AsyncIterator[Post]:
    """One shared HTTP client with ``connections`` keep-alive connections.

    ``lean`` by default (``bench.lean_client.LeanClient``): the load generator runs on the same
    cores as the servers it measures, and aiohttp's client spends about twice the CPU per
    request of the lean one (about 0.09 ms against 0.045 ms by themselves; see bench/README.md
    for the figures in this benchmark). ``aiohttp`` keeps that client for comparison.
    ``httpx`` shows why that one is not used: httpx 0.28 / httpcore 1.0 spends time quadratic
    in the number of pooled connections on every request
    (``AsyncConnectionPool._assign_requests_to_connections`` calls ``is_idle`` on every
    connection for every queued request), so at concurrency 50 the load generator, not the
    server, sets the pace (about 100 req/s against a bare Bolt app that answers 1,500/s to
    aiohttp).
    """
    if kind == "lean":
        async with LeanClient(connections) as lean:
            yield lean.post
        return
    if kind == "httpx":
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

            async def post_httpx(url: str, body: bytes, headers: Mapping[str, str]) -> Ack:
                answer = await client.post(url, content=body, headers=dict(headers))
                return answer.status_code, answer.text

            yield post_httpx
        return
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30.0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def post_aiohttp(url: str, body: bytes, headers: Mapping[str, str]) -> Ack:
            async with session.post(url, data=body, headers=dict(headers)) as answer:
                return answer.status, await answer.text()

        yield post_aiohttp


@dataclass
class Round:
    server: str
    concurrency: int
    requests: int
    latencies: list[float] = field(default_factory=list)  # seconds, answered 200 only
    failures: list[str] = field(default_factory=list)
    acks_seconds: float = 0.0  # first request sent -> last answer received
    job_seconds: float | None = None  # first request sent -> last thank-you seen (bot)
    done_seconds: float | None = None  # first request sent -> last private confirmation (bot)
    confirmed_in_ack: int = 0  # answers that already confirm the item to its author (bot)
    server_cpu_s: float = math.nan  # CPU time the server process used for the round
    client_cpu_s: float = math.nan  # CPU time this process (load client, fake Slack) used

    def cpu_ms_per_request(self, seconds: float) -> float:
        return seconds / self.requests * 1000

    lost: list[str] = field(default_factory=list)

    def percentile_ms(self, p: float) -> float:
        return percentile_ms(self.latencies, p)

    @property
    def acks_per_second(self) -> float:
        return self.requests / self.acks_seconds if self.acks_seconds else math.nan

    @property
    def items_per_second(self) -> float:
        return self.requests / self.job_seconds if self.job_seconds else math.nan


def marker(tag: str, index: int) -> str:
    return f"bench-{tag}-{index:04d}"


def markers_of(tag: str) -> re.Pattern[str]:
    """What finds the markers of ``tag`` in a text, whole (``bench-c50-10000`` too)."""
    return re.compile(rf"bench-{re.escape(tag)}-\d+")


def command_body(tag: str, index: int, response_url: str) -> bytes:
    user_id, user_name = USERS[index % len(USERS)]
    channel = CHANNELS[index % len(CHANNELS)]
    fields = {
        "token": "verification-token",
        "team_id": "T1",
        "team_domain": "acme",
        "channel_id": channel,
        "channel_name": channel.lower(),
        "user_id": user_id,
        "user_name": user_name,
        "command": "/feedback",
        "text": f"{marker(tag, index)}: the new runners are fast, thanks ({index})",
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": response_url,
        # One per command, as Slack's are: the same one again is a replay, stored once.
        "trigger_id": f"13345224609.{zlib.crc32(tag.encode())}.{index:08x}",
    }
    return urlencode(fields).encode()


def command_bodies(tag: str, requests: int, response_url: Callable[[str], str]) -> list[bytes]:
    """The bodies of a round's commands, built before it starts: outside its clock and its CPU
    count (about 40 us each, all of them at once when the round starts)."""
    return [command_body(tag, index, response_url(marker(tag, index))) for index in range(requests)]


async def send_commands(
    post: Post,
    server: Server,
    bodies: Sequence[bytes],
    concurrency: int,
) -> Round:
    """Send the signed ``/feedback`` commands ``bodies``, at most ``concurrency`` at a time."""
    result = Round(server.name, concurrency, len(bodies))

    def answered(text: str) -> None:
        result.confirmed_in_ack += "Recorded as #" in text

    result.acks_seconds = await send_signed(
        post, server.url, bodies, concurrency, result.latencies, result.failures, answered
    )
    return result


async def send_signed(
    post: Post,
    url: str,
    bodies: Sequence[bytes],
    concurrency: int,
    latencies: list[float],
    failures: list[str],
    answered: Callable[[str], None] = lambda text: None,
) -> float:
    """Send the requests ``bodies`` to ``url``, each signed as Slack signs its own, at most
    ``concurrency`` at a time: the latency of each one answered 200 goes to ``latencies``
    (and its text to ``answered``), what failed to ``failures``; how long it all took."""
    verifier = SignatureVerifier(SIGNING_SECRET)
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, body: bytes) -> None:
        async with gate:
            headers = signed_headers(verifier, body)
            sent = time.perf_counter()
            try:
                status, text = await post(url, body, headers)
            except (OSError, TimeoutError, aiohttp.ClientError, httpx.HTTPError) as error:
                failures.append(f"#{index}: {type(error).__name__}: {error}")
                return
            elapsed = time.perf_counter() - sent
        if status == 200:
            latencies.append(elapsed)
            answered(text)
        else:
            failures.append(f"#{index}: HTTP {status} {text[:80]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(one(index, body) for index, body in enumerate(bodies)))
    return time.perf_counter() - started


async def bot_round(
    post: Post,
    fake: LeanSlack,
    bot: Server,
    tag: str,
    bodies: Sequence[bytes],
    concurrency: int,
) -> Round:
    """Send ``bodies`` (``command_bodies(tag, ...)``) to the bot and time the whole job: until
    the fake has seen every thank-you."""
    requests = len(bodies)
    posts_before = len(fake.posts)
    responses_before = len(fake.responses)
    job_timeout = max(60.0, requests * 0.5)
    started = time.perf_counter()

    async def when(waiting: Awaitable[object]) -> float | None:
        """Seconds from ``started`` until ``waiting`` is over; ``None`` when it timed out."""
        try:
            await waiting
        except LeanSlackTimeout:
            return None
        return time.perf_counter() - started

    thanked = asyncio.create_task(when(fake.wait_for_posts(posts_before + requests, job_timeout)))
    result = await send_commands(post, bot, bodies, concurrency)
    # An item is confirmed to its author in the answer to the command when it was stored in
    # time, else through the response URL afterwards.
    late = requests - result.confirmed_in_ack
    result.done_seconds = await when(
        fake.wait_for_responses(responses_before + late, job_timeout) if late else asyncio.sleep(0)
    )
    result.job_seconds = await thanked

    posts = fake.posts[posts_before:]
    texts = [post.text for post in posts if post.ok]
    if len(posts) != len(texts):
        result.lost.append(f"{len(posts) - len(texts)} chat.postMessage call(s) answered not ok")
    # The markers each thank-you carries, counted in one pass (looking for every marker in
    # every text took N^2 substring searches: about 0.5 s of this process's CPU at N = 2000).
    found = markers_of(tag)
    thanked_for = Counter(name for text in texts for name in set(found.findall(text)))
    for index in range(requests):
        wanted = marker(tag, index)
        seen = thanked_for[wanted]
        if seen != 1:
            result.lost.append(f"{wanted}: {seen} thank-you(s) instead of 1")
    if result.done_seconds is None:
        got = result.confirmed_in_ack + len(fake.responses) - responses_before
        result.lost.append(f"only {got} of {requests} private confirmations")
    return result


async def warm_up(post: Post, fake: LeanSlack, bare: Server, bot: Server) -> None:
    """One request per user to each server before measuring (Bolt's auth.test, the bot's
    users.info cache, database connections), so round 1 measures the steady state."""
    warm = len(USERS)
    bodies = command_bodies("warmup", warm, fake.response_url)
    bare_warm = await send_commands(post, bare, bodies, 1)
    bot_warm = await bot_round(post, fake, bot, "warmup", bodies, 1)
    problems = bare_warm.failures + bot_warm.failures + bot_warm.lost
    if problems:
        raise RuntimeError("warm-up failed: " + "; ".join(problems[:5]))


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process and the processes it started (the bot's
    workers) have used so far; Linux only."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [
            int(child)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except OSError:
        return math.nan
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in children)


async def measured(server: Server, running: Awaitable[Round]) -> Round:
    """The round, with the CPU time its server and this process spent on it."""
    server_before, client_before = cpu_seconds(server.process.pid), time.process_time()
    result = await running
    result.server_cpu_s = cpu_seconds(server.process.pid) - server_before
    result.client_cpu_s = time.process_time() - client_before
    return result


# -- report ------------------------------------------------------------------------------------


def _cell(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}"


def print_table(rows: Sequence[tuple[Round, Round]]) -> None:
    header = (
        f"{'conc':>4} | {'bare p50':>8} {'bare p99':>8} {'bare ack/s':>10} | "
        f"{'bot p50':>8} {'bot p99':>8} {'bot ack/s':>9} {'bot items/s':>11} | {'ratio':>5}"
    )
    print(header)
    print("-" * len(header))
    for bare, bot in rows:
        ratio = bot.items_per_second / bare.acks_per_second
        print(
            f"{bare.concurrency:>4} | {_cell(bare.percentile_ms(50)):>8} "
            f"{_cell(bare.percentile_ms(99)):>8} {_cell(bare.acks_per_second):>10} | "
            f"{_cell(bot.percentile_ms(50)):>8} {_cell(bot.percentile_ms(99)):>8} "
            f"{_cell(bot.acks_per_second):>9} {_cell(bot.items_per_second):>11} | "
            f"{_cell(ratio, 2):>5}"
        )
    print(
        "(latencies in ms, send -> HTTP 200; bot items/s: N / (first request sent -> fake Slack "
        "got the last thank-you); ratio: bot items/s / bare ack/s)"
    )
    print(
        "CPU ms per request (server | load client and fake Slack): "
        + "; ".join(
            f"c={bare.concurrency} bare {_cell(bare.cpu_ms_per_request(bare.server_cpu_s), 2)}"
            f" | {_cell(bare.cpu_ms_per_request(bare.client_cpu_s), 2)}, "
            f"bot {_cell(bot.cpu_ms_per_request(bot.server_cpu_s), 2)}"
            f" | {_cell(bot.cpu_ms_per_request(bot.client_cpu_s), 2)}"
            for bare, bot in rows
        )
    )
    for _, bot in rows:
        print(
            f"  c={bot.concurrency}: all {bot.requests} thank-yous after "
            f"{_cell(bot.job_seconds, 2)} s, all private confirmations after "
            f"{_cell(bot.done_seconds, 2)} s, {bot.confirmed_in_ack} of them in the answer "
            f"(acks took {bot.acks_seconds:.2f} s)"
        )


def print_targets(bare: Round, bot: Round) -> None:
    p99 = bot.percentile_ms(99)
    ratio = bot.items_per_second / bare.acks_per_second
    ack_ok = p99 < TARGET_ACK_P99_MS
    ratio_ok = ratio >= TARGET_RATIO
    print(f"\nTargets at concurrency {bot.concurrency}:")
    print(
        f"  bot ack p99 < {TARGET_ACK_P99_MS:.0f} ms: {_cell(p99)} ms -> "
        f"{'MET' if ack_ok else 'MISSED'}"
    )
    print(
        f"  bot items/s / bare acks/s >= {TARGET_RATIO}: {_cell(ratio, 2)} -> "
        f"{'MET' if ratio_ok else 'MISSED'}"
    )


# -- the whole run -----------------------------------------------------------------------------


async def _fake_slack_and_settings(
    stack: AsyncExitStack, workers: int
) -> tuple[LeanSlack, Path, dict[str, str]]:
    """The fake Slack with the benchmark's people, a scratch directory, and the bot's settings."""
    fake = await stack.enter_async_context(LeanSlack())
    for user_id, name in USERS:
        fake.add_user(user_id, name, "T1", display_name=name.title())
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fb-bench-")))
    return fake, workdir, bot_env(fake, workdir, workers)


def bot_env(fake: LeanSlack, workdir: Path, workers: int) -> dict[str, str]:
    """The bot's settings for a benchmark: Slack over HTTP to ``fake``, ``WORKERS`` processes,
    logging at INFO (what the benchmark reads of its log); the port and the database are added
    where it is started."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "INFO",
        "WORKERS": str(workers),
    }


async def bench(
    requests: int,
    client_kind: str,
    concurrencies: Sequence[int],
    workers: int,
    postgres: str | None,
) -> int:
    codes: dict[str, int | None] = {}
    rows: list[tuple[Round, Round]] = []
    async with AsyncExitStack() as stack:
        fake, workdir, env = await _fake_slack_and_settings(stack, workers)
        database = f"sqlite:///{workdir / 'bench.db'}"
        if postgres is not None:
            database, name = await with_postgres_database(postgres, "slack")
            stack.push_async_callback(drop_postgres_database, postgres, name)
        bot = await stack.enter_async_context(started_bot(env, workdir, codes, database))
        bare = await stack.enter_async_context(started_bare(env, workdir, codes))
        most = max(concurrencies)
        post = await stack.enter_async_context(load_client(client_kind, most + 10))

        print(
            f"feedbackbot Slack ack benchmark: {requests} requests per round, "
            f"{client_kind} client, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPU(s), the bot with WORKERS={workers} on "
            f"{'PostgreSQL' if postgres else 'SQLite'}\n"
        )
        await warm_up(post, fake, bare, bot)
        for concurrency in concurrencies:
            tag = f"c{concurrency}"
            bodies = command_bodies(tag, requests, fake.response_url)  # the same for both
            bare_round = await measured(bare, send_commands(post, bare, bodies, concurrency))
            bot_round_ = await measured(bot, bot_round(post, fake, bot, tag, bodies, concurrency))
            rows.append((bare_round, bot_round_))
        print_table(rows)
        for row in rows:
            if row[0].concurrency == max(CONCURRENCIES):
                print_targets(*row)
        servers = (bot, bare)

    failed = False
    for bare_round, bot_round_ in rows:
        for result in (bare_round, bot_round_):
            if result.failures:
                failed = True
                print(
                    f"\n!! {result.server} c={result.concurrency}: {len(result.failures)} of "
                    f"{result.requests} requests FAILED, e.g. {result.failures[:3]}"
                )
        if bot_round_.lost:
            failed = True
            print(
                f"\n!! bot c={bot_round_.concurrency}: THANK-YOUS LOST OR WRONG "
                f"({len(bot_round_.lost)}): {bot_round_.lost[:5]}"
            )
    for server in servers:
        if server.problems:
            print(f"\n! {server.name} logged {server.problems} warning/error line(s); last lines:")
            print("\n".join(f"    {line}" for line in list(server.log_tail)[-10:]))
        if codes.get(server.name) != 0:
            print(f"\n! {server.name} exited with {codes.get(server.name)} after SIGTERM")
    if not failed:
        print("\nEvery request was answered 200 and every thank-you was posted exactly once.")
    return 1 if failed else 0


async def compare_metrics(
    requests: int, client_kind: str, concurrency: int, workers: int, rounds: int
) -> int:
    """The bot with metrics on and off, alternating rounds at one concurrency."""
    codes: dict[str, int | None] = {}
    results: dict[str, list[Round]] = {"metrics on": [], "METRICS=false": []}
    async with AsyncExitStack() as stack:
        fake, workdir, env = await _fake_slack_and_settings(stack, workers)
        bots: dict[str, Server] = {}
        for label, on in (("metrics on", "true"), ("METRICS=false", "false")):
            database = f"sqlite:///{workdir / f'bench-{on}.db'}"
            bots[label] = await stack.enter_async_context(
                started_bot({**env, "METRICS": on}, workdir, codes, database, label)
            )
        post = await stack.enter_async_context(load_client(client_kind, concurrency + 10))
        print(
            f"feedbackbot Slack ack benchmark, metrics on against METRICS=false: {rounds} "
            f"rounds of {requests} requests each at concurrency {concurrency}, {client_kind} "
            f"client, Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
            f"WORKERS={workers}, SQLite\n"
        )
        for label, bot in bots.items():
            warm = await bot_round(
                post,
                fake,
                bot,
                f"warm{len(label)}",
                command_bodies(f"warm{len(label)}", len(USERS), fake.response_url),
                1,
            )
            if warm.failures or warm.lost:
                raise RuntimeError(f"warm-up of {label} failed: {(warm.failures + warm.lost)[:5]}")
        print(
            f"{'round':>5}  {'bot':<14} {'acks/s':>8} {'items/s':>8} {'CPU ms/req':>10} "
            f"{'ack p99 ms':>10}"
        )
        for number in range(rounds):
            order = list(bots) if number % 2 == 0 else list(reversed(bots))
            for label in order:
                tag = f"r{number}{'on' if label == 'metrics on' else 'off'}"
                bodies = command_bodies(tag, requests, fake.response_url)
                bot = bots[label]
                result = await measured(bot, bot_round(post, fake, bot, tag, bodies, concurrency))
                results[label].append(result)
                print(
                    f"{number + 1:>5}  {label:<14} {_cell(result.acks_per_second, 0):>8} "
                    f"{_cell(result.items_per_second, 0):>8} "
                    f"{_cell(result.cpu_ms_per_request(result.server_cpu_s), 2):>10} "
                    f"{_cell(result.percentile_ms(99)):>10}"
                )
    print()
    medians: dict[str, tuple[float, float, float]] = {}
    for label, rounds_of in results.items():
        medians[label] = (
            statistics.median(r.acks_per_second for r in rounds_of),
            statistics.median(r.items_per_second for r in rounds_of),
            statistics.median(r.cpu_ms_per_request(r.server_cpu_s) for r in rounds_of),
        )
        acks, items, cpu = medians[label]
        print(f"median {label:<14} {acks:8.0f} acks/s {items:8.0f} items/s {cpu:6.2f} CPU ms/req")
    on_items, off_items = medians["metrics on"][1], medians["METRICS=false"][1]
    on_cpu, off_cpu = medians["metrics on"][2], medians["METRICS=false"][2]
    print(
        f"metrics on: {on_items / off_items:.1%} of the item rate with METRICS=false "
        f"(target at least 95%), {on_cpu / off_cpu:.1%} of its CPU per request"
    )
    lost = [r for rounds_of in results.values() for r in rounds_of if r.failures or r.lost]
    for label, code in codes.items():
        if code != 0:
            print(f"! {label} exited with {code} after SIGTERM")
    return 1 if lost else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_ack", description=__doc__)
    parser.add_argument("--requests", type=int, default=3000, help="requests per round")
    parser.add_argument(
        "--client",
        choices=("lean", "aiohttp", "httpx"),
        default="lean",
        help="the load generator's HTTP client (default lean: bench/lean_client.py; see "
        "load_client)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        action="append",
        help="a concurrency level to run (repeatable; default 1, 10 and 50)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="the bot's WORKERS (default: the number of CPUs; the bare app is one process)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run the bot on a fresh database on this PostgreSQL server instead of SQLite "
        "(the user must be allowed to create databases; it is dropped at the end)",
    )
    parser.add_argument(
        "--compare-metrics",
        type=int,
        metavar="ROUNDS",
        help="instead: the bot with metrics on and with METRICS=false, ROUNDS rounds each, "
        "alternating, at the highest --concurrency (default 50)",
    )
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare is not None:
        asyncio.run(serve_bare(args.serve_bare))
        return 0
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if args.compare_metrics is not None:
        if args.compare_metrics < 1:
            parser.error("--compare-metrics must be at least 1")
        concurrency = max(args.concurrency or CONCURRENCIES)
        return asyncio.run(
            compare_metrics(
                args.requests, args.client, concurrency, args.workers, args.compare_metrics
            )
        )
    return asyncio.run(
        bench(
            args.requests,
            args.client,
            args.concurrency or CONCURRENCIES,
            args.workers,
            args.postgres,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
