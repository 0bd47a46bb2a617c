"""``feedbackbot`` refusing what cannot work: one line, and nothing touched (``main`` in this
process, but for a reader that goes away, which takes a real pipe and process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.processes import FEEDBACKBOT


@pytest.mark.parametrize(
    ("action", "revision"), [("upgrade", "nonexistent"), ("downgrade", "0099")]
)
def test_an_unknown_revision_is_one_line_naming_the_known_ones(
    clean_env: dict[str, str], tmp_path: Path, action: str, revision: str
) -> None:
    result = run_cli("db", action, revision, env=clean_env, cwd=tmp_path)
    assert result.status == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"feedbackbot: no such revision '{revision}' (known: ")
    assert "0001" in result.stderr


def test_downgrading_to_a_revision_above_the_database_is_one_line_and_changes_nothing(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    run_cli("db", "upgrade", "0002", env=clean_env, cwd=tmp_path)
    result = run_cli("db", "downgrade", "0004", env=clean_env, cwd=tmp_path)
    current = run_cli("db", "current", env=clean_env, cwd=tmp_path)
    assert result.status == 2
    assert result.stderr.count("\n") == 1
    refusal = "feedbackbot: cannot downgrade to 0004: the database is at 0002,"
    assert result.stderr.startswith(refusal)
    assert current.stdout.startswith("0002 ")


def test_an_export_whose_reader_stops_early_ends_quietly(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    # Far more than a pipe holds, so feedbackbot is still writing when the reader goes.
    typed = "".join(f"/feedback {n} {'x' * 3900}\n" for n in range(100))
    run_cli("console", env=clean_env, cwd=tmp_path, typed=typed)
    export = subprocess.Popen(
        [FEEDBACKBOT, "export", "--format", "csv"],
        env=clean_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert export.stdout is not None and export.stderr is not None
    assert export.stdout.readline().startswith("workspace,number,")
    export.stdout.close()  # like `| head -1`
    stderr = export.stderr.read()
    assert export.wait(timeout=60) == 141  # 128 + SIGPIPE, as a shell reports such a writer
    assert stderr == ""


def test_a_reminders_text_without_kind_prompt_is_refused(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(
        *("reminders", "add", "--workspace", "slack:T1", "--channel", "C1"),
        *("--text", "Tell us!", "every day at 9"),
        env=clean_env,
        cwd=tmp_path,
    )
    assert result.status == 2
    assert result.stderr.count("\n") == 1
    assert "--text goes with --kind prompt" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["export", "stats"])
@pytest.mark.parametrize("workspace", ["bogus", "teams:T0123"])
def test_a_workspace_not_written_platform_id_says_what_is_expected(
    clean_env: dict[str, str], tmp_path: Path, command: str, workspace: str
) -> None:
    result = run_cli(command, "--workspace", workspace, env=clean_env, cwd=tmp_path)
    assert result.status == 2
    assert result.stderr.splitlines()[-1] == (
        f"feedbackbot {command}: error: argument --workspace: expected platform:id such as "
        f"slack:T0123, discord:123456 or console:local, got '{workspace}'"
    )


@pytest.mark.parametrize("reminder", ["99999999999999999999", "²"])
def test_a_reminder_number_that_names_nothing_is_refused_as_usage(
    clean_env: dict[str, str], tmp_path: Path, reminder: str
) -> None:
    result = run_cli(
        "reminders", "remove", "--workspace", "slack:T0123", reminder, env=clean_env, cwd=tmp_path
    )
    assert result.status == 2
    assert result.stderr.splitlines()[-1] == (
        f"feedbackbot reminders remove: error: argument id: expected a number such as 3, "
        f"got '{reminder}'"
    )


def test_a_reminders_workspace_not_written_platform_id_says_what_is_expected(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli("reminders", "list", "--workspace", "bogus", env=clean_env, cwd=tmp_path)
    assert result.status == 2
    assert "argument --workspace: expected platform:id such as slack:T0123" in result.stderr
