"""``compose.yaml``: what Docker Compose makes of it, and the promises the README makes about
it (start order, one Discord gateway session, both replicas behind the one port)."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.deploy.compose import COMPOSE, document, services
from tests.deploy.conftest import COMPOSE_MISSING, docker_compose_available
from tests.deploy.variables import ENV_EXAMPLE, env_example


def _defaults() -> dict[str, str]:
    return {each.name: each.value for each in env_example()}


def _replicas() -> list[str]:
    return [name for name, each in services(_defaults()).items() if each.command == ["run"]]


def test_docker_compose_accepts_the_file() -> None:
    if not docker_compose_available():
        pytest.skip(COMPOSE_MISSING)
    checked = subprocess.run(
        ["docker", "compose", "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_two_replicas_run_the_bot() -> None:
    assert len(_replicas()) == 2


def test_the_replicas_start_once_the_upgrade_has_succeeded() -> None:
    found = services(_defaults())
    for name in _replicas():
        assert found[name].definition["depends_on"] == {
            "upgrade": {"condition": "service_completed_successfully"}
        }
    assert found["upgrade"].command == ["db", "upgrade"]
    assert found["upgrade"].definition["depends_on"] == {
        "postgres": {"condition": "service_healthy"}
    }
    assert "healthcheck" in found["postgres"].definition


def test_the_replicas_leave_the_migration_to_the_upgrade() -> None:
    found = services(_defaults())
    for name in _replicas():
        assert found[name].environment["AUTO_MIGRATE"] == "false"
        assert (
            found[name].environment["DATABASE_URL"] == found["upgrade"].environment["DATABASE_URL"]
        )


def test_only_the_first_replica_can_open_a_discord_gateway_session() -> None:
    discord = {each.name for each in env_example() if each.name.startswith("DISCORD_")}
    first, second = (services(_defaults())[name] for name in _replicas())
    assert discord & first.environment.keys() == set()
    assert {name: second.environment.get(name) for name in discord} == dict.fromkeys(discord, "")


def test_the_proxy_sends_to_every_replica_on_the_port_it_serves() -> None:
    found = services(_defaults())
    caddyfile = document()["configs"]["caddyfile"]["content"]
    (upstreams,) = re.findall(r"reverse_proxy ([^{]+)\{", caddyfile)
    expected = {f"{name}:{found[name].environment['PORT']}" for name in _replicas()}
    assert set(upstreams.split()) == expected
    assert found["proxy"].definition["ports"] == ["3000:3000"]
