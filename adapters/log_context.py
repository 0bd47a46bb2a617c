"""What a log line was about, when a platform's event is being handled: the platform, the
workspace, the event and its delivery id, and when the handling began. Set by the adapters
around each event they hand to the core; every task started from there inherits it, and the
JSON log format (adapters/app/log_format.py) writes it on each line. Only ids of workspaces,
events and deliveries go here, never a person's id, name or words."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Handling:
    platform: str
    workspace: str | None
    event: str
    event_id: str | None
    delivery_id: str | None
    began: float  # time.monotonic()


_current: ContextVar[Handling | None] = ContextVar("feedbackbot_handling", default=None)


@contextmanager
def handling(
    platform: str,
    workspace: str | None,
    event: str,
    *,
    event_id: str | None = None,
    delivery_id: str | None = None,
) -> Iterator[None]:
    token = _current.set(
        Handling(platform, workspace, event, event_id, delivery_id, time.monotonic())
    )
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Handling | None:
    return _current.get()
