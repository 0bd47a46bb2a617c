"""``feedbackbot`` answers at once: reading the arguments imports no platform library, and each
command imports only its own."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.cli import run_cli

PLATFORMS = ("slack_bolt", "slack_sdk", "discord", "aiohttp")
# What --help and --version need none of: the platforms, the database, the scheduler.
HEAVY = (*PLATFORMS, "alembic", "sqlalchemy", "apscheduler", "httpx", "dotenv")

# Runs the command in a fresh interpreter and prints the top-level packages it imported.
PROBE = """
import io, json, sys
from adapters.cli.main import main
try:
    main(sys.argv[1:], stdin=io.StringIO("/feedback hi\\n"), stdout=io.StringIO())
except SystemExit:
    pass
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})), file=sys.__stdout__)
"""


def imported(*arguments: str, env: dict[str, str], cwd: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("option", ["--help", "--version", "-V"])
def test_help_and_version_import_no_platform_database_or_scheduler(
    option: str, clean_env: dict[str, str], tmp_path: Path
) -> None:
    assert imported(option, env=clean_env, cwd=tmp_path).isdisjoint(HEAVY)


def test_the_console_imports_no_platform(clean_env: dict[str, str], tmp_path: Path) -> None:
    modules = imported("console", env=clean_env, cwd=tmp_path)
    assert "sqlalchemy" in modules  # it did open the database
    assert modules.isdisjoint(PLATFORMS)


@pytest.mark.parametrize("option", ["--version", "-V"])
def test_version_prints_the_installed_version(
    option: str, clean_env: dict[str, str], tmp_path: Path
) -> None:
    done = run_cli(option, env=clean_env, cwd=tmp_path)
    assert (done.status, done.stdout) == (0, version("feedbackbot") + "\n")


def test_a_dashboard_link_imports_no_platform(clean_env: dict[str, str], tmp_path: Path) -> None:
    arguments = ("dashboard", "link", "--workspace", "slack:T1", "--as", "Ada")
    modules = imported(*arguments, env=clean_env, cwd=tmp_path)
    assert "sqlalchemy" in modules  # it did store the link
    assert modules.isdisjoint(PLATFORMS)
