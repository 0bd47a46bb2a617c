"""Dashboard benchmark: pages and exports of a workspace of 1,000,000 items.

The dashboard's pages through HTTP, and ``feedbackbot export`` of the items, on SQLite and
PostgreSQL.

Run from the repository root: ``python -m bench.dashboard [--items N] [--requests N]
[--database sqlite|postgresql ...] [--postgres URL] [--no-export]``. Targets: every page p95 under
150 ms; an export of 1,000,000 items under 20 s and 150 MB, CSV and JSON alike. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx

from bench.roadmap import (
    DEFAULT_POSTGRES,
    SUBJECTS,
    VOTERS_EVERY,
    WORKSPACE,
    drop_postgres_database,
    seed,
    with_postgres_database,
)
from storage.engine import create_engine
from storage.schema import migrate
from storage.url import database_url
from tests.processes import FEEDBACKBOT, free_port

PAGE_TARGET_MS = 150.0
EXPORT_TARGET_S = 20.0
EXPORT_TARGET_MB = 150.0
DEEP_PAGE = 5_000
# A word of about one item in 13 (bench/roadmap.py SUBJECTS): many matches to rank by votes.
SEARCHED = SUBJECTS[9]
# Requests, must-haves of external stakeholders, still planned: four filters at once.
FILTER = "status=planned&kind=request&stakeholder=external&priority=must-have"


class _Page(HTMLParser):
    """What the benchmark reads of a page: its links and its forms' fields."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, rel)
        self.forms: list[tuple[str, dict[str, str]]] = []  # (action, fields)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in values:
            self.links.append((values["href"], values.get("rel", "")))
        elif tag == "form":
            self.forms.append((values.get("action", ""), {}))
        elif tag in ("input", "button") and self.forms and values.get("name"):
            self.forms[-1][1].setdefault(values["name"], values.get("value", ""))


def read_page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def next_page(html: str) -> str | None:
    """The backlog's link to its next page (``rel="next"``, or the one link with ``after=``)."""
    links = read_page(html).links
    for href, rel in links:
        if "next" in rel.split():
            return href
    after = [href for href, _ in links if "after=" in href]
    return after[-1] if after else None


@dataclass
class Timing:
    name: str
    path: str
    ms: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.ms, n=20, method="inclusive")[18]


@dataclass
class Export:
    form: str
    seconds: float
    peak_mb: float
    size_mb: float
    rows: int


@dataclass
class Result:
    label: str
    items: int
    seeded_s: float
    pages: list[Timing] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)

    def met(self) -> bool:
        pages = all(each.p95 < PAGE_TARGET_MS for each in self.pages)
        return pages and all(
            each.seconds < EXPORT_TARGET_S and each.peak_mb < EXPORT_TARGET_MB
            for each in self.exports
        )


def bot_environment(url: str, port: int) -> dict[str, str]:
    """``feedbackbot run`` with no chat platform: the dashboard alone, on 127.0.0.1."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WORKERS": "1",
        "LOG_LEVEL": "WARNING",
    }


@contextlib.asynccontextmanager
async def served(env: dict[str, str], cwd: Path) -> AsyncIterator[str]:
    """``feedbackbot run`` as a child process until the block ends; its address once
    ``/healthz`` answers."""
    base = env["PUBLIC_URL"]
    process = await asyncio.create_subprocess_exec(FEEDBACKBOT, "run", env=env, cwd=cwd)
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                if process.returncode is not None:
                    raise RuntimeError(
                        f"feedbackbot run exited with {process.returncode} (does it serve the "
                        "dashboard with no chat platform configured?)"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("feedbackbot run did not answer /healthz within 60 s")
        yield base
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)


async def signed_in(env: dict[str, str], cwd: Path, base: str) -> httpx.AsyncClient:
    """A client holding an admin's session cookie, signed in as a person would be: a link from
    ``feedbackbot dashboard link``, its page, its form posted."""
    link = await asyncio.create_subprocess_exec(
        FEEDBACKBOT,
        "dashboard",
        "link",
        "--workspace",
        f"{WORKSPACE.platform.value}:{WORKSPACE.id}",
        "--as",
        "Bench Admin",
        "--admin",
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    out, _ = await link.communicate()
    assert link.returncode == 0, out
    url = out.decode().strip().splitlines()[-1]
    client = httpx.AsyncClient(base_url=base, timeout=60)
    page = await client.get(url)
    page.raise_for_status()
    forms = read_page(page.text).forms
    action, fields = forms[0] if forms else ("", {})
    answer = await client.post(urljoin(url, action) if action else url, data=fields)
    assert answer.status_code in (200, 302, 303), (answer.status_code, answer.text[:500])
    return client


async def timed(client: httpx.AsyncClient, name: str, path: str, requests: int) -> Timing:
    timing = Timing(name, path)
    (await client.get(path)).raise_for_status()  # warm-up, not counted
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path)
        took = (time.perf_counter() - started) * 1000
        answer.raise_for_status()
        timing.ms.append(took)
    return timing


async def deep_page(client: httpx.AsyncClient, wanted: int) -> tuple[int, str]:
    """Walk the backlog's pages from the first by their cursors; the number and path of page
    ``wanted`` (or of the last, when there are fewer)."""
    path, number = "/backlog", 1
    while number < wanted:
        answer = await client.get(path)
        answer.raise_for_status()
        following = next_page(answer.text)
        if following is None:
            break
        path, number = urljoin("/backlog", following), number + 1
    return number, path


async def time_pages(env: dict[str, str], cwd: Path, items: int, requests: int) -> list[Timing]:
    async with served(env, cwd) as base:
        client = await signed_in(env, cwd, base)
        try:
            started = time.perf_counter()
            number, deep = await deep_page(client, DEEP_PAGE)
            print(f"  walked to page {number:,} in {time.perf_counter() - started:5.1f} s")
            # An item in the middle whose voters are stored one by one.
            item = max(VOTERS_EVERY, items // 2 // VOTERS_EVERY * VOTERS_EVERY)
            pages = [
                ("backlog, first page", "/backlog"),
                (f"backlog, page {number:,}", deep),
                ("backlog, filtered", f"/backlog?{FILTER}"),
                (f"backlog, searched {SEARCHED!r}", f"/backlog?q={SEARCHED}"),
                (f"item #{item:,}", f"/items/{item}"),
                ("KPIs", "/kpis"),
            ]
            timings = []
            for name, path in pages:
                timing = await timed(client, name, path, requests)
                print(f"  {name:<32} p50 {timing.p50:7.1f} ms  p95 {timing.p95:7.1f} ms")
                timings.append(timing)
        finally:
            await client.aclose()
        return timings


def export(env: dict[str, str], cwd: Path, form: str) -> Export:
    """``feedbackbot export --format FORM`` of the workspace into a file: its wall time and the
    peak resident memory of its process (``wait4``'s rusage, of that child alone)."""
    target = cwd / f"export.{form}"
    workspace = f"{WORKSPACE.platform.value}:{WORKSPACE.id}"
    command = [FEEDBACKBOT, "export", "--format", form, "--workspace", workspace]
    with target.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, f"feedbackbot export exited with {process.returncode}"
    rows = exported_items(target, form)
    size = target.stat().st_size / 2**20
    target.unlink()
    # Linux gives ru_maxrss in KiB.
    return Export(form, seconds, usage.ru_maxrss / 1024, size, rows)


def exported_items(path: Path, form: str) -> int:
    """How many items the file holds, read a mebibyte at a time, never whole."""
    if form == "csv":
        with path.open(newline="", encoding="utf-8") as file:
            return sum(1 for _ in csv.reader(file)) - 1
    count, tail = 0, b""
    with path.open("rb") as file:
        assert file.read(1) == b"[", "a JSON export is one array"
        while chunk := file.read(1 << 20):
            data = tail + chunk
            # A key cut in two by the chunks is found once whole; one found in the tail was
            # counted with the chunk before.
            count += sum(1 for found in _NUMBER_KEY.finditer(data) if found.end() > len(tail))
            tail = data[-32:]
    return count


_NUMBER_KEY = re.compile(rb'"number"\s*:')


async def bench(url: str, label: str, arguments: argparse.Namespace) -> Result:
    print(f"{label}: seeding {arguments.items:,} items")
    engine = create_engine(database_url(url))
    try:
        await migrate(engine)
        started = time.perf_counter()
        await seed(engine, arguments.items, dashboard=True)
        seeded = time.perf_counter() - started
    finally:
        await engine.dispose()
    print(f"  seeded in {seeded:5.1f} s")
    result = Result(label, arguments.items, seeded)
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        env = bot_environment(url, free_port())
        if arguments.pages:
            result.pages = await time_pages(env, cwd, arguments.items, arguments.requests)
        if arguments.export:
            for form in ("csv", "json"):
                done = await asyncio.to_thread(export, env, cwd, form)
                print(
                    f"  export {form:<4} {done.rows:>9,} items in {done.seconds:6.1f} s, peak RSS "
                    f"{done.peak_mb:6.1f} MB ({done.size_mb:6.1f} MB written)"
                )
                assert done.rows == arguments.items, (done.rows, arguments.items)
                result.exports.append(done)
    return result


def table(results: Sequence[Result]) -> str:
    """Pages: p50 and p95 per database; exports: time and peak RSS per database."""
    width = 34
    lines = [f"{'':<{width}}" + "".join(f"{r.label:>24}" for r in results)]
    lines.append(f"{'page':<{width}}" + f"{'p50':>12}{'p95':>12}" * len(results))
    for row, timing in enumerate(results[0].pages if results else []):
        cells = "".join(f"{r.pages[row].p50:>9.1f} ms{r.pages[row].p95:>9.1f} ms" for r in results)
        lines.append(f"{timing.name:<{width}}{cells}")
    if results and results[0].exports:
        lines.append(f"{'export':<{width}}" + f"{'time':>12}{'peak RSS':>12}" * len(results))
    for row, done in enumerate(results[0].exports if results else []):
        cells = "".join(
            f"{r.exports[row].seconds:>10.1f} s{r.exports[row].peak_mb:>9.0f} MB" for r in results
        )
        lines.append(f"{'feedbackbot export --format ' + done.form:<{width}}{cells}")
    return "\n".join(lines)


async def main(arguments: argparse.Namespace) -> int:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        if "sqlite" in arguments.database:
            url = f"sqlite:///{Path(folder) / 'dashboard.db'}"
            results.append(await bench(url, "SQLite", arguments))
        if "postgresql" in arguments.database:
            pg_url, name = await with_postgres_database(arguments.postgres, "dashboard")
            try:
                results.append(await bench(pg_url, "PostgreSQL", arguments))
            finally:
                await drop_postgres_database(arguments.postgres, name)
    print()
    print(f"{arguments.items:,} items, {arguments.requests} requests per page")
    print(table(results))
    met = all(result.met() for result in results)
    print(
        f"targets (page p95 < {PAGE_TARGET_MS:.0f} ms; export < {EXPORT_TARGET_S:.0f} s and "
        f"< {EXPORT_TARGET_MB:.0f} MB) " + ("met" if met else "NOT met")
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--items", type=int, default=1_000_000, help="items to seed (default: 1,000,000)"
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument(
        "--database",
        nargs="+",
        choices=("sqlite", "postgresql"),
        default=["sqlite", "postgresql"],
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FEEDBACKBOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where the user may create databases",
    )
    parser.add_argument("--no-pages", dest="pages", action="store_false", help="skip the pages")
    parser.add_argument(
        "--no-export", dest="export", action="store_false", help="skip feedbackbot export"
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
