"""The commands of ``feedbackbot``, once its arguments are read: settings, the composition root,
and each command's own libraries, imported in its branch (Discord's only by ``discord sync``,
Alembic's only by ``db``, the platforms' only by ``run``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from adapters.app.composition import open_app
from adapters.app.settings import (
    Settings,
    configure_logging,
    load_settings,
)
from adapters.cli.output import OUTPUT_CLOSED, OutputClosed, guarded, show, silence_stdout
from adapters.cli.usage import USAGE_ERROR, UsageError, is_text
from adapters.console.session import CONSOLE, ConsoleSession, Seat, person_named
from adapters.environment import read_environment
from adapters.scheduler.cli import run_reminders
from bot.backlog import BacklogFilter, Sort
from bot.core import Core
from bot.dashboard_access import LINK_LIFETIME, signin_url
from bot.errors import ConfigError, FeedbackBotError
from bot.export import ANSWER_FIELDS, answer_row, encoder
from bot.identity import Person, Platform, Workspace
from bot.items import Stakeholder
from bot.kpis import format_kpis
from bot.ports import Deletion
from bot.reminders import ReminderKind


def check_arguments(arguments: argparse.Namespace) -> None:
    """What argparse cannot check alone, before anything is opened."""
    if arguments.command == "reminders" and arguments.reminders_command == "add":
        if arguments.text and arguments.kind == ReminderKind.ROADMAP.value:
            raise UsageError(
                "reminders add: --text goes with --kind prompt (a feedback prompt's own words) "
                "or --kind survey (its question); a roadmap update has none"
            )
        if arguments.scale and arguments.kind != ReminderKind.SURVEY.value:
            raise UsageError("reminders add: --scale goes with --kind survey")


def run_command(
    arguments: argparse.Namespace,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    out = guarded(stdout or sys.stdout)
    try:
        env = read_environment(os.environ if environ is None else environ, Path(".env"))
        check_arguments(arguments)
        if arguments.command == "check":
            # Its own settings line: a wrong value is a failed check, not a refusal to start.
            from adapters.app.preflight import run_check

            status = asyncio.run(run_check(env, out))
            out.flush()
            return status
        settings = load_settings(env)
        configure_logging(settings, default="WARNING" if arguments.command != "run" else "INFO")
        dispatched = _dispatch(arguments, settings, env, stdin or sys.stdin, out)
        if arguments.command == "run":
            from adapters.app.event_loop import run

            status = run(dispatched)
        else:
            status = asyncio.run(dispatched)
        out.flush()
        return status
    except OutputClosed:
        if stdout is None:
            silence_stdout()
        return OUTPUT_CLOSED
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
        from adapters.cli.database import run_db

        return await run_db(arguments, settings, out)
    if arguments.command == "discord":
        return await _discord_sync(settings, out)
    if arguments.command == "seal-key":
        from adapters.sealing import new_key

        print(new_key(), file=out)
        return 0
    if arguments.command == "run":
        if settings.worker == 0:
            # A refused token stops the start here, in one line; the workers share the tokens.
            from adapters.app.preflight import refuse_refused_tokens

            await refuse_refused_tokens(settings)
        return await _run(settings, env)
    if arguments.command == "webhooks":
        from adapters.cli.webhooks import run_webhooks

        return await run_webhooks(arguments, settings, out)
    # Only the commands that reach a tracker open its HTTP client (and import httpx).
    reach = arguments.command in ("link", "unlink", "trackers")
    async with open_app(settings, trackers=reach) as app:
        if arguments.command == "console":
            user = env.get("USER", "")
            name = arguments.name or (user if is_text(user) else "") or "you"
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
                show(format_kpis(kpis), out)
            return 0
        if arguments.command == "reminders":
            return await run_reminders(arguments, app.core.roadmap, app.core.clock, out)
        if arguments.command == "dashboard":
            return await _dashboard_link(arguments, app.core, out)
        if arguments.command in ("link", "unlink", "trackers"):
            from adapters.cli.trackers import run_trackers

            return await run_trackers(arguments, app.core, out)
        if arguments.command == "export" and arguments.what == "answers":
            await _export_answers(app.core, arguments.workspace, arguments.format, out)
            return 0
        if arguments.command == "delete":
            deleted = await app.core.feedback.delete(arguments.workspace, arguments.number)
            print(deleted_line(arguments.workspace, deleted), file=out)
            return 0
        if arguments.command == "export":
            # The dashboard's export, oldest first: streamed, so a million items fit in memory.
            async for chunk in app.core.backlog.export(
                arguments.workspace, BacklogFilter(), Sort.OLDEST, arguments.format
            ):
                out.write(chunk.decode())
            return 0
    raise AssertionError(f"no command {arguments.command!r}")


async def _export_answers(
    core: Core, workspace: Workspace | None, format: str, out: TextIO
) -> None:
    """Every survey answer, in the items export's CSV or JSON, written as read."""
    encode = encoder(format, ANSWER_FIELDS)
    out.write(encode(None).decode())
    async for answer in core.feedback.export_answers(workspace):
        out.write(encode([answer_row(answer)]).decode())
    out.write(encode([]).decode())


def deleted_line(workspace: Workspace, deleted: Deletion) -> str:
    """What ``feedbackbot delete`` removed, in one line (and the duplicates it left)."""
    counts = [
        (deleted.votes, "vote"),
        (deleted.status_changes, "status change"),
        (deleted.sla_breaches, "SLA breach"),
        (deleted.survey_answers, "survey answer"),
        (deleted.tracker_links, "tracker link"),
        (deleted.tracker_notes, "tracker note"),
        (deleted.owed_messages, "owed message"),
        (deleted.webhook_deliveries, "webhook delivery"),
    ]
    removed = [_counted(count, noun) for count, noun in counts if count]
    line = f"Deleted #{deleted.number} of {workspace}"
    line += f" with its {_listed(removed)}." if removed else "; nothing else was kept about it."
    if deleted.duplicates:
        merged = ", ".join(f"#{number}" for number in deleted.duplicates)
        line += f" Kept the items merged into it as duplicates: {merged}."
    return line


def _counted(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1] + 'ies' if noun.endswith('ery') else noun + 's'}"


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


async def _dashboard_link(arguments: argparse.Namespace, core: Core, out: TextIO) -> int:
    """The sign-in link alone on standard output (for scripts); what it does, on standard
    error."""
    workspace: Workspace = arguments.workspace
    person = (
        Person(arguments.user_id, arguments.name)
        if arguments.user_id
        else person_named(arguments.name)
        if workspace.platform is Platform.CONSOLE
        else Person(arguments.name, arguments.name)
    )
    token = await core.access.link(workspace, person, admin=arguments.admin)
    print(signin_url(core.dashboard_url, token), file=out)
    role = "an admin" if arguments.admin else "a member (not an admin)"
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    print(
        f"It works once, within {minutes} minutes, and signs {person.display_name} in to "
        f"{workspace} as {role}.",
        file=sys.stderr,
    )
    return 0


async def _run(settings: Settings, env: Mapping[str, str]) -> int:
    from adapters.app.serving import run_until_stopped
    from adapters.metrics.directory import metrics_directory

    with metrics_directory(settings, env) as environ:
        async with open_app(settings, metrics=True, webhooks=True, trackers=True) as app:
            await run_until_stopped(app, environ)
    return 0


async def _discord_sync(settings: Settings, out: TextIO) -> int:
    if settings.discord is None:
        raise ConfigError("DISCORD_TOKEN", "missing (the bot token of your Discord application)")
    from adapters.discord.app import sync_commands

    for line in await sync_commands(settings.discord):
        print(line, file=out)
    return 0
