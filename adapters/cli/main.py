"""``feedbackbot``: the command line. Every failure a person can fix ends in one clear line."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TextIO

from dotenv import dotenv_values

from adapters.app.composition import open_app
from adapters.app.serving import run_until_stopped
from adapters.app.settings import (
    NothingToServe,
    Settings,
    configure_logging,
    ensure_something_to_serve,
    load_settings,
)
from adapters.cli.database import run_db
from adapters.cli.output import OUTPUT_CLOSED, OutputClosed, guarded, silence_stdout
from adapters.cli.usage import USAGE_ERROR, UsageError, check_arguments, workspace_argument
from adapters.console.session import CONSOLE, ConsoleSession, Seat, person_named
from adapters.discord.app import sync_commands
from adapters.scheduler.cli import add_reminder_commands, run_reminders
from adapters.sealing import new_key
from bot.errors import ConfigError, FeedbackBotError
from bot.export import FIELDS, ExportValue, export_row
from bot.identity import Platform, Workspace
from bot.items import Stakeholder
from bot.kpis import format_kpis


def read_environment(environ: Mapping[str, str], env_file: Path) -> dict[str, str]:
    """The process environment over an optional ``.env`` file: a variable set in the
    environment wins, so a deployment can always override the file."""
    merged: dict[str, str] = {}
    if env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(environ)
    return merged


def _since(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {text!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedbackbot",
        description="Record /feedback and /request from Slack, Discord or a terminal.",
    )
    parser.add_argument("--version", action="version", version=version("feedbackbot"))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    console = commands.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--name", help="your display name (default: $USER)")
    console.add_argument("--channel", default="general", help="channel name (default: general)")
    console.add_argument(
        "--workspace", default="local", help="workspace id, to keep trials apart (default: local)"
    )
    console.add_argument("--external", action="store_true", help="speak as an external stakeholder")

    commands.add_parser("run", help="serve the configured chat platforms")

    discord = commands.add_parser("discord", help="Discord set-up").add_subparsers(
        dest="discord_command", required=True, metavar="ACTION"
    )
    discord.add_parser(
        "sync",
        help="register /feedback and /request with Discord (in DISCORD_GUILD_IDS, or globally)",
    )

    export = commands.add_parser("export", help="write every item to stdout")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument(
        "--workspace", type=workspace_argument, help="only this workspace, as platform:id"
    )

    stats = commands.add_parser("stats", help="KPIs: counts, times to acknowledge and ship, SLAs")
    stats.add_argument(
        "--workspace", type=workspace_argument, help="only this workspace, as platform:id"
    )
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.add_argument(
        "--since", type=_since, help="from this day (YYYY-MM-DD, UTC; default: from the start)"
    )

    commands.add_parser(
        "seal-key", help="print a new key for FEEDBACKBOT_SEAL_KEY (anonymous authors' handles)"
    )

    add_reminder_commands(commands)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    upgrade = db.add_parser("upgrade", help="apply migrations (default: to the newest)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db.add_parser("downgrade", help="undo migrations down to REVISION")
    downgrade.add_argument("revision")
    db.add_parser("current", help="show the schema revision of the database")
    return parser


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    arguments = build_parser().parse_args(argv)
    env = read_environment(os.environ if environ is None else environ, Path(".env"))
    out = guarded(stdout or sys.stdout)
    try:
        check_arguments(arguments)
        settings = load_settings(env)
        configure_logging(settings, default="WARNING" if arguments.command != "run" else "INFO")
        status = asyncio.run(_dispatch(arguments, settings, env, stdin or sys.stdin, out))
        out.flush()
        return status
    except OutputClosed:
        if stdout is None:
            silence_stdout()
        return OUTPUT_CLOSED
    except NothingToServe:
        print(
            "feedbackbot run: no chat platform is configured, so there is nothing to serve. "
            "Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for Slack, or DISCORD_TOKEN for "
            "Discord (see README.md); try the bot without one with `feedbackbot console`.",
            file=sys.stderr,
        )
        return USAGE_ERROR
    except UsageError as error:
        print(f"feedbackbot: {error}", file=sys.stderr)
        return USAGE_ERROR
    except ConfigError as error:
        print(f"feedbackbot: configuration error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except FeedbackBotError as error:
        print(f"feedbackbot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


async def _dispatch(
    arguments: argparse.Namespace,
    settings: Settings,
    env: Mapping[str, str],
    stdin: TextIO,
    out: TextIO,
) -> int:
    if arguments.command == "db":
        return await run_db(arguments, settings, out)
    if arguments.command == "discord":
        return await _discord_sync(settings, out)
    if arguments.command == "seal-key":
        print(new_key(), file=out)
        return 0
    if arguments.command == "run":
        ensure_something_to_serve(settings)  # before the database is created or migrated
    async with open_app(settings) as app:
        if arguments.command == "console":
            name = arguments.name or env.get("USER") or "you"
            seat = Seat(
                workspace=Workspace(Platform.CONSOLE, arguments.workspace),
                channel_id=arguments.channel,
                person=person_named(name),
                stakeholder=Stakeholder.EXTERNAL if arguments.external else Stakeholder.INTERNAL,
            )
            await ConsoleSession(
                app.core.conversation(CONSOLE), seat, stdin, out, interactive=stdin.isatty()
            ).run()
            return 0
        if arguments.command == "stats":
            kpis = await app.core.triage.stats(arguments.workspace, arguments.since)
            if arguments.format == "json":
                json.dump(kpis.as_json(), out, indent=2)
                out.write("\n")
            else:
                print(format_kpis(kpis), file=out)
            return 0
        if arguments.command == "reminders":
            return await run_reminders(arguments, app.core.roadmap, app.core.clock, out)
        if arguments.command == "export":
            rows = [
                export_row(item) async for item in app.core.feedback.export(arguments.workspace)
            ]
            _write_export(rows, arguments.format, out)
            return 0
        await run_until_stopped(app, env)
        return 0


def _write_export(rows: list[dict[str, ExportValue]], form: str, out: TextIO) -> None:
    if form == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


async def _discord_sync(settings: Settings, out: TextIO) -> int:
    if settings.discord is None:
        raise ConfigError("DISCORD_TOKEN", "missing (the bot token of your Discord application)")
    for line in await sync_commands(settings.discord):
        print(line, file=out)
    return 0
