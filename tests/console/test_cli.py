"""``feedbackbot`` as a newcomer runs it: piped input, the SQLite default in the current folder
(``main`` in this process; the installed command is tried in test_installed_command.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli import run_cli


def test_a_piped_session_thanks_twice_and_exports_both(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    session = run_cli(
        "console",
        env=clean_env,
        cwd=tmp_path,
        typed="/feedback The new runbooks are great\n/request must-have: SSO for Grafana\n",
    )
    assert session.status == 0, session.stderr
    thanks = session.stdout.splitlines()
    assert len(thanks) == 2
    assert "#1" in thanks[0] and "@alice" in thanks[0]
    assert "Must-have request #2" in thanks[1]

    exported = run_cli("export", "--format", "json", env=clean_env, cwd=tmp_path)
    items = json.loads(exported.stdout)
    assert [(i["number"], i["kind"], i["priority"], i["author_name"]) for i in items] == [
        (1, "feedback", None, "alice"),
        (2, "request", "must-have", "alice"),
    ]
    assert (tmp_path / "feedbackbot.db").is_file()


def test_an_anonymous_item_has_no_author_anywhere_in_the_database(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    run_cli("console", env=clean_env, cwd=tmp_path, typed="/feedback anonymous: psst\n")
    exported = run_cli("export", "--format", "csv", env=clean_env, cwd=tmp_path)
    assert "alice" not in exported.stdout
    with sqlite3.connect(tmp_path / "feedbackbot.db") as db:
        tables = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        dump = "\n".join(
            str(row) for (table,) in tables for row in db.execute(f"SELECT * FROM {table}")
        )
    assert "psst" in dump and "alice" not in dump


def test_a_wrong_setting_stops_with_one_line_naming_it(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(
        "export", env={**clean_env, "DATABASE_URL": "mysql://db/feedback"}, cwd=tmp_path
    )
    assert result.status == 2
    assert result.stderr.count("\n") == 1
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"), [("PORT", "eighty"), ("AUTO_MIGRATE", "maybe"), ("LOG_LEVEL", "LOUD")]
)
def test_each_checked_setting_is_named_when_wrong(
    clean_env: dict[str, str], tmp_path: Path, variable: str, value: str
) -> None:
    result = run_cli("run", env={**clean_env, variable: value}, cwd=tmp_path)
    assert result.status == 2
    assert result.stderr.startswith(f"feedbackbot: configuration error: {variable}:")


def test_settings_come_from_a_dotenv_file_and_the_environment_wins(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dotenv.db\nPORT=nope\n")
    result = run_cli(
        "console", env={**clean_env, "PORT": "8080"}, cwd=tmp_path, typed="/feedback hi\n"
    )
    assert result.status == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").is_file()


def test_an_unreachable_database_is_one_clear_line(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, "DATABASE_URL": "sqlite:///no/such/folder/feedbackbot.db"}
    result = run_cli("console", env=env, cwd=tmp_path, typed="/feedback hi\n")
    assert result.status == 1
    assert result.stderr.startswith("feedbackbot: cannot use the database")
    assert "Traceback" not in result.stderr


def test_without_auto_migrate_a_fresh_database_names_the_upgrade_command(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, "AUTO_MIGRATE": "false"}
    refused = run_cli("export", env=env, cwd=tmp_path)
    upgraded = run_cli("db", "upgrade", env=env, cwd=tmp_path)
    exported = run_cli("export", env=env, cwd=tmp_path)
    assert refused.status == 1 and "feedbackbot db upgrade" in refused.stderr
    assert upgraded.status == 0 and "now at" in upgraded.stdout
    assert exported.status == 0
