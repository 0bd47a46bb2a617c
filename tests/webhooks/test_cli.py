"""``feedbackbot webhooks add|list|remove|test|deliveries`` as an admin runs them, in this
process (``main``), against the receiver fake."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.sealing import new_key
from tests.cli import Result, run_cli
from tests.webhooks.receiver import Receiver

WORKSPACE = "slack:T-ACME"


async def cli(*argv: str, env: dict[str, str], cwd: Path) -> Result:
    # On a thread of its own: ``main`` runs its own event loop, and the receiver runs on this one.
    return await asyncio.to_thread(run_cli, "webhooks", *argv, env=env, cwd=cwd)


def sealed(env: dict[str, str]) -> dict[str, str]:
    return {**env, "FEEDBACKBOT_SEAL_KEY": new_key()}


async def test_an_admin_adds_lists_tests_and_removes_an_endpoint(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = sealed(clean_env)
    async with Receiver() as receiver:
        added = await cli(
            "add", "--workspace", WORKSPACE, receiver.url(), "--events",
            "item.created,item.voted", env=env, cwd=tmp_path,
        )  # fmt: skip
        assert added.status == 0, added.stderr
        lines = added.stdout.splitlines()
        assert lines[0].startswith("Added webhook endpoint 1: 1  slack:T-ACME  enabled")
        secret = lines[-1]
        assert secret.startswith("whsec_")
        receiver.trust(secret)

        listed = await cli("list", env=env, cwd=tmp_path)
        assert listed.status == 0
        assert receiver.url() in listed.stdout and "item.created,item.voted" in listed.stdout
        assert secret not in listed.stdout  # shown once, at add

        tested = await cli("test", "1", env=env, cwd=tmp_path)
        assert tested.status == 0, tested.stderr
        assert "HTTP 204" in tested.stdout and "(delivered)" in tested.stdout
        (payload,) = receiver.payloads
        assert payload["type"] == "webhook.test"

        deliveries = await cli("deliveries", "--workspace", WORKSPACE, env=env, cwd=tmp_path)
        assert deliveries.status == 0
        (line,) = deliveries.stdout.splitlines()
        assert "endpoint 1" in line and "webhook.test" in line and "HTTP 204" in line

        removed = await cli("remove", "1", env=env, cwd=tmp_path)
        assert (removed.status, removed.stdout) == (0, "Removed webhook endpoint 1.\n")
        assert (await cli("list", env=env, cwd=tmp_path)).stdout == "No webhook endpoints.\n"
        again = await cli("remove", "1", env=env, cwd=tmp_path)
        assert again.status == 1 and "no webhook endpoint 1" in again.stderr


async def test_a_test_of_an_endpoint_that_is_down_says_why_and_fails(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = sealed(clean_env)
    async with Receiver() as receiver:
        added = await cli("add", "--workspace", WORKSPACE, receiver.url(), env=env, cwd=tmp_path)
        assert added.status == 0, added.stderr
        await receiver.go_down()
        tested = await cli("test", "1", env=env, cwd=tmp_path)
        assert tested.status == 1
        assert "Cannot connect" in tested.stdout and "(failed)" in tested.stdout
        listed = await cli("deliveries", "--endpoint", "1", env=env, cwd=tmp_path)
        assert "Cannot connect" in listed.stdout and "failed" in listed.stdout


async def test_adding_without_a_seal_key_is_refused_in_one_line(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    refused = await cli(
        "add", "--workspace", WORKSPACE, "https://hooks.example.com/x", env=clean_env, cwd=tmp_path
    )
    assert refused.status == 2
    assert refused.stderr.startswith("feedbackbot: configuration error: FEEDBACKBOT_SEAL_KEY")
    assert len(refused.stderr.splitlines()) == 1


async def test_an_unknown_event_or_a_url_that_is_not_http_is_refused(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = sealed(clean_env)
    unknown = await cli(
        "add", "--workspace", WORKSPACE, "https://hooks.example.com/x", "--events", "item.eaten",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert unknown.status == 1 and "unknown event 'item.eaten'" in unknown.stderr
    not_http = await cli("add", "--workspace", WORKSPACE, "ftp://x", env=env, cwd=tmp_path)
    assert not_http.status == 1 and "not an http(s) URL" in not_http.stderr
