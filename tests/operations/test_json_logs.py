"""``LOG_FORMAT=json`` as a log collector reads it: every line ``feedbackbot run`` writes is one
JSON object, and none carries an anonymous author's id or name, or anyone's words; lines written
while an event is handled say which platform, workspace, event and delivery they are about."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.discord.conftest import ACME_CHANNEL, ACME_GUILD, ALICE
from tests.discord.fake_discord import FakeDiscord
from tests.operations.session import both_platforms, logged
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

KEYS = {"time", "level", "logger", "message"}
SLACK_AUTHOR_ID, SLACK_AUTHOR_NAME = "U0QUIET7", "quiet.author"
DISCORD_AUTHOR_NAME = "alice"  # ALICE's name on the fake Discord
SLACK_WORDS, DISCORD_WORDS = "the on-call rota burns people out", "retros feel pointless"
CALLBACK = r"/interactions/\d+/.+/callback"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user(SLACK_AUTHOR_ID, SLACK_AUTHOR_NAME, display_name="Quiet Author")
        yield fake


@pytest.fixture
async def lines(fake: FakeDiscord, slack: FakeSlack, tmp_path: Path) -> list[str]:
    """What ``run`` logs in JSON while an anonymous item is recorded on each platform; the
    thank-yous fail, so that the deliveries' failures are logged too."""
    slack.fail("chat.postMessage", "channel_not_found")
    fake.fail("POST", r"/channels/\d+/messages", 403, 50013, "Missing Permissions", times=5)

    async def anonymous_items(sender: SlackSender) -> None:
        await sender.command(
            "/feedback",
            f"anonymous: {SLACK_WORDS}",
            user_id=SLACK_AUTHOR_ID,
            user_name=SLACK_AUTHOR_NAME,
        )
        await slack.wait_for("chat.postMessage")
        await fake.wait_until(fake.ready.is_set)
        await fake.command(
            "feedback",
            guild_id=ACME_GUILD,
            channel_id=ACME_CHANNEL,
            user_id=ALICE,
            options={"text": DISCORD_WORDS, "anonymous": True},
        )
        await fake.wait_for("POST", CALLBACK)

    env = both_platforms(fake, slack, tmp_path, LOG_FORMAT="json")
    return await logged(env, tmp_path, slack, anonymous_items)


def test_every_line_is_one_json_object_with_time_level_logger_and_message(
    lines: list[str],
) -> None:
    assert lines
    for line in lines:
        parsed = json.loads(line)
        assert isinstance(parsed, dict) and parsed.keys() >= KEYS, line


def test_an_anonymous_authors_id_and_name_and_the_words_are_in_no_line(lines: list[str]) -> None:
    for line in lines:
        for secret in (SLACK_AUTHOR_ID, SLACK_AUTHOR_NAME, ALICE, DISCORD_AUTHOR_NAME):
            assert secret.lower() not in line.lower(), line
        assert SLACK_WORDS not in line and DISCORD_WORDS not in line, line


def test_a_failure_logged_while_a_command_is_handled_names_platform_workspace_and_delivery(
    lines: list[str],
) -> None:
    failures = [
        parsed
        for parsed in map(json.loads, lines)
        if parsed["message"].startswith("an owed thanks cannot be delivered")
    ]
    by_platform = {line["platform"]: line for line in failures}
    assert by_platform.keys() == {"slack", "discord"}
    assert by_platform["slack"]["workspace"] == "T1"
    assert by_platform["slack"]["event"] == "/feedback"
    assert by_platform["slack"]["delivery_id"].startswith("command:")
    assert by_platform["discord"]["workspace"] == ACME_GUILD
    assert by_platform["discord"]["event"] == "/feedback"
    assert by_platform["discord"]["delivery_id"].startswith("interaction:")
    assert all(line["duration_ms"] >= 0 for line in failures)
