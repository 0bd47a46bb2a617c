"""The Docker Compose check needs Docker's compose plugin; where it is missing the run says so
at its end, as the PostgreSQL skips do."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

import pytest

COMPOSE_MISSING = "docker compose is not installed: compose.yaml is NOT validated by Docker"


@cache
def docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
    )
    return probe.returncode == 0


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not docker_compose_available():
        terminalreporter.write_sep("!", COMPOSE_MISSING, yellow=True, bold=True)
