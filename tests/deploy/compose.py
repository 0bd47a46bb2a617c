"""``compose.yaml`` read as Docker Compose reads it (YAML with merge keys, ``${NAME:-default}``
filled in), so that tests can run its services' commands as local processes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.variables import ROOT

COMPOSE = ROOT / "compose.yaml"
ENTRYPOINT = ROOT / "docker-entrypoint.sh"
_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    environment: dict[str, str]
    definition: dict[str, Any]

    @property
    def builds_the_image(self) -> bool:
        return "build" in self.definition


def interpolated(text: str, variables: Mapping[str, str]) -> str:
    """``${NAME}`` and ``${NAME:-default}`` as Compose fills them (empty counts as unset)."""
    return _VARIABLE.sub(lambda m: variables.get(m[1]) or (m[2] or ""), text)


def services(variables: Mapping[str, str], path: Path = COMPOSE) -> dict[str, Service]:
    document = yaml.safe_load(interpolated(path.read_text(), variables))
    found = {}
    for name, definition in document["services"].items():
        environment = definition.get("environment") or {}
        found[name] = Service(
            name,
            [str(part) for part in definition.get("command") or []],
            {key: "" if value is None else str(value) for key, value in environment.items()},
            definition,
        )
    return found


def document(path: Path = COMPOSE) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded
