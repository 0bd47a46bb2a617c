"""DATABASE_URL as people write it, turned into the async driver URL SQLAlchemy needs."""

from __future__ import annotations

import importlib.util

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError
from storage.postgres_url import connect_args, missing_files

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///feedbackbot.db"
_EXAMPLES = "e.g. sqlite:///feedbackbot.db or postgresql://user:password@host:5432/feedbackbot"


def database_url(raw: str | None) -> str:
    """Accept ``sqlite:///path`` and ``postgresql://...`` (or their async forms, and libpq's
    query parameters that ``storage.postgres_url`` translates) and name the fix when the URL
    cannot work."""
    if not raw:
        return DEFAULT_DATABASE_URL
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError("DATABASE_URL", f"not a database URL ({_EXAMPLES})") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "aiosqlite"):
        if not url.database or url.database == ":memory:":
            raise ConfigError(
                "DATABASE_URL", "an in-memory SQLite database keeps nothing; give a file path"
            )
        return url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres") and driver in ("", "asyncpg"):
        if importlib.util.find_spec("asyncpg") is None:
            raise ConfigError(
                "DATABASE_URL",
                "PostgreSQL needs its driver: pip install 'feedbackbot[postgres]'",
            )
        connect_args(url.query)  # refuses what asyncpg cannot be given, by name
        missing = missing_files(url.query)
        if missing:
            raise ConfigError("DATABASE_URL", f"cannot read {', '.join(missing)}")
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ConfigError("DATABASE_URL", f"unsupported database {url.drivername!r} ({_EXAMPLES})")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"
