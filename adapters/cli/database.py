"""``feedbackbot db upgrade|downgrade|current``: the schema revision of the database."""

from __future__ import annotations

import argparse
from typing import TextIO

from alembic.script import ScriptDirectory
from alembic.script.revision import RangeNotAncestorError, ResolutionError
from alembic.util import CommandError

from adapters.app.composition import open_engine
from adapters.app.settings import Settings
from adapters.cli.usage import UsageError
from bot.errors import first_line
from storage.schema import alembic_config, current_revision, head_revision, migrate


async def run_db(arguments: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    async with open_engine(settings) as engine:
        if arguments.db_command == "current":
            current = await current_revision(engine)
            state = "up to date" if current == head_revision() else f"newest is {head_revision()}"
            print(f"{current or 'empty'} ({state})", file=out)
            return 0
        down = arguments.db_command == "downgrade"
        try:
            await migrate(engine, arguments.revision, down=down)
        except CommandError as error:
            at = await current_revision(engine)
            raise UsageError(_refusal(arguments.revision, down, error, at)) from error
        print(f"database schema is now at {await current_revision(engine) or 'empty'}", file=out)
        return 0


def _refusal(revision: str, down: bool, error: CommandError, current: str | None) -> str:
    """One line for a revision Alembic would not move to."""
    if isinstance(error.__cause__, ResolutionError):
        return f"no such revision {revision!r} (known: base, {', '.join(_known())}, head)"
    action = "downgrade" if down else "upgrade"
    if down and isinstance(error.__cause__, RangeNotAncestorError):
        return (
            f"cannot downgrade to {revision}: the database is at {current or 'base (empty)'}, "
            f"below it (`feedbackbot db upgrade {revision}` moves up)"
        )
    problem = first_line(error)
    return f"cannot {action} to {revision}: {problem} (the database is at {current or 'base'})"


def _known() -> list[str]:
    """The revisions, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [each.revision for each in reversed(list(script.walk_revisions()))]
