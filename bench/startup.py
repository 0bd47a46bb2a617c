"""Start-up benchmark: how long ``feedbackbot`` takes to answer, against the interpreter's own
start and against importing the database libraries.

Run from the repository root: ``python -m bench.startup [--runs N]``. Targets: ``--help`` and
``--version`` within 10x ``python -c pass``; a piped ``feedbackbot console`` on an existing
SQLite database within 2x ``python -c "import sqlalchemy.ext.asyncio, aiosqlite, alembic"``.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

FEEDBACKBOT = str(Path(sys.executable).parent / "feedbackbot")
HELP_TARGET = 10.0
CONSOLE_TARGET = 2.0


@dataclass(frozen=True, slots=True)
class Command:
    label: str
    argv: list[str]
    typed: str = ""


def clean_environment(home: Path) -> dict[str, str]:
    """No platform variables and no ``.env``: what a newcomer's ``console`` sees."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "USER": "bench",
        "DATABASE_URL": f"sqlite+aiosqlite:///{home / 'feedbackbot.db'}",
    }


def seconds(command: Command, env: Mapping[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        command.argv,
        input=command.typed,
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started


def medians(
    commands: Sequence[Command], runs: int, env: Mapping[str, str], cwd: Path
) -> dict[str, float]:
    """Each command's median over ``runs``, the commands taking turns, so that what else the
    machine does in the meantime falls on all of them alike."""
    times: dict[str, list[float]] = {command.label: [] for command in commands}
    for _ in range(runs):
        for command in commands:
            times[command.label].append(seconds(command, env, cwd))
    return {label: statistics.median(each) for label, each in times.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default: 5)")
    options = parser.parse_args(argv)
    bare = Command("python -c pass", [sys.executable, "-c", "pass"])
    help_ = Command("feedbackbot --help", [FEEDBACKBOT, "--help"])
    version = Command("feedbackbot --version", [FEEDBACKBOT, "--version"])
    libraries = Command(
        "import sqlalchemy.ext.asyncio, aiosqlite, alembic",
        [sys.executable, "-c", "import sqlalchemy.ext.asyncio, aiosqlite, alembic"],
    )
    console = Command(
        "printf '/feedback hi\\n' | feedbackbot console",
        [FEEDBACKBOT, "console"],
        typed="/feedback hi\n",
    )
    with tempfile.TemporaryDirectory(prefix="feedbackbot-startup-") as folder:
        home = Path(folder)
        env = clean_environment(home)
        # Made and migrated before the clock runs: the console is timed on an existing database.
        subprocess.run(
            [FEEDBACKBOT, "db", "upgrade"], env=env, cwd=home, check=True, capture_output=True
        )
        found = medians([bare, help_, version, libraries, console], options.runs, env, home)
    for label, median in found.items():
        print(f"{label:<52} {median * 1000:7.1f} ms (median of {options.runs})")
    ratios = [
        ("--help", found[help_.label] / found[bare.label], HELP_TARGET, "python -c pass"),
        ("--version", found[version.label] / found[bare.label], HELP_TARGET, "python -c pass"),
        ("console", found[console.label] / found[libraries.label], CONSOLE_TARGET, "the imports"),
    ]
    for name, ratio, target, against in ratios:
        met = "met" if ratio <= target else "NOT met"
        print(f"{name}: {ratio:.1f}x {against} (target <= {target:g}x: {met})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
