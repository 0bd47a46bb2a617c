"""``feedbackbot reminders add --kind survey``: operators add pulse surveys too."""

from __future__ import annotations

from pathlib import Path

from tests.cli import run_cli

ADD = ("reminders", "add", "--workspace", "slack:T1", "--channel", "C1", "--kind", "survey")


def test_a_survey_is_added_with_its_question_and_scale(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    added = run_cli(
        *ADD,
        "--scale",
        "yes/no",
        "--text",
        "Did the migration go well?",
        "every month on the 1st at 10:00",
        env=clean_env,
        cwd=tmp_path,
    )
    assert added.status == 0, added.stderr
    assert added.stdout.startswith(
        "added slack:T1: #1 survey (yes/no) “Did the migration go well?”, every month on the 1st "
        "at 10:00 (UTC); next: "
    )


def test_a_survey_without_a_question_is_refused(clean_env: dict[str, str], tmp_path: Path) -> None:
    refused = run_cli(*ADD, "every day at 09:00", env=clean_env, cwd=tmp_path)
    assert refused.status == 1
    assert refused.stderr.startswith("feedbackbot: What should the survey ask?")
