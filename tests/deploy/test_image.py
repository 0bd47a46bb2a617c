"""The Docker image as its files define it (no Docker here): labels that agree with
pyproject.toml, the pinned lock it installs, its user, and the entrypoint that runs
``feedbackbot check`` before ``run``, tried as the process the container runs."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.compose import ENTRYPOINT
from tests.deploy.variables import ROOT
from tests.processes import FEEDBACKBOT, free_port

DOCKERFILE = (ROOT / "Dockerfile").read_text()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCK = ROOT / "requirements.lock"


def _labels() -> dict[str, str]:
    return dict(re.findall(r'org\.opencontainers\.image\.(\w+)="([^"]*)"', DOCKERFILE))


def _arg_default(name: str) -> str:
    found = re.search(rf"^ARG {name}=(.*)$", DOCKERFILE, re.MULTILINE)
    assert found is not None, f"no ARG {name}"
    return found[1].strip('"')


def _entrypoint(*argv: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    path = f"{Path(FEEDBACKBOT).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *argv],
        env={**env, "PATH": path, "HOME": str(cwd)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_labels_say_what_pyproject_says() -> None:
    labels = _labels()
    assert labels["title"] == PROJECT["name"]
    assert labels["description"] == PROJECT["description"]
    assert labels["licenses"] == PROJECT["license"]
    assert labels["version"] == "${VERSION}" and _arg_default("VERSION") == PROJECT["version"]
    assert labels["source"] == "${SOURCE}"


def test_the_image_runs_as_uid_10001() -> None:
    assert re.search(r"^USER 10001:10001$", DOCKERFILE, re.MULTILINE)


def test_the_image_installs_the_lock_with_its_hashes() -> None:
    assert "--require-hashes" in DOCKERFILE and "-r requirements.lock" in DOCKERFILE


def test_the_lock_pins_every_runtime_dependency_within_pyproject_s_range() -> None:
    pins = dict(re.findall(r"^([A-Za-z0-9._-]+)==([^\s;]+)", LOCK.read_text(), re.MULTILINE))
    pinned = {canonicalize_name(name): version for name, version in pins.items()}
    wanted = [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["postgres"]]
    outside = []
    for spec in map(Requirement, wanted):
        version = pinned.get(canonicalize_name(spec.name))
        if version is None or version not in spec.specifier:
            outside.append(spec)
    assert outside == []


def test_commands_other_than_run_are_run_as_given(tmp_path: Path) -> None:
    made = _entrypoint("seal-key", env={}, cwd=tmp_path)
    assert made.returncode == 0 and len(made.stdout.strip()) == 44


def test_run_stops_before_serving_when_the_check_fails(tmp_path: Path) -> None:
    # Nothing listens on the database's port: the check fails, so `run` never starts.
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
        "DATABASE_URL": f"postgresql://feedbackbot@127.0.0.1:{free_port()}/feedbackbot",
        "PORT": str(free_port()),
    }
    refused = _entrypoint("run", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith("the pre-flight check failed (above); not starting")
