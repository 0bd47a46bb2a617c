"""The database's part of the pre-flight: can it be reached, and is its schema the one this
version needs (or which migrations ``feedbackbot db upgrade`` would run). Nothing is written:
a SQLite file that does not exist yet is not made here."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL, make_url

from adapters.app import preflight_words as words
from adapters.app.preflight_words import Outcome
from adapters.app.settings import Settings
from storage.engine import create_engine
from storage.schema import alembic_config, current_revision
from storage.unit_of_work import DATABASE_FAILURES
from storage.url import is_sqlite

TIMEOUT_S = 10.0


async def check_database(settings: Settings, timeout_s: float = TIMEOUT_S) -> list[Outcome]:
    url = make_url(settings.database_url)
    sqlite = is_sqlite(settings.database_url)
    if sqlite and url.database and not await asyncio.to_thread(Path(url.database).exists):
        return [
            words.database_created_later(url.database),
            _schema(None, settings.auto_migrate),
        ]
    engine = create_engine(settings.database_url)
    try:
        async with asyncio.timeout(timeout_s):
            current = await current_revision(engine)
    except TimeoutError:
        return [words.database_unreachable(f"no answer within {timeout_s:.0f} s")]
    except DATABASE_FAILURES as error:
        return [words.database_unreachable(words.reason(error))]
    finally:
        await engine.dispose()
    where = url.database if sqlite else _server(url)
    return [words.database_reachable(where or ""), _schema(current, settings.auto_migrate)]


def _server(url: URL) -> str:
    host = f"{url.host or 'localhost'}:{url.port or 5432}"
    return f"{url.get_backend_name()} at {host}/{url.database}"


def _schema(current: str | None, auto_migrate: bool) -> Outcome:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    if current == head:
        return words.schema_current(head)
    if current is not None:
        try:
            known = script.get_revision(current)
        except CommandError:
            known = None
        if known is None:
            return words.schema_newer(current)
    # Alembic walks from the head down; people read migrations in the order they run.
    pending = [
        (each.revision, each.doc)
        for each in reversed(list(script.iterate_revisions(head, current or "base")))
    ]
    if auto_migrate:
        return words.schema_migrated_at_start(pending)
    return words.schema_behind(pending)
