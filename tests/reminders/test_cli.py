"""``feedbackbot reminders`` and ``/roadmap`` in the console, on SQLite."""

from __future__ import annotations

from pathlib import Path

from tests.cli import run_cli


def test_reminders_are_added_listed_and_removed_from_the_command_line(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    added = run_cli(
        "reminders",
        "add",
        "--workspace",
        "slack:T1",
        "--channel",
        "C1",
        "every",
        "monday",
        "at",
        "09:00",
        "in",
        "Europe/Berlin",
        env=clean_env,
        cwd=tmp_path,
    )
    assert added.status == 0, added.stderr
    assert added.stdout.startswith(
        "added slack:T1: #1 roadmap update, every monday at 09:00 (Europe/Berlin); next: Mon "
    )
    prompt = run_cli(
        "reminders",
        "add",
        "--workspace",
        "slack:T2",
        "--channel",
        "C9",
        "--kind",
        "prompt",
        "--timezone",
        "America/New_York",
        "every weekday at 4pm",
        env=clean_env,
        cwd=tmp_path,
    )
    assert "#2 feedback prompt, every weekday at 16:00 (America/New_York)" in prompt.stdout
    listed = run_cli("reminders", "list", env=clean_env, cwd=tmp_path).stdout.splitlines()
    assert [line.split(" ")[:3] for line in listed] == [
        ["slack:T1", "C1", "#1"],
        ["slack:T2", "C9", "#2"],
    ]
    only = run_cli("reminders", "list", "--workspace", "slack:T2", env=clean_env, cwd=tmp_path)
    assert "#1" not in only.stdout and "#2" in only.stdout
    elsewhere = run_cli(
        "reminders", "remove", "--workspace", "slack:T2", "1", env=clean_env, cwd=tmp_path
    )
    assert elsewhere.status == 1
    assert elsewhere.stderr == "feedbackbot: there is no reminder #1 in slack:T2\n"
    removed = run_cli(
        "reminders", "remove", "--workspace", "slack:T1", "1", env=clean_env, cwd=tmp_path
    )
    assert removed.stdout == "removed reminder #1\n"


def test_a_bad_schedule_on_the_command_line_is_one_line_with_an_example(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(
        "reminders",
        "add",
        "--workspace",
        "slack:T1",
        "--channel",
        "C1",
        "every blursday",
        env=clean_env,
        cwd=tmp_path,
    )
    assert result.status == 1
    assert result.stderr.count("\n") == 1
    assert "every monday at 09:00 in Europe/Berlin" in result.stderr


def test_a_wrong_grace_window_is_named(clean_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(
        "reminders", "list", env={**clean_env, "REMINDER_GRACE_MINUTES": "soon"}, cwd=tmp_path
    )
    assert result.status == 2
    assert result.stderr.startswith("feedbackbot: configuration error: REMINDER_GRACE_MINUTES")


def test_roadmap_in_the_console(clean_env: dict[str, str], tmp_path: Path) -> None:
    session = run_cli(
        "console",
        env={**clean_env, "REMINDER_TIMEZONE": "Europe/Berlin"},
        cwd=tmp_path,
        typed=(
            "/request must-have: SSO for Grafana\n"
            "/roadmap remind every friday at 16:00\n"
            "/roadmap reminders\n"
            "/roadmap remind whenever\n"
            "/roadmap unremind 1\n"
        ),
    )
    lines = session.stdout.splitlines()
    private = "feedbackbot (only you can see this): "
    assert lines[1].startswith(
        private + "Added: #1 roadmap update, every friday at 16:00 (Europe/Berlin); next: Fri "
    )
    assert lines[2].startswith(private + "#1 roadmap update, every friday at 16:00")
    assert "every monday at 09:00 in Europe/Berlin" in lines[3]
    assert lines[4] == private + "Reminder #1 is removed."
