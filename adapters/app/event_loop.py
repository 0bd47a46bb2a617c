"""The event loop `feedbackbot run` serves on: uvloop's where it is installed, else asyncio's.

Under load most of a command's CPU time is the loop's own (its scheduling, its sockets, the
transports of every HTTP request in and out), not the bot's: on uvloop the same commands took
a quarter less CPU each (``python -m bench.slack_ack``). uvloop is not made for Windows, where
asyncio's loop serves as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop's loop when it is installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
