"""The core on a real database, as the composition root assembles it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core, assemble
from bot.ports import Clock
from storage.unit_of_work import SqlStorage
from tests.fakes import FixedClock


def core_on(engine: AsyncEngine, clock: Clock | None = None, **options: Any) -> Core:
    """Every use case on ``engine`` (SQLite or PostgreSQL), with ``clock`` (a fixed one by
    default) and ``bot.core.assemble``'s options."""
    return assemble(SqlStorage(engine).unit_of_work, clock or FixedClock(), **options)
