"""Worker processes: ``WORKERS=N`` runs N processes that share the HTTP port, because one CPython
process uses one core for Bolt, the Web API calls and the database driver alike.

The first process is the one people start. It serves everything: the HTTP server, Slack, Discord,
the scheduler and the SLA check. It starts the others with ``FEEDBACKBOT_WORKER`` set; they serve
the HTTP server (and a Socket Mode connection of their own) on the same port, opened with
``SO_REUSEPORT`` so that Linux spreads incoming connections across the processes. Discord and
the scheduler stay in the first process: a Discord gateway session must be opened once, and the
scheduler's claims would make extra copies idle anyway."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from adapters.app.stopping import WORKERS_KILL_S, StopPlan
from bot.errors import FeedbackBotError

log = logging.getLogger("feedbackbot")

# Set by the first process for the others; people never set it.
WORKER = "FEEDBACKBOT_WORKER"
# What a worker writes on its standard output once it serves, so the first process announces
# "serving" only when every worker accepts connections (a connection made before would stay
# with the first process for good).
READY = "ready"
START_TIMEOUT_S = 120.0


@dataclass(slots=True)
class Worker:
    number: int
    process: asyncio.subprocess.Process
    # Fails when the worker exits before it is asked to stop.
    watch: asyncio.Task[None] | None = None
    asked_to_stop: bool = False

    async def _ended(self) -> None:
        code = await self.process.wait()
        raise FeedbackBotError(f"worker {self.number} stopped (exit status {code}); stopping all")


async def start_workers(count: int, port: int, environ: Mapping[str, str]) -> list[Worker]:
    """Start workers 1..count-1 on ``port`` and wait until each one serves. They get the same
    settings as this process, so a setting that is wrong for them was already refused here."""
    workers: list[Worker] = []
    try:
        for number in range(1, count):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "adapters.cli",
                "run",
                env={**os.environ, **environ, "PORT": str(port), WORKER: str(number)},
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            workers.append(Worker(number, process))
        for worker in workers:
            await _ready(worker)
            worker.watch = asyncio.create_task(worker._ended())
    except BaseException:
        await stop_workers(workers, WORKERS_KILL_S)
        raise
    return workers


@asynccontextmanager
async def worker_processes(
    count: int, port: int, environ: Mapping[str, str], plan: StopPlan | None = None
) -> AsyncIterator[list[Worker]]:
    """The workers piece of ``feedbackbot run``: workers 1..count-1, asked to stop as soon as
    ``plan`` begins (each then refuses new requests at once, as this process does) and killed
    if still alive ``WORKERS_KILL_S`` after it began."""
    plan = plan or StopPlan()
    workers = await start_workers(count, port, environ)

    async def refuse_new() -> None:
        ask_to_stop(workers)

    plan.refuse_new(refuse_new)
    try:
        yield workers
    finally:
        await stop_workers(workers, plan.left(WORKERS_KILL_S))


async def _ready(worker: Worker) -> None:
    assert worker.process.stdout is not None
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            line = await worker.process.stdout.readline()
    except TimeoutError:
        raise FeedbackBotError(
            f"worker {worker.number} did not start within {START_TIMEOUT_S:.0f}s"
        ) from None
    if line.strip().decode(errors="replace") != READY:
        code = await worker.process.wait()
        raise FeedbackBotError(
            f"worker {worker.number} could not start (exit status {code}); its log says why"
        )


def ask_to_stop(workers: list[Worker]) -> None:
    """SIGTERM every worker still running (once each); their exits are no longer failures."""
    for worker in workers:
        if worker.watch is not None:
            worker.watch.cancel()
            worker.watch = None
        if worker.process.returncode is None and not worker.asked_to_stop:
            worker.asked_to_stop = True
            with suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)


async def stop_workers(workers: list[Worker], seconds: float) -> None:
    """Ask every worker to finish its requests and stop; kill those still running after
    ``seconds``."""
    ask_to_stop(workers)
    if not workers:
        return
    _, late = await asyncio.wait(
        [asyncio.ensure_future(worker.process.wait()) for worker in workers], timeout=seconds
    )
    for worker in workers:
        if worker.process.returncode is None:
            log.warning("worker %s did not stop in time; killed", worker.number)
            with suppress(ProcessLookupError):
                worker.process.kill()
            await worker.process.wait()
    for waiting in late:
        await waiting


def announce_ready() -> None:
    print(READY, flush=True)


async def first_process_gone() -> None:
    """Finishes when the first process is gone, however it ended (even killed): the pipe it
    holds to this worker's standard input closes then. A worker never outlives it."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.read()
