"""``WORKERS=2``: a real ``feedbackbot run`` whose worker processes share the port; whichever
process answers a scrape, it counts every process's requests."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.metrics.conftest import Samples, scrape
from tests.processes import FEEDBACKBOT, free_port, running
from tests.slack.conftest import SECRET, process_environment
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

REQUESTS = 40


@asynccontextmanager
async def two_workers(
    fake: FakeSlack, tmp_path: Path, log: list[str], **more: str
) -> AsyncIterator[str]:
    """``feedbackbot run`` with ``WORKERS=2`` once every worker serves; its base URL. Stopped
    with SIGTERM at the end of the block, after which it must have exited 0."""
    port = free_port()
    env = {
        **process_environment(fake.api_url, tmp_path),
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "LOG_LEVEL": "INFO",
        "WORKERS": "2",
        **more,
    }
    process = await asyncio.create_subprocess_exec(
        FEEDBACKBOT, "run", env=env, cwd=tmp_path, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    reading: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(60):
            while "2 worker processes" not in (line := (await process.stderr.readline()).decode()):
                assert line, "".join(log)
                log.append(line)
        reading = asyncio.create_task(_read(process, log))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
        if reading is not None:
            await asyncio.wait_for(reading, 10)
    assert code == 0, "".join(log)


async def test_one_scrape_counts_the_requests_of_every_worker(
    fake: FakeSlack, tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left by an earlier run")
    log: list[str] = []
    async with two_workers(fake, tmp_path, log, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)) as base:
        sender = SlackSender(base, SECRET, response_url=fake.response_url())
        # A new connection per request, so Linux spreads them over both processes.
        await asyncio.gather(*(sender.command("/feedback", f"note {n}") for n in range(REQUESTS)))
        await fake.wait_for("chat.postMessage", REQUESTS, timeout=30)
        # Each scrape is answered by either process; every one counts all requests.
        scrapes: list[Samples] = [await scrape(base) for _ in range(6)]

    recorded_by = {
        match.group(1)
        for line in log
        if (match := re.search(r"\[worker (\d)\]: recorded feedback", line))
    }
    assert recorded_by == {"0", "1"}
    for samples in scrapes:
        labels = {"platform": "slack", "command": "/feedback"}
        assert samples.value("feedbackbot_requests_total", **labels) == REQUESTS
        assert samples.value("feedbackbot_acks_total", **labels, outcome="ok") == REQUESTS
        assert samples.total("feedbackbot_items_recorded_total") == REQUESTS
        assert samples.total("feedbackbot_open_items", workspace="T1") == REQUESTS


async def test_without_a_directory_one_is_made_for_the_run_and_removed(
    fake: FakeSlack, tmp_path: Path
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    log: list[str] = []
    async with two_workers(fake, tmp_path, log, TMPDIR=str(temporary)) as base:
        sender = SlackSender(base, SECRET, response_url=fake.response_url())
        await sender.command("/feedback", "counted in a directory of its own")
        samples = await scrape(base)
        made = [path.name for path in temporary.iterdir()]

    assert samples.value("feedbackbot_requests_total", platform="slack", command="/feedback") == 1
    assert len(made) == 1 and made[0].startswith("feedbackbot-metrics-")
    assert list(temporary.iterdir()) == []


async def test_one_process_writes_no_files_even_with_the_variable_set_empty(
    fake: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **process_environment(fake.api_url, tmp_path),
        "PORT": str(port),
        # As an .env copied from .env.example sets it.
        "PROMETHEUS_MULTIPROC_DIR": "",
    }
    async with running(env, tmp_path, b"serving Slack"):
        base = f"http://127.0.0.1:{port}"
        sender = SlackSender(base, SECRET, response_url=fake.response_url())
        await sender.command("/feedback", "counted in memory")
        samples = await scrape(base)

    assert samples.value("feedbackbot_requests_total", platform="slack", command="/feedback") == 1
    assert _databases(tmp_path) == ["feedbackbot.db"]  # and no counts' files


def _databases(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.glob("*.db"))


async def _read(process: asyncio.subprocess.Process, log: list[str]) -> None:
    assert process.stderr is not None
    while line := await process.stderr.readline():
        log.append(line.decode(errors="replace"))
