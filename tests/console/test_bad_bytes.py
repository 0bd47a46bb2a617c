"""Bytes that are not text: a line of the console's input and a ``.env`` file that are not
UTF-8 get one clear line each; the console goes on, the start stops as for any setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import run_cli


def test_a_line_that_is_not_utf8_is_refused_in_one_line_and_the_session_goes_on(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    typed = b"/feedback caf\xe9 is slow\n/feedback the caf\xc3\xa9 is slow\n/list\n"
    result = run_cli("console", env=clean_env, cwd=tmp_path, typed=typed)
    assert result.status == 0, result.stderr
    said = result.stdout.splitlines()
    assert said[0] == (
        "feedbackbot: That line is not UTF-8 text (byte 0xe9), so nothing was done with it. "
        "Type it again."
    )
    assert "Feedback #1 is" in said[1] and "“the café is slow”" in said[1]
    assert said[-1].startswith("feedbackbot: #1 feedback") and "caf\ufffd" not in result.stdout
    assert result.stderr == ""


def test_an_unreadable_line_drops_the_entry_it_continued(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    typed = b"/feedback first part \\\n\xff second part\n/list\n"
    result = run_cli("console", env=clean_env, cwd=tmp_path, typed=typed)
    assert result.status == 0, result.stderr
    assert "byte 0xff" in result.stdout
    assert "Nothing to list" in result.stdout and "first part" not in result.stdout


def test_a_dotenv_file_that_is_not_utf8_stops_the_start_in_one_line(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_bytes(b"LOG_LEVEL=INFO\n# caf\xe9 settings\nPORT=3000\n")
    result = run_cli("console", env=clean_env, cwd=tmp_path, typed="/feedback hi\n")
    assert result.status == 2
    assert result.stderr == (
        "feedbackbot: configuration error: .env: is not UTF-8 text (byte 0xe9 on line 2); "
        "save it as UTF-8\n"
    )
    assert not (tmp_path / "feedbackbot.db").exists()


def test_a_dotenv_file_with_a_byte_order_mark_reads_its_first_variable(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_bytes(b"\xef\xbb\xbfDATABASE_URL=sqlite:///from-dotenv.db\n")
    result = run_cli("console", env=clean_env, cwd=tmp_path, typed="/feedback hi\n")
    assert result.status == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").is_file()


# How Python hands over an argument or environment value whose bytes are not UTF-8 (b"caf\xe9").
NOT_TEXT = b"caf\xe9".decode("utf-8", "surrogateescape")


@pytest.mark.parametrize("option", ["--name", "--channel", "--workspace"])
def test_a_console_name_that_is_not_utf8_is_refused_by_argparse(
    clean_env: dict[str, str], tmp_path: Path, option: str
) -> None:
    result = run_cli("console", option, NOT_TEXT, env=clean_env, cwd=tmp_path, typed="/list\n")
    assert result.status == 2
    assert result.stderr.splitlines()[-1] == (
        f"feedbackbot console: error: argument {option}: not UTF-8 text: b'caf?'"
    )
    assert not (tmp_path / "feedbackbot.db").exists()


def test_a_user_name_that_is_not_utf8_is_not_taken_as_the_default_name(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**clean_env, "USER": NOT_TEXT}
    result = run_cli("console", env=env, cwd=tmp_path, typed="/feedback hi\n")
    assert result.status == 0, result.stderr
    assert result.stdout.startswith("feedbackbot: Thank you, @you!")
