"""PostgreSQL URLs as managed services hand them out (libpq's query parameters), translated
into the arguments asyncpg takes. asyncpg refuses libpq's parameters as keywords (SQLAlchemy
passes the URL's query through as they are), so each one we know is translated here and any
other is refused at startup, by name."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.errors import ConfigError

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# asyncpg reads certificate files only from a DSN's query, so they travel in one of their own.
SSL_FILES = ("sslrootcert", "sslcert", "sslkey")
SESSION_ATTRS = ("any", "primary", "standby", "read-write", "read-only", "prefer-standby")
# ``ssl`` is asyncpg's own name for ``sslmode``, which the README once had people write.
TRANSLATED = (
    "sslmode",
    "ssl",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "channel_binding",
    *SSL_FILES,
)
# SQLAlchemy reads these itself (a Unix socket's folder, several hosts); they stay in the URL.
KEPT = ("host", "port")
SUPPORTED = (*TRANSLATED, *KEPT)

Query = Mapping[str, str | tuple[str, ...]]


def connect_args(query: Query) -> dict[str, Any]:
    """asyncpg's keyword arguments for a URL's query: ``sslmode`` becomes ``ssl``,
    ``connect_timeout`` ``timeout``, ``application_name`` and ``options``' ``-c`` settings
    ``server_settings``, and the certificate files a DSN of their own."""
    unknown = sorted(set(query) - set(SUPPORTED))
    if unknown:
        raise _refused(
            f"unsupported parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(supported: {', '.join(SUPPORTED)})"
        )
    given = {name: _one(name, value) for name, value in query.items() if name not in KEPT}
    args: dict[str, Any] = {}
    mode = _ssl_mode(given)
    if mode is not None:
        args["ssl"] = mode
    if "connect_timeout" in given:
        timeout = _timeout(given["connect_timeout"])
        if timeout is not None:
            args["timeout"] = timeout
    settings = _settings(given.get("options", ""))
    if "application_name" in given:
        settings["application_name"] = given["application_name"]
    if settings:
        args["server_settings"] = settings
    if "target_session_attrs" in given:
        attrs = _one_of("target_session_attrs", given["target_session_attrs"], SESSION_ATTRS)
        args["target_session_attrs"] = attrs
    if "channel_binding" in given:
        # asyncpg never binds the channel: what ``prefer`` allows, and ``require`` forbids.
        binding = _one_of(
            "channel_binding", given["channel_binding"], ("disable", "prefer", "require")
        )
        if binding == "require":
            raise _refused(
                "channel_binding=require: the PostgreSQL driver (asyncpg) cannot bind the "
                "channel; use channel_binding=prefer with sslmode=verify-full"
            )
    files = {name: given[name] for name in SSL_FILES if name in given}
    if files:
        # Explicit host, user and database take precedence over this DSN, which has none.
        args["dsn"] = "postgresql://?" + urlencode(files)
    return args


def without_translated(query: Query) -> dict[str, str | tuple[str, ...]]:
    """The query SQLAlchemy is left to read: what ``connect_args`` did not translate."""
    return {name: value for name, value in query.items() if name not in TRANSLATED}


def missing_files(query: Query) -> list[str]:
    """The certificate files the URL names that cannot be read, as ``name=path``."""
    return [
        f"{name}={path}"
        for name in SSL_FILES
        if name in query and not Path(path := _one(name, query[name])).expanduser().is_file()
    ]


def _refused(problem: str) -> ConfigError:
    return ConfigError("DATABASE_URL", problem)


def _one(name: str, value: str | tuple[str, ...]) -> str:
    if isinstance(value, str):
        return value
    if len(set(value)) > 1:
        raise _refused(f"{name} is given {len(value)} times with different values")
    return value[0]


def _ssl_mode(given: Mapping[str, str]) -> str | None:
    modes = {given[name].lower() for name in ("sslmode", "ssl") if name in given}
    if len(modes) > 1:
        raise _refused("sslmode and ssl disagree; give sslmode only")
    if not modes:
        return None
    (mode,) = modes
    return _one_of("sslmode", mode, SSL_MODES)


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _refused(f"{name} {value!r} is not one of {', '.join(allowed)}")
    return value


def _timeout(text: str) -> float | None:
    """libpq's seconds; 0 (or less) means no limit of its own, and asyncpg's 60 s apply."""
    try:
        seconds = int(text)
    except ValueError:
        raise _refused(f"connect_timeout {text!r} is not a whole number of seconds") from None
    return float(seconds) if seconds > 0 else None


def _settings(options: str) -> dict[str, str]:
    """``-c name=value`` (or ``-cname=value``, ``--name=value``), as libpq's ``options``."""
    try:
        words = shlex.split(options)
    except ValueError as error:
        raise _refused(f"options {options!r} cannot be read ({error})") from None
    settings: dict[str, str] = {}
    pending = False
    for word in words:
        if pending:
            setting, pending = word, False
        elif word == "-c":
            pending = True
            continue
        elif word.startswith("-c"):
            setting = word[2:]
        elif word.startswith("--"):
            # PostgreSQL reads ``--statement-timeout=5`` as ``statement_timeout``.
            name, equals, value = word[2:].partition("=")
            setting = name.replace("-", "_") + equals + value
        else:
            raise _refused(f"options: only -c name=value settings are supported, not {word!r}")
        name, equals, value = setting.partition("=")
        if not name or not equals:
            raise _refused(f"options: {setting!r} is not name=value")
        settings[name] = value
    if pending:
        raise _refused("options: -c needs a name=value after it")
    return settings
