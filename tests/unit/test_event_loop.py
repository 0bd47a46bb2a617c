"""`feedbackbot run` serves on uvloop where it is installed."""

from __future__ import annotations

import asyncio

import pytest

from adapters.app.event_loop import run


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_run_serves_on_uvloop_when_it_is_installed() -> None:
    pytest.importorskip("uvloop")
    assert run(loop_module()).startswith("uvloop")
