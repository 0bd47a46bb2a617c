"""The group commit's own thread: calls run there in the order given, and their answers and
failures reach whoever awaits them."""

from __future__ import annotations

import asyncio
import threading

import pytest

from storage.writer_thread import WriterThread


async def test_calls_run_on_the_thread_in_the_order_given() -> None:
    thread = WriterThread("test-writes")
    ran: list[tuple[int, str]] = []

    def note(number: int) -> int:
        ran.append((number, threading.current_thread().name))
        return number * 10

    try:
        answers = await asyncio.gather(*(thread.call(note, number) for number in range(5)))
    finally:
        thread.close()
    assert answers == [0, 10, 20, 30, 40]
    assert ran == [(number, "test-writes") for number in range(5)]


async def test_a_failing_call_reaches_its_caller_and_the_next_call_still_runs() -> None:
    thread = WriterThread("test-writes")

    def fail() -> None:
        raise ValueError("disk on fire")

    try:
        with pytest.raises(ValueError, match="disk on fire"):
            await thread.call(fail)
        assert await thread.call(len, "abc") == 3
    finally:
        thread.close()


async def test_closing_lets_the_calls_already_given_finish() -> None:
    thread = WriterThread("test-writes")
    release = threading.Event()
    finished: list[str] = []

    def slow() -> None:
        release.wait()
        finished.append("slow")

    waiting = asyncio.ensure_future(thread.call(slow))
    await asyncio.sleep(0)  # the call is queued
    release.set()
    thread.close()
    assert finished == ["slow"]
    await waiting
