"""``feedbackbot link|unlink|trackers poll``: items and their tracker issues, for operators.

The operator acts as an admin (``OPERATOR``): whoever may run the command may triage. Answers
are worded by the core (``bot.replies``), as in chat; a refusal goes to standard error with
status 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot import replies
from bot.core import Core
from bot.errors import TrackerFailed
from bot.identity import Person, Workspace
from bot.messages import Message
from bot.trackers import TrackerNotConfigured, UnknownIssue
from bot.tracking import Applied

OPERATOR = Person("cli", "operator")


class OperatorRoles:
    """Whoever runs the command line operates the bot, and may triage."""

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        return True


async def run_trackers(arguments: argparse.Namespace, core: Core, out: TextIO) -> int:
    trackers = core.trackers
    if arguments.command == "trackers":
        if not trackers.trackers:
            return _refuse(replies.NO_TRACKERS)
        applied = await trackers.poll_changes()
        for each in applied:
            if each.outcome != "unchanged":
                print(_applied(each), file=out)
        moved = sum(1 for each in applied if each.outcome == "moved")
        print(f"{moved} item{'s' if moved != 1 else ''} moved.", file=out)
        return 0
    workspace: Workspace = arguments.workspace
    issue = " ".join(arguments.issue)
    try:
        if arguments.command == "link":
            if not trackers.trackers:
                return _refuse(replies.NO_TRACKERS)
            linked = await trackers.link(
                workspace, OPERATOR, OperatorRoles(), arguments.number, issue
            )
            print(replies.linked(linked).plain, file=out)
            return 0
        removed = await trackers.unlink(
            workspace, OPERATOR, OperatorRoles(), arguments.number, issue
        )
    except TrackerFailed as failed:
        return _refuse(replies.tracker_failed(failed))
    except TrackerNotConfigured as missing:
        return _refuse(replies.tracker_not_configured(missing.tracker))
    except UnknownIssue as unknown:
        return _refuse(replies.unknown_issue(unknown))
    print(replies.unlinked(arguments.number, removed, issue).plain, file=out)
    return 0


def _applied(applied: Applied) -> str:
    """``slack:T0123 #3: moved to shipped``."""
    where = f"{applied.workspace} #{applied.number}"
    if applied.outcome == "moved" and applied.to is not None:
        return f"{where}: moved to {applied.to.label}"
    return f"{where}: {applied.outcome}"


def _refuse(message: Message) -> int:
    print(f"feedbackbot: {message.plain}", file=sys.stderr)
    return 1
