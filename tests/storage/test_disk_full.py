"""SQLite on a disk that fills up: writes are refused as "the database disk is full", and once
space is freed the bot stores again and its WAL is given back. A real 2 MiB tmpfs (needs root
and ``mount``; skipped, saying why, where the test cannot mount one)."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.app.composition import App, open_app
from adapters.app.settings import load_settings
from bot.items import Item
from bot.service import Refused
from tests.fakes import submission


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"SKIPPED: cannot mount a 2 MiB tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.fixture
async def app(small_disk: Path) -> AsyncIterator[App]:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{small_disk / 'bot.db'}"})
    async with open_app(settings) as opened:
        yield opened


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    try:
        with filler.open("wb") as out:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
    except OSError:
        pass
    return filler


async def test_a_full_disk_refuses_saying_so(
    app: App, small_disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill(small_disk)

    with caplog.at_level(logging.ERROR):
        outcome = await app.core.feedback.submit(submission("x" * 3000))

    assert isinstance(outcome, Refused)
    assert "the database disk is full" in caplog.text


async def test_the_bot_stores_again_once_space_is_freed_and_its_wal_shrinks(
    app: App, small_disk: Path
) -> None:
    assert isinstance(await app.core.feedback.submit(submission("before")), Item)
    filler = fill(small_disk)
    for _ in range(3):
        await app.core.feedback.submit(submission("x" * 3000))
    wal = small_disk / "bot.db-wal"
    grown = wal.stat().st_size

    filler.unlink()
    stored = await app.core.feedback.submit(submission("after"))

    assert isinstance(stored, Item)
    assert wal.stat().st_size < grown
