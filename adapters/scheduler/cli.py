"""``feedbackbot reminders add|list|remove``: the reminders of any workspace, for operators."""

from __future__ import annotations

import argparse
from typing import TextIO

from adapters.cli.output import show
from adapters.cli.usage import number_argument, workspace_argument
from bot.errors import FeedbackBotError
from bot.ports import Clock
from bot.reminders import ReminderKind
from bot.replies import describe_reminder
from bot.roadmap import RoadmapService
from bot.schedules import EXAMPLES
from bot.surveys import Scale


def add_reminder_actions(parser: argparse.ArgumentParser) -> None:
    """Add the actions of ``feedbackbot reminders`` (its parser) and their arguments."""
    reminders = parser.add_subparsers(dest="reminders_command", required=True, metavar="ACTION")
    add = reminders.add_parser(
        "add",
        help="add a reminder to a channel",
        epilog="schedules: " + "; ".join(EXAMPLES),
    )
    add.add_argument("--workspace", type=workspace_argument, required=True, help="platform:id")
    add.add_argument("--channel", required=True, help="the channel id to post in")
    add.add_argument(
        "--kind",
        choices=[kind.value for kind in ReminderKind],
        default=ReminderKind.ROADMAP.value,
        help="a roadmap update (default), a feedback prompt, or a pulse survey",
    )
    add.add_argument(
        "--text", default="", help="a feedback prompt's own words; a survey's question"
    )
    add.add_argument(
        "--scale",
        choices=[scale.value for scale in Scale],
        help="a survey's scale (default 1-5)",
    )
    add.add_argument("--timezone", help="an IANA time zone (default: REMINDER_TIMEZONE or UTC)")
    add.add_argument("schedule", nargs="+", help='e.g. "every monday at 09:00"')
    listing = reminders.add_parser("list", help="list reminders with their next time")
    listing.add_argument("--workspace", type=workspace_argument, help="only this workspace")
    listing.add_argument("--channel", help="only this channel (needs --workspace)")
    remove = reminders.add_parser("remove", help="remove a reminder")
    remove.add_argument("--workspace", type=workspace_argument, required=True, help="platform:id")
    remove.add_argument("id", type=number_argument)


async def run_reminders(
    arguments: argparse.Namespace, roadmap: RoadmapService, clock: Clock, out: TextIO
) -> int:
    action = arguments.reminders_command
    if action == "add":
        reminder = await roadmap.add_reminder(
            arguments.workspace,
            arguments.channel,
            " ".join(arguments.schedule),
            kind=ReminderKind(arguments.kind),
            text=arguments.text,
            time_zone=arguments.timezone,
            scale=Scale(arguments.scale) if arguments.scale else None,
        )
        show(f"added {reminder.workspace}: {describe_reminder(reminder, clock.now())}", out)
        return 0
    if action == "remove":
        if not await roadmap.remove_reminder(arguments.workspace, arguments.id):
            raise FeedbackBotError(f"there is no reminder #{arguments.id} in {arguments.workspace}")
        print(f"removed reminder #{arguments.id}", file=out)
        return 0
    if arguments.channel and not arguments.workspace:
        raise FeedbackBotError("--channel needs --workspace")
    found = (
        await roadmap.reminders(arguments.workspace, arguments.channel)
        if arguments.workspace
        else await roadmap.all_reminders()
    )
    now = clock.now()
    for reminder in found:
        described = describe_reminder(reminder, now)
        show(f"{reminder.workspace} {reminder.channel_id} {described}", out)
    if not found:
        print("no reminders", file=out)
    return 0
