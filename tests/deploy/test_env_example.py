"""``.env.example`` lists every variable the program reads, with its meaning and its default,
and nothing else: checked against the source, so adding a setting without listing it fails."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

from dotenv import dotenv_values

from adapters.app.settings import load_settings
from tests.deploy.variables import ENV_EXAMPLE, env_example, variables_read

# Being added to the code in other branches (metrics, JSON logs) at the same time as this file;
# listed ahead of them. Nothing else may be listed that the code does not read.
PENDING = frozenset({"METRICS", "METRICS_TOKEN", "LOG_FORMAT"})
# Provided by the system, not a setting: the console's default name for whoever types.
SYSTEM = frozenset({"USER"})
COMPOSE = Path(__file__).parents[2] / "compose.yaml"


def _listed() -> set[str]:
    return {each.name for each in env_example()}


def _interpolated_by_compose() -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))


def test_every_variable_the_program_reads_is_listed() -> None:
    assert variables_read() - SYSTEM - _listed() == set()


def test_every_listed_variable_is_read_by_the_program_or_by_compose() -> None:
    unread = _listed() - variables_read() - _interpolated_by_compose()
    assert unread <= PENDING


def test_every_listed_variable_says_what_it_means_and_its_default() -> None:
    unexplained = [each.name for each in env_example() if "Default:" not in each.meaning]
    assert unexplained == []


def test_each_variable_is_listed_once() -> None:
    names = [each.name for each in env_example()]
    assert sorted(names) == sorted(set(names))


def test_the_file_as_it_is_changes_no_setting() -> None:
    # Read as the program reads .env: copying the example unchanged must configure nothing.
    values = dotenv_values(stream=StringIO(ENV_EXAMPLE.read_text(encoding="utf-8")))
    written = {name: value for name, value in values.items() if value is not None}
    assert set(written) == _listed()
    assert load_settings(written) == load_settings({})
