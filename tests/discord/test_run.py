"""``feedbackbot run`` and ``feedbackbot discord sync`` as an operator runs them, against the fake
Discord (and the fake Slack, for both platforms in one process): ``run`` as a real process, the
others with ``main`` in this process (in a thread, while the fakes serve on this loop)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.cli import run_cli
from tests.discord.conftest import ACME_CHANNEL, ACME_GUILD, ALICE, GLOBEX_GUILD, discord_env
from tests.discord.fake_discord import FakeDiscord
from tests.discord.test_supervised import REACTION_WITHOUT_TYPE
from tests.processes import free_port, installed, running
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed import SlackSender

CALLBACK = r"/interactions/\d+/.+/callback"


async def test_run_serves_discord_with_health_until_stopped(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    port = free_port()
    env = discord_env(fake, tmp_path, PORT=str(port))
    async with running(env, tmp_path, b"serving Discord"):
        await fake.wait_until(fake.ready.is_set)
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
        await fake.command(
            "feedback",
            guild_id=ACME_GUILD,
            channel_id=ACME_CHANNEL,
            user_id=ALICE,
            options={"text": "served for real"},
        )
        (callback,) = await fake.wait_for("POST", CALLBACK)
    assert health.status_code == 200
    assert "served for real" in callback.json["data"]["content"]
    # The fewest intents: guilds, guild reactions, message content.
    assert fake.identify is not None and fake.identify["intents"] == (1 << 0) | (1 << 10) | (
        1 << 15
    )
    assert fake.requests_to("PUT", r"/applications/.*") == []  # never synced at start


@dataclass
class BothPlatforms:
    """``feedbackbot run`` serving the fake Slack over HTTP and the fake Discord."""

    slack: FakeSlack
    env: dict[str, str]
    port: int
    process: asyncio.subprocess.Process

    @property
    def sender(self) -> SlackSender:
        return SlackSender(
            f"http://127.0.0.1:{self.port}", SECRET, response_url=self.slack.response_url()
        )

    async def said_on_discord(self, fake: FakeDiscord, text: str) -> None:
        await fake.command(
            "feedback",
            guild_id=ACME_GUILD,
            channel_id=ACME_CHANNEL,
            user_id=ALICE,
            options={"text": text},
        )
        await fake.wait_for("POST", CALLBACK)

    async def exported(self, tmp_path: Path) -> set[tuple[str, int, str]]:
        exported = await asyncio.to_thread(
            run_cli, "export", "--format", "json", env=self.env, cwd=tmp_path
        )
        assert exported.status == 0, exported.stderr
        rows = json.loads(exported.stdout)
        return {(row["workspace"], row["number"], row["text"]) for row in rows}


@asynccontextmanager
async def both_platforms(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BothPlatforms]:
    async with FakeSlack() as slack:
        slack.add_user("U1", "alice", "T1", display_name="Alice")
        slack.add_channel("C1")
        port = free_port()
        env = discord_env(
            fake,
            tmp_path,
            PORT=str(port),
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.api_url,
        )
        async with running(env, tmp_path, b"Discord (gateway)") as process:
            await fake.wait_until(fake.ready.is_set)
            yield BothPlatforms(slack, env, port, process)


async def test_run_serves_slack_and_discord_in_one_process_on_one_database(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with both_platforms(fake, tmp_path) as both:
        await both.sender.command("/feedback", "said on Slack")
        await both.said_on_discord(fake, "said on Discord")
        await both.slack.wait_for("chat.postMessage")
    assert await both.exported(tmp_path) == {
        ("slack:T1", 1, "said on Slack"),
        (f"discord:{ACME_GUILD}", 1, "said on Discord"),
    }


async def test_a_discord_payload_discord_py_cannot_parse_leaves_slack_and_health_serving(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with both_platforms(fake, tmp_path) as both:
        await fake.dispatch("MESSAGE_REACTION_ADD", REACTION_WITHOUT_TYPE)
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{both.port}/healthz")
        await both.sender.command("/feedback", "said on Slack meanwhile")
        await both.slack.wait_for("chat.postMessage")
        # Connected again after the first back-off (1 s).
        await fake.wait_until(lambda: fake.identified == 2 and fake.ready.is_set())
        await both.said_on_discord(fake, "said on Discord after it")
    assert both.process.stderr is not None
    log = (await both.process.stderr.read()).decode()
    assert health.status_code == 200
    failures = [line for line in log.splitlines() if "connection failed" in line]
    assert len(failures) == 1 and "KeyError: 'type'" in failures[0]
    assert "Traceback" not in log
    assert await both.exported(tmp_path) == {
        ("slack:T1", 1, "said on Slack meanwhile"),
        (f"discord:{ACME_GUILD}", 1, "said on Discord after it"),
    }


async def test_sync_registers_the_commands_globally(fake: FakeDiscord, tmp_path: Path) -> None:
    synced = await asyncio.to_thread(
        run_cli, "discord", "sync", env=discord_env(fake, tmp_path), cwd=tmp_path
    )
    assert synced.status == 0, synced.stderr
    assert "synced /feedback, /request, /roadmap globally" in synced.stdout
    (put,) = fake.requests_to("PUT", r"/applications/\d+/commands")
    commands = {command["name"]: command for command in put.body}
    assert set(commands) == {"feedback", "request", "roadmap"}
    subcommands = {o["name"]: o for o in commands["roadmap"]["options"]}
    assert all(o["type"] == 1 for o in subcommands.values())  # a group of subcommands
    assert {"digest", "remind", "reminders", "unremind", "status", "stats"} <= set(subcommands)
    status = {o["name"]: o for o in subcommands["status"]["options"]}
    assert "duplicate" in [c["value"] for c in status["status"]["choices"]]
    assert commands["roadmap"]["contexts"] == [0]
    options = {o["name"]: o for o in commands["request"]["options"]}
    assert [c["value"] for c in options["priority"]["choices"]] == ["must-have", "good-to-have"]
    assert options["text"]["max_length"] == 4000 and not options["text"]["required"]
    assert options["anonymous"]["type"] == 5
    # Servers that installed the bot only, never a user install, in servers only (GUILD).
    for command in commands.values():
        assert (command["integration_types"], command["contexts"]) == ([0], [0])
    assert fake.identify is None  # no gateway connection needed


async def test_sync_to_the_configured_guilds_only(fake: FakeDiscord, tmp_path: Path) -> None:
    env = discord_env(fake, tmp_path, DISCORD_GUILD_IDS=f"{ACME_GUILD}, {GLOBEX_GUILD}")
    synced = await asyncio.to_thread(run_cli, "discord", "sync", env=env, cwd=tmp_path)
    assert synced.status == 0, synced.stderr
    assert fake.requests_to("PUT", r"/applications/\d+/commands") == []
    puts = fake.requests_to("PUT", r"/applications/\d+/guilds/\d+/commands")
    assert sorted(p.path.split("/")[4] for p in puts) == sorted([ACME_GUILD, GLOBEX_GUILD])
    assert set(fake.commands) == {ACME_GUILD, GLOBEX_GUILD}
    assert synced.stdout.count("synced /feedback, /request, /roadmap in guild") == 2


async def test_a_refused_token_is_one_clear_line(fake: FakeDiscord, tmp_path: Path) -> None:
    env = discord_env(fake, tmp_path, DISCORD_TOKEN="not-the-token", PORT=str(free_port()))
    # ``run`` as a process: it handles signals, which only the main thread may.
    refused = await installed("run", env=env, cwd=tmp_path)
    assert refused.status == 2
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith("feedbackbot: configuration error: DISCORD_TOKEN: Discord refused")


def test_sync_without_a_token_names_the_variable(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    result = run_cli("discord", "sync", env=env, cwd=tmp_path)
    assert result.status == 2 and "DISCORD_TOKEN" in result.stderr


async def test_run_asks_whether_a_shipped_item_solved_it_and_tells_triage_of_a_no(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """The survey's pieces as ``run`` composes them: the shipped DM's buttons, a press in the
    DM answered privately, the *No* line in ``DISCORD_TRIAGE_CHANNEL``, the answer exported."""
    triager, triage_channel = "344444444444444444", "255555555555555555"
    fake.add_member(ACME_GUILD, triager, "tess", permissions=1 << 5)  # Manage Server
    fake.guilds[ACME_GUILD].channels[triage_channel] = "triage"
    env = discord_env(
        fake,
        tmp_path,
        PORT=str(free_port()),
        DISCORD_TRIAGE_CHANNEL=f"{ACME_GUILD}:{triage_channel}",
    )
    dm = f"7{ALICE[1:]}"
    async with running(env, tmp_path, b"serving Discord"):
        await fake.wait_until(fake.ready.is_set)
        await fake.command(
            "request",
            guild_id=ACME_GUILD,
            channel_id=ACME_CHANNEL,
            user_id=ALICE,
            options={"text": "dark mode"},
        )
        await fake.wait_for("POST", CALLBACK)  # the thank-you: #1 is stored
        for count, status in enumerate(("planned", "shipped"), start=1):
            await fake.command(
                "roadmap",
                guild_id=ACME_GUILD,
                channel_id=ACME_CHANNEL,
                user_id=triager,
                options={"number": 1, "status": status},
                subcommand="status",
            )
            await fake.wait_for("POST", rf"/channels/{dm}/messages", count=count)
        asked = fake.channel_messages(dm)[-1]
        pressed = await fake.press(asked.id, asked.button("No")["custom_id"], user_id=ALICE)
        await fake.wait_for("POST", rf"/channels/{triage_channel}/messages")
        await fake.wait_until(
            lambda: any(m.interaction_id == pressed.data["id"] for m in fake.messages.values())
        )
    (answer,) = [m for m in fake.messages.values() if m.interaction_id == pressed.data["id"]]
    assert answer.ephemeral and "team will hear" in answer.content
    (line,) = fake.channel_messages(triage_channel)
    assert "#1" in line.content and "dark mode" in line.content
    exported = await asyncio.to_thread(
        run_cli, "export", "--what", "answers", "--format", "json", env=env, cwd=tmp_path
    )
    assert exported.status == 0, exported.stderr
    (row,) = json.loads(exported.stdout)
    assert (row["survey"], row["number"], row["user_id"], row["answer"]) == (
        "shipped",
        1,
        ALICE,
        "no",
    )
