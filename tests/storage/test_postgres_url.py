"""PostgreSQL URLs as managed services hand them out: libpq's query parameters translated for
asyncpg, anything else refused at startup in one line naming it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import ConfigError
from storage.engine import create_engine
from storage.postgres_url import SSL_MODES, connect_args, without_translated
from storage.url import database_url
from tests.cli import run_cli
from tests.conftest import POSTGRES_URL
from tests.postgres import connected

SERVICE_URL = (
    "postgresql://u:p@db.example.com/app?sslmode=require&connect_timeout=10"
    "&application_name=x&options=-csearch_path%3Dfoo"
)


def translated(query: str) -> dict[str, Any]:
    return connect_args(make_url(f"postgresql://u@h/db?{query}").query)


def test_a_managed_service_url_is_translated_for_asyncpg() -> None:
    assert connect_args(make_url(SERVICE_URL).query) == {
        "ssl": "require",
        "timeout": 10.0,
        "server_settings": {"search_path": "foo", "application_name": "x"},
    }


@pytest.mark.parametrize("mode", SSL_MODES)
def test_every_libpq_sslmode_is_asyncpgs_ssl(mode: str) -> None:
    assert translated(f"sslmode={mode}") == {"ssl": mode}


def test_asyncpgs_own_ssl_parameter_still_works() -> None:
    assert translated("ssl=require") == {"ssl": "require"}


@pytest.mark.parametrize(
    "options",
    [
        "-c statement_timeout=5000 -c search_path=foo",
        "-cstatement_timeout=5000 -csearch_path=foo",
        "--statement-timeout=5000 --search_path=foo",
    ],
)
def test_options_settings_become_server_settings(options: str) -> None:
    query = f"options={options.replace(' ', '%20').replace('=', '%3D')}"
    assert translated(query) == {
        "server_settings": {"statement_timeout": "5000", "search_path": "foo"}
    }


def test_certificate_files_travel_in_a_dsn_asyncpg_reads_them_from() -> None:
    args = translated("sslmode=verify-full&sslrootcert=/etc/ca.pem&sslcert=/c.pem&sslkey=/k.pem")
    assert args["ssl"] == "verify-full"
    assert args["dsn"] == (
        "postgresql://?sslrootcert=%2Fetc%2Fca.pem&sslcert=%2Fc.pem&sslkey=%2Fk.pem"
    )


def test_target_session_attrs_is_asyncpgs_own() -> None:
    assert translated("target_session_attrs=read-write") == {"target_session_attrs": "read-write"}


def test_hosts_and_ports_in_the_query_are_left_to_sqlalchemy() -> None:
    url = make_url("postgresql://u@/db?host=/var/run/postgresql&port=5433&sslmode=disable")
    assert connect_args(url.query) == {"ssl": "disable"}
    assert without_translated(url.query) == {"host": "/var/run/postgresql", "port": "5433"}


def test_channel_binding_that_may_be_done_without_is_accepted() -> None:
    assert translated("sslmode=require&channel_binding=prefer") == {"ssl": "require"}


def test_no_limit_in_connect_timeout_leaves_asyncpgs_own() -> None:
    assert translated("connect_timeout=0") == {}


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (
            "krbsrvname=pg&gssencmode=disable",
            "unsupported parameters gssencmode, krbsrvname (supported: sslmode, ssl,",
        ),
        ("channel_binding=require", "channel_binding=require: the PostgreSQL driver (asyncpg)"),
        ("target_session_attrs=writable", "target_session_attrs 'writable' is not one of any,"),
        ("sslmode=sometimes", "sslmode 'sometimes' is not one of disable, allow, prefer,"),
        ("connect_timeout=soon", "connect_timeout 'soon' is not a whole number of seconds"),
        ("options=-j", "options: only -c name=value settings are supported, not '-j'"),
        ("options=-c%20statement_timeout", "options: 'statement_timeout' is not name=value"),
        ("sslmode=require&ssl=disable", "sslmode and ssl disagree"),
    ],
)
def test_what_cannot_be_translated_is_refused_by_name(query: str, problem: str) -> None:
    with pytest.raises(ConfigError) as refused:
        database_url(f"postgresql://u@h/db?{query}")
    assert str(refused.value).startswith(f"DATABASE_URL: {problem}")


def test_a_certificate_file_that_is_not_there_is_refused_at_startup(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read sslrootcert=.*nope\.pem"):
        database_url(f"postgresql://u@h/db?sslmode=verify-full&sslrootcert={tmp_path}/nope.pem")


def test_an_unknown_parameter_stops_the_command_with_one_line(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, "DATABASE_URL": "postgresql://u@127.0.0.1:9/db?pool_mode=transaction"}
    result = run_cli("console", env=env, cwd=tmp_path, typed="/feedback hi\n")
    assert result.status == 2
    assert result.stderr == (
        "feedbackbot: configuration error: DATABASE_URL: unsupported parameter pool_mode "
        "(supported: sslmode, ssl, connect_timeout, application_name, options, "
        "target_session_attrs, channel_binding, sslrootcert, sslcert, sslkey, host, port)\n"
    )


# -- against the local PostgreSQL -----------------------------------------------------------

LIBPQ_QUERY = (
    "?sslmode=disable&connect_timeout=5&application_name=feedbackbot-test"
    "&options=-c%20statement_timeout%3D5000"
)


async def _admin(sql: str) -> None:
    async with connected(POSTGRES_URL) as connection:
        await connection.execute(sql)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the test server, as a plain ``postgresql://`` URL."""
    if not POSTGRES_URL:
        pytest.skip("FEEDBACKBOT_TEST_POSTGRES_URL is not set")
    name = f"feedbackbot_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name, query={}).render_as_string(False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.postgres
def test_a_command_is_stored_through_a_libpq_url(
    postgres_url: str, clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, "DATABASE_URL": postgres_url + LIBPQ_QUERY}
    result = run_cli("console", env=env, cwd=tmp_path, typed="/feedback builds are slow\n")
    assert result.status == 0, result.stderr
    assert "#1" in result.stdout

    async def stored() -> list[str]:
        async with connected(postgres_url) as connection:
            return [row["text"] for row in await connection.fetch("SELECT text FROM items")]

    assert asyncio.run(stored()) == ["builds are slow"]


@pytest.mark.postgres
def test_a_libpq_urls_settings_reach_the_session(postgres_url: str) -> None:
    engine = create_engine(database_url(postgres_url + LIBPQ_QUERY))
    assert asyncio.run(session_settings(engine)) == ("feedbackbot-test", "5s")


@pytest.mark.postgres
def test_the_host_may_be_given_in_the_query_beside_libpq_parameters(postgres_url: str) -> None:
    url = make_url(postgres_url)
    moved = url.set(host=None, port=None).render_as_string(False) + (
        f"?host={url.host}&port={url.port}&target_session_attrs=read-write&application_name=q"
    )
    engine = create_engine(database_url(moved))
    assert asyncio.run(session_settings(engine)) == ("q", "0")


async def session_settings(engine: AsyncEngine) -> tuple[str, str]:
    """``application_name`` and ``statement_timeout`` in a session of ``engine``, then closed."""
    try:
        async with engine.connect() as connection:
            name = await connection.scalar(text("SELECT current_setting('application_name')"))
            limit = await connection.scalar(text("SELECT current_setting('statement_timeout')"))
            return str(name), str(limit)
    finally:
        await engine.dispose()


@pytest.mark.postgres
def test_sslmode_require_against_a_server_without_ssl_is_one_line(
    postgres_url: str, clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, "DATABASE_URL": postgres_url + "?sslmode=require"}
    result = run_cli("console", env=env, cwd=tmp_path, typed="/feedback hi\n")
    assert result.status == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("feedbackbot: cannot use the database: ")
    assert "SSL" in result.stderr
